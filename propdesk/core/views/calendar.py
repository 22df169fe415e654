"""Settings → business hours and working calendar of the current project (R-GEN-06): weekly
hours, override days, a month view of working days and a deadline calculator that explains
which rule and which holidays it applied."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from propdesk.core import permissions as P
from propdesk.core.errors import ValidationFailed
from propdesk.core.forms import BusinessHoursForm, ExplainDueForm, OverrideForm
from propdesk.core.models import BusinessHours
from propdesk.core.models.calendar import Weekday
from propdesk.core.services import calendar as calendar_service
from propdesk.core.views.common import can, show_errors, staff_view


def _month_of(value: str | None) -> tuple[int, int]:
    """`?month=2026-10` → (2026, 10); anything else → this month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        dt.date(year, month, 1)
    except (TypeError, ValueError):
        today = timezone.localdate()
        return today.year, today.month
    return year, month


def _shift(year: int, month: int, delta: int) -> str:
    index = year * 12 + (month - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _calendar_page(
    request: HttpRequest,
    *,
    hours_forms: dict[int, BusinessHoursForm] | None = None,
    override_form: OverrideForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor, project = request.staff, request.project  # type: ignore[attr-defined]
    year, month = _month_of(request.GET.get("month"))
    days = calendar_service.calendar_month(
        actor=actor, project_id=project.pk, year=year, month=month
    )
    lead = dt.date(year, month, 1).weekday()  # blank cells before the 1st (weeks start Monday)
    weekly = {row.weekday: row for row in BusinessHours.objects.filter(project=project)}
    hours_forms = hours_forms or {}
    hour_rows = []
    for weekday, label in Weekday.choices:
        row = weekly.get(weekday)
        form = hours_forms.get(weekday) or BusinessHoursForm(
            prefix=f"d{weekday}",
            initial={
                "weekday": weekday,
                "is_open": row.is_open if row else True,
                "opens": row.opens if row else dt.time(8, 30),
                "closes": row.closes if row else dt.time(17, 30),
            },
        )
        hour_rows.append({"weekday": weekday, "label": label, "row": row, "form": form})
    explain_form = ExplainDueForm(request.GET if "amount" in request.GET else None)
    due = None
    if explain_form.is_bound and explain_form.is_valid():
        try:
            due = calendar_service.explain_due(
                actor=actor,
                project_id=project.pk,
                start=explain_form.cleaned_data["start"],
                amount=explain_form.cleaned_data["amount"],
                unit=explain_form.cleaned_data["unit"],
            )
        except ValidationFailed as exc:
            show_errors(explain_form, exc)
    context: dict[str, Any] = {
        "year": year,
        "month": month,
        "days": days,
        "lead_blanks": range(lead),
        "prev_month": _shift(year, month, -1),
        "next_month": _shift(year, month, 1),
        "today": timezone.localdate(),
        "hour_rows": hour_rows,
        "overrides": calendar_service.list_overrides(actor=actor, project_id=project.pk, year=year),
        "override_form": override_form or OverrideForm(),
        "explain_form": explain_form,
        "due": due,
        "can_manage": can(request, P.MANAGE_PROJECT),
    }
    return render(request, "core/settings/calendar.html", context, status=status)


@staff_view
def calendar(request: HttpRequest) -> HttpResponse:
    return _calendar_page(request)


@require_POST
@staff_view
def business_hours(request: HttpRequest, weekday: int) -> HttpResponse:
    form = BusinessHoursForm(request.POST, prefix=f"d{weekday}")
    if form.is_valid():
        try:
            calendar_service.set_business_hours(
                actor=request.staff,  # type: ignore[attr-defined]
                project_id=request.project.pk,  # type: ignore[attr-defined]
                weekday=form.cleaned_data["weekday"],
                opens=form.cleaned_data["opens"],
                closes=form.cleaned_data["closes"],
                is_open=form.cleaned_data["is_open"],
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Business hours saved"))
            return redirect(reverse("core:calendar") + "#hours")
    return _calendar_page(request, hours_forms={weekday: form}, status=422)


@require_POST
@staff_view
def override_add(request: HttpRequest) -> HttpResponse:
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            calendar_service.set_override(
                actor=request.staff,  # type: ignore[attr-defined]
                project_id=request.project.pk,  # type: ignore[attr-defined]
                **form.cleaned_data,
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Special day saved"))
            month = form.cleaned_data["date"].strftime("%Y-%m")
            return redirect(reverse("core:calendar") + f"?month={month}#overrides")
    return _calendar_page(request, override_form=form, status=422)


@require_POST
@staff_view
def override_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        calendar_service.remove_override(actor=request.staff, override_id=pk)  # type: ignore[attr-defined]
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Special day removed"))
    return redirect(reverse("core:calendar") + "#overrides")
