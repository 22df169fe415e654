"""Pages of the rotation queue (接待规则, SPEC §5): the floor's console (report a visitor or a call
in two taps and see who receives, why), the TV rotation board (live), the set-up page (groups,
the day's plan, rest days) and the daily report (接待轮次日报, RPT-01). Views parse the form, call
one service and render; the rules are in `services.rotation*`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core import permissions as P
from propdesk.core.errors import DomainError, ValidationFailed
from propdesk.core.views.common import can, staff_view
from propdesk.reception.domain.rotation_model import REASON_LABELS, VisitPurpose
from propdesk.reception.domain.rotation_roster import DUTY_LABELS
from propdesk.reception.domain.visits import Stage
from propdesk.reception.models import (
    Appointment,
    AppointmentState,
    RestDayState,
    RotaDay,
    Visit,
)
from propdesk.reception.services import rotation, rotation_report, rotation_setup
from propdesk.reception.views.actions import floor_action

PURPOSES = [
    (VisitPurpose.SALES, "看房"),
    (VisitPurpose.NON_SALES, "非销售(问路/内部)"),
    (VisitPurpose.MARKET_RESEARCH, "市场调研"),
    (VisitPurpose.FOR_FRIENDS, "为亲友咨询"),
]


def _staff(request: HttpRequest) -> Any:
    return request.staff  # type: ignore[attr-defined]


def _project_id(request: HttpRequest) -> int:
    return int(request.project.pk)  # type: ignore[attr-defined]


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", "") or request.POST.get("day", ""))
    except ValueError:
        return timezone.localdate()


def _live_context(request: HttpRequest, day: dt.date | None = None) -> dict[str, Any]:
    """The board, the open receptions and the last decisions of the day (console and TV)."""
    view = rotation.day_view(actor=_staff(request), project_id=_project_id(request), day=day)
    context: dict[str, Any] = {"view": view, "today": day or timezone.localdate()}
    if view is None:
        return context
    state_receptions = rotation.current_state(view.rota_day)[1].receptions
    names = view.roster.name
    context |= {
        "receptions": [
            {"ref": r.ref, "name": names(r.person), "reason": REASON_LABELS[r.reason]}
            for r in state_receptions
        ],
        "recent": list(reversed(view.decisions[-12:])),
        "names": dict(view.roster.names),
        "supporters": [(p, names(p)) for p in view.board.supporters],
        "next_visit": names(view.board.visit.next_person),
        "next_phone": names(view.board.phone.next_person),
        "warnings": [w.message for w in view.roster.warnings],
        "duty_labels": {str(k): v for k, v in DUTY_LABELS.items()},
    }
    return context


@staff_view
def rotation_home(request: HttpRequest) -> HttpResponse:
    """接访轮序: the day's board with the buttons to report what happens (R-ROTA-05..16)."""
    project_id = _project_id(request)
    context = _live_context(request)
    rota_day = context["view"].rota_day if context["view"] else None
    if rota_day is None:
        rota_day = rotation.today_of(_staff(request), project_id)
    today = timezone.localdate()
    context |= {
        "rota_day": rota_day,
        "can_supervise": can(request, P.SUPERVISE_RECEPTION),
        "can_operate": can(request, P.OPERATE_RECEPTION),
        "purposes": PURPOSES,
        "appointments": Appointment.objects.filter(
            project_id=project_id,
            state__in=[AppointmentState.CONFIRMED, AppointmentState.APPROVED],
            proposed_at__date__gte=today - dt.timedelta(days=1),
            proposed_at__date__lte=today + dt.timedelta(days=1),
        )
        .select_related("card", "salesperson")
        .order_by("proposed_at")[:30],
        # parties on the floor without a salesperson yet: the visitor to report
        "waiting_visits": Visit.objects.filter(
            project_id=project_id,
            day=today,
            salesperson__isnull=True,
            stage__in=[Stage.AT_GATE, Stage.PARKING, Stage.AT_DOOR, Stage.RECEPTION_AREA],
        ).order_by("created_at")[:20],
    }
    return render(request, "reception/rotation/home.html", context)


@staff_view
def rotation_live(request: HttpRequest) -> HttpResponse:
    """The live part of the console and of the TV board, re-read after each push event."""
    template = (
        "reception/rotation/_tv.html" if request.GET.get("tv") else "reception/rotation/_live.html"
    )
    context = _live_context(request)
    context["can_operate"] = can(request, P.OPERATE_RECEPTION)
    context["can_supervise"] = can(request, P.SUPERVISE_RECEPTION)
    return render(request, template, context)


@staff_view
def rotation_board(request: HttpRequest) -> HttpResponse:
    """The TV rotation board (轮序看板): today's two queues, who is next, credits and skips,
    the standby count and alert (R-ROTA-05/16), live."""
    rotation_setup.floor_project(_staff(request), _project_id(request), P.VIEW_RECEPTION)
    return render(request, "reception/rotation/board.html", _live_context(request))


# --- the buttons -------------------------------------------------------------------------------
_EVENT_FIELDS = (
    "person",
    "ref",
    "visit",
    "purpose",
    "appointment",
    "card",
    "designated",
    "substitute",
    "receiver",
)


