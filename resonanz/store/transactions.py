"""The transactions the store classes run in, and the base those classes share.

``write(action)`` and ``read(action)`` are SqlStore's context managers: each yields a
connection inside one transaction and names ``action`` in the StoreError it raises.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.engine import Connection

Tx = Callable[[str], AbstractContextManager[Connection]]


class TxStore:
    """A store class over SqlStore's write and read transactions."""

    def __init__(self, write: Tx, read: Tx) -> None:
        self._write = write
        self._read = read
