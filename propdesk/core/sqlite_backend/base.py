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

Between processes (`propdesk serve --workers N`, the job worker, commands) the holder of a
process's lock also takes an advisory `flock` on `<database>-writer.lock`, polled every
millisecond or two: one waiter per process instead of SQLite's 1…100 ms busy sleeps, so a
writer in one web process is not starved by a busy sibling.

Connections are reused (`IdleConnections`). Under ASGI Django runs each request's sync code in
a fresh thread and closes that thread's connection when the request ends, so CONN_MAX_AGE
cannot keep one. A new SQLite connection costs a file open, Django's function registrations
and the PRAGMAs — and starts with an empty page cache, so every request read its hot pages
again (measured with py-spy under `bench/load.py`: about a quarter of a web process's CPU).
Closed connections of a file database wait in a small per-process list instead and the next
request takes one back; Django opens SQLite connections with `check_same_thread=False`, and a
connection is lent to one thread at a time.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from typing import Any

from django.conf import settings
from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_locks: dict[str, WriterLock] = {}
_locks_guard = threading.Lock()


def writer_lock(name: str) -> WriterLock:
    """The lock of the writers of database file `name` in this process."""
    with _locks_guard:
        if str(name) not in _locks:
            _locks[str(name)] = WriterLock(str(name))
        return _locks[str(name)]


class WriterLock:
    """The writers' turn on one database file: a lock for this process's threads, then an
    advisory file lock shared with other processes (none for an in-memory database)."""

    def __init__(self, name: str) -> None:
        self.threads = threading.Lock()
        self.path = None if _in_memory(name) else f"{name}-writer.lock"
        self._fd: int | None = None
        self._pid = 0

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            return False
        if self.path is None:
            return True
        try:
            taken = self._lock_file(self.path, deadline)
        except BaseException:
            self.threads.release()
            raise
        if not taken:
            self.threads.release()
        return taken

    def release(self) -> None:
        if self.path is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.threads.release()

    def locked(self) -> bool:
        return self.threads.locked()

    def __enter__(self) -> WriterLock:
        _acquire(self, 3600)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _lock_file(self, path: str, deadline: float) -> bool:
        if self._fd is None or self._pid != os.getpid():
            # a forked child must not share its parent's open file (and so its lock)
            self._fd, self._pid = os.open(path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        pause = 0.0005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)


class IdleConnections:
    """Open connections to one database file, waiting to be lent again (at most `size`). A
    connection is only lent back to the process that opened it and while the file is the same
    one (a restore or a test run may replace it)."""

    def __init__(self, name: str, size: int) -> None:
        self.name, self.size = name, size
        self._idle: list[tuple[sqlite3.Connection, int, int]] = []  # (conn, inode, pid)
        self._guard = threading.Lock()

    def _inode(self) -> int:
        try:
            return os.stat(self.name).st_ino
        except OSError:
            return -1

    def take(self) -> sqlite3.Connection | None:
        inode, pid = self._inode(), os.getpid()
        with self._guard:
            while self._idle:
                conn, conn_inode, conn_pid = self._idle.pop()
                if conn_pid != pid:
                    continue  # a forked child never touches its parent's connections
                if conn_inode == inode:
                    return conn
                conn.close()
        return None

    def give(self, conn: sqlite3.Connection) -> bool:
        """Keep `conn` for the next request; False when it should be closed instead."""
        if conn.in_transaction:
            conn.rollback()  # whatever the request left open is undone, as closing would
        with self._guard:
            if len(self._idle) >= self.size:
                return False
            self._idle.append((conn, self._inode(), os.getpid()))
        return True


_idle: dict[str, IdleConnections] = {}


def idle_connections(name: str, size: int) -> IdleConnections:
    with _locks_guard:
        if name not in _idle:
            _idle[name] = IdleConnections(name, size)
        return _idle[name]


def _in_memory(name: str) -> bool:
    return name == ":memory:" or "mode=memory" in name or name.startswith("file:memorydb")


def _acquire(lock: WriterLock, timeout: float) -> None:
    if not lock.acquire(timeout):
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
        self.idle_size = int(getattr(settings, "PROPDESK_SQLITE_IDLE_CONNECTIONS", 8))
        self._held: WriterLock | None = None  # the writer lock this connection holds
        self._cursor_class = type("Cursor", (CursorWrapper,), {"wrapper": self})

    @property
    def writer_lock(self) -> WriterLock:
        # Looked up each time: the test runner renames the database after this object exists.
        return writer_lock(self.settings_dict["NAME"])

    @property
    def idle(self) -> IdleConnections | None:
        name = str(self.settings_dict["NAME"])  # looked up each time, as `writer_lock`
        if self.idle_size <= 0 or _in_memory(name):
            return None
        return idle_connections(name, self.idle_size)

    def get_new_connection(self, conn_params: Any) -> Any:
        idle = self.idle
        conn = idle.take() if idle is not None else None
        if conn is None:
            return super().get_new_connection(conn_params)
        # what a request may have switched off (a migration's constraint checks) is on again
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

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
            idle = self.idle
            if self.connection is None or idle is None or not idle.give(self.connection):
                super()._close()
        finally:
            self._release_writer_lock()
