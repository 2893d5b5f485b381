"""Benchmark: the publishing outbox under crash injection (issue 8's figure).

N posts, each to one account of the peers (127.0.0.1): four Mastodon accounts on two
mastodon-mock instances and four Bluesky accounts on a real PDS (where it is installed),
are scheduled due over a window of real time. The real ``resonanz
scheduler run`` sends them, as subprocesses (two by default) of which one, chosen at
random, is killed with SIGKILL at random intervals and restarted at once. A fault proxy
in front of each peer loses the answer to a share of the calls after the platform
stored the post, and answers bursts of 429 as the platform does. Meanwhile some posts are
edited or deleted in the last minute before they are due. At the end the platforms' own
posts are read back and compared with the outbox: duplicates, lost deliveries, stale
posts, overdue deliveries the sweeper did not report, and the lateness of what was
published (docs/benchmarks.md, "bench publish").
"""

from __future__ import annotations

import base64
import heapq
import io
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from resonanz.bench import pds_peer
from resonanz.bench.publish_check import Outcome, figures
from resonanz.bench.publish_peers import Faults, Pds, Peer, bluesky, instances
from resonanz.config import Settings
from resonanz.errors import ConfigError, ConflictError
from resonanz.plugins import create_plugin_manager
from resonanz.publishing import compose
from resonanz.publishing import states as st
from resonanz.publishing.channels import channel_classes
from resonanz.publishing.connect import add_channel
from resonanz.store import open_store
from resonanz.store.publishing import PublishingStore, publishing_store

Progress = Callable[[str, int, int], None]
PEERS = ("mastodon", "bluesky")
# The accounts "across the peers": (mastodon-mock instance, user) and Bluesky users.
MASTODON_ACCOUNTS = ((0, "alice"), (0, "bob"), (1, "alice"), (1, "carol"))
BLUESKY_ACCOUNTS = ("alice", "bob", "carol", "dave")
TEXT = re.compile(r"^bench post (\d+)\b")


@dataclass(frozen=True)
class PublishBenchOptions:
    """How big and how hostile the run is (the CLI's options)."""

    deliveries: int = 2_000
    window_s: float = 240.0
    lead_s: float = 20.0
    kill_min_s: float = 2.0
    kill_max_s: float = 30.0
    edits: int = 500
    delete_share: float = 0.3
    lease_s: float = 10.0
    timeout_s: float = 1.0
    schedulers: int = 2
    lose_share: float = 0.05
    drain_s: float = 240.0
    image_share: float = 0.1
    database_url: str | None = None
    seed: int = 0
    peers: tuple[str, ...] | None = None  # None: both, Mastodon only without the PDS

    def check(self) -> None:
        if self.peers is not None and (not self.peers or set(self.peers) - set(PEERS)):
            raise ConfigError(f"--peers takes one or more of: {', '.join(PEERS)}")
        if self.deliveries < 1:
            raise ConfigError("--deliveries must be at least 1")
        if not 0 < self.kill_min_s <= self.kill_max_s:
            raise ConfigError("--kill-min must be positive and at most --kill-max")
        if self.edits < 0 or self.window_s <= 0 or self.lease_s <= self.timeout_s:
            raise ConfigError(
                "--edits must be >= 0, --window positive, and the lease longer than the "
                "client timeout (a send must end inside its lease)"
            )
        if self.schedulers < 1:
            raise ConfigError("--schedulers must be at least 1")
        if not 0 <= self.lose_share < 1:
            raise ConfigError("--lose must be a share between 0 and 1")
        if not 0 <= self.image_share <= 1:
            raise ConfigError("--images must be a share between 0 and 1")


@dataclass
class _Run:
    """What the run did, for the figures."""

    kills: int = 0
    starts: int = 0
    edits: int = 0
    deletes: int = 0
    refused: int = 0
    deleted_at: dict[int, datetime] | None = None


def _bursts(start: float, until: float, rng: random.Random) -> list[tuple[float, float]]:
    """429 bursts on time.monotonic: one every 20-45 s, each 1-4 s long."""
    bursts, t = [], start + rng.uniform(5.0, 20.0)
    while t < until:
        length = rng.uniform(1.0, 4.0)
        bursts.append((t, t + length))
        t += length + rng.uniform(20.0, 45.0)
    return bursts