def _event_data(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {
        name: request.POST[name] for name in _EVENT_FIELDS if request.POST.get(name)
    }
    if "answered" in request.POST:
        data["answered"] = request.POST["answered"] == "1"
    if "completed" in request.POST:
        data["completed"] = request.POST["completed"] == "1"
    if "owner_available" in request.POST:
        data["owner_available"] = request.POST["owner_available"] == "1"
    return data


@floor_action
def rotation_event(request: HttpRequest) -> str:
    """One tap on the console: a visitor, a call, end of a reception, support, check-in/out."""
    reported = rotation.report(
        actor=_staff(request),
        project_id=_project_id(request),
        event=request.POST.get("event", ""),
        data=_event_data(request),
    )
    return reported.decision.explanation_zh or str(_("Recorded"))


@floor_action
def rotation_open(request: HttpRequest) -> str:
    rotation.open_rota_day(
        actor=_staff(request), project_id=_project_id(request), day=_day(request)
    )
    return str(_("The day is open: the queues start now."))


@floor_action
def rotation_close(request: HttpRequest) -> str:
    rota_day = rotation.today_of(_staff(request), _project_id(request), _day(request))
    if rota_day is None:
        raise ValidationFailed(_("The day has not been planned"))
    rotation.close_rota_day(actor=_staff(request), rota_day_id=rota_day.pk)
    return str(_("The day is closed; open credits and skips carry over to the next day."))


# --- set-up: groups, the day's plan, rest days ---------------------------------------------------
def _setup_context(request: HttpRequest, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    staff, project_id = _staff(request), _project_id(request)
    day = _day(request)
    project = rotation_setup.floor_project(staff, project_id, P.VIEW_RECEPTION)
    groups = rotation_setup.groups_of(project)
    planned = RotaDay.objects.filter(project=project, day=day).first()
    return {
        "day": day,
        "groups": groups,
        "planned": planned,
        "default_duties": rotation_setup.default_duties(project, day, groups),
        "duty_labels": {str(k): v for k, v in DUTY_LABELS.items()},
        "staff": rotation_setup.floor_staff(project),
        "managers": rotation_setup.managers_of(project),
        "rest_days": rotation_setup.list_rest_days(actor=staff, project_id=project_id),
        "pending": RestDayState.PENDING,
        "can_supervise": can(request, P.SUPERVISE_RECEPTION),
        "errors": errors or {},
        "form": request.POST if errors else {},
    }


@staff_view
def rotation_setup_page(request: HttpRequest) -> HttpResponse:
    """排班: sales groups and their duty order, the day's plan, rest days to approve."""
    errors: dict[str, Any] | None = None
    if request.method == "POST":
        try:
            _setup_action(request)
        except DomainError as exc:
            errors = dict(exc.fields) or {"__all__": [exc.message]}
        else:
            return redirect(f"{request.path}?day={_day(request).isoformat()}")
    status = 422 if errors else 200
    return render(
        request, "reception/rotation/setup.html", _setup_context(request, errors), status=status
    )


def _setup_action(request: HttpRequest) -> None:
    staff, project_id, post = _staff(request), _project_id(request), request.POST
    action = post.get("action", "")
    if action == "group":
        # each salesperson's position in the group's duty order (blank: not in the group)
        positions = [
            (int(value), key[len("member_") :])
            for key, value in post.items()
            if key.startswith("member_") and value.strip().isdigit()
        ]
        members = [person for _position, person in sorted(positions)]
        rotation_setup.save_group(
            actor=staff,
            project_id=project_id,
            code=post.get("code", ""),
            name=post.get("name", ""),
            members=members,
            supervisor_id=post.get("supervisor") or None,
            sort=int(post.get("sort") or 100) if (post.get("sort") or "100").isdigit() else 100,
            group_id=post.get("group") or None,
        )
        messages.success(request, _("Group saved"))
    elif action == "plan":
        duties = {
            key[len("duty_") :]: value for key, value in post.items() if key.startswith("duty_")
        }
        shifts = [
            {"staff": s, "start": a, "end": b}
            for s, a, b in zip(
                post.getlist("shift_staff"),
                post.getlist("shift_start"),
                post.getlist("shift_end"),
                strict=False,
            )
            if s
        ]
        rotation_setup.plan_day(
            actor=staff,
            project_id=project_id,
            day=_day(request),
            duties=duties or None,
            duty_shifts=shifts,
            open_from=post.get("open_from") or None,
            open_until=post.get("open_until") or None,
            media_open_day=post.get("media_open_day") == "1",
        )
        messages.success(request, _("Plan saved"))
    elif action == "rest":
        try:
            rest_day = dt.date.fromisoformat(post.get("rest_day", ""))
        except ValueError:
            raise ValidationFailed(fields={"rest_day": [_("Enter a date")]}) from None
        rotation_setup.request_rest_day(
            actor=staff,
            project_id=project_id,
            staff_id=post.get("staff") or staff.pk,
            day=rest_day,
            note=post.get("note", ""),
        )
        messages.success(request, _("Rest day asked for; it takes effect once approved"))
    elif action in ("approve", "reject"):
        rotation_setup.decide_rest_day(
            actor=staff, rest_id=post.get("rest"), approve=action == "approve"
        )
        messages.success(
            request, _("Rest day approved") if action == "approve" else _("Rest day refused")
        )
    else:
        raise ValidationFailed(fields={"action": [_("Choose one of the listed options")]})


# --- the daily report --------------------------------------------------------------------------
@staff_view
def rotation_report_page(request: HttpRequest) -> HttpResponse:
    """接待轮次日报 (RPT-01): per salesperson turns, not counted with reasons, credits, skips."""
    day = _day(request)
    view = rotation.day_view(actor=_staff(request), project_id=_project_id(request), day=day)
    context = {
        "day": day,
        "view": view,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "reason_labels": {str(k): v for k, v in REASON_LABELS.items()},
        "duty_labels": {str(k): v for k, v in DUTY_LABELS.items()},
    }
    return render(request, "reception/rotation/report.html", context)


@staff_view
def rotation_report_xlsx(request: HttpRequest) -> HttpResponse:
    return rotation_report.report_xlsx(
        actor=_staff(request), project_id=_project_id(request), day=_day(request)
    )
