"""The rotation queue engine, one test per rule R-ROTA-01..17 (SPEC §5), using each rule's own
example. Pure Python: no database.

The floor used throughout: group 一组 (a1..a4, 张一..张四) and group 二组 (b1..b3, 李一..李三);
supervisor 王主管 (s), department manager 赵经理 (m), duty manager 钱值班 (d) on site 09:00–18:00.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from propdesk.reception.domain import (
    COUNTS_AS_TURN,
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
    ReasonCode,
    RestDay,
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
    alternate_duties,
    check_new_appointment,
    close_day,
    decide,
    make_day_roster,
    open_day,
    peek,
    queue_board,
    replay,
    standby_count,
    suggest_quiet_slots,
    summarise_day,
)
from propdesk.reception.domain.rotation_model import Decision, RotationEvent
from propdesk.reception.domain.rotation_roster import DayRoster, RosterProblemCode

DAY = dt.date(2026, 3, 2)
NAMES = {
    "a1": "张一",
    "a2": "张二",
    "a3": "张三",
    "a4": "张四",
    "b1": "李一",
    "b2": "李二",
    "b3": "李三",
    "s": "王主管",
    "m": "赵经理",
    "d": "钱值班",
}
GROUP_A = SalesGroup("A", "一组", ("a1", "a2", "a3", "a4"))
GROUP_B = SalesGroup("B", "二组", ("b1", "b2", "b3"))
SHIFT = DutyShift("d", dt.time(9), dt.time(18))


def roster(**overrides: object) -> DayRoster:
    kwargs: dict[str, object] = {
        "day": DAY,
        "groups": [GROUP_A, GROUP_B],
        "duties": {"A": DutyType.VISIT, "B": DutyType.PHONE},
        "supervisors": ["s"],
        "department_managers": ["m"],
        "duty_shifts": [SHIFT],
        "names": NAMES,
    }
    kwargs.update(overrides)
    return make_day_roster(**kwargs)  # type: ignore[arg-type]


class Floor:
    """Feeds events one minute apart and keeps the decisions."""

    def __init__(self, day_roster: DayRoster | None = None, **open_kw: object) -> None:
        self.roster = day_roster or roster()
        self.state: RotationState = open_day(self.roster, **open_kw)  # type: ignore[arg-type]
        self.decisions: list[Decision] = []
        self.events: list[RotationEvent] = []
        self.clock = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def at(self) -> dt.datetime:
        self.clock += dt.timedelta(minutes=1)
        return self.clock

    def apply(self, event: RotationEvent) -> Decision:
        outcome = decide(self.state, event)
        self.state = outcome.state
        self.decisions.append(outcome.decision)
        self.events.append(event)
        return outcome.decision

    def visit(self, ref: str, **kw: object) -> Decision:
        return self.apply(VisitArrived(self.at(), ref, **kw))  # type: ignore[arg-type]

    def end(self, ref: str, completed: bool = True) -> Decision:
        return self.apply(VisitEnded(self.at(), ref, completed))

    def call(self, ref: str, **kw: object) -> Decision:
        return self.apply(IncomingCall(self.at(), ref, **kw))  # type: ignore[arg-type]

    def walk_in_and_leave(self, ref: str, **kw: object) -> Decision:
        decision = self.visit(ref, **kw)
        if decision.kind is DecisionKind.ASSIGNED:
            self.end(ref)
        return decision


def codes(decision: Decision) -> list[NoticeCode]:
    return [n.code for n in decision.warnings]


# ---------------------------------------------------------------------------------------------


def test_r_rota_01_groups_alternate_every_other_day_and_visits_come_first() -> None:
    # given: 一组 on visit duty on 2 March (A-ROTA-1: swap every day)
    day0 = alternate_duties(["A", "B"], day=DAY, anchor_day=DAY)
    day1 = alternate_duties(["A", "B"], day=DAY + dt.timedelta(days=1), anchor_day=DAY)
    day2 = alternate_duties(["A", "B"], day=DAY + dt.timedelta(days=2), anchor_day=DAY)
    assert day0 == {"A": DutyType.VISIT, "B": DutyType.PHONE}
    assert day1 == {"A": DutyType.PHONE, "B": DutyType.VISIT}
    assert day2 == day0
    assert roster(duties=day1).visit_order == ("b1", "b2", "b3")
    # a roster with nobody on visit duty is refused
    with pytest.raises(RotationError) as refused:
        roster(duties={"A": DutyType.PHONE, "B": DutyType.PHONE})
    assert [p.code for p in refused.value.problems] == [RosterProblemCode.NO_VISIT_GROUP]

    # when: all four visit-group members are busy and a fifth party arrives
    floor = Floor()
    for ref in ("V1", "V2", "V3", "V4"):
        floor.visit(ref)
    fifth = floor.visit("V5")

    # then: 以满足接访为第一原则 — the phone group's next supporter receives it
    assert (fifth.assignee, fifth.reason_code, fifth.via) == (
        "b1",
        ReasonCode.PHONE_SUPPORT,
        Via.SUPPORT,
    )
    assert NoticeCode.AUTO_SUPPORT in codes(fifth)
    assert floor.state.supporting == ("b1",)
    # and a phone-group member is still free to answer calls (R-ROTA-03)
    assert floor.call("C1").assignee == "b2"


def test_r_rota_02_two_appointments_and_eight_walk_ins_a_day_warn_but_never_block() -> None:
    # R-ROTA-02
    floor = Floor()
    # 2 appointment groups: no warning; the 3rd is received, with a warning
    for ref, who in (("P1", "a1"), ("P2", "a2")):
        assert NoticeCode.APPOINTMENTS_OVER not in codes(floor.visit(ref, appointment_with=who))
        floor.end(ref)
    third = floor.visit("P3", appointment_with="a3")
    assert third.assignee == "a3"
    assert NoticeCode.APPOINTMENTS_OVER in codes(third)
    assert "超过原则建议的每天2组" in next(
        n.message for n in third.warnings if n.code is NoticeCode.APPOINTMENTS_OVER
    )
    floor.end("P3")
    # 8 walk-in groups: no warning; the 9th is received, with a warning
    for n in range(1, 9):
        assert NoticeCode.WALKINS_OVER not in codes(floor.walk_in_and_leave(f"W{n}"))
    ninth = floor.visit("W9")
    assert ninth.kind is DecisionKind.ASSIGNED
    assert NoticeCode.WALKINS_OVER in codes(ninth)
    # non-sales receptions are not walk-in groups
    assert floor.state.walk_ins == 9
    floor.visit("N1", purpose=VisitPurpose.NON_SALES)
    assert floor.state.walk_ins == 9
    # booking a third appointment warns, not refuses
    notices = check_new_appointment(media_open_day=False, confirmed_that_day=2)
    assert [n.code for n in notices] == [NoticeCode.APPOINTMENTS_OVER]
    assert check_new_appointment(media_open_day=False, confirmed_that_day=1) == ()


def test_r_rota_03_each_group_sets_its_own_order_and_every_call_must_be_answered() -> None:
    # given: 一组 has set its order 张三, 张一, 张四, 张二; 二组 李二, 李一, 李三
    floor = Floor(
        roster(
            groups=[
                SalesGroup("A", "一组", ("a3", "a1", "a4", "a2")),
                SalesGroup("B", "二组", ("b2", "b1", "b3")),
            ]
        )
    )
    # when / then: visitors and calls follow those orders
    assert [floor.walk_in_and_leave(f"V{n}").assignee for n in range(5)] == [
        "a3",
        "a1",
        "a4",
        "a2",
        "a3",
    ]
    assert [floor.call(f"C{n}").assignee for n in range(4)] == ["b2", "b1", "b3", "b2"]
    # an unanswered call is flagged: the phone group must ensure every call is answered
    missed = floor.call("C9", answered=False)
    assert NoticeCode.CALL_UNANSWERED in codes(missed)


def test_r_rota_04_rest_days_need_the_managers_confirmation_and_a_duty_manager_every_hour() -> None:
    # R-ROTA-04
    # given: 张二 rests with 赵经理's confirmation, 张三 without
    day_roster = roster(rest_days=[RestDay("a2", approved_by="m"), RestDay("a3")])
    # then: only the confirmed rest day takes effect
    assert day_roster.visit_order == ("a1", "a3", "a4")
    assert "a2" not in day_roster.on_duty
    assert [(w.code, w.subject) for w in day_roster.warnings] == [
        (RosterProblemCode.REST_NOT_APPROVED, "a3")
    ]
    with pytest.raises(RotationError) as not_on_duty:
        decide(open_day(day_roster, present=()), CheckIn(dt.datetime(2026, 3, 2, 9), "a2"))
    assert not_on_duty.value.code == "forbidden"
    # a rest day "confirmed" by someone who is not a department manager does not count either
    assert "a2" in roster(rest_days=[RestDay("a2", approved_by="a1")]).visit_order
    # more than half a group resting on the same day is not staggered
    staggered = roster(rest_days=[RestDay(p, approved_by="m") for p in ("b1", "b2")])
    assert RosterProblemCode.REST_NOT_STAGGERED in [w.code for w in staggered.warnings]

    # when: the duty managers leave 12:00–13:00 uncovered
    with pytest.raises(RotationError) as refused:
        roster(
            duty_shifts=[
                DutyShift("d", dt.time(9), dt.time(12)),
                DutyShift("m", dt.time(13), dt.time(18)),
            ]
        )
    # then: the roster is rejected
    assert [p.code for p in refused.value.problems] == [RosterProblemCode.NO_DUTY_MANAGER]
    assert "12:00至13:00没有值班经理在岗" in refused.value.message
    # and a duty manager who rests that day does not cover his shift
    with pytest.raises(RotationError):
        roster(rest_days=[RestDay("d", approved_by="m")])


def test_r_rota_05_standby_below_two_alerts_and_managers_arrange_phone_group_support() -> None:
    # R-ROTA-05
    floor = Floor()
    floor.visit("V1")
    assert NoticeCode.STANDBY_LOW not in codes(floor.visit("V2"))
    # when: a third member is busy, only 张四 waits on site
    third = floor.visit("V3")
    # then: an alert, naming the phone group's next supporter
    assert standby_count(floor.state) == 1
    alert = next(n for n in third.warnings if n.code is NoticeCode.STANDBY_LOW)
    assert "不足2位(现1位)" in alert.message
    assert "下一位支援:李一" in alert.message
    # the alert is raised once, not on every decision while it lasts
    assert NoticeCode.STANDBY_LOW not in codes(floor.call("C1"))
    # only the department manager or the duty manager may arrange support
    with pytest.raises(RotationError) as refused:
        floor.apply(SupportRequested(floor.at(), requested_by="a1"))
    assert refused.value.code == "forbidden"
    support = floor.apply(SupportRequested(floor.at(), requested_by="d"))
    assert (support.kind, support.assignee) == (DecisionKind.SUPPORT_STARTED, "b1")
    assert standby_count(floor.state) == 2
    assert floor.state.standby_low is False


def test_r_rota_06_appointment_reception_earns_one_make_up_visit_opportunity() -> None:
    # R-ROTA-06
    floor = Floor()
    floor.walk_in_and_leave("W1")  # 张一
    # when: 张三's appointment client arrives
    appointment = floor.visit("P1", appointment_with="a3")
    # then: 张三 receives it out of turn; it is not a turn, the pointer stays
    assert (appointment.assignee, appointment.reason_code) == ("a3", ReasonCode.APPOINTMENT)
    assert appointment.counts_as_turn is False
    assert appointment.on_duty == "a2"
    assert peek(floor.state, DutyType.VISIT) == "a2"
    # while 张三 is busy the queue passes him (that turn is lost) …
    assert floor.walk_in_and_leave("W2").assignee == "a2"
    passed = floor.walk_in_and_leave("W3")
    assert passed.assignee == "a4"
    assert [(p.person, p.why) for p in passed.passed] == [("a3", PassReason.BUSY)]
    # … and completing the appointment earns the make-up visit opportunity
    done = floor.end("P1")
    assert done.credits_earned == (Mark("a3", DutyType.VISIT),)
    # which is served before the pointer moves on
    made_up = floor.visit("W4")
    assert (made_up.assignee, made_up.via, made_up.counts_as_turn) == ("a3", Via.CREDIT, True)
    assert made_up.credits_used == (Mark("a3", DutyType.VISIT),)
    assert floor.walk_in_and_leave("W5").assignee == "a1"
    # an appointment the client walked out of early earns nothing
    floor.visit("P2", appointment_with="a2")
    assert floor.end("P2", completed=False).credits_earned == ()


def test_r_rota_07_non_sales_receptions_take_no_turn_market_research_and_friends_do() -> None:
    # R-ROTA-07
    floor = Floor()
    # asking the way: 张一 (on duty) receives it to standard, no turn, nobody busy
    directions = floor.visit("N1", purpose=VisitPurpose.NON_SALES)
    assert (directions.assignee, directions.reason_code) == ("a1", ReasonCode.NON_SALES)
    assert directions.counts_as_turn is False
    assert "不占用接访名额" in directions.explanation_zh
    assert floor.state.busy() == frozenset()
    assert peek(floor.state, DutyType.VISIT) == "a1"
    # market research and enquiring for friends each count as one turn
    research = floor.visit("R1", purpose=VisitPurpose.MARKET_RESEARCH)
    friends = floor.visit("F1", purpose=VisitPurpose.FOR_FRIENDS)
    assert [(d.assignee, d.reason_code, d.counts_as_turn) for d in (research, friends)] == [
        ("a1", ReasonCode.MARKET_RESEARCH, True),
        ("a2", ReasonCode.FOR_FRIENDS, True),
    ]
    summary = summarise_day(floor.roster, floor.decisions)
    a1 = summary.people[0]
    assert (a1.visit_turns, a1.not_counted) == (1, ((ReasonCode.NON_SALES, 1),))


def test_r_rota_08_returning_client_goes_to_the_original_salesperson() -> None:
    # R-ROTA-08
    floor = Floor()
    # given: 张一 is on duty; 张三 registered the client on an earlier visit
    # when: the registered client returns
    returning = floor.visit("V1", registered_owner="a3")
    # then: 张一 seats the client and notifies 张三, who receives; 张三 is charged one turn
    assert (returning.assignee, returning.reason_code) == ("a3", ReasonCode.RETURNING_CLIENT)
    assert returning.counts_as_turn is True
    assert returning.on_duty == "a1"
    assert "张一先安排客户落座并通知原接待人员张三" in returning.explanation_zh
    # and his next regular turn is used up by it (按一轮接待处理)
    assert returning.skips_set == (Mark("a3", DutyType.VISIT),)
    floor.end("V1")
    # the on-duty salesperson keeps the turn
    assert [floor.walk_in_and_leave(f"W{n}").assignee for n in range(5)] == [
        "a1",
        "a2",
        "a4",
        "a1",
        "a2",
    ]
    # when the original is the on-duty salesperson it is simply his turn
    floor2 = Floor()
    own = floor2.visit("V1", registered_owner="a1")
    assert (own.assignee, own.via, own.skips_set) == ("a1", Via.POINTER, ())
    assert peek(floor2.state, DutyType.VISIT) == "a2"
    # with the switch off, the original is only charged in the counts
    floor3 = Floor(roster(settings=RotaSettings(returning_client_skips_next_turn=False)))
    assert floor3.visit("V1", registered_owner="a3").skips_set == ()


def test_r_rota_09_original_unavailable_supervisor_or_group_member_substitutes() -> None:
    # R-ROTA-09
    floor = Floor()
    floor.apply(CheckOut(floor.at(), "a3"))
    # when: 张三's registered client returns while 张三 is away
    substitute = floor.visit("V1", registered_owner="a3")
    # then: the next free member of his group receives, not as a turn, with a credit afterwards
    assert (substitute.assignee, substitute.reason_code) == ("a4", ReasonCode.SUBSTITUTE)
    assert substitute.counts_as_turn is False
    assert NoticeCode.ORIGINAL_UNAVAILABLE in codes(substitute)
    assert floor.end("V1").credits_earned == (Mark("a4", DutyType.VISIT),)
    # the supervisor may choose who substitutes
    chosen = floor.visit("V2", registered_owner="a3", substitute="a2")
    assert chosen.assignee == "a2"
    # a supervisor substituting earns nothing (A-ROTA-3)
    boss = floor.visit("V3", appointment_with="a3", substitute="s")
    assert (boss.assignee, boss.counts_as_turn) == ("s", False)
    assert floor.end("V3").credits_earned == ()
    # nobody from another group may substitute
    with pytest.raises(RotationError) as refused:
        floor.visit("V4", registered_owner="a3", substitute="b1")
    assert refused.value.field == "substitute"
    # the caller may also say the original cannot receive although present
    floor.apply(CheckIn(floor.at(), "a3"))
    busy_elsewhere = floor.visit("V5", registered_owner="a3", owner_available=False)
    assert busy_elsewhere.reason_code is ReasonCode.SUBSTITUTE


def test_r_rota_10_designated_salesperson_not_on_duty_skips_the_next_turn() -> None:
    # R-ROTA-10
    floor = Floor()
    # given: 张一 is on duty; the client asks for 张三
    designated = floor.visit("V1", designated="a3")
    # then: 张三 receives and it counts; his next regular turn is skipped (轮空)
    assert (designated.assignee, designated.reason_code) == ("a3", ReasonCode.DESIGNATED)
    assert designated.counts_as_turn is True
    assert designated.skips_set == (Mark("a3", DutyType.VISIT),)
    floor.end("V1")
    # 张一 keeps the turn; in the next round 张三 is passed once, then rotates normally
    got = [floor.walk_in_and_leave(f"W{n}") for n in range(7)]
    assert [d.assignee for d in got] == ["a1", "a2", "a4", "a1", "a2", "a3", "a4"]
    assert got[2].skips_consumed == (Mark("a3", DutyType.VISIT),)
    assert got[2].passed[0].why is PassReason.SKIP_FLAG
    # designating the on-duty salesperson is his normal turn
    assert floor.visit("V2", designated="a1").via is Via.POINTER
    # the same applies to phone-group staff: a visitor asks for 李二
    phone_staff = floor.visit("V3", designated="b2")
    assert phone_staff.skips_set == (Mark("b2", DutyType.PHONE),)
    floor.end("V3")
    assert [floor.call(f"C{n}").assignee for n in range(3)] == ["b1", "b3", "b1"]
    # someone designated who is not on site: the queue decides, with a warning
    floor.apply(CheckOut(floor.at(), "a4"))
    fallback = floor.visit("V4", designated="a4")
    assert fallback.reason_code is ReasonCode.NORMAL
    assert NoticeCode.DESIGNATED_UNAVAILABLE in codes(fallback)


def test_r_rota_11_supporter_returns_to_phone_duty_with_a_make_up_phone_opportunity() -> None:
    # R-ROTA-11
    floor = Floor()
    floor.apply(SupportRequested(floor.at(), requested_by="m"))
    # while supporting, 李一 takes no calls
    assert floor.call("C1").assignee == "b2"
    # when: 李一 returns to phone duty
    back = floor.apply(SupportEnded(floor.at(), "b1"))
    # then: one make-up phone opportunity, used by the next call
    assert back.credits_earned == (Mark("b1", DutyType.PHONE),)
    made_up = floor.call("C2")
    assert (made_up.assignee, made_up.via, made_up.counts_as_turn) == ("b1", Via.CREDIT, True)
    assert floor.call("C3").assignee == "b3"


def test_r_rota_12_support_follows_its_own_order_whether_or_not_anyone_was_received() -> None:
    # R-ROTA-12
    floor = Floor()
    # 李一 supports and receives nobody
    assert floor.apply(SupportRequested(floor.at(), requested_by="d")).assignee == "b1"
    floor.apply(SupportEnded(floor.at(), "b1"))
    # the support order still advances: next time it is 李二, then 李三, then 李一 again
    assert floor.apply(SupportRequested(floor.at(), requested_by="d")).assignee == "b2"
    floor.apply(SupportEnded(floor.at(), "b2"))
    assert floor.apply(SupportRequested(floor.at(), requested_by="d")).assignee == "b3"
    floor.apply(SupportEnded(floor.at(), "b3"))
    assert floor.apply(SupportRequested(floor.at(), requested_by="d")).assignee == "b1"
    # the phone queue's own pointer is untouched by the support order
    assert floor.state.phone.pointer == -1


def test_r_rota_13_every_answered_call_counts_only_unanswered_does_not() -> None:
    # R-ROTA-13
    floor = Floor()
    answered = floor.call("C1")
    assert (answered.assignee, answered.reason_code, answered.counts_as_turn) == (
        "b1",
        ReasonCode.NORMAL,
        True,
    )
    # when: the next call is not answered
    missed = floor.call("C2", answered=False)
    # then: no turn, and 李二 still has it
    assert (missed.kind, missed.reason_code, missed.counts_as_turn) == (
        DecisionKind.UNASSIGNED,
        ReasonCode.UNANSWERED,
        False,
    )
    assert missed.assignee == "b2"
    assert floor.call("C3").assignee == "b2"
    summary = summarise_day(floor.roster, floor.decisions)
    b2 = next(p for p in summary.people if p.person == "b2")
    assert (b2.phone_turns, b2.not_counted) == (1, ((ReasonCode.UNANSWERED, 1),))
    assert (summary.calls_answered, summary.calls_unanswered) == (2, 1)


def test_r_rota_14_appointments_by_the_phone_group_in_quiet_slots() -> None:
    # R-ROTA-14
    # the quietest slots are suggested first
    slots = ["10:00", "11:00", "14:00", "15:00"]
    load = {"10:00": 3, "11:00": 1, "14:00": 0, "15:00": 1}
    assert suggest_quiet_slots(slots, load, limit=3) == ("14:00", "11:00", "15:00")
    # given: 李二 (phone group) filled in the client card and the appointment was confirmed
    carry = Carry()
    floor = Floor()
    appointment = floor.visit("P1", appointment_with="b2")
    # then: 李二 receives the client although the phone group is on phone duty
    assert (appointment.assignee, appointment.reason_code) == ("b2", ReasonCode.APPOINTMENT)
    floor.end("P1")
    # the make-up visit opportunity waits for a day 李二 is on visit duty
    carry = close_day(floor.state, carry)
    assert carry.credits == (Mark("b2", DutyType.VISIT),)
    tomorrow = roster(
        day=DAY + dt.timedelta(days=1),
        duties=alternate_duties(["A", "B"], day=DAY + dt.timedelta(days=1), anchor_day=DAY),
    )
    floor2 = Floor(tomorrow, carry=carry)
    first = floor2.walk_in_and_leave("W1")  # 二组 is on visit duty: the credit before 李一
    assert (first.assignee, first.via) == ("b2", Via.CREDIT)
    assert close_day(floor2.state, carry).credits == ()


def test_r_rota_15_media_open_day_blocks_appointments_unless_a_manager_overrides() -> None:
    # R-ROTA-15
    with pytest.raises(RotationError) as blocked:
        check_new_appointment(media_open_day=True, confirmed_that_day=0)
    assert blocked.value.code == "forbidden"
    allowed = check_new_appointment(
        media_open_day=True, confirmed_that_day=0, manager_override=True
    )
    assert [n.code for n in allowed] == [NoticeCode.MEDIA_OPEN_DAY]
    # the gate posts are warned when a party arrives on such a day
    floor = Floor(roster(media_open_day=True))
    arrival = floor.visit("V1")
    assert NoticeCode.MEDIA_OPEN_DAY in codes(arrival)
    assert queue_board(floor.state).media_open_day is True


def test_r_rota_16_next_turn_skips_absent_consumes_flags_and_serves_credits_first() -> None:
    # R-ROTA-16
    # given: 张二 is away, 张三 holds a skip flag and 张四 a make-up credit from yesterday
    carry = Carry(credits=(Mark("a4", DutyType.VISIT),), skips=(Mark("a3", DutyType.VISIT),))
    floor = Floor(carry=carry, present=["a1", "a3", "a4", "b1", "b2", "b3", "s"])  # 张二 away
    # when / then: the credit first, the pointer stays
    first = floor.walk_in_and_leave("V1")
    assert (first.assignee, first.via) == ("a4", Via.CREDIT)
    # then the pointer: 张一; 张二 passed (away), 张三's flag consumed, 张四
    assert floor.walk_in_and_leave("V2").assignee == "a1"
    third = floor.walk_in_and_leave("V3")
    assert third.assignee == "a4"
    assert [(p.person, p.why) for p in third.passed] == [
        ("a2", PassReason.ABSENT),
        ("a3", PassReason.SKIP_FLAG),
    ]
    assert third.skips_consumed == (Mark("a3", DutyType.VISIT),)
    assert "张二不在岗、张三轮空" in third.explanation_zh
    # the flag is gone: next round 张一, 张三 (张二 still away)
    assert [floor.walk_in_and_leave(f"W{n}").assignee for n in range(2)] == ["a1", "a3"]
    # every decision is logged with its reason code; replaying the events gives the same log
    assert all(
        d.reason_code is not None for d in floor.decisions if d.kind is DecisionKind.ASSIGNED
    )
    present = ["a1", "a3", "a4", "b1", "b2", "b3", "s"]
    _, again = replay(floor.roster, floor.events, carry=carry, present=present)
    assert list(again) == floor.decisions
    json.dumps([d.to_record() for d in floor.decisions], ensure_ascii=False)


def test_r_rota_17_daily_rotation_report_per_salesperson() -> None:
    # R-ROTA-17
    floor = Floor()
    floor.walk_in_and_leave("W1")  # 张一: turn
    floor.visit("P1", appointment_with="a2")  # 张二: appointment, not counted
    floor.end("P1")  # 张二: +1 visit credit
    floor.walk_in_and_leave("W2")  # 张二: uses the credit, turn
    floor.visit("N1", purpose=VisitPurpose.NON_SALES)  # 张二 (on duty): not counted
    floor.visit("V1", designated="a4")  # 张四: designated turn, skip set
    floor.call("C1")  # 李一: phone turn
    floor.call("C2", answered=False)  # 李二: unanswered
    summary = summarise_day(floor.roster, floor.decisions)
    by_person = {p.person: p for p in summary.people}
    assert [p.person for p in summary.people] == ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "s"]
    assert (by_person["a1"].visit_turns, by_person["a1"].not_counted) == (1, ())
    a2 = by_person["a2"]
    assert (a2.visit_turns, a2.visit_credits_earned, a2.visit_credits_used) == (1, 1, 1)
    assert a2.not_counted == ((ReasonCode.APPOINTMENT, 1), (ReasonCode.NON_SALES, 1))
    assert a2.not_counted_text == "预约接待×1、非销售接待×1"
    assert (by_person["a4"].visit_turns, by_person["a4"].skips_set) == (1, 1)
    assert (by_person["b1"].phone_turns, by_person["b2"].not_counted) == (
        1,
        ((ReasonCode.UNANSWERED, 1),),
    )
    assert (summary.appointments, summary.walk_ins, summary.visits_received) == (1, 3, 5)


def test_reason_codes_have_chinese_labels_and_a_turn_rule() -> None:
    assert {r.label for r in ReasonCode} == {
        "正常",
        "预约接待",
        "原接待人员回访",
        "指定接待",
        "代接(主管/组员)",
        "非销售接待",
        "市场调研",
        "为亲友咨询",
        "接电组支援",
        "电话无应答",
    }
    assert set(COUNTS_AS_TURN) == set(ReasonCode)


def test_events_out_of_order_or_unknown_are_refused_without_change() -> None:
    floor = Floor()
    floor.visit("V1")
    before = floor.state
    with pytest.raises(RotationError):
        decide(before, VisitArrived(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC), "V2"))
    with pytest.raises(RotationError) as duplicate:
        floor.visit("V1")
    assert duplicate.value.code == "conflict"
    with pytest.raises(RotationError) as unknown:
        floor.end("nope")
    assert unknown.value.code == "not_found"
    with pytest.raises(RotationError):
        floor.apply(CheckOut(floor.at(), "a1"))  # busy with V1
    assert floor.state is before
