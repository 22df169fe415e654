"""Setting up the rotation (接待规则, SPEC §5): sales groups and their duty order, rest days approved
by a department manager, and each day's duty plan (值班安排: group duties, duty managers on site,
opening hours, media open day). `day_roster_inputs` turns the stored plan into the inputs of the
domain's `make_day_roster`, which checks them (R-ROTA-01..05).

Who may do what: anyone on the floor (reception.view) reads; department managers and the floor's
managers (reception.supervise) change groups and plans and decide rest days; a salesperson
(reception.operate) may ask for his or her own rest day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import Conflict, NotFound, TransitionNotAllowed, ValidationFailed
from propdesk.core.models import Membership, Project, Staff
from propdesk.core.models.tenancy import ProjectKind
from propdesk.core.services.timeline import record_event
from propdesk.reception.domain.rotation_roster import (
    DayRoster,
    DutyShift,
    DutyType,
    RotaSettings,
    RotationError,
    alternate_duties,
    make_day_roster,
)
from propdesk.reception.domain.rotation_roster import (
    RestDay as DomainRestDay,
)
from propdesk.reception.domain.rotation_roster import (
    SalesGroup as DomainGroup,
)
from propdesk.reception.models_rotation import (
    RestDay,
    RestDayState,
    RotaDay,
    RotaDayState,
    SalesGroup,
    SalesGroupMember,
)

DEFAULT_OPEN_FROM = dt.time(9, 0)
DEFAULT_OPEN_UNTIL = dt.time(18, 0)
PARAM_ANCHOR_DAY = "rota.anchor_day"  # a day on which the first group has visit duty (A-ROTA-1)
PARAM_SWITCH_PERIOD = "rota.switch_period"  # days between swaps: 1 = 隔天轮换 (R-ROTA-01)
DEFAULT_ANCHOR_DAY = dt.date(2026, 1, 1)


# --- settings -------------------------------------------------------------------------------
def _int_param(params: Mapping[str, Any], name: str, default: int) -> int:
    value = params.get(name, default)
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default
    )


def rota_settings(project: Project) -> RotaSettings:
    """The project's `rota.*` parameters (§21); a broken value falls back to the default."""
    params = project.params or {}
    try:
        return RotaSettings(
            appointments_per_day=_int_param(params, "rota.appointments_per_day", 2),
            walkins_per_day=_int_param(params, "rota.walkins_per_day", 8),
            min_standby=_int_param(params, "rota.min_standby", 2),
            switch_period_days=max(_int_param(params, PARAM_SWITCH_PERIOD, 1), 1),
        )
    except RotationError:
        return RotaSettings()


def _anchor_day(project: Project) -> dt.date:
    value = (project.params or {}).get(PARAM_ANCHOR_DAY)
    try:
        return dt.date.fromisoformat(str(value)) if value else DEFAULT_ANCHOR_DAY
    except ValueError:
        return DEFAULT_ANCHOR_DAY


def floor_project(actor: Staff, project_id: Any, perm: str) -> Project:
    """The sales centre the actor works in with `perm` (NotFound / Forbidden otherwise)."""
    project = access.get_project_for(actor, project_id, perm)
    if project.kind != ProjectKind.SALES_CENTRE:
        raise ValidationFailed(_("Only a sales centre has a rotation queue"))
    return project


def _project_staff(project: Project, ids: Sequence[Any], field: str) -> list[Staff]:
    """The staff members `ids` (in that order), each an active member of the project."""
    try:
        wanted = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ValidationFailed(fields={field: [_("Choose staff of this project")]}) from None
    members = {
        s.pk: s
        for s in Staff.objects.filter(
            pk__in=wanted,
            is_active=True,
            memberships__project=project,
            memberships__is_active=True,
        ).distinct()
    }
    missing = [i for i in wanted if i not in members]
    if missing:
        raise ValidationFailed(fields={field: [_("Choose staff of this project")]})
    return [members[i] for i in wanted]


