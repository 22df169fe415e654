"""Records around a complaint that are not workflow steps: reply letters with co-signatures and
legal review (R-COMPLAINT-23), cause analysis and corrective / preventive actions
(R-COMPLAINT-78), penalties (R-COMPLAINT-79), the chairman's closure approval (R-COMPLAINT-16)
and group issues (批量问题, R-COMPLAINT-29/65).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import (
    PENALTY_LABELS,
    Slot,
    group_suggestion,
    penalty_choices,
)
from propdesk.complaints.models import (
    Complaint,
    ComplaintGroup,
    LetterSignature,
    LetterState,
    PenaltyRecord,
    ReplyLetter,
)
from propdesk.complaints.services import actions, engine
from propdesk.complaints.services.engine import policy_for
from propdesk.complaints.workflows import OPEN_STATES, State
from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import (
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
    field_error,
)
from propdesk.core.models import Staff
from propdesk.core.services.numbering import next_number
from propdesk.core.services.timeline import record_event

HANDLING = frozenset({Slot.HANDLER, Slot.SUPERVISOR, Slot.MANAGER})


def _log(complaint: Complaint, actor: Staff, action: str, note: str = "", **data: Any) -> None:
    record_event(
        entity=complaint,
        action=action,
        actor=actor,
        project_id=complaint.project_id,
        note=note,
        data=data,
    )


def _require_slots(actor: Staff, complaint: Complaint, wanted: frozenset[Slot]) -> frozenset[Slot]:
    held = engine.slots_of(actor, complaint, policy_for(complaint))
    if not held & wanted:
        raise Forbidden()
    return held


def _open(complaint: Complaint) -> None:
    if State(complaint.state) not in OPEN_STATES:
        raise TransitionNotAllowed(_("The complaint is already closed"))


# --- reply letters (回馈函件, R-COMPLAINT-23) -----------------------------------------------
def required_cosigners(complaint: Complaint) -> tuple[Slot, ...]:
    return policy_for(complaint).letter_cosign


def _letter(actor: Staff, letter_id: Any) -> tuple[ReplyLetter, Complaint]:
    row = ReplyLetter.objects.filter(pk=letter_id if str(letter_id).isdigit() else 0).first()
    if row is None:
        raise NotFound()
    complaint = engine.load_for_action(actor, row.complaint_id)
    return ReplyLetter.objects.select_for_update().get(pk=row.pk), complaint


@transaction.atomic
def draft_letter(
    *, actor: Staff, complaint_id: Any, body: str, expected_version: int | None = None
) -> ReplyLetter:
    """Draft the written reply; it goes to co-signing (or legal review, or is ready to issue)."""
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    _open(complaint)
    _require_slots(actor, complaint, HANDLING)
    body = str(body or "").strip()
    if not body:
        raise field_error("body", _("This field is required."))
    letter = ReplyLetter.objects.create(
        complaint=complaint,
        number=next_number(project=complaint.project, key="reply_letter"),
        body=body,
        drafted_by=actor,
        state=_next_letter_state(complaint, signed=set(), legal_done=False),
    )
    _log(complaint, actor, "complaint.letter_drafted", letter.number, letter=letter.pk)
    return letter


def _next_letter_state(complaint: Complaint, *, signed: set[str], legal_done: bool) -> str:
    policy = policy_for(complaint)
    if any(str(slot) not in signed for slot in policy.letter_cosign):
        return LetterState.COSIGNING
    if policy.legal_review and not legal_done:
        return LetterState.LEGAL_REVIEW
    return LetterState.READY


@transaction.atomic
def sign_letter(*, actor: Staff, letter_id: Any, slot: str) -> ReplyLetter:
    """会签: the holder of a co-signing slot signs once for that slot."""
    letter, complaint = _letter(actor, letter_id)
    policy = policy_for(complaint)
    if letter.state != LetterState.COSIGNING:
        raise TransitionNotAllowed(_("This letter is not being co-signed"))
    if slot not in {str(s) for s in policy.letter_cosign}:
        raise field_error("slot", _("This role does not co-sign letters under the policy"))
    if Slot(slot) not in engine.slots_of(actor, complaint, policy):
        raise Forbidden(_("You do not hold this signing role"))
    if letter.signatures.filter(slot=slot).exists():
        raise TransitionNotAllowed(_("Already signed for this role"))
    if letter.signatures.filter(staff=actor).exists():
        # 会签 needs as many people as roles: one person holding two slots signs once.
        raise TransitionNotAllowed(_("You have already signed this letter for another role"))
    LetterSignature.objects.create(letter=letter, slot=slot, staff=actor, signed_at=timezone.now())
    signed = set(letter.signatures.values_list("slot", flat=True))
    letter.state = _next_letter_state(complaint, signed=signed, legal_done=False)
    letter.save(update_fields=["state"])
    _log(complaint, actor, "complaint.letter_signed", f"{letter.number} {slot}", letter=letter.pk)
    return letter


@transaction.atomic
def review_letter(
    *, actor: Staff, letter_id: Any, approve: bool, comments: str = ""
) -> ReplyLetter:
    """法务审阅: legal approves the letter or sends it back to drafting with comments."""
    letter, complaint = _letter(actor, letter_id)
    policy = policy_for(complaint)
    if letter.state != LetterState.LEGAL_REVIEW:
        raise TransitionNotAllowed(_("This letter is not awaiting legal review"))
    if Slot.LEGAL not in engine.slots_of(actor, complaint, policy):
        raise Forbidden(_("Only legal staff review reply letters"))
    comments = str(comments or "").strip()
    if not approve and not comments:
        raise field_error("comments", _("Say what must change"))
    letter.legal_comments = comments
    if approve:
        letter.legal_reviewed_by = actor
        letter.legal_reviewed_at = timezone.now()
        letter.state = LetterState.READY
    else:
        letter.signatures.all().delete()
        letter.state = _next_letter_state(complaint, signed=set(), legal_done=False)
    letter.save()
    _log(
        complaint,
        actor,
        "complaint.letter_reviewed" if approve else "complaint.letter_returned",
        comments,
        letter=letter.pk,
    )
    return letter


@transaction.atomic
def revise_letter(*, actor: Staff, letter_id: Any, body: str) -> ReplyLetter:
    """Change the text; every signature and the legal review start again."""
    letter, complaint = _letter(actor, letter_id)
    _require_slots(actor, complaint, HANDLING)
    if letter.state == LetterState.ISSUED:
        raise TransitionNotAllowed(_("An issued letter cannot be changed"))
    body = str(body or "").strip()
    if not body:
        raise field_error("body", _("This field is required."))
    letter.body = body
    letter.signatures.all().delete()
    letter.legal_reviewed_by = None
    letter.legal_reviewed_at = None
    letter.state = _next_letter_state(complaint, signed=set(), legal_done=False)
    letter.save()
    _log(complaint, actor, "complaint.letter_revised", letter.number, letter=letter.pk)
    return letter


@transaction.atomic
def issue_letter(*, actor: Staff, letter_id: Any) -> ReplyLetter:
    """发出: only a fully co-signed, legally reviewed letter is issued (R-COMPLAINT-23)."""
    letter, complaint = _letter(actor, letter_id)
    _require_slots(actor, complaint, HANDLING)
    if letter.state != LetterState.READY:
        raise TransitionNotAllowed(
            _("The reply letter must be co-signed, reviewed by legal and issued first")
        )
    letter.state = LetterState.ISSUED
    letter.issued_at = timezone.now()
    letter.save(update_fields=["state", "issued_at"])
    _log(complaint, actor, "complaint.letter_issued", letter.number, letter=letter.pk)
    return letter


# --- closure evidence ---------------------------------------------------------------------
@transaction.atomic
def record_analysis(
    *,
    actor: Staff,
    complaint_id: Any,
    cause_analysis: str,
    corrective_action: str,
    preventive_action: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """原因分析 + 纠正和预防措施 (R-COMPLAINT-78)."""
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    _open(complaint)
    _require_slots(actor, complaint, HANDLING | {Slot.EXECUTIVE})
    errors: dict[str, list[Any]] = {}
    values = {
        "cause_analysis": str(cause_analysis or "").strip(),
        "corrective_action": str(corrective_action or "").strip(),
        "preventive_action": str(preventive_action or "").strip(),
    }
    for name in ("cause_analysis", "corrective_action"):
        if not values[name]:
            errors[name] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(fields=errors)
    for name, value in values.items():
        setattr(complaint, name, value)
    complaint.version += 1
    complaint.save()
    _log(complaint, actor, "complaint.analysed", values["cause_analysis"][:200])
    return complaint


@transaction.atomic
def approve_closure(
    *, actor: Staff, complaint_id: Any, note: str = "", expected_version: int | None = None
) -> Complaint:
    """R-COMPLAINT-16 (LH): the chairman approves closing a particularly major complaint."""
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    _open(complaint)
    _require_slots(actor, complaint, frozenset({Slot.CHAIRMAN}))
    complaint.chairman_approved = True
    complaint.version += 1
    complaint.save()
    _log(complaint, actor, "complaint.closure_approved", note)
    return complaint


# --- penalties (罚则, R-COMPLAINT-79) --------------------------------------------------------
@transaction.atomic
def add_penalty(
    *,
    actor: Staff,
    complaint_id: Any,
    staff_id: Any,
    penalty: str,
    note: str = "",
    expected_version: int | None = None,
) -> PenaltyRecord:
    """Record a penalty the policy provides for the complaint's level (SO: 轻微 → 警告,
    重要 → 黄牌, 重大 → 红牌 or 黑牌, plus 书面检查)."""
    complaint = engine.load_for_action(actor, complaint_id, expected_version=expected_version)
    policy = policy_for(complaint)
    _require_slots(actor, complaint, frozenset({Slot.MANAGER, Slot.EXECUTIVE}))
    allowed = {
        str(p)
        for group in penalty_choices(policy, level=complaint.level or policy.default_level)
        for p in group
    }
    errors: dict[str, list[Any]] = {}
    if penalty not in {str(p) for p in PENALTY_LABELS}:
        errors["penalty"] = [_("Choose a penalty")]
    elif allowed and penalty not in allowed:
        errors["penalty"] = [_("The policy gives other penalties for this level")]
    person = Staff.objects.filter(
        pk=staff_id if str(staff_id).isdigit() else 0,
        memberships__project_id=complaint.project_id,
    ).first()
    if person is None:
        errors["staff_id"] = [_("Choose a staff member of this project")]
    if errors or person is None:
        raise ValidationFailed(fields=errors)
    record = PenaltyRecord.objects.create(
        complaint=complaint,
        project_id=complaint.project_id,
        staff=person,
        penalty=penalty,
        note=str(note or "").strip(),
        decided_by=actor,
        decided_at=timezone.now(),
    )
    _log(
        complaint,
        actor,
        "complaint.penalised",
        f"{person.name} {PENALTY_LABELS[penalty]}",  # type: ignore[index]
        penalty=penalty,
        staff=person.pk,
    )
    return record


# --- group issues (批量问题, R-COMPLAINT-29/65) ------------------------------------------------
@transaction.atomic
def group_complaints(
    *, actor: Staff, project_id: Any, title: str, complaint_ids: list[Any]
) -> ComplaintGroup:
    """Link complaints about one issue so one decision applies to all of them."""
    project = access.get_project_for(actor, project_id, P.HANDLE_COMPLAINTS)
    title = str(title or "").strip()
    ids = sorted({int(i) for i in complaint_ids if str(i).isdigit()})
    errors: dict[str, list[Any]] = {}
    if not title:
        errors["title"] = [_("This field is required.")]
    rows = list(
        Complaint.objects.select_for_update().filter(pk__in=ids, project=project).order_by("pk")
    )
    if len(rows) < 2 or len(rows) != len(ids):
        errors["complaint_ids"] = [_("Choose at least two complaints of this project")]
    if errors:
        raise ValidationFailed(fields=errors)
    group = ComplaintGroup.objects.create(project=project, title=title)
    for complaint in rows:
        complaint.group = group
        complaint.version += 1
        complaint.save(update_fields=["group", "version", "updated_at"])
        _log(complaint, actor, "complaint.grouped", title, group=group.pk)
    return group


def suggestion_for(complaint: Complaint) -> str | None:
    """The group action the policy suggests once enough complaints share one issue (R-65)."""
    if complaint.group_id is None:
        return None
    count = Complaint.objects.filter(group_id=complaint.group_id).count()
    return group_suggestion(policy_for(complaint), linked_count=count)


@transaction.atomic
def decide_group(
    *, actor: Staff, group_id: Any, decision: str, at: dt.datetime | None = None
) -> ComplaintGroup:
    """One company decision for every open complaint of the group (R-COMPLAINT-29/65); each gets
    its own `decide` event, and all or none are updated."""
    group = (
        ComplaintGroup.objects.select_for_update()
        .filter(pk=group_id if str(group_id).isdigit() else 0)
        .first()
    )
    if group is None:
        raise NotFound()
    access.require(actor, group.project_id, P.HANDLE_COMPLAINTS)
    decision = str(decision or "").strip()
    if not decision:
        raise field_error("decision", _("This field is required."))
    now = at or timezone.now()
    for complaint_id in group.complaints.filter(
        state__in=[str(s) for s in OPEN_STATES]
    ).values_list("pk", flat=True):
        actions.decide(actor=actor, complaint_id=complaint_id, decision=decision, at=now)
    group.decision = decision
    group.decided_at = now
    group.decided_by = actor
    group.save()
    return group
