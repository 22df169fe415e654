"""Intake (受理, R-COMPLAINT-01..05, 18, 33..44, 53..56, 72..73): every channel, every kind.

`receive` registers the matter truthfully at first contact with a gap-free number, links the
complainant to a resident and unit when known, stores the policy version in force, flags whether
it came in working time (R-GEN-06) and starts the received timers (first response 8 h / 24 h,
reply 48 h / 72 h, SO department opinion, SO one-month auto-upgrade).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import (
    CHANNEL_LABELS,
    EVENT_RECEIVED,
    KIND_LABELS,
    MajorFlag,
    PolicyError,
    level_for,
    route,
    unified_severity,
)
from propdesk.complaints.models import Complaint
from propdesk.complaints.services import timers
from propdesk.complaints.services.policies import latest_version, policy_of, project_settings
from propdesk.complaints.workflows import State
from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.domain import is_valid_mobile, normalise_mobile
from propdesk.core.errors import ValidationFailed
from propdesk.core.models import Deadline, Department, Project, Resident, Staff, Unit
from propdesk.core.models.tenancy import Salutation
from propdesk.core.services.calendar import calendar_for, calendars_cached
from propdesk.core.services.numbering import next_number
from propdesk.core.services.timeline import record_event
from propdesk.core.worktime import is_working_time

FIELDS = (
    "kind",
    "channel",
    "complainant_name",
    "salutation",
    "phone",
    "is_owner",
    "resident_id",
    "unit_id",
    "subject",
    "content",
    "expectation",
    "location",
    "occurred_at",
    "people_involved",
    "target_department_id",
    "target_role",
    "target_staff_id",
    "level",
    "major_flags",
    "read_back_confirmed",
    "steps_checked",
    "handler_id",
)
# Channels that bring a written submission (SO 内部投诉 must come in writing, R-COMPLAINT-77).
WRITTEN_CHANNELS = frozenset({"letter", "mailbox", "online"})
LANDLINE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$")
LIMITS = {
    "complainant_name": 50,
    "subject": 200,
    "content": 4000,
    "expectation": 2000,
    "location": 200,
    "people_involved": 200,
    "target_role": 40,
}


def _pk(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def validate(project_id: int, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Checked, normalised intake fields; ValidationFailed with every field's problem."""
    errors: dict[str, list[Any]] = {}
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        errors["__all__"] = [_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}]
    clean: dict[str, Any] = {}
    kind = str(data.get("kind") or "")
    if kind not in {str(k) for k in KIND_LABELS}:
        errors["kind"] = [_("Choose what the customer brought in")]
    clean["kind"] = kind
    channel = str(data.get("channel") or "")
    if channel not in {str(c) for c in CHANNEL_LABELS}:
        errors["channel"] = [_("Choose how it reached us")]
    clean["channel"] = channel
    for name, limit in LIMITS.items():
        text = str(data.get(name) or "").strip()
        if len(text) > limit:
            errors[name] = [_("Enter at most %(n)s characters") % {"n": limit}]
        clean[name] = text
    for name in ("complainant_name", "content"):
        if not clean[name]:
            errors[name] = [_("This field is required.")]
    if not clean["subject"]:
        clean["subject"] = clean["content"][:60]
    salutation = str(data.get("salutation") or "")
    if salutation and salutation not in Salutation.values:
        errors["salutation"] = [_("Choose a salutation")]
    clean["salutation"] = salutation
    phone = normalise_mobile(str(data.get("phone") or ""))
    if phone and not (is_valid_mobile(phone) or LANDLINE.match(phone)):
        errors["phone"] = [_("Enter a mobile number (11 digits) or a landline number")]
    clean["phone"] = phone
    occurred = data.get("occurred_at")
    if occurred not in (None, ""):
        if not isinstance(occurred, dt.datetime):
            errors["occurred_at"] = [_("Enter a valid date and time")]
        else:
            if timezone.is_naive(occurred):
                occurred = timezone.make_aware(occurred)
            if occurred > now + dt.timedelta(minutes=5):
                errors["occurred_at"] = [_("The time of occurrence cannot be in the future")]
    clean["occurred_at"] = occurred or None
    flags = []
    for flag in data.get("major_flags") or []:
        try:
            flags.append(str(MajorFlag(flag)))
        except ValueError:
            errors["major_flags"] = [_("Unknown major criterion: %(f)s") % {"f": flag}]
    clean["major_flags"] = sorted(set(flags))
    steps = data.get("steps_checked") or []
    if not isinstance(steps, list) or not all(isinstance(s, int) and 1 <= s <= 6 for s in steps):
        errors["steps_checked"] = [_("Steps are numbered 1 to 6")]
        steps = []
    clean["steps_checked"] = sorted(set(steps))
    clean["is_owner"] = bool(data.get("is_owner"))
    clean["read_back_confirmed"] = bool(data.get("read_back_confirmed"))
    clean["level"] = str(data.get("level") or "")
    # Related records must belong to the same project.
    related = (
        ("resident_id", Resident.objects.filter(project_id=project_id)),
        ("unit_id", Unit.objects.filter(building__project_id=project_id)),
        ("target_department_id", Department.objects.filter(project_id=project_id)),
        (
            "target_staff_id",
            Staff.objects.filter(memberships__project_id=project_id, memberships__is_active=True),
        ),
        (
            "handler_id",
            Staff.objects.filter(memberships__project_id=project_id, memberships__is_active=True),
        ),
    )
    for name, queryset in related:
        pk = _pk(data.get(name))
        if pk is None:
            clean[name] = None
            continue
        obj = queryset.filter(pk=pk).first()
        if obj is None:
            errors[name] = [_("Not found in this project")]
        clean[name] = obj
    if errors:
        raise ValidationFailed(fields=errors)
    resident = clean["resident_id"]
    if resident is not None:
        clean["is_owner"] = True
        clean["salutation"] = clean["salutation"] or resident.salutation
        clean["phone"] = clean["phone"] or resident.mobile
    return clean