# --- sales groups -----------------------------------------------------------------------------
def groups_of(project: Project, *, active_only: bool = True) -> list[SalesGroup]:
    """The project's sales groups, members prefetched in their duty order."""
    groups = SalesGroup.objects.filter(project=project).select_related("supervisor")
    if active_only:
        groups = groups.filter(is_active=True)
    return list(groups.prefetch_related("members__staff"))


def list_groups(*, actor: Staff, project_id: Any) -> list[SalesGroup]:
    """The project's active sales groups (anyone on the floor may read them)."""
    return groups_of(floor_project(actor, project_id, P.VIEW_RECEPTION))


def reload_group(group: SalesGroup) -> SalesGroup:
    """The group as saved, members prefetched (for the answer of a change)."""
    return (
        SalesGroup.objects.select_related("supervisor")
        .prefetch_related("members__staff")
        .get(pk=group.pk)
    )


def list_rest_days(
    *,
    actor: Staff,
    project_id: Any,
    day_from: dt.date | None = None,
    day_until: dt.date | None = None,
    state: str | None = None,
) -> list[RestDay]:
    """Rest days of the project (default: from today on), oldest first."""
    project = floor_project(actor, project_id, P.VIEW_RECEPTION)
    rests = RestDay.objects.filter(project=project, day__gte=day_from or timezone.localdate())
    if day_until:
        rests = rests.filter(day__lte=day_until)
    if state:
        rests = rests.filter(state=state)
    return list(rests.select_related("staff", "decided_by").order_by("day", "staff__name")[:500])


@transaction.atomic
def save_group(
    *,
    actor: Staff,
    project_id: Any,
    code: str,
    name: str,
    members: Sequence[Any],
    supervisor_id: Any = None,
    sort: int = 100,
    group_id: Any = None,
) -> SalesGroup:
    """Create or change a sales group: its name, its members in their duty order (轮值顺序,
    R-ROTA-03) and its supervisor (主管, R-ROTA-09). One person belongs to one active group."""
    project = floor_project(actor, project_id, P.SUPERVISE_RECEPTION)
    code, name = str(code or "").strip().upper(), str(name or "").strip()
    errors: dict[str, list[Any]] = {}
    if not code or len(code) > 20:
        errors["code"] = [_("Enter a short code, e.g. A")]
    if not name or len(name) > 40:
        errors["name"] = [_("Enter the group's name")]
    if len(set(map(str, members))) != len(members):
        errors["members"] = [_("A salesperson is listed twice")]
    if errors:
        raise ValidationFailed(fields=errors)
    people = _project_staff(project, members, "members")
    supervisor = (
        _project_staff(project, [supervisor_id], "supervisor")[0] if supervisor_id else None
    )
    group = None
    if group_id is not None:
        group = SalesGroup.objects.select_for_update().filter(pk=group_id, project=project).first()
        if group is None:
            raise NotFound()
    elsewhere = (
        SalesGroupMember.objects.filter(
            group__project=project, group__is_active=True, staff__in=people
        )
        .exclude(group=group)
        .select_related("staff", "group")
        .first()
    )
    if elsewhere is not None:
        raise ValidationFailed(
            fields={
                "members": [
                    _("{name} already belongs to group {group}").format(
                        name=elsewhere.staff.name, group=elsewhere.group.name
                    )
                ]
            }
        )
    group = group or SalesGroup(project=project)
    before = [m.staff_id for m in group.members.all()] if group.pk else []
    group.code, group.name, group.supervisor, group.sort = code, name, supervisor, sort
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        raise ValidationFailed(fields={"code": [_("This code is taken")]}) from None
    group.members.all().delete()
    SalesGroupMember.objects.bulk_create(
        [SalesGroupMember(group=group, staff=s, sort=i) for i, s in enumerate(people)]
    )
    record_event(
        entity=group,
        action="rota.group_saved",
        actor=actor,
        project_id=project.pk,
        data={"members": [s.pk for s in people], "before": before, "supervisor": supervisor_id},
    )
    return group


