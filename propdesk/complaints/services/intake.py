"""Intake (受理, R-COMPLAINT-01..05, 18, 33..44, 53..56, 72..73): every channel, every kind.

`receive` registers the matter truthfully at first contact with a gap-free number, links the
complainant to a resident and unit when known, stores the policy version in force, flags whether
it came in working time (R-GEN-06) and starts the received timers (first response 8 h / 24 h,
reply 48 h / 72 h, SO department opinion, SO one-month auto-upgrade).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import (
    CHANNEL_LABELS,
    EVENT_RECEIVED,
    KIND_LABELS,
    MajorFlag,
    Policy,
    PolicyError,
    level_for,
    route,
    unified_severity,
)
from propdesk.complaints.models import Complaint, PolicyVersion
from propdesk.complaints.services import timers
from propdesk.complaints.services.policies import latest_version, policy_of, project_settings
from propdesk.complaints.workflows import State
from propdesk.core import access, bulk
from propdesk.core import permissions as P
from propdesk.core.domain import is_valid_mobile, normalise_mobile
from propdesk.core.errors import ValidationFailed
from propdesk.core.models import (
    Deadline,
    Department,
    Project,
    Resident,
    Staff,
    TimelineEvent,
    Unit,
)
from propdesk.core.models.tenancy import Salutation
from propdesk.core.services.calendar import calendar_for, calendars_cached
from propdesk.core.services.numbering import next_number, next_numbers
from propdesk.core.services.timeline import new_event, record_event
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


# (field name, primary key) → the related record of the project, or None when it is not one.
Lookup = Callable[[str, int], Any]
RELATED = ("resident_id", "unit_id", "target_department_id", "target_staff_id", "handler_id")


def _related_querysets(project_id: int) -> dict[str, QuerySet[Any]]:
    """Related records must belong to the same project."""
    staff = Staff.objects.filter(
        memberships__project_id=project_id, memberships__is_active=True
    ).distinct()
    return {
        "resident_id": Resident.objects.filter(project_id=project_id),
        "unit_id": Unit.objects.filter(building__project_id=project_id),
        "target_department_id": Department.objects.filter(project_id=project_id),
        "target_staff_id": staff,
        "handler_id": staff,
    }


def _lookup_each(project_id: int) -> Lookup:
    """One query per related record named (a single intake)."""
    querysets = _related_querysets(project_id)
    return lambda name, pk: querysets[name].filter(pk=pk).first()


def _lookup_preloaded(project_id: int, items: Sequence[dict[str, Any]]) -> Lookup:
    """The related records every item of a batch names, read with one query per kind."""
    found: dict[str, dict[int, Any]] = {}
    for name, queryset in _related_querysets(project_id).items():
        pks = {_pk(item.get(name)) for item in items} - {None, -1}
        found[name] = queryset.in_bulk(list(pks)) if pks else {}
    return lambda name, pk: found[name].get(pk)


def validate(
    project_id: int, data: dict[str, Any], now: dt.datetime, lookup: Lookup | None = None
) -> dict[str, Any]:
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
    lookup = lookup or _lookup_each(project_id)
    for name in RELATED:
        pk = _pk(data.get(name))
        if pk is None:
            clean[name] = None
            continue
        obj = lookup(name, pk) if pk != -1 else None
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
    timers just started (its only open ones), so the answer reads no deadline back. On a tie
    the first started wins (the lowest id, as the selectors order)."""
    nearest = min(started, key=lambda d: d.due_at, default=None)
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
    policy = policy_of(version, working_hours=settings.count_working_hours)
    complaint = _build(
        actor=actor,
        project=project,
        clean=clean,
        received_at=now,
        version=version,
        policy=policy,
        handler_for=lambda roles, exclude: designated_handler(
            project=project, roles=roles, receiver=actor, exclude=exclude
        ),
    )
    complaint.number = next_number(project=project, key="complaint", on=timezone.localdate(now))
    complaint.save()
    _received_event(complaint, actor=actor, version=version).save(force_insert=True)
    started = timers.start(complaint, policy, event=EVENT_RECEIVED, at=now, fresh=True)
    _nearest_started(complaint, started)
    return complaint


def _build(
    *,
    actor: Staff,
    project: Project,
    clean: dict[str, Any],
    received_at: dt.datetime,
    version: PolicyVersion,
    policy: Policy,
    handler_for: Callable[[tuple[str, ...], Staff | None], Staff | None],
) -> Complaint:
    """The new, unsaved and unnumbered complaint of checked fields `clean`: its level (given or
    the policy's default, raised by the major criteria, R-COMPLAINT-08), routing and handler
    (`handler_for(roles, person complained about)`, R-COMPLAINT-02/70) and severity.
    ValidationFailed when the policy refuses it."""
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
        received_at=received_at,
        received_by=actor,
        in_working_time=is_working_time(calendar_for(project.pk), received_at),
        read_back_confirmed=clean["read_back_confirmed"],
        steps_checked=clean["steps_checked"],
        handler=clean["handler_id"],
    )
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
        complaint.handler = handler_for(routed.handler_roles, target)
    complaint.level = level if is_complaint else ""
    complaint.severity = unified_severity(
        policy, kind=complaint.kind, level=complaint.level or None, outcome=None
    )
    return complaint


