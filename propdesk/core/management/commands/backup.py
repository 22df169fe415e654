"""`propdesk backup PATH`: write a consistent backup of the configured database to PATH.

SQLite: online backup API (safe while `propdesk serve` runs). PostgreSQL: `pg_dump
--format=custom`. PATH may be a directory; the file is then `propdesk-YYYYmmdd-HHMMSS.sqlite3`
or `.dump` inside it. The logic lives in `propdesk.core.services.backup`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from propdesk.core.services.backup import BackupError, backup_database


class Command(BaseCommand):
    # A backup or restore must not be blocked by an unrelated system-check failure.
    requires_system_checks: list[str] = []
    help = "Back up the configured database (SQLite or PostgreSQL) to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="backup file to write, or a directory")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_database(path=options["path"], using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backed up {result.database} to {result.path} "
            f"({result.tables} tables, {result.size / 1_048_576:.1f} MiB)."
        )
