"""Training a workspace's classifier from the settings page, in the background.

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
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from resonanz.errors import ResonanzError, ValidationError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from resonanz.store import Store
    from resonanz.store.training import ModelInfo

log = logging.getLogger(__name__)

# (store, workspace id, task, the setting aspect_categories) -> the stored model
Trainer = Callable[["Store", int, str, str], "ModelInfo"]


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


def _train_in_child(url: str, workspace_id: int, task: str, categories_setting: str) -> int:
    """What the child process runs: open the database, train, return the model's id.
    A ValidationError is sent back as its message (``_ChildRefused``)."""
    from resonanz.store import open_store

    store = open_store(url)
    try:
        return train_model(store, workspace_id, task, categories_setting).id
    except ValidationError as exc:
        raise _ChildRefused(str(exc)) from None
    finally:
        store.close()


class _ChildRefused(Exception):
    """A ValidationError of the child, as a plain exception that pickles."""


def train_in_subprocess(
    store: Store, workspace_id: int, task: str, categories_setting: str
) -> ModelInfo:
    """``train_model`` in a fresh child process (spawned, one per job): training is
    seconds to minutes of CPU-bound Python, which in the web process would hold the
    interpreter lock and slow every page. The child opens the same database; an SQLite
    database in memory cannot be shared, so it trains in this process."""
    engine = getattr(store, "engine", None)  # a SqlStore's; another Store trains here
    url = getattr(engine, "url", None)
    if url is None or (
        url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    ):
        return train_model(store, workspace_id, task, categories_setting)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(
            _train_in_child,
            url.render_as_string(hide_password=False),
            workspace_id,
            task,
            categories_setting,
        )
        try:
            model_id = future.result()
        except _ChildRefused as exc:
            raise ValidationError(str(exc)) from None
    for info in store.training.list_models(workspace_id, task):
        if info.id == model_id:
            return info
    raise ValidationError(f"the trained {task} model {model_id} is not in the database")


@dataclass(frozen=True)
class JobState:
    """One training job: running while ``finished_at`` is None; then ``model`` (the name
    of the new active model), ``error`` (a ValidationError's message) or ``failed``."""

    workspace_id: int
    task: str
    started_at: datetime
    user_id: int | None
    finished_at: datetime | None = None
    model: str | None = None
    error: str | None = None
    failed: bool = False

    @property
    def running(self) -> bool:
        return self.finished_at is None


class TrainingJobs:
    """The training jobs of one app, with the trainer they call (``train_in_subprocess``;
    tests may pass ``train_model`` or a double)."""

    def __init__(self, trainer: Trainer = train_in_subprocess) -> None:
        self.trainer = trainer
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
        key = (workspace_id, task)
        with self._lock:
            current = self._states.get(key)
            if current is not None and current.running:
                raise AlreadyRunning(f"a {task} training is already running")
            state = JobState(workspace_id, task, datetime.now(UTC), user_id)
            self._states[key] = state
            thread = threading.Thread(
                target=self._run,
                args=(store, state, categories_setting),
                name=f"train-{task}-{workspace_id}",
                daemon=True,
            )
            self._threads[key] = thread
        store.accounts.audit(workspace_id, user_id, "classifier.train", task)
        thread.start()
        return state

    def _run(self, store: Store, state: JobState, categories_setting: str) -> None:
        model: str | None = None
        error: str | None = None
        failed = False
        try:
            model = self.trainer(store, state.workspace_id, state.task, categories_setting).name
        except ValidationError as exc:
            error = str(exc)
        except Exception:
            log.exception(
                "training the %s model of workspace %s failed", state.task, state.workspace_id
            )
            failed = True
        done = replace(
            state, finished_at=datetime.now(UTC), model=model, error=error, failed=failed
        )
        try:
            if model is not None:
                target = f"trained {state.task} model {model}"
                store.accounts.audit(
                    state.workspace_id, state.user_id, "classifier.trained", target
                )
            else:
                target = f"{state.task}: {error or 'unexpected error (see the server log)'}"
                store.accounts.audit(state.workspace_id, state.user_id, "classifier.failed", target)
        except Exception:
            log.exception("writing the audit log of a %s training failed", state.task)
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
