"""`propdesk sweep`: run every registered sweep once (deadline reminders, notification retries,
the packages' own sweeps) and print one `name: processed` line per sweep.

Safe to run at any time, also beside a running worker: sweeps are idempotent. Useful from cron
when no `propdesk worker` runs, and in demos (`propdesk sweep --now 2026-10-08T09:00`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from propdesk.core.sweeps import run_sweeps


def _parse_now(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now: not an ISO date-time: {value!r}") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # read as Asia/Shanghai local time
    return parsed


class Command(BaseCommand):
    help = "Run all sweeps once and print 'name: processed' per sweep."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            default=None,
            help="pretend it is this time (ISO, local time if no offset), e.g. 2026-10-08T09:00",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = []
        for run in run_sweeps(now=_parse_now(options["now"])):
            if run.ok:
                self.stdout.write(f"{run.name}: {run.processed}")
            else:
                failed.append(run.name)
                last_line = run.log.strip().splitlines()[-1] if run.log.strip() else ""
                self.stdout.write(f"{run.name}: failed (job run #{run.pk}) {last_line}")
        if failed:
            raise CommandError(f"{len(failed)} sweep(s) failed: {', '.join(failed)}")