@transaction.atomic
def receive(
    *, actor: Staff, project_id: Any, data: dict[str, Any], at: dt.datetime | None = None
) -> Complaint:
    """受理 (R-COMPLAINT-01): register the matter with its number and start its timers.

    Anyone who may handle complaints in the project may receive one (不得推诿, R-COMPLAINT-02);
    the handler is the one given, else the designated handler of the routed level
    (`designated_handler`, R-COMPLAINT-02/70). The level starts at the one given or the
    policy's default, raised by the major criteria (R-COMPLAINT-08) and by the person complained
    about (SO, R-COMPLAINT-70)."""
    now = at or timezone.now()
    project = access.get_project_for(actor, project_id, P.HANDLE_COMPLAINTS)
    return _register(actor=actor, project=project, data=data, now=now)


def _nearest_started(complaint: Complaint, started: list[Deadline]) -> None:
    """Give the new complaint the `next_due_*` attributes the list selectors annotate, from the
    timers just started (its only open ones), so the answer reads no deadline back."""
    nearest = min(started, key=lambda d: (d.due_at, d.pk), default=None)
    complaint.next_due_at = nearest.due_at if nearest else None
    complaint.next_due_label = nearest.label if nearest else ""
    complaint.next_due_overdue = None


def _register(
    *, actor: Staff, project: Project, data: dict[str, Any], now: dt.datetime
) -> Complaint:
    with calendars_cached():  # the working-time check and the timers read it once
        return _register_once(actor=actor, project=project, data=data, now=now)


