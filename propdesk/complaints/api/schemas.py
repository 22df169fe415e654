"""Response schemas of the complaints API and the value types its requests share.

States, actions, kinds, channels and the other closed vocabularies are `Literal` types built from
the enums of `workflows` and `domain`, so the OpenAPI document lists their values in place (named
enum components would collide with other packages' `State` or `Kind` in the document). Labels
are given next to every code: state labels are translated UI text, kinds, channels and levels are
the policy's Chinese wording (tenant data).

Phones are masked unless the viewer's role in the complaint's project sees personal data
(R-GEN-09, `services.privacy.phone_for`); the schema only shows the result. The handlers log the
reads that show a phone in clear (`services.privacy`).
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Schema

from propdesk.complaints.domain import (
    ARCHIVE_TARGET_LABELS,
    CHANNEL_LABELS,
    KIND_LABELS,
    MAJOR_FLAG_LABELS,
    PENALTY_LABELS,
    REVISIT_METHOD_LABELS,
    SLOT_LABELS,
    ArchiveTarget,
    Channel,
    Kind,
    MajorFlag,
    Penalty,
    RevisitMethod,
    Slot,
)
from propdesk.complaints.models import (
    Complaint,
    ContactSheet,
    CostEntry,
    LetterSignature,
    LetterState,
    PenaltyRecord,
    PolicyVersion,
    ReplyLetter,
    Revisit,
    Satisfaction,
    SheetState,
)
from propdesk.complaints.selectors import ComplaintDetail, due_state, level_labels
from propdesk.complaints.services import privacy
from propdesk.complaints.workflows import ACTION_EVENTS, STATE_COLOUR, Action, State
from propdesk.core.models import Deadline, TimelineEvent
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.services.deadlines import deadlines_of
from propdesk.core.templatetags.propdesk_tags import ACTION_LABELS

# --- closed vocabularies as Literal types (enums in the OpenAPI document) ------------------------
StateName = Literal[tuple(State.values)]  # type: ignore[valid-type]
ActionName = Literal[tuple(Action.values)]  # type: ignore[valid-type]
KindName = Literal[tuple(str(k) for k in Kind)]  # type: ignore[valid-type]
ChannelName = Literal[tuple(str(c) for c in Channel)]  # type: ignore[valid-type]
SlotName = Literal[tuple(str(s) for s in Slot)]  # type: ignore[valid-type]
MajorFlagName = Literal[tuple(str(f) for f in MajorFlag)]  # type: ignore[valid-type]
RevisitMethodName = Literal[tuple(str(m) for m in RevisitMethod)]  # type: ignore[valid-type]
SatisfactionName = Literal[tuple(Satisfaction.values)]  # type: ignore[valid-type]
PenaltyName = Literal[tuple(str(p) for p in Penalty)]  # type: ignore[valid-type]
ArchiveTargetName = Literal[tuple(str(a) for a in ArchiveTarget)]  # type: ignore[valid-type]
SheetStateName = Literal[tuple(SheetState.values)]  # type: ignore[valid-type]
LetterStateName = Literal[tuple(LetterState.values)]  # type: ignore[valid-type]
DueState = Literal["", "soon", "overdue"]

# The last path segment of each action's route: POST /complaints/{id}/<endpoint>.
ACTION_ENDPOINTS: dict[Action, str] = {
    action: "costs" if action == Action.ADD_COST else str(action).replace("_", "-")
    for action in Action
}
_ACTION_OF_EVENT = {event: action for action, event in ACTION_EVENTS.items()}
_DEADLINE_PREFIX = "complaint."


def _request(context: Any) -> Any:
    return context["request"]


def _name(person: Any) -> str:
    return person.name if person is not None else ""


def event_label(action: str) -> str:
    """The label of a timeline verb: the screens' registry first, then the workflow action."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    workflow_action = _ACTION_OF_EVENT.get(action)
    return str(workflow_action.label) if workflow_action is not None else action


_LEVELS_KEY = "_complaint_levels"


