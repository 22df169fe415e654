"""The one place that decides what an actor may see and do (STYLE §2 "access goes through one
audited function per entity"). Every service and selector goes through here.

A user acts only inside projects they hold an active membership of, with the union of the
permissions of their roles there. Objects of other projects raise `NotFound`, never `Forbidden`,
so their existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models

from propdesk.core import permissions as P
from propdesk.core.errors import ErrorCode, Forbidden, NotFound
from propdesk.core.models import Membership, Project, Staff

M = TypeVar("M", bound=models.Model)
_CACHE_ATTR = "_propdesk_perms"
_HELD_ATTR = "_propdesk_held"
_PROJECTS_ATTR = "_propdesk_projects"


@dataclass
class Held:
    """What the actor's active memberships give in one project, read with the permissions."""

    roles: list[str] = field(default_factory=list)  # names, in the roles' configured order
    role_codes: set[str] = field(default_factory=set)
    departments: set[int] = field(default_factory=set)
    posts: list[tuple[int, str]] = field(default_factory=list)  # (post order, code)


def perms_by_project(actor: Staff) -> dict[int, frozenset[str]]:
    """{project_id: permissions}, loaded once per actor object. One query (two for a superuser),
    which also loads the projects with their company (`projects`) and what the memberships hold
    there: role names and codes, departments, posts (`held`)."""
    cached: dict[int, frozenset[str]] | None = getattr(actor, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    result: dict[int, set[str]] = {}
    held: dict[int, Held] = {}
    projects: dict[int, Project] = {}
    if actor.user.is_superuser:
        for project in Project.objects.filter(company_id=actor.company_id).select_related(
            "company"
        ):
            projects[project.pk] = project
            result[project.pk] = set(P.ALL_PERMISSIONS)
    memberships = (
        Membership.objects.filter(staff=actor, is_active=True, project__is_active=True)
        .select_related("project", "role", "post")
        .only(
            "project",
            "department_id",
            "role__permissions",
            "role__name",
            "role__code",
            "post__code",
            "post__sort",
        )
    )  # ordered by project, then role order
    for membership in memberships:
        pid = membership.project_id
        if actor.user.is_superuser and pid not in projects:
            continue  # a superuser acts in the projects of their own company
        if pid not in projects:
            project = projects[pid] = membership.project
            if project.company_id == actor.company_id:  # loaded with the actor: no join
                project.company = actor.company
        result.setdefault(pid, set()).update(membership.role.permissions or [])
        here = held.setdefault(pid, Held())
        if membership.role.name not in here.roles:
            here.roles.append(membership.role.name)
        here.role_codes.add(membership.role.code)
        if membership.department_id is not None:
            here.departments.add(membership.department_id)
        if membership.post is not None:
            here.posts.append((membership.post.sort, membership.post.code))
    frozen = {pid: frozenset(perms) for pid, perms in result.items()}
    setattr(actor, _CACHE_ATTR, frozen)
    # loaded by the same query: the navigation shows the projects, the request's current
    # project is one of them; the access log and the timeline record the roles held, the
    # complaint slots read role codes and departments, the sales floor the posts held
    setattr(actor, _HELD_ATTR, held)
    setattr(actor, _PROJECTS_ATTR, projects)
    return frozen


def held(actor: Staff, project_id: int | None) -> Held:
    """What the actor's memberships give in a project (no query once permissions are loaded;
    empty outside the actor's active projects)."""
    perms_by_project(actor)
    found: Held | None = getattr(actor, _HELD_ATTR, {}).get(project_id)
    return found if found is not None else Held()


def projects(actor: Staff, perm: str = P.VIEW_MASTERDATA) -> list[Project]:
    """The active projects where the actor holds `perm`, by name, with their company (no query
    once permissions are loaded)."""
    perms_by_project(actor)
    loaded: dict[int, Project] = getattr(actor, _PROJECTS_ATTR, {})
    return sorted(
        (loaded[pid] for pid in project_ids(actor, perm)), key=lambda p: (p.company_id, p.name)
    )


def role_names(actor: Staff, project_id: int | None, *, in_role_order: bool = False) -> list[str]:
    """Names of the actor's roles in a project, alphabetically or in the roles' configured
    order (no query once permissions are loaded)."""
    names = held(actor, project_id).roles
    return list(names) if in_role_order else sorted(names)


def posts_held(actor: Staff, project_id: int) -> list[str]:
    """The post codes the actor holds in a project, in the posts' order (no query once
    permissions are loaded)."""
    return list(dict.fromkeys(code for _, code in sorted(held(actor, project_id).posts)))


def forget(actor: Staff) -> None:
    """Drop the cached permissions (after memberships change)."""
    for attr in (_CACHE_ATTR, _HELD_ATTR, _PROJECTS_ATTR):
        if hasattr(actor, attr):
            delattr(actor, attr)


def project_ids(actor: Staff, perm: str = P.VIEW_MASTERDATA) -> list[int]:
    return sorted(pid for pid, perms in perms_by_project(actor).items() if perm in perms)


def has_perm(actor: Staff, project_id: int, perm: str) -> bool:
    return perm in perms_by_project(actor).get(project_id, frozenset())


def require(actor: Staff, project_id: int, perm: str) -> None:
    """Raise NotFound outside the actor's projects and Forbidden (code `permission_missing`) for a
    missing permission."""
    perms = perms_by_project(actor).get(project_id)
    if perms is None:
        raise NotFound()
    if perm not in perms:
        raise Forbidden(code=ErrorCode.PERMISSION_MISSING)


def get_project_for(actor: Staff, project_id: Any, perm: str = P.VIEW_MASTERDATA) -> Project:
    """A project where the actor holds `perm` (NotFound / Forbidden as `require`): the object
    loaded with the actor's permissions, shared by the services of one request."""
    try:
        pid = int(project_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    require(actor, pid, perm)
    # loaded with the permissions `require` just read (no query)
    project: Project = getattr(actor, _PROJECTS_ATTR)[pid]
    return project


def scope(
    actor: Staff,
    queryset: models.QuerySet[M],
    perm: str = P.VIEW_MASTERDATA,
    field: str = "project_id",
) -> models.QuerySet[M]:
    """Restrict a queryset to the projects where the actor holds `perm`."""
    return queryset.filter(**{f"{field}__in": project_ids(actor, perm)})


def get_for(
    actor: Staff,
    queryset: models.QuerySet[M],
    pk: Any,
    perm: str = P.VIEW_MASTERDATA,
    field: str = "project_id",
) -> M:
    """One object of the actor's projects, else NotFound (also for a missing permission to view,
    since the actor cannot know it exists)."""
    try:
        obj = queryset.get(pk=int(pk))
    except (TypeError, ValueError, queryset.model.DoesNotExist):
        raise NotFound() from None
    project_id: Any = obj
    for part in field.split("__"):
        project_id = getattr(project_id, part)
    if perm not in perms_by_project(actor).get(project_id, frozenset()):
        if P.VIEW_MASTERDATA in perms_by_project(actor).get(project_id, frozenset()):
            raise Forbidden(code=ErrorCode.PERMISSION_MISSING)
        raise NotFound()
    return obj


def sees_personal_data(actor: Staff, project_id: int) -> bool:
    """R-GEN-09: phones and ID-card numbers unmasked only for roles that need them."""
    return has_perm(actor, project_id, P.VIEW_PERSONAL_DATA)


def staff_for_user(user: Any) -> Staff | None:
    """The active staff profile of a logged-in user, else None. No query when the session's
    user was loaded with it (`security.StaffUserBackend`)."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = Staff.user.field.remote_field  # the user → staff side of the one-to-one
    if profile.is_cached(user):
        staff = profile.get_cached_value(user)
        return staff if staff is not None and staff.is_active else None
    try:
        return Staff.objects.select_related("user", "company").get(user=user, is_active=True)
    except Staff.DoesNotExist:
        return None


def apply_masking(actor: Staff, objects: Any) -> list[Any]:
    """Set `mobile_display` / `id_number_display` on residents or staff: clear text only where the
    actor's role in that object's project needs personal data (R-GEN-09), masked otherwise
    (138****5678, 110***********1234). `clear_personal_fields` lists the non-empty fields shown
    in clear: what a view of the object writes to the personal-data access log
    (`propdesk.core.services.audit`). Returns the objects as a list; costs no query."""
    from propdesk.core import domain

    items = list(objects)
    for obj in items:
        project_id = getattr(obj, "project_id", None)
        clear = project_id is not None and sees_personal_data(actor, project_id)
        mobile = getattr(obj, "mobile", "") or ""
        id_number = getattr(obj, "id_number", "") or ""
        obj.mobile_display = mobile if clear else domain.mask_mobile(mobile) if mobile else ""
        obj.id_number_display = (
            id_number if clear else domain.mask_id_number(id_number) if id_number else ""
        )
        obj.clear_personal_fields = (
            [name for name, value in (("mobile", mobile), ("id_number", id_number)) if value]
            if clear
            else []
        )
    return items
