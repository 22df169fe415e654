"""Core huey tasks and sweeps: notification delivery and deadline reminders (R-GEN-08).

Tasks are thin: each calls one service. Sweeps are registered here with
`propdesk.core.sweeps.register_sweep`; other packages register theirs in their own `tasks.py`
the same way (see the docstring of `propdesk.core.sweeps`). This module is imported by
`CoreConfig.ready()` and by huey's consumer (`propdesk worker`), so the registry is complete in
every process.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from propdesk.core.services import deadlines, notifications
from propdesk.core.sweeps import prune_job_runs, register_sweep, run_all_sweeps


@register_sweep("core.deadlines")
def sweep_core_deadlines(now: dt.datetime) -> int:
    """Reminders before and overdue flags + escalation at expiry of stored deadlines."""
    return deadlines.sweep_deadlines(now=now)


@register_sweep("core.notifications")
def sweep_core_notifications(now: dt.datetime) -> int:
    """Email/webhook rows that are due for their (next) attempt."""
    return notifications.deliver_due(now=now)


@register_sweep("core.job_runs")
def sweep_core_job_runs(now: dt.datetime) -> int:
    return prune_job_runs(now)


@db_periodic_task(crontab(minute=f"*/{settings.SWEEP_INTERVAL_MINUTES}"))  # type: ignore[untyped-decorator]
def run_sweeps_periodically() -> dict[str, int]:
    """Every SWEEP_INTERVAL_MINUTES. Deliberately no huey lock: a lock left behind by a killed
    consumer would stop every later run, while overlapping runs are harmless because sweeps are
    idempotent. With several `propdesk worker` processes, start all but one with
    `--no-periodic` so the sweeps are enqueued once per interval."""
    return run_all_sweeps()


@db_task()  # type: ignore[untyped-decorator]
def deliver_notification(notification_id: int) -> bool:
    """Deliver one email/webhook row right after the transaction that wrote it commits
    (enqueued by `notifications.notify` / `publish_event`). A failure leaves the row pending
    with its backoff; the "core.notifications" sweep retries it."""
    return notifications.deliver_one(notification_id=notification_id)
