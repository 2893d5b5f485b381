"""The settings page's "Reanalyse stored mentions": the mentions of the last days labelled
again with the active models, in a background job (``training_jobs.start_reanalyse``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import httpx
from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.store import Store
from resonanz.web.reanalyse_runner import reanalyse_here, reanalyse_in_subprocess
from resonanz.web.training_jobs import REANALYSE, JobState, TrainingJobs
from tests.web.conftest import Held, World, csrf_of

Login = Callable[[str], TestClient]
REANALYSE_URL = "/w/acme/settings/classifiers/reanalyse"


def _ws(world: World) -> int:
    return world.ids["acme.workspace"]


def _wait(jobs: TrainingJobs, world: World) -> JobState:
    state = jobs.wait(_ws(world), REANALYSE, 60)
    assert state is not None and not state.running
    return state


def _post(client: TestClient, days: str) -> httpx.Response:
    return client.post(REANALYSE_URL, data={"csrf_token": csrf_of(client), "days": days})


def _sentiments(world: World, workspace: str = "acme") -> dict[str, str | None]:
    ws = world.ids[f"{workspace}.workspace"]
    return {
        m.native_id: (m.enrichments.get("sentiment") or {}).get("label")
        for m in world.store.iter_mentions(ws)
    }


def test_only_editors_see_and_use_it(login: Login, world: World, jobs: TrainingJobs) -> None:
    for role in ("viewer", "analyst"):
        client = login(role)
        assert REANALYSE_URL not in client.get("/w/acme/settings").text
        assert _post(client, "30").status_code == 403
    assert jobs.state(_ws(world), REANALYSE) is None
    page = login("editor").get("/w/acme/settings").text
    assert f'action="{REANALYSE_URL}"' in page and "Reanalyse stored mentions" in page


def test_click_labels_the_stored_mentions_in_a_child_process(
    login: Login, world: World, jobs: TrainingJobs
) -> None:
    # The app runs it in a spawned child (``reanalyse_in_subprocess``): the settings travel
    # there and the child opens the same database.
    assert jobs.reanalyser is reanalyse_in_subprocess
    assert set(_sentiments(world).values()) == {None}
    editor = login("editor")
    answer = _post(editor, "30")
    assert answer.status_code == 200
    state = _wait(jobs, world)
    assert state.error is None and not state.failed and state.result is not None
    labels = _sentiments(world)
    assert state.result["read"] == len(labels) and None not in labels.values()
    assert state.result["changed"] == len(labels)  # none had a sentiment before
    assert set(_sentiments(world, "other").values()) == {None}  # only this workspace
    page = editor.get("/w/acme/settings").text
    shown = f"{state.result['read']} mentions, {state.result['changed']} with a new sentiment"
    assert shown in page
    audit = login("admin").get("/w/acme/settings/audit").text
    assert "mentions.reanalyse" in audit and "mentions.reanalysed" in audit


def test_days_bound_the_mentions_and_bad_days_are_refused(
    login: Login, world: World, jobs: TrainingJobs
) -> None:
    jobs.reanalyser = reanalyse_here  # in this process: quicker, same code
    editor = login("editor")
    for days in ("0", "-3", "abc", "", "3651"):
        answer = _post(editor, days)
        assert answer.status_code == 422
        assert "Please give a number of days from 1 to 3650." in answer.text
    assert jobs.state(_ws(world), REANALYSE) is None
    assert _post(editor, "1").status_code == 200
    state = _wait(jobs, world)
    assert state.result is not None
    # The world's mentions are 0, 1, 2, ... hours old: "1 day" is since midnight UTC.
    labelled = {n for n, label in _sentiments(world).items() if label is not None}
    assert state.result["read"] == len(labelled) >= 1


def test_second_click_while_running_says_so(login: Login, world: World, jobs: TrainingJobs) -> None:
    held = Held(reanalyse_here)
    jobs.reanalyser = held
    editor = login("editor")
    try:
        assert _post(editor, "30").status_code == 200
        assert held.started.wait(10)
        page = editor.get("/w/acme/settings").text
        assert "reanalysing since" in page and f'action="{REANALYSE_URL}"' not in page
        second = _post(editor, "30")
        assert second.status_code == 409
        assert "already being reanalysed (since" in second.text
    finally:
        held.release.set()
    assert _wait(jobs, world).result is not None
    assert f'action="{REANALYSE_URL}"' in editor.get("/w/acme/settings").text


def test_failure_is_shown_and_german(login: Login, world: World, jobs: TrainingJobs) -> None:
    def broken(
        store: Store, workspace_id: int, settings: Settings, since: datetime
    ) -> Mapping[str, int]:
        raise RuntimeError("disk on fire")

    jobs.reanalyser = broken
    editor = login("editor")
    editor.post("/w/acme/settings/locale", data={"csrf_token": csrf_of(editor), "locale": "de"})
    _post(editor, "7")
    state = _wait(jobs, world)
    assert state.failed and state.result is None
    page = editor.get("/w/acme/settings").text
    assert "Neuanalyse unerwartet fehlgeschlagen" in page and "disk on fire" not in page
    assert "Gespeicherte Erwähnungen neu analysieren" in page and "Neu analysieren" in page
    audit = login("admin").get("/w/acme/settings/audit").text
    assert "mentions.reanalyse_failed" in audit
