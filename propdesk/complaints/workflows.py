"""The complaint state machine as data (SPEC §11.3, STYLE §3).

One table, `TRANSITIONS`, maps `(State, Action)` to a `Transition`: the next state (or `None` when
the action is only logged), the policy role slots allowed to take it, the kinds of request it
applies to and the names of the guards that must pass. Services call `check()` before they change
anything; screens build their buttons from `allowed_actions()`. Both read the same table, so what
a user is offered is exactly what the server accepts.

Design decisions (documented for the lead and docs/adr):
- Revisit (回访) is an action, not a state. It is logged in `resolved` / `answered_on_spot`. A
  dissatisfied revisit is followed by the separate action `reopen` (限期整改, R-COMPLAINT-10/67),
  which needs that dissatisfied revisit and a rectification deadline; a satisfied one allows
  `review` / `close`. A service recording a dissatisfied revisit therefore checks `revisit` and
  then `reopen`, and writes two timeline events.
- Department feedback (`feedback`) is logged and leaves the complaint `in_progress`; `reply` moves
  it to `resolved` once no work contact sheet is still open (several departments may each report).
- Consultations, service requests and opinions may go `received → answered_on_spot` or
  `received → resolved` (reply) and then `closed` without being classified; they may also take
  the full complaint path. Praise has its own path `received → verified → reported → commended`
  (R-COMPLAINT-32). A row applies only to the kinds in `Transition.kinds`.
- `forwarded` (已转出, R-COMPLAINT-15/47) is a waiting state, not a terminal one: the other side's
  proposal brings the record back `in_progress` (PCS → 地产客服), or it is closed once the linked
  complaint is closed (PCS → LH).
- Closure evidence (revisit, satisfaction, signature, affirmation, cause analysis, manager review)
  applies to the complaint kinds only (complaint, special_service); the policy switches each one
  on through the flags of `GuardContext`.
- Guards are of two sorts. Precondition guards test recorded facts and disable a button with its
  reason. Input guards (`INPUT_GUARDS`) test what the user types into the action's form (a reason,
  a deadline); `allowed_actions()` skips them, `check()` enforces them and names the form field.

Pure module: no database, no request; the service fills `GuardContext` with plain facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import COMPLAINT_KINDS, REQUEST_KINDS, Kind, Slot
from propdesk.core.errors import Forbidden, TransitionNotAllowed

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class State(models.TextChoices):
    """Where a complaint, request or praise stands (SPEC §11.3)."""

    # Registered at first contact on the policy's intake form (受理, R-COMPLAINT-01).
    RECEIVED = "received", _("Received")
    # Nature and level decided (定性, R-COMPLAINT-13/57/58).
    CLASSIFIED = "classified", _("Classified")
    # Facts and reasonableness checked (核实, R-COMPLAINT-19); praise is verified too (R-COMPLAINT-32).
    VERIFIED = "verified", _("Verified")
    # A work contact sheet went to a responsible department, awaiting its acceptance (移交, R-COMPLAINT-20/43).
    ASSIGNED = "assigned", _("Transferred to department")
    # Being handled by the department or the handler, with a completion deadline (处理中, R-COMPLAINT-21/44).
    IN_PROGRESS = "in_progress", _("In progress")
    # The customer has been answered; revisit pending (已答复/处理完毕).
    RESOLVED = "resolved", _("Replied to customer")
    # Dissatisfied at revisit: rectification by a person within a deadline (限期整改, R-COMPLAINT-10/67).
    REOPENED = "reopened", _("Rectification ordered")
    # Reviewed by the manager after the customer signed (审阅, R-COMPLAINT-49).
    REVIEWED = "reviewed", _("Reviewed by manager")
    # Handling finished and closure evidence complete (结案).
    CLOSED = "closed", _("Case closed")
    # Records filed in the owner archive / household file / CS archive (归档, R-COMPLAINT-11).
    ARCHIVED = "archived", _("Archived")
    # Invalid or not the company's responsibility, explained to the customer (已解释, R-COMPLAINT-42/59).
    EXPLAINED = "explained", _("Explained")
    # No factual or legal basis, declined tactfully with a reason (委婉拒绝, R-COMPLAINT-19).
    DECLINED = "declined", _("Declined tactfully")
    # Solved or answered during the first contact (当场答复, R-COMPLAINT-42/72).
    ANSWERED_ON_SPOT = "answered_on_spot", _("Answered on the spot")
    # Handed to another policy or to the developer's CS, records linked (已转出, R-COMPLAINT-15/47).
    FORWARDED = "forwarded", _("Forwarded")
    # Praise verified and reported to the leaders (已上报, R-COMPLAINT-32).
    REPORTED = "reported", _("Reported to leaders")
    # Praise acknowledged with a commendation (已表扬, R-COMPLAINT-32).
    COMMENDED = "commended", _("Commended")


class Action(models.TextChoices):
    """What a user can do to a complaint. One verb everywhere (STYLE §3): the action `verify` is the
    service `verify_complaint`, the route `.../verify` and the timeline event `complaint.verified`.
    Declaration order is the order of the buttons on screen."""

    CLASSIFY = "classify", _("Classify")
    VERIFY = "verify", _("Verify")
    TRANSFER = "transfer", _("Transfer")
    ACCEPT = "accept", _("Accept with a deadline")
    FEEDBACK = "feedback", _("Report result")
    REPLY = "reply", _("Reply to customer")
    REVISIT = "revisit", _("Revisit")
    REOPEN = "reopen", _("Order rectification")
    REVIEW = "review", _("Manager review")
    CLOSE = "close", _("Close case")
    ARCHIVE = "archive", _("File to archive")
    EXPLAIN = "explain", _("Explain")
    DECLINE = "decline", _("Decline tactfully")
    ANSWER_ON_SPOT = "answer_on_spot", _("Answer on the spot")
    FORWARD = "forward", _("Forward out")
    REPORT_PRAISE = "report_praise", _("Report praise")
    COMMEND = "commend", _("Commend")
    # Logged actions: they never change the state.
    CHASE = "chase", _("Chase")
    CONTACT = "contact", _("Contact customer")
    UPGRADE = "upgrade", _("Raise level")
    ESCALATE = "escalate", _("Escalate")
    ADD_COST = "add_cost", _("Add cost")
    RECORD_PROMISE = "record_promise", _("Record promise")
    DECIDE = "decide", _("Record company decision")


# Timeline event of each action: `complaint.<past tense>` (STYLE §3 "one verb everywhere").
ACTION_EVENTS: dict[Action, str] = {
    Action.CLASSIFY: "complaint.classified",
    Action.VERIFY: "complaint.verified",
    Action.TRANSFER: "complaint.transferred",
    Action.ACCEPT: "complaint.accepted",
    Action.FEEDBACK: "complaint.fed_back",
    Action.REPLY: "complaint.replied",
    Action.REVISIT: "complaint.revisited",
    Action.REOPEN: "complaint.reopened",
    Action.REVIEW: "complaint.reviewed",
    Action.CLOSE: "complaint.closed",
    Action.ARCHIVE: "complaint.archived",
    Action.EXPLAIN: "complaint.explained",
    Action.DECLINE: "complaint.declined",
    Action.ANSWER_ON_SPOT: "complaint.answered_on_spot",
    Action.FORWARD: "complaint.forwarded",
    Action.REPORT_PRAISE: "complaint.praise_reported",
    Action.COMMEND: "complaint.commended",
    Action.CHASE: "complaint.chased",
    Action.CONTACT: "complaint.contacted",
    Action.UPGRADE: "complaint.upgraded",
    Action.ESCALATE: "complaint.escalated",
    Action.ADD_COST: "complaint.cost_added",
    Action.RECORD_PROMISE: "complaint.promise_recorded",
    Action.DECIDE: "complaint.decided",
}

# One colour per state, used by badges, headers and charts alike (UI.md "States and deadlines").
STATE_COLOUR: dict[State, str] = {
    State.RECEIVED: "grey",
    State.CLASSIFIED: "grey",
    State.VERIFIED: "blue",
    State.ASSIGNED: "purple",
    State.IN_PROGRESS: "blue",
    State.RESOLVED: "green",
    State.REOPENED: "orange",
    State.REVIEWED: "green",
    State.CLOSED: "dark",
    State.ARCHIVED: "dark",
    State.EXPLAINED: "green",
    State.DECLINED: "green",
    State.ANSWERED_ON_SPOT: "green",
    State.FORWARDED: "purple",
    State.REPORTED: "purple",
    State.COMMENDED: "dark",
}

# No action changes these states; the only way out of one is `archive` from `closed`.
TERMINAL_STATES: frozenset[State] = frozenset({State.CLOSED, State.ARCHIVED, State.COMMENDED})
OPEN_STATES: frozenset[State] = frozenset(State) - TERMINAL_STATES

# COMPLAINT_KINDS (complaint, special_service) and REQUEST_KINDS come from the policy layer.
PRAISE_KINDS: frozenset[Kind] = frozenset({Kind.PRAISE})
NON_PRAISE_KINDS: frozenset[Kind] = COMPLAINT_KINDS | REQUEST_KINDS
ALL_KINDS: frozenset[Kind] = frozenset(Kind)


@dataclass(frozen=True)
class GuardContext:
    """Plain facts a service gathers before asking the table. Policy flags say what the policy
    demands; facts say what is on record; inputs describe the form of the action being taken.
    Every field defaults to "not required / not done" except `letter_issued_or_not_needed`
    (most replies have no written letter)."""

    kind: Kind = Kind.COMPLAINT
    level: str = ""  # the policy's level code, informational (guards use the flags below)
    is_major: bool = False  # the level is the policy's major level or above (R-COMPLAINT-08)
    compensation_demanded: bool = False  # R-COMPLAINT-08 flag "compensation" (R-COMPLAINT-06/38)
    # Policy flags (R-COMPLAINT-88 item 7, R-COMPLAINT-90d)
    customer_signature_required: bool = False
    manager_review_required: bool = False
    revisit_required: bool = False
    satisfaction_required: bool = False
    affirmation_required: bool = False
    cause_analysis_required: bool = False
    contact_sheet_approval_required: bool = False
    chairman_approval_required: bool = (
        False  # the level's closure needs the chairman (R-COMPLAINT-16)
    )
    read_back_required: bool = (
        False  # a phone intake under a policy demanding read-back (R-COMPLAINT-41)
    )
    # Facts on record
    read_back_confirmed: bool = False
    contact_sheet_approved: bool = False
    has_open_contact_sheet: bool = False
    customer_signed: bool = False
    revisit_done: bool = False
    revisit_satisfied: bool = False  # the latest revisit found the customer satisfied
    customer_affirmed: bool = False
    cause_analysis_done: bool = False
    letter_issued_or_not_needed: bool = True
    chairman_approved: bool = False
    decision_recorded: bool = False  # the company's decision lifting the no-promise freeze
    linked_case_closed: bool = False  # the forwarded-to complaint is closed
    archive_target_set: bool = False
    # Inputs of the action being taken
    reason_given: bool = False
    rectification_deadline_set: bool = False

    @property
    def is_complaint(self) -> bool:
        return self.kind in COMPLAINT_KINDS

    @property
    def promise_frozen(self) -> bool:
        """R-COMPLAINT-06: major or compensation complaints, until the company decides."""
        return (self.is_major or self.compensation_demanded) and not self.decision_recorded


# --- Guards: None when satisfied, otherwise the reason shown to the user --------------------------


def guard_read_back_confirmed(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-41: a phone intake is read back to the caller and confirmed before handling."""
    if ctx.read_back_required and not ctx.read_back_confirmed:
        return _("Read the key points back to the caller and confirm them first")
    return None