# --- rest days (轮休, R-ROTA-04) ----------------------------------------------------------------
@transaction.atomic
def request_rest_day(
    *,
    actor: Staff,
    project_id: Any,
    staff_id: Any,
    day: dt.date,
    note: str = "",
    now: dt.datetime | None = None,
) -> RestDay:
    """Ask for a rest day. A salesperson asks for his or her own; a manager for anyone. It takes
    effect only when a department manager approves it (R-ROTA-04)."""
    project = floor_project(actor, project_id, P.OPERATE_RECEPTION)
    person = _project_staff(project, [staff_id], "staff")[0]
    if person.pk != actor.pk:
        access.require(actor, project.pk, P.SUPERVISE_RECEPTION)
    at = now or timezone.now()
    if day < timezone.localdate(at):
        raise ValidationFailed(fields={"day": [_("Choose today or a later day")]})
    rest, created = RestDay.objects.get_or_create(
        project=project,
        staff=person,
        day=day,
        defaults={
            "requested_by": actor,
            "requested_at": at,
            "note": str(note or "")[:100],
        },
    )
    if not created:
        raise Conflict(_("A rest day is already asked for on that day"))
    record_event(
        entity=rest,
        action="rota.rest_requested",
        actor=actor,
        project_id=project.pk,
        to_state=rest.state,
        data={"staff": person.pk, "day": day.isoformat()},
    )
    return rest


@transaction.atomic
def decide_rest_day(*, actor: Staff, rest_id: Any, approve: bool) -> RestDay:
    """A department manager approves or refuses a rest day (报部门经理确认后执行, R-ROTA-04). A
    decision on a day already opened does not change that day's roster."""
    rest = RestDay.objects.select_for_update().filter(pk=rest_id).first()
    if rest is None:
        raise NotFound()
    access.require(actor, rest.project_id, P.SUPERVISE_RECEPTION)
    if rest.state != RestDayState.PENDING:
        raise TransitionNotAllowed(_("This rest day has already been decided"))
    before = rest.state
    rest.state = RestDayState.APPROVED if approve else RestDayState.REJECTED
    rest.decided_by, rest.decided_at = actor, timezone.now()
    rest.save(update_fields=["state", "decided_by", "decided_at"])
    record_event(
        entity=rest,
        action="rota.rest_decided",
        actor=actor,
        project_id=rest.project_id,
        from_state=before,
        to_state=rest.state,
    )
    return rest


# --- the day's plan (值班安排) ------------------------------------------------------------------
def default_duties(project: Project, day: dt.date, groups: Sequence[SalesGroup]) -> dict[str, str]:
    """Group duties alternating every other day from the project's anchor day (R-ROTA-01)."""
    return {
        key: str(duty)
        for key, duty in alternate_duties(
            [g.code for g in groups],
            day=day,
            anchor_day=_anchor_day(project),
            period_days=rota_settings(project).switch_period_days,
        ).items()
    }


def _clean_time(value: Any, field: str, errors: dict[str, list[Any]]) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(field, []).append(_("Enter a time such as 09:00"))
        return None


def _clean_shifts(
    project: Project, shifts: Sequence[Mapping[str, Any]], errors: dict[str, list[Any]]
) -> list[dict[str, Any]]:
    clean: list[dict[str, Any]] = []
    for shift in shifts:
        start = _clean_time(shift.get("start"), "duty_shifts", errors)
        end = _clean_time(shift.get("end"), "duty_shifts", errors)
        try:
            person = _project_staff(project, [shift.get("staff")], "duty_shifts")[0]
        except ValidationFailed:
            errors.setdefault("duty_shifts", []).append(_("Choose staff of this project"))
            continue
        if start and end:
            clean.append(
                {
                    "staff": person.pk,
                    "start": start.isoformat("minutes"),
                    "end": end.isoformat("minutes"),
                }
            )
    return clean


