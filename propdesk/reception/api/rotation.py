"""The rotation queue (接待规则, SPEC §5): sales groups, rest days, day plans, opening and closing a
day, reporting the floor's events with the engine's decision, the board and the daily report
(接待轮次日报, RPT-01). Rules live in `services.rotation` / `services.rotation_setup`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from propdesk.core.api.common import ERROR_RESPONSES, ProblemOut, actor_of
from propdesk.core.errors import NotFound
from propdesk.reception.models import RestDay, RotaDay, SalesGroup
from propdesk.reception.services import rotation, rotation_report, rotation_setup

router = Router(tags=["reception rotation"])
ACTED = {**ERROR_RESPONSES, 409: ProblemOut}

EventKind = Literal[
    "check_in", "check_out", "visit", "visit_ended", "call", "support_requested", "support_ended"
]


# --- schemas ------------------------------------------------------------------------------------
class ProjectQuery(Schema):
    project: int


class ReportQuery(Schema):
    project: int
    day: dt.date | None = Field(None, description="Default: today")


class MemberOut(Schema):
    id: int
    name: str


class GroupIn(Schema):
    project: int
    code: str = Field(max_length=20, examples=["A"])
    name: str = Field(max_length=40, examples=["销售一组"])
    members: list[int] = Field(description="Staff ids in the group's duty order (轮值顺序)")
    supervisor: int | None = None
    sort: int = Field(100, ge=0, le=32000)


class GroupOut(Schema):
    id: int
    code: str
    name: str
    sort: int
    supervisor: int | None
    members: list[MemberOut]

    @staticmethod
    def resolve_supervisor(obj: SalesGroup) -> int | None:
        return obj.supervisor_id

    @staticmethod
    def resolve_members(obj: SalesGroup) -> list[dict[str, Any]]:
        return [{"id": m.staff_id, "name": m.staff.name} for m in obj.members.all()]


class RestDayIn(Schema):
    project: int
    staff: int
    day: dt.date
    note: str = Field("", max_length=100)


class RestDayOut(Schema):
    id: int
    staff: int
    staff_name: str
    day: dt.date
    state: str = Field(description="pending 待确认 / approved 已确认 / rejected 未批准 (R-ROTA-04)")
    note: str

    @staticmethod
    def resolve_staff(obj: RestDay) -> int:
        return obj.staff_id

    @staticmethod
    def resolve_staff_name(obj: RestDay) -> str:
        return obj.staff.name


class ShiftIn(Schema):
    staff: int
    start: dt.time
    end: dt.time


class PlanIn(Schema):
    project: int
    duties: dict[str, Literal["visit", "phone"]] | None = Field(
        None, description="Group code → duty; default: alternating every other day (R-ROTA-01)"
    )
    duty_shifts: list[ShiftIn] = Field(
        default_factory=list, description="Duty managers on site (R-ROTA-04)"
    )
    open_from: dt.time = dt.time(9, 0)
    open_until: dt.time = dt.time(18, 0)
    media_open_day: bool = False


class DayOut(Schema):
    id: int
    day: dt.date
    state: str = Field(description="planned 已排班 / open 营业中 / closed 已结束")
    duties: dict[str, str]
    duty_shifts: list[dict[str, Any]]
    open_from: dt.time
    open_until: dt.time
    media_open_day: bool
    seq: int = Field(description="Number of turn records so far")
    carry_in: dict[str, Any]
    carry_out: dict[str, Any]


class DayIn(Schema):
    project: int


class EventIn(Schema):
    project: int
    event: EventKind
    person: int | None = Field(None, description="check_in / check_out / support_ended")
    ref: str | None = Field(None, max_length=40, description="Visit or call reference")
    visit: int | None = Field(None, description="The visit record received (its number is the ref)")
    purpose: Literal["sales", "non_sales", "market_research", "for_friends"] = "sales"
    appointment: int | None = Field(None, description="Appointment client (R-ROTA-06)")
    card: int | None = Field(None, description="Client card of a returning client (R-ROTA-08)")
    designated: int | None = Field(None, description="Salesperson asked for by name (R-ROTA-10)")
    owner_available: bool = True
    substitute: int | None = Field(None, description="Who receives instead (R-ROTA-09)")
    receiver: int | None = None
    answered: bool = True
    completed: bool = True


class MarkOut(Schema):
    person: str
    duty: str


class PassOut(Schema):
    person: str
    queue: str
    why: str


class NoticeOut(Schema):
    code: str
    message: str


class DecisionOut(Schema):
    seq: int
    at: dt.datetime
    kind: str = Field(description="assigned, unassigned, support_started, support_ended, …")
    ref: str
    duty: str | None
    assignee: str | None = Field(description="Staff id of the receiver")
    reason_code: str | None = Field(description="normal, appointment, returning_client, …")
    reason_label: str
    counts_as_turn: bool
    via: str | None = Field(description="pointer, credit, direct, support")
    on_duty: str | None
    appointment: bool
    credits_used: list[MarkOut]
    credits_earned: list[MarkOut]
    skips_set: list[MarkOut]
    skips_consumed: list[MarkOut]
    passed: list[PassOut]
    warnings: list[NoticeOut]
    explanation_zh: str


class SeatOut(Schema):
    person: str
    name: str
    status: str
    status_label: str
    credits: int
    skips: int
    last: bool


class QueueOut(Schema):
    duty: str
    next: str | None
    seats: list[SeatOut]


class BoardOut(Schema):
    visit: QueueOut
    phone: QueueOut
    standby: int
    standby_low: bool
    supporters: list[str]
    next_supporter: str | None
    media_open_day: bool


class ReportedOut(Schema):
    decision: DecisionOut
    board: BoardOut


class DayViewOut(Schema):
    day: DayOut
    board: BoardOut
    decisions: list[DecisionOut]
    warnings: list[str]


class PersonRowOut(Schema):
    person: str
    name: str
    visit_turns: int
    phone_turns: int
    not_counted: str
    visit_credits_earned: int
    visit_credits_used: int
    phone_credits_earned: int
    phone_credits_used: int
    skips_set: int
    skips_consumed: int


class ReportOut(Schema):
    day: dt.date
    people: list[PersonRowOut]
    visits_received: int
    visits_unassigned: int
    appointments: int
    walk_ins: int
    calls_answered: int
    calls_unanswered: int
    standby_alerts: int


# --- groups and rest days ----------------------------------------------------------------------
@router.get("/reception/rotation/groups", response={200: list[GroupOut], **ERROR_RESPONSES})
def list_groups(request: HttpRequest, filters: Query[ProjectQuery]) -> list[SalesGroup]:
    """The project's sales groups with their members in duty order (R-ROTA-03)."""
    return rotation_setup.list_groups(actor=actor_of(request), project_id=filters.project)


