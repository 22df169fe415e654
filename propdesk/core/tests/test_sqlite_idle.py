"""SQLite connections reused between requests (propdesk/core/sqlite_backend, issue 5 "Load"):
a closed connection of a file database is lent to the next request of the process, with
nothing left open from the last one, and never after the file was replaced."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from django.db import connection

from propdesk.core.sqlite_backend.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backend only")


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker):  # files of these tests, not the test database
    with django_db_blocker.unblock():
        yield


def _wrapper(path: Path) -> DatabaseWrapper:
    return DatabaseWrapper({**connection.settings_dict, "NAME": str(path)}, alias="idle")


def _table(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")


def test_closed_connection_is_lent_to_the_next_request(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    _table(path)
    first = _wrapper(path)
    first.ensure_connection()
    raw = first.connection
    first.close()
    second = _wrapper(path)
    second.ensure_connection()
    assert second.connection is raw
    with second.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone() == (1,)
    second.close()


def test_what_a_request_left_open_is_rolled_back_before_reuse(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    _table(path)
    first = _wrapper(path)
    first.ensure_connection()
    first.connection.execute("BEGIN")
    first.connection.execute("INSERT INTO t VALUES (1)")
    first.close()
    second = _wrapper(path)
    with second.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (0,)
    assert not second.connection.in_transaction
    second.close()


def test_no_connection_to_a_replaced_file_is_reused(tmp_path: Path) -> None:
    path, other = tmp_path / "c.sqlite3", tmp_path / "restored.sqlite3"
    _table(path)
    _table(other)
    with sqlite3.connect(other) as conn:
        conn.execute("INSERT INTO t VALUES (42)")
    first = _wrapper(path)
    first.ensure_connection()
    raw = first.connection
    first.close()
    os.replace(other, path)  # e.g. a restore that swapped the file
    second = _wrapper(path)
    with second.cursor() as cursor:
        cursor.execute("SELECT x FROM t")
        assert cursor.fetchall() == [(42,)]
    assert second.connection is not raw
    second.close()


def test_at_most_the_configured_number_wait(tmp_path: Path, settings) -> None:
    path = tmp_path / "d.sqlite3"
    _table(path)
    settings.PROPDESK_SQLITE_IDLE_CONNECTIONS = 2
    wrappers = [_wrapper(path) for _ in range(3)]
    for w in wrappers:
        w.ensure_connection()
    raws = [w.connection for w in wrappers]
    for w in wrappers:
        w.close()
    again = [_wrapper(path) for _ in range(3)]
    for w in again:
        w.ensure_connection()
    reused = {id(w.connection) for w in again} & {id(r) for r in raws}
    assert len(reused) == 2  # the third was closed, a new one opened
    for w in again:
        w.close()