@transaction.atomic
def plan_day(
    *,
    actor: Staff,
    project_id: Any,
    day: dt.date,
    duties: Mapping[str, str] | None = None,
    duty_shifts: Sequence[Mapping[str, Any]] | None = None,
    open_from: Any = None,
    open_until: Any = None,
    media_open_day: bool = False,
) -> RotaDay:
    """Plan (or re-plan) a day before it opens: group duties (default: alternating, R-ROTA-01),
    the duty managers' shifts, opening hours, media open day (R-ROTA-15). The plan is checked as
    a whole with `make_day_roster`: no duty manager for an open hour, no visit group, a person in
    two groups … are refused with every problem listed (R-ROTA-04); warnings are returned on the
    roster when the day opens."""
    project = floor_project(actor, project_id, P.SUPERVISE_RECEPTION)
    rota_day = RotaDay.objects.select_for_update().filter(project=project, day=day).first()
    if rota_day is not None and rota_day.state != RotaDayState.PLANNED:
        raise TransitionNotAllowed(_("The day has already opened; its plan can no longer change"))
    groups = groups_of(project)
    errors: dict[str, list[Any]] = {}
    start = _clean_time(open_from or DEFAULT_OPEN_FROM, "open_from", errors)
    end = _clean_time(open_until or DEFAULT_OPEN_UNTIL, "open_until", errors)
    shifts = _clean_shifts(project, duty_shifts or [], errors)
    plan = dict(duties) if duties else default_duties(project, day, groups)
    for _key, duty in plan.items():
        if duty not in {d.value for d in DutyType}:
            errors.setdefault("duties", []).append(_("Choose visit or phone duty"))
            break
    if errors:
        raise ValidationFailed(fields=errors)
    rota_day = rota_day or RotaDay(project=project, day=day)
    rota_day.duties, rota_day.duty_shifts = plan, shifts
    rota_day.open_from, rota_day.open_until = start, end
    rota_day.media_open_day, rota_day.planned_by = bool(media_open_day), actor
    check_roster(project, rota_day, groups=groups)
    rota_day.save()
    record_event(
        entity=rota_day,
        action="rota.day_planned",
        actor=actor,
        project_id=project.pk,
        to_state=rota_day.state,
        data={"duties": plan, "duty_shifts": shifts, "media_open_day": rota_day.media_open_day},
    )
    return rota_day


# --- from the stored plan to the domain's roster ----------------------------------------------
def day_roster_inputs(
    project: Project, rota_day: RotaDay, *, groups: Sequence[SalesGroup] | None = None
) -> dict[str, Any]:
    """The inputs of `make_day_roster` for the day as JSON-ready values (frozen into
    `RotaDay.roster` when the day opens). People are staff ids as strings."""
    groups = list(groups) if groups is not None else groups_of(project)
    rests = RestDay.objects.filter(project=project, day=rota_day.day).exclude(
        state=RestDayState.REJECTED
    )
    names: dict[str, str] = {}
    for group in groups:
        for member in group.members.all():
            names[str(member.staff_id)] = member.staff.name
        if group.supervisor_id:
            names[str(group.supervisor_id)] = group.supervisor.name  # type: ignore[union-attr]
    shift_people = {int(s["staff"]) for s in rota_day.duty_shifts}
    for staff in Staff.objects.filter(pk__in=shift_people):
        names[str(staff.pk)] = staff.name
    approvers = sorted(
        {
            str(r.decided_by_id)
            for r in rests
            if r.state == RestDayState.APPROVED and r.decided_by_id
        }
    )
    settings = rota_settings(project)
    return {
        "day": rota_day.day.isoformat(),
        "groups": [
            {"key": g.code, "name": g.name, "members": [str(m.staff_id) for m in g.members.all()]}
            for g in groups
        ],
        "duties": dict(rota_day.duties),
        "rest_days": [
            {
                "person": str(r.staff_id),
                "approved_by": str(r.decided_by_id)
                if r.state == RestDayState.APPROVED and r.decided_by_id
                else None,
            }
            for r in rests
        ],
        "supervisors": [str(g.supervisor_id) for g in groups if g.supervisor_id],
        "managers": approvers,
        "duty_shifts": [
            {"person": str(s["staff"]), "start": s["start"], "end": s["end"]}
            for s in rota_day.duty_shifts
        ],
        "open_from": rota_day.open_from.isoformat("minutes"),
        "open_until": rota_day.open_until.isoformat("minutes"),
        "media_open_day": rota_day.media_open_day,
        "names": names,
        "settings": {
            "appointments_per_day": settings.appointments_per_day,
            "walkins_per_day": settings.walkins_per_day,
            "min_standby": settings.min_standby,
            "switch_period_days": settings.switch_period_days,
        },
    }


