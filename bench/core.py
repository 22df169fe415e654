"""Core benchmark (not a test): demo-size data in a throw-away SQLite database, then latency and
query counts of the hot read paths, measured in-process with Django's test client.

    .venv/bin/python bench/core.py [--iterations 50] [--seed 2026] [--keep]
    make bench

What it does: creates a temporary PROPDESK_VAR_DIR (so it never touches var/ or a configured
DATABASE_URL), runs `migrate` and `propdesk demo`, logs in as the front-desk clerk `kefu`, and for
each case runs a few warm-up requests and then N timed ones, printing p50 / p95 / max latency
and the number of SQL queries per request. It finally measures the throughput of
`propdesk.core.worktime.add_working_hours` on the project's calendar. Cases whose code has not
landed yet (a missing route or module) are reported as "skipped" instead of failing.

The figures are wall-clock times of one process on one machine: compare runs on the same machine
only. docs/performance.md records a run and the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    name: str
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries: int
    note: str = ""


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def _measure(name: str, call: Callable[[], Any], iterations: int) -> Result:
    """Warm up, then time `iterations` calls; the query count is that of the last call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        call()
    times = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call()
    return Result(
        name,
        statistics.median(times),
        _percentile(times, 95),
        max(times),
        len(queries.captured_queries),
    )


def _get(client: Any, url: str, expect: str = "", **headers: str) -> Callable[[], Any]:
    """A GET that must answer 200 (and contain `expect`), so a redirect or an error page is never
    timed by mistake."""

    def call() -> Any:
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if expect and expect not in response.content.decode():
            raise RuntimeError(f"GET {url} does not contain {expect!r}")
        return response

    return call


def _page_cases(client: Any, iterations: int) -> list[Result]:
    from django.urls import reverse

    page = reverse("core:resident_list")
    cases = [
        ("residents page, page 1", page, "", {}),
        ("residents page, page 60 (deep)", f"{page}?page=60", "", {}),
        ("residents page, pinyin search q=zs", f"{page}?q=zs", "张", {}),
        ("residents page, HTMX partial q=zs", f"{page}?q=zs", "张", {"HX-Request": "true"}),
        ("residents page, unit number q=1-2-0301", f"{page}?q=1-2-0301", "1-2-0301", {}),
        ("residents page, digits q=5678 (phone/ID tail)", f"{page}?q=5678", "5678", {}),
    ]
    return [
        _measure(name, _get(client, url, expect, **hdr), iterations)
        for name, url, expect, hdr in cases
    ]


def _api_cases(client: Any, iterations: int) -> list[Result]:
    probe = client.get("/api/v1/residents?q=zs")
    if probe.status_code == 404:
        return [Result("API /api/v1/residents", 0, 0, 0, 0, "skipped: route not found")]
    cases = [
        ("API residents, page 1 (50 rows)", "/api/v1/residents", '"results"'),
        ("API residents, pinyin search q=zs", "/api/v1/residents?q=zs", '"zs"'),
        (
            "API residents, page 30 (50 rows)",
            "/api/v1/residents?page=30&page_size=50",
            '"page": 30',
        ),
    ]
    return [_measure(name, _get(client, url, expect), iterations) for name, url, expect in cases]


def _worktime_case(project_id: int, calls: int) -> Result:
    try:
        from propdesk.core import worktime
    except ImportError:
        return Result("worktime.add_working_hours", 0, 0, 0, 0, "skipped: module not found")
    try:
        from propdesk.core.services.calendar import calendar_for

        calendar = calendar_for(project_id)
    except ImportError:
        calendar = worktime.WorkCalendar(
            weekly=(worktime.DayHours(dt.time(8, 30), dt.time(17, 30)),) * 7, overrides={}
        )
    rng = random.Random(7)
    tz = calendar.tz
    start0 = dt.datetime(2026, 1, 1, tzinfo=tz)
    inputs = [
        (
            start0 + dt.timedelta(minutes=rng.randrange(365 * 24 * 60)),
            Decimal(rng.choice((1, 8, 24, 72))),
        )
        for _ in range(calls)
    ]
    worktime.add_working_hours(calendar, inputs[0][0], inputs[0][1])  # warm the caches
    started = time.perf_counter()
    for start, hours in inputs:
        worktime.add_working_hours(calendar, start, hours)
    elapsed = time.perf_counter() - started
    return Result(
        "worktime.add_working_hours (1/8/24/72 h, 2026)",
        0,
        0,
        0,
        0,
        f"throughput: {elapsed / calls * 1e6:.1f} µs/call, {calls / elapsed:,.0f} calls/s "
        f"over {calls:,} calls",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50, help="timed requests per case")
    parser.add_argument("--seed", type=int, default=2026, help="demo data seed")
    parser.add_argument("--worktime-calls", type=int, default=20000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="propdesk-bench-")
    os.environ["PROPDESK_VAR_DIR"] = var_dir
    os.makedirs(os.path.join(var_dir, "static"), exist_ok=True)  # whitenoise's STATIC_ROOT
    os.environ.pop("DATABASE_URL", None)  # always the embedded SQLite file in the temp dir
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "propdesk.settings"
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from propdesk.core import demo
        from propdesk.core.middleware import SESSION_KEY
        from propdesk.core.models import Project, Staff

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - started
        started = time.perf_counter()
        summary = demo.load_demo(seed=args.seed)
        demo_s = time.perf_counter() - started

        project = Project.objects.get(code="diwang")
        clerk = Staff.objects.select_related("user").get(user__username="kefu")
        client = Client()
        client.force_login(clerk.user)
        session = client.session
        session[SESSION_KEY] = project.pk
        session.save()

        results = _page_cases(client, args.iterations)
        results += _api_cases(client, args.iterations)
        results.append(_worktime_case(project.pk, args.worktime_calls))

        counts = summary.counts
        print(
            f"PropDesk core benchmark — SQLite {sqlite3.sqlite_version}, Python "
            f"{sys.version.split()[0]}, Django {django.get_version()}"
        )
        print(
            f"migrate {migrate_s:.1f} s; demo {demo_s:.1f} s: {counts['units']} units, "
            f"{counts['residents']} residents, {counts['staff']} staff "
            f"(seed {args.seed}); clerk `kefu` in {project.name}; {args.iterations} runs/case"
        )
        print()
        print(
            f"| {'case':<48} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | {'queries':>7} | note"
        )
        print(f"|{'-' * 50}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|------")
        for r in results:
            if r.note.startswith(("skipped", "throughput")):
                print(f"| {r.name:<48} | {'-':>7} | {'-':>7} | {'-':>7} | {'-':>7} | {r.note}")
                continue
            print(
                f"| {r.name:<48} | {r.p50_ms:>7.2f} | {r.p95_ms:>7.2f} | {r.max_ms:>7.2f} | "
                f"{r.queries:>7} | {r.note}"
            )
    finally:
        if args.keep:
            print(f"\ndata kept in {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