def remember_levels(request: Any, complaints: Iterable[Any]) -> None:
    """Read the level labels of a page's policy versions at once (at most one query for all of
    them, none once the process has seen them); the rows' `level_label` resolvers use them."""
    cache: dict[int, dict[str, str]] = request.__dict__.setdefault(_LEVELS_KEY, {})
    cache |= level_labels(c.policy for c in complaints)


def _levels(obj: Any, context: Any) -> dict[str, str]:
    """{level code: label} of the complaint's policy version, parsed once per request and version
    (versions never change once used, R-COMPLAINT-87); the lists select the version with the row."""
    cache: dict[int, dict[str, str]] = _request(context).__dict__.setdefault(_LEVELS_KEY, {})
    if obj.policy_id not in cache:
        # The lists select the version without its JSON body; the labels come from the
        # process-wide cache (versions never change), so a page costs no query for them.
        cache |= level_labels([obj.policy])
    return cache.get(obj.policy_id, {})


def _nearest_deadline(obj: Any) -> tuple[dt.datetime | None, str, bool]:
    """(due at, label, flagged overdue) of the nearest open timer: annotated by the list
    selectors, taken from the detail bundle, else read once (a complaint a service returned)."""
    if isinstance(obj, ComplaintDetail):
        nearest = obj.next_deadline
        if nearest is None:
            return None, "", False
        return nearest.due_at, nearest.label, nearest.overdue_at is not None
    if hasattr(obj, "next_due_at"):
        return obj.next_due_at, obj.next_due_label or "", obj.next_due_overdue is not None
    cached = obj.__dict__.get("_api_nearest_deadline")
    if cached is None:
        row = deadlines_of(obj).filter(state=DeadlineState.OPEN).first()
        cached = (row.due_at, row.label, row.overdue_at is not None) if row else (None, "", False)
        obj.__dict__["_api_nearest_deadline"] = cached
    return cached  # type: ignore[no-any-return]


# --- complaints -----------------------------------------------------------------------------------
class ComplaintOut(Schema):
    """One complaint, request or praise as the lists show it."""

    id: int
    project: int
    number: str
    kind: KindName
    kind_label: str
    channel: ChannelName
    channel_label: str
    state: StateName
    state_label: str
    state_colour: str = Field(description="Badge colour of the state (UI.md)")
    level: str = Field(description="The policy's level code; empty for non-complaint kinds")
    level_label: str
    severity: int = Field(description="Unified severity of R-COMPLAINT-89 (-1 … 5)")
    subject: str
    complainant_name: str
    phone: str = Field(description="Masked (138****5678) unless your role sees personal data")
    received_at: dt.datetime
    handler: int | None
    handler_name: str
    next_due_at: dt.datetime | None = Field(description="The nearest open timer's due time")
    next_due_label: str
    next_due_overdue: bool = Field(description="The nearest open timer is past due")
    due_state: DueState = Field(description="'overdue', 'soon' (within 4 hours) or ''")
    version: int = Field(description="Send it back as `version` with an action (409 if stale)")

    @staticmethod
    def resolve_project(obj: Complaint) -> int:
        return obj.project_id

    @staticmethod
    def resolve_kind_label(obj: Complaint) -> str:
        return KIND_LABELS.get(obj.kind, obj.kind)  # type: ignore[call-overload]

    @staticmethod
    def resolve_channel_label(obj: Complaint) -> str:
        return CHANNEL_LABELS.get(obj.channel, obj.channel)  # type: ignore[call-overload]

    @staticmethod
    def resolve_state_label(obj: Complaint) -> str:
        return str(State(obj.state).label)

    @staticmethod
    def resolve_state_colour(obj: Complaint) -> str:
        return STATE_COLOUR[State(obj.state)]

    @staticmethod
    def resolve_level_label(obj: Complaint, context: Any) -> str:
        return _levels(obj, context).get(obj.level, obj.level) if obj.level else ""

    @staticmethod
    def resolve_phone(obj: Complaint, context: Any) -> str:
        return privacy.phone_for(_request(context).auth, obj)

    @staticmethod
    def resolve_handler(obj: Complaint) -> int | None:
        return obj.handler_id

    @staticmethod
    def resolve_handler_name(obj: Complaint) -> str:
        return _name(obj.handler) if obj.handler_id else ""

    @staticmethod
    def resolve_next_due_at(obj: Complaint) -> dt.datetime | None:
        return _nearest_deadline(obj)[0]

    @staticmethod
    def resolve_next_due_label(obj: Complaint) -> str:
        return _nearest_deadline(obj)[1]

    @staticmethod
    def resolve_next_due_overdue(obj: Complaint) -> bool:
        due_at, _label, flagged = _nearest_deadline(obj)
        return flagged or (due_at is not None and due_at <= timezone.now())

    @staticmethod
    def resolve_due_state(obj: Complaint) -> str:
        return due_state(_nearest_deadline(obj)[0])