def guard_contact_sheet_approved(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-20: no contact sheet leaves without the approver's review (LH: 营销策划部经理)."""
    if ctx.contact_sheet_approval_required and not ctx.contact_sheet_approved:
        return _("The contact sheet must be approved before it is issued")
    return None


def guard_no_open_contact_sheet(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-21: every responsible department reports back before the customer is answered."""
    if ctx.has_open_contact_sheet:
        return _("Every responsible department must report its result first")
    return None


def guard_rectification_deadline_set(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-10/44: acceptance and reopening carry a rectification deadline."""
    if not ctx.rectification_deadline_set:
        return _("Set the rectification deadline")
    return None


def guard_reason_given(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-19/42/90e: declining or explaining records the reason."""
    if not ctx.reason_given:
        return _("Enter the reason or explanation")
    return None


def guard_no_promise_freeze(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-06/27/38: no promise, refusal or answer before the company decides a major or
    compensation complaint."""
    if ctx.promise_frozen:
        return _(
            "No promise or refusal before the company decides on a major or compensation complaint"
        )
    return None


def guard_revisit_done(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-09: a complaint is revisited before closure when the policy requires it."""
    if ctx.is_complaint and ctx.revisit_required and not ctx.revisit_done:
        return _("The customer must be revisited first")
    return None


def guard_revisit_satisfied(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-90d (LH, CM): the customer was satisfied at the latest revisit."""
    if ctx.is_complaint and ctx.satisfaction_required and not ctx.revisit_satisfied:
        return _("The customer must be satisfied at the revisit")
    return None


def guard_revisit_dissatisfied(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-10/67: rectification follows a revisit at which the customer was dissatisfied."""
    if not ctx.revisit_done or ctx.revisit_satisfied:
        return _("Rectification follows a revisit where the customer was dissatisfied")
    return None


def guard_customer_signed(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-49 (PCS): the owner signs their opinion on the complaint handling document."""
    if ctx.is_complaint and ctx.customer_signature_required and not ctx.customer_signed:
        return _("The owner must sign their opinion on the complaint handling document")
    return None


def guard_manager_reviewed(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-49 (PCS): closure goes through the manager's review when the policy says so."""
    if ctx.is_complaint and ctx.manager_review_required:
        return _("The manager must review it first")
    return None


def guard_customer_affirmed(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-74 (SO): the customer's affirmation of the reply is on record."""
    if ctx.is_complaint and ctx.affirmation_required and not ctx.customer_affirmed:
        return _("The customer's affirmation must be recorded first")
    return None


def guard_cause_analysis_done(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-78 (SO): cause analysis and corrective measures are recorded before closure."""
    if ctx.is_complaint and ctx.cause_analysis_required and not ctx.cause_analysis_done:
        return _("Record the cause analysis and corrective measures first")
    return None


def guard_chairman_approved(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-16 (LH): closing a particularly major complaint needs the chairman's approval."""
    if ctx.chairman_approval_required and not ctx.chairman_approved:
        return _("The chairman must approve closing a particularly major complaint")
    return None


def guard_letter_issued(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-23 (LH): a written reply letter is co-signed, reviewed by legal and issued."""
    if not ctx.letter_issued_or_not_needed:
        return _("The reply letter must be co-signed, reviewed by legal and issued first")
    return None


def guard_archive_target_set(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-11: the records have a place in the owner archive, household file or CS archive."""
    if not ctx.archive_target_set:
        return _("Choose where the records are filed first")
    return None


def guard_linked_case_closed(ctx: GuardContext) -> StrOrPromise | None:
    """R-COMPLAINT-15/90f: a forwarded record closes after the receiving side closes its complaint."""
    if not ctx.linked_case_closed:
        return _("The receiving side must close the forwarded complaint first")
    return None


Guard = Callable[[GuardContext], "StrOrPromise | None"]

GUARDS: dict[str, Guard] = {
    "read_back_confirmed": guard_read_back_confirmed,
    "contact_sheet_approved": guard_contact_sheet_approved,
    "no_open_contact_sheet": guard_no_open_contact_sheet,
    "rectification_deadline_set": guard_rectification_deadline_set,
    "reason_given": guard_reason_given,
    "no_promise_freeze": guard_no_promise_freeze,
    "revisit_done": guard_revisit_done,
    "revisit_satisfied": guard_revisit_satisfied,
    "revisit_dissatisfied": guard_revisit_dissatisfied,
    "customer_signed": guard_customer_signed,
    "manager_reviewed": guard_manager_reviewed,
    "customer_affirmed": guard_customer_affirmed,
    "cause_analysis_done": guard_cause_analysis_done,
    "chairman_approved": guard_chairman_approved,
    "letter_issued": guard_letter_issued,
    "archive_target_set": guard_archive_target_set,
    "linked_case_closed": guard_linked_case_closed,
}

# Guards on what the user enters in the action's form, with the form field they concern.
INPUT_GUARDS: Mapping[str, str] = {
    "reason_given": "reason",
    "rectification_deadline_set": "rectification_deadline",
}


@dataclass(frozen=True)
class Transition:
    """One row of the table. `to=None`: the action is logged and the state stays."""

    to: State | None
    slots: frozenset[Slot]
    guards: tuple[str, ...] = ()
    kinds: frozenset[Kind] = field(default=ALL_KINDS)

    def next_state(self, current: State) -> State:
        return self.to if self.to is not None else current


# --- The table ------------------------------------------------------------------------------------

HANDLING = frozenset({Slot.HANDLER, Slot.SUPERVISOR, Slot.MANAGER})
FRONT_LINE = HANDLING | {Slot.RECEIVER}
ON_SPOT = FRONT_LINE | {Slot.DEPARTMENT}  # SO: the complained department's head handles on site
REPLIERS = HANDLING | {Slot.EXECUTIVE}  # SO: important/major answered by 销管部 or deputy GM
REVIEWERS = frozenset({Slot.MANAGER, Slot.EXECUTIVE})
CLOSERS = HANDLING | {Slot.EXECUTIVE}
ARCHIVERS = frozenset({Slot.ARCHIVIST, Slot.HANDLER, Slot.MANAGER})
LEADERS = frozenset({Slot.MANAGER, Slot.EXECUTIVE, Slot.CHAIRMAN})

REPLY_GUARDS = ("no_open_contact_sheet", "no_promise_freeze", "letter_issued")
REVIEW_GUARDS = (
    "no_open_contact_sheet",
    "letter_issued",
    "revisit_done",
    "revisit_satisfied",
    "customer_signed",
    "customer_affirmed",
)
CLOSE_GUARDS = (*REVIEW_GUARDS, "cause_analysis_done", "chairman_approved")
REOPEN_GUARDS = ("revisit_dissatisfied", "rectification_deadline_set")

_STATE_CHANGES: dict[tuple[State, Action], Transition] = {
    # Intake: first actions out of `received` need the phone read-back (R-COMPLAINT-41).
    (State.RECEIVED, Action.CLASSIFY): Transition(
        State.CLASSIFIED, HANDLING, ("read_back_confirmed",), NON_PRAISE_KINDS
    ),
    (State.RECEIVED, Action.ANSWER_ON_SPOT): Transition(
        State.ANSWERED_ON_SPOT, FRONT_LINE, ("read_back_confirmed",), REQUEST_KINDS
    ),
    (State.RECEIVED, Action.REPLY): Transition(
        State.RESOLVED, HANDLING, ("read_back_confirmed", "letter_issued"), REQUEST_KINDS
    ),
    (State.RECEIVED, Action.FORWARD): Transition(
        State.FORWARDED, HANDLING, ("read_back_confirmed",), NON_PRAISE_KINDS
    ),
    (State.RECEIVED, Action.VERIFY): Transition(
        State.VERIFIED, HANDLING, ("read_back_confirmed",), PRAISE_KINDS
    ),
    # Classified (定性): verify, or one of the short branches.
    (State.CLASSIFIED, Action.VERIFY): Transition(State.VERIFIED, HANDLING, (), NON_PRAISE_KINDS),
    (State.CLASSIFIED, Action.EXPLAIN): Transition(
        State.EXPLAINED, HANDLING, ("reason_given", "no_promise_freeze"), COMPLAINT_KINDS
    ),
    (State.CLASSIFIED, Action.DECLINE): Transition(
        State.DECLINED, HANDLING, ("reason_given", "no_promise_freeze"), COMPLAINT_KINDS
    ),
    (State.CLASSIFIED, Action.ANSWER_ON_SPOT): Transition(
        State.ANSWERED_ON_SPOT, ON_SPOT, ("no_promise_freeze",), NON_PRAISE_KINDS
    ),
    (State.CLASSIFIED, Action.FORWARD): Transition(State.FORWARDED, HANDLING, (), NON_PRAISE_KINDS),
    # Verified (核实): transfer by contact sheet, handle and reply directly, or a short branch.
    (State.VERIFIED, Action.TRANSFER): Transition(
        State.ASSIGNED, HANDLING, ("contact_sheet_approved",), NON_PRAISE_KINDS
    ),
    (State.VERIFIED, Action.REPLY): Transition(
        State.RESOLVED, REPLIERS, REPLY_GUARDS, NON_PRAISE_KINDS
    ),
    (State.VERIFIED, Action.EXPLAIN): Transition(
        State.EXPLAINED, HANDLING, ("reason_given", "no_promise_freeze"), COMPLAINT_KINDS
    ),
    (State.VERIFIED, Action.DECLINE): Transition(
        State.DECLINED, HANDLING, ("reason_given", "no_promise_freeze"), COMPLAINT_KINDS
    ),
    (State.VERIFIED, Action.FORWARD): Transition(State.FORWARDED, HANDLING, (), NON_PRAISE_KINDS),
    (State.VERIFIED, Action.REPORT_PRAISE): Transition(
        State.REPORTED, frozenset({Slot.HANDLER, Slot.SUPERVISOR}), (), PRAISE_KINDS
    ),
    # Assigned (移交): the department accepts with a deadline, or reports it cannot solve it
    # (R-COMPLAINT-45) and the handler transfers again.
    (State.ASSIGNED, Action.ACCEPT): Transition(
        State.IN_PROGRESS,
        frozenset({Slot.DEPARTMENT}),
        ("rectification_deadline_set",),
        NON_PRAISE_KINDS,
    ),
    (State.ASSIGNED, Action.FEEDBACK): Transition(
        None, frozenset({Slot.DEPARTMENT}), (), NON_PRAISE_KINDS
    ),
    (State.ASSIGNED, Action.TRANSFER): Transition(
        State.ASSIGNED, HANDLING, ("contact_sheet_approved",), NON_PRAISE_KINDS
    ),
    # In progress (处理中): departments report, the handler answers the customer.
    (State.IN_PROGRESS, Action.FEEDBACK): Transition(
        None, frozenset({Slot.DEPARTMENT}), (), NON_PRAISE_KINDS
    ),
    (State.IN_PROGRESS, Action.TRANSFER): Transition(
        State.ASSIGNED, HANDLING, ("contact_sheet_approved",), NON_PRAISE_KINDS
    ),
    (State.IN_PROGRESS, Action.REPLY): Transition(
        State.RESOLVED, REPLIERS, REPLY_GUARDS, NON_PRAISE_KINDS
    ),
    # Resolved (已答复): revisit, then rectify, review or close.
    (State.RESOLVED, Action.REVISIT): Transition(None, HANDLING, (), NON_PRAISE_KINDS),
    (State.RESOLVED, Action.REOPEN): Transition(
        State.REOPENED, HANDLING, REOPEN_GUARDS, NON_PRAISE_KINDS
    ),
    (State.RESOLVED, Action.REVIEW): Transition(
        State.REVIEWED, REVIEWERS, REVIEW_GUARDS, NON_PRAISE_KINDS
    ),
    (State.RESOLVED, Action.CLOSE): Transition(
        State.CLOSED, CLOSERS, (*CLOSE_GUARDS, "manager_reviewed"), NON_PRAISE_KINDS
    ),
    # Reopened (限期整改): back to handling until the customer is satisfied (R-COMPLAINT-10/67).
    (State.REOPENED, Action.ACCEPT): Transition(
        State.IN_PROGRESS,
        frozenset({Slot.DEPARTMENT, Slot.HANDLER}),
        ("rectification_deadline_set",),
        NON_PRAISE_KINDS,
    ),
    (State.REOPENED, Action.TRANSFER): Transition(
        State.ASSIGNED, HANDLING, ("contact_sheet_approved",), NON_PRAISE_KINDS
    ),
    (State.REOPENED, Action.REPLY): Transition(
        State.RESOLVED, REPLIERS, REPLY_GUARDS, NON_PRAISE_KINDS
    ),
    # Reviewed (审阅) → closed (结案) → archived (归档).
    (State.REVIEWED, Action.CLOSE): Transition(
        State.CLOSED, CLOSERS, CLOSE_GUARDS, NON_PRAISE_KINDS
    ),
    (State.CLOSED, Action.ARCHIVE): Transition(
        State.ARCHIVED, ARCHIVERS, ("archive_target_set",), NON_PRAISE_KINDS
    ),
    # Short branches end in closure (R-COMPLAINT-90e).
    (State.EXPLAINED, Action.CLOSE): Transition(State.CLOSED, CLOSERS, (), COMPLAINT_KINDS),
    (State.DECLINED, Action.CLOSE): Transition(State.CLOSED, CLOSERS, (), COMPLAINT_KINDS),
    (State.ANSWERED_ON_SPOT, Action.REVISIT): Transition(None, HANDLING, (), NON_PRAISE_KINDS),
    (State.ANSWERED_ON_SPOT, Action.REOPEN): Transition(
        State.REOPENED, HANDLING, REOPEN_GUARDS, NON_PRAISE_KINDS
    ),
    (State.ANSWERED_ON_SPOT, Action.REVIEW): Transition(
        State.REVIEWED, REVIEWERS, REVIEW_GUARDS, NON_PRAISE_KINDS
    ),
    (State.ANSWERED_ON_SPOT, Action.CLOSE): Transition(
        State.CLOSED, CLOSERS, (*CLOSE_GUARDS, "manager_reviewed"), NON_PRAISE_KINDS
    ),
    # Forwarded (已转出): the other side's proposal returns it to handling (PCS → 地产客服,
    # R-COMPLAINT-47), or it closes after the linked complaint closes (PCS → LH, R-COMPLAINT-15).
    (State.FORWARDED, Action.FEEDBACK): Transition(
        State.IN_PROGRESS, HANDLING, (), NON_PRAISE_KINDS
    ),
    (State.FORWARDED, Action.CLOSE): Transition(
        State.CLOSED, CLOSERS, ("linked_case_closed",), NON_PRAISE_KINDS
    ),
    # Praise (R-COMPLAINT-32): received → verified → reported → commended.
    (State.REPORTED, Action.COMMEND): Transition(State.COMMENDED, LEADERS, (), PRAISE_KINDS),
}

# Open states of the non-praise kinds, where the logged actions apply.
_CASE_OPEN_STATES: tuple[State, ...] = (
    State.RECEIVED,
    State.CLASSIFIED,
    State.VERIFIED,
    State.ASSIGNED,
    State.IN_PROGRESS,
    State.RESOLVED,
    State.REOPENED,
    State.REVIEWED,
    State.EXPLAINED,
    State.DECLINED,
    State.ANSWERED_ON_SPOT,
    State.FORWARDED,
)
_WAITING_ON_OTHERS: tuple[State, ...] = (
    State.ASSIGNED,
    State.IN_PROGRESS,
    State.REOPENED,
    State.FORWARDED,
)

# Logged actions (to=None): which states, who, which guards, which kinds.
_LOGGED: dict[
    Action, tuple[tuple[State, ...], frozenset[Slot], tuple[str, ...], frozenset[Kind]]
] = {
    # 催问 the department or the other side (R-COMPLAINT-21/48).
    Action.CHASE: (_WAITING_ON_OTHERS, HANDLING, (), NON_PRAISE_KINDS),
    # Each contact with the customer is logged (R-COMPLAINT-07).
    Action.CONTACT: (_CASE_OPEN_STATES, FRONT_LINE, (), NON_PRAISE_KINDS),
    # Level change at any time; restarts the new level's timers (SPEC §11.3).
    Action.UPGRADE: (_CASE_OPEN_STATES, REPLIERS, (), COMPLAINT_KINDS),
    # Escalation overlay in any non-terminal state (SPEC §11.3, R-COMPLAINT-45/46/58).
    Action.ESCALATE: (_CASE_OPEN_STATES, REPLIERS, (), NON_PRAISE_KINDS),
    # Cost ledger (R-COMPLAINT-26); entered before closure.
    Action.ADD_COST: (_CASE_OPEN_STATES, HANDLING, (), COMPLAINT_KINDS),
    # Promises are recorded (R-COMPLAINT-28) and frozen before the decision (R-COMPLAINT-06).
    Action.RECORD_PROMISE: (_CASE_OPEN_STATES, REPLIERS, ("no_promise_freeze",), COMPLAINT_KINDS),
    # The company's decision lifts the freeze (R-COMPLAINT-06/16/27/29).
    Action.DECIDE: (_CASE_OPEN_STATES, LEADERS, (), COMPLAINT_KINDS),
}

TRANSITIONS: dict[tuple[State, Action], Transition] = {
    **_STATE_CHANGES,
    **{
        (state, action): Transition(None, slots, guards, kinds)
        for action, (states, slots, guards, kinds) in _LOGGED.items()
        for state in states
    },
}
"""The complaint workflow (SPEC §11.3): `(state, action)` → `Transition`. Anything missing is
refused by `check()`; the whole table is tested in tests/test_workflows.py."""


# --- Asking the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AllowedAction:
    """An action offered to the user; when `allowed` is False, `reason` says why (UI.md)."""

    action: Action
    allowed: bool
    reason: str | None = None


class GuardFailed(TransitionNotAllowed):
    """The row exists and the actor holds a slot, but a guard refuses. `guards` names every failing
    guard in table order; the message is the first one's reason. When only input guards fail, the
    form is incomplete: status 422 with the fields named, like any validation error."""

    def __init__(self, failures: list[tuple[str, StrOrPromise]]) -> None:
        self.guards = tuple(name for name, _reason in failures)
        fields = {INPUT_GUARDS[name]: [reason] for name, reason in failures if name in INPUT_GUARDS}
        super().__init__(failures[0][1], fields=fields)
        if all(name in INPUT_GUARDS for name in self.guards):
            self.status = 422


def failing_guards(
    transition: Transition, ctx: GuardContext, *, include_inputs: bool = True
) -> list[tuple[str, StrOrPromise]]:
    """(guard name, reason) of every guard of `transition` that refuses, in table order."""
    failures: list[tuple[str, StrOrPromise]] = []
    for name in transition.guards:
        if not include_inputs and name in INPUT_GUARDS:
            continue
        reason = GUARDS[name](ctx)
        if reason is not None:
            failures.append((name, reason))
    return failures


def check(
    state: State | str, action: Action | str, actor_slots: Iterable[Slot], ctx: GuardContext
) -> Transition:
    """Return the transition for `action` in `state`, or raise.

    - `TransitionNotAllowed` when the table has no such row, or the row is not for `ctx.kind`;
    - `Forbidden` when the actor holds none of the row's slots;
    - `GuardFailed` (a `TransitionNotAllowed`) when a guard refuses.
    """
    state, action = State(state), Action(action)
    transition = TRANSITIONS.get((state, action))
    if transition is None:
        raise TransitionNotAllowed(
            _("“{action}” is not allowed in state “{state}”").format(
                action=action.label, state=state.label
            )
        )
    if ctx.kind not in transition.kinds:
        raise TransitionNotAllowed(
            _("“{action}” does not apply to this kind of request").format(action=action.label)
        )
    if not transition.slots & frozenset(actor_slots):
        raise Forbidden(
            _("Your role on this complaint does not allow “{action}”").format(action=action.label)
        )
    failures = failing_guards(transition, ctx)
    if failures:
        raise GuardFailed(failures)
    return transition


def allowed_actions(
    state: State | str, kind: Kind | str, actor_slots: Iterable[Slot], ctx: GuardContext
) -> list[AllowedAction]:
    """The actions to show the actor in `state`, in button order: rows of this kind whose slots
    the actor holds. An action whose precondition guards refuse is listed disabled with the first
    reason; input guards are left to the action's form."""
    state, kind = State(state), Kind(kind)
    if ctx.kind != kind:
        raise ValueError(f"kind {kind!r} does not match the context's {ctx.kind!r}")
    slots = frozenset(actor_slots)
    result: list[AllowedAction] = []
    for action in Action:
        transition = TRANSITIONS.get((state, action))
        if transition is None or kind not in transition.kinds or not transition.slots & slots:
            continue
        failures = failing_guards(transition, ctx, include_inputs=False)
        reason = str(failures[0][1]) if failures else None
        result.append(AllowedAction(action=action, allowed=not failures, reason=reason))
    return result


def event_name(action: Action | str) -> str:
    """The timeline verb of an action, e.g. `complaint.verified`."""
    return ACTION_EVENTS[Action(action)]


def describe() -> list[dict[str, Any]]:
    """The table as plain data, for the OpenAPI description and docs."""
    return [
        {
            "state": str(state),
            "action": str(action),
            "to": str(t.to) if t.to is not None else None,
            "slots": sorted(str(s) for s in t.slots),
            "guards": list(t.guards),
            "kinds": sorted(str(k) for k in t.kinds),
        }
        for (state, action), t in TRANSITIONS.items()
    ]