def roster_from_inputs(data: Mapping[str, Any]) -> DayRoster:
    """`make_day_roster` over stored inputs (raises `RotationError` listing blocking problems)."""
    return make_day_roster(
        day=dt.date.fromisoformat(data["day"]),
        groups=[DomainGroup(g["key"], g["name"], tuple(g["members"])) for g in data["groups"]],
        duties=data["duties"],
        rest_days=[DomainRestDay(r["person"], r["approved_by"]) for r in data["rest_days"]],
        supervisors=data["supervisors"],
        department_managers=data["managers"],
        duty_shifts=[
            DutyShift(
                s["person"], dt.time.fromisoformat(s["start"]), dt.time.fromisoformat(s["end"])
            )
            for s in data["duty_shifts"]
        ],
        open_from=dt.time.fromisoformat(data["open_from"]),
        open_until=dt.time.fromisoformat(data["open_until"]),
        media_open_day=bool(data["media_open_day"]),
        names=data["names"],
        settings=RotaSettings(**data["settings"]),
    )


def check_roster(
    project: Project, rota_day: RotaDay, *, groups: Sequence[SalesGroup] | None = None
) -> tuple[dict[str, Any], DayRoster]:
    """Build and check the day's roster; blocking problems → ValidationFailed (field `roster`,
    one message per problem, R-ROTA-01/04)."""
    inputs = day_roster_inputs(project, rota_day, groups=groups)
    try:
        return inputs, roster_from_inputs(inputs)
    except RotationError as exc:
        names = inputs["names"]
        messages = [
            p.message + (f"({names.get(p.subject, p.subject)})" if p.subject else "")
            for p in exc.problems
        ] or [exc.message]
        raise ValidationFailed(messages[0], fields={"roster": messages}) from None


def is_media_open_day(project_id: int, day: dt.date) -> bool:
    """Whether the day is planned as a media open day (媒体开放日): clients are in principle not
    received, and the gate posts are warned (R-ROTA-15)."""
    return RotaDay.objects.filter(project_id=project_id, day=day, media_open_day=True).exists()


def floor_staff(project: Project) -> list[Staff]:
    """Active staff of the project who work on the floor (reception.operate), by name."""
    members = Membership.objects.filter(
        project=project, is_active=True, staff__is_active=True
    ).select_related("staff", "role")
    people = {
        m.staff.pk: m.staff for m in members if P.OPERATE_RECEPTION in (m.role.permissions or [])
    }
    return sorted(people.values(), key=lambda s: (s.name_pinyin or s.name, s.pk))


def managers_of(project: Project) -> list[Staff]:
    """Staff who may approve rest days and plan days (reception.supervise in the project)."""
    members = Membership.objects.filter(project=project, is_active=True).select_related(
        "staff", "role"
    )
    return [
        m.staff
        for m in members
        if P.SUPERVISE_RECEPTION in (m.role.permissions or []) and m.staff.is_active
    ]
