"""`propdesk permissions-doc [--check] [--output PATH]`: write docs/permissions.md, the matrix of
every role × every API operation and web page, generated from the code
(`propdesk.core.permission_matrix`). `--check` only compares and fails when the file is stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from propdesk.core import permission_matrix


class Command(BaseCommand):
    help = "Write docs/permissions.md (who may call which API operation and open which page)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", default=str(Path(settings.ROOT_DIR) / "docs" / "permissions.md")
        )
        parser.add_argument("--check", action="store_true", help="fail if the file is stale")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        text = permission_matrix.generate()
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                raise CommandError(f"{path} is stale: run `propdesk permissions-doc`")
            self.stdout.write(f"{path} is up to date")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
