"""The complaint state machine, tested as a whole table (STYLE §3, SPEC §11.3).

Pure tests: no database. Guard contexts are built from plain facts, as the services will.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.complaints.domain import COMPLAINT_KINDS, REQUEST_KINDS, Kind, Slot
from propdesk.complaints.workflows import (
    ACTION_EVENTS,
    ALL_KINDS,
    GUARDS,
    INPUT_GUARDS,
    OPEN_STATES,
    STATE_COLOUR,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    AllowedAction,
    GuardContext,
    GuardFailed,
    State,
    allowed_actions,
    check,
    describe,
    event_name,
)
from propdesk.core.errors import Forbidden, TransitionNotAllowed

ALL_SLOTS = frozenset(Slot)

# Every guard of the table passes in this context (nothing required, everything on record).
SATISFIED = GuardContext(
    read_back_confirmed=True,
    contact_sheet_approved=True,
    has_open_contact_sheet=False,
    rectification_deadline_set=True,
    reason_given=True,
    decision_recorded=True,
    revisit_done=True,
    revisit_satisfied=False,
    customer_signed=True,
    customer_affirmed=True,
    cause_analysis_done=True,
    chairman_approved=True,
    letter_issued_or_not_needed=True,
    archive_target_set=True,
    linked_case_closed=True,
)

BOOL_FIELDS = tuple(f.name for f in dataclasses.fields(GuardContext) if f.type == "bool")

# The closure flags of the four shipped presets (R-COMPLAINT-90d, 20, 41); the policy layer
# (domain.py) owns the real presets, the service turns them into these flags.
LH = {
    "contact_sheet_approval_required": True,
    "revisit_required": True,
    "satisfaction_required": True,
}
PCS = {
    "customer_signature_required": True,
    "manager_review_required": True,
    "revisit_required": True,
    "read_back_required": True,
}
CM = {"revisit_required": True, "satisfaction_required": True}
SO = {"affirmation_required": True, "cause_analysis_required": True, "revisit_required": True}


def ctx(**facts: object) -> GuardContext:
    return GuardContext(**facts)  # type: ignore[arg-type]


def refused_guards(
    state: State, action: Action, slots: Iterable[Slot], context: GuardContext
) -> tuple[str, ...]:
    with pytest.raises(GuardFailed) as info:
        check(state, action, slots, context)
    return info.value.guards


Step = tuple[Action, Slot, Mapping[str, object], "State | tuple[str, ...]"]


def walk(
    steps: list[Step], *, policy: Mapping[str, object], kind: Kind = Kind.COMPLAINT
) -> list[State]:
    """Drive the table from `received`. Each step adds facts, then takes an action as one slot
    and expects either the next state or the exact guards that refuse (the state then stays)."""
    state = State.RECEIVED
    facts: dict[str, object] = dict(policy)
    visited = [state]
    for action, slot, new_facts, expected in steps:
        facts.update(new_facts)
        context = GuardContext(kind=kind, **facts)  # type: ignore[arg-type]
        if isinstance(expected, tuple):
            assert refused_guards(state, action, {slot}, context) == expected, (state, action)
            continue
        state = check(state, action, {slot}, context).next_state(state)
        assert state == expected, (action, state)
        visited.append(state)
    return visited


# --- The whole table --------------------------------------------------------------------------

MISSING_PAIRS = [pair for pair in itertools.product(State, Action) if pair not in TRANSITIONS]


@pytest.mark.parametrize(("state", "action"), MISSING_PAIRS)
def test_every_pair_missing_from_the_table_is_refused(state: State, action: Action) -> None:
    # given an actor holding every slot and every guard satisfied, for every kind
    for kind in Kind:
        # when the pair is not in the table
        with pytest.raises(TransitionNotAllowed) as info:
            check(state, action, ALL_SLOTS, dataclasses.replace(SATISFIED, kind=kind))
        # then it is refused by the table itself, naming the action and the state
        assert type(info.value) is TransitionNotAllowed
        assert str(action.label) in info.value.message
        assert str(state.label) in info.value.message


ROWS_BY_KIND = [
    (state, action, kind)
    for (state, action), transition in TRANSITIONS.items()
    for kind in sorted(transition.kinds)
]


@pytest.mark.parametrize(("state", "action", "kind"), ROWS_BY_KIND)
def test_every_row_with_satisfied_guards_returns_its_transition(
    state: State, action: Action, kind: Kind
) -> None:
    transition = TRANSITIONS[(state, action)]
    for slot in transition.slots:
        assert check(state, action, {slot}, dataclasses.replace(SATISFIED, kind=kind)) is transition


ROWS_WRONG_KIND = [
    (state, action, kind)
    for (state, action), transition in TRANSITIONS.items()
    for kind in sorted(ALL_KINDS - transition.kinds)
]


@pytest.mark.parametrize(("state", "action", "kind"), ROWS_WRONG_KIND)
def test_a_row_refuses_kinds_it_is_not_for(state: State, action: Action, kind: Kind) -> None:
    with pytest.raises(TransitionNotAllowed) as info:
        check(state, action, ALL_SLOTS, dataclasses.replace(SATISFIED, kind=kind))
    assert type(info.value) is TransitionNotAllowed
    assert str(action.label) in info.value.message


@pytest.mark.parametrize(("state", "action"), list(TRANSITIONS))
def test_every_row_refuses_an_actor_without_its_slots(state: State, action: Action) -> None:
    transition = TRANSITIONS[(state, action)]
    kind = min(transition.kinds)
    outsider = ALL_SLOTS - transition.slots
    with pytest.raises(Forbidden) as info:
        check(state, action, outsider, dataclasses.replace(SATISFIED, kind=kind))
    assert str(action.label) in info.value.message
    with pytest.raises(Forbidden):
        check(state, action, set(), dataclasses.replace(SATISFIED, kind=kind))


def test_the_table_names_only_known_guards_and_uses_every_guard() -> None:
    used = {name for transition in TRANSITIONS.values() for name in transition.guards}
    assert used == set(GUARDS)
    assert set(INPUT_GUARDS) <= set(GUARDS)


def test_logged_actions_never_change_the_state() -> None:
    logged = {
        Action.CHASE,
        Action.CONTACT,
        Action.UPGRADE,
        Action.ESCALATE,
        Action.ADD_COST,
        Action.RECORD_PROMISE,
        Action.DECIDE,
    }
    rows = [t for (_s, a), t in TRANSITIONS.items() if a in logged]
    assert rows
    assert all(t.to is None for t in rows)


def test_nothing_leaves_a_terminal_state_except_archive_from_closed() -> None:
    leaving = {
        (state, action)
        for (state, action), t in TRANSITIONS.items()
        if state in TERMINAL_STATES and t.next_state(state) != state
    }
    assert leaving == {(State.CLOSED, Action.ARCHIVE)}
    assert [a for (s, a) in TRANSITIONS if s in {State.ARCHIVED, State.COMMENDED}] == []


def test_terminal_and_open_states_partition_the_states() -> None:
    assert {State.CLOSED, State.ARCHIVED, State.COMMENDED} == TERMINAL_STATES
    assert set(State) == OPEN_STATES | TERMINAL_STATES
    assert not OPEN_STATES & TERMINAL_STATES


def _reachable(kind: Kind) -> set[State]:
    seen, todo = {State.RECEIVED}, [State.RECEIVED]
    while todo:
        state = todo.pop()
        for (source, _action), t in TRANSITIONS.items():
            if source == state and kind in t.kinds and t.next_state(state) not in seen:
                seen.add(t.next_state(state))
                todo.append(t.next_state(state))
    return seen


def test_every_state_is_reachable_and_every_open_state_can_finish() -> None:
    complaint = _reachable(Kind.COMPLAINT)
    praise = _reachable(Kind.PRAISE)
    assert complaint | praise == set(State)
    assert praise == {State.RECEIVED, State.VERIFIED, State.REPORTED, State.COMMENDED}
    for state in OPEN_STATES:
        exits = {t.next_state(state) for (s, _a), t in TRANSITIONS.items() if s == state}
        assert exits - {state}, f"{state} is a dead end"


def test_every_state_has_a_ui_colour_from_the_palette() -> None:
    assert set(STATE_COLOUR) == set(State)
    assert set(STATE_COLOUR.values()) == {"grey", "blue", "purple", "green", "dark", "orange"}
    assert STATE_COLOUR[State.RECEIVED] == "grey"
    assert STATE_COLOUR[State.IN_PROGRESS] == "blue"
    assert STATE_COLOUR[State.ASSIGNED] == "purple"
    assert STATE_COLOUR[State.RESOLVED] == "green"
    assert STATE_COLOUR[State.CLOSED] == "dark"
    assert STATE_COLOUR[State.REOPENED] == "orange"


def test_every_action_has_one_timeline_verb() -> None:
    assert set(ACTION_EVENTS) == set(Action)
    assert len(set(ACTION_EVENTS.values())) == len(Action)
    assert event_name("verify") == "complaint.verified"
    assert event_name(Action.REPORT_PRAISE) == "complaint.praise_reported"


def test_describe_lists_every_row_as_plain_data() -> None:
    rows = describe()
    assert len(rows) == len(TRANSITIONS)
    assert {
        "state": "verified",
        "action": "transfer",
        "to": "assigned",
        "slots": ["handler", "manager", "supervisor"],
        "guards": ["contact_sheet_approved"],
        "kinds": ["complaint", "consultation", "opinion", "service_request", "special_service"],
    } in rows


def test_check_accepts_plain_string_values() -> None:
    transition = check("classified", "verify", {Slot.HANDLER}, SATISFIED)
    assert transition is TRANSITIONS[(State.CLASSIFIED, Action.VERIFY)]
    assert transition.next_state(State.CLASSIFIED) == State.VERIFIED


# --- Each guard fails and passes ----------------------------------------------------------------

GUARD_CASES: list[tuple[str, GuardContext, GuardContext]] = [
    (
        "read_back_confirmed",
        ctx(read_back_required=True),
        ctx(read_back_required=True, read_back_confirmed=True),
    ),
    (
        "contact_sheet_approved",
        ctx(contact_sheet_approval_required=True),
        ctx(contact_sheet_approval_required=True, contact_sheet_approved=True),
    ),
    ("no_open_contact_sheet", ctx(has_open_contact_sheet=True), ctx()),
    ("rectification_deadline_set", ctx(), ctx(rectification_deadline_set=True)),
    ("reason_given", ctx(), ctx(reason_given=True)),
    ("no_promise_freeze", ctx(is_major=True), ctx(is_major=True, decision_recorded=True)),
    (
        "revisit_done",
        ctx(revisit_required=True),
        ctx(revisit_required=True, revisit_done=True),
    ),
    (
        "revisit_satisfied",
        ctx(satisfaction_required=True, revisit_done=True),
        ctx(satisfaction_required=True, revisit_done=True, revisit_satisfied=True),
    ),
    (
        "revisit_dissatisfied",
        ctx(revisit_done=True, revisit_satisfied=True),
        ctx(revisit_done=True),
    ),
    (
        "customer_signed",
        ctx(customer_signature_required=True),
        ctx(customer_signature_required=True, customer_signed=True),
    ),
    ("manager_reviewed", ctx(manager_review_required=True), ctx()),
    (
        "customer_affirmed",
        ctx(affirmation_required=True),
        ctx(affirmation_required=True, customer_affirmed=True),
    ),
    (
        "cause_analysis_done",
        ctx(cause_analysis_required=True),
        ctx(cause_analysis_required=True, cause_analysis_done=True),
    ),
    (
        "chairman_approved",
        ctx(chairman_approval_required=True),
        ctx(chairman_approval_required=True, chairman_approved=True),
    ),
    ("letter_issued", ctx(letter_issued_or_not_needed=False), ctx()),
    ("archive_target_set", ctx(), ctx(archive_target_set=True)),
    ("linked_case_closed", ctx(), ctx(linked_case_closed=True)),
]


def test_every_guard_has_a_failing_and_a_passing_case() -> None:
    assert sorted(name for name, _f, _p in GUARD_CASES) == sorted(GUARDS)


@pytest.mark.parametrize(("name", "failing", "passing"), GUARD_CASES)
def test_guard_fails_then_passes(name: str, failing: GuardContext, passing: GuardContext) -> None:
    guard = GUARDS[name]
    reason = guard(failing)
    assert reason is not None
    assert str(reason)
    assert guard(passing) is None


@pytest.mark.parametrize(
    "name",
    [
        "revisit_done",
        "revisit_satisfied",
        "customer_signed",
        "manager_reviewed",
        "customer_affirmed",
        "cause_analysis_done",
    ],
)
def test_closure_evidence_applies_to_complaint_kinds_only(name: str) -> None:
    # given a policy demanding every closure evidence and nothing on record
    demanding = ctx(
        revisit_required=True,
        satisfaction_required=True,
        customer_signature_required=True,
        manager_review_required=True,
        affirmation_required=True,
        cause_analysis_required=True,
    )
    for kind in COMPLAINT_KINDS:
        assert GUARDS[name](dataclasses.replace(demanding, kind=kind)) is not None
    for kind in REQUEST_KINDS:
        assert GUARDS[name](dataclasses.replace(demanding, kind=kind)) is None


# --- Rules ---------------------------------------------------------------------------------------


def test_r_complaint_19_decline_needs_reason() -> None:
    # R-COMPLAINT-19
    # when a handler declines without a reason
    with pytest.raises(GuardFailed) as info:
        check(State.VERIFIED, Action.DECLINE, {Slot.HANDLER}, ctx())
    # then the form field is named, as a validation error
    assert info.value.guards == ("reason_given",)
    assert info.value.status == 422
    assert info.value.fields == {"reason": [info.value.message]}
    # and with the reason it is declined
    done = check(State.VERIFIED, Action.DECLINE, {Slot.HANDLER}, ctx(reason_given=True))
    assert done.to == State.DECLINED
    assert check(State.DECLINED, Action.CLOSE, {Slot.HANDLER}, ctx()).to == State.CLOSED


def test_r_complaint_42_explain_needs_explanation() -> None:
    # R-COMPLAINT-42
    assert refused_guards(State.CLASSIFIED, Action.EXPLAIN, {Slot.HANDLER}, ctx()) == (
        "reason_given",
    )
    explained = check(State.CLASSIFIED, Action.EXPLAIN, {Slot.HANDLER}, ctx(reason_given=True))
    assert explained.to == State.EXPLAINED


def test_r_complaint_20_transfer_needs_approval_when_the_policy_says() -> None:
    # R-COMPLAINT-20
    lh = ctx(contact_sheet_approval_required=True)
    with pytest.raises(GuardFailed) as info:
        check(State.VERIFIED, Action.TRANSFER, {Slot.HANDLER}, lh)
    assert info.value.guards == ("contact_sheet_approved",)
    assert info.value.status == 409
    assert info.value.fields == {}
    approved = dataclasses.replace(lh, contact_sheet_approved=True)
    assert check(State.VERIFIED, Action.TRANSFER, {Slot.HANDLER}, approved).to == State.ASSIGNED
    # a policy without the approval step transfers at once (PCS, R-COMPLAINT-43)
    assert check(State.VERIFIED, Action.TRANSFER, {Slot.HANDLER}, ctx()).to == State.ASSIGNED


def test_r_complaint_44_accept_needs_rectification_deadline() -> None:
    # R-COMPLAINT-44
    assert refused_guards(State.ASSIGNED, Action.ACCEPT, {Slot.DEPARTMENT}, ctx()) == (
        "rectification_deadline_set",
    )
    accepted = check(
        State.ASSIGNED, Action.ACCEPT, {Slot.DEPARTMENT}, ctx(rectification_deadline_set=True)
    )
    assert accepted.to == State.IN_PROGRESS
    # the handler does not accept for the department
    with pytest.raises(Forbidden):
        check(State.ASSIGNED, Action.ACCEPT, {Slot.HANDLER}, ctx(rectification_deadline_set=True))


def test_r_complaint_10_reopen_needs_dissatisfied_revisit_and_deadline() -> None:
    # no revisit yet: neither the revisit nor the deadline
    assert refused_guards(State.RESOLVED, Action.REOPEN, {Slot.HANDLER}, ctx()) == (
        "revisit_dissatisfied",
        "rectification_deadline_set",
    )
    # a satisfied customer is not reopened
    satisfied = ctx(revisit_done=True, revisit_satisfied=True, rectification_deadline_set=True)
    assert refused_guards(State.RESOLVED, Action.REOPEN, {Slot.HANDLER}, satisfied) == (
        "revisit_dissatisfied",
    )
    dissatisfied = ctx(revisit_done=True, rectification_deadline_set=True)
    reopened = check(State.RESOLVED, Action.REOPEN, {Slot.HANDLER}, dissatisfied)
    assert reopened.to == State.REOPENED
    assert STATE_COLOUR[State.REOPENED] == "orange"


def test_r_complaint_09_revisit_is_mandatory_before_closure() -> None:
    # R-COMPLAINT-09
    policy = ctx(revisit_required=True)
    assert refused_guards(State.RESOLVED, Action.CLOSE, {Slot.HANDLER}, policy) == ("revisit_done",)
    revisit = check(State.RESOLVED, Action.REVISIT, {Slot.HANDLER}, policy)
    assert revisit.to is None
    assert revisit.next_state(State.RESOLVED) == State.RESOLVED
    revisited = dataclasses.replace(policy, revisit_done=True)
    assert check(State.RESOLVED, Action.CLOSE, {Slot.HANDLER}, revisited).to == State.CLOSED


def test_r_complaint_90d_lh_and_cm_close_needs_revisit_satisfaction() -> None:
    for policy in (LH, CM):
        dissatisfied = ctx(**policy, revisit_done=True)
        assert refused_guards(State.RESOLVED, Action.CLOSE, {Slot.HANDLER}, dissatisfied) == (
            "revisit_satisfied",
        )
        satisfied = dataclasses.replace(dissatisfied, revisit_satisfied=True)
        assert check(State.RESOLVED, Action.CLOSE, {Slot.HANDLER}, satisfied).to == State.CLOSED


def test_r_complaint_49_pcs_close_needs_signature_and_manager_review() -> None:
    # R-COMPLAINT-49
    pcs = ctx(**PCS, read_back_confirmed=True, revisit_done=True)
    # closing straight from resolved is refused for both reasons
    assert refused_guards(State.RESOLVED, Action.CLOSE, {Slot.HANDLER}, pcs) == (
        "customer_signed",
        "manager_reviewed",
    )
    # the manager reviews only what the owner signed
    assert refused_guards(State.RESOLVED, Action.REVIEW, {Slot.MANAGER}, pcs) == (
        "customer_signed",
    )
    signed = dataclasses.replace(pcs, customer_signed=True)
    with pytest.raises(Forbidden):
        check(State.RESOLVED, Action.REVIEW, {Slot.HANDLER}, signed)
    assert check(State.RESOLVED, Action.REVIEW, {Slot.MANAGER}, signed).to == State.REVIEWED
    assert check(State.REVIEWED, Action.CLOSE, {Slot.HANDLER}, signed).to == State.CLOSED


def test_r_complaint_74_so_close_needs_customer_affirmation() -> None:
    # R-COMPLAINT-74
    so = ctx(**SO, revisit_done=True, cause_analysis_done=True)
    assert refused_guards(State.RESOLVED, Action.CLOSE, {Slot.MANAGER}, so) == (
        "customer_affirmed",
    )
    affirmed = dataclasses.replace(so, customer_affirmed=True)
    assert check(State.RESOLVED, Action.CLOSE, {Slot.MANAGER}, affirmed).to == State.CLOSED


def test_r_complaint_78_so_close_needs_cause_analysis() -> None:
    # R-COMPLAINT-78
    so = ctx(**SO, revisit_done=True, customer_affirmed=True)
    assert refused_guards(State.RESOLVED, Action.CLOSE, {Slot.MANAGER}, so) == (
        "cause_analysis_done",
    )
    analysed = dataclasses.replace(so, cause_analysis_done=True)
    assert check(State.RESOLVED, Action.CLOSE, {Slot.MANAGER}, analysed).to == State.CLOSED


def test_r_complaint_16_particularly_major_close_needs_chairman_approval() -> None:
    # R-COMPLAINT-16
    top = ctx(is_major=True, decision_recorded=True, chairman_approval_required=True)
    assert refused_guards(State.REVIEWED, Action.CLOSE, {Slot.EXECUTIVE}, top) == (
        "chairman_approved",
    )
    approved = dataclasses.replace(top, chairman_approved=True)
    assert check(State.REVIEWED, Action.CLOSE, {Slot.EXECUTIVE}, approved).to == State.CLOSED


def test_r_complaint_11_archive_needs_archive_target() -> None:
    # R-COMPLAINT-11
    assert refused_guards(State.CLOSED, Action.ARCHIVE, {Slot.ARCHIVIST}, ctx()) == (
        "archive_target_set",
    )
    filed = check(State.CLOSED, Action.ARCHIVE, {Slot.ARCHIVIST}, ctx(archive_target_set=True))
    assert filed.to == State.ARCHIVED
    with pytest.raises(TransitionNotAllowed):
        check(State.RESOLVED, Action.ARCHIVE, {Slot.ARCHIVIST}, ctx(archive_target_set=True))


@pytest.mark.parametrize(
    "frozen_case",
    [ctx(is_major=True), ctx(compensation_demanded=True)],
    ids=["major_case", "compensation_case"],
)
def test_r_complaint_06_no_promise_or_refusal_before_the_decision(
    frozen_case: GuardContext,
) -> None:
    # R-COMPLAINT-06
    # given a major or compensation complaint without a company decision
    frozen = dataclasses.replace(frozen_case, reason_given=True)
    # then promises, refusals, explanations and answers are refused
    assert refused_guards(State.VERIFIED, Action.RECORD_PROMISE, {Slot.HANDLER}, frozen) == (
        "no_promise_freeze",
    )
    assert refused_guards(State.VERIFIED, Action.DECLINE, {Slot.HANDLER}, frozen) == (
        "no_promise_freeze",
    )
    assert refused_guards(State.VERIFIED, Action.EXPLAIN, {Slot.HANDLER}, frozen) == (
        "no_promise_freeze",
    )
    assert refused_guards(State.IN_PROGRESS, Action.REPLY, {Slot.HANDLER}, frozen) == (
        "no_promise_freeze",
    )
    # and the button says why
    offered = {
        a.action: a for a in allowed_actions(State.VERIFIED, Kind.COMPLAINT, {Slot.HANDLER}, frozen)
    }
    assert offered[Action.RECORD_PROMISE].allowed is False
    assert offered[Action.RECORD_PROMISE].reason == str(GUARDS["no_promise_freeze"](frozen))
    # the handler cannot decide; the company (leaders) can, which lifts the freeze
    with pytest.raises(Forbidden):
        check(State.VERIFIED, Action.DECIDE, {Slot.HANDLER}, frozen)
    decided = check(State.VERIFIED, Action.DECIDE, {Slot.EXECUTIVE}, frozen)
    assert decided.to is None
    lifted = dataclasses.replace(frozen, decision_recorded=True)
    promise = check(State.VERIFIED, Action.RECORD_PROMISE, {Slot.HANDLER}, lifted)
    assert promise.to is None
    assert check(State.IN_PROGRESS, Action.REPLY, {Slot.HANDLER}, lifted).to == State.RESOLVED


def test_r_complaint_06_general_complaints_are_not_frozen() -> None:
    promise = check(State.VERIFIED, Action.RECORD_PROMISE, {Slot.HANDLER}, ctx())
    assert promise.to is None


def test_r_complaint_41_phone_intake_is_read_back_before_handling() -> None:
    # R-COMPLAINT-41
    phone = ctx(read_back_required=True)
    for action in (Action.CLASSIFY, Action.FORWARD):
        assert refused_guards(State.RECEIVED, action, {Slot.HANDLER}, phone) == (
            "read_back_confirmed",
        )
    consultation = dataclasses.replace(phone, kind=Kind.CONSULTATION)
    assert refused_guards(State.RECEIVED, Action.ANSWER_ON_SPOT, {Slot.RECEIVER}, consultation) == (
        "read_back_confirmed",
    )
    confirmed = dataclasses.replace(phone, read_back_confirmed=True)
    assert check(State.RECEIVED, Action.CLASSIFY, {Slot.HANDLER}, confirmed).to == State.CLASSIFIED
    # contacting the caller again is always possible
    assert check(State.RECEIVED, Action.CONTACT, {Slot.RECEIVER}, phone).to is None


def test_r_complaint_21_reply_waits_for_every_department() -> None:
    # R-COMPLAINT-21
    waiting = ctx(has_open_contact_sheet=True)
    feedback = check(State.IN_PROGRESS, Action.FEEDBACK, {Slot.DEPARTMENT}, waiting)
    assert feedback.to is None
    assert refused_guards(State.IN_PROGRESS, Action.REPLY, {Slot.HANDLER}, waiting) == (
        "no_open_contact_sheet",
    )
    assert check(State.IN_PROGRESS, Action.REPLY, {Slot.HANDLER}, ctx()).to == State.RESOLVED


def test_r_complaint_23_reply_by_letter_needs_the_issued_letter() -> None:
    # R-COMPLAINT-23
    drafted = ctx(letter_issued_or_not_needed=False)
    assert refused_guards(State.IN_PROGRESS, Action.REPLY, {Slot.HANDLER}, drafted) == (
        "letter_issued",
    )
    assert refused_guards(State.RESOLVED, Action.CLOSE, {Slot.HANDLER}, drafted) == (
        "letter_issued",
    )


def test_r_complaint_45_department_that_cannot_solve_reports_and_is_replaced() -> None:
    # R-COMPLAINT-45
    cannot = check(State.ASSIGNED, Action.FEEDBACK, {Slot.DEPARTMENT}, ctx())
    assert cannot.to is None
    assert check(State.ASSIGNED, Action.ESCALATE, {Slot.HANDLER}, ctx()).to is None
    again = check(State.ASSIGNED, Action.TRANSFER, {Slot.MANAGER}, ctx())
    assert again.to == State.ASSIGNED


def test_r_complaint_15_forwarded_record_closes_after_the_linked_complaint() -> None:
    # R-COMPLAINT-15
    forwarded = check(State.RECEIVED, Action.FORWARD, {Slot.HANDLER}, ctx())
    assert forwarded.to == State.FORWARDED
    assert STATE_COLOUR[State.FORWARDED] == "purple"
    assert refused_guards(State.FORWARDED, Action.CLOSE, {Slot.HANDLER}, ctx()) == (
        "linked_case_closed",
    )
    closed = check(State.FORWARDED, Action.CLOSE, {Slot.HANDLER}, ctx(linked_case_closed=True))
    assert closed.to == State.CLOSED


def test_r_complaint_47_forwarded_to_developer_returns_with_its_proposal() -> None:
    # R-COMPLAINT-47
    assert check(State.FORWARDED, Action.CHASE, {Slot.HANDLER}, ctx()).to is None
    proposal = check(State.FORWARDED, Action.FEEDBACK, {Slot.HANDLER}, ctx())
    assert proposal.to == State.IN_PROGRESS


def test_r_complaint_58_cm_manager_classifies_when_the_duty_officer_cannot() -> None:
    # R-COMPLAINT-58
    assert check(State.RECEIVED, Action.ESCALATE, {Slot.HANDLER}, ctx()).to is None
    assert check(State.RECEIVED, Action.CLASSIFY, {Slot.MANAGER}, ctx()).to == State.CLASSIFIED
    with pytest.raises(Forbidden):
        check(State.RECEIVED, Action.CLASSIFY, {Slot.DEPARTMENT}, ctx())


def test_r_complaint_72_so_complained_department_answers_on_the_spot() -> None:
    # R-COMPLAINT-72
    on_spot = check(State.CLASSIFIED, Action.ANSWER_ON_SPOT, {Slot.DEPARTMENT}, ctx())
    assert on_spot.to == State.ANSWERED_ON_SPOT
    # a complaint is classified first; only requests are answered straight from intake
    with pytest.raises(TransitionNotAllowed):
        check(State.RECEIVED, Action.ANSWER_ON_SPOT, {Slot.RECEIVER}, ctx())


@pytest.mark.parametrize("kind", sorted(REQUEST_KINDS))
def test_r_complaint_39_requests_may_close_without_classification(kind: Kind) -> None:
    # R-COMPLAINT-39
    # given a policy demanding every closure evidence of complaints
    demanding = ctx(kind=kind, **{**PCS, **SO}, read_back_confirmed=True)
    on_spot = check(State.RECEIVED, Action.ANSWER_ON_SPOT, {Slot.RECEIVER}, demanding)
    assert on_spot.to == State.ANSWERED_ON_SPOT
    assert check(State.ANSWERED_ON_SPOT, Action.CLOSE, {Slot.HANDLER}, demanding).to == State.CLOSED
    replied = check(State.RECEIVED, Action.REPLY, {Slot.HANDLER}, demanding)
    assert replied.to == State.RESOLVED
    assert check(State.RESOLVED, Action.CLOSE, {Slot.HANDLER}, demanding).to == State.CLOSED


def test_r_complaint_39_a_complaint_cannot_skip_classification() -> None:
    with pytest.raises(TransitionNotAllowed):
        check(State.RECEIVED, Action.REPLY, {Slot.HANDLER}, ctx())


def test_r_complaint_32_praise_is_verified_reported_and_commended() -> None:
    # R-COMPLAINT-32
    visited = walk(
        [
            (Action.VERIFY, Slot.HANDLER, {}, State.VERIFIED),
            (Action.REPORT_PRAISE, Slot.SUPERVISOR, {}, State.REPORTED),
            (Action.COMMEND, Slot.EXECUTIVE, {}, State.COMMENDED),
        ],
        policy={},
        kind=Kind.PRAISE,
    )
    assert visited == [State.RECEIVED, State.VERIFIED, State.REPORTED, State.COMMENDED]
    assert State.COMMENDED in TERMINAL_STATES
    # praise does not take complaint actions
    praise_ctx = ctx(kind=Kind.PRAISE)
    for action in (Action.CLASSIFY, Action.CONTACT, Action.FORWARD):
        with pytest.raises(TransitionNotAllowed):
            check(State.RECEIVED, action, ALL_SLOTS, praise_ctx)
    # and a complaint is not "verified" straight from intake
    with pytest.raises(TransitionNotAllowed):
        check(State.RECEIVED, Action.VERIFY, ALL_SLOTS, ctx())


def test_upgrade_and_escalate_in_every_open_state_of_a_complaint() -> None:
    for state in OPEN_STATES - {State.REPORTED}:
        assert check(state, Action.UPGRADE, {Slot.SUPERVISOR}, ctx()).to is None
        assert check(state, Action.ESCALATE, {Slot.SUPERVISOR}, ctx()).to is None
    for state in TERMINAL_STATES:
        with pytest.raises(TransitionNotAllowed):
            check(state, Action.ESCALATE, ALL_SLOTS, ctx())


# --- The presets walk the table from intake to archive --------------------------------------------


def test_r_complaint_87_lh_path_received_to_archived() -> None:
    # R-COMPLAINT-87
    visited = walk(
        [
            (Action.CLASSIFY, Slot.HANDLER, {}, State.CLASSIFIED),
            (Action.VERIFY, Slot.HANDLER, {}, State.VERIFIED),
            (Action.TRANSFER, Slot.HANDLER, {}, ("contact_sheet_approved",)),
            (Action.TRANSFER, Slot.HANDLER, {"contact_sheet_approved": True}, State.ASSIGNED),
            (Action.CHASE, Slot.HANDLER, {"has_open_contact_sheet": True}, State.ASSIGNED),
            (
                Action.ACCEPT,
                Slot.DEPARTMENT,
                {"rectification_deadline_set": True},
                State.IN_PROGRESS,
            ),
            (Action.REPLY, Slot.HANDLER, {}, ("no_open_contact_sheet",)),
            (
                Action.FEEDBACK,
                Slot.DEPARTMENT,
                {"has_open_contact_sheet": False},
                State.IN_PROGRESS,
            ),
            (Action.ADD_COST, Slot.HANDLER, {}, State.IN_PROGRESS),
            (Action.REPLY, Slot.HANDLER, {}, State.RESOLVED),
            (Action.CLOSE, Slot.HANDLER, {}, ("revisit_done", "revisit_satisfied")),
            (
                Action.REVISIT,
                Slot.HANDLER,
                {"revisit_done": True, "revisit_satisfied": True},
                State.RESOLVED,
            ),
            (Action.CLOSE, Slot.HANDLER, {}, State.CLOSED),
            (Action.ARCHIVE, Slot.ARCHIVIST, {}, ("archive_target_set",)),
            (Action.ARCHIVE, Slot.ARCHIVIST, {"archive_target_set": True}, State.ARCHIVED),
        ],
        policy=LH,
    )
    assert visited == [
        State.RECEIVED,
        State.CLASSIFIED,
        State.VERIFIED,
        State.ASSIGNED,
        State.ASSIGNED,
        State.IN_PROGRESS,
        State.IN_PROGRESS,
        State.IN_PROGRESS,
        State.RESOLVED,
        State.RESOLVED,
        State.CLOSED,
        State.ARCHIVED,
    ]


def test_r_complaint_16_lh_particularly_major_path_waits_for_decision_and_chairman() -> None:
    major = {**LH, "is_major": True, "chairman_approval_required": True}
    walk(
        [
            (Action.CLASSIFY, Slot.HANDLER, {}, State.CLASSIFIED),
            (Action.UPGRADE, Slot.SUPERVISOR, {}, State.CLASSIFIED),
            (Action.VERIFY, Slot.HANDLER, {}, State.VERIFIED),
            (Action.RECORD_PROMISE, Slot.HANDLER, {}, ("no_promise_freeze",)),
            (Action.REPLY, Slot.EXECUTIVE, {}, ("no_promise_freeze",)),
            (Action.DECIDE, Slot.EXECUTIVE, {}, State.VERIFIED),
            (Action.REPLY, Slot.EXECUTIVE, {"decision_recorded": True}, State.RESOLVED),
            (
                Action.REVISIT,
                Slot.MANAGER,
                {"revisit_done": True, "revisit_satisfied": True},
                State.RESOLVED,
            ),
            (Action.CLOSE, Slot.EXECUTIVE, {}, ("chairman_approved",)),
            (Action.CLOSE, Slot.EXECUTIVE, {"chairman_approved": True}, State.CLOSED),
            (Action.ARCHIVE, Slot.HANDLER, {"archive_target_set": True}, State.ARCHIVED),
        ],
        policy=major,
    )


def test_r_complaint_87_pcs_path_with_reopening_received_to_archived() -> None:
    visited = walk(
        [
            (Action.CLASSIFY, Slot.HANDLER, {}, ("read_back_confirmed",)),
            (Action.CLASSIFY, Slot.HANDLER, {"read_back_confirmed": True}, State.CLASSIFIED),
            (Action.VERIFY, Slot.HANDLER, {}, State.VERIFIED),
            (Action.TRANSFER, Slot.HANDLER, {"has_open_contact_sheet": True}, State.ASSIGNED),
            (
                Action.ACCEPT,
                Slot.DEPARTMENT,
                {"rectification_deadline_set": True},
                State.IN_PROGRESS,
            ),
            (
                Action.FEEDBACK,
                Slot.DEPARTMENT,
                {"has_open_contact_sheet": False},
                State.IN_PROGRESS,
            ),
            (Action.REPLY, Slot.HANDLER, {}, State.RESOLVED),
            # dissatisfied at revisit (R-COMPLAINT-10): rectification within a deadline
            (Action.REVISIT, Slot.HANDLER, {"revisit_done": True}, State.RESOLVED),
            (Action.REOPEN, Slot.HANDLER, {}, State.REOPENED),
            (Action.ACCEPT, Slot.HANDLER, {}, State.IN_PROGRESS),
            (Action.CHASE, Slot.SUPERVISOR, {}, State.IN_PROGRESS),
            (Action.REPLY, Slot.HANDLER, {}, State.RESOLVED),
            (Action.REVISIT, Slot.HANDLER, {"revisit_satisfied": True}, State.RESOLVED),
            (Action.CLOSE, Slot.HANDLER, {}, ("customer_signed", "manager_reviewed")),
            (Action.REVIEW, Slot.MANAGER, {"customer_signed": True}, State.REVIEWED),
            (Action.CLOSE, Slot.HANDLER, {}, State.CLOSED),
            (Action.ARCHIVE, Slot.HANDLER, {"archive_target_set": True}, State.ARCHIVED),
        ],
        policy=PCS,
    )
    assert State.REOPENED in visited
    assert visited[-3:] == [State.REVIEWED, State.CLOSED, State.ARCHIVED]


def test_r_complaint_87_cm_path_received_to_archived() -> None:
    visited = walk(
        [
            (Action.ESCALATE, Slot.HANDLER, {}, State.RECEIVED),
            (Action.CLASSIFY, Slot.MANAGER, {}, State.CLASSIFIED),
            (Action.VERIFY, Slot.HANDLER, {}, State.VERIFIED),
            (Action.REPLY, Slot.HANDLER, {}, State.RESOLVED),
            (
                Action.REVISIT,
                Slot.MANAGER,
                {"revisit_done": True, "revisit_satisfied": False},
                State.RESOLVED,
            ),
            (Action.CLOSE, Slot.HANDLER, {}, ("revisit_satisfied",)),
            (Action.REVISIT, Slot.MANAGER, {"revisit_satisfied": True}, State.RESOLVED),
            (Action.CLOSE, Slot.HANDLER, {}, State.CLOSED),
            (Action.ARCHIVE, Slot.ARCHIVIST, {"archive_target_set": True}, State.ARCHIVED),
        ],
        policy=CM,
    )
    assert visited[-2:] == [State.CLOSED, State.ARCHIVED]


def test_r_complaint_59_cm_invalid_complaint_explained_and_closed() -> None:
    # R-COMPLAINT-59
    visited = walk(
        [
            (Action.CLASSIFY, Slot.HANDLER, {}, State.CLASSIFIED),
            (Action.EXPLAIN, Slot.HANDLER, {}, ("reason_given",)),
            (Action.EXPLAIN, Slot.HANDLER, {"reason_given": True}, State.EXPLAINED),
            (Action.CLOSE, Slot.HANDLER, {}, State.CLOSED),
            (Action.ARCHIVE, Slot.ARCHIVIST, {"archive_target_set": True}, State.ARCHIVED),
        ],
        policy=CM,
    )
    assert visited == [
        State.RECEIVED,
        State.CLASSIFIED,
        State.EXPLAINED,
        State.CLOSED,
        State.ARCHIVED,
    ]


def test_r_complaint_87_so_path_on_the_spot_received_to_archived() -> None:
    visited = walk(
        [
            (Action.CLASSIFY, Slot.HANDLER, {}, State.CLASSIFIED),
            (Action.ANSWER_ON_SPOT, Slot.DEPARTMENT, {}, State.ANSWERED_ON_SPOT),
            (
                Action.CLOSE,
                Slot.MANAGER,
                {},
                ("revisit_done", "customer_affirmed", "cause_analysis_done"),
            ),
            (
                Action.REVISIT,
                Slot.HANDLER,
                {"revisit_done": True, "revisit_satisfied": True},
                State.ANSWERED_ON_SPOT,
            ),
            (Action.CLOSE, Slot.MANAGER, {"customer_affirmed": True}, ("cause_analysis_done",)),
            (Action.CLOSE, Slot.MANAGER, {"cause_analysis_done": True}, State.CLOSED),
            (Action.ARCHIVE, Slot.HANDLER, {"archive_target_set": True}, State.ARCHIVED),
        ],
        policy=SO,
    )
    assert visited == [
        State.RECEIVED,
        State.CLASSIFIED,
        State.ANSWERED_ON_SPOT,
        State.ANSWERED_ON_SPOT,
        State.CLOSED,
        State.ARCHIVED,
    ]


def test_r_complaint_74_so_major_answered_by_deputy_gm() -> None:
    walk(
        [
            (Action.CLASSIFY, Slot.HANDLER, {}, State.CLASSIFIED),
            (Action.VERIFY, Slot.HANDLER, {}, State.VERIFIED),
            (Action.TRANSFER, Slot.HANDLER, {}, State.ASSIGNED),
            (
                Action.ACCEPT,
                Slot.DEPARTMENT,
                {"rectification_deadline_set": True},
                State.IN_PROGRESS,
            ),
            (Action.DECIDE, Slot.EXECUTIVE, {"decision_recorded": True}, State.IN_PROGRESS),
            (Action.REPLY, Slot.EXECUTIVE, {}, State.RESOLVED),
            (
                Action.REVISIT,
                Slot.HANDLER,
                {"revisit_done": True, "revisit_satisfied": True, "customer_affirmed": True},
                State.RESOLVED,
            ),
            (Action.CLOSE, Slot.EXECUTIVE, {"cause_analysis_done": True}, State.CLOSED),
            (Action.ARCHIVE, Slot.ARCHIVIST, {"archive_target_set": True}, State.ARCHIVED),
        ],
        policy={**SO, "is_major": True},
    )


# --- allowed_actions: the buttons come from the same table --------------------------------------


def test_allowed_actions_lists_the_actors_actions_in_button_order() -> None:
    offered = allowed_actions(State.VERIFIED, Kind.COMPLAINT, {Slot.HANDLER}, ctx())
    assert [a.action for a in offered] == [
        Action.TRANSFER,
        Action.REPLY,
        Action.EXPLAIN,
        Action.DECLINE,
        Action.FORWARD,
        Action.CONTACT,
        Action.UPGRADE,
        Action.ESCALATE,
        Action.ADD_COST,
        Action.RECORD_PROMISE,
    ]
    assert all(a.allowed and a.reason is None for a in offered)


def test_allowed_actions_disables_with_the_reason_and_leaves_inputs_to_the_form() -> None:
    lh = ctx(**LH)
    offered = {
        a.action: a for a in allowed_actions(State.VERIFIED, Kind.COMPLAINT, {Slot.HANDLER}, lh)
    }
    assert offered[Action.TRANSFER] == AllowedAction(
        action=Action.TRANSFER,
        allowed=False,
        reason=str(GUARDS["contact_sheet_approved"](lh)),
    )
    # decline needs a reason typed in its form: the button stays enabled
    assert offered[Action.DECLINE] == AllowedAction(
        action=Action.DECLINE, allowed=True, reason=None
    )


def test_allowed_actions_hides_actions_of_other_slots_and_kinds() -> None:
    department = allowed_actions(State.ASSIGNED, Kind.COMPLAINT, {Slot.DEPARTMENT}, ctx())
    assert [a.action for a in department] == [Action.ACCEPT, Action.FEEDBACK]
    praise = allowed_actions(State.VERIFIED, Kind.PRAISE, ALL_SLOTS, ctx(kind=Kind.PRAISE))
    assert [a.action for a in praise] == [Action.REPORT_PRAISE]
    assert allowed_actions(State.ARCHIVED, Kind.COMPLAINT, ALL_SLOTS, ctx()) == []


def test_allowed_actions_rejects_a_kind_that_contradicts_the_context() -> None:
    with pytest.raises(ValueError, match="kind"):
        allowed_actions(State.RECEIVED, Kind.PRAISE, ALL_SLOTS, ctx())


# --- Properties -----------------------------------------------------------------------------------

facts = st.fixed_dictionaries({name: st.booleans() for name in BOOL_FIELDS})
slot_sets = st.frozensets(st.sampled_from(list(Slot)))


@settings(deadline=None)
@given(
    kind=st.sampled_from(list(Kind)),
    steps=st.lists(st.tuples(st.sampled_from(list(Action)), slot_sets, facts), max_size=40),
)
def test_random_action_sequences_stay_in_the_machine(
    kind: Kind, steps: list[tuple[Action, frozenset[Slot], dict[str, Any]]]
) -> None:
    state = State.RECEIVED
    for action, slots, step_facts in steps:
        context = dataclasses.replace(GuardContext(kind=kind), **step_facts)
        try:
            transition = check(state, action, slots, context)
        except (TransitionNotAllowed, Forbidden):
            continue
        new = transition.next_state(state)
        assert new in State
        assert kind in transition.kinds
        if state in TERMINAL_STATES:
            assert new == state or (state, action, new) == (
                State.CLOSED,
                Action.ARCHIVE,
                State.ARCHIVED,
            )
        if kind == Kind.PRAISE:
            assert new in {State.RECEIVED, State.VERIFIED, State.REPORTED, State.COMMENDED}
        state = new


@settings(deadline=None)
@given(
    state=st.sampled_from(list(State)),
    kind=st.sampled_from(list(Kind)),
    slots=slot_sets,
    step_facts=facts,
)
def test_allowed_actions_agree_with_check(
    state: State, kind: Kind, slots: frozenset[Slot], step_facts: dict[str, Any]
) -> None:
    # given the buttons shown for any state, kind, actor and facts
    context = dataclasses.replace(GuardContext(kind=kind), **step_facts)
    offered = {a.action: a for a in allowed_actions(state, kind, slots, context)}
    filled = dataclasses.replace(context, reason_given=True, rectification_deadline_set=True)
    for action in Action:
        if action not in offered:
            # then what is not shown is refused by the table or by the slots
            with pytest.raises((TransitionNotAllowed, Forbidden)) as info:
                check(state, action, slots, filled)
            assert not isinstance(info.value, GuardFailed)
        elif offered[action].allowed:
            # and an enabled button succeeds once its form is filled in
            assert check(state, action, slots, filled) is TRANSITIONS[(state, action)]
        else:
            # and a disabled one fails for the reason it shows
            with pytest.raises(GuardFailed) as refused:
                check(state, action, slots, filled)
            assert str(refused.value.message) == offered[action].reason
