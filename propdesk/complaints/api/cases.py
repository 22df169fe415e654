"""Complaints as records: the list with filters, "my work", the workflow as data, one complaint
with everything its page shows, intake (受理, R-COMPLAINT-01) and the phone read-back
(R-COMPLAINT-41)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.complaints import selectors
from propdesk.complaints.api.docs import workflow_table
from propdesk.complaints.api.schemas import (
    ACTION_ENDPOINTS,
    ActionName,
    ChannelName,
    ComplaintDetailOut,
    ComplaintOut,
    KindName,
    MajorFlagName,
    SlotName,
    StateName,
    remember_levels,
)
from propdesk.complaints.domain import KIND_LABELS, SLOT_LABELS
from propdesk.complaints.models import Complaint
from propdesk.complaints.selectors import ComplaintDetail, ComplaintFilters
from propdesk.complaints.services import intake, privacy
from propdesk.complaints.workflows import (
    ACTION_EVENTS,
    INPUT_GUARDS,
    STATE_COLOUR,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    State,
    describe,
)
from propdesk.core.api.common import (
    ERROR_RESPONSES,
    InputSchema,
    PagePagination,
    ProblemOut,
    actor_of,
    data_of,
)
from propdesk.core.models import AccessChannel
from propdesk.core.services import audit

router = Router(tags=["complaints"])
ACTION_RESPONSES: dict[int, Any] = {**ERROR_RESPONSES, 409: ProblemOut}


# --- list and queue ---------------------------------------------------------------------------
class ComplaintQuery(Schema):
    project: int | None = None
    q: str = Field("", description="Search: number, subject, complainant, phone ending, room")
    state: StateName | None = None
    kind: KindName | None = None
    level: str = Field("", description="The policy's level code, e.g. major")
    channel: ChannelName | None = None
    handler: int | None = Field(None, description="Staff id of the handler")
    open_only: bool = Field(False, description="Only states that are not closed/archived")
    overdue_only: bool = Field(False, description="Only complaints whose nearest timer is due")
    received_from: dt.date | None = None
    received_to: dt.date | None = None

    def to_filters(self) -> ComplaintFilters:
        return ComplaintFilters(
            project=self.project,
            q=self.q,
            state=self.state or "",
            kind=self.kind or "",
            level=self.level,
            channel=self.channel or "",
            handler=self.handler,
            open_only=self.open_only,
            overdue_only=self.overdue_only,
            received_from=self.received_from,
            received_to=self.received_to,
        )


class QueueQuery(Schema):
    project: int | None = None


def _shown(request: HttpRequest, complaints: list[Complaint]) -> list[Complaint]:
    """The page's nearest timers (one query) and level labels (at most one); its phones in
    clear are logged once per request (one row per project)."""
    context = audit.context_of(request, AccessChannel.API)
    rows = selectors.attach_next_due(complaints)
    remember_levels(request, rows)
    return privacy.show_complaints(actor_of(request), rows, context=context)


@router.get("/complaints", response={200: list[ComplaintOut], **ERROR_RESPONSES})
@paginate(PagePagination, on_page=_shown)
def list_complaints(request: HttpRequest, filters: Query[ComplaintQuery]) -> object:
    """Complaints, requests and praise of your projects, newest first, each with its nearest
    open timer. Phones are masked unless your role sees personal data."""
    return selectors.list_complaints(actor_of(request), filters.to_filters())


@router.get("/complaints/queue", response={200: list[ComplaintOut], **ERROR_RESPONSES})
@paginate(PagePagination, on_page=_shown)
def complaint_queue(request: HttpRequest, filters: Query[QueueQuery]) -> object:
    """Your work queue: open complaints you handle, plus those waiting on your department's
    contact sheet, nearest due time first."""
    return selectors.my_queue(actor_of(request), project=filters.project)


# --- the workflow as data ---------------------------------------------------------------------
class StateOut(Schema):
    value: StateName
    label: str
    colour: str
    terminal: bool


class ActionOut(Schema):
    value: ActionName
    label: str
    event: str = Field(description="The timeline verb it writes")
    endpoint: str = Field(description="POST /api/v1/complaints/{id}/<endpoint>")
    changes_state: bool


class CodeLabel(Schema):
    value: str
    label: str


class GuardOut(Schema):
    name: str
    input_field: str | None = Field(description="Set for guards on what the form carries (422)")


class TransitionOut(Schema):
    state: StateName
    action: ActionName
    to: StateName | None = Field(description="null: the action is logged, the state stays")
    slots: list[SlotName]
    guards: list[str]
    kinds: list[KindName]


class WorkflowOut(Schema):
    states: list[StateOut]
    actions: list[ActionOut]
    slots: list[CodeLabel]
    kinds: list[CodeLabel]
    guards: list[GuardOut]
    transitions: list[TransitionOut]


def _workflow() -> dict[str, Any]:
    changing = {action for (_s, action), t in TRANSITIONS.items() if t.to is not None}
    guards = sorted({g for t in TRANSITIONS.values() for g in t.guards})
    return {
        "states": [
            {
                "value": s,
                "label": str(s.label),
                "colour": STATE_COLOUR[s],
                "terminal": s in TERMINAL_STATES,
            }
            for s in State
        ],
        "actions": [
            {
                "value": a,
                "label": str(a.label),
                "event": ACTION_EVENTS[a],
                "endpoint": ACTION_ENDPOINTS[a],
                "changes_state": a in changing,
            }
            for a in Action
        ],
        "slots": [{"value": str(k), "label": v} for k, v in SLOT_LABELS.items()],
        "kinds": [{"value": str(k), "label": v} for k, v in KIND_LABELS.items()],
        "guards": [{"name": g, "input_field": INPUT_GUARDS.get(g)} for g in guards],
        "transitions": describe(),
    }


@router.get(
    "/complaints/workflow",
    response={200: WorkflowOut, **ERROR_RESPONSES},
    description=(
        "The complaint state machine (SPEC §11.3) as data: states with labels and colours, "
        "actions with their route and timeline verb, policy slots, and every row of the "
        "transition table. A policy maps its role codes onto the slots; which actions a given "
        "user may take on a given complaint is in `GET /complaints/{id}` → `actions`.\n\n"
        + workflow_table()
    ),
)
def complaint_workflow(request: HttpRequest) -> dict[str, Any]:
    return _workflow()


# --- intake -----------------------------------------------------------------------------------
# (declared before /complaints/{complaint_id}: routes match in order and "batch" is no id)
class IntakeFields(InputSchema):
    """What the customer brought in, registered truthfully at first contact (R-COMPLAINT-01)."""

    kind: KindName
    channel: ChannelName
    complainant_name: str
    salutation: str = Field("", description="mr, ms, miss or empty")
    phone: str = Field("", description="Mobile (11 digits) or landline")
    is_owner: bool = False
    resident_id: int | None = None
    unit_id: int | None = None
    subject: str = Field("", description="Defaults to the start of the content")
    content: str
    expectation: str = ""
    location: str = ""
    occurred_at: dt.datetime | None = None
    people_involved: str = ""
    target_department_id: int | None = None
    target_role: str = ""
    target_staff_id: int | None = None
    level: str = Field("", description="The policy's level code; defaults to its default level")
    major_flags: list[MajorFlagName] = Field(default_factory=list)
    read_back_confirmed: bool = False
    steps_checked: list[int] = Field(default_factory=list, description="The six STEPS, 1–6")
    handler_id: int | None = Field(
        None,
        description=(
            "Staff id of the handler. Defaults to the level's designated handler: you when you "
            "hold one of its handler roles in the project, else the first colleague who does "
            "(never the person complained about), else you (R-COMPLAINT-02/70)"
        ),
    )


class ComplaintIn(IntakeFields):
    project: int


class BatchItemIn(IntakeFields):
    received_at: dt.datetime | None = Field(
        None,
        description=(
            "When the customer really reached us, for a paper register entered later (补录): "
            "not in the future, at most 7 days back; its timers run from then. Default: now"
        ),
    )


class ComplaintBatchIn(InputSchema):
    project: int
    items: list[BatchItemIn] = Field(description="1 to 100 matters, numbered in this order")


class ReadBackIn(InputSchema):
    note: str = ""
    version: int | None = None


@router.post("/complaints", response={201: ComplaintOut, **ERROR_RESPONSES})
def receive_complaint(request: HttpRequest, payload: ComplaintIn) -> Status[Complaint]:
    """受理 (R-COMPLAINT-01): register a complaint, consultation, service request, opinion or
    praise with its number; its timers start at once. Bad input writes nothing (422)."""
    complaint = intake.receive(
        actor=actor_of(request),
        project_id=payload.project,
        data=data_of(payload, exclude=["project"]),
    )
    return Status(201, complaint)


@router.post("/complaints/batch", response={201: list[ComplaintOut], **ERROR_RESPONSES})
def receive_complaints(request: HttpRequest, payload: ComplaintBatchIn) -> Status[list[Complaint]]:
    """受理 of up to 100 matters in one request: a hotline or mini-program hand-over, or a paper
    register entered after an outage (补录, with `received_at`). Each item is checked as a single
    intake; a problem in any item (`items.<n>.<field>`) rejects the whole batch and writes
    nothing (422)."""
    complaints = intake.receive_many(
        actor=actor_of(request),
        project_id=payload.project,
        items=[data_of(item) for item in payload.items],
    )
    return Status(201, complaints)


# --- one complaint ----------------------------------------------------------------------------
@router.get("/complaints/{complaint_id}", response={200: ComplaintDetailOut, **ERROR_RESPONSES})
def get_complaint(request: HttpRequest, complaint_id: int) -> ComplaintDetail:
    """Every field, the actions you may take (disabled ones with their reason), the timers with
    their explanations, the timeline, contact sheets, revisits, letters with co-signatures,
    costs and penalties. 404 outside your projects."""
    context = audit.context_of(request, AccessChannel.API)
    return privacy.view_complaint(actor_of(request), complaint_id, context=context)


@router.post(
    "/complaints/{complaint_id}/read-back", response={200: ComplaintOut, **ACTION_RESPONSES}
)
def confirm_read_back(request: HttpRequest, complaint_id: int, payload: ReadBackIn) -> Complaint:
    """R-COMPLAINT-41: the key points of a phone intake were read back and confirmed."""
    return intake.confirm_read_back(
        actor=actor_of(request),
        complaint_id=complaint_id,
        note=payload.note,
        expected_version=payload.version,
    )
