"""The settings page's "Trained classifiers" section: label counts, the active model with
its quality, and training from the web in a background job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from resonanz.analysis.labelfiles import NewExample, read_labels
from resonanz.errors import ValidationError
from resonanz.store import Store
from resonanz.store.training import ModelInfo
from resonanz.web.training_jobs import (
    JobState,
    TrainingJobs,
    train_in_subprocess,
    train_model,
)
from tests.web.conftest import Held, World, csrf_of

Login = Callable[[str], TestClient]
LABELS = Path(__file__).resolve().parents[1] / "payloads" / "labels"
TRAIN = "/w/acme/settings/classifiers/train"


def _ws(world: World) -> int:
    return world.ids["acme.workspace"]


def _wait(jobs: TrainingJobs, world: World, task: str) -> JobState:
    state = jobs.wait(_ws(world), task, 60)
    assert state is not None and not state.running
    return state


def _train(client: TestClient, task: str) -> httpx.Response:
    return client.post(TRAIN, data={"csrf_token": csrf_of(client), "task": task})


def test_section_shows_counts_and_no_model_to_every_role(login: Login, world: World) -> None:
    examples = [
        NewExample(text="Zug pünktlich", label="positive"),
        NewExample(text="Zug zu spät", label="negative"),
        NewExample(text="Wieder zu spät", label="negative"),
    ]
    world.store.training.add_examples(_ws(world), "sentiment", examples, source="csv")
    aspects = [
        NewExample(text="Zug 20 Minuten zu spät", label="Zugfahrt:negative"),
        NewExample(text="Kaffee kalt", label="Service:negative; Preis:negative"),
        NewExample(text="Heute ist Dienstag", label="none"),
    ]
    world.store.training.add_examples(_ws(world), "aspects", aspects, source="csv")

    viewer = login("viewer").get("/w/acme/settings")
    assert viewer.status_code == 200 and 'id="classifiers"' in viewer.text
    sentiment = viewer.text.split('id="classifier-sentiment"', 1)[1].split("</tr>", 1)[0]
    assert "3:" in sentiment and "negative 2" in sentiment and "positive 1" in sentiment
    assert "no model yet — the default is used" in sentiment
    row = viewer.text.split('id="classifier-aspects"', 1)[1].split("</tr>", 1)[0]
    assert "with aspects 2" in row and "none 1" in row and "Preis" not in row
    relevance = viewer.text.split('id="classifier-relevance"', 1)[1].split("</tr>", 1)[0]
    assert "none yet" in relevance
    assert "Train now" not in viewer.text and TRAIN not in viewer.text
    assert "Train now" not in login("analyst").get("/w/acme/settings").text
    editor = login("editor").get("/w/acme/settings")
    assert editor.text.count(f'action="{TRAIN}"') == 3 and "Train now" in editor.text


def test_viewer_and_analyst_may_not_train(login: Login, world: World, jobs: TrainingJobs) -> None:
    for role in ("viewer", "analyst"):
        answer = _train(login(role), "sentiment")
        assert answer.status_code == 403
    assert jobs.state(_ws(world), "sentiment") is None


def test_too_few_labels_show_the_message(login: Login, world: World, jobs: TrainingJobs) -> None:
    examples = [NewExample(text=f"Text {i}", label="positive") for i in range(3)]
    world.store.training.add_examples(_ws(world), "sentiment", examples, source="ui")
    editor = login("editor")
    answer = _train(editor, "sentiment")
    assert answer.status_code == 200
    state = _wait(jobs, world, "sentiment")
    assert state.model is None and not state.failed
    assert state.error is not None and "needs at least 20 labelled examples" in state.error
    page = editor.get("/w/acme/settings")
    assert "Training failed: training a sentiment classifier needs at least 20" in page.text
    assert "there are 3" in page.text
    no_labels = _train(editor, "relevance")
    assert no_labels.status_code == 200
    _wait(jobs, world, "relevance")
    assert "this workspace has no relevance labels yet" in editor.get("/w/acme/settings").text
    assert world.store.training.list_models(_ws(world)) == []
    audit = login("admin").get("/w/acme/settings/audit").text
    assert "classifier.train" in audit and "classifier.failed" in audit

    unknown = _train(editor, "emotion")
    assert unknown.status_code == 422
    assert "Please choose sentiment, relevance or aspects." in unknown.text


def test_train_click_trains_and_shows_the_active_model(
    login: Login, world: World, jobs: TrainingJobs
) -> None:
    # The app trains in a spawned child process (``train_in_subprocess``), which a
    # monkeypatch would not reach: the full grid on 36 examples, a few seconds.
    assert jobs.trainer is train_in_subprocess
    examples = read_labels(LABELS / "sentiment.csv", "sentiment")
    world.store.training.add_examples(_ws(world), "sentiment", examples, source="csv")
    editor = login("editor")
    answer = _train(editor, "sentiment")
    assert answer.status_code == 200
    state = _wait(jobs, world, "sentiment")
    assert state.error is None and not state.failed and state.model is not None

    (model,) = world.store.training.list_models(_ws(world))
    assert model.active and model.name == state.model and model.n_examples == len(examples)
    page = editor.get("/w/acme/settings")
    row = page.text.split('id="classifier-sentiment"', 1)[1].split("</tr>", 1)[0]
    assert model.name in row and f"on {len(examples)} examples" in row
    assert f"micro-F1 {float(model.quality['micro_f1']):.4f}" in row
    assert f"{model.quality['folds']} folds" in row
    assert "Last training from here:" in row and f"model {state.model}." in row
    assert "no model yet" not in row
    audit = login("admin").get("/w/acme/settings/audit").text
    assert f"trained sentiment model {model.name}" in audit
    # Viewers see the model too, read-only.
    viewer = login("viewer").get("/w/acme/settings").text
    assert model.name in viewer and "Train now" not in viewer


def test_second_click_while_running_says_so(login: Login, world: World, jobs: TrainingJobs) -> None:
    held = Held(train_model)
    jobs.trainer = held
    editor = login("editor")
    try:
        first = _train(editor, "relevance")
        assert first.status_code == 200
        assert held.started.wait(10)
        page = editor.get("/w/acme/settings")
        row = page.text.split('id="classifier-relevance"', 1)[1].split("</tr>", 1)[0]
        assert "training since" in row and "reload the page" in row and "Train now" not in row
        second = _train(editor, "relevance")
        assert second.status_code == 409
        assert "already being trained (since" in second.text
    finally:
        held.release.set()
    state = _wait(jobs, world, "relevance")
    assert state.error is not None and "no relevance labels yet" in state.error
    # Finished: the button is back and a new click starts a new job.
    assert "Train now" in editor.get("/w/acme/settings").text


def test_unexpected_failure_is_logged_and_shown_briefly(
    login: Login, world: World, jobs: TrainingJobs, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(store: Store, workspace_id: int, task: str, setting: str) -> ModelInfo:
        raise RuntimeError("disk on fire")

    jobs.trainer = broken
    editor = login("editor")
    with caplog.at_level(logging.ERROR, logger="resonanz.web.training_jobs"):
        _train(editor, "aspects")
        state = _wait(jobs, world, "aspects")
    assert state.failed and state.error is None
    logged = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], RuntimeError)]
    assert logged and "training the aspects model" in logged[0].getMessage()
    page = editor.get("/w/acme/settings").text
    assert "Training failed unexpectedly; the server log has the details." in page
    assert "disk on fire" not in page


def test_classifiers_section_speaks_german(login: Login) -> None:
    editor = login("editor")
    token = csrf_of(editor)
    editor.post("/w/acme/settings/locale", data={"csrf_token": token, "locale": "de"})
    page = editor.get("/w/acme/settings").text
    assert "Eigene Klassifikatoren" in page and "Jetzt trainieren" in page
    assert "noch kein Modell – das Standardmodell wird verwendet" in page


def test_the_child_process_refusal_comes_back_as_its_message(world: World) -> None:
    examples = [NewExample(text=f"Zug {i}", label="negative") for i in range(3)]
    world.store.training.add_examples(_ws(world), "sentiment", examples, source="csv")
    with pytest.raises(ValidationError, match="at least 20 labelled examples"):
        train_in_subprocess(world.store, _ws(world), "sentiment", "")
