"""Training a workspace's classifier from the settings page, in the background, and
reanalysing its stored mentions with the active models (``start_reanalyse``, job
``REANALYSE``; ``web/reanalyse_runner.py``).

At most one job runs per (workspace, task): starting another while it runs is refused
(``AlreadyRunning``). A background thread runs the job: it spawns a child process that
opens the same database and trains (``train_in_subprocess``), then reads the new model
from the app's Store (its SQLAlchemy engine is thread-safe; the SQLite engine is opened
with ``check_same_thread=False``, as the request threads use it too). Jobs live in
memory (``app.state.training_jobs``): after a restart the page shows the active models
only. A ValidationError of the training (too few labels)
is kept as its message; any other exception is logged with its traceback and kept as
``failed``. Start, success and failure go into the workspace's audit log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from resonanz.errors import ResonanzError, ValidationError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from resonanz.config import Settings
    from resonanz.store import Store
    from resonanz.store.training import ModelInfo

log = logging.getLogger(__name__)

# (store, workspace id, task, the setting aspect_categories) -> the stored model
Trainer = Callable[["Store", int, str, str], "ModelInfo"]
# (store, workspace id, settings, since) -> {"read": mentions, "changed": new sentiment}
Reanalyser = Callable[["Store", int, "Settings", datetime], Mapping[str, int]]
# The job key of a reanalysis beside the training tasks.
REANALYSE = "reanalyse"


class AlreadyRunning(ResonanzError):
    """A training of this workspace and task is still running."""


def train_model(store: Store, workspace_id: int, task: str, categories_setting: str) -> ModelInfo:
    """Train and store the workspace's ``task`` model (``train_workspace_model``) in this
    process."""
    from resonanz.workspace_models import train_workspace_model

    _classifier, info = train_workspace_model(
        store, workspace_id, task, categories_setting=categories_setting
    )
    return info


class _ChildRefused(Exception):
    """A ValidationError of the child, as a plain exception that pickles."""


def _in_child(work: Callable[..., Any], url: str, *args: Any) -> Any:
    """What the child process runs: open the database, ``work(store, *args)``, close it.
    A ValidationError is sent back as its message (``_ChildRefused``)."""
    from resonanz.store import open_store

    store = open_store(url)
    try:
        return work(store, *args)
    except ValidationError as exc:
        raise _ChildRefused(str(exc)) from None
    finally:
        store.close()


def in_child_process(store: Store, work: Callable[..., Any], *args: Any) -> Any:
    """``work(store, *args)`` in a fresh spawned process that opens the same database (the
    CPU-bound work of a job would hold the web process's interpreter lock and slow every
    page); ``work`` is a module-level function and its result pickles. An SQLite database
    in memory (or another Store) cannot be shared: there it runs in this process."""
    engine = getattr(store, "engine", None)  # a SqlStore's; another Store works here
    url = getattr(engine, "url", None)
    if url is None or (
        url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    ):
        return work(store, *args)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(_in_child, work, url.render_as_string(hide_password=False), *args)
        try:
            return future.result()
        except _ChildRefused as exc:
            raise ValidationError(str(exc)) from None


def _trained_id(store: Store, workspace_id: int, task: str, categories_setting: str) -> int:
    return train_model(store, workspace_id, task, categories_setting).id


def train_in_subprocess(
    store: Store, workspace_id: int, task: str, categories_setting: str
) -> ModelInfo:
    """``train_model`` in a fresh child process (``in_child_process``), one per job; the
    new model is then read from this process's store."""
    model_id = in_child_process(store, _trained_id, workspace_id, task, categories_setting)
    for info in store.training.list_models(workspace_id, task):
        if info.id == model_id:
            return info
    raise ValidationError(f"the trained {task} model {model_id} is not in the database")


@dataclass(frozen=True)
class JobState:
    """One job: running while ``finished_at`` is None; then ``model`` (a training: the
    name of the new active model) or ``result`` (a reanalysis: mentions ``read``, how many
    ``changed`` sentiment), ``error`` (a ValidationError's message) or ``failed``."""

    workspace_id: int
    task: str
    started_at: datetime
    user_id: int | None
    finished_at: datetime | None = None
    model: str | None = None
    error: str | None = None
    failed: bool = False
    result: Mapping[str, int] | None = None

    @property
    def running(self) -> bool:
        return self.finished_at is None


@dataclass(frozen=True)
class _Job:
    """What a kind of job is called: in the refusal (``what``: "a sentiment training"), in
    the log (``doing``: "training the sentiment model"), and its audit entry once finished
    (``finished``: (action, target) of the final state)."""

    what: str
    doing: str
    finished: Callable[[JobState], tuple[str, str]]


def _reason(done: JobState) -> str:
    return done.error or "unexpected error (see the server log)"