@router.post("/reception/rotation/groups", response={201: GroupOut, **ACTED})
def create_group(request: HttpRequest, payload: GroupIn) -> Status[SalesGroup]:
    group = rotation_setup.save_group(
        actor=actor_of(request),
        project_id=payload.project,
        code=payload.code,
        name=payload.name,
        members=payload.members,
        supervisor_id=payload.supervisor,
        sort=payload.sort,
    )
    return Status(201, rotation_setup.reload_group(group))


@router.put("/reception/rotation/groups/{group_id}", response={200: GroupOut, **ACTED})
def change_group(request: HttpRequest, group_id: int, payload: GroupIn) -> SalesGroup:
    group = rotation_setup.save_group(
        actor=actor_of(request),
        project_id=payload.project,
        code=payload.code,
        name=payload.name,
        members=payload.members,
        supervisor_id=payload.supervisor,
        sort=payload.sort,
        group_id=group_id,
    )
    return rotation_setup.reload_group(group)


class RestQuery(Schema):
    project: int
    day_from: dt.date | None = None
    day_until: dt.date | None = None
    state: Literal["pending", "approved", "rejected"] | None = None


@router.get("/reception/rotation/rest-days", response={200: list[RestDayOut], **ERROR_RESPONSES})
def list_rest_days(request: HttpRequest, filters: Query[RestQuery]) -> list[RestDay]:
    return rotation_setup.list_rest_days(
        actor=actor_of(request),
        project_id=filters.project,
        day_from=filters.day_from,
        day_until=filters.day_until,
        state=filters.state,
    )


@router.post("/reception/rotation/rest-days", response={201: RestDayOut, **ACTED})
def request_rest_day(request: HttpRequest, payload: RestDayIn) -> Status[RestDay]:
    """Ask for a rest day (轮休); it takes effect once a manager approves it (R-ROTA-04)."""
    rest = rotation_setup.request_rest_day(
        actor=actor_of(request),
        project_id=payload.project,
        staff_id=payload.staff,
        day=payload.day,
        note=payload.note,
    )
    return Status(201, rest)


