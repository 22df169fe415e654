"""Django's SQLite backend with one fair writer queue per database file and process (issue 5,
"SQLite under concurrent writers").

SQLite allows one writer at a time. With `BEGIN IMMEDIATE` and a busy timeout (settings), a
writer that finds the database locked sleeps and polls (1, 2, 5 … 100 ms) until the timeout.
Under load in one server process — many request threads sharing one GIL — a polling writer
keeps losing to newer ones and, after the 20 s timeout, the user gets "database is locked"
(measured with `bench/load.py`: 50 users, ~2 % of writes failed, write p95 14–17 s).

Here a writer first takes a process-wide lock for the database file, then begins: threads of
one process wait their turn on that lock (woken at once when it is released, no polling) and
meet SQLite's busy timeout only against other processes (the job worker, a `propdesk` command).
The lock covers a transaction from `BEGIN` to `COMMIT`/`ROLLBACK`/close, and a single write
statement outside a transaction. Waiting longer than the busy timeout raises the same
OperationalError "database is locked" as before, so nothing else changes for callers.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def writer_lock(name: str) -> threading.Lock:
    """The lock of the writers of database file `name` in this process."""
    with _locks_guard:
        return _locks.setdefault(str(name), threading.Lock())


def _acquire(lock: threading.Lock, timeout: float) -> None:
    if not lock.acquire(timeout=timeout):
        raise OperationalError(f"database is locked (waited {timeout:g} s for other writers)")


class CursorWrapper(base.SQLiteCursorWrapper):
    """Queues a write statement run outside a transaction (autocommit) like a transaction."""

    wrapper: DatabaseWrapper

    def execute(self, query: str, params: Any = None) -> Any:
        if self.connection.in_transaction or not _WRITE.match(query):
            return super().execute(query, params)
        lock = self.wrapper.writer_lock
        _acquire(lock, self.wrapper.lock_timeout)
        try:
            return super().execute(query, params)
        finally:
            lock.release()

    def executemany(self, query: str, param_list: Any) -> Any:
        if self.connection.in_transaction or not _WRITE.match(query):
            return super().executemany(query, param_list)
        lock = self.wrapper.writer_lock
        _acquire(lock, self.wrapper.lock_timeout)
        try:
            return super().executemany(query, param_list)
        finally:
            lock.release()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock_timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        self._held: threading.Lock | None = None  # the writer lock this connection holds
        self._cursor_class = type("Cursor", (CursorWrapper,), {"wrapper": self})

    @property
    def writer_lock(self) -> threading.Lock:
        # Looked up each time: the test runner renames the database after this object exists.
        return writer_lock(self.settings_dict["NAME"])

    def create_cursor(self, name: Any = None) -> Any:
        return self.connection.cursor(factory=self._cursor_class)

    def _start_transaction_under_autocommit(self) -> None:
        if self._held is None:
            lock = self.writer_lock
            _acquire(lock, self.lock_timeout)
            self._held = lock
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _release_writer_lock(self) -> None:
        if self._held is not None:
            lock, self._held = self._held, None
            lock.release()

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            if self.connection is None or not self.connection.in_transaction:
                self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            if self.connection is None or not self.connection.in_transaction:
                self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._release_writer_lock()