class AllowedActionOut(Schema):
    """An action of the workflow table the viewer holds a slot for; `allowed` is false with the
    `reason` when a precondition is missing (the button is shown disabled)."""

    action: ActionName
    label: str
    allowed: bool
    reason: str | None
    endpoint: str = Field(description="POST /api/v1/complaints/{id}/<endpoint>")

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.action.label)

    @staticmethod
    def resolve_endpoint(obj: Any) -> str:
        return ACTION_ENDPOINTS[obj.action]


class TimerOut(Schema):
    """A stored timer (R-COMPLAINT-18/34/43 …) with the sentence explaining its due time."""

    id: int
    key: str
    label: str
    starts_at: dt.datetime
    due_at: dt.datetime
    explanation: str
    state: str
    reminded_at: dt.datetime | None
    overdue_at: dt.datetime | None
    met_at: dt.datetime | None
    overdue: bool
    due_state: DueState

    @staticmethod
    def resolve_key(obj: Deadline) -> str:
        return obj.kind.removeprefix(_DEADLINE_PREFIX)

    @staticmethod
    def resolve_overdue(obj: Deadline) -> bool:
        if obj.state != DeadlineState.OPEN:
            return False
        return obj.overdue_at is not None or obj.due_at <= timezone.now()

    @staticmethod
    def resolve_due_state(obj: Deadline) -> str:
        return due_state(obj.due_at) if obj.state == DeadlineState.OPEN else ""


class EventOut(Schema):
    """One timeline event (actor, time, action, from → to, note)."""

    at: dt.datetime
    action: str
    label: str
    actor: int | None
    actor_name: str
    actor_role: str
    from_state: str
    to_state: str
    note: str
    data: dict[str, Any]

    @staticmethod
    def resolve_label(obj: TimelineEvent) -> str:
        return event_label(obj.action)

    @staticmethod
    def resolve_actor(obj: TimelineEvent) -> int | None:
        return obj.actor_id


class SheetOut(Schema):
    """A work contact sheet (工作联系单, R-COMPLAINT-20/21/43/44)."""

    id: int
    number: str
    complaint: int
    complaint_number: str
    complaint_subject: str
    department: int
    department_name: str
    content: str
    requirement: str
    deadline: dt.datetime | None
    state: SheetStateName
    state_label: str
    requested_by: int
    requested_by_name: str
    approved_by: int | None
    approved_at: dt.datetime | None
    issued_at: dt.datetime | None
    accepted_by: int | None
    accepted_at: dt.datetime | None
    feedback: str
    fed_back_by: int | None
    fed_back_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_complaint(obj: ContactSheet) -> int:
        return obj.complaint_id

    @staticmethod
    def resolve_complaint_number(obj: ContactSheet) -> str:
        return obj.complaint.number

    @staticmethod
    def resolve_complaint_subject(obj: ContactSheet) -> str:
        return obj.complaint.subject

    @staticmethod
    def resolve_department(obj: ContactSheet) -> int:
        return obj.department_id

    @staticmethod
    def resolve_department_name(obj: ContactSheet) -> str:
        return obj.department.name

    @staticmethod
    def resolve_state_label(obj: ContactSheet) -> str:
        return str(SheetState(obj.state).label)

    @staticmethod
    def resolve_requested_by(obj: ContactSheet) -> int:
        return obj.requested_by_id

    @staticmethod
    def resolve_requested_by_name(obj: ContactSheet) -> str:
        return _name(obj.requested_by)

    @staticmethod
    def resolve_approved_by(obj: ContactSheet) -> int | None:
        return obj.approved_by_id

    @staticmethod
    def resolve_accepted_by(obj: ContactSheet) -> int | None:
        return obj.accepted_by_id

    @staticmethod
    def resolve_fed_back_by(obj: ContactSheet) -> int | None:
        return obj.fed_back_by_id


