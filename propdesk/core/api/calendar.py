"""The project's working-time calendar (R-GEN-06..08): the month view with the reason each day is
open or closed, weekly business hours, override days, and the due-time calculator that explains
itself. Reading needs the project's master data; changing it `MANAGE_PROJECT`."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core import worktime
from propdesk.core.api.common import (
    ERROR_RESPONSES,
    InputSchema,
    PagePagination,
    actor_of,
)
from propdesk.core.models import BusinessHours, CalendarOverride
from propdesk.core.models.calendar import OverrideKind
from propdesk.core.services import calendar

router = Router(tags=["calendar"])


# --- month view and weekly hours ------------------------------------------------------------
class DayOut(Schema):
    date: dt.date
    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    is_working: bool
    opens: dt.time | None
    closes: dt.time | None
    reason: str = Field(description="Why the day is open or closed, e.g. 国庆节, 调休上班")

    @staticmethod
    def resolve_weekday(obj: worktime.DayInfo) -> int:
        return obj.date.weekday()

    @staticmethod
    def resolve_opens(obj: worktime.DayInfo) -> dt.time | None:
        return obj.hours.opens if obj.hours else None

    @staticmethod
    def resolve_closes(obj: worktime.DayInfo) -> dt.time | None:
        return obj.hours.closes if obj.hours else None


class MonthOut(Schema):
    project: int
    year: int
    month: int
    days: list[DayOut]


class MonthQuery(Schema):
    year: int
    month: int


@router.get("/projects/{project_id}/calendar", response={200: MonthOut, **ERROR_RESPONSES})
def calendar_month(
    request: HttpRequest, project_id: int, filters: Query[MonthQuery]
) -> dict[str, Any]:
    """Every day of one month: hours, working or not, and why (holidays, adjusted workdays,
    the project's own days off)."""
    days = calendar.calendar_month(
        actor=actor_of(request), project_id=project_id, year=filters.year, month=filters.month
    )
    return {"project": project_id, "year": filters.year, "month": filters.month, "days": days}


class BusinessHoursOut(Schema):
    project: int
    weekday: int
    is_open: bool
    opens: dt.time
    closes: dt.time

    @staticmethod
    def resolve_project(obj: BusinessHours) -> int:
        return obj.project_id


class BusinessHoursIn(InputSchema):
    is_open: bool
    opens: dt.time | None = None
    closes: dt.time | None = None


@router.put(
    "/projects/{project_id}/business-hours/{weekday}",
    response={200: BusinessHoursOut, **ERROR_RESPONSES},
)
def set_business_hours(
    request: HttpRequest, project_id: int, weekday: int, payload: BusinessHoursIn
) -> BusinessHours:
    """Set one weekday's hours (0 = Monday … 6 = Sunday); a closed day needs no times."""
    return calendar.set_business_hours(
        actor=actor_of(request),
        project_id=project_id,
        weekday=weekday,
        opens=payload.opens,
        closes=payload.closes,
        is_open=payload.is_open,
    )


# --- override days --------------------------------------------------------------------------
class OverrideOut(Schema):
    id: int
    project: int
    date: dt.date
    kind: OverrideKind
    opens: dt.time | None
    closes: dt.time | None
    note: str

    @staticmethod
    def resolve_project(obj: CalendarOverride) -> int:
        return obj.project_id


class OverrideIn(InputSchema):
    kind: OverrideKind
    opens: dt.time | None = None
    closes: dt.time | None = None
    note: str = ""


class OverrideQuery(Schema):
    year: int | None = None


@router.get(
    "/projects/{project_id}/calendar-overrides",
    response={200: list[OverrideOut], **ERROR_RESPONSES},
)
@paginate(PagePagination)
def list_overrides(request: HttpRequest, project_id: int, filters: Query[OverrideQuery]) -> object:
    """The project's own working days and days off, by date (`?year=2026`)."""
    return calendar.list_overrides(
        actor=actor_of(request), project_id=project_id, year=filters.year
    )


@router.put(
    "/projects/{project_id}/calendar-overrides/{date}",
    response={200: OverrideOut, **ERROR_RESPONSES},
)
def set_override(
    request: HttpRequest, project_id: int, date: dt.date, payload: OverrideIn
) -> CalendarOverride:
    """Make one date a working day (`workday`, optionally with its own hours) or a day off
    (`holiday`) for this project, whatever the weekly hours and the statutory calendar say."""
    return calendar.set_override(
        actor=actor_of(request),
        project_id=project_id,
        date=date,
        kind=payload.kind.value,
        opens=payload.opens,
        closes=payload.closes,
        note=payload.note,
    )


@router.api_operation(
    ["DELETE"], "/calendar-overrides/{override_id}", response={204: None, **ERROR_RESPONSES}
)
def remove_override(request: HttpRequest, override_id: int) -> Status[None]:
    calendar.remove_override(actor=actor_of(request), override_id=override_id)
    return Status(204, None)


# --- due-time calculator --------------------------------------------------------------------
class DueQuery(Schema):
    start: dt.datetime = Field(
        description="ISO 8601; without an offset it is Asia/Shanghai time (encode + as %2B)"
    )
    amount: Decimal
    unit: worktime.DurationUnit


class DueOut(Schema):
    at: dt.datetime
    explanation: str


@router.get("/projects/{project_id}/due", response={200: DueOut, **ERROR_RESPONSES})
def explain_due(request: HttpRequest, project_id: int, filters: Query[DueQuery]) -> worktime.Due:
    """When a time limit counted from `start` ends in this project's calendar, and why."""
    start = filters.start
    if timezone.is_naive(start):
        start = timezone.make_aware(start)  # local (Asia/Shanghai) time, as the UI shows it
    return calendar.explain_due(
        actor=actor_of(request),
        project_id=project_id,
        start=start,
        amount=filters.amount,
        unit=filters.unit.value,
    )