class _Scheduler:
    """The real ``resonanz scheduler run`` as a subprocess, killed and restarted."""

    def __init__(self, env: dict[str, str], options: PublishBenchOptions, log: Path) -> None:
        self.env = env
        self.options = options
        self.log = log.open("a", encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = ["--interval", "1", "--lease", f"{self.options.lease_s:g}", "--batch", "10"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "resonanz", "scheduler", "run", *args],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM: the scheduler finishes the delivery in hand and exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _env(url: str, key: str, options: PublishBenchOptions) -> dict[str, str]:
    return {
        **os.environ,
        "RESONANZ_DATABASE_URL": url,
        "RESONANZ_ENCRYPTION_KEY": key,
        "RESONANZ_ALLOW_PRIVATE_TARGETS": "true",
        "RESONANZ_LANGUAGE_DETECTION": "false",
        "RESONANZ_HTTP_TIMEOUT": f"{options.timeout_s:g}",
        "RESONANZ_LOG_LEVEL": "INFO",
    }


def _refuse_used_database(pub: PublishingStore) -> None:
    if pub.all_channels():
        raise ConfigError(
            "bench publish runs 'resonanz scheduler run', which publishes the due posts of "
            "every workspace; the database given with --database-url already has publishing "
            "channels, so give it an empty database (or a fresh schema)"
        )


def _schedule_posts(
    pub: PublishingStore,
    classes: dict[str, type],
    workspace_id: int,
    names: list[str],
    options: PublishBenchOptions,
    progress: Progress,
) -> dict[int, int]:
    """Store one draft per delivery (a share with an image), then schedule them over the
    window; returns post id -> bench number."""
    numbers: dict[int, int] = {}
    n = options.deliveries
    every = round(1 / options.image_share) if options.image_share else 0
    for i in range(n):
        text = f"bench post {i}: planned text"
        images = [_image(i)] if every and i % every == every // 2 else []
        name = names[i % len(names)]
        post = compose.new_post(pub, classes, workspace_id, text, [name], images=images)
        numbers[post.post.id] = i
        if i % 50 == 0:
            progress("creating posts", i, n)
    start = datetime.now(UTC) + timedelta(seconds=options.lead_s)
    for k, post_id in enumerate(numbers):
        due = start + timedelta(seconds=options.window_s * k / n)
        pub.schedule_post(
            workspace_id,
            post_id,
            scheduled_at=due,
            timezone="UTC",
            local_time=f"{due:%Y-%m-%d %H:%M:%S} UTC",
            at=datetime.now(UTC),
        )
        if k % 50 == 0:
            progress("scheduling posts", k, n)
    return numbers


def _image(number: int) -> compose.NewImage:
    """A small PNG of its own colour, with an alt text."""
    out = io.BytesIO()
    colour = (number * 37 % 256, number * 91 % 256, number * 13 % 256)
    Image.new("RGB", (64, 48), colour).save(out, format="PNG")
    return compose.NewImage(out.getvalue(), alt=f"bench image {number}")


def _plan_changes(
    pub: PublishingStore, workspace_id: int, options: PublishBenchOptions, rng: random.Random
) -> list[tuple[float, int, str]]:
    """(when on time.time, post id, "edit"/"delete"): each chosen post is changed in the
    last minute before it is due (2-60 s before; less for posts due sooner)."""
    now = time.time()
    eligible = [
        (d.post_id, d.due_at.timestamp())
        for d in pub.deliveries(workspace_id)
        if d.due_at is not None and d.due_at.timestamp() - now > 5.0
    ]
    chosen = rng.sample(eligible, min(options.edits, len(eligible)))
    plan = []
    for post_id, due in chosen:
        kind = "delete" if rng.random() < options.delete_share else "edit"
        ahead = rng.uniform(2.0, min(60.0, due - now - 2.0))
        plan.append((due - ahead, post_id, kind))
    return sorted(plan)


def _change(
    pub: PublishingStore,
    classes: dict[str, type],
    workspace_id: int,
    post_id: int,
    kind: str,
    number: int,
    run: _Run,
) -> bool:
    """Edit or delete a post as a user would; False when refused for now (in flight)."""
    try:
        if kind == "delete":
            at = datetime.now(UTC)
            compose.delete_post(pub, workspace_id, post_id)
            assert run.deleted_at is not None
            run.deleted_at[post_id] = at
            run.deletes += 1
        else:
            text = f"bench post {number}: edited at {datetime.now(UTC):%H:%M:%S.%f}"
            compose.edit_post(pub, classes, workspace_id, post_id, text)
            run.edits += 1
    except ConflictError as exc:
        if "right now" in str(exc):
            return False
        run.refused += 1  # already published everywhere: the user is told to edit there
    return True


def _settled(pub: PublishingStore, workspace_id: int) -> bool:
    return not pub.deliveries(workspace_id, states=st.UNSENT)


def _drive(
    pub: PublishingStore,
    classes: dict[str, type],
    workspace_id: int,
    numbers: dict[int, int],
    schedulers: list[_Scheduler],
    options: PublishBenchOptions,
    rng: random.Random,
    progress: Progress,
) -> _Run:
    """Run the scheduler, kill and restart it, apply the changes, until every delivery
    is settled or the drain time is over."""
    run = _Run(deleted_at={})
    events: list[tuple[float, int, str, int]] = []  # (time.time, tries, kind, post id)
    for when, post_id, kind in _plan_changes(pub, workspace_id, options, rng):
        heapq.heappush(events, (when, 0, kind, post_id))
    last_due = max(d.due_at for d in pub.deliveries(workspace_id) if d.due_at).timestamp()
    give_up = last_due + options.drain_s
    for scheduler in schedulers:
        scheduler.start()
        run.starts += 1
    next_kill = time.time() + rng.uniform(options.kill_min_s, options.kill_max_s)
    next_check = time.time() + 2.0
    total = len(numbers)
    while True:
        now = time.time()
        if now >= next_kill:
            scheduler = rng.choice(schedulers)
            scheduler.kill()
            run.kills += 1
            scheduler.start()
            run.starts += 1
            next_kill = time.time() + rng.uniform(options.kill_min_s, options.kill_max_s)
        while events and events[0][0] <= now:
            _when, tries, kind, post_id = heapq.heappop(events)
            if not _change(pub, classes, workspace_id, post_id, kind, numbers[post_id], run):
                if tries < 10:
                    heapq.heappush(events, (now + 1.0, tries + 1, kind, post_id))
                else:
                    run.refused += 1
        if now >= next_check:
            sent = len(pub.deliveries(workspace_id, states=[st.SENT]))
            progress(f"publishing, {run.kills} kills so far", sent, total)
            if now >= last_due and ((not events and _settled(pub, workspace_id)) or now >= give_up):
                return run
            next_check = now + 2.0
        wake = min([next_kill, next_check] + ([events[0][0]] if events else []))
        time.sleep(max(0.0, min(0.5, wake - time.time())))


def chosen_peers(options: PublishBenchOptions) -> tuple[tuple[str, ...], str | None]:
    """The peers of the run, and why Bluesky was left out when ``--peers`` was not given
    and the PDS peer is not installed (None when it was not)."""
    if options.peers is not None:
        return tuple(p for p in PEERS if p in options.peers), None
    missing = pds_peer.peer_missing()
    if missing is not None:
        return ("mastodon",), f"Bluesky left out, Mastodon only: {missing}"
    return PEERS, None


def bench_publish(
    settings: Settings,
    options: PublishBenchOptions | None = None,
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the crash-injection benchmark; return its figures."""
    options = options or PublishBenchOptions()
    options.check()
    report = progress or (lambda stage, done, total: None)
    rng = random.Random(options.seed)
    kinds, left_out = chosen_peers(options)
    key = base64.b64encode(os.urandom(32)).decode()
    bench_settings = replace(
        settings,
        encryption_key=key,
        allow_private_targets=True,
        http_timeout=20.0,  # adding the channels; the schedulers get timeout_s
        language_detection=False,
    )
    classes = channel_classes(create_plugin_manager(load_entry_points=False))
    started = time.perf_counter()
    # The 429 bursts are set when the schedulers start (a throttled login would stop the
    # channels from being added).
    faults = Faults(
        lose_share=options.lose_share, hold_s=options.timeout_s + 1.0, seed=options.seed
    )
    with tempfile.TemporaryDirectory(prefix="resonanz-bench-publish-") as tmp, ExitStack() as stack:
        peers: list[Peer] = []
        if "mastodon" in kinds:
            peers.extend(stack.enter_context(instances(2, faults)))
        if "bluesky" in kinds:
            report("starting the Bluesky PDS", 0, 0)
            peers.append(stack.enter_context(bluesky(faults)))
        url = options.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = open_store(url)
        try:
            pub = publishing_store(store)
            if options.database_url:
                _refuse_used_database(pub)
            ws = store.create_workspace(f"bench-publish-{int(time.time() * 1000)}", "bench")
            try:
                accounts = _channels(pub, bench_settings, classes, ws.id, peers)
                numbers = _schedule_posts(pub, classes, ws.id, list(accounts), options, report)
                env = _env(url, key, options)
                log = Path(tmp) / "scheduler.log"
                schedulers = [_Scheduler(env, options, log) for _ in range(options.schedulers)]
                horizon = options.lead_s + options.window_s + options.drain_s + 600.0
                t0 = time.monotonic()
                bursts = _bursts(t0 + options.lead_s, t0 + horizon, rng)
                for peer in peers:
                    peer.proxy.faults.bursts = bursts
                try:
                    run = _drive(pub, classes, ws.id, numbers, schedulers, options, rng, report)
                finally:
                    for scheduler in schedulers:
                        scheduler.stop()
                report("reading the platforms' posts", 0, 0)
                outcome = _outcome(pub, ws.id, numbers, accounts, run)
            finally:
                if options.database_url:
                    store.delete_workspace(ws.slug)
        finally:
            store.close()
    result = figures(outcome)
    by_peer = result.pop("by_peer")
    for peer in peers:
        entry = by_peer.setdefault(peer.kind, {})
        entry["lost_answers"] = entry.get("lost_answers", 0) + peer.proxy.counts.lost_answers
        entry["throttled_429"] = entry.get("throttled_429", 0) + peer.proxy.counts.throttled
    result.update(
        peers=list(kinds),
        schedulers=options.schedulers,
        kills=run.kills,
        edits=run.edits,
        deletes=run.deletes,
        changes_refused=run.refused,
        lost_answers=sum(p.proxy.counts.lost_answers for p in peers),
        throttled_429=sum(p.proxy.counts.throttled for p in peers),
        accounts=len(accounts),
        image_share=options.image_share,
        window_s=options.window_s,
        lease_s=options.lease_s,
        client_timeout_s=options.timeout_s,
        backend=url.split(":", 1)[0].split("+", 1)[0],
        wall_s=round(time.perf_counter() - started, 1),
        by_peer=by_peer,
    )
    if left_out:
        result["peers_left_out"] = left_out
    return result


def _channels(
    pub: PublishingStore,
    settings: Settings,
    classes: dict[str, type],
    workspace_id: int,
    peers: list[Peer],
) -> dict[str, tuple[Peer, str]]:
    """One channel per account of every peer: channel name -> (peer, user)."""
    accounts: dict[str, tuple[Peer, str]] = {}
    mastodon = [p for p in peers if p.kind == "mastodon"]
    for index, user in MASTODON_ACCOUNTS if mastodon else ():
        name = f"m{index}-{user}"
        add_channel(
            pub,
            settings,
            classes,
            workspace_id,
            "mastodon",
            name,
            {"instance": mastodon[index].proxy.url},
            {"token": f"{user}_token"},
        )
        accounts[name] = (mastodon[index], user)
    for pds in (p for p in peers if isinstance(p, Pds)):
        for user in BLUESKY_ACCOUNTS:
            name = f"b-{user}"
            add_channel(
                pub,
                settings,
                classes,
                workspace_id,
                "bluesky",
                name,
                {"pds": pds.proxy.url, "handle": pds.account(user)},
                {"app_password": pds_peer.PASSWORD},
            )
            accounts[name] = (pds, user)
    return accounts


def _outcome(
    pub: PublishingStore,
    workspace_id: int,
    numbers: dict[int, int],
    accounts: dict[str, tuple[Peer, str]],
    run: _Run,
) -> Outcome:
    """The outbox and the platforms' record, side by side."""
    statuses: dict[str, dict[int, list[Any]]] = {}
    for name, (peer, user) in accounts.items():
        by_number: dict[int, list[Any]] = {}
        for status in peer.statuses(user):
            match = TEXT.match(status.text)
            by_number.setdefault(int(match.group(1)) if match else -1, []).append(status)
        statuses[name] = by_number
    posts = {p.id: p for p in pub.list_posts(workspace_id, include_deleted=True)}
    return Outcome(
        deliveries=pub.deliveries(workspace_id),
        posts=posts,
        numbers=numbers,
        statuses=statuses,
        deleted_at=dict(run.deleted_at or {}),
        ended_at=datetime.now(UTC),
        images={p.id: len(p.media) for p in posts.values() if p.media},
    )
