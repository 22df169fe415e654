"""`propdesk restore PATH [--force]`: replace the configured database with a backup made by
`propdesk backup`.

Stop `propdesk serve` and the workers first. Refuses a backup of the other engine, and a database
that already holds data unless `--force`. After a restore from an older version, run
`propdesk migrate`. The logic lives in `propdesk.core.services.backup`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from propdesk.core.services.backup import BackupError, restore_database


class Command(BaseCommand):
    # A backup or restore must not be blocked by an unrelated system-check failure.
    requires_system_checks: list[str] = []
    help = "Restore the configured database from a backup file made by `propdesk backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="backup file (.sqlite3 or pg_dump .dump)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that already holds data",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore_database(
                path=options["path"], using=options["database"], force=options["force"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        replaced = (
            f", replacing {result.replaced_rows} rows" if result.replaced_rows else " (was empty)"
        )
        self.stdout.write(
            f"Restored {result.path} into {result.database}{replaced}: "
            f"now {result.tables} tables, {result.rows} rows."
        )
        if result.untouched_tables:
            self.stdout.write(
                f"Left untouched (not in the backup): {', '.join(result.untouched_tables)}."
            )
        if result.pending_migrations:
            self.stdout.write(
                f"The backup predates {len(result.pending_migrations)} migration(s) of this "
                "version: run `propdesk migrate` before starting the server."
            )