class RevisitOut(Schema):
    """A revisit (回访, R-COMPLAINT-09)."""

    id: int
    method: RevisitMethodName
    method_label: str
    at: dt.datetime
    by: int
    by_name: str
    satisfaction: SatisfactionName
    satisfaction_label: str
    comments: str

    @staticmethod
    def resolve_method_label(obj: Revisit) -> str:
        return REVISIT_METHOD_LABELS.get(obj.method, obj.method)  # type: ignore[call-overload]

    @staticmethod
    def resolve_by(obj: Revisit) -> int:
        return obj.by_id

    @staticmethod
    def resolve_by_name(obj: Revisit) -> str:
        return _name(obj.by)

    @staticmethod
    def resolve_satisfaction_label(obj: Revisit) -> str:
        return str(Satisfaction(obj.satisfaction).label)


class SignatureOut(Schema):
    slot: SlotName
    slot_label: str
    staff: int
    staff_name: str
    signed_at: dt.datetime

    @staticmethod
    def resolve_slot_label(obj: LetterSignature) -> str:
        return SLOT_LABELS.get(obj.slot, obj.slot)  # type: ignore[call-overload]

    @staticmethod
    def resolve_staff(obj: LetterSignature) -> int:
        return obj.staff_id

    @staticmethod
    def resolve_staff_name(obj: LetterSignature) -> str:
        return _name(obj.staff)


class LetterOut(Schema):
    """A reply letter (回馈函件, R-COMPLAINT-23): draft → co-signing → legal review → ready →
    issued."""

    id: int
    complaint: int
    number: str
    body: str
    state: LetterStateName
    state_label: str
    drafted_by: int
    drafted_by_name: str
    signatures: list[SignatureOut]
    legal_reviewed_by: int | None
    legal_reviewed_at: dt.datetime | None
    legal_comments: str
    issued_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_complaint(obj: ReplyLetter) -> int:
        return obj.complaint_id

    @staticmethod
    def resolve_state_label(obj: ReplyLetter) -> str:
        return str(LetterState(obj.state).label)

    @staticmethod
    def resolve_drafted_by(obj: ReplyLetter) -> int:
        return obj.drafted_by_id

    @staticmethod
    def resolve_drafted_by_name(obj: ReplyLetter) -> str:
        return _name(obj.drafted_by)

    @staticmethod
    def resolve_signatures(obj: ReplyLetter) -> list[LetterSignature]:
        return list(obj.signatures.all())

    @staticmethod
    def resolve_legal_reviewed_by(obj: ReplyLetter) -> int | None:
        return obj.legal_reviewed_by_id


class CostOut(Schema):
    """A line of the cost ledger (投诉处理费用台帐, R-COMPLAINT-26), in yuan."""

    id: int
    complaint: int
    spent_on: dt.date
    item: str
    amount: Decimal
    borne_by: str
    recorded_by: int
    recorded_by_name: str

    @staticmethod
    def resolve_complaint(obj: CostEntry) -> int:
        return obj.complaint_id

    @staticmethod
    def resolve_recorded_by(obj: CostEntry) -> int:
        return obj.recorded_by_id

    @staticmethod
    def resolve_recorded_by_name(obj: CostEntry) -> str:
        return _name(obj.recorded_by)


class PenaltyOut(Schema):
    """A penalty decided on a complaint (罚则, R-COMPLAINT-79)."""

    id: int
    complaint: int
    staff: int
    staff_name: str
    penalty: PenaltyName
    penalty_label: str
    note: str
    decided_by: int
    decided_by_name: str
    decided_at: dt.datetime

    @staticmethod
    def resolve_complaint(obj: PenaltyRecord) -> int:
        return obj.complaint_id

    @staticmethod
    def resolve_staff(obj: PenaltyRecord) -> int:
        return obj.staff_id

    @staticmethod
    def resolve_staff_name(obj: PenaltyRecord) -> str:
        return _name(obj.staff)

    @staticmethod
    def resolve_penalty_label(obj: PenaltyRecord) -> str:
        return PENALTY_LABELS.get(obj.penalty, obj.penalty)  # type: ignore[call-overload]

    @staticmethod
    def resolve_decided_by(obj: PenaltyRecord) -> int:
        return obj.decided_by_id

    @staticmethod
    def resolve_decided_by_name(obj: PenaltyRecord) -> str:
        return _name(obj.decided_by)


class PolicyRef(Schema):
    id: int
    code: str
    name: str
    version: int


class ComplaintDetailOut(ComplaintOut):
    """The whole complaint: every field, the actions the viewer may take (with the reason a
    disabled one is disabled), the timers with their explanations, the timeline and the records
    around it. While promises are frozen (R-COMPLAINT-06) front-line viewers get
    `promise_hidden: true` and no `agreed_deadline`."""

    policy: PolicyRef
    salutation: str
    is_owner: bool
    resident: int | None
    resident_name: str
    unit: int | None
    unit_label: str
    content: str
    expectation: str
    location: str
    occurred_at: dt.datetime | None
    people_involved: str
    target_department: int | None
    target_department_name: str
    target_role: str
    target_staff: int | None
    target_staff_name: str
    received_by: int
    received_by_name: str
    in_working_time: bool
    read_back_confirmed: bool
    steps_checked: list[int]
    department: int | None
    department_name: str
    major_flags: list[MajorFlagName]
    major_flag_labels: list[str]
    agreed_deadline: dt.datetime | None
    rectification_deadline: dt.datetime | None
    escalation_level: int
    legacy_issue: bool
    group: int | None
    linked: int | None
    linked_number: str
    forwarded_to: str
    decision: str
    decided_at: dt.datetime | None
    outcome_reason: str
    result: str
    customer_signed: bool
    customer_affirmed: bool
    cause_analysis: str
    corrective_action: str
    preventive_action: str
    chairman_approved: bool
    archive_target: ArchiveTargetName | Literal[""]
    archive_target_label: str
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    promise_frozen: bool = Field(description="R-COMPLAINT-06: no promise before the decision")
    promise_hidden: bool = Field(description="The promise fields are withheld from you")
    actions: list[AllowedActionOut]
    timers: list[TimerOut]
    timeline: list[EventOut]
    sheets: list[SheetOut]
    revisits: list[RevisitOut]
    letters: list[LetterOut]
    letter_cosigners: list[SlotName]
    costs: list[CostOut]
    cost_total: Decimal
    penalties: list[PenaltyOut]

    @staticmethod
    def resolve_resident(obj: ComplaintDetail) -> int | None:
        return obj.resident_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_resident_name(obj: ComplaintDetail) -> str:
        return _name(obj.resident) if obj.resident_id else ""

    @staticmethod
    def resolve_unit(obj: ComplaintDetail) -> int | None:
        return obj.unit_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_unit_label(obj: ComplaintDetail) -> str:
        return str(obj.unit) if obj.unit_id else ""

    @staticmethod
    def resolve_target_department(obj: ComplaintDetail) -> int | None:
        return obj.target_department_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_target_department_name(obj: ComplaintDetail) -> str:
        return _name(obj.target_department) if obj.target_department_id else ""

    @staticmethod
    def resolve_target_staff(obj: ComplaintDetail) -> int | None:
        return obj.target_staff_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_target_staff_name(obj: ComplaintDetail) -> str:
        return _name(obj.target_staff) if obj.target_staff_id else ""

    @staticmethod
    def resolve_received_by(obj: ComplaintDetail) -> int:
        return obj.received_by_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_received_by_name(obj: ComplaintDetail) -> str:
        return _name(obj.received_by)

    @staticmethod
    def resolve_department(obj: ComplaintDetail) -> int | None:
        return obj.department_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_department_name(obj: ComplaintDetail) -> str:
        return _name(obj.department) if obj.department_id else ""

    @staticmethod
    def resolve_major_flag_labels(obj: ComplaintDetail) -> list[str]:
        return [MAJOR_FLAG_LABELS.get(f, f) for f in obj.major_flags or []]

    @staticmethod
    def resolve_group(obj: ComplaintDetail) -> int | None:
        return obj.group_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_linked(obj: ComplaintDetail) -> int | None:
        return obj.linked_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_linked_number(obj: ComplaintDetail) -> str:
        return obj.linked.number if obj.linked_id else ""

    @staticmethod
    def resolve_archive_target_label(obj: ComplaintDetail) -> str:
        target = obj.archive_target
        return ARCHIVE_TARGET_LABELS.get(target, target) if target else ""

    @staticmethod
    def resolve_timers(obj: ComplaintDetail) -> list[Deadline]:
        return obj.deadlines

    @staticmethod
    def resolve_timeline(obj: ComplaintDetail) -> list[TimelineEvent]:
        return obj.events

    @staticmethod
    def resolve_letter_cosigners(obj: ComplaintDetail) -> list[str]:
        return [str(slot) for slot in obj.letter_cosigners]

    @staticmethod
    def resolve_cost_total(obj: ComplaintDetail) -> Decimal:
        return sum((c.amount for c in obj.costs), Decimal("0.00"))