@router.post(
    "/reception/rotation/rest-days/{rest_id}/{decision}", response={200: RestDayOut, **ACTED}
)
def decide_rest_day(
    request: HttpRequest, rest_id: int, decision: Literal["approve", "reject"]
) -> RestDay:
    """A department manager approves or refuses a rest day (R-ROTA-04)."""
    return rotation_setup.decide_rest_day(
        actor=actor_of(request), rest_id=rest_id, approve=decision == "approve"
    )


# --- days ------------------------------------------------------------------------------------------
def _day(actor: Any, project_id: int, day: dt.date) -> RotaDay:
    found = rotation.today_of(actor, project_id, day)
    if found is None:
        raise NotFound()
    return found


@router.put("/reception/rotation/days/{day}", response={200: DayOut, **ACTED})
def plan_day(request: HttpRequest, day: dt.date, payload: PlanIn) -> RotaDay:
    """Plan a day before it opens (值班安排, R-ROTA-01/04/15); every blocking problem is listed
    under the field `roster`."""
    return rotation_setup.plan_day(
        actor=actor_of(request),
        project_id=payload.project,
        day=day,
        duties=payload.duties,
        duty_shifts=[s.dict() for s in payload.duty_shifts],
        open_from=payload.open_from,
        open_until=payload.open_until,
        media_open_day=payload.media_open_day,
    )


@router.post("/reception/rotation/days/{day}/open", response={200: DayOut, **ACTED})
def open_day(request: HttpRequest, day: dt.date, payload: DayIn) -> RotaDay:
    """Open the day: the roster is checked and frozen, credits and skips carried in."""
    return rotation.open_rota_day(actor=actor_of(request), project_id=payload.project, day=day)


@router.post("/reception/rotation/days/{day}/close", response={200: DayOut, **ACTED})
def close_day(request: HttpRequest, day: dt.date, payload: DayIn) -> RotaDay:
    """Close the day: outstanding credits and skip flags carry on to the next day."""
    actor = actor_of(request)
    found = _day(actor, payload.project, day)
    return rotation.close_rota_day(actor=actor, rota_day_id=found.pk)


@router.get("/reception/rotation/days/{day}", response={200: DayViewOut, **ERROR_RESPONSES})
def day_view(request: HttpRequest, day: dt.date, filters: Query[ProjectQuery]) -> dict[str, Any]:
    """An opened day: its board, every decision with its reason (R-ROTA-16) and the roster's
    warnings. 404 while the day is only planned (read it with the plan endpoint)."""
    view = rotation.day_view(actor=actor_of(request), project_id=filters.project, day=day)
    if view is None:
        raise NotFound()
    return {
        "day": view.rota_day,
        "board": rotation.board_payload(view.board),
        "decisions": [d.to_record() for d in view.decisions],
        "warnings": [w.message for w in view.roster.warnings],
    }


@router.post("/reception/rotation/events", response={201: ReportedOut, **ACTED})
def report_event(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    """Report what happened on the floor today; the answer is the engine's decision (who
    receives, why, credits and skips) and the new board (R-ROTA-05..13, 16)."""
    data = payload.dict(exclude={"project", "event"}, exclude_none=True)
    reported = rotation.report(
        actor=actor_of(request), project_id=payload.project, event=payload.event, data=data
    )
    return Status(
        201,
        {
            "decision": reported.decision.to_record(),
            "board": rotation.board_payload(reported.board),
        },
    )


@router.get("/reception/rotation/report", response={200: ReportOut, **ERROR_RESPONSES})
def daily_report(request: HttpRequest, filters: Query[ReportQuery]) -> dict[str, Any]:
    """接待轮次日报 (RPT-01, R-ROTA-17): per salesperson turns counted, not counted with reasons,
    credits earned and used, skips."""
    return rotation_report.report_data(
        actor=actor_of(request), project_id=filters.project, day=filters.day
    )


@router.get("/reception/rotation/report.xlsx", response={200: None, **ERROR_RESPONSES})
def daily_report_xlsx(request: HttpRequest, filters: Query[ReportQuery]) -> HttpResponse:
    """The daily rotation report as an Excel workbook."""
    return rotation_report.report_xlsx(
        actor=actor_of(request), project_id=filters.project, day=filters.day
    )
