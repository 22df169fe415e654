"""Complaint workflow actions (SPEC §11.3–11.8): one service per action of
`propdesk.complaints.workflows.Action`, named for it (STYLE §3 "one verb everywhere").

Every service runs in one transaction: it locks the complaint (`engine.load_for_action`, with the
caller's `expected_version` when the form carried one), validates its input (field errors in
Chinese, nothing changed), asks the workflow table through `engine.apply`, then updates timers
(`timers`), notifies and logs. An illegal action raises `TransitionNotAllowed` / `Forbidden` /
`GuardFailed` before anything is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import (
    ARCHIVE_TARGET_LABELS,
    EVENT_ACCEPTED,
    EVENT_CLASSIFIED,
    EVENT_DEADLINE_PROMISED,
    EVENT_DEPARTMENT_UNABLE,
    EVENT_FORWARDED_TO_DEVELOPER,
    EVENT_HANDLED,
    EVENT_LEGACY_FLAGGED,
    EVENT_REOPENED,
    OUTCOME_DECLINED,
    OUTCOME_EXPLAINED,
    SEVERITY_GENERAL,
    MajorFlag,
    Policy,
    PolicyError,
    RevisitMethod,
    Slot,
    level_for,
    level_warnings,
    promise_frozen,
    route,
    unified_severity,
)
from propdesk.complaints.models import (
    DRAFT_SHEET_STATES,
    OPEN_SHEET_STATES,
    Complaint,
    ContactSheet,
    CostEntry,
    Revisit,
    Satisfaction,
    SheetState,
)
from propdesk.complaints.services import engine, intake, timers
from propdesk.complaints.services.engine import Inputs, policy_for
from propdesk.complaints.services.intake import WRITTEN_CHANNELS
from propdesk.complaints.workflows import TERMINAL_STATES, Action, State
from propdesk.core.errors import (
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
    field_error,
)
from propdesk.core.models import Department, Project, Staff
from propdesk.core.models.notifications import Channel
from propdesk.core.services import notifications
from propdesk.core.services.numbering import next_number
from propdesk.core.services.timeline import record_event

Errors = dict[str, list[Any]]
NOTICE = (Channel.IN_APP, Channel.EMAIL)


# --- input helpers ------------------------------------------------------------------------
def _text(errors: Errors, value: Any, name: str, *, required: bool, limit: int = 2000) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.setdefault(name, []).append(_("This field is required."))
    elif len(text) > limit:
        errors.setdefault(name, []).append(_("Enter at most %(n)s characters") % {"n": limit})
    return text


def _future(errors: Errors, value: Any, name: str, *, now: dt.datetime) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime):
        errors.setdefault(name, []).append(_("Enter a valid date and time"))
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= now:
        errors.setdefault(name, []).append(_("The deadline must be in the future"))
    return value


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationFailed(fields=errors)


def _project_staff(project_id: int, staff_id: Any, name: str, errors: Errors) -> Staff | None:
    if staff_id in (None, ""):
        return None
    staff = Staff.objects.filter(
        pk=staff_id if str(staff_id).isdigit() else 0,
        memberships__project_id=project_id,
        memberships__is_active=True,
        is_active=True,
    ).first()
    if staff is None:
        errors.setdefault(name, []).append(_("Choose a staff member of this project"))
    return staff


def _department(
    project_id: int, department_id: Any, name: str, errors: Errors
) -> Department | None:
    if department_id in (None, ""):
        return None
    department = Department.objects.filter(
        pk=department_id if str(department_id).isdigit() else 0,
        project_id=project_id,
        is_active=True,
    ).first()
    if department is None:
        errors.setdefault(name, []).append(_("Choose a department of this project"))
    return department


def _notify_staff(
    recipients: list[Staff], complaint: Complaint, event: str, subject: str, key: str
) -> None:
    for person in {p.pk: p for p in recipients if p is not None}.values():
        notifications.notify(
            recipient=person,
            event=event,
            subject=subject,
            body=complaint.subject,
            url=f"/complaints/{complaint.pk}/",
            project=complaint.project,
            dedupe_key=f"complaint:{complaint.pk}:{key}:{person.pk}",
            channels=NOTICE,
            data={"complaint": complaint.pk, "number": complaint.number},
        )


def _department_heads(project_id: int, department: Department) -> list[Staff]:
    return list(
        Staff.objects.filter(
            memberships__project_id=project_id,
            memberships__department=department,
            memberships__is_active=True,
            is_active=True,
        ).distinct()
    )


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


# --- classification and levels ------------------------------------------------------------
def _flags(errors: Errors, value: Any) -> list[str]:
    flags = []
    for flag in value or []:
        try:
            flags.append(str(MajorFlag(flag)))
        except ValueError:
            errors.setdefault("major_flags", []).append(
                _("Unknown major criterion: %(f)s") % {"f": flag}
            )
    return sorted(set(flags))


@transaction.atomic
def classify(
    *,
    actor: Staff,
    complaint_id: Any,
    level: str = "",
    major_flags: list[str] | None = None,
    handler_id: Any = None,
    department_id: Any = None,
    legacy_issue: bool = False,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """定性 (R-COMPLAINT-13/57/58/75): set the level — raised to the policy's major level when a
    major criterion of R-COMPLAINT-08 applies — the handler and the responsible department; starts
    the classified timers (transfer 20 min, major report 24 h and the escalation chain)."""
    now = _now(at)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    errors: Errors = {}
    flags = _flags(errors, major_flags if major_flags is not None else complaint.major_flags)
    handler = _project_staff(complaint.project_id, handler_id, "handler", errors)
    department = _department(complaint.project_id, department_id, "department", errors)
    try:
        chosen = level_for(policy, chosen=level or None, flags=flags)
    except PolicyError as exc:
        errors.setdefault("level", []).append(str(exc))
        chosen = ""
    else:
        if policy.level(chosen).written_only and complaint.channel not in WRITTEN_CHANNELS:
            errors.setdefault("level", []).append(
                _("This level is accepted in writing only (letter, mailbox or online)")
            )
    _raise(errors)
    intake_level = complaint.level
    complaint.level = chosen
    complaint.major_flags = flags
    complaint.severity = unified_severity(policy, kind=complaint.kind, level=chosen, outcome=None)
    complaint.handler = handler or complaint.handler or actor
    complaint.department = department or complaint.department
    complaint.legacy_issue = bool(legacy_issue) or complaint.legacy_issue
    warnings = level_warnings(policy, level=chosen, department_count=1 if department else 0)
    engine.apply(
        actor,
        complaint,
        Action.CLASSIFY,
        policy=policy,
        note=note,
        data={"level": chosen, "major_flags": flags, "warnings": warnings},
        at=now,
    )
    if intake_level and intake_level != chosen:
        timers.restart_for_level(complaint, policy, at=now)
    timers.start(complaint, policy, event=EVENT_CLASSIFIED, at=now)
    if complaint.legacy_issue:
        timers.start(complaint, policy, event=EVENT_LEGACY_FLAGGED, at=now)
    if complaint.handler_id != actor.pk:
        _notify_staff(
            [complaint.handler],
            complaint,
            "complaint.assigned",
            _("Complaint assigned to you"),
            "handler",
        )
    if policy.level(chosen).is_major:
        leaders = [
            engine.staff_in_slot(complaint.project_id, policy, slot)
            for slot in (Slot.SUPERVISOR, Slot.MANAGER)
        ]
        _notify_staff(
            [p for p in leaders if p], complaint, "complaint.major", _("Major complaint"), "major"
        )
    return complaint


@transaction.atomic
def upgrade(
    *,
    actor: Staff | None,
    complaint_id: Any = None,
    complaint: Complaint | None = None,
    level: str,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    system: bool = False,
) -> Complaint:
    """升级 (SPEC §11.3): raise the level at any time; the new level's timers restart."""
    now = _now(at)
    if complaint is None:
        if actor is None:
            raise NotFound()
        complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    errors: Errors = {}
    reason = _text(errors, reason, "reason", required=True)
    try:
        new = policy.level(level)
    except PolicyError as exc:
        errors.setdefault("level", []).append(str(exc))
        new = None
    current = engine.level_def(policy, complaint)
    if new is not None and new.severity <= current.severity:
        errors.setdefault("level", []).append(_("Choose a higher level"))
    _raise(errors)
    if new is None:  # pragma: no cover - _raise has raised
        raise ValidationFailed(fields=errors)
    before = complaint.level
    complaint.level = new.code
    complaint.severity = unified_severity(policy, kind=complaint.kind, level=new.code, outcome=None)
    # The new level's handler takes over unless the current one may handle it (R-COMPLAINT-70/76:
    # SO 重大 is re-routed to the deputy GM).
    previous_handler = complaint.handler
    routed = route(policy, level=new.code, target_role=complaint.target_role or None)
    if previous_handler is not None:
        complaint.handler = (
            intake.designated_handler(
                project=complaint.project,
                roles=routed.handler_roles,
                receiver=previous_handler,
                exclude=complaint.target_staff,
            )
            or previous_handler
        )
    data: dict[str, Any] = {"from": before, "to": new.code}
    if complaint.handler != previous_handler and complaint.handler is not None:
        data["handler"] = complaint.handler.pk
    engine.apply(
        actor,
        complaint,
        Action.UPGRADE,
        policy=policy,
        note=reason,
        data=data,
        at=now,
        system=system,
    )
    timers.restart_on_upgrade(complaint, policy, at=now)
    if "handler" in data and complaint.handler is not None:
        _notify_staff(
            [complaint.handler],
            complaint,
            "complaint.assigned",
            _("Complaint assigned to you"),
            f"handler{complaint.version}",
        )
    return complaint