# --- groups and policies --------------------------------------------------------------------------
class GroupOut(Schema):
    """A group issue (批量问题, R-COMPLAINT-29/65)."""

    id: int
    project: int
    title: str
    decision: str
    decided_at: dt.datetime | None
    decided_by: int | None
    complaints: list[int]

    @staticmethod
    def resolve_project(obj: Any) -> int:
        return obj.project_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_decided_by(obj: Any) -> int | None:
        return obj.decided_by_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_complaints(obj: Any) -> list[int]:
        return sorted(obj.complaints.values_list("pk", flat=True))


class PolicyVersionOut(Schema):
    """One stored version of a complaint policy (R-COMPLAINT-87/88); `data` is the layout
    `POST /complaint-policies` takes back."""

    id: int
    code: str
    name: str
    version: int
    based_on: str
    created_at: dt.datetime
    data: dict[str, Any]


class ProjectPolicyOut(Schema):
    project: int
    code: str
    count_working_hours: bool

    @staticmethod
    def resolve_project(obj: Any) -> int:
        return obj.project_id  # type: ignore[no-any-return]


class PolicyOverviewOut(Schema):
    """The policy the project runs (its newest version is `current_version`) and every version
    of the company's policies, newest first per code."""

    project: int
    code: str
    count_working_hours: bool
    current_version: int | None
    versions: list[PolicyVersionOut]

    @staticmethod
    def resolve_project(obj: Any) -> int:
        return obj.project_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_current_version(obj: Any) -> int | None:
        return obj.current_version_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_versions(obj: Any) -> list[PolicyVersion]:
        return obj.versions  # type: ignore[no-any-return]


__all__ = [
    "ACTION_ENDPOINTS",
    "ActionName",
    "AllowedActionOut",
    "ArchiveTargetName",
    "ChannelName",
    "ComplaintDetailOut",
    "ComplaintOut",
    "CostOut",
    "GroupOut",
    "KindName",
    "LetterOut",
    "MajorFlagName",
    "PenaltyName",
    "PenaltyOut",
    "PolicyOverviewOut",
    "PolicyVersionOut",
    "ProjectPolicyOut",
    "RevisitMethodName",
    "RevisitOut",
    "SatisfactionName",
    "SheetOut",
    "SlotName",
    "StateName",
    "event_label",
]
