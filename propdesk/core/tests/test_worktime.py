"""The working-time calendar (R-GEN-06..08, A-CMP-7/8): pure functions, tested on the real 2026
calendar of China and with hypothesis on random weekly schedules and override days.

2026 facts used below (checked against chinese_calendar 1.11):
- 元旦 Jan 1–3 (Thu–Sat) holiday; Jan 4 (Sun) adjusted working day.
- 春节 Feb 15–23 holiday; Feb 14 (Sat) and Feb 28 (Sat) adjusted working days.
- 清明节 Apr 4–6 holiday.
- 劳动节 May 1–5 holiday; May 9 (Sat) adjusted working day.
- 端午节 Jun 19–21 holiday.
- 中秋节 Sep 25–27 holiday; 国庆节 Oct 1–7 holiday; Sep 20 (Sun) and Oct 10 (Sat) adjusted
  working days.
- chinese_calendar knows 2004–2026 only: 2027 has no statutory days.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.core.worktime import (
    DEFAULT_HOURS,
    SHANGHAI,
    DayHours,
    DayInfo,
    Due,
    DurationUnit,
    WorkCalendar,
    add_clock_hours,
    add_working_days,
    add_working_hours,
    compute_due,
    is_working_time,
    next_opening,
    working_hours_between,
)

UTC = dt.UTC
EVERY_DAY = WorkCalendar(weekly=(DEFAULT_HOURS,) * 7)  # the seeded default, R-GEN-06
WEEKDAYS_ONLY = WorkCalendar(weekly=(DayHours(dt.time(9), dt.time(18)),) * 5 + (None, None))


def at(*args: int) -> dt.datetime:
    """An aware Asia/Shanghai datetime."""
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc, arg-type]


# --- the day rule -------------------------------------------------------------------------
def test_r_gen_06_statutory_holidays_are_closed_and_named_in_chinese() -> None:
    assert EVERY_DAY.day_info(dt.date(2026, 10, 1)) == DayInfo(
        date=dt.date(2026, 10, 1), hours=None, is_working=False, reason="国庆节"
    )
    assert EVERY_DAY.day_info(dt.date(2026, 9, 26)).reason == "中秋节"
    assert EVERY_DAY.day_info(dt.date(2026, 2, 15)).reason == "春节"
    assert EVERY_DAY.day_info(dt.date(2026, 5, 5)).reason == "劳动节"
    assert EVERY_DAY.day_info(dt.date(2026, 4, 5)).reason == "清明节"
    assert EVERY_DAY.day_info(dt.date(2026, 6, 19)).reason == "端午节"
    assert EVERY_DAY.day_info(dt.date(2026, 1, 1)).reason == "元旦"


def test_r_gen_06_ordinary_days_follow_the_weekly_hours() -> None:
    assert EVERY_DAY.day_info(dt.date(2026, 10, 8)) == DayInfo(
        date=dt.date(2026, 10, 8), hours=DEFAULT_HOURS, is_working=True, reason=""
    )
    # An ordinary Saturday: open in the default calendar, closed in a weekdays-only one.
    assert EVERY_DAY.hours_on(dt.date(2026, 10, 17)) == DEFAULT_HOURS
    assert WEEKDAYS_ONLY.day_info(dt.date(2026, 10, 17)) == DayInfo(
        date=dt.date(2026, 10, 17), hours=None, is_working=False, reason="周末不营业"
    )


def test_r_gen_06_adjusted_workday_opens_a_weekend_closed_project() -> None:
    # Given a project closed on weekends, open 09:00–18:00 on weekdays.
    # When China declares a Saturday/Sunday a working day (调休上班)
    # Then the project opens that day with the hours of its first open weekday.
    for day in (
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    ):
        assert WEEKDAYS_ONLY.day_info(day) == DayInfo(
            date=day, hours=DayHours(dt.time(9), dt.time(18)), is_working=True, reason="调休上班"
        ), day
    # The next Sunday after 10-10 is an ordinary closed weekend day again.
    assert WEEKDAYS_ONLY.hours_on(dt.date(2026, 10, 11)) is None


def test_r_gen_06_adjusted_workday_keeps_the_weekdays_own_hours() -> None:
    saturday = DayHours(dt.time(9), dt.time(12))
    cal = WorkCalendar(weekly=(DEFAULT_HOURS,) * 5 + (saturday, None))
    assert cal.hours_on(dt.date(2026, 10, 10)) == saturday  # a Saturday: its own hours
    assert cal.hours_on(dt.date(2026, 9, 20)) == DEFAULT_HOURS  # a Sunday: Monday's hours


def test_r_gen_06_adjusted_workday_defaults_when_no_weekday_is_open() -> None:
    cal = WorkCalendar(weekly=(None,) * 7)
    assert cal.hours_on(dt.date(2026, 10, 10)) == DayHours(dt.time(8, 30), dt.time(17, 30))
    assert cal.hours_on(dt.date(2026, 10, 9)) is None


def test_r_gen_06_project_override_beats_the_statutory_calendar() -> None:
    short = DayHours(dt.time(9), dt.time(12))
    cal = WorkCalendar(
        weekly=(DEFAULT_HOURS,) * 7,
        overrides={
            dt.date(2026, 10, 3): short,  # open on a National Day holiday
            dt.date(2026, 10, 10): None,  # closed on an adjusted working day
            dt.date(2026, 10, 12): None,  # closed on an ordinary Monday
            dt.date(2026, 10, 13): short,  # shorter hours on an ordinary Tuesday
        },
        notes={dt.date(2026, 10, 12): "停电检修"},
    )
    assert cal.day_info(dt.date(2026, 10, 3)) == DayInfo(
        date=dt.date(2026, 10, 3), hours=short, is_working=True, reason="项目工作日"
    )
    assert cal.day_info(dt.date(2026, 10, 10)).reason == "项目休息日"
    assert cal.day_info(dt.date(2026, 10, 10)).is_working is False
    assert cal.day_info(dt.date(2026, 10, 12)).reason == "项目休息日（停电检修）"
    assert cal.day_info(dt.date(2026, 10, 13)).reason == "项目调整营业时间"


def test_r_gen_06_statutory_calendar_can_be_switched_off() -> None:
    cal = WorkCalendar(weekly=WEEKDAYS_ONLY.weekly, statutory=False)
    assert cal.hours_on(dt.date(2026, 10, 1)) == DayHours(dt.time(9), dt.time(18))
    assert cal.hours_on(dt.date(2026, 10, 10)) is None


def test_r_gen_06_unknown_years_have_no_statutory_days() -> None:
    # chinese_calendar has no data for 2027: New Year's Day is an ordinary Friday.
    assert EVERY_DAY.day_info(dt.date(2027, 1, 1)) == DayInfo(
        date=dt.date(2027, 1, 1), hours=DEFAULT_HOURS, is_working=True, reason=""
    )
    assert WEEKDAYS_ONLY.hours_on(dt.date(2003, 10, 1)) == DayHours(dt.time(9), dt.time(18))


def test_r_gen_06_day_hours_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="later than opens"):
        DayHours(dt.time(17, 30), dt.time(8, 30))
    with pytest.raises(ValueError, match="7 entries"):
        WorkCalendar(weekly=(DEFAULT_HOURS,) * 6)


# --- working time ---------------------------------------------------------------------------
def test_r_gen_06_working_time_is_opening_inclusive_closing_exclusive() -> None:
    assert is_working_time(EVERY_DAY, at(2026, 10, 8, 8, 30)) is True
    assert is_working_time(EVERY_DAY, at(2026, 10, 8, 8, 29, 59)) is False
    assert is_working_time(EVERY_DAY, at(2026, 10, 8, 17, 29, 59)) is True
    assert is_working_time(EVERY_DAY, at(2026, 10, 8, 17, 30)) is False
    assert is_working_time(EVERY_DAY, at(2026, 10, 1, 10)) is False  # 国庆节
    # 2026-10-08 01:00 UTC is 09:00 in Shanghai.
    assert is_working_time(EVERY_DAY, dt.datetime(2026, 10, 8, 1, tzinfo=UTC)) is True


def test_r_gen_06_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_working_time(EVERY_DAY, dt.datetime(2026, 10, 8, 9))
    with pytest.raises(ValueError, match="aware"):
        add_working_hours(EVERY_DAY, dt.datetime(2026, 10, 8, 9), 1)


def test_r_gen_06_eight_working_hours_across_national_day() -> None:
    # Sep 30 16:00–17:30 = 1.5 h; Oct 1–7 closed; Oct 8 08:30 + 6.5 h = 15:00.
    assert add_working_hours(EVERY_DAY, at(2026, 9, 30, 16), 8) == at(2026, 10, 8, 15)
    # Weekdays-only 09:00–18:00: Sep 30 2 h, Oct 8 09:00 + 6 h = 15:00.
    assert add_working_hours(WEEKDAYS_ONLY, at(2026, 9, 30, 16), 8) == at(2026, 10, 8, 15)


def test_r_gen_06_working_hours_across_mid_autumn() -> None:
    # Thu Sep 24 12:00–17:30 = 5.5 h; Sep 25–27 closed; Mon Sep 28 08:30 + 7 h = 15:30.
    assert add_working_hours(EVERY_DAY, at(2026, 9, 24, 12), Decimal("12.5")) == at(
        2026, 9, 28, 15, 30
    )


def test_r_gen_06_working_hours_across_spring_festival() -> None:
    # Feb 14 (Sat) is an adjusted working day; Feb 15–23 closed.
    assert add_working_hours(EVERY_DAY, at(2026, 2, 14, 17), 1) == at(2026, 2, 24, 9)
    # Weekdays-only: Fri Feb 13 17:00–18:00 = 1 h, Sat Feb 14 (调休) 09:00 + 1 h = 10:00.
    assert add_working_hours(WEEKDAYS_ONLY, at(2026, 2, 13, 17), 2) == at(2026, 2, 14, 10)
    # Fri Feb 27 17:00–18:00 = 1 h, Sat Feb 28 (调休) 09:00 + 1 h.
    assert add_working_hours(WEEKDAYS_ONLY, at(2026, 2, 27, 17), 2) == at(2026, 2, 28, 10)
    # Sat Feb 28 17:00–18:00 = 1 h, Sun Mar 1 closed, Mon Mar 2 09:00 + 1 h.
    assert add_working_hours(WEEKDAYS_ONLY, at(2026, 2, 28, 17), 2) == at(2026, 3, 2, 10)


def test_r_gen_06_working_hours_across_labour_day() -> None:
    # Thu Apr 30 17:00–17:30 = 0.5 h; May 1–5 closed; Wed May 6 08:30 + 0.5 h.
    assert add_working_hours(EVERY_DAY, at(2026, 4, 30, 17), 1) == at(2026, 5, 6, 9)
    # Weekdays-only: Fri May 8 17:00–18:00, then Sat May 9 (调休) 09:00 + 1 h.
    assert add_working_hours(WEEKDAYS_ONLY, at(2026, 5, 8, 17), 2) == at(2026, 5, 9, 10)
    # Sat May 9 17:00–18:00, Sun May 10 closed, Mon May 11 09:00 + 1 h.
    assert add_working_hours(WEEKDAYS_ONLY, at(2026, 5, 9, 17), 2) == at(2026, 5, 11, 10)


def test_r_gen_06_working_hours_across_new_year_into_an_adjusted_sunday() -> None:
    # Wed 2025-12-31 17:00–18:00 = 1 h; Jan 1–3 closed; Sun Jan 4 (调休) 09:00 + 2 h.
    assert add_working_hours(WEEKDAYS_ONLY, at(2025, 12, 31, 17), 3) == at(2026, 1, 4, 11)


def test_r_gen_06_adjusted_sunday_before_national_day() -> None:
    # Fri Sep 18 17:00–18:00; Sat Sep 19 closed; Sun Sep 20 (调休) 09:00 + 1 h.
    assert add_working_hours(WEEKDAYS_ONLY, at(2026, 9, 18, 17), 2) == at(2026, 9, 20, 10)


def test_r_gen_06_count_starts_at_next_opening_outside_working_time() -> None:
    # Received on a holiday evening: counting starts Oct 8 08:30.
    assert add_working_hours(EVERY_DAY, at(2026, 10, 1, 20), 8) == at(2026, 10, 8, 16, 30)
    # Received before opening.
    assert add_working_hours(EVERY_DAY, at(2026, 10, 8, 6), 1) == at(2026, 10, 8, 9, 30)
    # Zero hours: a working instant stays, anything else moves to the next opening.
    assert add_working_hours(EVERY_DAY, at(2026, 10, 8, 10), 0) == at(2026, 10, 8, 10)
    assert add_working_hours(EVERY_DAY, at(2026, 10, 1, 20), 0) == at(2026, 10, 8, 8, 30)
    assert add_working_hours(EVERY_DAY, at(2026, 10, 9, 17, 30), 0) == at(2026, 10, 10, 8, 30)


def test_r_gen_06_result_landing_on_closing_stays_on_that_day() -> None:
    assert add_working_hours(EVERY_DAY, at(2026, 10, 8, 16, 30), 1) == at(2026, 10, 8, 17, 30)
    assert add_working_hours(EVERY_DAY, at(2026, 9, 30, 8, 30), 9) == at(2026, 9, 30, 17, 30)
    # One second more moves past the holidays.
    assert add_working_hours(
        EVERY_DAY, at(2026, 9, 30, 8, 30), Decimal(9) + Decimal(1) / 3600
    ) == at(2026, 10, 8, 8, 30, 1)


def test_r_gen_06_results_are_in_the_calendar_time_zone() -> None:
    result = add_working_hours(EVERY_DAY, dt.datetime(2026, 10, 8, 1, tzinfo=UTC), 1)
    assert result == at(2026, 10, 8, 10)
    assert result.tzinfo is SHANGHAI


def test_r_gen_06_negative_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_hours(EVERY_DAY, at(2026, 10, 8, 9), -1)


def test_r_gen_06_calendar_without_working_time_raises_instead_of_looping() -> None:
    closed = WorkCalendar(weekly=(None,) * 7, statutory=False)
    with pytest.raises(ValueError, match="no working time in the 400 days after 2026-10-08"):
        add_working_hours(closed, at(2026, 10, 8, 9), 1)
    with pytest.raises(ValueError, match="no working time"):
        add_working_days(closed, at(2026, 10, 8, 9), 1)


def test_r_gen_06_working_hours_between_counts_only_open_periods() -> None:
    assert working_hours_between(EVERY_DAY, at(2026, 9, 30, 16), at(2026, 10, 8, 15)) == 8
    assert working_hours_between(EVERY_DAY, at(2026, 10, 1, 9), at(2026, 10, 7, 17)) == 0
    assert working_hours_between(EVERY_DAY, at(2026, 10, 8, 9), at(2026, 10, 8, 9, 0, 36)) == (
        Decimal("0.01")
    )
    # Reversed order gives the negative (overdue by …).
    assert working_hours_between(EVERY_DAY, at(2026, 10, 8, 15), at(2026, 9, 30, 16)) == -8


# --- working days -----------------------------------------------------------------------------
def test_r_gen_06_working_days_skip_national_day() -> None:
    # Wed Sep 30 16:00: 1st working day after is Thu Oct 8, 2nd is Fri Oct 9.
    assert add_working_days(EVERY_DAY, at(2026, 9, 30, 16), 2) == at(2026, 10, 9, 16)
    # Weekdays-only: Oct 8 (1), Oct 9 (2), Sat Oct 10 调休 (3), Mon Oct 12 (4).
    assert add_working_days(WEEKDAYS_ONLY, at(2026, 9, 30, 16), 3) == at(2026, 10, 10, 16)
    assert add_working_days(WEEKDAYS_ONLY, at(2026, 9, 30, 16), 4) == at(2026, 10, 12, 16)


def test_r_gen_06_working_days_start_at_next_opening_outside_working_time() -> None:
    # Received on a holiday: effective start Oct 8 08:30, one working day later Oct 9 08:30.
    assert add_working_days(EVERY_DAY, at(2026, 10, 1, 10), 1) == at(2026, 10, 9, 8, 30)
    # Received after closing on Friday Feb 13: effective Sat Feb 14 (调休) 08:30 → Feb 24 08:30.
    assert add_working_days(EVERY_DAY, at(2026, 2, 13, 20), 1) == at(2026, 2, 24, 8, 30)
    assert add_working_days(EVERY_DAY, at(2026, 10, 1, 10), 0) == at(2026, 10, 8, 8, 30)


def test_r_gen_06_working_days_clamp_into_a_shorter_day() -> None:
    saturday = DayHours(dt.time(9), dt.time(12))
    cal = WorkCalendar(weekly=(DEFAULT_HOURS,) * 5 + (saturday, None), statutory=False)
    # Fri 2026-10-16 16:00 + 1 working day = Sat 16:00, after its 12:00 closing → 12:00.
    assert add_working_days(cal, at(2026, 10, 16, 16), 1) == at(2026, 10, 17, 12)
    # Fri 08:30 + 1 → Sat 08:30, before its 09:00 opening → 09:00.
    assert add_working_days(cal, at(2026, 10, 16, 8, 30), 1) == at(2026, 10, 17, 9)


def test_r_gen_06_working_days_must_be_whole_and_not_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(EVERY_DAY, at(2026, 10, 8, 9), -1)
    with pytest.raises(ValueError, match="whole number"):
        compute_due(EVERY_DAY, at(2026, 10, 8, 9), Decimal("1.5"), DurationUnit.WORKING_DAYS)


# --- clock time (R-GEN-07) -----------------------------------------------------------------
def test_r_gen_07_clock_hours_ignore_the_calendar() -> None:
    assert add_clock_hours(EVERY_DAY, at(2026, 10, 1, 20), 24) == at(2026, 10, 2, 20)
    assert add_clock_hours(EVERY_DAY, at(2026, 9, 30, 16), 8) == at(2026, 10, 1, 0)
    assert add_clock_hours(EVERY_DAY, at(2026, 9, 30, 16), Decimal("0.5")) == at(
        2026, 9, 30, 16, 30
    )


def test_r_gen_07_clock_minutes_and_calendar_days() -> None:
    due = compute_due(EVERY_DAY, at(2026, 9, 30, 16), 20, DurationUnit.CLOCK_MINUTES)
    assert due == Due(
        at=at(2026, 9, 30, 16, 20),
        explanation="自 2026-09-30 16:00 起计 20 分钟（自然时间），截止 2026-09-30 16:20。",
    )
    due = compute_due(EVERY_DAY, at(2026, 9, 30, 16), 3, "calendar_days")
    assert due == Due(
        at=at(2026, 10, 3, 16),
        explanation="自 2026-09-30 16:00 起计 3 天（自然日），截止 2026-10-03 16:00。",
    )


# --- explanations -----------------------------------------------------------------------------
def test_r_gen_06_explanation_names_the_skipped_holidays() -> None:
    due = compute_due(EVERY_DAY, at(2026, 9, 30, 16), 8, DurationUnit.WORKING_HOURS)
    assert due == Due(
        at=at(2026, 10, 8, 15),
        explanation=(
            "自 2026-09-30 16:00 起计 8 个工作小时（营业时间 08:30–17:30），"
            "跳过国庆节（10月1日–10月7日），截止 2026-10-08 15:00。"
        ),
    )


def test_r_gen_06_explanation_groups_holidays_and_weekends() -> None:
    # Thu Sep 24 12:00, weekdays-only 09:00–18:00: Sep 24 6 h, Sep 25–27 中秋节, Mon–Wed
    # Sep 28–30 27 h (33), Oct 1–7 国庆节, Thu/Fri Oct 8–9 18 h (51), Sat Oct 10 调休 9 h (60),
    # Sun Oct 11 weekend, Mon Oct 12 09:00 + 2 h.
    due = compute_due(WEEKDAYS_ONLY, at(2026, 9, 24, 12), 62, DurationUnit.WORKING_HOURS)
    assert due == Due(
        at=at(2026, 10, 12, 11),
        explanation=(
            "自 2026-09-24 12:00 起计 62 个工作小时（营业时间 09:00–18:00），"
            "跳过中秋节（9月25日–9月27日）、国庆节（10月1日–10月7日）、周末（10月11日），"
            "截止 2026-10-12 11:00。"
        ),
    )


def test_r_gen_06_explanation_of_override_days_split_ranges() -> None:
    cal = WorkCalendar(
        weekly=(DEFAULT_HOURS,) * 7,
        overrides={
            dt.date(2026, 10, 3): DayHours(dt.time(9), dt.time(12)),
            dt.date(2026, 10, 8): None,
        },
    )
    # Sep 30 1.5 h + Oct 3 3 h = 4.5 h; Oct 8 closed; Oct 9 08:30 + 3.5 h = 12:00.
    due = compute_due(cal, at(2026, 9, 30, 16), 8, DurationUnit.WORKING_HOURS)
    assert due == Due(
        at=at(2026, 10, 9, 12),
        explanation=(
            "自 2026-09-30 16:00 起计 8 个工作小时（按各日营业时间），"
            "跳过国庆节（10月1日–10月2日、10月4日–10月7日）、项目休息日（10月8日），"
            "截止 2026-10-09 12:00。"
        ),
    )


def test_r_gen_06_explanation_when_received_outside_working_time() -> None:
    due = compute_due(EVERY_DAY, at(2026, 10, 1, 20), Decimal("8.00"), "working_hours")
    assert due.explanation == (
        "自 2026-10-01 20:00 起计 8 个工作小时（营业时间 08:30–17:30），"
        "非工作时间受理，从 2026-10-08 08:30 开始计时，"
        "跳过国庆节（10月1日–10月7日），截止 2026-10-08 16:30。"
    )


def test_r_gen_06_explanation_of_working_days_across_spring_festival() -> None:
    due = compute_due(EVERY_DAY, at(2026, 2, 14, 10), 1, DurationUnit.WORKING_DAYS)
    assert due == Due(
        at=at(2026, 2, 24, 10),
        explanation=(
            "自 2026-02-14 10:00 起计 1 个工作日（营业时间 08:30–17:30），"
            "跳过春节（2月15日–2月23日），截止 2026-02-24 10:00。"
        ),
    )


def test_r_gen_06_explanation_crossing_into_a_year_names_the_year() -> None:
    due = compute_due(WEEKDAYS_ONLY, at(2025, 12, 31, 17), 3, DurationUnit.WORKING_HOURS)
    assert due.at == at(2026, 1, 4, 11)
    assert due.explanation == (
        "自 2025-12-31 17:00 起计 3 个工作小时（营业时间 09:00–18:00），"
        "跳过元旦（2026年1月1日–2026年1月3日），截止 2026-01-04 11:00。"
    )


def test_r_gen_06_explanation_says_when_statutory_days_are_unknown() -> None:
    due = compute_due(EVERY_DAY, at(2026, 12, 31, 16), 8, DurationUnit.WORKING_HOURS)
    assert due == Due(
        at=at(2027, 1, 1, 15),
        explanation=(
            "自 2026-12-31 16:00 起计 8 个工作小时（营业时间 08:30–17:30），"
            "2027年的法定节假日安排尚未收录，按无法定节假日计算，截止 2027-01-01 15:00。"
        ),
    )


def test_r_gen_07_clock_hours_explanation_received_outside_working_time() -> None:
    # A-CMP-7: received outside working time → 24 clock hours.
    due = compute_due(EVERY_DAY, at(2026, 10, 1, 20), 24, DurationUnit.CLOCK_HOURS)
    assert due == Due(
        at=at(2026, 10, 2, 20),
        explanation="自 2026-10-01 20:00 起计 24 小时（自然时间），截止 2026-10-02 20:00。",
    )


def test_r_gen_06_compute_due_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        compute_due(EVERY_DAY, at(2026, 10, 8, 9), -1, DurationUnit.CLOCK_HOURS)
    with pytest.raises(ValueError, match="weeks"):
        compute_due(EVERY_DAY, at(2026, 10, 8, 9), 1, "weeks")


# --- properties (hypothesis) ------------------------------------------------------------------
@st.composite
def day_hours(draw: st.DrawFn) -> DayHours:
    opens = draw(st.integers(min_value=0, max_value=23 * 60))
    closes = draw(st.integers(min_value=opens + 30, max_value=24 * 60 - 1))
    return DayHours(dt.time(opens // 60, opens % 60), dt.time(closes // 60, closes % 60))


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    """Random weekly schedules (at least one open weekday), random override days around
    2025–2026 and the statutory calendar on or off."""
    weekly = draw(
        st.lists(st.none() | day_hours(), min_size=7, max_size=7).filter(
            lambda days: any(d is not None for d in days)
        )
    )
    overrides = draw(
        st.dictionaries(
            st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2027, 1, 31)),
            st.none() | day_hours(),
            max_size=12,
        )
    )
    return WorkCalendar(weekly=tuple(weekly), overrides=overrides, statutory=draw(st.booleans()))


@st.composite
def instants(draw: st.DrawFn, cal: WorkCalendar) -> dt.datetime:
    """Any instant from Dec 2025 to Dec 2026, often exactly an opening or a closing."""
    value = draw(
        st.datetimes(
            min_value=dt.datetime(2025, 12, 1),
            max_value=dt.datetime(2026, 12, 31),
            timezones=st.sampled_from([SHANGHAI, UTC]),
        )
    )
    local = value.astimezone(SHANGHAI)
    hours = cal.hours_on(local.date())
    if hours is not None and draw(st.booleans()):
        edge = draw(st.sampled_from([hours.opens, hours.closes]))
        return dt.datetime.combine(local.date(), edge, tzinfo=SHANGHAI)
    return value


hour_amounts = st.decimals(min_value=0, max_value=120, places=2)
positive_hours = st.decimals(min_value=Decimal("0.01"), max_value=120, places=2)
PROPERTY = settings(deadline=None, max_examples=150)


def _is_closing(cal: WorkCalendar, value: dt.datetime) -> bool:
    local = value.astimezone(cal.tz)
    hours = cal.hours_on(local.date())
    return hours is not None and local.time() == hours.closes


@PROPERTY
@given(data=st.data(), cal=calendars(), h1=hour_amounts, h2=positive_hours)
def test_r_gen_06_adding_working_hours_is_additive(
    data: st.DataObject, cal: WorkCalendar, h1: Decimal, h2: Decimal
) -> None:
    # Exact property: for h2 > 0, add(add(t, h1), h2) == add(t, h1 + h2). (With h2 == 0 the
    # outer call would move a closing-instant result to the next opening.)
    t = data.draw(instants(cal))
    assert add_working_hours(cal, add_working_hours(cal, t, h1), h2) == add_working_hours(
        cal, t, h1 + h2
    )


@PROPERTY
@given(data=st.data(), cal=calendars(), h=hour_amounts)
def test_r_gen_06_zero_hours_normalises_to_working_time(
    data: st.DataObject, cal: WorkCalendar, h: Decimal
) -> None:
    t = data.draw(instants(cal))
    opening = next_opening(cal, t)
    assert is_working_time(cal, opening)
    assert (opening == t) is is_working_time(cal, t)
    assert opening >= t
    # Nothing of working time lies between t and its next opening.
    assert working_hours_between(cal, t, opening) == 0
    result = add_working_hours(cal, t, h)
    expected = result if is_working_time(cal, result) else next_opening(cal, result)
    assert add_working_hours(cal, result, 0) == expected


@PROPERTY
@given(data=st.data(), cal=calendars(), h=positive_hours)
def test_r_gen_06_result_is_working_time_or_a_closing_instant(
    data: st.DataObject, cal: WorkCalendar, h: Decimal
) -> None:
    t = data.draw(instants(cal))
    result = add_working_hours(cal, t, h)
    assert is_working_time(cal, result) or _is_closing(cal, result)
    assert result > t
    assert result.tzinfo is cal.tz


@PROPERTY
@given(data=st.data(), cal=calendars(), h=hour_amounts)
def test_r_gen_06_working_hours_between_inverts_adding(
    data: st.DataObject, cal: WorkCalendar, h: Decimal
) -> None:
    t = data.draw(instants(cal))
    result = add_working_hours(cal, t, h)
    assert working_hours_between(cal, t, result) == h
    assert working_hours_between(cal, result, t) == -h


@PROPERTY
@given(data=st.data(), cal=calendars(), h1=hour_amounts, h2=hour_amounts)
def test_r_gen_06_adding_working_hours_is_monotonic(
    data: st.DataObject, cal: WorkCalendar, h1: Decimal, h2: Decimal
) -> None:
    t = data.draw(instants(cal))
    u = data.draw(instants(cal))
    low, high = sorted((h1, h2))
    assert add_working_hours(cal, t, low) <= add_working_hours(cal, t, high)
    early, late = sorted((t, u))
    assert add_working_hours(cal, early, h1) <= add_working_hours(cal, late, h1)


@PROPERTY
@given(data=st.data(), cal=calendars(), h=hour_amounts)
def test_r_gen_07_clock_hours_are_plain_elapsed_time(
    data: st.DataObject, cal: WorkCalendar, h: Decimal
) -> None:
    t = data.draw(instants(cal))
    result = add_clock_hours(cal, t, h)
    assert result == t + dt.timedelta(seconds=int(h * 3600))
    assert result.tzinfo is cal.tz


@PROPERTY
@given(data=st.data(), cal=calendars(), n=st.integers(min_value=0, max_value=30))
def test_r_gen_06_working_days_are_monotonic_and_land_in_working_time(
    data: st.DataObject, cal: WorkCalendar, n: int
) -> None:
    t = data.draw(instants(cal))
    u = data.draw(instants(cal))
    result = add_working_days(cal, t, n)
    assert is_working_time(cal, result) or _is_closing(cal, result)
    assert result >= t
    assert add_working_days(cal, t, n + 1) > result
    early, late = sorted((t, u))
    assert add_working_days(cal, early, n) <= add_working_days(cal, late, n)
    # Exactly n working days lie strictly between the effective start's day and the result's.
    start_day = next_opening(cal, t).astimezone(cal.tz).date()
    end_day = result.astimezone(cal.tz).date()
    days_between = [
        start_day + dt.timedelta(days=i) for i in range(1, (end_day - start_day).days + 1)
    ]
    assert sum(cal.hours_on(d) is not None for d in days_between) == n
