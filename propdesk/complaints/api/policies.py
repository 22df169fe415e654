"""Complaint policies (投诉处理方案, R-COMPLAINT-87/88): which policy a project runs, the stored
versions of the company's policies, saving an edited version and copying a preset."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from propdesk.complaints import selectors
from propdesk.complaints.api.schemas import PolicyOverviewOut, PolicyVersionOut, ProjectPolicyOut
from propdesk.complaints.models import PolicyVersion, ProjectPolicy
from propdesk.complaints.selectors import PolicyOverview
from propdesk.complaints.services import policies
from propdesk.core.api.common import ERROR_RESPONSES, InputSchema, ProblemOut, actor_of

router = Router(tags=["complaints"])
SAVED = {201: PolicyVersionOut, **ERROR_RESPONSES, 409: ProblemOut}


class PolicyQuery(Schema):
    project: int


class ChooseIn(InputSchema):
    project: int
    code: str = Field(description="LH, PCS, CM, SO or the code of a copy")
    count_working_hours: bool = Field(
        False, description="Count response times in working hours (A-CMP-7)"
    )


class PolicyIn(InputSchema):
    project: int
    code: str
    name: str = ""
    data: dict[str, Any] = Field(description="A policy in the layout of `versions[].data`")


class CopyIn(InputSchema):
    project: int
    source_code: str
    code: str
    name: str


@router.get("/complaint-policies", response={200: PolicyOverviewOut, **ERROR_RESPONSES})
def list_complaint_policies(request: HttpRequest, filters: Query[PolicyQuery]) -> PolicyOverview:
    """The policy the project runs and every version of the company's policies (the four
    presets are listed before their first use)."""
    return selectors.policy_overview(actor_of(request), filters.project)


@router.post("/complaint-policies/choose", response={200: ProjectPolicyOut, **ERROR_RESPONSES})
def choose_complaint_policy(request: HttpRequest, payload: ChooseIn) -> ProjectPolicy:
    """Set the policy the project runs; new complaints take its newest version, running ones
    keep theirs (R-COMPLAINT-87)."""
    return policies.choose_policy(
        actor=actor_of(request),
        project_id=payload.project,
        code=payload.code,
        count_working_hours=payload.count_working_hours,
    )


@router.post("/complaint-policies", response=SAVED)
def save_complaint_policy(request: HttpRequest, payload: PolicyIn) -> Status[PolicyVersion]:
    """Save an edited policy as the next version of `code`; it is checked against the company's
    roles and refused with every problem listed under `data` (R-COMPLAINT-88)."""
    version = policies.save_policy(
        actor=actor_of(request),
        project_id=payload.project,
        code=payload.code,
        data=payload.data,
        name=payload.name,
    )
    return Status(201, version)


@router.post("/complaint-policies/copy", response=SAVED)
def copy_complaint_policy(request: HttpRequest, payload: CopyIn) -> Status[PolicyVersion]:
    """Copy a preset or policy under a new code, to be edited (R-COMPLAINT-87)."""
    version = policies.copy_policy(
        actor=actor_of(request),
        project_id=payload.project,
        source_code=payload.source_code,
        code=payload.code,
        name=payload.name,
    )
    return Status(201, version)
