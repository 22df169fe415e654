"""The project's working-time calendar (R-GEN-06..08, A-CMP-7/8): business hours per weekday,
override days, and the due-time calculator that explains itself.

`calendar_for` builds the pure `propdesk.core.worktime.WorkCalendar` that other services pass to
`worktime.compute_due` / `add_working_hours` …; the other functions are use cases of the
settings screen. Changing the calendar needs `MANAGE_PROJECT`, reading it `VIEW_MASTERDATA`;
projects the actor does not belong to are NotFound. Every change writes a timeline event on the
Project (R-GEN-04); bad input raises field-level `ValidationFailed` and writes nothing.

A changed calendar applies to due times computed afterwards; stored deadlines keep the due time
and explanation they were given.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core import access, worktime
from propdesk.core import permissions as P
from propdesk.core.errors import Conflict, NotFound, ValidationFailed
from propdesk.core.models import BusinessHours, CalendarOverride, Project, Staff
from propdesk.core.models.calendar import OverrideKind
from propdesk.core.services.timeline import record_event
from propdesk.core.services.validation import EARLIEST_DATE, Errors, check_choice, raise_if

FUTURE_DAYS = 5 * 366  # override days may be planned up to five years ahead
MAX_AMOUNT = Decimal(10000)  # the calculator's largest time limit, in any unit


# Calendars read inside a `calendars_cached()` block, by project id (None outside a block).
_CACHED: ContextVar[dict[int, worktime.WorkCalendar] | None] = ContextVar(
    "propdesk_calendars", default=None
)


@contextmanager
def calendars_cached() -> Iterator[None]:
    """Within the block (one request's service call, one sweep batch) `calendar_for` reads each
    project's calendar once. Only for work that does not change the calendar itself; nested
    blocks share the outer one's cache."""
    if _CACHED.get() is not None:
        yield
        return
    token = _CACHED.set({})
    try:
        yield
    finally:
        _CACHED.reset(token)


def calendar_for(project_id: int) -> worktime.WorkCalendar:
    """The project's working-time calendar (2 queries, none when already read inside the same
    `calendars_cached()` block; no access check: for services that already hold the project).
    Weekdays without a row get the default 08:30–17:30 (R-GEN-06); a working-day override
    without hours gets that weekday's hours (see `worktime.fallback_hours`)."""
    cached = _CACHED.get()
    if cached is not None and project_id in cached:
        return cached[project_id]
    cal = _read_calendar(project_id)
    if cached is not None:
        cached[project_id] = cal
    return cal


def _read_calendar(project_id: int) -> worktime.WorkCalendar:
    weekly: list[worktime.DayHours | None] = [worktime.DEFAULT_HOURS] * 7
    for row in BusinessHours.objects.filter(project_id=project_id):
        weekly[row.weekday] = worktime.DayHours(row.opens, row.closes) if row.is_open else None
    week = tuple(weekly)
    overrides: dict[dt.date, worktime.DayHours | None] = {}
    notes: dict[dt.date, str] = {}
    for override in CalendarOverride.objects.filter(project_id=project_id):
        if override.kind == OverrideKind.HOLIDAY:
            overrides[override.date] = None
        elif override.opens is not None and override.closes is not None:
            overrides[override.date] = worktime.DayHours(override.opens, override.closes)
        else:
            overrides[override.date] = worktime.fallback_hours(week, override.date.weekday())
        if override.note:
            notes[override.date] = override.note
    return worktime.WorkCalendar(
        weekly=week, overrides=overrides, tz=ZoneInfo(settings.TIME_ZONE), notes=notes
    )


# --- validation ---------------------------------------------------------------------------
def _hm(value: dt.time | None) -> str | None:
    return None if value is None else f"{value:%H:%M}"


def _check_time(errors: Errors, name: str, value: Any) -> None:
    if value is not None and not isinstance(value, dt.time):
        errors.setdefault(name, []).append(_("Enter a time like 08:30"))


def _check_order(errors: Errors, opens: Any, closes: Any) -> None:
    if (
        isinstance(opens, dt.time)
        and isinstance(closes, dt.time)
        and not closes > opens
        and "closes" not in errors
    ):
        errors["closes"] = [_("The closing time must be later than the opening time")]


# --- business hours -------------------------------------------------------------------------
def set_business_hours(
    *,
    actor: Staff,
    project_id: int,
    weekday: int,
    opens: dt.time | None,
    closes: dt.time | None,
    is_open: bool,
) -> BusinessHours:
    """Set one weekday's business hours (R-GEN-06). An open day needs both times, closing after
    opening; for a closed day the times may be left out (the stored ones are kept)."""
    project = access.get_project_for(actor, project_id, P.MANAGE_PROJECT)
    errors: Errors = {}
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        errors["weekday"] = [_("Enter a weekday from 0 (Monday) to 6 (Sunday)")]
    if not isinstance(is_open, bool):
        errors["is_open"] = [_("Choose yes or no")]
    _check_time(errors, "opens", opens)
    _check_time(errors, "closes", closes)
    if is_open is True:
        for name, value in (("opens", opens), ("closes", closes)):
            if value is None:
                errors.setdefault(name, []).append(_("This field is required"))
    _check_order(errors, opens, closes)
    raise_if(errors)
    with transaction.atomic():
        row = (
            BusinessHours.objects.select_for_update()
            .filter(project=project, weekday=weekday)
            .first()
        )
        if row is None:
            row = BusinessHours(project=project, weekday=weekday)
        before = {"is_open": row.is_open, "opens": _hm(row.opens), "closes": _hm(row.closes)}
        if opens is not None and closes is not None:
            row.opens, row.closes = opens, closes
        elif opens is not None or closes is not None:
            # Only one time given for a closed day: keep the pair ordered or refuse.
            new_opens = opens if opens is not None else row.opens
            new_closes = closes if closes is not None else row.closes
            if not new_closes > new_opens:
                raise ValidationFailed(
                    fields={"closes": [_("The closing time must be later than the opening time")]}
                )
            row.opens, row.closes = new_opens, new_closes
        row.is_open = is_open
        after = {"is_open": row.is_open, "opens": _hm(row.opens), "closes": _hm(row.closes)}
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if row.pk is None or changes:
            row.save()
            record_event(
                entity=project,
                action="calendar.hours_changed",
                actor=actor,
                project_id=project.pk,
                data={"weekday": weekday, "changes": changes},
            )
    return row


# --- override days ---------------------------------------------------------------------------
def _override_state(override: CalendarOverride | None) -> dict[str, Any] | None:
    if override is None:
        return None
    return {
        "kind": override.kind,
        "opens": _hm(override.opens),
        "closes": _hm(override.closes),
        "note": override.note,
    }


def set_override(
    *,
    actor: Staff,
    project_id: int,
    date: dt.date,
    kind: str,
    opens: dt.time | None = None,
    closes: dt.time | None = None,
    note: str = "",
) -> CalendarOverride:
    """Make `date` a working day (kind "workday", optionally with its own hours, else that
    weekday's hours) or a day off (kind "holiday", no hours) for this project, whatever the
    weekly hours and China's statutory calendar say (R-GEN-06). Upsert: one override per date.
    """
    project = access.get_project_for(actor, project_id, P.MANAGE_PROJECT)
    errors: Errors = {}
    if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
        errors["date"] = [_("Enter a date like 2026-11-22")]
    else:
        latest = timezone.localdate() + dt.timedelta(days=FUTURE_DAYS)
        if not EARLIEST_DATE <= date <= latest:
            errors["date"] = [
                _("The date must be between {start} and {end}").format(
                    start=EARLIEST_DATE, end=latest
                )
            ]
    check_choice(errors, {"kind": kind}, "kind", OverrideKind)
    _check_time(errors, "opens", opens)
    _check_time(errors, "closes", closes)
    if kind == OverrideKind.HOLIDAY:
        for name, value in (("opens", opens), ("closes", closes)):
            if value is not None:
                errors.setdefault(name, []).append(_("A day off has no business hours"))
    elif (opens is None) != (closes is None):
        missing = "closes" if closes is None else "opens"
        errors.setdefault(missing, []).append(
            _("Enter both the opening and the closing time, or neither")
        )
    _check_order(errors, opens, closes)
    if not isinstance(note, str):
        errors["note"] = [_("Enter text")]
    elif len(note.strip()) > 100:
        errors["note"] = [_("At most {n} characters").format(n=100)]
    raise_if(errors)
    try:
        with transaction.atomic():
            override = (
                CalendarOverride.objects.select_for_update()
                .filter(project=project, date=date)
                .first()
            )
            before = _override_state(override)
            if override is None:
                override = CalendarOverride(project=project, date=date)
            override.kind = kind
            override.opens, override.closes = opens, closes
            override.note = note.strip()
            after = _override_state(override)
            if before != after:
                override.save()
                record_event(
                    entity=project,
                    action="calendar.override_set",
                    actor=actor,
                    project_id=project.pk,
                    data={"date": date.isoformat(), "before": before, "after": after},
                )
    except IntegrityError:
        # Someone else added an override for the same date at the same moment.
        raise Conflict() from None
    return override


def remove_override(*, actor: Staff, override_id: int) -> None:
    """Remove an override day; the date follows the weekly hours and the statutory calendar
    again."""
    override = access.get_for(actor, CalendarOverride.objects.all(), override_id, P.MANAGE_PROJECT)
    with transaction.atomic():
        project = Project.objects.get(pk=override.project_id)
        record_event(
            entity=project,
            action="calendar.override_removed",
            actor=actor,
            project_id=project.pk,
            data={"date": override.date.isoformat(), "before": _override_state(override)},
        )
        override.delete()


# --- reading --------------------------------------------------------------------------------
def _readable_project(actor: Staff, project_id: Any) -> int:
    """The project id, once the actor may read its master data (NotFound otherwise)."""
    try:
        pid = int(project_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    access.require(actor, pid, P.VIEW_MASTERDATA)
    return pid


def _amount(errors: Errors, amount: Any, unit: str) -> Decimal:
    """The time limit as a Decimal; a field error (and 0) when it is not a usable number."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if isinstance(amount, bool) or not value.is_finite():
        errors["amount"] = [_("Enter a number")]
    elif not Decimal(0) <= value <= MAX_AMOUNT:
        errors["amount"] = [_("Enter a number from 0 to {max}").format(max=MAX_AMOUNT)]
    elif unit == worktime.DurationUnit.WORKING_DAYS and value != value.to_integral_value():
        errors["amount"] = [_("Working days must be a whole number")]
    else:
        return value
    return Decimal(0)


def explain_due(
    *, actor: Staff, project_id: int, start: dt.datetime, amount: Any, unit: str
) -> worktime.Due:
    """The due time of a time limit counted from `start` in this project's calendar, with the
    one-sentence explanation (which rule, which holidays skipped) the UI shows beside every
    deadline (R-GEN-06/07)."""
    pid = _readable_project(actor, project_id)
    errors: Errors = {}
    if not isinstance(start, dt.datetime) or timezone.is_naive(start):
        errors["start"] = [_("Enter a date and time with a time zone")]
    else:
        latest = timezone.localdate() + dt.timedelta(days=FUTURE_DAYS)
        if not EARLIEST_DATE <= timezone.localtime(start).date() <= latest:
            errors["start"] = [
                _("The date must be between {start} and {end}").format(
                    start=EARLIEST_DATE, end=latest
                )
            ]
    value = _amount(errors, amount, unit)
    if unit not in set(worktime.DurationUnit):
        errors["unit"] = [_("Choose one of the listed options")]
    raise_if(errors)
    cal = calendar_for(pid)
    try:
        return worktime.compute_due(cal, start, value, worktime.DurationUnit(unit))
    except ValueError:
        # Only a calendar without any working time gets here (the input was checked above).
        raise ValidationFailed(
            fields={"start": [_("The project calendar has no working time after this date")]}
        ) from None


def calendar_month(
    *, actor: Staff, project_id: int, year: int, month: int
) -> list[worktime.DayInfo]:
    """Every day of a month with its hours and the reason it is open or closed (holiday name,
    调休上班, project day off …), for the month view of the settings screen."""
    pid = _readable_project(actor, project_id)
    errors: Errors = {}
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9998:
        errors["year"] = [_("Enter a year from 1900 to 9998")]
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        errors["month"] = [_("Enter a month from 1 to 12")]
    raise_if(errors)
    cal = calendar_for(pid)
    days = stdlib_calendar.monthrange(year, month)[1]
    return [cal.day_info(dt.date(year, month, day)) for day in range(1, days + 1)]


def list_overrides(
    *, actor: Staff, project_id: Any, year: int | None = None
) -> QuerySet[CalendarOverride]:
    """The project's own working days and days off, by date (optionally of one year)."""
    pid = _readable_project(actor, project_id)
    overrides = CalendarOverride.objects.filter(project_id=pid).order_by("date")
    return overrides if year is None else overrides.filter(date__year=year)
