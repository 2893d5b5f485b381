"""Run jobs in threads that a barrier releases together (the concurrency tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence


def run_at_once(
    jobs: Sequence[Callable[[], object]], timeout: float | None = None
) -> list[BaseException]:
    """Start one thread per job, release them at the same moment, wait for them (each up
    to ``timeout`` seconds); the exceptions the jobs raised, for the test to assert on."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:  # reported to the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors
