"""One route per workflow action: `POST /complaints/{id}/<action>` calls the service of the same
name (STYLE §3 "one verb everywhere") and answers with the complaint's new state and version.
Each operation's description lists the rows of the transition table for its action.

Every body takes an optional `version`: the complaint's version the client's form was built from.
When the complaint has moved on since, the action is refused with 409 and nothing is written.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.http import HttpRequest
from ninja import Field, Router
from ninja.responses import Status

from propdesk.complaints.api.cases import ACTION_RESPONSES
from propdesk.complaints.api.docs import action_description
from propdesk.complaints.api.schemas import (
    ArchiveTargetName,
    ComplaintOut,
    CostOut,
    MajorFlagName,
    PenaltyName,
    PenaltyOut,
    RevisitMethodName,
    SatisfactionName,
)
from propdesk.complaints.models import Complaint, CostEntry, PenaltyRecord
from propdesk.complaints.services import actions, records
from propdesk.complaints.workflows import Action
from propdesk.core.api.common import InputSchema, actor_of

router = Router(tags=["complaints"])
ACTED = {200: ComplaintOut, **ACTION_RESPONSES}


def _doc(action: Action) -> str:
    return action_description(action, getattr(actions, str(action)))


# --- request bodies ---------------------------------------------------------------------------
class ActionIn(InputSchema):
    """Fields every action takes. Subclasses name their fields as the service's keyword
    arguments (or map them in `RENAMES`), so a field error comes back under the field sent."""

    RENAMES: ClassVar[dict[str, str]] = {}

    version: int | None = Field(
        None, description="The complaint's `version` your form was built from (409 if stale)"
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.model_dump(exclude={"version"})
        return {
            **{self.RENAMES.get(k, k): v for k, v in data.items()},
            "expected_version": self.version,
        }


class NoteIn(ActionIn):
    note: str = ""


class RequiredNoteIn(ActionIn):
    note: str


class ClassifyIn(ActionIn):
    RENAMES: ClassVar[dict[str, str]] = {"handler": "handler_id", "department": "department_id"}

    level: str = Field("", description="The policy's level code; raised by major criteria")
    major_flags: list[MajorFlagName] | None = Field(
        None, description="Major criteria of R-COMPLAINT-08; omitted keeps those recorded"
    )
    handler: int | None = Field(None, description="Staff id; defaults to the current handler")
    department: int | None = Field(None, description="The responsible department's id")
    legacy_issue: bool = False
    note: str = ""


class TransferIn(ActionIn):
    """Without an approval step (PCS, CM, SO) the sheet is drafted and issued from these fields;
    with one (LH) the approved sheets are issued and the fields are left out."""

    department_id: int | None = None
    content: str = Field("", description="Defaults to the complaint's content")
    requirement: str = ""
    deadline: dt.datetime | None = None

    def service_kwargs(self) -> dict[str, Any]:
        sheet = self.model_dump(exclude={"version"}, exclude_unset=True)
        return {"data": sheet or None, "expected_version": self.version}


class AcceptIn(ActionIn):
    rectification_deadline: dt.datetime | None = Field(
        None, description="Required: when the department will have it done"
    )
    sheet_id: int | None = Field(None, description="Defaults to your department's open sheet")
    note: str = ""


class FeedbackIn(ActionIn):
    result: str
    sheet_id: int | None = Field(None, description="Defaults to your department's open sheet")
    unable: bool = Field(False, description="The department cannot solve it (R-COMPLAINT-45)")


class ResultIn(ActionIn):
    result: str


class RevisitIn(ActionIn):
    method: RevisitMethodName
    satisfaction: SatisfactionName
    comments: str = ""
    customer_signed: bool = Field(False, description="PCS: the owner signed their opinion")
    customer_affirmed: bool = Field(False, description="SO: the customer affirmed the reply")


class ReopenIn(ActionIn):
    RENAMES: ClassVar[dict[str, str]] = {"handler": "handler_id"}

    rectification_deadline: dt.datetime | None = Field(
        None, description="Required: the rectification deadline"
    )
    handler: int | None = Field(None, description="Staff id of the person who rectifies")
    note: str = ""


class ArchiveIn(ActionIn):
    archive_target: ArchiveTargetName | None = Field(
        None, description="Defaults to the policy's archive"
    )


class ReasonIn(ActionIn):
    reason: str


class ForwardIn(ActionIn):
    RENAMES: ClassVar[dict[str, str]] = {"target_project": "target_project_id"}

    to: str = Field(description="Who takes it over, e.g. 地产客服")
    target_project: int | None = Field(
        None, description="A project of yours: a linked complaint is received there"
    )
    note: str = ""


class UpgradeIn(ActionIn):
    level: str
    reason: str


class PromiseIn(ActionIn):
    promise: str
    deadline: dt.datetime | None = Field(None, description="Required; in the future")


class DecideIn(ActionIn):
    decision: str


class CostIn(ActionIn):
    item: str
    amount: Decimal = Field(description="Yuan, two decimals, above zero")
    spent_on: dt.date | None = Field(None, description="Defaults to today")
    borne_by: str = ""


class AnalysisIn(ActionIn):
    cause_analysis: str
    corrective_action: str
    preventive_action: str = ""


class PenaltyIn(ActionIn):
    staff_id: int
    penalty: PenaltyName
    note: str = ""


# --- state changes ------------------------------------------------------------------------------
@router.post(
    "/complaints/{complaint_id}/classify", response=ACTED, description=_doc(Action.CLASSIFY)
)
def classify_complaint(request: HttpRequest, complaint_id: int, payload: ClassifyIn) -> Complaint:
    return actions.classify(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/verify", response=ACTED, description=_doc(Action.VERIFY))
def verify_complaint(request: HttpRequest, complaint_id: int, payload: NoteIn) -> Complaint:
    return actions.verify(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post(
    "/complaints/{complaint_id}/transfer", response=ACTED, description=_doc(Action.TRANSFER)
)
def transfer_complaint(request: HttpRequest, complaint_id: int, payload: TransferIn) -> Complaint:
    return actions.transfer(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/accept", response=ACTED, description=_doc(Action.ACCEPT))
def accept_complaint(request: HttpRequest, complaint_id: int, payload: AcceptIn) -> Complaint:
    return actions.accept(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post(
    "/complaints/{complaint_id}/feedback", response=ACTED, description=_doc(Action.FEEDBACK)
)
def feedback_complaint(request: HttpRequest, complaint_id: int, payload: FeedbackIn) -> Complaint:
    return actions.feedback(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/reply", response=ACTED, description=_doc(Action.REPLY))
def reply_complaint(request: HttpRequest, complaint_id: int, payload: ResultIn) -> Complaint:
    return actions.reply(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/revisit", response=ACTED, description=_doc(Action.REVISIT))
def revisit_complaint(request: HttpRequest, complaint_id: int, payload: RevisitIn) -> Complaint:
    revisit = actions.revisit(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )
    return revisit.complaint


@router.post("/complaints/{complaint_id}/reopen", response=ACTED, description=_doc(Action.REOPEN))
def reopen_complaint(request: HttpRequest, complaint_id: int, payload: ReopenIn) -> Complaint:
    return actions.reopen(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/review", response=ACTED, description=_doc(Action.REVIEW))
def review_complaint(request: HttpRequest, complaint_id: int, payload: NoteIn) -> Complaint:
    return actions.review(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/close", response=ACTED, description=_doc(Action.CLOSE))
def close_complaint(request: HttpRequest, complaint_id: int, payload: NoteIn) -> Complaint:
    return actions.close(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/archive", response=ACTED, description=_doc(Action.ARCHIVE))
def archive_complaint(request: HttpRequest, complaint_id: int, payload: ArchiveIn) -> Complaint:
    return actions.archive(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/explain", response=ACTED, description=_doc(Action.EXPLAIN))
def explain_complaint(request: HttpRequest, complaint_id: int, payload: ReasonIn) -> Complaint:
    return actions.explain(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/decline", response=ACTED, description=_doc(Action.DECLINE))
def decline_complaint(request: HttpRequest, complaint_id: int, payload: ReasonIn) -> Complaint:
    return actions.decline(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post(
    "/complaints/{complaint_id}/answer-on-spot",
    response=ACTED,
    description=_doc(Action.ANSWER_ON_SPOT),
)
def answer_complaint_on_spot(
    request: HttpRequest, complaint_id: int, payload: ResultIn
) -> Complaint:
    return actions.answer_on_spot(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/forward", response=ACTED, description=_doc(Action.FORWARD))
def forward_complaint(request: HttpRequest, complaint_id: int, payload: ForwardIn) -> Complaint:
    return actions.forward(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post(
    "/complaints/{complaint_id}/report-praise",
    response=ACTED,
    description=_doc(Action.REPORT_PRAISE),
)
def report_praise(request: HttpRequest, complaint_id: int, payload: NoteIn) -> Complaint:
    return actions.report_praise(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/commend", response=ACTED, description=_doc(Action.COMMEND))
def commend_praise(request: HttpRequest, complaint_id: int, payload: NoteIn) -> Complaint:
    return actions.commend(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


# --- logged actions (the state stays) -----------------------------------------------------------
@router.post("/complaints/{complaint_id}/chase", response=ACTED, description=_doc(Action.CHASE))
def chase_complaint(request: HttpRequest, complaint_id: int, payload: RequiredNoteIn) -> Complaint:
    return actions.chase(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/contact", response=ACTED, description=_doc(Action.CONTACT))
def contact_complainant(
    request: HttpRequest, complaint_id: int, payload: RequiredNoteIn
) -> Complaint:
    return actions.contact(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/upgrade", response=ACTED, description=_doc(Action.UPGRADE))
def upgrade_complaint(request: HttpRequest, complaint_id: int, payload: UpgradeIn) -> Complaint:
    return actions.upgrade(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post(
    "/complaints/{complaint_id}/escalate", response=ACTED, description=_doc(Action.ESCALATE)
)
def escalate_complaint(
    request: HttpRequest, complaint_id: int, payload: RequiredNoteIn
) -> Complaint:
    return actions.escalate(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post(
    "/complaints/{complaint_id}/costs",
    response={201: CostOut, **ACTION_RESPONSES},
    description=_doc(Action.ADD_COST),
)
def add_complaint_cost(
    request: HttpRequest, complaint_id: int, payload: CostIn
) -> Status[CostEntry]:
    entry = actions.add_cost(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )
    return Status(201, entry)


@router.post(
    "/complaints/{complaint_id}/record-promise",
    response=ACTED,
    description=_doc(Action.RECORD_PROMISE),
)
def record_complaint_promise(
    request: HttpRequest, complaint_id: int, payload: PromiseIn
) -> Complaint:
    return actions.record_promise(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/decide", response=ACTED, description=_doc(Action.DECIDE))
def decide_complaint(request: HttpRequest, complaint_id: int, payload: DecideIn) -> Complaint:
    return actions.decide(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


# --- closure evidence and penalties (records, not table rows) ------------------------------------
@router.post("/complaints/{complaint_id}/approve-closure", response=ACTED)
def approve_complaint_closure(
    request: HttpRequest, complaint_id: int, payload: NoteIn
) -> Complaint:
    """R-COMPLAINT-16 (LH): the chairman approves closing a particularly major complaint (slot
    `chairman`); the `chairman_approved` guard of `close` then passes."""
    return records.approve_closure(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/analysis", response=ACTED)
def record_complaint_analysis(
    request: HttpRequest, complaint_id: int, payload: AnalysisIn
) -> Complaint:
    """原因分析 + 纠正和预防措施 (R-COMPLAINT-78): needed before closure where the policy says so
    (guard `cause_analysis_done`)."""
    return records.record_analysis(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )


@router.post("/complaints/{complaint_id}/penalties", response={201: PenaltyOut, **ACTION_RESPONSES})
def add_complaint_penalty(
    request: HttpRequest, complaint_id: int, payload: PenaltyIn
) -> Status[PenaltyRecord]:
    """罚则 (R-COMPLAINT-79): a penalty the policy provides for the complaint's level, decided
    by the manager or an executive."""
    record = records.add_penalty(
        actor=actor_of(request), complaint_id=complaint_id, **payload.service_kwargs()
    )
    return Status(201, record)
