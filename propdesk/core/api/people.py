"""Departments (部门), staff (员工) with their logins, and project memberships (SPEC §1); `/me`."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core import access, selectors
from propdesk.core.api.common import (
    ERROR_RESPONSES,
    ActiveQuery,
    InputSchema,
    PagePagination,
    actor_of,
    data_of,
)
from propdesk.core.models import Department, Membership, Staff
from propdesk.core.services import people

router = Router(tags=["people"])


# --- me -----------------------------------------------------------------------------------
class MyProjectOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    permissions: list[str]


class MeOut(Schema):
    id: int
    name: str
    username: str
    projects: list[MyProjectOut]

    @staticmethod
    def resolve_username(obj: Staff) -> str:
        return obj.user.get_username()

    @staticmethod
    def resolve_projects(obj: Staff) -> list[dict[str, Any]]:
        perms = access.perms_by_project(obj)
        return [
            {
                "id": p.pk,
                "code": p.code,
                "name": p.name,
                "kind": p.kind,
                "permissions": sorted(perms.get(p.pk, ())),
            }
            for p in selectors.list_projects(obj)
        ]


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES})
def get_me(request: HttpRequest) -> Staff:
    """The acting staff member and what they may do in each of their projects."""
    return actor_of(request)


# --- departments --------------------------------------------------------------------------
class DepartmentOut(Schema):
    id: int
    project: int
    code: str
    name: str
    phone: str
    is_active: bool

    @staticmethod
    def resolve_project(obj: Department) -> int:
        return obj.project_id


class DepartmentIn(InputSchema):
    project: int
    code: str
    name: str
    phone: str = ""
    is_active: bool = True


class DepartmentPatch(InputSchema):
    code: str | None = None
    name: str | None = None
    phone: str | None = None
    is_active: bool | None = None


@router.get("/departments", response={200: list[DepartmentOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_departments(request: HttpRequest, filters: Query[ActiveQuery]) -> object:
    return selectors.list_departments(actor_of(request), **filters.model_dump())


@router.get("/departments/{department_id}", response={200: DepartmentOut, **ERROR_RESPONSES})
def get_department(request: HttpRequest, department_id: int) -> Department:
    return access.get_for(actor_of(request), Department.objects.all(), department_id)


@router.post("/departments", response={201: DepartmentOut, **ERROR_RESPONSES})
def create_department(request: HttpRequest, payload: DepartmentIn) -> Status[Department]:
    department = people.create_department(
        actor=actor_of(request),
        project_id=payload.project,
        data=data_of(payload, exclude=["project"]),
    )
    return Status(201, department)


@router.patch("/departments/{department_id}", response={200: DepartmentOut, **ERROR_RESPONSES})
def update_department(
    request: HttpRequest, department_id: int, payload: DepartmentPatch
) -> Department:
    return people.update_department(
        actor=actor_of(request), department_id=department_id, data=data_of(payload)
    )


@router.api_operation(
    ["DELETE"], "/departments/{department_id}", response={204: None, **ERROR_RESPONSES}
)
def delete_department(request: HttpRequest, department_id: int) -> Status[None]:
    people.delete_department(actor=actor_of(request), department_id=department_id)
    return Status(204, None)


# --- staff and memberships ----------------------------------------------------------------
class MembershipOut(Schema):
    id: int
    staff: int
    project: int
    role: str
    role_name: str
    department: int | None
    department_name: str
    post: str
    is_active: bool

    @staticmethod
    def resolve_staff(obj: Membership) -> int:
        return obj.staff_id

    @staticmethod
    def resolve_project(obj: Membership) -> int:
        return obj.project_id

    @staticmethod
    def resolve_role(obj: Membership) -> str:
        return obj.role.code

    @staticmethod
    def resolve_role_name(obj: Membership) -> str:
        return obj.role.name

    @staticmethod
    def resolve_department(obj: Membership) -> int | None:
        return obj.department_id

    @staticmethod
    def resolve_department_name(obj: Membership) -> str:
        return obj.department.name if obj.department else ""

    @staticmethod
    def resolve_post(obj: Membership) -> str:
        return obj.post.code if obj.post else ""


class StaffOut(Schema):
    id: int
    name: str
    name_initials: str
    username: str
    employee_no: str
    mobile: str
    email: str
    is_active: bool
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_username(obj: Staff) -> str:
        return obj.user.get_username()

    @staticmethod
    def resolve_mobile(obj: Staff, context: Any) -> str:
        # A staff member belongs to no single project, so `apply_masking` masks the phone for
        # every role here: the API never shows a staff phone in clear and so logs nothing (the
        # staff pages show it in clear per current project, and log it: people.show_staff).
        if not hasattr(obj, "mobile_display"):
            access.apply_masking(context["request"].auth, [obj])
        return str(obj.mobile_display)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_memberships(obj: Staff, context: Any) -> list[Membership]:
        visible = getattr(obj, "visible_memberships", None)  # prefetched by the list selector
        if visible is None:
            visible = list(
                obj.memberships.filter(
                    project_id__in=access.project_ids(context["request"].auth)
                ).select_related("role", "department", "post")
            )
        return visible


_MEMBERSHIP_FIELDS = {"role", "department", "post"}
_LOGIN_FIELDS = {"project", "username", "password"}


class StaffIn(InputSchema):
    project: int
    username: str
    password: str
    name: str
    employee_no: str = ""
    mobile: str = ""
    email: str = ""
    role: str
    department: int | None = None
    post: str = ""

    def staff_data(self) -> dict[str, Any]:
        return data_of(self, exclude=_MEMBERSHIP_FIELDS | _LOGIN_FIELDS)

    def membership_data(self) -> dict[str, Any]:
        return {k: v for k, v in data_of(self).items() if k in _MEMBERSHIP_FIELDS}


class StaffPatch(InputSchema):
    name: str | None = None
    employee_no: str | None = None
    mobile: str | None = None
    email: str | None = None
    is_active: bool | None = None


class StaffQuery(ActiveQuery):
    role: str = ""
    department: int | None = None
    post: str = ""


class MembershipIn(InputSchema):
    project: int
    role: str
    department: int | None = None
    post: str = ""


@router.get("/staff", response={200: list[StaffOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_staff(request: HttpRequest, filters: Query[StaffQuery]) -> object:
    return selectors.list_staff(actor_of(request), selectors.StaffFilters(**data_of(filters)))


@router.get("/staff/{staff_id}", response={200: StaffOut, **ERROR_RESPONSES})
def get_staff(request: HttpRequest, staff_id: int) -> Staff:
    return people.get_staff_for(actor_of(request), staff_id)


@router.post("/staff", response={201: StaffOut, **ERROR_RESPONSES})
def create_staff(request: HttpRequest, payload: StaffIn) -> Status[Staff]:
    staff = people.create_staff(
        actor=actor_of(request),
        project_id=payload.project,
        username=payload.username,
        password=payload.password,
        data=payload.staff_data(),
        membership=payload.membership_data(),
    )
    return Status(201, staff)


@router.patch("/staff/{staff_id}", response={200: StaffOut, **ERROR_RESPONSES})
def update_staff(request: HttpRequest, staff_id: int, payload: StaffPatch) -> Staff:
    return people.update_staff(actor=actor_of(request), staff_id=staff_id, data=data_of(payload))


@router.post("/staff/{staff_id}/memberships", response={201: MembershipOut, **ERROR_RESPONSES})
def add_membership(
    request: HttpRequest, staff_id: int, payload: MembershipIn
) -> Status[Membership]:
    membership = people.add_membership(
        actor=actor_of(request),
        staff_id=staff_id,
        project_id=payload.project,
        data=data_of(payload, exclude=["project"]),
    )
    return Status(201, membership)


@router.post("/memberships/{membership_id}/end", response={200: MembershipOut, **ERROR_RESPONSES})
def end_membership(request: HttpRequest, membership_id: int) -> Membership:
    return people.end_membership(actor=actor_of(request), membership_id=membership_id)
