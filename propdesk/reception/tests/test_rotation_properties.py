"""Property tests of the rotation queue engine (R-ROTA-05..13, R-ROTA-16, R-ROTA-17) over random
rosters and random event sequences: nobody is skipped unfairly, credits and skip flags are consumed
exactly once, turn counts follow the rules, the state only refers to people on duty, and the same
events always give the same decisions. Pure Python: no database.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propdesk.reception.domain import (
    Carry,
    CheckIn,
    CheckOut,
    DecisionKind,
    DutyShift,
    DutyType,
    IncomingCall,
    Mark,
    NoticeCode,
    PassReason,
    QueueKind,
    ReasonCode,
    RotaSettings,
    RotationError,
    RotationState,
    SalesGroup,
    SupportEnded,
    SupportRequested,
    Via,
    VisitArrived,
    VisitEnded,
    VisitPurpose,
    close_day,
    decide,
    make_day_roster,
    open_day,
    replay,
    standby_count,
    summarise_day,
)
from propdesk.reception.domain.rotation_model import Decision, RotationEvent
from propdesk.reception.domain.rotation_roster import DayRoster

# The turn rule of SPEC §5 restated independently of the engine's table: which receptions count
# as one turn (计为一轮接待) for the person who received them.
SPEC_COUNTS = {
    ReasonCode.NORMAL: True,  # the queue
    ReasonCode.MARKET_RESEARCH: True,  # R-ROTA-07
    ReasonCode.FOR_FRIENDS: True,  # R-ROTA-07
    ReasonCode.RETURNING_CLIENT: True,  # R-ROTA-08: 原接待人员按一轮接待处理
    ReasonCode.DESIGNATED: True,  # R-ROTA-10
    ReasonCode.PHONE_SUPPORT: True,  # a supporter receiving a visitor (R-ROTA-05)
    ReasonCode.APPOINTMENT: False,  # R-ROTA-06: made up by a credit
    ReasonCode.SUBSTITUTE: False,  # R-ROTA-09, A-ROTA-3
    ReasonCode.NON_SALES: False,  # R-ROTA-07
    ReasonCode.UNANSWERED: False,  # R-ROTA-13
}
START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@st.composite
def rosters(draw: st.DrawFn) -> tuple[DayRoster, Carry, frozenset[str]]:
    visit_size = draw(st.integers(1, 5))
    phone_size = draw(st.integers(1, 4))
    visit = tuple(f"v{i}" for i in range(visit_size))
    phone = tuple(f"p{i}" for i in range(phone_size))
    supervisors = draw(st.sampled_from([(), ("s",), ("s", "v0")]))
    day_roster = make_day_roster(
        day=dt.date(2026, 3, 2),
        groups=[SalesGroup("V", "一组", visit), SalesGroup("P", "二组", phone)],
        duties={"V": DutyType.VISIT, "P": DutyType.PHONE},
        supervisors=supervisors,
        department_managers=["m"],
        duty_shifts=[DutyShift("d", dt.time(9), dt.time(18))],
        settings=RotaSettings(
            returning_client_skips_next_turn=draw(st.booleans()),
            auto_support=draw(st.booleans()),
            min_standby=draw(st.integers(0, 3)),
        ),
    )
    people = sorted(day_roster.on_duty)
    marks = st.builds(Mark, st.sampled_from([*people, "retired"]), st.sampled_from(list(DutyType)))
    carry = Carry(
        credits=tuple(draw(st.lists(marks, max_size=4))),
        skips=tuple(draw(st.lists(marks, max_size=4))),
    )
    present = frozenset(draw(st.sets(st.sampled_from(people))))
    return day_roster, carry, present


@dataclass
class Run:
    roster: DayRoster
    carry: Carry
    present0: frozenset[str]
    states: list[RotationState] = field(default_factory=list)  # before each decision
    decisions: list[Decision] = field(default_factory=list)
    events: list[RotationEvent] = field(default_factory=list)
    state: RotationState | None = None


def _event(data: st.DataObject, state: RotationState, at: dt.datetime, n: int) -> RotationEvent:
    roster = state.roster
    people = [*sorted(roster.on_duty), "stranger"]
    person = st.sampled_from(people)
    maybe = st.none() | person
    active = [r.ref for r in state.receptions]
    choice = data.draw(
        st.sampled_from(
            [
                "walk_in",
                "walk_in",
                "walk_in",
                "appointment",
                "designated",
                "returning",
                "non_sales",
                "end",
                "end",
                "end",
                "call",
                "call",
                "check_in",
                "check_out",
                "support",
                "support_end",
            ]
        )
    )
    if choice == "walk_in":
        purpose = data.draw(st.sampled_from(list(VisitPurpose)))
        return VisitArrived(at, f"V{n}", purpose=purpose)
    if choice == "non_sales":
        return VisitArrived(at, f"V{n}", purpose=VisitPurpose.NON_SALES, receiver=data.draw(maybe))
    if choice == "appointment":
        return VisitArrived(
            at,
            f"V{n}",
            appointment_with=data.draw(person),
            owner_available=data.draw(st.booleans()),
            substitute=data.draw(maybe),
        )
    if choice == "designated":
        return VisitArrived(at, f"V{n}", designated=data.draw(person))
    if choice == "returning":
        return VisitArrived(
            at,
            f"V{n}",
            registered_owner=data.draw(person),
            owner_available=data.draw(st.booleans()),
            substitute=data.draw(maybe),
        )
    if choice == "end" and active:
        return VisitEnded(
            at, data.draw(st.sampled_from(active)), completed=data.draw(st.booleans())
        )
    if choice == "call":
        return IncomingCall(
            at, f"C{n}", answered=data.draw(st.booleans()), designated=data.draw(st.none() | person)
        )
    if choice == "check_in":
        return CheckIn(at, data.draw(person))
    if choice == "check_out":
        return CheckOut(at, data.draw(person))
    if choice == "support":
        return SupportRequested(at, data.draw(st.sampled_from(["m", "d", "v0"])))
    if choice == "support_end" and state.supporting:
        return SupportEnded(at, data.draw(st.sampled_from(state.supporting)))
    return VisitArrived(at, f"V{n}")


def play(data: st.DataObject, setup: tuple[DayRoster, Carry, frozenset[str]], steps: int) -> Run:
    day_roster, carry, present = setup
    run = Run(day_roster, carry, present)
    state = open_day(day_roster, carry=carry, present=present)
    for n in range(steps):
        event = _event(data, state, START + dt.timedelta(minutes=n), n)
        try:
            outcome = decide(state, event)
        except RotationError:
            continue  # refused: nothing changes (the state is immutable)
        run.states.append(state)
        run.decisions.append(outcome.decision)
        run.events.append(event)
        state = outcome.state
    run.state = state
    return run


PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def persons_in(state: RotationState) -> set[str]:
    found = set(state.present) | set(state.supporting)
    found |= {r.person for r in state.receptions}
    for queue in (state.visit, state.phone):
        found |= set(queue.order) | set(queue.credits) | set(queue.skips)
    return found


@PROFILE
@given(setup=rosters(), data=st.data(), steps=st.integers(1, 80))
def test_r_rota_16_queues_touch_everyone_in_order_and_only_pass_for_a_reason(
    setup: tuple[DayRoster, Carry, frozenset[str]], data: st.DataObject, steps: int
) -> None:
    run = play(data, setup, steps)
    orders = {
        QueueKind.VISIT: run.roster.visit_order,
        QueueKind.PHONE: run.roster.phone_order,
        QueueKind.SUPPORT: run.roster.phone_order,
    }
    touches: dict[QueueKind, list[str]] = {kind: [] for kind in QueueKind}
    for before, d in zip(run.states, run.decisions, strict=True):
        busy = before.busy()
        for p in d.passed:
            # nobody is passed unfairly: away, busy, supporting, or a skip flag held then
            if p.why is PassReason.ABSENT:
                assert p.person not in before.present
            elif p.why is PassReason.BUSY:
                assert p.person in before.present
                assert p.person in busy
            elif p.why is PassReason.SUPPORTING:
                assert p.person in before.supporting
            else:
                duty = DutyType.PHONE if p.queue is QueueKind.PHONE else DutyType.VISIT
                assert p.person in before.queue(duty).skips
            touches[p.queue].append(p.person)
        # the receiver chosen by the queue is present, free and (phone) not supporting
        if d.via in (Via.POINTER, Via.CREDIT):
            assert d.assignee in before.present
            assert d.assignee not in busy
            assert not (d.duty is DutyType.PHONE and d.assignee in before.supporting)
        if d.via is Via.POINTER:
            kind = QueueKind.PHONE if d.duty is DutyType.PHONE else QueueKind.VISIT
            touches[kind].append(d.assignee)  # type: ignore[arg-type]
        drawn = d.kind is DecisionKind.SUPPORT_STARTED or NoticeCode.AUTO_SUPPORT in [
            n.code for n in d.warnings
        ]
        if drawn and d.assignee is not None:
            assert d.assignee in before.present
            assert d.assignee not in busy
            touches[QueueKind.SUPPORT].append(d.assignee)  # type: ignore[arg-type]
    # every queue goes round in its order: the k-th touch is the k-th person of the cycle
    for kind, seen in touches.items():
        order = orders[kind]
        assert seen == [order[k % len(order)] for k in range(len(seen))] if order else not seen
    # so among those never passed and never skipped, regular turns differ by at most one
    visit = [d for d in run.decisions if d.via is Via.POINTER and d.duty is DutyType.VISIT]
    turns = Counter(d.assignee for d in visit)
    passed = {p.person for d in run.decisions for p in d.passed if p.queue is QueueKind.VISIT}
    steady = [p for p in run.roster.visit_order if p not in passed]
    if steady:
        counts = [turns[p] for p in steady]
        assert max(counts) - min(counts) <= 1


@PROFILE
@given(setup=rosters(), data=st.data(), steps=st.integers(1, 80))
def test_r_rota_06_09_10_11_credits_and_skip_flags_are_consumed_exactly_once(
    setup: tuple[DayRoster, Carry, frozenset[str]], data: st.DataObject, steps: int
) -> None:
    run = play(data, setup, steps)
    on_duty = run.roster.on_duty
    credits = Counter((m.person, m.duty) for m in run.carry.credits if m.person in on_duty)
    skips = Counter((m.person, m.duty) for m in run.carry.skips if m.person in on_duty)
    for before, d in zip(run.states, run.decisions, strict=True):
        for m in d.credits_used:
            assert credits[(m.person, m.duty)] > 0  # never used without being held
            credits[(m.person, m.duty)] -= 1
        for m in d.skips_consumed:
            assert skips[(m.person, m.duty)] > 0
            skips[(m.person, m.duty)] -= 1
        for m in d.credits_earned:
            credits[(m.person, m.duty)] += 1
        for m in d.skips_set:
            skips[(m.person, m.duty)] += 1
        # credits are earned only by completing a credited reception or returning from support
        if d.credits_earned:
            assert d.kind in (DecisionKind.COMPLETED, DecisionKind.SUPPORT_ENDED)
            reception = next(r for r in before.receptions if r.ref == d.ref) if d.ref else None
            if reception is not None:
                assert reception.reason in (ReasonCode.APPOINTMENT, ReasonCode.SUBSTITUTE)
                # A-ROTA-3: a supervisor who substitutes earns nothing
                assert reception.person in run.roster.group_of
    assert run.state is not None
    held = Counter((p, q.duty) for q in (run.state.visit, run.state.phone) for p in q.credits)
    flags = Counter((p, q.duty) for q in (run.state.visit, run.state.phone) for p in q.skips)
    assert +credits == held
    assert +skips == flags
    # what is left carries over, and entries of people not on duty are kept untouched
    carried = close_day(run.state, run.carry)
    assert Counter((m.person, m.duty) for m in carried.credits) == held + Counter(
        (m.person, m.duty) for m in run.carry.credits if m.person not in on_duty
    )
    assert Counter((m.person, m.duty) for m in carried.skips) == flags + Counter(
        (m.person, m.duty) for m in run.carry.skips if m.person not in on_duty
    )


@PROFILE
@given(setup=rosters(), data=st.data(), steps=st.integers(1, 80))
def test_r_rota_07_08_13_17_turn_counts_match_the_rules_and_the_report(
    setup: tuple[DayRoster, Carry, frozenset[str]], data: st.DataObject, steps: int
) -> None:
    run = play(data, setup, steps)
    expected_turns: Counter[tuple[str, DutyType]] = Counter()
    for d in run.decisions:
        if d.kind is DecisionKind.ASSIGNED:
            assert d.assignee is not None
            assert d.reason_code is not None
            assert d.counts_as_turn is SPEC_COUNTS[d.reason_code]
            if d.counts_as_turn:
                expected_turns[(d.assignee, d.duty)] += 1  # type: ignore[index]
            # only the queue moves the pointer; out-of-turn receptions leave it (on_duty keeps it)
            if d.via is Via.DIRECT:
                assert d.passed == ()
                assert d.skips_consumed == ()
        elif d.kind is DecisionKind.UNASSIGNED:
            assert d.counts_as_turn is False
        if d.reason_code is ReasonCode.UNANSWERED:
            assert d.kind is DecisionKind.UNASSIGNED
        assert d.explanation_zh
    summary = summarise_day(run.roster, run.decisions)
    for row in summary.people:
        assert row.visit_turns == expected_turns[(row.person, DutyType.VISIT)]
        assert row.phone_turns == expected_turns[(row.person, DutyType.PHONE)]
    assert sum(r.visit_turns + r.phone_turns for r in summary.people) == sum(
        expected_turns.values()
    )
    assert run.state is not None
    assert summary.appointments == run.state.appointments
    assert summary.walk_ins == run.state.walk_ins


@PROFILE
@given(setup=rosters(), data=st.data(), steps=st.integers(1, 80))
def test_r_rota_05_state_only_refers_to_people_on_duty_and_standby_alerts_hold(
    setup: tuple[DayRoster, Carry, frozenset[str]], data: st.DataObject, steps: int
) -> None:
    run = play(data, setup, steps)
    roster = run.roster
    assert run.state is not None
    minimum = roster.settings.min_standby
    after = [*run.states[1:], run.state] if run.decisions else []
    assert persons_in(run.state) <= roster.on_duty
    for state, d in zip(after, run.decisions, strict=True):
        assert persons_in(state) <= roster.on_duty
        assert set(state.supporting) <= roster.phone_members
        # supporters come from the phone group and only people on site receive from the queue
        low = standby_count(state) < minimum
        assert state.standby_low is low
        if NoticeCode.STANDBY_LOW in [n.code for n in d.warnings]:
            assert low
    # and nobody gets two visitors at once from the queue
    for before, d in zip(run.states, run.decisions, strict=True):
        if d.duty is DutyType.VISIT and d.via in (Via.POINTER, Via.CREDIT, Via.SUPPORT):
            assert d.assignee not in before.busy()


@PROFILE
@given(setup=rosters(), data=st.data(), steps=st.integers(1, 60))
def test_r_rota_16_same_events_give_the_same_decisions(
    setup: tuple[DayRoster, Carry, frozenset[str]], data: st.DataObject, steps: int
) -> None:
    run = play(data, setup, steps)
    state, decisions = replay(run.roster, run.events, carry=run.carry, present=run.present0)
    assert list(decisions) == run.decisions
    assert state == run.state
