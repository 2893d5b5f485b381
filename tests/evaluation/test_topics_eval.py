"""`resonanz eval topics`: NMI/ARI against scikit-learn, CrisisLex folders, the command."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import typer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from typer.testing import CliRunner

from resonanz.cli import eval_topics
from resonanz.cli.context import AppContext
from resonanz.errors import ParseError, ValidationError
from resonanz.evaluation.topics import adjusted_rand_index, evaluate_topics, load_crisislex, nmi

T26_HEADER = "Tweet ID, Tweet Text, Information Source, Information Type, Informativeness"
# Three events; each tweet draws words from its event's pool (ids are real snowflakes).
EVENTS = {
    "2013_Test_floods": ("flood river water evacuate levee rain rescue shelter", "#testflood"),
    "2013_Test_quake": ("earthquake magnitude tremor aftershock epicenter quake", "#testquake"),
    "2012_Test_fire": ("wildfire blaze smoke firefighters acres containment", "#testfire"),
}
FIRST_ID = 300_000_000_000_000_000  # 2013-02


def tweets(event: str, count: int, rng: random.Random) -> list[tuple[str, str, bool]]:
    pool, tag = EVENTS[event]
    out = []
    for i in range(count):
        on_topic = i % 6 != 5
        words = [*rng.sample(pool.split(), 4), tag] if on_topic else ["lunch", "monday", "cat"]
        tweet_id = str(FIRST_ID + rng.randrange(10**15))  # within a few days
        out.append((tweet_id, "RT @someone: " + " ".join(words) + ", ok", on_topic))
    return out


def write_t26(root: Path, per_event: int = 24, seed: int = 0) -> int:
    """A CrisisLex T26 folder as the real one is laid out; returns the on-topic count."""
    rng = random.Random(seed)
    on = 0
    for event in EVENTS:
        folder = root / event
        folder.mkdir(parents=True)
        lines = [T26_HEADER]
        for tweet_id, text, on_topic in tweets(event, per_event, rng):
            label = "Related and informative" if on_topic else "Not related"
            quoted = text.replace('"', '""')
            lines.append(f'"{tweet_id}","{quoted}",Media,Other Useful Information,{label}')
            on += on_topic
        (folder / f"{event}-tweets_labeled.csv").write_text("\n".join(lines) + "\n")
        (folder / "README.md").write_text("labelled tweets\n")
    return on


def write_t6(root: Path, per_event: int = 24) -> None:
    rng = random.Random(1)
    for event in EVENTS:
        folder = root / event
        folder.mkdir(parents=True)
        with (folder / f"{event}-ontopic_offtopic.csv").open("w", newline="") as f:
            f.write("tweet id, tweet, label\n")
            for tweet_id, text, on_topic in tweets(event, per_event, rng):
                label = "on-topic" if on_topic else "off-topic"
                f.write(f"'{tweet_id}',\"{text}\",{label}\n")


@pytest.mark.parametrize("seed", range(6))
def test_nmi_and_ari_agree_with_scikit_learn(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.choice([1, 2, 7, 60, 500])
    gold = [rng.randrange(rng.randint(1, 5)) for _ in range(n)]
    predicted = [rng.randrange(rng.randint(1, 40)) for _ in range(n)]
    cases = [(gold, predicted), (gold, gold), (gold, list(range(n))), (gold, [0] * n)]
    for g, p in cases:
        assert nmi(g, p) == pytest.approx(normalized_mutual_info_score(g, p), abs=1e-9)
        assert adjusted_rand_index(g, p) == pytest.approx(adjusted_rand_score(g, p), abs=1e-9)


def test_metrics_edge_cases() -> None:
    assert nmi([], []) == adjusted_rand_index([], []) == 1.0
    assert nmi(["a", "a"], [1, 1]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    with pytest.raises(ValidationError):
        nmi([1, 2], [1])


def test_load_crisislex_t26(tmp_path: Path) -> None:
    on = write_t26(tmp_path)
    posts, fmt = load_crisislex(tmp_path)
    assert fmt == "crisislex-t26" and len(posts) == 3 * 24
    assert sum(p.on_topic for p in posts) == on
    assert {p.event for p in posts} == set(EVENTS)
    first = posts[0]
    assert first.text.startswith("RT @someone: ") and first.text.endswith(", ok")
    assert first.time is not None and first.time.year == 2013
    assert first.where.endswith("-tweets_labeled.csv:2")


def test_evaluate_topics_on_a_small_t26_folder(tmp_path: Path) -> None:
    on = write_t26(tmp_path)
    report = evaluate_topics(tmp_path, limit=None, seed=0)
    assert report["format"] == "crisislex-t26" and report["events"] == 3
    assert report["n"] == on and report["n_stream"] == 72
    assert 0 <= report["nmi"] <= 1 and -1 <= report["ari"] <= 1
    assert 0 <= report["nmi_all"] <= 1
    assert report["clusters"] >= 1 and report["posts_per_s"] > 0
    assert json.loads(json.dumps(report))["params"]["threshold"] == 0.15
    assert report["largest"] and {"label", "size", "event", "event_share"} <= set(
        report["largest"][0]
    )
    shuffled = evaluate_topics(tmp_path, limit=40, seed=3, order="shuffled", batch_size=7)
    assert shuffled["n_stream"] == 40 and shuffled["order"] == "shuffled"
    again = evaluate_topics(tmp_path, limit=40, seed=3, order="shuffled", batch_size=7)
    assert (again["nmi"], again["ari"]) == (shuffled["nmi"], shuffled["ari"])


def test_evaluate_topics_reads_t6_too(tmp_path: Path) -> None:
    write_t6(tmp_path)
    report = evaluate_topics(tmp_path, limit=None, seed=0)
    assert report["format"] == "crisislex-t6" and report["events"] == 3


def test_missing_or_empty_folders_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such folder"):
        evaluate_topics(tmp_path / "nope", limit=None, seed=0)
    (tmp_path / "file.csv").write_text("x")
    with pytest.raises(ValidationError, match="not a folder"):
        evaluate_topics(tmp_path / "file.csv", limit=None, seed=0)
    with pytest.raises(ParseError, match="no CrisisLex event files"):
        evaluate_topics(tmp_path, limit=None, seed=0)


def test_one_event_is_not_enough(tmp_path: Path) -> None:
    write_t26(tmp_path)
    for event in list(EVENTS)[1:]:
        for file in (tmp_path / event).iterdir():
            file.unlink()
    with pytest.raises(ValidationError, match="two events"):
        evaluate_topics(tmp_path, limit=None, seed=0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('"123","text",Media,Other\n', "row has 4 fields, expected 5"),
        ('"12x","text",Media,Other,Not related\n', "tweet id '12x' is not a number"),
        ('"123","text",Media,Other,Very related\n', "unknown label 'Very related'"),
        ('"123","text \x00\xff broken,Media,Other,Not related\n', "row has 2 fields"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    write_t26(tmp_path)
    event = next(iter(EVENTS))
    file = tmp_path / event / f"{event}-tweets_labeled.csv"
    with file.open("a", encoding="utf-8") as f:
        f.write(line)
    with pytest.raises(ParseError, match=f"{file.name}:26: {message}") as info:
        evaluate_topics(tmp_path, limit=None, seed=0)
    assert "1 bad row(s)" in str(info.value)


def test_a_file_without_header_is_refused(tmp_path: Path) -> None:
    write_t26(tmp_path)
    event = next(iter(EVENTS))
    file = tmp_path / event / f"{event}-tweets_labeled.csv"
    file.write_text(file.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    with pytest.raises(ParseError, match=f"{file.name}:1: expected the header row"):
        load_crisislex(tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 1}, "--limit"),
        ({"order": "random"}, "unknown order"),
        ({"batch_size": 0}, "--batch-size"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    write_t26(tmp_path)
    with pytest.raises(ValidationError, match=message):
        evaluate_topics(tmp_path, seed=0, **kwargs)  # type: ignore[arg-type]


def cli() -> typer.Typer:
    """A throwaway app with an `eval` group, as resonanz.cli.evaluate builds it."""
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = AppContext(flags={})

    evaluation = typer.Typer()
    app.add_typer(evaluation, name="eval")
    eval_topics.register(evaluation)
    return app


def test_command_prints_one_json_object(tmp_path: Path) -> None:
    write_t26(tmp_path)
    result = CliRunner().invoke(
        cli(), ["eval", "topics", "--dataset", str(tmp_path), "--seed", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"nmi", "ari", "n", "posts_per_s"} <= set(report)
    assert report["seed"] == 2


def test_command_prints_tables(tmp_path: Path) -> None:
    write_t26(tmp_path)
    args = ["eval", "topics", "--dataset", str(tmp_path), "--limit", "50", "--order", "shuffled"]
    result = CliRunner().invoke(cli(), args)
    assert result.exit_code == 0, result.output
    assert "nmi" in result.stdout and "largest clusters" in result.stdout


def test_command_errors_are_project_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["eval", "topics", "--dataset", str(tmp_path / "x")])
    assert isinstance(result.exception, ValidationError)