def auto_upgrade(complaint: Complaint, *, at: dt.datetime) -> bool:
    """R-COMPLAINT-76 (SO): called by the sweep under the row lock. False when the complaint is
    already at or above the major level."""
    policy = policy_for(complaint)
    major = policy.level(policy.major_level)
    severity = engine.level_def(policy, complaint).severity
    if not SEVERITY_GENERAL <= severity < major.severity:  # major already, internal or invalid
        return False
    if "unresolved_month" not in complaint.major_flags:
        complaint.major_flags = sorted({*complaint.major_flags, "unresolved_month"})
    upgrade(
        actor=None,
        complaint=complaint,
        level=major.code,
        reason="有效投诉在一个月内得不到合理解决，自动升级为重大投诉",
        at=at,
        system=True,
    )
    return True


# --- simple state changes -----------------------------------------------------------------
def _simple(
    action: Action,
    *,
    actor: Staff,
    complaint_id: Any,
    note: str = "",
    reason: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Complaint:
    now = _now(at)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    if reason:
        complaint.outcome_reason = reason.strip()
    outcome = {Action.EXPLAIN: OUTCOME_EXPLAINED, Action.DECLINE: OUTCOME_DECLINED}.get(action)
    if outcome is not None:
        complaint.severity = unified_severity(
            policy, kind=complaint.kind, level=complaint.level or None, outcome=outcome
        )
    engine.apply(
        actor,
        complaint,
        action,
        policy=policy,
        inputs=Inputs(reason=reason or ""),
        note=(reason or note).strip(),
        data=data,
        at=now,
    )
    timers.meet_for_action(complaint, action, at=now)
    if State(complaint.state) in TERMINAL_STATES:
        timers.stop_all(complaint)
    return complaint


@transaction.atomic
def verify(*, actor: Staff, complaint_id: Any, note: str = "", **kw: Any) -> Complaint:
    """核实 (R-COMPLAINT-19; praise R-COMPLAINT-32): facts and reasonableness checked."""
    return _simple(Action.VERIFY, actor=actor, complaint_id=complaint_id, note=note, **kw)


@transaction.atomic
def explain(*, actor: Staff, complaint_id: Any, reason: str, **kw: Any) -> Complaint:
    """已解释 (R-COMPLAINT-42/59): not the company's responsibility or invalid; reason required."""
    return _simple(Action.EXPLAIN, actor=actor, complaint_id=complaint_id, reason=reason, **kw)


@transaction.atomic
def decline(*, actor: Staff, complaint_id: Any, reason: str, **kw: Any) -> Complaint:
    """委婉拒绝 (R-COMPLAINT-19): no factual or legal basis; the reason is mandatory."""
    return _simple(Action.DECLINE, actor=actor, complaint_id=complaint_id, reason=reason, **kw)


@transaction.atomic
def answer_on_spot(*, actor: Staff, complaint_id: Any, result: str, **kw: Any) -> Complaint:
    """当场答复 (R-COMPLAINT-42/72): solved during the first contact."""
    errors: Errors = {}
    result = _text(errors, result, "result", required=True)
    _raise(errors)
    with transaction.atomic():
        complaint = _simple(
            Action.ANSWER_ON_SPOT, actor=actor, complaint_id=complaint_id, note=result, **kw
        )
        complaint.result = result
        complaint.save(update_fields=["result"])
        timers.start(complaint, policy_for(complaint), event=EVENT_HANDLED, at=_now(kw.get("at")))
    return complaint


@transaction.atomic
def review(*, actor: Staff, complaint_id: Any, note: str = "", **kw: Any) -> Complaint:
    """审阅 (R-COMPLAINT-49): the manager reviews the signed handling document."""
    return _simple(Action.REVIEW, actor=actor, complaint_id=complaint_id, note=note, **kw)


@transaction.atomic
def close(*, actor: Staff, complaint_id: Any, note: str = "", **kw: Any) -> Complaint:
    """结案 (R-COMPLAINT-09/16/49/74/78): only with the policy's closure evidence."""
    return _simple(Action.CLOSE, actor=actor, complaint_id=complaint_id, note=note, **kw)


@transaction.atomic
def archive(
    *,
    actor: Staff,
    complaint_id: Any,
    archive_target: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """归档 (R-COMPLAINT-11): into the policy's archive (业主档案 / 一户一档 / CS archive)."""
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    target = archive_target or str(policy.archive_target)
    if target not in {str(k) for k in ARCHIVE_TARGET_LABELS}:
        raise field_error("archive_target", _("Choose where the records are filed"))
    complaint.archive_target = target
    engine.apply(
        actor,
        complaint,
        Action.ARCHIVE,
        policy=policy,
        inputs=Inputs(archive_target=target),
        data={"archive_target": target},
        at=at,
    )
    return complaint


# --- contact sheets and departments -------------------------------------------------------
def _sheet_fields(
    complaint: Complaint, data: dict[str, Any], now: dt.datetime
) -> tuple[Department, str, str, dt.datetime | None]:
    errors: Errors = {}
    department = _department(
        complaint.project_id, data.get("department_id"), "department_id", errors
    )
    if department is None and "department_id" not in errors:
        errors["department_id"] = [_("This field is required.")]
    content = _text(errors, data.get("content") or complaint.content, "content", required=True)
    requirement = _text(errors, data.get("requirement"), "requirement", required=False)
    deadline = _future(errors, data.get("deadline"), "deadline", now=now)
    if department is None:
        errors.setdefault("department_id", [_("This field is required.")])
    elif complaint.sheets.filter(
        department=department, state__in=[*DRAFT_SHEET_STATES, *OPEN_SHEET_STATES]
    ).exists():
        # One running sheet per department: a second clerk's transfer does not duplicate it.
        errors.setdefault("department_id", []).append(
            _("This department already has an open contact sheet for this complaint")
        )
    _raise(errors)
    return department, content, requirement, deadline  # type: ignore[return-value]


@transaction.atomic
def draft_contact_sheet(
    *,
    actor: Staff,
    complaint_id: Any,
    data: dict[str, Any],
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> ContactSheet:
    """A work contact sheet awaiting the approver (LH: 营销策划部经理审核, R-COMPLAINT-20)."""
    now = _now(at)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    slots = engine.slots_of(actor, complaint, policy)
    if not slots & {Slot.HANDLER, Slot.SUPERVISOR, Slot.MANAGER}:
        raise Forbidden()
    if State(complaint.state) not in (
        State.VERIFIED,
        State.ASSIGNED,
        State.IN_PROGRESS,
        State.REOPENED,
    ):
        raise TransitionNotAllowed(_("A contact sheet can be drafted after verification"))
    department, content, requirement, deadline = _sheet_fields(complaint, data, now)
    needs_approval = policy.contact_sheet_approval is not None
    sheet = ContactSheet.objects.create(
        complaint=complaint,
        project_id=complaint.project_id,
        number=next_number(project=complaint.project, key="contact_sheet", on=now.date()),
        department=department,
        content=content,
        requirement=requirement,
        deadline=deadline,
        state=SheetState.PENDING_APPROVAL if needs_approval else SheetState.APPROVED,
        requested_by=actor,
    )
    record_event(
        entity=complaint,
        action="complaint.sheet_drafted",
        actor=actor,
        project_id=complaint.project_id,
        note=f"{sheet.number} → {department.name}",
        data={"sheet": sheet.pk},
        at=now,
    )
    if needs_approval:
        approver = engine.staff_in_slot(complaint.project_id, policy, policy.contact_sheet_approval)
        if approver is not None:
            _notify_staff(
                [approver],
                complaint,
                "complaint.sheet_to_approve",
                _("Work contact sheet awaits your approval"),
                f"sheet{sheet.pk}",
            )
    return sheet


@transaction.atomic
def approve_contact_sheet(
    *, actor: Staff, sheet_id: Any, at: dt.datetime | None = None
) -> ContactSheet:
    """审核 (R-COMPLAINT-20): the policy's approver releases the sheet for issue."""
    sheet = (
        ContactSheet.objects.select_related("complaint")
        .filter(pk=sheet_id if str(sheet_id).isdigit() else 0)
        .first()
    )
    if sheet is None:
        raise NotFound()
    complaint = engine.load_for_action(actor, sheet.complaint_id)
    policy = policy_for(complaint)
    approver_slot = policy.contact_sheet_approval
    if approver_slot is None or approver_slot not in engine.slots_of(actor, complaint, policy):
        raise Forbidden(_("Only the policy's approver may approve contact sheets"))
    sheet = ContactSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.state != SheetState.PENDING_APPROVAL:
        raise TransitionNotAllowed(_("This contact sheet is not awaiting approval"))
    sheet.state = SheetState.APPROVED
    sheet.approved_by = actor
    sheet.approved_at = _now(at)
    sheet.save(update_fields=["state", "approved_by", "approved_at"])
    record_event(
        entity=complaint,
        action="complaint.sheet_approved",
        actor=actor,
        project_id=complaint.project_id,
        note=sheet.number,
        data={"sheet": sheet.pk},
        at=sheet.approved_at,
    )
    return sheet


@transaction.atomic
def transfer(
    *,
    actor: Staff,
    complaint_id: Any,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """移交 (R-COMPLAINT-20/43): issue the work contact sheet(s) to the responsible department.
    Without an approval step the sheet is drafted and issued at once from `data`; with one,
    every approved sheet is issued."""
    now = _now(at)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    if policy.contact_sheet_approval is None and data:
        department, content, requirement, deadline = _sheet_fields(complaint, data, now)
        ContactSheet.objects.create(
            complaint=complaint,
            project_id=complaint.project_id,
            number=next_number(project=complaint.project, key="contact_sheet", on=now.date()),
            department=department,
            content=content,
            requirement=requirement,
            deadline=deadline,
            state=SheetState.APPROVED,
            requested_by=actor,
        )
    ready = list(complaint.sheets.select_for_update().filter(state=SheetState.APPROVED))
    if not ready and policy.contact_sheet_approval is None:
        # No sheet, no transfer (R-COMPLAINT-20/43): the department must be named. (With an
        # approval step the workflow guard says the sheet must be approved first.)
        raise field_error("department_id", _("This field is required."))
    engine.apply(
        actor,
        complaint,
        Action.TRANSFER,
        policy=policy,
        note=", ".join(f"{s.number}" for s in ready),
        data={"sheets": [s.pk for s in ready]},
        at=now,
    )
    for sheet in ready:
        sheet.state = SheetState.ISSUED
        sheet.issued_at = now
        sheet.save(update_fields=["state", "issued_at"])
        complaint.department_id = complaint.department_id or sheet.department_id
        _notify_staff(
            _department_heads(complaint.project_id, sheet.department),
            complaint,
            "complaint.sheet_issued",
            _("Work contact sheet for your department"),
            f"sheet{sheet.pk}",
        )
    complaint.save(update_fields=["department"])
    timers.start(complaint, policy, event="transferred", at=now)
    timers.meet_for_action(complaint, Action.TRANSFER, at=now)
    timers.schedule_chase(complaint, policy, last_at=now)
    return complaint


def _open_sheet_of(actor: Staff, complaint: Complaint, sheet_id: Any) -> ContactSheet | None:
    sheets = complaint.sheets.select_for_update().filter(
        state__in=[SheetState.ISSUED, SheetState.ACCEPTED]
    )
    if sheet_id not in (None, ""):
        return sheets.filter(pk=sheet_id if str(sheet_id).isdigit() else 0).first()
    depts = engine.department_ids(actor, complaint.project_id)
    return sheets.filter(department_id__in=depts).first() or sheets.first()


@transaction.atomic
def accept(
    *,
    actor: Staff,
    complaint_id: Any,
    rectification_deadline: dt.datetime | None,
    sheet_id: Any = None,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """接收 (R-COMPLAINT-44): the department accepts the sheet with a completion deadline; after
    a dissatisfied revisit, the rectification is accepted the same way (R-COMPLAINT-10)."""
    now = _now(at)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    errors: Errors = {}
    deadline = _future(errors, rectification_deadline, "rectification_deadline", now=now)
    _raise(errors)
    sheet = _open_sheet_of(actor, complaint, sheet_id)
    engine.apply(
        actor,
        complaint,
        Action.ACCEPT,
        policy=policy,
        inputs=Inputs(rectification_deadline=deadline),
        note=note,
        data={"sheet": sheet.pk if sheet else None},
        at=now,
    )
    if sheet is not None and sheet.state == SheetState.ISSUED:
        sheet.state = SheetState.ACCEPTED
        sheet.accepted_by = actor
        sheet.accepted_at = now
        sheet.deadline = deadline
        sheet.save(update_fields=["state", "accepted_by", "accepted_at", "deadline"])
    complaint.rectification_deadline = deadline
    complaint.save(update_fields=["rectification_deadline"])
    timers.start(complaint, policy, event=EVENT_ACCEPTED, at=now, agreed_deadline=deadline)
    return complaint


@transaction.atomic
def feedback(
    *,
    actor: Staff,
    complaint_id: Any,
    result: str,
    sheet_id: Any = None,
    unable: bool = False,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """反馈 (R-COMPLAINT-21/45/47): the department reports its result on its sheet; `unable`
    reports that it cannot solve it (the supervisor or manager is told the same day). In
    `forwarded`, the other side's proposal brings the complaint back to handling."""
    now = _now(at)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    errors: Errors = {}
    result = _text(errors, result, "result", required=True)
    _raise(errors)
    sheet = _open_sheet_of(actor, complaint, sheet_id)
    if sheet is not None:
        sheet.state = SheetState.ANSWERED
        sheet.feedback = result
        sheet.fed_back_by = actor
        sheet.fed_back_at = now
        sheet.save(update_fields=["state", "feedback", "fed_back_by", "fed_back_at"])
    engine.apply(
        actor,
        complaint,
        Action.FEEDBACK,
        policy=policy,
        note=result,
        data={"sheet": sheet.pk if sheet else None, "unable": bool(unable)},
        at=now,
    )
    timers.meet_for_action(complaint, Action.FEEDBACK, at=now)
    if unable:
        timers.start(complaint, policy, event=EVENT_DEPARTMENT_UNABLE, at=now)
    if complaint.handler is not None and complaint.handler_id != actor.pk:
        _notify_staff(
            [complaint.handler],
            complaint,
            "complaint.fed_back",
            _("The department reported its result"),
            f"fb{sheet.pk if sheet else 0}",
        )
    return complaint


@transaction.atomic
def reply(
    *,
    actor: Staff,
    complaint_id: Any,
    result: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """答复 (R-COMPLAINT-18/21/23/74): answer the customer once every department has reported
    and any reply letter is issued; starts the revisit window (R-COMPLAINT-50)."""
    now = _now(at)
    errors: Errors = {}
    result = _text(errors, result, "result", required=True)
    _raise(errors)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    complaint.result = result
    engine.apply(actor, complaint, Action.REPLY, policy=policy, note=result, at=now)
    timers.meet_for_action(complaint, Action.REPLY, at=now)
    timers.meet(complaint, [timers.CHASE_KEY], at=now)
    timers.start(complaint, policy, event=EVENT_HANDLED, at=now)
    return complaint


@transaction.atomic
def revisit(
    *,
    actor: Staff,
    complaint_id: Any,
    method: str,
    satisfaction: str,
    comments: str = "",
    customer_signed: bool = False,
    customer_affirmed: bool = False,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Revisit:
    """回访 (R-COMPLAINT-09/50/64/67): method, satisfaction and comments; the customer's signed
    opinion (PCS) and affirmation (SO) are recorded with it."""
    now = _now(at)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    errors: Errors = {}
    if method not in {str(m) for m in RevisitMethod}:
        errors["method"] = [_("Choose how the customer was revisited")]
    elif (
        complaint.level
        and engine.level_def(policy, complaint).revisit_method == RevisitMethod.HOME_VISIT
        and method != RevisitMethod.HOME_VISIT
    ):
        # CM 重大投诉必须上门回访 (R-COMPLAINT-64); other levels may use any method.
        errors["method"] = [_("At this level the customer must be revisited at home")]
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("Choose the customer's satisfaction")]
    comments = _text(errors, comments, "comments", required=False)
    _raise(errors)
    record = Revisit.objects.create(
        complaint=complaint,
        method=method,
        at=now,
        by=actor,
        satisfaction=satisfaction,
        comments=comments,
    )
    satisfied = record.satisfied
    complaint.customer_signed = complaint.customer_signed or (bool(customer_signed) and satisfied)
    complaint.customer_affirmed = complaint.customer_affirmed or (
        bool(customer_affirmed) and satisfied
    )
    engine.apply(
        actor,
        complaint,
        Action.REVISIT,
        policy=policy,
        note=comments,
        data={"method": method, "satisfaction": satisfaction, "revisit": record.pk},
        at=now,
    )
    timers.meet_for_action(complaint, Action.REVISIT, at=now)
    return record


@transaction.atomic
def reopen(
    *,
    actor: Staff,
    complaint_id: Any,
    rectification_deadline: dt.datetime | None,
    handler_id: Any = None,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """限期整改 (R-COMPLAINT-10/67): after a dissatisfied revisit, a person rectifies by a
    deadline until the customer is satisfied."""
    now = _now(at)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    errors: Errors = {}
    deadline = _future(errors, rectification_deadline, "rectification_deadline", now=now)
    handler = _project_staff(complaint.project_id, handler_id, "handler", errors)
    _raise(errors)
    complaint.rectification_deadline = deadline
    if handler is not None:
        complaint.handler = handler
    complaint.customer_signed = False
    complaint.customer_affirmed = False
    engine.apply(
        actor,
        complaint,
        Action.REOPEN,
        policy=policy,
        inputs=Inputs(rectification_deadline=deadline),
        note=note,
        data={"rectification_deadline": deadline.isoformat() if deadline else None},
        at=now,
    )
    timers.start(complaint, policy, event=EVENT_REOPENED, at=now, agreed_deadline=deadline)
    timers.schedule_chase(complaint, policy, last_at=now)
    return complaint


# --- forwarding and praise ----------------------------------------------------------------
@transaction.atomic
def forward(
    *,
    actor: Staff,
    complaint_id: Any,
    to: str,
    target_project_id: Any = None,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """转出 (R-COMPLAINT-15/47): to the developer's customer service (地产客服: a proposal is due
    within a week) or to another project's policy (PCS → LH) as a linked complaint there."""
    now = _now(at)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    errors: Errors = {}
    to = _text(errors, to, "to", required=True, limit=100)
    target = None
    if target_project_id not in (None, ""):
        # Another active project of the same company (PCS → LH: the sales centre's 龙湖会). The
        # forwarder needs no membership there: the property office passes the matter on.
        target = (
            Project.objects.filter(
                pk=target_project_id if str(target_project_id).isdigit() else 0,
                company_id=complaint.project.company_id,
                is_active=True,
            )
            .exclude(pk=complaint.project_id)
            .first()
        )
        if target is None:
            errors["target_project_id"] = [_("Choose another project of the company")]
    _raise(errors)
    linked = None
    if target is not None:
        linked = intake.receive_forwarded(
            actor=actor,
            project=target,
            data={
                "kind": complaint.kind,
                "channel": "company_forwarded",
                "complainant_name": complaint.complainant_name,
                "salutation": complaint.salutation,
                "phone": complaint.phone,
                "is_owner": complaint.is_owner,
                "subject": complaint.subject,
                "content": complaint.content,
                "expectation": complaint.expectation,
                "location": complaint.location,
                "major_flags": complaint.major_flags,
                "read_back_confirmed": True,
            },
            at=now,
        )
        linked.linked = complaint
        linked.save(update_fields=["linked"])
        complaint.linked = linked
    complaint.forwarded_to = to
    engine.apply(
        actor,
        complaint,
        Action.FORWARD,
        policy=policy,
        note=note or to,
        data={"to": to, "linked": linked.pk if linked else None},
        at=now,
    )
    if linked is None:
        timers.start(complaint, policy, event=EVENT_FORWARDED_TO_DEVELOPER, at=now)
    timers.schedule_chase(complaint, policy, last_at=now)
    return complaint


@transaction.atomic
def report_praise(*, actor: Staff, complaint_id: Any, note: str = "", **kw: Any) -> Complaint:
    """R-COMPLAINT-32: verified praise is reported to the leaders."""
    complaint = _simple(
        Action.REPORT_PRAISE, actor=actor, complaint_id=complaint_id, note=note, **kw
    )
    policy = policy_for(complaint)
    leaders = [
        engine.staff_in_slot(complaint.project_id, policy, s)
        for s in (Slot.MANAGER, Slot.EXECUTIVE)
    ]
    _notify_staff(
        [p for p in leaders if p], complaint, "complaint.praise", _("Praise reported"), "praise"
    )
    return complaint


@transaction.atomic
def commend(*, actor: Staff, complaint_id: Any, note: str = "", **kw: Any) -> Complaint:
    """R-COMPLAINT-32: the praised staff are commended."""
    return _simple(Action.COMMEND, actor=actor, complaint_id=complaint_id, note=note, **kw)


# --- logged actions -----------------------------------------------------------------------
@transaction.atomic
def chase(
    *, actor: Staff, complaint_id: Any, note: str, at: dt.datetime | None = None, **kw: Any
) -> Complaint:
    """催问 (R-COMPLAINT-21/48): logged; the next chase is scheduled by the level's frequency."""
    now = _now(at)
    errors: Errors = {}
    note = _text(errors, note, "note", required=True)
    _raise(errors)
    complaint = _simple(
        Action.CHASE, actor=actor, complaint_id=complaint_id, note=note, at=now, **kw
    )
    timers.meet(complaint, [timers.CHASE_KEY], at=now)
    timers.schedule_chase(complaint, policy_for(complaint), last_at=now)
    return complaint


@transaction.atomic
def contact(*, actor: Staff, complaint_id: Any, note: str, **kw: Any) -> Complaint:
    """R-COMPLAINT-07: each contact with the complainant is logged."""
    errors: Errors = {}
    note = _text(errors, note, "note", required=True)
    _raise(errors)
    return _simple(Action.CONTACT, actor=actor, complaint_id=complaint_id, note=note, **kw)


# Reports beyond the policy's escalation chain go on up this ladder (SPEC §11.3 overlay:
# 主管 → 经理 → 总经理/副总 → 董事长).
ESCALATION_LADDER = (Slot.SUPERVISOR, Slot.MANAGER, Slot.EXECUTIVE, Slot.CHAIRMAN)


def _leader_for_report(
    complaint: Complaint, policy: Policy, report: int, *, exclude: int
) -> Staff | None:
    """Who the `report`-th report up the chain goes to: the hop of the policy's escalation chain
    (LH: 主管 → 营销策划部经理 → 副总经理/总经理, R-COMPLAINT-27/90b; PCS: 物业客服经理), then the
    rungs of `ESCALATION_LADDER` above the chain's last slot."""
    chain = policy.escalation_chain
    if report <= len(chain):
        hop = chain[report - 1]
        if hop.slot is not None:
            return engine.staff_in_slot(complaint.project_id, policy, hop.slot, exclude=exclude)
        return (
            Staff.objects.filter(
                memberships__project_id=complaint.project_id,
                memberships__is_active=True,
                memberships__role__code=hop.role,
                is_active=True,
            )
            .exclude(pk=exclude)
            .order_by("pk")
            .first()
        )
    ladder = list(ESCALATION_LADDER)
    last = next((h.slot for h in reversed(chain) if h.slot in ladder), None)
    above = ladder[ladder.index(last) + 1 :] if last is not None else ladder
    step = report - len(chain)
    if not above:
        return None
    slot = above[min(step, len(above)) - 1]
    return engine.staff_in_slot(complaint.project_id, policy, slot, exclude=exclude)


@transaction.atomic
def escalate(
    *, actor: Staff, complaint_id: Any, note: str, at: dt.datetime | None = None, **kw: Any
) -> Complaint:
    """上报 (R-COMPLAINT-27/29/45/90b): report up the chain; answers the report timer and the
    next hop of the escalation chain, and tells the next leader."""
    now = _now(at)
    errors: Errors = {}
    note = _text(errors, note, "note", required=True)
    _raise(errors)
    complaint = _simple(
        Action.ESCALATE, actor=actor, complaint_id=complaint_id, note=note, at=now, **kw
    )
    complaint.escalation_level += 1
    complaint.save(update_fields=["escalation_level"])
    timers.meet_report(complaint, at=now)
    policy = policy_for(complaint)
    leader = _leader_for_report(complaint, policy, complaint.escalation_level, exclude=actor.pk)
    if leader is not None:
        _notify_staff(
            [leader],
            complaint,
            "complaint.escalated",
            _("Complaint reported to you"),
            f"esc{complaint.escalation_level}",
        )
    return complaint


@transaction.atomic
def record_promise(
    *,
    actor: Staff,
    complaint_id: Any,
    promise: str,
    deadline: dt.datetime | None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """承诺 (R-COMPLAINT-28/42/72): a promise and its deadline; frozen for major or
    compensation complaints until the company decides (R-COMPLAINT-06)."""
    now = _now(at)
    errors: Errors = {}
    promise = _text(errors, promise, "promise", required=True)
    when = _future(errors, deadline, "deadline", now=now)
    if when is None and "deadline" not in errors:
        errors["deadline"] = [_("This field is required.")]
    _raise(errors)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    complaint.agreed_deadline = when
    engine.apply(
        actor,
        complaint,
        Action.RECORD_PROMISE,
        policy=policy,
        note=promise,
        data={"deadline": when.isoformat() if when else None},
        at=now,
    )
    timers.meet_for_action(complaint, Action.RECORD_PROMISE, at=now)
    timers.start(complaint, policy, event=EVENT_DEADLINE_PROMISED, at=now, agreed_deadline=when)
    if timers.chase_running(complaint):
        # The owner accepted a deadline: chase one day before it (R-COMPLAINT-48).
        timers.schedule_chase(complaint, policy, last_at=now)
    return complaint


@transaction.atomic
def decide(
    *,
    actor: Staff,
    complaint_id: Any,
    decision: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """公司决定 (R-COMPLAINT-06/16/27): the leaders' decision lifts the no-promise freeze."""
    now = _now(at)
    errors: Errors = {}
    decision = _text(errors, decision, "decision", required=True)
    _raise(errors)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    complaint.decision = decision
    complaint.decided_at = now
    engine.apply(actor, complaint, Action.DECIDE, policy=policy, note=decision, at=now)
    return complaint


@transaction.atomic
def add_cost(
    *,
    actor: Staff,
    complaint_id: Any,
    item: str,
    amount: Any,
    spent_on: dt.date | None = None,
    borne_by: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> CostEntry:
    """投诉处理费用台帐 (R-COMPLAINT-26): one cost line, in yuan with two decimals."""
    now = _now(at)
    errors: Errors = {}
    item = _text(errors, item, "item", required=True, limit=200)
    borne_by = _text(errors, borne_by, "borne_by", required=False, limit=100)
    try:
        given = Decimal(str(amount).strip())
        money = given.quantize(Decimal("0.01"))
        if money <= 0 or money >= Decimal("1e10"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = [_("Enter an amount above zero")]
        money = Decimal(0)
    else:
        if money != given:  # yuan with at most two decimals: never round money silently
            errors["amount"] = [_("Enter the amount in yuan with at most two decimals")]
    day = spent_on or timezone.localdate(now)
    if day > timezone.localdate(now):
        errors["spent_on"] = [_("The date cannot be in the future")]
    _raise(errors)
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    entry = CostEntry.objects.create(
        complaint=complaint,
        project_id=complaint.project_id,
        spent_on=day,
        item=item,
        amount=money,
        borne_by=borne_by,
        recorded_by=actor,
    )
    engine.apply(
        actor,
        complaint,
        Action.ADD_COST,
        policy=policy,
        note=f"{item} ¥{money}",
        data={"cost": entry.pk, "amount": str(money)},
        at=now,
    )
    return entry


def frozen_for(complaint: Complaint) -> bool:
    """R-COMPLAINT-06: promise / compensation fields are hidden while this is true."""
    policy = policy_for(complaint)
    return promise_frozen(
        policy,
        level=complaint.level or policy.default_level,
        flags=complaint.major_flags,
        decision_recorded=complaint.decided_at is not None,
    )
