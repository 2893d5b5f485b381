"""Two scheduler processes, one killed with SIGKILL mid-send, on SQLite and PostgreSQL.

The first ``resonanz scheduler run`` posts to mastodon-mock through a proxy that lets
Mastodon store the status and then holds the answer; while it waits, the process is
killed. After its lease a second scheduler takes the delivery over, retries with the same
Idempotency-Key and records it as sent: one status on the account, not two, not none.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from resonanz.publishing import compose
from resonanz.publishing.connect import add_channel

from .conftest import KEY, SETTINGS, Mastodon, World
from .proxy import lossy_proxy


def _cli(url: str, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "RESONANZ_DATABASE_URL": url,
        "RESONANZ_ENCRYPTION_KEY": KEY,
        "RESONANZ_ALLOW_PRIVATE_TARGETS": "true",
        "RESONANZ_LANGUAGE_DETECTION": "false",
        "RESONANZ_HTTP_TIMEOUT": "20",
        "RESONANZ_WORKSPACE": "acme",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "resonanz", "scheduler", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_schedulers_delivery_is_taken_over_once(
    world: World, classes: dict[str, type], mastodon: Mastodon, store_url: str
) -> None:
    with lossy_proxy(mastodon.url) as proxy:
        add_channel(
            world.pub,
            SETTINGS,
            classes,
            world.workspace.id,
            "mastodon",
            "masto",
            {"instance": proxy.url},
            {"token": "alice_token"},
        )
        post = compose.new_post(world.pub, classes, world.workspace.id, "Überlebt", ["masto"])
        compose.publish_now(world.pub, classes, world.workspace.id, post.post.id)
        proxy.hold_s = 30.0
        proxy.lose("/api/v1/statuses", "timeout")
        doomed = _cli(store_url, "run", "--lease", "3", "--interval", "0.2")
        try:
            _wait(lambda: len(mastodon.statuses()) == 1, "the first attempt to reach Mastodon")
            [row] = world.pub.deliveries(world.workspace.id, post_id=post.post.id)
            assert row.state == "sending" and row.attempts == 1
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=10)
        finally:
            if doomed.poll() is None:
                doomed.kill()
            assert doomed.stdout is not None
            doomed.stdout.close()
        assert row.claimed_until is not None
        _wait(lambda: datetime.now(UTC) > row.claimed_until, "the lease to run out", 10)  # type: ignore[operator]
        taker = _cli(store_url, "run", "--once", "--lease", "3")
        output, _ = taker.communicate(timeout=60)
        assert taker.returncode == 0, output
        [done] = world.pub.deliveries(world.workspace.id, post_id=post.post.id)
        [status] = mastodon.statuses()
        assert (done.state, done.attempts, done.remote_id) == ("sent", 2, status["id"])
        assert done.doubt_version is None
        keys = [h.get("Idempotency-Key") for m, _p, h in proxy.forwarded if m == "POST"]
        assert keys == [row.idempotency_key] * 2
