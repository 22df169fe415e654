"""Complaint sweeps, registered with the core sweep registry (run by `propdesk sweep` and the
job consumer's periodic task)."""

from __future__ import annotations

import datetime as dt

from propdesk.complaints.services import reports, timers
from propdesk.core.sweeps import register_sweep


@register_sweep("complaints.auto_upgrade")
def sweep_complaints_auto_upgrade(now: dt.datetime) -> int:
    """R-COMPLAINT-76: SO complaints unresolved after one month become major."""
    return timers.sweep_auto_upgrade(now)


@register_sweep("complaints.reports")
def sweep_complaint_reports(now: dt.datetime) -> int:
    """SPEC §20: store the reports the projects' policies run on their days (LH 25th / 27th,
    PCS weekly, month-end statistics and revisit quotas), once per period."""
    return reports.generate_due_reports(now)


@register_sweep("complaints.sqlite_optimize")
def sweep_sqlite_optimize(now: dt.datetime) -> int:
    """SQLite only (a no-op on PostgreSQL, whose autovacuum keeps statistics): keep the query
    planner's statistics so the list and timer indexes are used (docs/performance.md,
    2026-11-23: without statistics the list API took seconds at 30,000 complaints). The first
    run gathers full statistics (a sampled ANALYZE left the list API on a slow plan at 100,000
    complaints: 3.2 s instead of 0.2 s); later runs `PRAGMA optimize`, which
    re-analyses only the tables whose statistics are stale. Returns 1 when it gathered the first
    statistics, else 0 (so the minute-by-minute job log stays quiet)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='sqlite_stat1'"
        )
        has_stats = cursor.fetchone()[0] > 0
        if has_stats:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl='complaints_complaint'")
            has_stats = cursor.fetchone()[0] > 0
        cursor.execute("PRAGMA optimize" if has_stats else "ANALYZE")
    return 0 if has_stats else 1