class TrainingJobs:
    """The background jobs of one app, with the trainer and reanalyser they call
    (``train_in_subprocess``, ``reanalyse_runner.reanalyse_in_subprocess``; tests may pass
    ``train_model`` or a double)."""

    def __init__(
        self, trainer: Trainer = train_in_subprocess, reanalyser: Reanalyser | None = None
    ) -> None:
        self.trainer = trainer
        if reanalyser is None:
            from resonanz.web.reanalyse_runner import reanalyse_in_subprocess

            reanalyser = reanalyse_in_subprocess
        self.reanalyser = reanalyser
        self._lock = threading.Lock()
        self._states: dict[tuple[int, str], JobState] = {}
        self._threads: dict[tuple[int, str], threading.Thread] = {}

    def start(
        self,
        store: Store,
        workspace_id: int,
        task: str,
        *,
        user_id: int | None,
        categories_setting: str = "",
    ) -> JobState:
        """Start training ``task`` in a thread; AlreadyRunning while one runs."""

        def work() -> dict[str, Any]:
            return {"model": self.trainer(store, workspace_id, task, categories_setting).name}

        def finished(done: JobState) -> tuple[str, str]:
            if done.model is not None:
                return "classifier.trained", f"trained {task} model {done.model}"
            return "classifier.failed", f"{task}: {_reason(done)}"

        job = _Job(f"a {task} training", f"training the {task} model", finished)
        started = ("classifier.train", task)
        return self._start(store, workspace_id, task, user_id, work, job, started)

    def start_reanalyse(
        self,
        store: Store,
        workspace_id: int,
        *,
        settings: Settings,
        since: datetime,
        user_id: int | None,
    ) -> JobState:
        """Start reanalysing the workspace's mentions posted since ``since`` in a thread;
        AlreadyRunning while one runs."""

        def work() -> dict[str, Any]:
            return {"result": dict(self.reanalyser(store, workspace_id, settings, since))}

        def finished(done: JobState) -> tuple[str, str]:
            if done.result is None:
                return "mentions.reanalyse_failed", _reason(done)
            read, changed = done.result.get("read", 0), done.result.get("changed", 0)
            return "mentions.reanalysed", f"{read} mentions, {changed} changed sentiment"

        job = _Job("a reanalysis", "reanalysing the mentions", finished)
        started = ("mentions.reanalyse", f"since {since.date().isoformat()}")
        return self._start(store, workspace_id, REANALYSE, user_id, work, job, started)

    def _start(
        self,
        store: Store,
        workspace_id: int,
        task: str,
        user_id: int | None,
        work: Callable[[], dict[str, Any]],
        job: _Job,
        started: tuple[str, str],
    ) -> JobState:
        """Run ``work`` in a thread as the job ``task``; ``started``: its audit entry."""
        key = (workspace_id, task)
        with self._lock:
            current = self._states.get(key)
            if current is not None and current.running:
                raise AlreadyRunning(f"{job.what} is already running")
            state = JobState(workspace_id, task, datetime.now(UTC), user_id)
            self._states[key] = state
            thread = threading.Thread(
                target=self._run,
                args=(store, state, work, job),
                name=f"{task}-{workspace_id}",
                daemon=True,
            )
            self._threads[key] = thread
        store.accounts.audit(workspace_id, user_id, *started)
        thread.start()
        return state

    def _run(
        self, store: Store, state: JobState, work: Callable[[], dict[str, Any]], job: _Job
    ) -> None:
        outcome: dict[str, Any] = {}
        error: str | None = None
        failed = False
        try:
            outcome = work()
        except ValidationError as exc:
            error = str(exc)
        except Exception:
            log.exception("%s of workspace %s failed", job.doing, state.workspace_id)
            failed = True
        done = replace(state, finished_at=datetime.now(UTC), error=error, failed=failed, **outcome)
        try:
            store.accounts.audit(state.workspace_id, state.user_id, *job.finished(done))
        except Exception:
            log.exception("writing the audit log of a %s job failed", state.task)
        finally:
            with self._lock:
                self._states[(state.workspace_id, state.task)] = done

    def state(self, workspace_id: int, task: str) -> JobState | None:
        """The running or last job of this workspace and task (None: none since start)."""
        with self._lock:
            return self._states.get((workspace_id, task))

    def wait(self, workspace_id: int, task: str, timeout: float | None = None) -> JobState | None:
        """Wait up to ``timeout`` seconds for the job to finish; its state then."""
        with self._lock:
            thread = self._threads.get((workspace_id, task))
        if thread is not None:
            thread.join(timeout)
        return self.state(workspace_id, task)


_APP_LOCK = threading.Lock()


def jobs_of(app: FastAPI) -> TrainingJobs:
    """The app's training jobs (made on first use)."""
    with _APP_LOCK:
        jobs: TrainingJobs | None = getattr(app.state, "training_jobs", None)
        if jobs is None:
            jobs = TrainingJobs()
            app.state.training_jobs = jobs
        return jobs
