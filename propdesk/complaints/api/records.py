"""Records around complaints: work contact sheets (工作联系单, R-COMPLAINT-20/21) and a
department's inbox of them, reply letters with co-signatures and legal review (回馈函件,
R-COMPLAINT-23), and group issues (批量问题, R-COMPLAINT-29/65)."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.complaints import selectors
from propdesk.complaints.api.cases import ACTION_RESPONSES
from propdesk.complaints.api.schemas import GroupOut, LetterOut, SheetOut, SlotName
from propdesk.complaints.models import ComplaintGroup, ContactSheet, ReplyLetter
from propdesk.complaints.services import actions, records
from propdesk.core.api.common import ERROR_RESPONSES, InputSchema, PagePagination, actor_of

router = Router(tags=["complaints"])


# --- work contact sheets ----------------------------------------------------------------------
class SheetIn(InputSchema):
    department_id: int
    content: str = Field("", description="Defaults to the complaint's content")
    requirement: str = ""
    deadline: dt.datetime | None = None
    version: int | None = Field(None, description="The complaint's version (409 if stale)")


class InboxQuery(Schema):
    project: int | None = None


@router.post("/complaints/{complaint_id}/sheets", response={201: SheetOut, **ACTION_RESPONSES})
def draft_contact_sheet(
    request: HttpRequest, complaint_id: int, payload: SheetIn
) -> Status[ContactSheet]:
    """Draft a work contact sheet to a responsible department after verification. Under a
    policy with an approver (LH: 营销策划部经理) it waits for approval; `transfer` then issues
    every approved sheet."""
    sheet = actions.draft_contact_sheet(
        actor=actor_of(request),
        complaint_id=complaint_id,
        data=payload.model_dump(exclude={"version"}),
        expected_version=payload.version,
    )
    return Status(201, sheet)


@router.post("/complaint-sheets/{sheet_id}/approve", response={200: SheetOut, **ACTION_RESPONSES})
def approve_contact_sheet(request: HttpRequest, sheet_id: int) -> ContactSheet:
    """审核 (R-COMPLAINT-20): the policy's approver releases the sheet for issue."""
    return actions.approve_contact_sheet(actor=actor_of(request), sheet_id=sheet_id)


@router.get("/complaint-sheets", response={200: list[SheetOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_department_sheets(request: HttpRequest, filters: Query[InboxQuery]) -> object:
    """Your departments' inbox: contact sheets issued or accepted and not yet answered, nearest
    deadline first (R-COMPLAINT-21/44)."""
    return selectors.department_inbox(actor_of(request), project=filters.project)


# --- reply letters ----------------------------------------------------------------------------
class LetterIn(InputSchema):
    body: str
    version: int | None = Field(None, description="The complaint's version (409 if stale)")


class SignIn(InputSchema):
    slot: SlotName = Field(description="The co-signing role you sign for")


class LetterReviewIn(InputSchema):
    approve: bool
    comments: str = Field("", description="Required when sending the letter back")


class LetterReviseIn(InputSchema):
    body: str


@router.post("/complaints/{complaint_id}/letters", response={201: LetterOut, **ACTION_RESPONSES})
def draft_reply_letter(
    request: HttpRequest, complaint_id: int, payload: LetterIn
) -> Status[ReplyLetter]:
    """Draft the written reply (R-COMPLAINT-23); it then goes to co-signing, legal review or is
    ready to issue, as the policy demands."""
    letter = records.draft_letter(
        actor=actor_of(request),
        complaint_id=complaint_id,
        body=payload.body,
        expected_version=payload.version,
    )
    return Status(201, letter)


@router.post("/complaint-letters/{letter_id}/sign", response={200: LetterOut, **ACTION_RESPONSES})
def sign_reply_letter(request: HttpRequest, letter_id: int, payload: SignIn) -> ReplyLetter:
    """会签: sign once for a co-signing slot you hold."""
    return records.sign_letter(actor=actor_of(request), letter_id=letter_id, slot=payload.slot)


@router.post("/complaint-letters/{letter_id}/review", response={200: LetterOut, **ACTION_RESPONSES})
def review_reply_letter(
    request: HttpRequest, letter_id: int, payload: LetterReviewIn
) -> ReplyLetter:
    """法务审阅: legal approves the letter, or sends it back with comments (signatures restart)."""
    return records.review_letter(
        actor=actor_of(request),
        letter_id=letter_id,
        approve=payload.approve,
        comments=payload.comments,
    )


@router.post("/complaint-letters/{letter_id}/revise", response={200: LetterOut, **ACTION_RESPONSES})
def revise_reply_letter(
    request: HttpRequest, letter_id: int, payload: LetterReviseIn
) -> ReplyLetter:
    """Change the text; every signature and the legal review start again."""
    return records.revise_letter(actor=actor_of(request), letter_id=letter_id, body=payload.body)


@router.post("/complaint-letters/{letter_id}/issue", response={200: LetterOut, **ACTION_RESPONSES})
def issue_reply_letter(request: HttpRequest, letter_id: int) -> ReplyLetter:
    """发出: only a fully co-signed, legally reviewed letter is issued."""
    return records.issue_letter(actor=actor_of(request), letter_id=letter_id)


# --- group issues -----------------------------------------------------------------------------
class GroupIn(InputSchema):
    project: int
    title: str
    complaint_ids: list[int] = Field(description="At least two complaints of the project")


class GroupDecisionIn(InputSchema):
    decision: str


@router.post("/complaint-groups", response={201: GroupOut, **ACTION_RESPONSES})
def create_complaint_group(request: HttpRequest, payload: GroupIn) -> Status[ComplaintGroup]:
    """Link complaints about one issue (批量问题) so one decision applies to all of them."""
    group = records.group_complaints(
        actor=actor_of(request),
        project_id=payload.project,
        title=payload.title,
        complaint_ids=payload.complaint_ids,
    )
    return Status(201, group)


@router.post("/complaint-groups/{group_id}/decide", response={200: GroupOut, **ACTION_RESPONSES})
def decide_complaint_group(
    request: HttpRequest, group_id: int, payload: GroupDecisionIn
) -> ComplaintGroup:
    """One company decision for every open complaint of the group (R-COMPLAINT-29/65): each
    gets its own `decide` event; all or none are updated."""
    return records.decide_group(
        actor=actor_of(request), group_id=group_id, decision=payload.decision
    )
