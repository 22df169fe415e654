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
