"""Read queries for master-data lists, shared by the web UI and the API.

Every list is scoped to the actor's projects, searchable (name, pinyin, pinyin initials, phone,
ID-card tail, unit number), filterable, and loads its related rows with `select_related` /
`prefetch_related`, so a page costs a fixed number of queries whatever the row count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from propdesk.core import access, crypto
from propdesk.core import permissions as P
from propdesk.core.models import (
    Building,
    Department,
    Membership,
    Occupancy,
    Project,
    Resident,
    Staff,
    Unit,
)

_ASCII = re.compile(r"^[A-Za-z]+$")
_DIGITS = re.compile(r"^\d+$")
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_ID_TAIL = re.compile(r"^\d{3}[\dXx]$")  # the last four characters, e.g. 1234 or 123X


def _name_search(q: str) -> Q:
    """Name, full pinyin (prefix) or pinyin initials (prefix): `zs` and `zhangs` find 张三."""
    q = q.strip()
    cond = Q(name__icontains=q)
    if _ASCII.match(q):
        low = q.lower()
        cond |= Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low)
    return cond


def _id_number_search(actor: Staff, q: str) -> Q:
    """ID-card number search (docs/personal-data.md): the column is encrypted, so a whole number is
    found through its keyed hash and a suffix only by exactly its last four characters (kept in
    clear: every masked display shows them). Only in projects where the actor may see personal
    data, so that others cannot test whether a known number belongs to a resident (R-GEN-09)."""
    if _ID_NUMBER.match(q):
        cond = Q(id_number_hash=crypto.lookup_hash(q))
    elif _ID_TAIL.match(q):
        cond = Q(id_number_tail=q.upper())
    else:
        return Q()  # OR-ing an empty Q adds nothing
    return cond & Q(project_id__in=access.project_ids(actor, P.VIEW_PERSONAL_DATA))


@dataclass(frozen=True)
class ResidentFilters:
    q: str = ""
    project: int | None = None
    building: int | None = None
    unit: int | None = None
    role: str = ""  # owner / tenant / family
    active: bool | None = True


def _project_scope(actor: Staff, qs: QuerySet[Any], project: int | None) -> QuerySet[Any]:
    qs = access.scope(actor, qs, P.VIEW_MASTERDATA)
    if project is not None:
        qs = qs.filter(project_id=project)
    return qs


def _living_in(**conditions: Any) -> Q:
    """Residents with an occupancy matching `conditions`: a subquery, not a join, so that a
    resident with several units is one row without DISTINCT (and the page count is a plain
    COUNT)."""
    return Q(pk__in=Occupancy.objects.filter(**conditions).values("resident_id"))


def list_residents(actor: Staff, filters: ResidentFilters | None = None) -> QuerySet[Resident]:
    """Residents of the actor's projects with their current units (3 queries per page)."""
    f = filters or ResidentFilters()
    where = [Q(project_id__in=access.project_ids(actor, P.VIEW_MASTERDATA))]
    if f.project is not None:
        where.append(Q(project_id=f.project))
    if f.active is not None:
        where.append(Q(is_active=f.active))
    if f.q:
        q = f.q.strip()
        cond = _name_search(q)
        if _DIGITS.match(q):
            # Room numbers are searched by their start or end: "0301" finds 1-2-0301.
            cond |= Q(mobile__contains=q) | Q(
                pk__in=Occupancy.objects.filter(
                    Q(unit__number__startswith=q) | Q(unit__number__endswith=q)
                ).values("resident_id")
            )
        else:
            cond |= Q(
                pk__in=Occupancy.objects.filter(
                    Q(unit__number__iexact=q) | Q(unit__number__endswith=q)
                ).values("resident_id")
            )
        cond |= _id_number_search(actor, q)
        where.append(cond)
    if f.building is not None:
        where.append(_living_in(unit__building_id=f.building, end_date__isnull=True))
    if f.unit is not None:
        where.append(_living_in(unit_id=f.unit, end_date__isnull=True))
    if f.role:
        where.append(_living_in(role=f.role, end_date__isnull=True))
    current = Occupancy.objects.filter(end_date__isnull=True).select_related("unit__building")
    return (
        Resident.objects.filter(*where)
        .prefetch_related(Prefetch("occupancies", queryset=current, to_attr="current_occupancies"))
        .order_by("name_pinyin", "id")
    )


