"""Complaint timers as stored deadlines (R-COMPLAINT-18/27/29/34/43/45/47/48/50/72/73/76/90).

The domain (`timers_on`, `next_chase`) says which timers start on an event and when each is due,
with its Chinese explanation; this module stores them as core `Deadline` rows (kind
`complaint.<key>`), marks them met when the action that answers them happens, and restarts the
level's timers on upgrade. The core deadline sweep reminds before expiry and flags, notifies and
escalates at expiry; the `complaints.auto_upgrade` sweep raises SO complaints left unresolved for
a month (R-COMPLAINT-76).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from propdesk.complaints.domain import (
    AUTO_UPGRADE_KEY,
    ESCALATION_KEY_PREFIX,
    EVENT_RECEIVED,
    EVENT_UPGRADED,
    REVISIT_KEY,
    Policy,
    Slot,
    next_chase,
    restarted_on_upgrade,
    timers_on,
)
from propdesk.complaints.models import Complaint
from propdesk.complaints.workflows import OPEN_STATES, Action, State
from propdesk.core.models import Deadline, Membership, Staff
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.services import deadlines
from propdesk.core.services.calendar import calendar_for

logger = logging.getLogger(__name__)

PREFIX = "complaint."
CHASE_KEY = "chase"

# Which timers an action answers (the timer keys of the presets; an edited policy reuses them).
MET_BY: dict[Action, tuple[str, ...]] = {
    # 首次回应 / 答复 (R-COMPLAINT-18/34/73): any answer to the customer.
    Action.CONTACT: ("first_response",),
    Action.REPLY: (
        "first_response",
        "reply",
        "first_opinion",
        "promised_reply",
        "rectification",
        "reopened_rectification",
    ),
    Action.ANSWER_ON_SPOT: ("first_response", "reply", "first_opinion"),
    Action.EXPLAIN: ("first_response", "reply", "first_opinion"),
    Action.DECLINE: ("first_response", "reply", "first_opinion"),
    Action.RECORD_PROMISE: ("first_response",),
    # 二十分钟内转至责任部门 (R-COMPLAINT-43).
    Action.TRANSFER: ("transfer",),
    # Department results (R-COMPLAINT-21/44/47/73).
    Action.FEEDBACK: ("rectification", "developer_proposal", "first_opinion"),
    # 回访 (R-COMPLAINT-09/50).
    Action.REVISIT: (REVISIT_KEY,),
}
# Reporting up the chain answers the report timers (R-COMPLAINT-27/29/45, 90b); escalation hops
# are met one per report, in order.
REPORT_KEYS = ("major_report", "legacy_report", "unable_report")


def kind_of(key: str) -> str:
    return f"{PREFIX}{key}"


ESCALATION_SLOTS = (Slot.SUPERVISOR, Slot.MANAGER, Slot.EXECUTIVE)


def _escalate_to(complaint: Complaint, policy: Policy) -> Staff | None:
    return escalation_chooser(complaint.project_id, policy)(complaint)


def escalation_chooser(project_id: int, policy: Policy) -> Callable[[Complaint], Staff | None]:
    """Who a complaint of the project escalates to: the first active staff member holding the
    supervisor's, else the manager's, else the executive's slot (never the complaint's
    handler). One query for the three slots, whatever the number of complaints asked about
    (same choice as `engine.staff_in_slot` slot by slot: the lowest id within a slot)."""
    codes = {slot: set(policy.roles_for(slot)) for slot in ESCALATION_SLOTS}
    wanted = set().union(*codes.values())
    if not wanted:
        return lambda complaint: None
    holders = list(
        Membership.objects.filter(
            project_id=project_id,
            is_active=True,
            role__code__in=wanted,
            staff__is_active=True,
        )
        .select_related("staff", "role")
        .order_by("staff_id")
    )

    def choose(complaint: Complaint) -> Staff | None:
        by_code: dict[str, Staff] = {}
        for membership in holders:
            if membership.staff_id != complaint.handler_id:
                by_code.setdefault(membership.role.code, membership.staff)
        for slot in ESCALATION_SLOTS:
            found = [by_code[code] for code in codes[slot] if code in by_code]
            if found:
                return min(found, key=lambda person: person.pk)
        return None

    return choose


def _responsible(complaint: Complaint) -> Staff | None:
    return complaint.handler or complaint.received_by


def start(
    complaint: Complaint,
    policy: Policy,
    *,
    event: str,
    at: dt.datetime,
    agreed_deadline: dt.datetime | None = None,
    only: Iterable[str] | None = None,
    fresh: bool = False,
) -> list[Deadline]:
    """Store the timers that `event` starts (inside the caller's transaction); with `only`,
    just those of these keys. `fresh`: the complaint was created in this transaction (see
    `deadlines.set_deadline`)."""
    rows = planned(
        complaint, policy, event=event, at=at, agreed_deadline=agreed_deadline, only=only
    )
    if fresh:
        for row in rows:
            row.save(force_insert=True)
        return rows
    return [
        deadlines.set_deadline(
            entity=complaint,
            project_id=row.project_id,
            kind=row.kind,
            label=row.label,
            starts_at=row.starts_at,
            due_at=row.due_at,
            explanation=row.explanation,
            responsible=row.responsible,
            escalate_to=row.escalate_to,
        )
        for row in rows
    ]


def planned(
    complaint: Complaint,
    policy: Policy,
    *,
    event: str,
    at: dt.datetime,
    agreed_deadline: dt.datetime | None = None,
    only: Iterable[str] | None = None,
    escalate_to: Callable[[Complaint], Staff | None] | None = None,
) -> list[Deadline]:
    """The unsaved timer rows `event` starts on `complaint` (`start` stores them; a batch
    intake inserts the rows of all its complaints at once, with `escalate_to` answering from
    memory who each one escalates to)."""
    cal = calendar_for(complaint.project_id)
    level = complaint.level or policy.default_level
    started = timers_on(
        policy,
        event=event,
        kind=complaint.kind,
        level=level,
        at=at,
        cal=cal,
        agreed_deadline=agreed_deadline,
    )
    if only is not None:
        keys = set(only)
        started = [timer for timer in started if timer.key in keys]
    if not started:
        return []
    escalation = (escalate_to or (lambda c: _escalate_to(c, policy)))(complaint)
    responsible = _responsible(complaint)
    return [
        deadlines.new_deadline(
            entity=complaint,
            project_id=complaint.project_id,
            kind=kind_of(timer.key),
            label=timer.label,
            starts_at=at,
            due_at=max(timer.due.at, at),
            explanation=timer.due.explanation,
            responsible=responsible,
            escalate_to=escalation,
        )
        for timer in started
    ]


def restart_on_upgrade(complaint: Complaint, policy: Policy, *, at: dt.datetime) -> list[Deadline]:
    """SPEC §11.3: an upgrade restarts the SLA timers of the new level."""
    deadlines.cancel_deadlines(
        entity=complaint, kinds=[kind_of(k) for k in restarted_on_upgrade(policy)]
    )
    return start(complaint, policy, event=EVENT_UPGRADED, at=at)


def meet(complaint: Complaint, keys: Iterable[str], *, at: dt.datetime) -> list[str]:
    """Mark the open timers `keys` met; returns the keys that were open."""
    met = []
    for key in keys:
        if deadlines.meet_deadline(entity=complaint, kind=kind_of(key), at=at) is not None:
            met.append(key)
    return met


def meet_for_action(complaint: Complaint, action: Action, *, at: dt.datetime) -> list[str]:
    return meet(complaint, MET_BY.get(action, ()), at=at)


def meet_report(complaint: Complaint, *, at: dt.datetime) -> list[str]:
    """A report up the chain (上报): meets the report timers and the next escalation hop."""
    met = meet(complaint, REPORT_KEYS, at=at)
    hop = (
        Deadline.objects.filter(
            state=DeadlineState.OPEN,
            kind__startswith=kind_of(ESCALATION_KEY_PREFIX),
            **deadlines._entity_filter(complaint),
        )
        .order_by("kind")
        .first()
    )
    if hop is not None:
        met += meet(complaint, [hop.kind.removeprefix(PREFIX)], at=at)
    return met


def schedule_chase(
    complaint: Complaint, policy: Policy, *, last_at: dt.datetime
) -> Deadline | None:
    """The next chase (催问) of a complaint waiting on others (R-COMPLAINT-48): daily for
    important, twice a week for general, one day before an agreed deadline."""
    due = next_chase(
        policy,
        level=complaint.level or policy.default_level,
        last_at=last_at,
        agreed_deadline=complaint.agreed_deadline,
        cal=calendar_for(complaint.project_id),
    )
    if due is None:
        deadlines.cancel_deadlines(entity=complaint, kinds=[kind_of(CHASE_KEY)])
        return None
    return deadlines.set_deadline(
        entity=complaint,
        project_id=complaint.project_id,
        kind=kind_of(CHASE_KEY),
        label="催问",
        starts_at=last_at,
        due_at=max(due.at, last_at),
        explanation=due.explanation,
        responsible=_responsible(complaint),
        escalate_to=None,
        lead_ratio=0,
    )


def stop_all(complaint: Complaint) -> int:
    """A finished complaint has no running timer."""
    return deadlines.cancel_deadlines(entity=complaint)


# R-COMPLAINT-76 upgrades a *valid* complaint not reasonably resolved: not one explained or
# declined as invalid, answered on the spot, or already reviewed for closure.
UPGRADABLE_STATES = OPEN_STATES - {
    State.EXPLAINED,
    State.DECLINED,
    State.ANSWERED_ON_SPOT,
    State.REVIEWED,
}


def sweep_auto_upgrade(now: dt.datetime | None = None) -> int:
    """R-COMPLAINT-76 (SO): a valid complaint not reasonably resolved within one month becomes
    major. Each complaint is upgraded in its own transaction under its row lock; the deadline is
    marked met in the same transaction, so a second run (or a crash and re-run) upgrades once.

    Like the core deadline sweep, a row whose handling raises is rolled back, logged and left
    for the next run while the other rows are still processed; the sweep then re-raises the
    first error so its JobRun is marked failed."""
    from propdesk.complaints.services.actions import auto_upgrade

    now = now or timezone.now()
    due = Deadline.objects.filter(
        state=DeadlineState.OPEN, kind=kind_of(AUTO_UPGRADE_KEY), due_at__lte=now
    )
    done = 0
    skip: set[int] = set()
    failed: list[tuple[int, Exception]] = []
    while batch := list(
        due.exclude(pk__in=skip).order_by("due_at", "id").values_list("pk", "object_id")[:500]
    ):
        for deadline_id, object_id in batch:
            skip.add(deadline_id)  # handled (met) or failed: not again in this run
            try:
                with transaction.atomic():
                    complaint = (
                        Complaint.objects.select_for_update(of=("self",))
                        .select_related("project", "policy", "handler", "received_by")
                        .filter(pk=int(object_id))
                        .first()
                    )
                    if complaint is None:
                        Deadline.objects.filter(pk=deadline_id).update(
                            state=DeadlineState.CANCELLED
                        )
                        continue
                    if State(complaint.state) in UPGRADABLE_STATES and auto_upgrade(
                        complaint, at=now
                    ):
                        done += 1
                    meet(complaint, [AUTO_UPGRADE_KEY], at=now)
            except Exception as exc:
                logger.exception("complaint %s: auto-upgrade failed", object_id)
                failed.append((int(object_id), exc))
    if failed:
        ids = ", ".join(str(pk) for pk, _exc in failed)
        raise RuntimeError(
            f"complaint auto-upgrade: {done} upgraded, failed for complaint(s) {ids}"
        ) from failed[0][1]
    return done


def restart_for_level(complaint: Complaint, policy: Policy, *, at: dt.datetime) -> list[Deadline]:
    """Classification gave another level than intake did: the level-dependent timers started at
    intake (those the policy restarts on upgrade: LH reply 72 h / none for 重大, SO first
    opinion 72/48/24 h) are computed again for the new level from now, as an upgrade would
    (SPEC §11.3). Timers that classification itself starts (major report, escalation chain)
    are left to `start(event="classified")`.
    The one-month auto-upgrade (SO, R-COMPLAINT-76) still counts from receipt, and runs only
    for a level it can raise."""
    keys = {t.key for t in policy.timers if t.restart_on_upgrade and t.starts_on == EVENT_RECEIVED}
    deadlines.cancel_deadlines(
        entity=complaint, kinds=[kind_of(k) for k in (*keys, AUTO_UPGRADE_KEY)]
    )
    started = start(complaint, policy, event=EVENT_UPGRADED, at=at, only=keys) if keys else []
    return started + start(
        complaint, policy, event=EVENT_RECEIVED, at=complaint.received_at, only={AUTO_UPGRADE_KEY}
    )


def chase_running(complaint: Complaint) -> bool:
    """True while a chase (催问) of the complaint is scheduled."""
    return Deadline.objects.filter(
        state=DeadlineState.OPEN, kind=kind_of(CHASE_KEY), **deadlines._entity_filter(complaint)
    ).exists()
