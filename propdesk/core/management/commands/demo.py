"""`propdesk demo [--if-empty] [--seed N]`: load the demo company (华庭物业服务有限公司) with two
residential communities, a sales centre, ~2,000 units, ~3,000 residents and staff in every role,
then print the demo logins. `--if-empty` does nothing when any company exists, so `make run` can
call it on every start and keep what is there."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from propdesk.core import demo


class Command(BaseCommand):
    help = "Load demo data (one company, 3 projects, ~2,000 units, ~3,000 residents, all roles)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already holds a company",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help=f"random seed: the same seed gives the same data (default {demo.DEFAULT_SEED})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and demo.demo_present():
            self.stdout.write("Demo data skipped: the database already holds a company.")
            return
        taken = demo.conflicts()
        if taken:
            raise CommandError(
                "demo data cannot be loaded twice; already present: "
                + ", ".join(taken)
                + " (use --if-empty, or an empty database)"
            )
        started = time.perf_counter()
        summary = demo.load_demo(seed=options["seed"])
        elapsed = time.perf_counter() - started
        counts = summary.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {elapsed:.1f} s: {summary.company.name}, "
                f"{counts['projects']} projects, {counts['buildings']} buildings, "
                f"{counts['units']} units, {counts['residents']} residents, "
                f"{counts['staff']} staff, {counts['memberships']} memberships."
            )
        )
        core = {"projects", "buildings", "units", "residents", "staff", "memberships"}
        extra = {k: v for k, v in counts.items() if k not in core and k != "occupancies"}
        if extra:
            self.stdout.write("  " + ", ".join(f"{v} {k}" for k, v in extra.items()))
        for project in summary.projects.values():
            self.stdout.write(f"  {project.code:<12} {project.name} ({project.get_kind_display()})")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {summary.password}; demo only):")
        for username, name, note in summary.logins:
            self.stdout.write(f"  {username:<20} {name:<6} {note}")