def _register_once(
    *, actor: Staff, project: Project, data: dict[str, Any], now: dt.datetime
) -> Complaint:
    clean = validate(project.pk, data, now)
    # The project's policy settings once (not again through `policy_for`).
    settings = project_settings(project)
    version = latest_version(project.company_id, settings.code)
    complaint = Complaint(
        project=project,
        policy=version,
        kind=clean["kind"],
        channel=clean["channel"],
        state=State.RECEIVED,
        complainant_name=clean["complainant_name"],
        salutation=clean["salutation"],
        phone=clean["phone"],
        is_owner=clean["is_owner"],
        resident=clean["resident_id"],
        unit=clean["unit_id"],
        subject=clean["subject"],
        content=clean["content"],
        expectation=clean["expectation"],
        location=clean["location"],
        occurred_at=clean["occurred_at"],
        people_involved=clean["people_involved"],
        target_department=clean["target_department_id"],
        target_role=clean["target_role"],
        target_staff=clean["target_staff_id"],
        major_flags=clean["major_flags"],
        received_at=now,
        received_by=actor,
        in_working_time=is_working_time(calendar_for(project.pk), now),
        read_back_confirmed=clean["read_back_confirmed"],
        steps_checked=clean["steps_checked"],
        handler=clean["handler_id"],
    )
    policy = policy_of(version, working_hours=settings.count_working_hours)
    try:
        level = level_for(policy, chosen=clean["level"] or None, flags=clean["major_flags"])
        routed = route(policy, level=level, target_role=clean["target_role"] or None)
    except PolicyError as exc:
        raise ValidationFailed(fields={"level": [str(exc)]}) from None
    level = routed.level
    errors: dict[str, list[Any]] = {}
    target = clean["target_staff_id"]
    if target is not None and complaint.handler_id == target.pk:
        # Nobody handles a complaint about themselves (R-COMPLAINT-70/77).
        errors["handler_id"] = [_("The person complained about cannot handle the complaint")]
    is_complaint = complaint.kind in ("complaint", "special_service")
    if (
        is_complaint
        and policy.level(level).written_only
        and complaint.channel not in WRITTEN_CHANNELS
    ):
        # SO 内部投诉 is a written submission (R-COMPLAINT-75/77).
        errors["channel"] = [
            _("This level is accepted in writing only (letter, mailbox or online)")
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    if complaint.handler is None:
        complaint.handler = designated_handler(
            project=project, roles=routed.handler_roles, receiver=actor, exclude=target
        )
    complaint.level = level if is_complaint else ""
    complaint.severity = unified_severity(
        policy, kind=complaint.kind, level=complaint.level or None, outcome=None
    )
    complaint.number = next_number(project=project, key="complaint", on=timezone.localdate(now))
    complaint.save()
    record_event(
        entity=complaint,
        action="complaint.received",
        actor=actor,
        project_id=project.pk,
        to_state=State.RECEIVED,
        note=complaint.subject,
        data={
            "number": complaint.number,
            "kind": complaint.kind,
            "channel": complaint.channel,
            "policy": f"{version.code} v{version.version}",
            "in_working_time": complaint.in_working_time,
        },
        at=now,
    )
    started = timers.start(complaint, policy, event=EVENT_RECEIVED, at=now, fresh=True)
    _nearest_started(complaint, started)
    return complaint


@transaction.atomic
def confirm_read_back(
    *, actor: Staff, complaint_id: Any, note: str = "", expected_version: int | None = None
) -> Complaint:
    """R-COMPLAINT-41: the key points were read back to the caller and confirmed."""
    from propdesk.complaints.services.engine import load_for_action

    complaint = load_for_action(actor, complaint_id, expected_version=expected_version)
    complaint.read_back_confirmed = True
    complaint.version += 1
    complaint.save(update_fields=["read_back_confirmed", "version", "updated_at"])
    record_event(
        entity=complaint,
        action="complaint.read_back",
        actor=actor,
        project_id=complaint.project_id,
        note=note,
    )
    return complaint


def designated_handler(
    *, project: Project, roles: tuple[str, ...], receiver: Staff, exclude: Staff | None = None
) -> Staff | None:
    """Who handles a complaint nobody was assigned to (R-COMPLAINT-02/35/39/70): the receiver when
    they hold one of the routed level's handler roles in the project, else the first active
    staff member who does (a front-desk clerk hands over to the 亲情管家; an SO complaint
    against a 售楼员 goes to 销管部), never the person complained about. When nobody holds such a
    role the receiver keeps it (if they are a member of the project and not the one complained
    about)."""
    skip = exclude.pk if exclude is not None else 0
    held = set(access.held(receiver, project.pk).role_codes)  # loaded with the permissions
    if receiver.pk != skip and (held & set(roles) or (held and not roles)):
        return receiver
    if roles:
        chosen = (
            Staff.objects.filter(
                memberships__project=project,
                memberships__is_active=True,
                memberships__role__code__in=roles,
                is_active=True,
            )
            .exclude(pk=skip)
            .order_by("pk")
            .distinct()
            .first()
        )
        if chosen is not None:
            return chosen
    return receiver if held and receiver.pk != skip else None


@transaction.atomic
def receive_forwarded(
    *, actor: Staff, project: Project, data: dict[str, Any], at: dt.datetime | None = None
) -> Complaint:
    """R-COMPLAINT-15: a complaint forwarded by another project of the same company (PCS → LH:
    a sale-contract dispute raised with the property office). The forwarding service has checked
    the actor's right on the source complaint; the actor need not work in `project`. The new
    complaint goes to the project's designated handler."""
    return _register(actor=actor, project=project, data=data, now=at or timezone.now())
