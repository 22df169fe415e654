"""The sweep registry: every periodic "find what is due and act" job of PropDesk.

A sweep is a function `fn(now: datetime) -> int` that finds the rows whose stored deadline has
come (deadline reminders, notification retries, a dunning step …), acts on each through a
service, and returns how many it processed. It must be idempotent: running it twice, or again
after a crash, never acts twice on one row and never skips one (use conditional UPDATEs and
dedupe keys, see `propdesk.core.services.deadlines.sweep_deadlines`).

How a domain package adds its sweep, in its own `tasks.py`::

    from propdesk.core.sweeps import register_sweep
    from propdesk.complaints.services import escalate_due_complaints

    @register_sweep("complaints.escalation")
    def sweep_complaint_escalation(now: datetime) -> int:
        return escalate_due_complaints(now=now)

and make sure that `tasks.py` is imported at start-up (huey's Django integration imports every
installed app's `tasks` module; for web processes and `propdesk sweep` import it in the app's
`AppConfig.ready()`, as `propdesk.core.apps` does). Names are "<package>.<what>".

`run_all_sweeps` runs each registered sweep once and keeps a `JobRun` row per sweep (start,
end, success, items processed, and the traceback on failure); one failing sweep does not stop
the others. It is called every `SWEEP_INTERVAL_MINUTES` by the huey periodic task in
`propdesk.core.tasks` and on demand by `propdesk sweep`.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable

from django.utils import timezone

from propdesk.core.models import JobRun

logger = logging.getLogger(__name__)

Sweep = Callable[[dt.datetime], int]
_REGISTRY: dict[str, Sweep] = {}


def register_sweep(name: str) -> Callable[[Sweep], Sweep]:
    """Decorator: register `fn(now) -> int` under `name`. Registering another function under a
    taken name is a mistake and raises; re-registering the same function (a module imported
    twice) is harmless."""

    def decorator(fn: Sweep) -> Sweep:
        current = _REGISTRY.get(name)
        if current is not None and _qualified(current) != _qualified(fn):
            raise ValueError(f"sweep {name!r} is already registered by {_qualified(current)}")
        _REGISTRY[name] = fn
        return fn

    return decorator


def _qualified(fn: Sweep) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def registered_sweeps() -> dict[str, Sweep]:
    """Name → function, in registration order."""
    return dict(_REGISTRY)


def unregister_sweep(name: str) -> None:
    """Remove a sweep (for tests that register temporary ones)."""
    _REGISTRY.pop(name, None)


def run_sweep(name: str, fn: Sweep, *, now: dt.datetime | None = None) -> JobRun:
    """Run one sweep and record it on a JobRun row. Exceptions are caught and logged on the row."""
    started = timezone.now()
    run = JobRun.objects.create(name=name, started_at=started)
    try:
        processed = int(fn(now or started))
    except Exception:
        logger.exception("sweep %s failed", name)
        run.ok = False
        run.log = traceback.format_exc()
    else:
        run.ok = True
        run.processed = processed
        if processed:
            logger.info("sweep %s processed %s", name, processed)
    run.finished_at = timezone.now()
    run.save(update_fields=["ok", "processed", "log", "finished_at"])
    return run


def run_sweeps(*, now: dt.datetime | None = None) -> list[JobRun]:
    """Run every registered sweep once; a failing sweep is logged and the others still run."""
    return [run_sweep(name, fn, now=now) for name, fn in registered_sweeps().items()]


JOB_RUN_RETENTION = dt.timedelta(days=30)


def prune_job_runs(now: dt.datetime) -> int:
    """Delete JobRun rows older than 30 days (a sweep every minute writes ~1,400 rows a day)."""
    deleted, _per_model = JobRun.objects.filter(started_at__lt=now - JOB_RUN_RETENTION).delete()
    return deleted


def run_all_sweeps(now: dt.datetime | None = None) -> dict[str, int]:
    """Run every registered sweep once; {name: items processed} (0 for a failed sweep, whose
    JobRun row holds the traceback)."""
    return {run.name: run.processed for run in run_sweeps(now=now)}
