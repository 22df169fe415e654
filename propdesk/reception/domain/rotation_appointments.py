"""Rotation rules for booking appointments (预约接待, R-ROTA-02, R-ROTA-14, R-ROTA-15).

`check_new_appointment` is asked before an appointment is confirmed for a day: a media open day
(媒体开放日) blocks it unless a manager overrides (R-ROTA-15); more than the advisory 2 appointment
groups a day only warns (R-ROTA-02, A-ROTA-2). `suggest_quiet_slots` orders candidate slots by how
many clients are booked or forecast, quietest first (R-ROTA-14 "尽可能安排在相对客户较少的时段").
The appointment's own states (draft → pending approval → approved → confirmed with client →
arrived / no-show / cancelled) belong to the reception workflows, not here.

Pure Python: no Django, no I/O.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

from propdesk.reception.domain.rotation_model import Notice, NoticeCode
from propdesk.reception.domain.rotation_roster import RotaSettings, RotationError

Slot = TypeVar("Slot", bound=Hashable)


def check_new_appointment(
    *,
    media_open_day: bool,
    confirmed_that_day: int,
    settings: RotaSettings | None = None,
    manager_override: bool = False,
) -> tuple[Notice, ...]:
    """Whether one more appointment may be confirmed for a day that already has
    `confirmed_that_day`. Raises `RotationError` (code `forbidden`, field `day`) on a media open
    day without a manager's override; returns the warnings (never blocks for the daily guideline).
    """
    settings = settings or RotaSettings()
    notices: list[Notice] = []
    if media_open_day:
        if not manager_override:
            raise RotationError(
                "媒体开放日原则上不接待客户,如需预约请由经理确认", field="day", code="forbidden"
            )
        notices.append(
            Notice(NoticeCode.MEDIA_OPEN_DAY, "媒体开放日原则上不接待客户,已由经理确认预约")
        )
    total = confirmed_that_day + 1
    if total > settings.appointments_per_day:
        notices.append(
            Notice(
                NoticeCode.APPOINTMENTS_OVER,
                f"当天预约接待将达{total}组,超过原则建议的每天{settings.appointments_per_day}组",
            )
        )
    return tuple(notices)


def suggest_quiet_slots(
    candidates: Sequence[Slot], load: Mapping[Slot, int], *, limit: int = 3
) -> tuple[Slot, ...]:
    """The `limit` quietest of `candidates` by `load` (booked plus forecast clients; a slot not in
    `load` counts as 0); ties keep the candidates' order (R-ROTA-14)."""
    ranked = sorted(enumerate(candidates), key=lambda item: (load.get(item[1], 0), item[0]))
    return tuple(slot for _, slot in ranked[: max(limit, 0)])
