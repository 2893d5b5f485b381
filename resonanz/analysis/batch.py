"""One bad post never stops a batch: run an enricher's model on the whole batch, and only
when that raises, post by post, leaving the posts that still fail without a result."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

log = logging.getLogger(__name__)

Row = TypeVar("Row", bound=tuple[Any, ...])
Result = TypeVar("Result")


def each_or_skip(
    name: str, rows: Sequence[Row], run: Callable[[Sequence[Row]], Sequence[Result]]
) -> list[Result | None]:
    """``run(rows)``; if it raises, ``run([row])`` for each row, None where that raises too.

    Each row's first element is its text (only its length is logged, never the text).
    """
    try:
        return list(run(rows))
    except Exception:
        log.exception("%s failed for a batch; retrying mention by mention", name)
    results: list[Result | None] = []
    for row in rows:
        try:
            results.append(run([row])[0])
        except Exception:
            log.warning("%s: skipped one text of %d characters", name, len(row[0]))
            results.append(None)
    return results
