"""Reception sweeps, registered with the core sweep registry (run by `propdesk sweep` and the
job consumer's periodic task)."""

from __future__ import annotations

import datetime as dt

from propdesk.core.sweeps import register_sweep
from propdesk.reception.services.calls import reannounce_due_calls


@register_sweep("reception.unanswered_calls")
def sweep_unanswered_calls(now: dt.datetime) -> int:
    """R-RADIO §4: calls not acknowledged within `radio.ack_timeout` are flagged 未应答 and
    announced again."""
    return reannounce_due_calls(now)
