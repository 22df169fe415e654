"""`propdesk backup` and `propdesk restore` (issue 5, "Backup and restore").

The round trips run the real commands in child processes against their own databases (a SQLite
file in a temp dir; two temporary PostgreSQL databases when the suite runs on PostgreSQL) filled
by `propdesk demo`, and compare every table afterwards: row count and a checksum of all rows.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from propdesk.core.models import Company
from propdesk.core.services.backup import PG_MAGIC, SQLITE_MAGIC, pg_command, sqlite_backup
from propdesk.core.tests.factories import CompanyFactory

CHILD_TIMEOUT = 300
# Tables the demo is sure to fill: the round trip must carry real data, not empty tables.
DEMO_TABLES = [
    "core_company",
    "core_project",
    "core_resident",
    "core_staff",
    "core_timelineevent",
    "complaints_complaint",
]


# --- helpers ------------------------------------------------------------------------------
def model_tables() -> set[str]:
    """The table of every Django model, many-to-many tables included."""
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def fingerprints(cursor: Any, tables: set[str]) -> dict[str, tuple[int, str]]:
    """(row count, SHA-256 of all rows) per table; independent of row order."""
    result = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
        rows = sorted(repr(tuple(row)) for row in cursor.fetchall())
        result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def sqlite_tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        conn.close()
    return {name for (name,) in rows}


def sqlite_fingerprints(path: Path) -> dict[str, tuple[int, str]]:
    conn = sqlite3.connect(path)
    try:
        return fingerprints(conn.cursor(), sqlite_tables(path))
    finally:
        conn.close()


def copy_sqlite(source: Path, target: Path) -> Path:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def child_env(var_dir: Path, database_url: str) -> dict[str, str]:
    """The commands under test use their own database and var dir, whatever this session uses."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "PROPDESK_TESTING", "PROPDESK_VAR_DIR"}
    }
    var_dir.mkdir(parents=True, exist_ok=True)
    env.update({"PROPDESK_VAR_DIR": str(var_dir), "DATABASE_URL": database_url})
    return env


def propdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "propdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def assert_carries_data(prints: dict[str, tuple[int, str]]) -> None:
    assert model_tables() <= set(prints)
    empty = [table for table in DEMO_TABLES if prints[table][0] == 0]
    assert empty == []


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file migrated and filled by `propdesk demo` (made once per module;
    tests work on copies)."""
    base = tmp_path_factory.mktemp("demo")
    path = base / "demo.sqlite3"
    env = child_env(base / "var", f"sqlite:///{path}")
    ok(propdesk(env, "migrate", "--noinput", "-v", "0"))
    ok(propdesk(env, "demo"))
    return path


# --- SQLite -------------------------------------------------------------------------------
def test_sqlite_round_trip_restores_every_table(demo_sqlite: Path, tmp_path: Path) -> None:
    # given a filled database, and a new server's database that only `migrate` has touched
    source = copy_sqlite(demo_sqlite, tmp_path / "source.sqlite3")
    target = tmp_path / "target.sqlite3"
    source_env = child_env(tmp_path / "var-source", f"sqlite:///{source}")
    target_env = child_env(tmp_path / "var-target", f"sqlite:///{target}")
    ok(propdesk(target_env, "migrate", "--noinput", "-v", "0"))
    before = sqlite_fingerprints(source)
    assert_carries_data(before)
    backups = tmp_path / "backups"
    backups.mkdir()

    # when the source is backed up into a directory and the backup restored on the new server
    out = ok(propdesk(source_env, "backup", str(backups)))
    [backup] = list(backups.iterdir())
    restored = ok(propdesk(target_env, "restore", str(backup)))

    # then the backup is one complete, private SQLite file named by its time
    assert re.fullmatch(r"propdesk-\d{8}-\d{6}\.sqlite3", backup.name)
    assert backup.read_bytes()[:16] == SQLITE_MAGIC
    assert backup.stat().st_mode & 0o777 == 0o600
    assert f"Backed up SQLite {source} to {backup} ({len(before)} tables" in out
    # and every table of the new database equals the source, row for row
    assert sqlite_tables(target) == set(before)
    assert sqlite_fingerprints(target) == before
    assert f"Restored {backup} into SQLite {target} (was empty): now {len(before)} tables" in (
        restored
    )


def test_sqlite_restore_refuses_a_database_with_data_unless_forced(
    demo_sqlite: Path, tmp_path: Path
) -> None:
    # given a backup, after which the live database changed
    live = copy_sqlite(demo_sqlite, tmp_path / "live.sqlite3")
    env = child_env(tmp_path / "var", f"sqlite:///{live}")
    backup = tmp_path / "backup.sqlite3"
    ok(propdesk(env, "backup", str(backup)))
    at_backup = sqlite_fingerprints(live)
    conn = sqlite3.connect(live)
    conn.execute("UPDATE core_resident SET name = name || '改'")
    conn.execute(
        "INSERT INTO core_company (name, short_name, created_at) "
        "VALUES ('后来的公司', '', '2026-01-05 01:00:00')"
    )
    conn.commit()
    conn.close()
    changed = sqlite_fingerprints(live)
    assert changed["core_resident"] != at_backup["core_resident"]

    # when restoring without --force, then it is refused and nothing changes
    refused = propdesk(env, "restore", str(backup))
    assert refused.returncode == 1
    assert "is not empty" in refused.stderr
    assert "run again with --force" in refused.stderr
    assert sqlite_fingerprints(live) == changed

    # when restoring with --force, then the database is back to the backup's state
    restored = ok(propdesk(env, "restore", str(backup), "--force"))
    assert f"Restored {backup} into SQLite {live}, replacing " in restored
    assert sqlite_fingerprints(live) == at_backup


def test_sqlite_backup_is_consistent_while_a_writer_commits(
    demo_sqlite: Path, tmp_path: Path
) -> None:
    # given a live database large enough that copying it takes a while (about 30 MB)
    live = copy_sqlite(demo_sqlite, tmp_path / "live.sqlite3")
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executemany(
        "INSERT INTO core_jobrun (name, started_at, processed, log) VALUES (?, ?, 0, ?)",
        (("filler", "2026-01-05 01:00:00", "x" * 1000) for _ in range(30_000)),
    )
    conn.commit()
    conn.close()
    # and a writer thread committing one numbered row per transaction, like a busy server
    stop = threading.Event()
    committed: list[tuple[float, int]] = []
    errors: list[BaseException] = []

    def write() -> None:
        writer = sqlite3.connect(live, timeout=20, isolation_level=None)
        try:
            number = 0
            while not stop.is_set():
                number += 1
                writer.execute("BEGIN IMMEDIATE")
                writer.execute(
                    "INSERT INTO core_jobrun (name, started_at, processed, log) "
                    "VALUES ('writer', '2026-01-05 02:00:00', ?, '')",
                    (number,),
                )
                writer.execute("COMMIT")
                committed.append((time.monotonic(), number))
        except BaseException as exc:  # reported by the assertions below
            errors.append(exc)
        finally:
            writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while len(committed) < 50 and thread.is_alive():
            time.sleep(0.01)
        # when the backup runs while the writer keeps committing
        backup = tmp_path / "backup.sqlite3"
        started = time.monotonic()
        sqlite_backup(live, backup)
        finished = time.monotonic()
    finally:
        stop.set()
        thread.join(timeout=30)

    # then the writer was never blocked or failed, and it did commit during the backup
    assert errors == []
    assert [n for at, n in committed if started < at < finished] != []
    # and the backup opens, passes the integrity check, and is one snapshot: all filler rows
    # and an unbroken prefix 1..k of the writer's rows, with k between the commits made before
    # the backup started and those made before it finished
    check = sqlite3.connect(backup)
    try:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert check.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        fillers = check.execute("SELECT COUNT(*) FROM core_jobrun WHERE name = 'filler'")
        assert fillers.fetchone() == (30_000,)
        numbers = [
            n
            for (n,) in check.execute(
                "SELECT processed FROM core_jobrun WHERE name = 'writer' ORDER BY id"
            )
        ]
    finally:
        check.close()
    assert numbers == list(range(1, len(numbers) + 1))
    before_start = sum(1 for at, _n in committed if at <= started)
    before_end = sum(1 for at, _n in committed if at <= finished)
    assert before_start <= len(numbers) <= before_end


# --- refusals (on the suite's own database, SQLite or PostgreSQL) -------------------------
def test_restore_refuses_a_backup_of_the_other_engine(db: None, tmp_path: Path) -> None:
    # given data in the configured database and a backup file made for the other engine
    CompanyFactory(name="现有公司")
    if connection.vendor == "sqlite":
        other, this, magic = "PostgreSQL", "SQLite", PG_MAGIC
    else:
        other, this, magic = "SQLite", "PostgreSQL", SQLITE_MAGIC
    backup = tmp_path / "other.bak"
    backup.write_bytes(magic + b"\x00" * 100)

    # when it is restored, even with --force, then it is refused with the reason
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup), "--force")
    assert f"is a {other} backup, but the configured database is {this}" in str(refused.value)
    assert list(Company.objects.values_list("name", flat=True)) == ["现有公司"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,phone\n", "not a PropDesk backup"),
        (None, "no such file"),
    ],
    ids=["not_a_backup_case", "missing_file_case"],
)
def test_restore_refuses_what_is_not_a_backup(
    db: None, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "file.bak"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path), "--force")


def test_backup_into_a_missing_directory_leaves_nothing_behind(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such directory"):
        call_command("backup", str(tmp_path / "missing" / "x.bak"))
    assert list(tmp_path.iterdir()) == []


# --- PostgreSQL ---------------------------------------------------------------------------
def test_pg_tools_get_the_password_only_through_the_environment() -> None:
    # given connection settings as dj-database-url builds them from DATABASE_URL
    settings = {
        "NAME": "propdesk",
        "USER": "pd",
        "PASSWORD": "s3cret-pw",
        "HOST": "db.internal",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "require", "pool": True},
    }
    # when the pg_dump command line is built
    args, env = pg_command("pg_dump", settings)
    # then the password is in PGPASSWORD only (`ps` shows arguments), never prompted for
    assert not any("s3cret" in arg for arg in args)
    assert args[1:] == [
        "--no-password",
        "--host",
        "db.internal",
        "--port",
        "5433",
        "--username",
        "pd",
    ]
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert env["PGSSLMODE"] == "require"


def _pg_params() -> dict[str, Any]:
    settings = connection.settings_dict
    return {
        "host": settings.get("HOST") or "localhost",
        "port": int(settings.get("PORT") or 5432),
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
    }


def _pg_url(name: str) -> str:
    params = _pg_params()
    auth = quote(params["user"] or "", safe="")
    if params["password"]:
        auth += ":" + quote(params["password"], safe="")
    return f"postgres://{auth}{'@' if auth else ''}{params['host']}:{params['port']}/{name}"


@pytest.fixture
def pg_databases() -> Iterator[tuple[str, str]]:
    """Two new, empty PostgreSQL databases on the suite's server, dropped afterwards."""
    import psycopg

    suffix = secrets.token_hex(4)
    names = (f"pd_backup_src_{suffix}", f"pd_backup_dst_{suffix}")
    with psycopg.connect(dbname="postgres", autocommit=True, **_pg_params()) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield names
        finally:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_fingerprints(name: str) -> dict[str, tuple[int, str]]:
    import psycopg

    with psycopg.connect(dbname=name, **_pg_params()) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = {table for (table,) in cursor.fetchall()}
        return fingerprints(cursor, tables)


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
)
def test_postgresql_round_trip_restores_every_table(
    pg_databases: tuple[str, str], tmp_path: Path
) -> None:
    # given a filled PostgreSQL database and a new, empty one
    source, target = pg_databases
    source_env = child_env(tmp_path / "var-source", _pg_url(source))
    target_env = child_env(tmp_path / "var-target", _pg_url(target))
    ok(propdesk(source_env, "migrate", "--noinput", "-v", "0"))
    ok(propdesk(source_env, "demo"))
    before = pg_fingerprints(source)
    assert_carries_data(before)

    # when it is backed up with pg_dump and restored into the empty database
    backup = tmp_path / "propdesk.dump"
    out = ok(propdesk(source_env, "backup", str(backup)))
    restored = ok(propdesk(target_env, "restore", str(backup)))

    # then the backup is a private custom-format archive
    assert backup.read_bytes()[:5] == PG_MAGIC
    assert backup.stat().st_mode & 0o777 == 0o600
    assert f"Backed up PostgreSQL {source} on " in out
    assert f"to {backup} ({len(before)} tables" in out
    # and every table of the restored database equals the source, row for row
    assert pg_fingerprints(target) == before
    assert f"Restored {backup} into PostgreSQL {target} on " in restored
    assert f"(was empty): now {len(before)} tables" in restored

    # when restoring over the filled source without --force, then it is refused, unchanged
    refused = propdesk(source_env, "restore", str(backup))
    assert refused.returncode == 1
    assert "is not empty" in refused.stderr
    # when the target is changed and restored again with --force, it is back to the backup
    import psycopg

    with psycopg.connect(dbname=target, autocommit=True, **_pg_params()) as conn:
        conn.execute("UPDATE core_resident SET name = name || '改'")
    assert pg_fingerprints(target)["core_resident"] != before["core_resident"]
    forced = ok(propdesk(target_env, "restore", str(backup), "--force"))
    assert "replacing " in forced
    assert pg_fingerprints(target) == before

    # when a SQLite backup is restored into PostgreSQL, then it is refused with the reason
    sqlite_file = tmp_path / "other.sqlite3"
    other = sqlite3.connect(sqlite_file)
    other.execute("CREATE TABLE t (a)")
    other.close()
    wrong = propdesk(target_env, "restore", str(sqlite_file), "--force")
    assert wrong.returncode == 1
    assert "is a SQLite backup, but the configured database is PostgreSQL" in wrong.stderr
    assert pg_fingerprints(target) == before
