"""`propdesk createproject CODE NAME --kind residential|sales_centre --company 名称`: the first
project of a new installation, with its calendar, departments, posts and form codes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from propdesk.core.errors import ValidationFailed
from propdesk.core.services.setup import bootstrap_project


class Command(BaseCommand):
    help = (
        "Create a company (if new) and a project with its default calendar, departments and forms."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("name")
        parser.add_argument(
            "--kind", choices=["residential", "sales_centre"], default="residential"
        )
        parser.add_argument("--company", required=True, help="Company name (物业公司)")
        parser.add_argument("--script-name", default="", help="Name said in standard phrases")
        parser.add_argument("--record-prefix", default="", help="e.g. 地王 for 地王/客服记录-NN")

    def handle(self, *args: Any, **opts: Any) -> None:
        data = {
            "code": opts["code"],
            "name": opts["name"],
            "kind": opts["kind"],
            "script_name": opts["script_name"],
            "record_prefix": opts["record_prefix"],
        }
        try:
            project = bootstrap_project(company_name=opts["company"], data=data)
        except ValidationFailed as exc:
            lines = [f"{field}: {'; '.join(msgs)}" for field, msgs in exc.fields.items()]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(f"{project.code}\t{project.name}\t{project.get_kind_display()}")
