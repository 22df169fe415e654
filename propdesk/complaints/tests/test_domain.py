"""Complaint policies (SPEC §11, R-COMPLAINT-87..90, §21): levels, routing, timers, chasing,
revisits, penalties and unified severity of the four presets, on the real 2026 calendar.

2026 facts used (chinese_calendar): 中秋节 Sep 25–27 and 国庆节 Oct 1–7 are holidays; Sat Oct 10
is an adjusted working day. Sep 30 2026 is a Wednesday. Every test uses the seeded calendar,
08:30–17:30 every day (R-GEN-06).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from propdesk.complaints.domain import (
    CM,
    EVENT_ACCEPTED,
    EVENT_CLASSIFIED,
    EVENT_DEADLINE_PROMISED,
    EVENT_DEPARTMENT_UNABLE,
    EVENT_FORWARDED_TO_DEVELOPER,
    EVENT_HANDLED,
    EVENT_LEGACY_FLAGGED,
    EVENT_RECEIVED,
    EVENT_REOPENED,
    EVENT_UPGRADED,
    GUIDANCE,
    LH,
    OUTCOME_DECLINED,
    OUTCOME_EXPLAINED,
    OUTCOME_REPORTED_TO_COMPANY,
    PCS,
    PRESETS,
    REPORT_ARCHIVE,
    REPORT_LEGACY,
    REPORT_MONTHLY,
    REPORT_PROGRESS_LOG,
    REPORT_REVISIT_QUOTA,
    REPORT_WEEKLY,
    SO,
    ArchiveTarget,
    Channel,
    ClosureRules,
    Duration,
    Kind,
    MajorFlag,
    Penalty,
    Policy,
    PolicyError,
    RevisitMethod,
    Route,
    Slot,
    TimerDef,
    TimerDue,
    TimerRule,
    closure_approver_roles,
    count_in_working_hours,
    group_suggestion,
    level_for,
    level_warnings,
    next_chase,
    penalties_for,
    penalty_choices,
    promise_frozen,
    quota_shortfalls,
    reports_due_on,
    restarted_on_upgrade,
    revisit_method,
    revisit_roles,
    route,
    steps_checklist,
    timers_on,
    unified_severity,
)
from propdesk.core.worktime import DEFAULT_HOURS, SHANGHAI, Due, WorkCalendar

CAL = WorkCalendar(weekly=(DEFAULT_HOURS,) * 7)  # the seeded default, R-GEN-06


def at(*args: int) -> dt.datetime:
    """An aware Asia/Shanghai datetime."""
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc, arg-type]


def by_key(timers: list[TimerDue]) -> dict[str, TimerDue]:
    return {timer.key: timer for timer in timers}


def due_at(timers: list[TimerDue]) -> dict[str, dt.datetime]:
    return {timer.key: timer.due.at for timer in timers}


# --- intake, flags and levels ---------------------------------------------------------------
def test_r_complaint_03_each_preset_publishes_its_channels() -> None:
    # R-COMPLAINT-03
    assert PCS.channels == (
        Channel.CS_DEPARTMENT,
        Channel.OTHER_DEPARTMENT,
        Channel.MAILBOX,
        Channel.COMPANY_FORWARDED,
        Channel.PHONE,
        Channel.VISIT,
    )
    # R-COMPLAINT-53: CM takes phone, visit, letter and other channels
    assert {Channel.PHONE, Channel.VISIT, Channel.LETTER, Channel.OTHER} <= set(CM.channels)
    assert SO.channels == (Channel.VISIT, Channel.PHONE)


def test_r_complaint_06_major_and_compensation_complaints_freeze_promises() -> None:
    # R-COMPLAINT-06
    # Given a PCS general complaint demanding compensation, before the company's decision
    assert promise_frozen(PCS, level="general", flags={"compensation"}, decision_recorded=False)
    # When the decision is recorded the freeze lifts
    assert not promise_frozen(PCS, level="general", flags={"compensation"}, decision_recorded=True)
    # Major levels freeze by themselves; ordinary ones do not
    assert promise_frozen(LH, level="major", flags=(), decision_recorded=False)
    assert promise_frozen(LH, level="particularly_major", flags=(), decision_recorded=False)
    assert not promise_frozen(LH, level="general", flags={MajorFlag.MEDIA}, decision_recorded=False)
    assert not promise_frozen(SO, level="important", flags=(), decision_recorded=False)


def test_r_complaint_08_every_preset_maps_its_flags_to_its_major_level() -> None:
    # R-COMPLAINT-08
    assert len(MajorFlag) == 10
    assert LH.major_flags == {
        MajorFlag.GOVERNMENT,
        MajorFlag.MEDIA,
        MajorFlag.SERIOUS_IMPACT,
        MajorFlag.WIDE_SCOPE,
        MajorFlag.LARGE_AMOUNT,
    }
    assert PCS.major_flags == {MajorFlag.COMPENSATION}
    assert CM.major_flags == {MajorFlag.HIGHER_AUTHORITY, MajorFlag.SERIOUS_IMPACT}
    assert SO.major_flags == {
        MajorFlag.PROMISE_NOT_KEPT,
        MajorFlag.LOSS_OR_INJURY,
        MajorFlag.UNRESOLVED_MONTH,
    }
    for policy in PRESETS.values():
        for flag in policy.major_flags:
            assert level_for(policy, chosen=None, flags={flag}) == policy.major_level
    # A flag outside the policy's set is recorded but forces nothing
    assert level_for(LH, chosen=None, flags={MajorFlag.COMPENSATION}) == "general"
    assert level_for(PCS, chosen="important", flags={MajorFlag.MEDIA}) == "important"


def test_r_complaint_08_level_for_rejects_an_unknown_chosen_level() -> None:
    with pytest.raises(PolicyError, match="没有级别“severe”"):
        level_for(PCS, chosen="severe", flags=())


def test_r_complaint_13_lh_levels_and_single_department_warning() -> None:
    # R-COMPLAINT-13
    assert [(level.code, level.label) for level in LH.levels] == [
        ("general", "一般投诉"),
        ("major", "重大投诉"),
        ("particularly_major", "特别重大投诉"),
    ]
    assert level_for(LH, chosen=None, flags=()) == "general"
    assert level_for(LH, chosen="general", flags={MajorFlag.WIDE_SCOPE}) == "major"
    # A-CMP-3: a general complaint given to two departments is allowed, with a warning
    assert level_warnings(LH, level="general", department_count=2) == [
        "一般投诉通常只涉及单一部门，本投诉涉及 2 个部门，请确认级别是否恰当"
    ]
    assert level_warnings(LH, level="general", department_count=1) == []
    assert level_warnings(LH, level="major", department_count=3) == []


def test_r_complaint_16_particularly_major_needs_the_chairman_to_close() -> None:
    # R-COMPLAINT-16
    assert closure_approver_roles(LH, level="particularly_major") == ("chairman",)
    assert closure_approver_roles(LH, level="major") == ()
    # A-CMP-4: chosen by hand; the major flags never lower it
    assert level_for(LH, chosen="particularly_major", flags={MajorFlag.MEDIA}) == (
        "particularly_major"
    )


def test_r_complaint_20_lh_contact_sheets_need_the_marketing_manager() -> None:
    # R-COMPLAINT-20
    assert LH.contact_sheet_approval is Slot.APPROVER
    assert LH.roles_for(Slot.APPROVER) == ("marketing_manager",)
    assert PCS.contact_sheet_approval is None


def test_r_complaint_23_lh_letters_are_cosigned_and_reviewed_by_legal() -> None:
    # R-COMPLAINT-23
    assert LH.letter_cosign == (Slot.SUPERVISOR, Slot.MANAGER, Slot.DEPARTMENT)
    assert LH.legal_review is True
    assert LH.roles_for(Slot.LEGAL) == ("legal",)
    assert [(p.letter_cosign, p.legal_review) for p in (PCS, CM, SO)] == [((), False)] * 3


def test_r_complaint_41_pcs_phone_intake_is_read_back() -> None:
    # R-COMPLAINT-41
    assert [p.code for p in PRESETS.values() if p.read_back_required] == ["PCS"]


def test_r_complaint_57_cm_major_is_a_valid_complaint_only() -> None:
    # R-COMPLAINT-57
    assert level_for(CM, chosen=None, flags={MajorFlag.HIGHER_AUTHORITY}) == "major"
    assert level_for(CM, chosen="valid", flags={MajorFlag.SERIOUS_IMPACT}) == "major"
    # 重大 ⊂ 有效: an invalid complaint is not forced to major
    assert level_for(CM, chosen="invalid", flags={MajorFlag.HIGHER_AUTHORITY}) == "invalid"
    assert level_for(CM, chosen="valid", flags={MajorFlag.MEDIA}) == "valid"


def test_r_complaint_75_so_major_criteria_and_internal_complaints() -> None:
    # R-COMPLAINT-75
    assert level_for(SO, chosen="minor", flags={MajorFlag.LOSS_OR_INJURY}) == "major"
    assert level_for(SO, chosen="important", flags={MajorFlag.UNRESOLVED_MONTH}) == "major"
    assert level_for(SO, chosen="important", flags={MajorFlag.GOVERNMENT}) == "important"
    # An internal complaint stays internal (it is not on the customer scale)
    assert level_for(SO, chosen="internal", flags={MajorFlag.PROMISE_NOT_KEPT}) == "internal"


def test_r_complaint_77_so_internal_complaints_are_written_and_go_to_sales_admin() -> None:
    internal = SO.level("internal")
    assert internal.written_only is True
    assert [level.code for level in SO.levels if level.written_only] == ["internal"]
    # Routed to the company's competent department, never to the 售楼主管 complained about
    assert route(SO, level="internal", target_role="sales_supervisor") == Route(
        handler_roles=("sales_admin_manager",),
        replier_roles=("sales_admin_manager",),
        level="internal",
    )


# --- routing --------------------------------------------------------------------------------
def test_r_complaint_70_so_handler_by_level() -> None:
    # R-COMPLAINT-70
    assert route(SO, level="minor").handler_roles == ("sales_supervisor",)
    assert route(SO, level="important").handler_roles == ("sales_admin_manager",)
    assert route(SO, level="major").handler_roles == ("deputy_gm",)


def test_r_complaint_70_so_the_higher_of_level_and_target_applies() -> None:
    # A minor complaint about a 售楼员 goes to 销管部; about the 项目经理 to the deputy GM
    assert route(SO, level="minor", target_role="salesperson") == Route(
        ("sales_admin_manager",), ("sales_admin_manager", "deputy_gm"), "important"
    )
    assert route(SO, level="minor", target_role="project_manager").handler_roles == ("deputy_gm",)
    # A major complaint about a 售楼员 stays with the deputy GM
    assert route(SO, level="major", target_role="salesperson").level == "major"
    # A target without a routing rule changes nothing
    assert route(SO, level="minor", target_role="reception_staff").level == "minor"


def test_r_complaint_74_so_important_and_major_answered_by_sales_admin_or_deputy_gm() -> None:
    # R-COMPLAINT-74
    assert route(SO, level="minor").replier_roles == ("sales_supervisor",)
    assert route(SO, level="important").replier_roles == ("sales_admin_manager", "deputy_gm")
    assert route(SO, level="major").replier_roles == ("sales_admin_manager", "deputy_gm")
    # Nobody answers a complaint about themselves (R-COMPLAINT-77)
    assert route(SO, level="major", target_role="sales_admin_manager").replier_roles == (
        "deputy_gm",
    )


def test_r_complaint_60_cm_major_is_handled_by_the_general_property_manager() -> None:
    # R-COMPLAINT-60
    assert route(CM, level="major").handler_roles == ("gpm",)
    assert route(CM, level="valid").handler_roles == ("cs_staff", "dispatch")


# --- timers ---------------------------------------------------------------------------------
def test_r_complaint_18_lh_reply_within_48_hours_for_consultations() -> None:
    timers = timers_on(
        LH,
        event=EVENT_RECEIVED,
        kind=Kind.CONSULTATION,
        level="general",
        at=at(2026, 9, 30, 10),
        cal=CAL,
    )
    assert [t.key for t in timers] == ["reply"]
    reply = timers[0]
    assert reply.label == "答复客户时限"
    assert reply.rule_ref == "R-COMPLAINT-18"
    # Clock hours run through the National Day holiday (R-GEN-07)
    assert reply.due == Due(
        at(2026, 10, 2, 10),
        "答复客户时限（咨询性问题、服务性请求48小时）：自 2026-09-30 10:00 起计 48 小时（自然时间），"
        "截止 2026-10-02 10:00。",
    )
    service = timers_on(
        LH,
        event=EVENT_RECEIVED,
        kind="service_request",
        level="general",
        at=at(2026, 9, 30, 10),
        cal=CAL,
    )
    assert due_at(service) == {"reply": at(2026, 10, 2, 10)}


def test_r_complaint_18_lh_reply_within_72_hours_for_general_complaints() -> None:
    timers = timers_on(
        LH,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 10),
        cal=CAL,
    )
    assert due_at(timers) == {"reply": at(2026, 10, 3, 10)}
    assert timers[0].due.explanation.startswith("答复客户时限（一般性问题72小时）：")


def test_r_complaint_18_lh_major_complaints_have_no_fixed_reply_timer() -> None:
    for level in ("major", "particularly_major"):
        timers = timers_on(
            LH,
            event=EVENT_RECEIVED,
            kind=Kind.COMPLAINT,
            level=level,
            at=at(2026, 9, 30, 10),
            cal=CAL,
        )
        assert timers == []
    # …but a daily contact with the customer until the decision (assumption in R-COMPLAINT-18)
    assert next_chase(
        LH, level="major", last_at=at(2026, 10, 1, 9), agreed_deadline=None, cal=CAL
    ) == Due(
        at(2026, 10, 2, 9),
        "催问（重大投诉）：自 2026-10-01 09:00 起计 1 天（自然日），截止 2026-10-02 09:00。",
    )


def test_r_complaint_27_lh_major_report_within_24_hours_and_escalation_hops() -> None:
    # R-COMPLAINT-27
    timers = timers_on(
        LH,
        event=EVENT_CLASSIFIED,
        kind=Kind.COMPLAINT,
        level="major",
        at=at(2026, 9, 30, 18),
        cal=CAL,
    )
    assert due_at(timers) == {
        "major_report": at(2026, 10, 1, 18),
        "escalation.1": at(2026, 10, 1, 18),
        "escalation.2": at(2026, 10, 1, 18),
        "escalation.3": at(2026, 10, 2, 18),
    }
    assert [t.label for t in timers] == [
        "重大投诉上报时限",
        "上报龙湖会主管",
        "上报营销策划部经理",
        "层级上报副总经理、总经理",
    ]
    assert by_key(timers)["escalation.2"].due.explanation == (
        "上报营销策划部经理：自 2026-09-30 18:00 起计 24 小时（自然时间），截止 2026-10-01 18:00。"
    )
    # A general complaint classified as general starts none of these
    assert (
        timers_on(
            LH,
            event=EVENT_CLASSIFIED,
            kind=Kind.COMPLAINT,
            level="general",
            at=at(2026, 9, 30, 18),
            cal=CAL,
        )
        == []
    )


def test_r_complaint_29_lh_legacy_issue_reported_the_same_day() -> None:
    timers = timers_on(
        LH,
        event=EVENT_LEGACY_FLAGGED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 15, 20),
        cal=CAL,
    )
    assert timers == [
        TimerDue(
            "legacy_report",
            "遗留问题当天报告主管",
            Due(
                at(2026, 10, 1, 0),
                "遗留问题当天报告主管：自 2026-09-30 15:20 起当天内完成，截止 2026-09-30 24:00"
                "（即 2026-10-01 00:00）。",
            ),
            "R-COMPLAINT-29",
        )
    ]
    # Many customers on one legacy issue: a unified handling approach is suggested
    assert group_suggestion(LH, linked_count=2) == LH.group_action
    assert "统一的处理办法" in LH.group_action


def test_r_complaint_34_pcs_first_response_8_hours_when_received_in_working_time() -> None:
    timers = timers_on(
        PCS,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 10),
        cal=CAL,
    )
    assert timers == [
        TimerDue(
            "first_response",
            "首次回应时限",
            Due(
                at(2026, 9, 30, 18),
                "首次回应时限（工作时间内受理8小时）：自 2026-09-30 10:00 起计 8 小时（自然时间），"
                "截止 2026-09-30 18:00。",
            ),
            "R-COMPLAINT-34",
        )
    ]


def test_r_complaint_34_pcs_first_response_24_hours_when_received_outside_working_time() -> None:
    # Wed 2026-09-30 18:00 is after closing (17:30): 24 clock hours, into National Day
    timers = timers_on(
        PCS,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 18),
        cal=CAL,
    )
    assert due_at(timers) == {"first_response": at(2026, 10, 1, 18)}
    assert timers[0].due.explanation == (
        "首次回应时限（非工作时间受理24小时）：自 2026-09-30 18:00 起计 24 小时（自然时间），"
        "截止 2026-10-01 18:00。"
    )
    # The closing instant itself is outside working time
    closing = timers_on(
        PCS,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 17, 30),
        cal=CAL,
    )
    assert due_at(closing) == {"first_response": at(2026, 10, 1, 17, 30)}


def test_a_cmp_7_pcs_first_response_counted_in_working_hours_skips_national_day() -> None:
    policy = count_in_working_hours(PCS, key="first_response")
    # Received outside working time: 24 working hours from the next opening (Thu Oct 8
    # 08:30): Oct 8 (9 h) + Oct 9 (9 h) + Sat Oct 10, an adjusted working day (6 h)
    late = timers_on(
        policy,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 18),
        cal=CAL,
    )
    assert late[0].due == Due(
        at(2026, 10, 10, 14, 30),
        "首次回应时限（非工作时间受理24小时）：自 2026-09-30 18:00 起计 24 个工作小时"
        "（营业时间 08:30–17:30），非工作时间受理，从 2026-10-08 08:30 开始计时，"
        "跳过国庆节（10月1日–10月7日），截止 2026-10-10 14:30。",
    )
    # Received in working time: 1.5 h on Sep 30, 6.5 h on Oct 8
    early = timers_on(
        policy,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 16),
        cal=CAL,
    )
    assert due_at(early) == {"first_response": at(2026, 10, 8, 15)}
    # The preset itself is unchanged (clock hours by default)
    assert PCS.timers[0].rules[0].duration == Duration(Decimal(8), "clock_hours")


def test_a_cmp_7_count_in_working_hours_rejects_an_unknown_timer() -> None:
    with pytest.raises(PolicyError, match="没有计时项“reply”"):
        count_in_working_hours(PCS, key="reply")


def test_r_complaint_34_first_response_applies_to_complaints_not_to_praise() -> None:
    for kind in (Kind.PRAISE, Kind.CONSULTATION, Kind.OPINION):
        assert (
            timers_on(
                PCS,
                event=EVENT_RECEIVED,
                kind=kind,
                level="general",
                at=at(2026, 9, 30, 10),
                cal=CAL,
            )
            == []
        )
    special = timers_on(
        PCS,
        event=EVENT_RECEIVED,
        kind=Kind.SPECIAL_SERVICE,
        level="general",
        at=at(2026, 9, 30, 10),
        cal=CAL,
    )
    assert [t.key for t in special] == ["first_response"]


def test_r_complaint_43_pcs_transfer_within_20_minutes_of_classification() -> None:
    # R-COMPLAINT-43
    timers = timers_on(
        PCS,
        event=EVENT_CLASSIFIED,
        kind=Kind.COMPLAINT,
        level="important",
        at=at(2026, 10, 3, 11, 50),
        cal=CAL,
    )
    assert due_at(timers) == {"transfer": at(2026, 10, 3, 12, 10)}
    assert timers[0].due.explanation == (
        "转责任部门时限（定性后二十分钟内）：自 2026-10-03 11:50 起计 20 分钟（自然时间），"
        "截止 2026-10-03 12:10。"
    )
    # Not started at receipt
    received = timers_on(
        PCS,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="important",
        at=at(2026, 10, 3, 11, 50),
        cal=CAL,
    )
    assert "transfer" not in due_at(received)


def test_r_complaint_44_department_accepts_with_a_rectification_deadline() -> None:
    deadline = at(2026, 10, 9, 17)
    timers = timers_on(
        PCS,
        event=EVENT_ACCEPTED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 11),
        cal=CAL,
        agreed_deadline=deadline,
    )
    assert timers == [
        TimerDue(
            "rectification",
            "整改完成期限",
            Due(deadline, "整改完成期限：按约定期限，截止 2026-10-09 17:00。"),
            "R-COMPLAINT-44",
        )
    ]


def test_r_complaint_45_department_unable_reported_to_supervisor_the_same_day() -> None:
    # R-COMPLAINT-45
    timers = timers_on(
        PCS,
        event=EVENT_DEPARTMENT_UNABLE,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 9),
        cal=CAL,
    )
    assert due_at(timers) == {"unable_report": at(2026, 10, 1, 0)}


def test_r_complaint_42_promised_reply_deadline_is_the_promised_one() -> None:
    # R-COMPLAINT-42
    promised = at(2026, 10, 8, 12)
    timers = timers_on(
        PCS,
        event=EVENT_DEADLINE_PROMISED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 9),
        cal=CAL,
        agreed_deadline=promised,
    )
    assert due_at(timers) == {"promised_reply": promised}


def test_r_complaint_47_developer_proposal_within_one_week() -> None:
    # R-COMPLAINT-47
    timers = timers_on(
        PCS,
        event=EVENT_FORWARDED_TO_DEVELOPER,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 28, 10),
        cal=CAL,
    )
    # Calendar days: the holiday is not skipped (R-GEN-07)
    assert due_at(timers) == {"developer_proposal": at(2026, 10, 5, 10)}
    assert timers[0].due.explanation == (
        "地产客服提交处理方案时限（不超过一周）：自 2026-09-28 10:00 起计 7 天（自然日），"
        "截止 2026-10-05 10:00。"
    )


def test_r_complaint_48_pcs_important_complaints_chased_daily() -> None:
    # R-COMPLAINT-48
    assert next_chase(
        PCS, level="important", last_at=at(2026, 10, 1, 9), agreed_deadline=None, cal=CAL
    ) == Due(
        at(2026, 10, 2, 9),
        "催问（重要投诉）：自 2026-10-01 09:00 起计 1 天（自然日），截止 2026-10-02 09:00。",
    )
    # A-CMP-5: 重大 is chased daily as well
    major = next_chase(
        PCS, level="major", last_at=at(2026, 10, 1, 9), agreed_deadline=None, cal=CAL
    )
    assert major is not None
    assert major.at == at(2026, 10, 2, 9)


def test_r_complaint_48_pcs_general_complaints_chased_twice_a_week() -> None:
    # Every 84 clock hours: two chases in each 168-hour week
    first = next_chase(
        PCS, level="general", last_at=at(2026, 10, 5, 9), agreed_deadline=None, cal=CAL
    )
    assert first is not None
    assert first.at == at(2026, 10, 8, 21)
    second = next_chase(PCS, level="general", last_at=first.at, agreed_deadline=None, cal=CAL)
    assert second is not None
    assert second.at == at(2026, 10, 12, 9)


def test_r_complaint_48_pcs_agreed_long_complaints_chased_one_day_before_the_deadline() -> None:
    deadline = at(2026, 10, 20, 17)
    due = next_chase(
        PCS, level="general", last_at=at(2026, 10, 1, 9), agreed_deadline=deadline, cal=CAL
    )
    assert due == Due(
        at(2026, 10, 19, 17),
        "催问（一般性投诉，约定期限前）：约定期限 2026-10-20 17:00，提前 1 天催问，"
        "截止 2026-10-19 17:00。",
    )
    # Once that chase is done, the periodic rule applies again
    after = next_chase(
        PCS, level="general", last_at=at(2026, 10, 19, 17), agreed_deadline=deadline, cal=CAL
    )
    assert after is not None
    assert after.at == at(2026, 10, 23, 5)


def test_r_complaint_48_policies_without_chase_rules_return_none() -> None:
    for policy, level in ((CM, "valid"), (SO, "minor"), (LH, "general")):
        assert (
            next_chase(
                policy, level=level, last_at=at(2026, 10, 1, 9), agreed_deadline=None, cal=CAL
            )
            is None
        )


def test_r_complaint_50_pcs_revisit_within_7_days_after_handling() -> None:
    # R-COMPLAINT-50
    timers = timers_on(
        PCS,
        event=EVENT_HANDLED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 16),
        cal=CAL,
    )
    assert timers == [
        TimerDue(
            "revisit",
            "回访时限",
            Due(
                at(2026, 10, 7, 16),
                "回访时限：自 2026-09-30 16:00 起计 7 天（自然日），截止 2026-10-07 16:00。",
            ),
            "R-COMPLAINT-09",
        )
    ]


def test_r_complaint_22_lh_periodic_revisit_every_30_days() -> None:
    # R-COMPLAINT-22
    timers = timers_on(
        LH,
        event=EVENT_HANDLED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 16),
        cal=CAL,
    )
    assert due_at(timers) == {"revisit": at(2026, 10, 30, 16)}
    # CM and SO give no revisit window (none in the seeds)
    for policy, level in ((CM, "valid"), (SO, "minor")):
        assert (
            timers_on(
                policy,
                event=EVENT_HANDLED,
                kind=Kind.COMPLAINT,
                level=level,
                at=at(2026, 9, 30, 16),
                cal=CAL,
            )
            == []
        )


def test_r_complaint_10_reopening_needs_a_rectification_deadline() -> None:
    # R-COMPLAINT-10
    deadline = at(2026, 10, 12, 12)
    for policy in PRESETS.values():
        timers = timers_on(
            policy,
            event=EVENT_REOPENED,
            kind=Kind.COMPLAINT,
            level=policy.default_level,
            at=at(2026, 10, 9, 10),
            cal=CAL,
            agreed_deadline=deadline,
        )
        assert due_at(timers) == {"reopened_rectification": deadline}
    with pytest.raises(PolicyError, match="限期整改期限：请填写约定的期限"):
        timers_on(
            CM,
            event=EVENT_REOPENED,
            kind=Kind.COMPLAINT,
            level="valid",
            at=at(2026, 10, 9, 10),
            cal=CAL,
        )


def test_r_complaint_73_so_first_handling_opinion_per_level() -> None:
    # R-COMPLAINT-73
    received = at(2026, 9, 30, 10)
    expected = {
        "minor": at(2026, 10, 3, 10),
        "important": at(2026, 10, 2, 10),
        "major": at(2026, 10, 1, 10),
    }
    for level, due in expected.items():
        timers = timers_on(
            SO, event=EVENT_RECEIVED, kind=Kind.COMPLAINT, level=level, at=received, cal=CAL
        )
        assert due_at(timers)["first_opinion"] == due
    internal = timers_on(
        SO, event=EVENT_RECEIVED, kind=Kind.COMPLAINT, level="internal", at=received, cal=CAL
    )
    assert internal == []


def test_r_complaint_76_so_auto_upgrade_one_calendar_month_after_receipt() -> None:
    timers = timers_on(
        SO,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="minor",
        at=at(2026, 9, 30, 10),
        cal=CAL,
    )
    assert by_key(timers)["auto_upgrade"] == TimerDue(
        "auto_upgrade",
        "自动升级为重大投诉",
        Due(
            at(2026, 10, 30, 10),
            "自动升级为重大投诉：自 2026-09-30 10:00 起计 1 个月（自然月），截止 2026-10-30 10:00。",
        ),
        "R-COMPLAINT-76",
    )
    # Jan 31 + 1 month = Feb 28 (2026 is no leap year)
    january = timers_on(
        SO,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="important",
        at=at(2026, 1, 31, 9),
        cal=CAL,
    )
    assert due_at(january)["auto_upgrade"] == at(2026, 2, 28, 9)
    # Already major, internal, or another policy: no auto-upgrade
    for policy, level in ((SO, "major"), (SO, "internal"), (PCS, "general"), (LH, "general")):
        keys = due_at(
            timers_on(
                policy,
                event=EVENT_RECEIVED,
                kind=Kind.COMPLAINT,
                level=level,
                at=at(2026, 9, 30, 10),
                cal=CAL,
            )
        )
        assert "auto_upgrade" not in keys


def test_r_complaint_76_upgrade_restarts_the_new_levels_timers() -> None:
    # SO minor -> major at 2026-10-10 09:00: the first opinion restarts at 24 h and the deputy
    # GM hop starts; the auto-upgrade timer (counted from receipt) is not restarted
    timers = timers_on(
        SO,
        event=EVENT_UPGRADED,
        kind=Kind.COMPLAINT,
        level="major",
        at=at(2026, 10, 10, 9),
        cal=CAL,
    )
    assert due_at(timers) == {
        "first_opinion": at(2026, 10, 11, 9),
        "escalation.1": at(2026, 10, 11, 9),
    }
    assert restarted_on_upgrade(SO) == {"first_opinion", "escalation.1"}


def test_upgrade_to_lh_major_drops_the_reply_timer_and_starts_the_major_report() -> None:
    timers = timers_on(
        LH,
        event=EVENT_UPGRADED,
        kind=Kind.COMPLAINT,
        level="major",
        at=at(2026, 10, 9, 9),
        cal=CAL,
    )
    assert [t.key for t in timers] == [
        "major_report",
        "escalation.1",
        "escalation.2",
        "escalation.3",
    ]
    assert restarted_on_upgrade(LH) == {
        "reply",
        "major_report",
        "escalation.1",
        "escalation.2",
        "escalation.3",
    }
    # PCS first response and transfer are not restarted by an upgrade
    assert restarted_on_upgrade(PCS) == {"escalation.1"}


def test_timers_on_rejects_unknown_events_levels_and_naive_times() -> None:
    with pytest.raises(PolicyError, match="未知的计时事件“closed”"):
        timers_on(
            PCS, event="closed", kind=Kind.COMPLAINT, level="general", at=at(2026, 9, 30), cal=CAL
        )
    with pytest.raises(PolicyError, match="没有级别“valid”"):
        timers_on(
            PCS,
            event=EVENT_RECEIVED,
            kind=Kind.COMPLAINT,
            level="valid",
            at=at(2026, 9, 30),
            cal=CAL,
        )
    with pytest.raises(PolicyError, match="带时区"):
        timers_on(
            PCS,
            event=EVENT_RECEIVED,
            kind=Kind.COMPLAINT,
            level="general",
            at=dt.datetime(2026, 9, 30, 10),
            cal=CAL,
        )


# --- escalation chains, revisits, closure ------------------------------------------------------
def test_r_complaint_90b_each_preset_has_an_ordered_escalation_chain() -> None:
    # R-COMPLAINT-90b
    assert [(hop.slot, hop.within) for hop in LH.escalation_chain] == [
        (Slot.SUPERVISOR, Duration(Decimal(24), "clock_hours")),
        (Slot.APPROVER, Duration(Decimal(24), "clock_hours")),
        (Slot.EXECUTIVE, Duration(Decimal(48), "clock_hours")),
    ]
    assert [hop.slot for hop in CM.escalation_chain] == [Slot.MANAGER, Slot.EXECUTIVE]
    assert CM.roles_for(Slot.EXECUTIVE) == ("gpm",)
    assert [hop.slot for hop in SO.escalation_chain] == [Slot.EXECUTIVE]
    assert SO.roles_for(Slot.EXECUTIVE) == ("deputy_gm",)
    assert [hop.slot for hop in PCS.escalation_chain] == [Slot.MANAGER]
    cm = timers_on(
        CM,
        event=EVENT_CLASSIFIED,
        kind=Kind.COMPLAINT,
        level="major",
        at=at(2026, 10, 1, 22),
        cal=CAL,
    )
    assert due_at(cm) == {"escalation.1": at(2026, 10, 1, 23), "escalation.2": at(2026, 10, 2, 2)}


def test_r_complaint_64_cm_major_complaints_revisited_at_home_by_the_manager() -> None:
    # R-COMPLAINT-64
    assert revisit_method(CM, level="major") is RevisitMethod.HOME_VISIT
    assert revisit_roles(CM, level="major") == ("cs_manager",)
    assert revisit_method(CM, level="valid") is RevisitMethod.PHONE
    assert revisit_roles(CM, level="valid") == ("dispatch", "cs_staff")
    assert {revisit_method(p, level=p.default_level) for p in PRESETS.values()} == {
        RevisitMethod.PHONE
    }


def test_r_complaint_65_cm_group_of_complaints_suggests_a_symposium() -> None:
    # R-COMPLAINT-65
    assert CM.group_threshold == 2
    assert group_suggestion(CM, linked_count=1) is None
    assert group_suggestion(CM, linked_count=2) == "召集投诉者座谈会，或在小区公布处理情况"
    assert group_suggestion(PCS, linked_count=10) is None


def test_r_complaint_66_cm_manager_revisit_quotas() -> None:
    # R-COMPLAINT-66
    assert CM.revisit_quotas == {"cs_manager": 3, "gpm": 1}
    assert quota_shortfalls(CM, done={"cs_manager": 1}) == {"cs_manager": 2, "gpm": 1}
    assert quota_shortfalls(CM, done={"cs_manager": 4, "gpm": 1}) == {}
    assert quota_shortfalls(PCS, done={}) == {}
    # RPT-11: checked on the month's last day only
    assert REPORT_REVISIT_QUOTA in reports_due_on(CM, dt.date(2026, 2, 28))
    assert REPORT_REVISIT_QUOTA not in reports_due_on(CM, dt.date(2026, 2, 27))


def test_r_complaint_90d_closure_evidence_per_preset() -> None:
    # R-COMPLAINT-90d
    assert PCS.closure == ClosureRules(
        customer_signature=True,
        manager_review=True,
        revisit_required=True,
        satisfaction_required=True,
    )
    assert SO.closure == ClosureRules(
        revisit_required=True, affirmation_required=True, cause_analysis_required=True
    )
    assert LH.closure == ClosureRules(revisit_required=True, satisfaction_required=True)
    assert CM.closure == ClosureRules(revisit_required=True, satisfaction_required=True)


def test_r_complaint_11_archive_targets() -> None:
    # R-COMPLAINT-11
    assert {code: p.archive_target for code, p in PRESETS.items()} == {
        "LH": ArchiveTarget.HOUSEHOLD_FILE,
        "PCS": ArchiveTarget.OWNER_ARCHIVE,
        "CM": ArchiveTarget.CS_ARCHIVE,
        "SO": ArchiveTarget.CS_ARCHIVE,
    }


# --- penalties ------------------------------------------------------------------------------
def test_r_complaint_79_so_penalties_per_level() -> None:
    # R-COMPLAINT-79
    assert penalties_for(SO, level="minor") == (Penalty.WARNING, Penalty.WRITTEN_SELF_CRITICISM)
    assert penalties_for(SO, level="important") == (
        Penalty.YELLOW_CARD,
        Penalty.CIRCULATED_CRITICISM,
        Penalty.WRITTEN_SELF_CRITICISM,
    )
    assert penalties_for(SO, level="internal") == (
        Penalty.WARNING,
        Penalty.WRITTEN_SELF_CRITICISM,
    )
    # Major: red card + circulated criticism + written self-criticism, or a black card
    assert penalty_choices(SO, level="major") == (
        (Penalty.RED_CARD, Penalty.CIRCULATED_CRITICISM, Penalty.WRITTEN_SELF_CRITICISM),
        (Penalty.BLACK_CARD,),
    )
    assert penalties_for(LH, level="major") == ()
    assert penalty_choices(PCS, level="major") == ()


# --- unified severity ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("policy_code", "level", "kind", "outcome", "severity"),
    [
        ("LH", "general", Kind.CONSULTATION, None, 0),
        ("LH", "general", Kind.SERVICE_REQUEST, None, 0),
        ("PCS", "general", Kind.OPINION, None, 0),
        ("SO", None, Kind.PRAISE, None, 0),
        ("LH", "general", Kind.COMPLAINT, OUTCOME_DECLINED, 1),
        ("PCS", "general", Kind.COMPLAINT, OUTCOME_EXPLAINED, 1),
        ("CM", "invalid", Kind.COMPLAINT, None, 1),
        ("SO", "minor", Kind.COMPLAINT, OUTCOME_EXPLAINED, 1),
        ("LH", "general", Kind.COMPLAINT, None, 2),
        ("PCS", "general", Kind.COMPLAINT, None, 2),
        ("CM", "valid", Kind.COMPLAINT, None, 2),
        ("SO", "minor", Kind.COMPLAINT, None, 2),
        ("PCS", "important", Kind.COMPLAINT, None, 3),
        ("SO", "important", Kind.COMPLAINT, None, 3),
        ("LH", "major", Kind.COMPLAINT, None, 4),
        ("PCS", "major", Kind.COMPLAINT, None, 4),
        ("CM", "major", Kind.COMPLAINT, None, 4),
        ("SO", "major", Kind.COMPLAINT, None, 4),
        ("LH", "particularly_major", Kind.COMPLAINT, None, 5),
        ("CM", "major", Kind.COMPLAINT, OUTCOME_REPORTED_TO_COMPANY, 5),
        ("CM", "valid", Kind.COMPLAINT, OUTCOME_REPORTED_TO_COMPANY, 2),
        ("SO", "internal", Kind.COMPLAINT, None, -1),
        ("CM", None, Kind.SPECIAL_SERVICE, None, 2),
    ],
)
def test_r_complaint_89_unified_severity_table(
    policy_code: str, level: str | None, kind: Kind, outcome: str | None, severity: int
) -> None:
    # R-COMPLAINT-89
    policy = PRESETS[policy_code]
    assert unified_severity(policy, level=level, kind=kind, outcome=outcome) == severity


def test_r_complaint_89_unknown_outcome_is_rejected() -> None:
    with pytest.raises(PolicyError, match="未知的处理结果“lost”"):
        unified_severity(CM, level="valid", kind=Kind.COMPLAINT, outcome="lost")


# --- presets as a whole -----------------------------------------------------------------------
def test_r_complaint_87_four_presets_with_code_and_version() -> None:
    assert list(PRESETS) == ["LH", "PCS", "CM", "SO"]
    assert {code: (p.code, p.version) for code, p in PRESETS.items()} == {
        "LH": ("LH", 1),
        "PCS": ("PCS", 1),
        "CM": ("CM", 1),
        "SO": ("SO", 1),
    }


def test_r_complaint_88_level_taxonomies_in_order() -> None:
    # R-COMPLAINT-88
    assert {code: [level.label for level in p.levels] for code, p in PRESETS.items()} == {
        "LH": ["一般投诉", "重大投诉", "特别重大投诉"],
        "PCS": ["一般性投诉", "重要投诉", "重大投诉"],
        "CM": ["无效投诉", "有效投诉", "重大投诉"],
        "SO": ["轻微投诉", "重要投诉", "重大投诉", "内部投诉"],
    }
    assert {code: (p.default_level, p.major_level) for code, p in PRESETS.items()} == {
        "LH": ("general", "major"),
        "PCS": ("general", "major"),
        "CM": ("valid", "major"),
        "SO": ("minor", "major"),
    }


def test_r_complaint_88_forms_of_each_preset() -> None:
    assert LH.forms["registration"] == "客户投诉登记表"
    assert LH.forms["contact_sheet"] == "工作联系单"
    assert LH.forms["monthly_report"] == "投诉处置情况月表"
    assert PCS.forms == {
        "registration": "投诉/意见接待台帐",
        "handling": "投诉处理书",
        "contact_sheet": "物业客服工作联系单",
    }
    assert CM.forms["monthly_report"] == "客户服务信息统计分析汇总表"
    assert SO.forms == {"registration": "客户投诉意见处理表", "handling": "投诉处理记录表"}


def test_r_complaint_90a_first_response_and_reply_are_two_timers() -> None:
    # R-COMPLAINT-90a
    assert [t.key for t in PCS.timers if t.key in {"first_response", "reply"}] == ["first_response"]
    assert [t.key for t in LH.timers if t.key in {"first_response", "reply"}] == ["reply"]
    # A policy may enable both
    both = replace(PCS, timers=(*PCS.timers, LH.timers[0]))
    timers = timers_on(
        both,
        event=EVENT_RECEIVED,
        kind=Kind.COMPLAINT,
        level="general",
        at=at(2026, 9, 30, 10),
        cal=CAL,
    )
    assert due_at(timers) == {
        "first_response": at(2026, 9, 30, 18),
        "reply": at(2026, 10, 3, 10),
    }


def test_r_complaint_90g_only_so_auto_upgrades() -> None:
    # R-COMPLAINT-90g
    assert [code for code, p in PRESETS.items() if p.auto_upgrade_after is not None] == ["SO"]


def test_timer_rule_first_match_wins_and_none_means_no_timer() -> None:
    timer = TimerDef(
        key="x",
        label="测试",
        starts_on=EVENT_RECEIVED,
        rules=(
            TimerRule(None, levels=frozenset({"major"})),
            TimerRule(Duration(Decimal(2), "clock_hours")),
        ),
    )
    policy = replace(PCS, timers=(timer,))
    general = timers_on(
        policy,
        event=EVENT_RECEIVED,
        kind=Kind.PRAISE,
        level="general",
        at=at(2026, 9, 30, 10),
        cal=CAL,
    )
    assert due_at(general) == {"x": at(2026, 9, 30, 12)}
    major = timers_on(
        policy,
        event=EVENT_RECEIVED,
        kind=Kind.PRAISE,
        level="major",
        at=at(2026, 9, 30, 10),
        cal=CAL,
    )
    assert major == []


# --- reports (SPEC §20) --------------------------------------------------------------------
def test_r_complaint_24_25_lh_archive_on_the_25th_and_monthly_table_on_the_27th() -> None:
    # R-COMPLAINT-24
    assert reports_due_on(LH, dt.date(2026, 9, 24)) == (REPORT_PROGRESS_LOG,)
    assert reports_due_on(LH, dt.date(2026, 9, 25)) == (REPORT_PROGRESS_LOG, REPORT_ARCHIVE)
    assert reports_due_on(LH, dt.date(2026, 9, 27)) == (REPORT_PROGRESS_LOG, REPORT_MONTHLY)


def test_r_complaint_12_every_preset_feeds_periodic_statistics() -> None:
    # R-COMPLAINT-12: weekly for PCS, monthly for LH, CM and SO — over a whole month each
    # preset produces exactly these, whatever the month's length (February 2026: 28 days)
    def month(policy: Policy) -> dict[str, int]:
        counts: dict[str, int] = {}
        for n in range(28):
            for key in reports_due_on(policy, dt.date(2026, 2, 1) + dt.timedelta(days=n)):
                counts[key] = counts.get(key, 0) + 1
        return counts

    assert month(PCS)[REPORT_WEEKLY] == 4
    assert month(PCS)[REPORT_MONTHLY] == 1
    for policy in (LH, CM, SO):
        assert month(policy)[REPORT_MONTHLY] == 1, policy.code
        assert REPORT_WEEKLY not in month(policy), policy.code


def test_r_complaint_51_pcs_weekly_summary_and_monthly_legacy_summary() -> None:
    # R-COMPLAINT-51
    # Monday 2026-10-05 (a holiday, but reports follow the date, not working time)
    assert reports_due_on(PCS, dt.date(2026, 10, 5)) == (REPORT_WEEKLY,)
    assert reports_due_on(PCS, dt.date(2026, 10, 6)) == ()
    assert reports_due_on(PCS, dt.date(2026, 10, 31)) == (REPORT_MONTHLY, REPORT_LEGACY)
    # SO monthly statistics (RPT-12) on the month's last day
    assert reports_due_on(SO, dt.date(2026, 2, 28)) == (REPORT_MONTHLY,)


# --- guidance -----------------------------------------------------------------------------------
def test_r_complaint_81_86_six_steps_in_order() -> None:
    # R-COMPLAINT-81; the steps R-COMPLAINT-82, R-COMPLAINT-83 and R-COMPLAINT-86 by name,
    # R-COMPLAINT-84 (apologise) and R-COMPLAINT-85 (seek help) by their words
    steps = steps_checklist()
    assert [name for name, _text in steps] == ["关注", "聆听", "关键", "行动", "求助", "完成"]
    assert steps[0][1] == "放下手里的工作,面对客户,保持与客户的目光接触"
    assert "而不是再让客户重复这个问题" in steps[4][1]
    assert "若是公司的错误时要向客户表示道歉" in steps[3][1]
    assert [p.code for p in PRESETS.values() if p.steps_checklist] == ["LH", "SO"]


def test_r_gen_12_and_r_complaint_36_40_standard_phrases_verbatim() -> None:
    # R-GEN-12; R-COMPLAINT-05 (calm first), R-COMPLAINT-37 (establish the facts),
    # R-COMPLAINT-71 (service principle, no arguing)
    assert GUIDANCE["principles"][0] == "先处理心情,后处理事情"
    assert "礼貌、乐观、热情、友善、耐心、平等" in GUIDANCE["principles"]
    assert GUIDANCE["not_sure"] == ("对不起,您说的这件事我不太清楚,请稍等一下,我马上了解一下",)
    assert GUIDANCE["establish_facts"] == ("X先生,我会将问题处理得使您满意,您看,哪项服务打扰您了!",)
    assert GUIDANCE["no_promise"] == ("会就此事与有关部门协调,给业主答复",)
    assert GUIDANCE["phone_transfer"] == (
        "请您稍等,您所说的事情由XXX负责,他会帮您解决问题,我帮您转接",
    )
    assert GUIDANCE["phone_wait"] == ("对不起,我让您久等了",)
    assert GUIDANCE["phone_invite"] == ("我是XXX有什么我可以帮忙的吗?",)
    assert "严禁与客户进行辩论、争吵" in GUIDANCE["conduct"]
