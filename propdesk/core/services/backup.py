"""Backup and restore of the configured database (issue 5, "Backup and restore").

- **SQLite**: the online backup API of the `sqlite3` module. The copy is one consistent snapshot
  even while the server and the worker keep writing (WAL mode: writers are not blocked, and the
  whole copy is taken in a single step, so concurrent commits cannot restart it). The backup file is
  switched to `journal_mode=DELETE` so it is one self-contained file, and checked with
  `PRAGMA integrity_check` before it replaces anything.
- **PostgreSQL**: `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner
  --single-transaction` with the connection parameters of the configured database. The password
  goes through `PGPASSWORD` in the child's environment, never on the command line (where `ps`
  would show it).

A backup file is recognised by its first bytes: SQLite databases start with
`SQLite format 3\\0`, pg_dump's custom format with `PGDMP`. A file made for the other engine is
refused before anything is touched.

A restore replaces the whole database, so it refuses to run over a database that holds data
unless `force=True`. "Holds data" means rows in any table other than those `migrate` fills by
itself (migration history, content types, permissions, default roles): restoring into a freshly
migrated database is the normal way to set up a new server.

Files are written to a temporary name beside the target (mode 0600: they hold owners' personal
data) and renamed into place only when complete, so an interrupted backup never leaves a
truncated file under the expected name.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
ENGINE_LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
FILE_SUFFIX = {SQLITE: ".sqlite3", POSTGRESQL: ".dump"}

# Tables `migrate` fills in a brand-new database (Django's own, and the default roles written by
# `core.services.setup.ensure_default_roles` after every migrate); rows there alone do not make a
# database "non-empty".
MIGRATE_TABLES = frozenset(
    {"django_migrations", "django_content_type", "auth_permission", "core_role"}
)

# How long a SQLite restore waits for other connections to let go of the database file.
SQLITE_BUSY_SECONDS = 20

# Connection OPTIONS (from DATABASE_URL's query string) that libpq reads from the environment.
LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "options": "PGOPTIONS",
}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message tells the operator what to do."""


@dataclass(frozen=True)
class BackupResult:
    engine: str
    database: str
    path: Path
    size: int
    tables: int


@dataclass(frozen=True)
class RestoreResult:
    engine: str
    database: str
    path: Path
    tables: int
    rows: int
    replaced_rows: int  # data rows the database held before (migrate's own rows not counted)
    pending_migrations: list[str] = field(default_factory=list)
    untouched_tables: list[str] = field(default_factory=list)


# --- files --------------------------------------------------------------------------------
def detect_engine(path: Path) -> str:
    """The engine a backup file was made for, from its first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BackupError(f"{path}: is a directory, not a backup file") from None
    if head.startswith(SQLITE_MAGIC):
        return SQLITE
    if head.startswith(PG_MAGIC):
        return POSTGRESQL
    raise BackupError(
        f"{path}: not a PropDesk backup (neither a SQLite database nor a pg_dump custom-format "
        "archive)"
    )


def target_path(path: Path, *, engine: str, now: dt.datetime) -> Path:
    """`path` itself, or a time-stamped file inside it when `path` is a directory."""
    if path.is_dir():
        return path / f"propdesk-{now:%Y%m%d-%H%M%S}{FILE_SUFFIX[engine]}"
    return path


def _partial_file(target: Path) -> Path:
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such directory")
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(handle)
    return Path(name)


# --- database facts -----------------------------------------------------------------------
def engine_of(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor in (SQLITE, POSTGRESQL):
        return connection.vendor
    raise BackupError(f"backup is not supported for the {connection.vendor} database engine")


def describe(connection: BaseDatabaseWrapper) -> str:
    """The database in words for the operator, without the password."""
    settings = connection.settings_dict
    if connection.vendor == SQLITE:
        return f"SQLite {settings['NAME']}"
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or 5432
    return f"PostgreSQL {settings['NAME']} on {host}:{port}"


def table_rows(connection: BaseDatabaseWrapper) -> dict[str, int]:
    """Row count of every table in the database (SQLite's own tables excluded)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        counts = {}
        for name in names:
            if name.startswith("sqlite_"):
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")  # noqa: S608 - quoted name
            counts[name] = int(cursor.fetchone()[0])
    return counts


def pending_migrations(connection: BaseDatabaseWrapper) -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


# --- SQLite -------------------------------------------------------------------------------
def sqlite_backup(source: str | Path, target: Path) -> None:
    """Copy the live database `source` into the new file `target` with the online backup API.

    `pages=-1` copies every page in one step under one read transaction: in WAL mode writers
    carry on meanwhile, and the snapshot cannot be restarted by their commits (a step-wise copy
    restarts from the first page whenever another connection writes)."""
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=SQLITE_BUSY_SECONDS)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst, pages=-1)
                dst.execute("PRAGMA journal_mode=DELETE")
                _require_intact(dst, target)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {source}: {exc}") from None


def sqlite_restore(source: Path, target: str | Path) -> None:
    """Replace the database file `target` with the contents of the backup `source`, page by page
    under SQLite's own locks (safe even if another connection has the file open; it then sees
    the restored data)."""
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            _require_intact(src, source)
            dst = sqlite3.connect(target, timeout=SQLITE_BUSY_SECONDS)
            try:
                src.backup(dst, pages=-1)
                _require_intact(dst, Path(target))
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore {source} into {target}: {exc}") from None


def _require_intact(conn: sqlite3.Connection, path: Path) -> None:
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database ({exc})") from None
    if result != ["ok"]:
        raise BackupError(f"{path}: integrity check failed: {'; '.join(result[:5])}")


