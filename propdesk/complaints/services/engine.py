"""The one path every complaint action takes (SPEC §11.3, R-COMPLAINT-88/90).

`load_for_action` locks the complaint row (SELECT … FOR UPDATE) and checks the optimistic
version, `slots_of` says which policy slots the actor holds on it, `guard_context` gathers the
facts the workflow guards read, and `apply` asks `workflows.check`, moves the state, bumps the
version and writes the timeline event. Two clerks acting at once are serialised by the lock:
the second one sees the first one's result and is refused if its action no longer applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from propdesk.complaints.domain import Kind, LevelDef, Policy, Slot
from propdesk.complaints.models import (
    DRAFT_SHEET_STATES,
    OPEN_SHEET_STATES,
    Complaint,
    ContactSheet,
    LetterState,
    ReplyLetter,
    Revisit,
    SheetState,
)
from propdesk.complaints.services.policies import policy_of, project_settings
from propdesk.complaints.workflows import (
    Action,
    AllowedAction,
    GuardContext,
    State,
    Transition,
    allowed_actions,
    check,
    event_name,
)
from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import Conflict, NotFound
from propdesk.core.models import Staff
from propdesk.core.services.timeline import record_event


def policy_for(complaint: Complaint) -> Policy:
    """The policy version the complaint was received under (R-COMPLAINT-87)."""
    settings = project_settings(complaint.project)
    return policy_of(complaint.policy, working_hours=settings.count_working_hours)


def level_def(policy: Policy, complaint: Complaint) -> LevelDef:
    return policy.level(complaint.level or policy.default_level)


def load_for_action(
    actor: Staff, complaint_id: Any, *, expected_version: int | None = None
) -> Complaint:
    """The complaint, locked for the rest of the caller's transaction. NotFound outside the
    actor's projects; Conflict when the form was built from an older version."""
    try:
        pk = int(complaint_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("project", "policy", "handler", "department")
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise NotFound()
    access.require(actor, complaint.project_id, P.HANDLE_COMPLAINTS)
    if expected_version is not None and int(expected_version) != complaint.version:
        raise Conflict()
    return complaint


def role_codes(actor: Staff, project_id: int) -> set[str]:
    """Codes of the actor's roles in the project (loaded with the permissions)."""
    return set(access.held(actor, project_id).role_codes)


def department_ids(actor: Staff, project_id: int) -> set[int]:
    """The actor's departments in the project (loaded with the permissions)."""
    return set(access.held(actor, project_id).departments)


def slots_of(actor: Staff, complaint: Complaint, policy: Policy) -> frozenset[Slot]:
    """The policy slots the actor holds on this complaint (R-COMPLAINT-88 item 3):
    - every slot whose roles include one of the actor's roles in the project;
    - RECEIVER for anyone who may handle complaints there (不得推诿, R-COMPLAINT-02);
    - HANDLER for the assigned handler;
    - DEPARTMENT for members of a department holding an open contact sheet of it."""
    if actor.user.is_superuser:
        return frozenset(Slot)
    if not access.has_perm(actor, complaint.project_id, P.HANDLE_COMPLAINTS):
        return frozenset()
    roles = role_codes(actor, complaint.project_id)
    slots = {slot for slot, codes in policy.slot_roles.items() if roles & set(codes)}
    slots.add(Slot.RECEIVER)
    if complaint.handler_id == actor.pk:
        slots.add(Slot.HANDLER)
    depts = department_ids(actor, complaint.project_id)
    if (
        depts
        and ContactSheet.objects.filter(
            complaint=complaint, department_id__in=depts, state__in=OPEN_SHEET_STATES
        ).exists()
    ):
        slots.add(Slot.DEPARTMENT)
    return frozenset(slots)


@dataclass(frozen=True)
class Inputs:
    """What the user typed into the action's form, as far as the guards care."""

    reason: str = ""
    rectification_deadline: dt.datetime | None = None
    archive_target: str = ""


def guard_context(complaint: Complaint, policy: Policy, inputs: Inputs = Inputs()) -> GuardContext:
    """The facts the workflow guards read (R-COMPLAINT-06/09/10/11/16/20/21/23/41/49/74/78)."""
    level = level_def(policy, complaint)
    closure = policy.closure
    latest: Revisit | None = complaint.revisits.order_by("-at", "-id").first()
    sheets = list(complaint.sheets.values_list("state", flat=True))
    letters_pending = (
        ReplyLetter.objects.filter(complaint=complaint).exclude(state=LetterState.ISSUED).exists()
    )
    linked_closed = False
    if complaint.linked_id is not None:
        linked_closed = Complaint.objects.filter(
            pk=complaint.linked_id, state__in=[State.CLOSED, State.ARCHIVED]
        ).exists()
    return GuardContext(
        kind=Kind(complaint.kind),
        level=level.code,
        is_major=level.is_major,
        compensation_demanded="compensation" in (complaint.major_flags or []),
        customer_signature_required=closure.customer_signature,
        manager_review_required=closure.manager_review,
        revisit_required=closure.revisit_required,
        satisfaction_required=closure.satisfaction_required,
        affirmation_required=closure.affirmation_required,
        cause_analysis_required=closure.cause_analysis_required,
        contact_sheet_approval_required=policy.contact_sheet_approval is not None,
        chairman_approval_required=level.closure_role == Slot.CHAIRMAN,
        read_back_required=policy.read_back_required and complaint.channel == "phone",
        read_back_confirmed=complaint.read_back_confirmed,
        contact_sheet_approved=SheetState.APPROVED in sheets,
        has_open_contact_sheet=any(s in OPEN_SHEET_STATES for s in sheets),
        customer_signed=complaint.customer_signed,
        revisit_done=latest is not None,
        revisit_satisfied=latest is not None and latest.satisfied,
        customer_affirmed=complaint.customer_affirmed,
        cause_analysis_done=bool(complaint.cause_analysis and complaint.corrective_action),
        letter_issued_or_not_needed=not letters_pending,
        chairman_approved=complaint.chairman_approved,
        decision_recorded=complaint.decided_at is not None,
        linked_case_closed=linked_closed,
        archive_target_set=bool(inputs.archive_target or policy.archive_target),
        reason_given=bool(inputs.reason.strip()),
        rectification_deadline_set=inputs.rectification_deadline is not None,
    )


def has_draft_sheet(complaint: Complaint) -> bool:
    return complaint.sheets.filter(state__in=DRAFT_SHEET_STATES).exists()


def actions_for(actor: Staff, complaint: Complaint) -> list[AllowedAction]:
    """The buttons to show `actor` on the complaint page: the same table `apply` enforces."""
    policy = policy_for(complaint)
    slots = slots_of(actor, complaint, policy)
    ctx = guard_context(complaint, policy)
    return allowed_actions(complaint.state, complaint.kind, slots, ctx)


def apply(
    actor: Staff | None,
    complaint: Complaint,
    action: Action,
    *,
    policy: Policy,
    inputs: Inputs = Inputs(),
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    system: bool = False,
) -> Transition:
    """Check `action` against the table for the actor's slots and the guards, then move the
    state, bump the version, save and log. The caller holds the row lock and has already made
    any field changes the guards should see. `system=True` (sweeps) acts with every slot."""
    slots = frozenset(Slot) if system or actor is None else slots_of(actor, complaint, policy)
    ctx = guard_context(complaint, policy, inputs)
    transition = check(complaint.state, action, slots, ctx)
    before = complaint.state
    complaint.state = transition.next_state(State(before))
    complaint.version += 1
    if complaint.state in (State.CLOSED,) and complaint.closed_at is None:
        complaint.closed_at = at or timezone.now()
    complaint.save()
    record_event(
        entity=complaint,
        action=event_name(action),
        actor=actor,
        project_id=complaint.project_id,
        from_state=before,
        to_state=complaint.state if complaint.state != before else "",
        note=note,
        data=data or {},
        at=at,
    )
    return transition


def staff_in_slot(
    project_id: int, policy: Policy, slot: Slot, *, exclude: int | None = None
) -> Staff | None:
    """The first active staff member of the project holding a role of `slot` (for escalation
    notices and reminders)."""
    codes = policy.roles_for(slot)
    if not codes:
        return None
    query = Q(
        memberships__project_id=project_id,
        memberships__is_active=True,
        memberships__role__code__in=codes,
        is_active=True,
    )
    staff = Staff.objects.filter(query).exclude(pk=exclude or 0).order_by("pk").distinct()
    return staff.first()
