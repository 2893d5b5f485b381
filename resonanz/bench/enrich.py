"""Benchmark: every default enricher over real posts on one core; start-up time and memory.

Posts are the texts of the labelled corpora in ``--data`` (SB10k, PotTS, TweetEval,
GermEval 2017: the shared data folder) or, by default, of the bundled GermEval sample,
shuffled with a fixed seed. When more posts are asked for than there are texts, the
further ones are recombined (the first half of one text's words and the second half of
another's), so that no post repeats and no cache can answer from an earlier one. Posts
carry no language, so language detection runs on all of them, as for RSS items.

Everything is measured in one fresh process (``python -c``), pinned to one CPU, with the
thread pools of native libraries limited to one thread:

- ``startup_s``: from starting that process until it has imported Resonanz, built the
  enrichers (``Runtime.load``, built-in plugins, as `resonanz collect` does) and enriched
  one post;
- ``posts_per_s``: then all posts, in batches of ``batch_size`` as the pipeline runs them
  (enrichers marked ``before_match`` first), wall-clock time (``posts_per_cpu_s``: per
  second of CPU time, steadier where other processes share the CPU);
- ``rss_mib``: the peak resident memory of that process over the whole run
  (``startup_rss_mib``: the peak after the first post).

With ``train`` (``--train PATH``), the workspace classifiers that PATH has labels for are
trained first in this process (``enrich_models``, not timed) and the measured process
loads and binds them as ``collect`` does for a workspace with active models; loading them
counts in ``startup_s``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from resonanz.errors import ResonanzError, ValidationError

__all__ = ["DEMO_DIR", "TARGETS", "bench_enrich", "child_main", "corpus", "make_posts"]

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
TARGETS: dict[str, tuple[str, float]] = {
    "posts_per_s": (">=", 2000.0),
    "startup_s": ("<=", 2.0),
    "rss_mib": ("<=", 1024.0),
}
# (glob below --data, dataset format, platform of the posts)
DATA_FILES: tuple[tuple[str, str, str], ...] = (
    ("sb10k/*.tsv", "sb10k", "twitter"),
    ("potts/*.tsv", "sb10k", "twitter"),
    ("tweeteval/*_text.txt", "tweeteval", "twitter"),
    ("germeval2017/*.tsv", "germeval", "web"),
    ("germeval2017_sample.tsv", "germeval", "web"),
)
_FIRST_POST = "Der ICE nach Köln hat schon wieder 40 Minuten Verspätung 😡 #bahn @DB_Bahn"
# Native libraries (lingua's rayon, BLAS, OpenMP) start one thread per CPU unless told.
_ONE_THREAD = {
    "RAYON_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
_CHILD = "from resonanz.bench.enrich import child_main; child_main()"


@dataclass(frozen=True)
class Post:
    """The text of a benchmark post and the platform it stands for."""

    text: str
    platform: str


def corpus(data_dir: Path) -> tuple[list[Post], list[str]]:
    """The texts of every known labelled file below ``data_dir``, and those files' names."""
    from resonanz.evaluation.datasets import load_dataset

    if not data_dir.is_dir():
        raise ValidationError(f"{data_dir}: no such folder")
    posts: list[Post] = []
    used: list[str] = []
    for pattern, fmt, platform in DATA_FILES:
        for path in sorted(data_dir.glob(pattern)):
            dataset = load_dataset(path, fmt)
            posts.extend(Post(e.text, platform) for e in dataset.examples)
            used.append(str(path.relative_to(data_dir)))
    if not posts:
        known = ", ".join(p for p, _, _ in DATA_FILES)
        raise ValidationError(f"{data_dir}: no labelled texts found (looked for {known})")
    return posts, used


