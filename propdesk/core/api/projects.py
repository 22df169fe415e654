"""Projects (项目): list, read, create (company administrators), edit (R-GEN-01..03)."""

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core import access, selectors
from propdesk.core.api.common import (
    ERROR_RESPONSES,
    InputSchema,
    PagePagination,
    actor_of,
    data_of,
)
from propdesk.core.models import Project
from propdesk.core.models.tenancy import ProjectKind
from propdesk.core.services import masterdata

router = Router(tags=["projects"])


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    kind: ProjectKind
    script_name: str
    record_prefix: str
    address: str
    phone: str
    is_active: bool
    created_at: dt.datetime


class ProjectIn(InputSchema):
    code: str
    name: str
    kind: ProjectKind
    script_name: str = ""
    record_prefix: str = ""
    address: str = ""
    phone: str = ""
    is_active: bool = True


class ProjectPatch(InputSchema):
    code: str | None = None
    name: str | None = None
    kind: ProjectKind | None = None
    script_name: str | None = None
    record_prefix: str | None = None
    address: str | None = None
    phone: str | None = None
    is_active: bool | None = None


class ProjectQuery(Schema):
    q: str = ""
    kind: ProjectKind | None = None


@router.get("/projects", response={200: list[ProjectOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_projects(request: HttpRequest, filters: Query[ProjectQuery]) -> object:
    kind = filters.kind.value if filters.kind else ""
    return selectors.list_projects(actor_of(request), q=filters.q, kind=kind)


@router.get("/projects/{project_id}", response={200: ProjectOut, **ERROR_RESPONSES})
def get_project(request: HttpRequest, project_id: int) -> Project:
    return access.get_project_for(actor_of(request), project_id)


@router.post("/projects", response={201: ProjectOut, **ERROR_RESPONSES})
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[Project]:
    project = masterdata.create_project(actor=actor_of(request), data=data_of(payload))
    return Status(201, project)


@router.patch("/projects/{project_id}", response={200: ProjectOut, **ERROR_RESPONSES})
def update_project(request: HttpRequest, project_id: int, payload: ProjectPatch) -> Project:
    return masterdata.update_project(
        actor=actor_of(request), project_id=project_id, data=data_of(payload)
    )