def _received_event(
    complaint: Complaint,
    *,
    actor: Staff,
    version: PolicyVersion,
    extra: dict[str, Any] | None = None,
) -> TimelineEvent:
    return new_event(
        entity=complaint,
        action="complaint.received",
        actor=actor,
        project_id=complaint.project_id,
        to_state=State.RECEIVED,
        note=complaint.subject,
        data={
            "number": complaint.number,
            "kind": complaint.kind,
            "channel": complaint.channel,
            "policy": f"{version.code} v{version.version}",
            "in_working_time": complaint.in_working_time,
            **(extra or {}),
        },
        at=complaint.received_at,
    )


# --- a batch ------------------------------------------------------------------------------------
BATCH_MAX = 100
# How far back a paper register may be entered (补录): the monthly table of the 27th
# (R-COMPLAINT-27 reports) must not change under the manager's feet long after the fact.
BACKFILL_WINDOW = dt.timedelta(days=7)


def _received_time(value: Any, now: dt.datetime) -> dt.datetime:
    """When the customer reached us for a backfilled item (补录): not in the future, not older
    than `BACKFILL_WINDOW`; none → now."""
    if value in (None, ""):
        return now
    if not isinstance(value, dt.datetime):
        raise ValidationFailed(fields={"received_at": [_("Enter a valid date and time")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + dt.timedelta(minutes=5):
        raise ValidationFailed(
            fields={"received_at": [_("The time received cannot be in the future")]}
        )
    if value < now - BACKFILL_WINDOW:
        raise ValidationFailed(
            fields={
                "received_at": [
                    _("A paper register can be entered up to %(n)s days later")
                    % {"n": BACKFILL_WINDOW.days}
                ]
            }
        )
    received: dt.datetime = value
    return received


@transaction.atomic
def receive_many(
    *,
    actor: Staff,
    project_id: Any,
    items: Sequence[dict[str, Any]],
    at: dt.datetime | None = None,
) -> list[Complaint]:
    """受理 of up to `BATCH_MAX` matters at once (R-COMPLAINT-01): a hotline or mini-program
    hand-over, or a paper register entered after an outage (补录, each item's `received_at`:
    when the customer really reached us, so its timers run from then, R-COMPLAINT-18/34/43).

    Every item is checked exactly as a single intake (`receive`); any problem rejects the whole
    batch with the item's fields named `items.<n>.<field>` and nothing is written. Numbers are
    consecutive in the order given (gap-free, R-GEN-03); the records, their timeline events
    and timers are inserted in bulk."""
    now = at or timezone.now()
    project = access.get_project_for(actor, project_id, P.HANDLE_COMPLAINTS)
    if not items:
        raise ValidationFailed(fields={"items": [_("Enter at least one matter")]})
    if len(items) > BATCH_MAX:
        raise ValidationFailed(
            fields={"items": [_("At most %(n)s matters at a time") % {"n": BATCH_MAX}]}
        )
    with calendars_cached():
        settings = project_settings(project)
        version = latest_version(project.company_id, settings.code)
        policy = policy_of(version, working_hours=settings.count_working_hours)
        lookup = _lookup_preloaded(project.pk, items)
        handlers: dict[tuple[tuple[str, ...], int | None], Staff | None] = {}

        def handler_for(roles: tuple[str, ...], exclude: Staff | None) -> Staff | None:
            key = (roles, exclude.pk if exclude else None)
            if key not in handlers:
                handlers[key] = designated_handler(
                    project=project, roles=roles, receiver=actor, exclude=exclude
                )
            return handlers[key]

        errors: dict[str, list[Any]] = {}
        complaints: list[Complaint] = []
        for index, item in enumerate(items):
            data = dict(item)
            problems: dict[str, list[Any]] = {}
            try:
                received_at = _received_time(data.pop("received_at", None), now)
            except ValidationFailed as exc:
                problems = {**exc.fields}
                received_at = now  # the item's other fields are still checked
            try:
                clean = validate(project.pk, data, now, lookup)
                complaint = _build(
                    actor=actor,
                    project=project,
                    clean=clean,
                    received_at=received_at,
                    version=version,
                    policy=policy,
                    handler_for=handler_for,
                )
            except ValidationFailed as exc:
                problems = {**problems, **exc.fields}
            if problems:
                for field, messages in problems.items():
                    errors[f"items.{index}.{field}"] = messages
            else:
                complaints.append(complaint)
        if errors:
            raise ValidationFailed(fields=errors)
        _number_in_order(project, complaints)
        Complaint.objects.bulk_create(complaints)  # sets the ids (PostgreSQL, SQLite ≥ 3.35)
        chooser = timers.escalation_chooser(project.pk, policy)
        events, rows = [], []
        for complaint in complaints:
            backfilled = complaint.received_at < now - dt.timedelta(minutes=5)
            extra = {"entered_at": now.isoformat()} if backfilled else None
            events.append(_received_event(complaint, actor=actor, version=version, extra=extra))
            started = timers.planned(
                complaint,
                policy,
                event=EVENT_RECEIVED,
                at=complaint.received_at,
                escalate_to=chooser,
            )
            _nearest_started(complaint, started)
            rows += started
        bulk.insert_rows(TimelineEvent, events)
        bulk.insert_rows(Deadline, rows)
    return complaints


def _number_in_order(project: Project, complaints: list[Complaint]) -> None:
    """Consecutive numbers in the order given, from the counter of each item's year."""
    by_year: dict[int, list[Complaint]] = {}
    for complaint in complaints:
        by_year.setdefault(timezone.localdate(complaint.received_at).year, []).append(complaint)
    for year, group in sorted(by_year.items()):
        numbers = next_numbers(
            project=project, key="complaint", count=len(group), on=dt.date(year, 1, 1)
        )
        for complaint, number in zip(group, numbers, strict=True):
            complaint.number = number


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