def make_posts(texts: Sequence[Post], n: int, seed: int = 0) -> tuple[list[Post], int]:
    """n posts: the texts shuffled, then recombined ones; and how many were recombined."""
    rng = random.Random(seed)
    pool = list(texts)
    rng.shuffle(pool)
    posts = pool[:n]
    while len(posts) < n:
        first, second = rng.choice(pool), rng.choice(pool)
        head, tail = first.text.split(), second.text.split()
        text = " ".join(head[: (len(head) + 1) // 2] + tail[len(tail) // 2 :])
        posts.append(Post(text or first.text, first.platform))
    return posts, max(0, n - len(pool))


def _peak_rss_mib() -> float:
    """This process's peak resident memory in MiB.

    Linux: VmHWM, the peak of this process's own memory. ru_maxrss would not do: Linux
    carries it over exec from the forking process, so it never reads below the resident
    memory of the `resonanz` command that started the measured process (~200 MiB).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    import resource

    # ru_maxrss is in KiB on Linux (bytes on macOS, where this is an overestimate x1024).
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _pin_one_cpu() -> int | None:
    """Pin this process to one CPU (Linux); the CPU's number, or None where impossible."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def _enrich_all(
    enrichers: Sequence[Any], mentions: list[Any], spent: dict[str, float]
) -> list[Any]:
    """Run the enrichers over one batch in pipeline order, adding their seconds to spent
    (document features shared between them as ``pipeline.process`` shares them)."""
    from resonanz.analysis.docfeatures import shared_parts
    from resonanz.pipeline import pipeline_order

    with shared_parts():
        for enricher in pipeline_order(enrichers):
            began = time.perf_counter()
            mentions = enricher.enrich(mentions)
            spent[enricher.name] = spent.get(enricher.name, 0.0) + time.perf_counter() - began
    return mentions


def _models_named(mentions: Sequence[Any]) -> dict[str, list[str]]:
    """{enrichment: the model names its entries carry} over the mentions."""
    named: dict[str, set[str]] = {}
    for mention in mentions:
        for key, value in mention.enrichments.items():
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                if isinstance(entry, dict) and isinstance(entry.get("model"), str):
                    named.setdefault(key, set()).add(entry["model"])
    return {key: sorted(names) for key, names in sorted(named.items())}


def _emit(figures: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(figures) + "\n")
    sys.stdout.flush()


def child_main() -> None:
    """The measured process: read its job from stdin, report figures as JSON lines."""
    cpu = _pin_one_cpu()
    job = json.loads(sys.stdin.readline())
    try:
        from dataclasses import replace
        from datetime import UTC, datetime

        from resonanz.bench.enrich_models import bind_models
        from resonanz.config import Settings
        from resonanz.models import Mention
        from resonanz.runtime import Runtime, freeze_loaded_objects

        settings = replace(Settings(), **job["settings"])
        runtime = Runtime.load(settings, load_entry_points=False)
        enrichers = bind_models(runtime.enrichers, job.get("models") or {})
        now = datetime.now(UTC)
        first = Mention(platform="web", native_id="first", text=_FIRST_POST, collected_at=now)
        _enrich_all(enrichers, [first], {})
        freeze_loaded_objects()  # as `resonanz collect` does once its runtime is loaded
        _emit({"ready": True, "rss_mib": _peak_rss_mib()})
        with open(job["posts"], encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle]
        mentions = [
            Mention(
                platform=r["platform"], native_id=f"bench-{i}", text=r["text"], collected_at=now
            )
            for i, r in enumerate(rows)
        ]
        spent: dict[str, float] = {}
        size = int(job["batch_size"])
        wall, cpu_time = time.perf_counter(), time.process_time()
        batch: list[Any] = []
        for start in range(0, len(mentions), size):
            batch = _enrich_all(enrichers, mentions[start : start + size], spent)
        wall, cpu_time = time.perf_counter() - wall, time.process_time() - cpu_time
        used = _models_named(batch)  # every batch runs the same enrichers: the last tells
    except ResonanzError as exc:
        _emit({"error": str(exc)})
        raise SystemExit(1) from exc
    _emit(
        {
            "seconds": wall,
            "cpu_s": cpu_time,
            "spent": spent,
            "enrichers": [e.name for e in enrichers],
            "models_used": used,
            "cpu": cpu,
            "rss_mib": _peak_rss_mib(),
        }
    )


def _public_settings(settings: Any) -> dict[str, Any]:
    """The settings the measured process needs, without secrets."""
    return {
        f.name: getattr(settings, f.name)
        for f in fields(settings)
        if not f.metadata.get("secret", False)
    }


def _run_child(job: dict[str, Any]) -> tuple[float, dict[str, Any], dict[str, Any]]:
    """Start the measured process; (start-up seconds, its first report, its last report)."""
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    env = {**os.environ, **_ONE_THREAD}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    began = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(json.dumps(job) + "\n")
        proc.stdin.close()
        reports: list[dict[str, Any]] = []
        startup = 0.0
        for line in proc.stdout:
            if not reports:
                startup = time.perf_counter() - began
            reports.append(json.loads(line))
        errors = proc.stderr.read()
        code = proc.wait()
    if reports and "error" in reports[-1]:
        raise ResonanzError(f"bench enrich: {reports[-1]['error']}")
    if code != 0 or len(reports) != 2:
        tail = "\n".join(errors.strip().splitlines()[-5:])
        raise ResonanzError(f"bench enrich: the measured process failed (exit {code}): {tail}")
    return startup, reports[0], reports[1]


def bench_enrich(
    settings: Any,
    *,
    n_posts: int = 10_000,
    data_dir: Path | None = None,
    batch_size: int = 500,
    train: Path | None = None,
    train_format: str = "germeval",
) -> dict[str, Any]:
    """Enrich ``n_posts`` real posts with all default enrichers (and the workspace
    classifiers trained on ``train``, if given); return the figures."""
    if n_posts < 1:
        raise ValidationError("--posts must be at least 1")
    folder = data_dir or DEMO_DIR
    texts, files = corpus(folder)
    posts, recombined = make_posts(texts, n_posts)
    trained: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="resonanz-bench-") as tmp:
        if train is not None:
            from resonanz.bench.enrich_models import train_models

            trained = train_models(train, train_format, Path(tmp))
        posts_file = Path(tmp) / "posts.jsonl"
        with posts_file.open("w", encoding="utf-8") as handle:
            for post in posts:
                handle.write(json.dumps({"text": post.text, "platform": post.platform}) + "\n")
        job = {
            "settings": _public_settings(settings),
            "posts": str(posts_file),
            "batch_size": batch_size,
            "models": trained.get("files", {}),
        }
        startup, ready, done = _run_child(job)
    seconds = done["seconds"]
    figures: dict[str, Any] = {
        "posts": n_posts,
        "posts_per_s": round(n_posts / max(seconds, 1e-9), 1),
        "startup_s": round(startup, 3),
        "rss_mib": done["rss_mib"],
        "startup_rss_mib": ready["rss_mib"],
        "enrichers": done["enrichers"],
        "seconds": round(seconds, 3),
        "cpu_s": round(done["cpu_s"], 3),
        # On a busy machine the one CPU is shared: posts per CPU second is the steadier figure.
        "posts_per_cpu_s": round(n_posts / max(done["cpu_s"], 1e-9), 1),
        "one_cpu": done["cpu"] is not None,
        "per_enricher_posts_per_s": {
            name: round(n_posts / max(s, 1e-9), 1) for name, s in done["spent"].items()
        },
        "batch_size": batch_size,
        "language_detection": bool(getattr(settings, "language_detection", False)),
        "data": str(folder),
        "files": files,
        "distinct_texts": len(texts),
        "recombined": recombined,
        "mean_chars": round(sum(len(p.text) for p in posts) / len(posts), 1),
        "workspace_models": trained.get("models", {}),
        # The model names the last batch's enrichments carry: the trained ones where they served.
        "models_used": done["models_used"],
    }
    if train is not None:
        figures["train"] = {
            "path": str(train),
            "format": train_format,
            "n": trained["n"],
            "train_s": trained["train_s"],
        }
    figures["targets"] = {k: f"{op} {v:g}" for k, (op, v) in TARGETS.items()}
    figures["meets_targets"] = {
        k: (figures[k] >= v if op == ">=" else figures[k] <= v) for k, (op, v) in TARGETS.items()
    }
    return figures