def _sqlite_tables(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchone()
    finally:
        conn.close()
    return int(row[0])


def _sqlite_name(connection: BaseDatabaseWrapper) -> str:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError(
            "the configured SQLite database is in memory; there is no file to back up"
        )
    return name


# --- PostgreSQL ---------------------------------------------------------------------------
def pg_command(tool: str, settings: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The argument list (without the tool's own options) and the environment to run `tool`
    against the database described by Django's `settings` dict. The password, if any, is only
    in the environment."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(
            f"{tool} not found: install the PostgreSQL client tools of the server's major "
            "version (Debian: postgresql-client)"
        )
    args = [executable, "--no-password"]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    for option, variable in LIBPQ_ENV.items():
        value = (settings.get("OPTIONS") or {}).get(option)
        if value not in (None, ""):
            env[variable] = str(value)
    return args, env


def tool_major_version(executable: str) -> int:
    output = subprocess.run(  # noqa: S603 - a resolved PostgreSQL client binary
        [executable, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"\)\s*(\d+)", output) or re.search(r"(\d+)", output)
    if match is None:
        raise BackupError(f"cannot read the version of {executable}: {output.strip()!r}")
    return int(match.group(1))


def _require_tool_not_older(executable: str, connection: BaseDatabaseWrapper) -> None:
    connection.ensure_connection()
    server = int(connection.pg_version) // 10000  # type: ignore[attr-defined]
    tool = tool_major_version(executable)
    if tool < server:
        name = Path(executable).name
        raise BackupError(
            f"{name} {tool} is older than the PostgreSQL server ({server}); install "
            f"postgresql-client-{server} and put its {name} first on PATH"
        )


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-10:])
        raise BackupError(f"{Path(args[0]).name} failed (exit {done.returncode}):\n{tail}")
    return done


def archive_tables(path: Path, settings: Mapping[str, Any]) -> list[str]:
    """Names of the tables whose data a pg_dump custom-format archive holds."""
    args, env = pg_command("pg_restore", settings)
    listing = _run([args[0], "--list", str(path)], env).stdout
    tables = []
    for line in listing.splitlines():
        # e.g. "3396; 0 16457 TABLE DATA public core_company propdesk"
        match = re.search(r"\bTABLE DATA (\S+) (\S+) ", line)
        if match and not line.startswith(";"):
            tables.append(match.group(2))
    return tables


def pg_backup(connection: BaseDatabaseWrapper, target: Path) -> None:
    settings = connection.settings_dict
    args, env = pg_command("pg_dump", settings)
    _require_tool_not_older(args[0], connection)
    _run([*args, "--format=custom", "--file", str(target), "--dbname", settings["NAME"]], env)


def pg_restore(connection: BaseDatabaseWrapper, source: Path) -> None:
    """`--single-transaction`: a failed restore leaves the database as it was."""
    settings = connection.settings_dict
    args, env = pg_command("pg_restore", settings)
    _require_tool_not_older(args[0], connection)
    connection.close()  # no lock of ours may stand in the way of the DROPs
    _run(
        [
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            settings["NAME"],
            str(source),
        ],
        env,
    )


# --- use cases ----------------------------------------------------------------------------
def backup_database(
    *, path: Path, using: str = DEFAULT_DB_ALIAS, now: dt.datetime | None = None
) -> BackupResult:
    """Write a consistent backup of the database `using` to `path` (a file, or a directory that
    receives `propdesk-YYYYmmdd-HHMMSS.sqlite3|.dump`). Safe while the server runs."""
    connection = connections[using]
    engine = engine_of(connection)
    target = target_path(path, engine=engine, now=now or dt.datetime.now().astimezone())
    partial = _partial_file(target)
    try:
        if engine == SQLITE:
            sqlite_backup(_sqlite_name(connection), partial)
            tables = _sqlite_tables(partial)
        else:
            pg_backup(connection, partial)
            tables = len(archive_tables(partial, connection.settings_dict))
        partial.chmod(0o600)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(
        engine=engine,
        database=describe(connection),
        path=target,
        size=target.stat().st_size,
        tables=tables,
    )


def restore_database(
    *, path: Path, using: str = DEFAULT_DB_ALIAS, force: bool = False
) -> RestoreResult:
    """Replace the database `using` with the backup at `path`. Refuses a file made for the
    other engine, and a database holding data unless `force`. Stop the server and the workers
    first: a restore under running writers would mix their writes with the restored data."""
    connection = connections[using]
    engine = engine_of(connection)
    made_for = detect_engine(path)
    if made_for != engine:
        raise BackupError(
            f"{path} is a {ENGINE_LABELS[made_for]} backup, but the configured database is "
            f"{ENGINE_LABELS[engine]} ({describe(connection)}); restore it into a "
            f"{ENGINE_LABELS[made_for]} database (set DATABASE_URL accordingly)"
        )
    before = table_rows(connection)
    existing = {name: rows for name, rows in before.items() if rows and name not in MIGRATE_TABLES}
    if existing and not force:
        examples = ", ".join(sorted(existing, key=lambda name: -existing[name])[:5])
        raise BackupError(
            f"{describe(connection)} is not empty ({sum(existing.values())} rows in "
            f"{len(existing)} tables, e.g. {examples}). A restore replaces everything in it; "
            "run again with --force to do that"
        )
    untouched: list[str] = []
    if engine == SQLITE:
        name = _sqlite_name(connection)
        connection.close()
        sqlite_restore(path, name)
    else:
        in_archive = set(archive_tables(path, connection.settings_dict))
        untouched = sorted(set(before) - in_archive)
        pg_restore(connection, path)
    after = table_rows(connection)
    return RestoreResult(
        engine=engine,
        database=describe(connection),
        path=path.resolve(),
        tables=len(after),
        rows=sum(after.values()),
        replaced_rows=sum(existing.values()),
        pending_migrations=pending_migrations(connection),
        untouched_tables=untouched,
    )