@dataclass(frozen=True)
class UnitFilters:
    q: str = ""
    project: int | None = None
    building: int | None = None
    status: str = ""
    floor: int | None = None


def list_units(actor: Staff, filters: UnitFilters | None = None) -> QuerySet[Unit]:
    """Units with building and current-resident count (1 query per page + count)."""
    f = filters or UnitFilters()
    qs = _project_scope(actor, Unit.objects.all(), f.project)
    if f.q:
        q = f.q.strip()
        qs = qs.filter(
            Q(number__istartswith=q)
            | Q(number__iendswith=q)
            | Q(building__name__icontains=q)
            | Q(occupancies__resident__name__icontains=q, occupancies__end_date__isnull=True)
        )
    if f.building is not None:
        qs = qs.filter(building_id=f.building)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.floor is not None:
        qs = qs.filter(floor=f.floor)
    return (
        qs.distinct()
        .select_related("building", "project")
        .annotate(
            resident_count=Count(
                "occupancies", filter=Q(occupancies__end_date__isnull=True), distinct=True
            )
        )
        .order_by("building__code", "number", "id")
    )


def list_buildings(actor: Staff, *, q: str = "", project: int | None = None) -> QuerySet[Building]:
    qs = _project_scope(actor, Building.objects.all(), project)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__iexact=q.strip()))
    return (
        qs.select_related("project")
        .annotate(unit_count=Count("units", distinct=True))
        .order_by("project_id", "code")
    )


def list_departments(
    actor: Staff, *, q: str = "", project: int | None = None, active: bool | None = None
) -> QuerySet[Department]:
    qs = _project_scope(actor, Department.objects.all(), project)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.select_related("project").order_by("project_id", "code")


@dataclass(frozen=True)
class StaffFilters:
    q: str = ""
    project: int | None = None
    role: str = ""
    department: int | None = None
    post: str = ""
    active: bool | None = True


def list_staff(actor: Staff, filters: StaffFilters | None = None) -> QuerySet[Staff]:
    """Staff who hold a membership in one of the actor's projects, with those memberships."""
    f = filters or StaffFilters()
    pids = access.project_ids(actor, P.VIEW_MASTERDATA)
    if f.project is not None:
        pids = [p for p in pids if p == f.project]
    member_filter = Q(memberships__project_id__in=pids)
    if f.role:
        member_filter &= Q(memberships__role__code=f.role)
    if f.department is not None:
        member_filter &= Q(memberships__department_id=f.department)
    if f.post:
        member_filter &= Q(memberships__post__code=f.post)
    qs = Staff.objects.filter(member_filter, company_id=actor.company_id)
    if f.active is not None:
        qs = qs.filter(is_active=f.active)
    if f.q:
        q = f.q.strip()
        cond = _name_search(q) | Q(employee_no__iexact=q)
        if _DIGITS.match(q):
            cond |= Q(mobile__contains=q)
        qs = qs.filter(cond)
    visible = Membership.objects.filter(project_id__in=pids).select_related(
        "role", "department", "post", "project"
    )
    return (
        qs.distinct()
        .select_related("user")
        .prefetch_related(Prefetch("memberships", queryset=visible, to_attr="visible_memberships"))
        .order_by("name_pinyin", "id")
    )


def list_projects(actor: Staff, *, q: str = "", kind: str = "") -> QuerySet[Project]:
    qs = Project.objects.filter(pk__in=access.project_ids(actor, P.VIEW_MASTERDATA))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__iexact=q.strip()))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("company").order_by("name")


def occupancies_of_unit(unit: Unit) -> QuerySet[Occupancy]:
    return unit.occupancies.select_related("resident").order_by("end_date", "role", "id")


def occupancies_of_resident(resident: Resident) -> QuerySet[Occupancy]:
    return resident.occupancies.select_related("unit__building").order_by("end_date", "role", "id")
