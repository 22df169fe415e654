"""Calendar services (R-GEN-06..08): access, validation (field-level, nothing written), the
calendar built from the database, and due-time explanations on China's 2026 holidays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from propdesk.core.errors import Forbidden, NotFound, ValidationFailed
from propdesk.core.models import BusinessHours, CalendarOverride, Project, Staff, TimelineEvent
from propdesk.core.services import calendar as calendar_service
from propdesk.core.worktime import SHANGHAI, DayHours, DayInfo, Due, WorkCalendar

NINE_TO_SIX = DayHours(dt.time(9), dt.time(18))
DEFAULT = DayHours(dt.time(8, 30), dt.time(17, 30))


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc, arg-type]


def calendar_events(project: Project) -> list[str]:
    return list(
        TimelineEvent.objects.filter(object_id=str(project.pk), action__startswith="calendar.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def hours_rows(project: Project) -> list[tuple[int, bool, dt.time, dt.time]]:
    return list(
        BusinessHours.objects.filter(project=project)
        .order_by("weekday")
        .values_list("weekday", "is_open", "opens", "closes")
    )


def close_weekends(actor: Staff, project: Project) -> None:
    for weekday in range(5):
        calendar_service.set_business_hours(
            actor=actor,
            project_id=project.pk,
            weekday=weekday,
            opens=dt.time(9),
            closes=dt.time(18),
            is_open=True,
        )
    for weekday in (5, 6):
        calendar_service.set_business_hours(
            actor=actor,
            project_id=project.pk,
            weekday=weekday,
            opens=None,
            closes=None,
            is_open=False,
        )


# --- calendar_for -----------------------------------------------------------------------------
def test_r_gen_06_new_project_calendar_is_0830_to_1730_every_day(project_a: Project) -> None:
    cal = calendar_service.calendar_for(project_a.pk)
    assert cal == WorkCalendar(weekly=(DEFAULT,) * 7, overrides={}, tz=SHANGHAI, statutory=True)


def test_r_gen_06_missing_weekday_rows_default_to_0830_to_1730(project_a: Project) -> None:
    BusinessHours.objects.filter(project=project_a, weekday=6).delete()
    assert calendar_service.calendar_for(project_a.pk).weekly[6] == DEFAULT


def test_r_gen_06_calendar_for_uses_two_queries(
    project_a: Project, manager_a: Staff, django_assert_max_num_queries: object
) -> None:
    for day in range(1, 21):
        calendar_service.set_override(
            actor=manager_a, project_id=project_a.pk, date=dt.date(2026, 11, day), kind="holiday"
        )
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        cal = calendar_service.calendar_for(project_a.pk)
    assert len(cal.overrides) == 20


# --- business hours ---------------------------------------------------------------------------
def test_r_gen_06_manager_sets_business_hours(project_a: Project, manager_a: Staff) -> None:
    row = calendar_service.set_business_hours(
        actor=manager_a,
        project_id=project_a.pk,
        weekday=5,
        opens=dt.time(9),
        closes=dt.time(12),
        is_open=True,
    )
    calendar_service.set_business_hours(
        actor=manager_a, project_id=project_a.pk, weekday=6, opens=None, closes=None, is_open=False
    )

    assert (row.weekday, row.opens, row.closes, row.is_open) == (5, dt.time(9), dt.time(12), True)
    cal = calendar_service.calendar_for(project_a.pk)
    assert cal.weekly == (DEFAULT,) * 5 + (DayHours(dt.time(9), dt.time(12)), None)
    # The closed Sunday keeps its stored times for when it reopens.
    assert hours_rows(project_a)[6] == (6, False, dt.time(8, 30), dt.time(17, 30))
    event = TimelineEvent.objects.filter(action="calendar.hours_changed").order_by("id").first()
    assert event is not None
    assert (event.object_id, event.project_id, event.actor_id) == (
        str(project_a.pk),
        project_a.pk,
        manager_a.pk,
    )
    assert event.data == {
        "weekday": 5,
        "changes": {"opens": ["08:30", "09:00"], "closes": ["17:30", "12:00"]},
    }
    assert calendar_events(project_a) == ["calendar.hours_changed", "calendar.hours_changed"]


def test_r_gen_06_unchanged_business_hours_write_no_event(
    project_a: Project, manager_a: Staff
) -> None:
    calendar_service.set_business_hours(
        actor=manager_a,
        project_id=project_a.pk,
        weekday=0,
        opens=dt.time(8, 30),
        closes=dt.time(17, 30),
        is_open=True,
    )
    assert calendar_events(project_a) == []


def test_r_gen_06_missing_weekday_row_is_created(project_a: Project, manager_a: Staff) -> None:
    BusinessHours.objects.filter(project=project_a, weekday=3).delete()
    calendar_service.set_business_hours(
        actor=manager_a,
        project_id=project_a.pk,
        weekday=3,
        opens=dt.time(10),
        closes=dt.time(16),
        is_open=True,
    )
    assert hours_rows(project_a)[3] == (3, True, dt.time(10), dt.time(16))


def test_r_gen_06_clerk_cannot_change_business_hours(project_a: Project, clerk_a: Staff) -> None:
    before = hours_rows(project_a)
    with pytest.raises(Forbidden):
        calendar_service.set_business_hours(
            actor=clerk_a,
            project_id=project_a.pk,
            weekday=5,
            opens=None,
            closes=None,
            is_open=False,
        )
    assert hours_rows(project_a) == before
    assert calendar_events(project_a) == []


def test_r_gen_06_business_hours_of_another_project_are_not_found(
    project_a: Project, project_b: Project, manager_a: Staff
) -> None:
    before = hours_rows(project_b)
    with pytest.raises(NotFound):
        calendar_service.set_business_hours(
            actor=manager_a,
            project_id=project_b.pk,
            weekday=5,
            opens=None,
            closes=None,
            is_open=False,
        )
    assert hours_rows(project_b) == before


@pytest.mark.parametrize(
    ("weekday", "opens", "closes", "is_open", "fields"),
    [
        pytest.param(7, dt.time(9), dt.time(18), True, {"weekday"}, id="weekday_7_case"),
        pytest.param(-1, dt.time(9), dt.time(18), True, {"weekday"}, id="weekday_negative_case"),
        pytest.param(2, dt.time(18), dt.time(9), True, {"closes"}, id="closes_before_opens_case"),
        pytest.param(2, dt.time(9), dt.time(9), True, {"closes"}, id="closes_equal_opens_case"),
        pytest.param(2, None, None, True, {"opens", "closes"}, id="open_without_times_case"),
        pytest.param(2, "09:00", dt.time(18), True, {"opens"}, id="opens_not_a_time_case"),
        pytest.param(2, None, dt.time(8), False, {"closes"}, id="closed_one_time_unordered_case"),
    ],
)
def test_r_gen_06_invalid_business_hours_write_nothing(
    project_a: Project,
    manager_a: Staff,
    weekday: int,
    opens: dt.time | None,
    closes: dt.time | None,
    is_open: bool,
    fields: set[str],
) -> None:
    before = hours_rows(project_a)
    with pytest.raises(ValidationFailed) as excinfo:
        calendar_service.set_business_hours(
            actor=manager_a,
            project_id=project_a.pk,
            weekday=weekday,
            opens=opens,
            closes=closes,
            is_open=is_open,
        )
    assert set(excinfo.value.fields) == fields
    assert hours_rows(project_a) == before
    assert calendar_events(project_a) == []


def test_r_gen_06_field_message_says_what_is_wrong(project_a: Project, manager_a: Staff) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        calendar_service.set_business_hours(
            actor=manager_a,
            project_id=project_a.pk,
            weekday=2,
            opens=dt.time(18),
            closes=dt.time(9),
            is_open=True,
        )
    assert excinfo.value.fields == {
        "closes": ["The closing time must be later than the opening time"]
    }


# --- override days ------------------------------------------------------------------------------
def test_r_gen_06_override_is_upserted_by_date(project_a: Project, manager_a: Staff) -> None:
    first = calendar_service.set_override(
        actor=manager_a,
        project_id=project_a.pk,
        date=dt.date(2026, 10, 12),
        kind="holiday",
        note=" 停电检修 ",
    )
    second = calendar_service.set_override(
        actor=manager_a,
        project_id=project_a.pk,
        date=dt.date(2026, 10, 12),
        kind="workday",
        opens=dt.time(9),
        closes=dt.time(12),
    )

    assert second.pk == first.pk
    assert CalendarOverride.objects.filter(project=project_a).count() == 1
    assert calendar_service.calendar_for(project_a.pk).overrides == {
        dt.date(2026, 10, 12): DayHours(dt.time(9), dt.time(12))
    }
    assert calendar_events(project_a) == ["calendar.override_set", "calendar.override_set"]
    last = TimelineEvent.objects.filter(action="calendar.override_set").order_by("id").last()
    assert last is not None
    assert last.data == {
        "date": "2026-10-12",
        "before": {"kind": "holiday", "opens": None, "closes": None, "note": "停电检修"},
        "after": {"kind": "workday", "opens": "09:00", "closes": "12:00", "note": ""},
    }


def test_r_gen_06_override_days_change_the_calendar(project_a: Project, manager_a: Staff) -> None:
    close_weekends(manager_a, project_a)
    calendar_service.set_override(
        actor=manager_a,
        project_id=project_a.pk,
        date=dt.date(2026, 10, 3),
        kind="workday",
        note="国庆值班",
    )
    calendar_service.set_override(
        actor=manager_a, project_id=project_a.pk, date=dt.date(2026, 10, 10), kind="holiday"
    )

    cal = calendar_service.calendar_for(project_a.pk)
    # A working day without hours on a closed Saturday gets the first open weekday's hours.
    assert cal.day_info(dt.date(2026, 10, 3)) == DayInfo(
        date=dt.date(2026, 10, 3),
        hours=NINE_TO_SIX,
        is_working=True,
        reason="项目工作日（国庆值班）",
    )
    # The project's day off beats the statutory adjusted working day.
    assert cal.day_info(dt.date(2026, 10, 10)) == DayInfo(
        date=dt.date(2026, 10, 10), hours=None, is_working=False, reason="项目休息日"
    )


def test_r_gen_06_same_override_again_writes_no_event(project_a: Project, manager_a: Staff) -> None:
    for _ in range(2):
        calendar_service.set_override(
            actor=manager_a, project_id=project_a.pk, date=dt.date(2026, 12, 24), kind="holiday"
        )
    assert calendar_events(project_a) == ["calendar.override_set"]


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        pytest.param({"date": dt.date(1899, 12, 31)}, {"date"}, id="before_1900_case"),
        pytest.param({"date": dt.date(2100, 1, 1)}, {"date"}, id="beyond_five_years_case"),
        pytest.param({"date": "2026-10-12"}, {"date"}, id="date_not_a_date_case"),
        pytest.param({"date": at(2026, 10, 12, 9)}, {"date"}, id="datetime_not_a_date_case"),
        pytest.param({"kind": "vacation"}, {"kind"}, id="unknown_kind_case"),
        pytest.param(
            {"kind": "holiday", "opens": dt.time(9), "closes": dt.time(12)},
            {"opens", "closes"},
            id="day_off_with_hours_case",
        ),
        pytest.param({"opens": dt.time(9)}, {"closes"}, id="only_opens_case"),
        pytest.param({"closes": dt.time(9)}, {"opens"}, id="only_closes_case"),
        pytest.param(
            {"opens": dt.time(12), "closes": dt.time(9)}, {"closes"}, id="closes_before_opens_case"
        ),
        pytest.param({"note": "备" * 101}, {"note"}, id="note_too_long_case"),
    ],
)
def test_r_gen_06_invalid_override_writes_nothing(
    project_a: Project, manager_a: Staff, values: dict[str, object], fields: set[str]
) -> None:
    arguments: dict[str, object] = {"date": dt.date(2026, 10, 12), "kind": "workday", **values}
    with pytest.raises(ValidationFailed) as excinfo:
        calendar_service.set_override(
            actor=manager_a,
            project_id=project_a.pk,
            **arguments,  # type: ignore[arg-type]
        )
    assert set(excinfo.value.fields) == fields
    assert CalendarOverride.objects.count() == 0
    assert calendar_events(project_a) == []


def test_r_gen_06_clerk_cannot_set_or_remove_overrides(
    project_a: Project, manager_a: Staff, clerk_a: Staff
) -> None:
    override = calendar_service.set_override(
        actor=manager_a, project_id=project_a.pk, date=dt.date(2026, 10, 12), kind="holiday"
    )
    with pytest.raises(Forbidden):
        calendar_service.set_override(
            actor=clerk_a, project_id=project_a.pk, date=dt.date(2026, 10, 13), kind="holiday"
        )
    with pytest.raises(Forbidden):
        calendar_service.remove_override(actor=clerk_a, override_id=override.pk)
    assert list(CalendarOverride.objects.values_list("date", flat=True)) == [dt.date(2026, 10, 12)]
    assert calendar_events(project_a) == ["calendar.override_set"]


def test_r_gen_06_overrides_of_another_project_are_not_found(
    project_a: Project, project_b: Project, manager_a: Staff, make_staff: object
) -> None:
    manager_b = make_staff(project_b, "cs_manager", name="钱经理")  # type: ignore[operator]
    override_b = calendar_service.set_override(
        actor=manager_b, project_id=project_b.pk, date=dt.date(2026, 10, 12), kind="holiday"
    )
    with pytest.raises(NotFound):
        calendar_service.remove_override(actor=manager_a, override_id=override_b.pk)
    with pytest.raises(NotFound):
        calendar_service.set_override(
            actor=manager_a, project_id=project_b.pk, date=dt.date(2026, 10, 13), kind="holiday"
        )
    with pytest.raises(NotFound):
        calendar_service.remove_override(actor=manager_a, override_id=999_999)
    assert CalendarOverride.objects.filter(project=project_b).count() == 1
    assert calendar_events(project_a) == []


def test_r_gen_06_remove_override_restores_the_statutory_day(
    project_a: Project, manager_a: Staff
) -> None:
    override = calendar_service.set_override(
        actor=manager_a,
        project_id=project_a.pk,
        date=dt.date(2026, 10, 1),
        kind="workday",
        note="值班",
    )
    calendar_service.remove_override(actor=manager_a, override_id=override.pk)

    assert CalendarOverride.objects.count() == 0
    assert calendar_service.calendar_for(project_a.pk).day_info(dt.date(2026, 10, 1)).reason == (
        "国庆节"
    )
    assert calendar_events(project_a) == ["calendar.override_set", "calendar.override_removed"]
    removed = TimelineEvent.objects.get(action="calendar.override_removed")
    assert removed.data == {
        "date": "2026-10-01",
        "before": {"kind": "workday", "opens": None, "closes": None, "note": "值班"},
    }


# --- explain_due --------------------------------------------------------------------------------
def test_r_gen_06_explain_due_across_national_day(project_a: Project, engineer_a: Staff) -> None:
    # Anyone who may view the project's master data may use the calculator.
    due = calendar_service.explain_due(
        actor=engineer_a,
        project_id=project_a.pk,
        start=at(2026, 9, 30, 16),
        amount=Decimal("8"),
        unit="working_hours",
    )
    assert due == Due(
        at=at(2026, 10, 8, 15),
        explanation=(
            "自 2026-09-30 16:00 起计 8 个工作小时（营业时间 08:30–17:30），"
            "跳过国庆节（10月1日–10月7日），截止 2026-10-08 15:00。"
        ),
    )


def test_r_gen_06_explain_due_weekend_closed_project_opens_on_adjusted_saturday(
    project_a: Project, manager_a: Staff
) -> None:
    close_weekends(manager_a, project_a)
    # Fri Oct 9 17:00–18:00 = 1 h; Sat Oct 10 is 调休上班: 09:00 + 2 h.
    due = calendar_service.explain_due(
        actor=manager_a,
        project_id=project_a.pk,
        start=at(2026, 10, 9, 17),
        amount=3,
        unit="working_hours",
    )
    assert due == Due(
        at=at(2026, 10, 10, 11),
        explanation=(
            "自 2026-10-09 17:00 起计 3 个工作小时（营业时间 09:00–18:00），截止 2026-10-10 11:00。"
        ),
    )


def test_r_gen_06_explain_due_skips_project_day_off(project_a: Project, manager_a: Staff) -> None:
    calendar_service.set_override(
        actor=manager_a,
        project_id=project_a.pk,
        date=dt.date(2026, 2, 24),
        kind="holiday",
        note="节后盘点",
    )
    # Sat Feb 14 (调休) 10:00 + 1 working day: Feb 15–23 春节, Feb 24 project day off → Feb 25.
    due = calendar_service.explain_due(
        actor=manager_a,
        project_id=project_a.pk,
        start=at(2026, 2, 14, 10),
        amount=1,
        unit="working_days",
    )
    assert due == Due(
        at=at(2026, 2, 25, 10),
        explanation=(
            "自 2026-02-14 10:00 起计 1 个工作日（营业时间 08:30–17:30），"
            "跳过春节（2月15日–2月23日）、项目休息日（2月24日），截止 2026-02-25 10:00。"
        ),
    )


def test_r_gen_07_explain_due_in_clock_hours_ignores_labour_day(
    project_a: Project, clerk_a: Staff
) -> None:
    # R-GEN-07
    due = calendar_service.explain_due(
        actor=clerk_a,
        project_id=project_a.pk,
        start=at(2026, 4, 30, 20),
        amount=24,
        unit="clock_hours",
    )
    assert due == Due(
        at=at(2026, 5, 1, 20),
        explanation="自 2026-04-30 20:00 起计 24 小时（自然时间），截止 2026-05-01 20:00。",
    )


@pytest.mark.parametrize(
    ("start", "amount", "unit", "fields"),
    [
        pytest.param(at(2026, 10, 8, 9), 1, "weeks", {"unit"}, id="unknown_unit_case"),
        pytest.param(at(2026, 10, 8, 9), -1, "working_hours", {"amount"}, id="negative_case"),
        pytest.param(at(2026, 10, 8, 9), "abc", "working_hours", {"amount"}, id="not_number_case"),
        pytest.param(at(2026, 10, 8, 9), 10001, "clock_hours", {"amount"}, id="too_large_case"),
        pytest.param(
            at(2026, 10, 8, 9), Decimal("1.5"), "working_days", {"amount"}, id="half_day_case"
        ),
        pytest.param(
            dt.datetime(2026, 10, 8, 9), 1, "working_hours", {"start"}, id="naive_start_case"
        ),
        pytest.param(at(1899, 12, 31, 9), 1, "clock_hours", {"start"}, id="start_1899_case"),
    ],
)
def test_r_gen_06_explain_due_rejects_bad_input(
    project_a: Project,
    clerk_a: Staff,
    start: dt.datetime,
    amount: object,
    unit: str,
    fields: set[str],
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        calendar_service.explain_due(
            actor=clerk_a, project_id=project_a.pk, start=start, amount=amount, unit=unit
        )
    assert set(excinfo.value.fields) == fields


def test_r_gen_06_explain_due_without_any_working_time(
    project_a: Project, manager_a: Staff
) -> None:
    for weekday in range(7):
        calendar_service.set_business_hours(
            actor=manager_a,
            project_id=project_a.pk,
            weekday=weekday,
            opens=None,
            closes=None,
            is_open=False,
        )
    # 2027 has no statutory adjusted working days either: nothing is ever open.
    with pytest.raises(ValidationFailed) as excinfo:
        calendar_service.explain_due(
            actor=manager_a,
            project_id=project_a.pk,
            start=at(2027, 3, 1, 9),
            amount=1,
            unit="working_hours",
        )
    assert set(excinfo.value.fields) == {"start"}


def test_r_gen_06_explain_due_of_another_project_is_not_found(
    project_a: Project, clerk_b: Staff
) -> None:
    with pytest.raises(NotFound):
        calendar_service.explain_due(
            actor=clerk_b,
            project_id=project_a.pk,
            start=at(2026, 10, 8, 9),
            amount=1,
            unit="working_hours",
        )
    with pytest.raises(NotFound):
        calendar_service.explain_due(
            actor=clerk_b,
            project_id="x",  # type: ignore[arg-type]
            start=at(2026, 10, 8, 9),
            amount=1,
            unit="clock_hours",
        )


# --- calendar_month -----------------------------------------------------------------------------
def test_r_gen_06_calendar_month_lists_every_day_with_reasons(
    project_a: Project, manager_a: Staff, engineer_a: Staff, django_assert_max_num_queries: object
) -> None:
    close_weekends(manager_a, project_a)
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        days = calendar_service.calendar_month(
            actor=engineer_a, project_id=project_a.pk, year=2026, month=10
        )
    assert len(days) == 31
    assert [d.date.day for d in days] == list(range(1, 32))
    assert [d.reason for d in days[:12]] == [
        "国庆节",
        "国庆节",
        "国庆节",
        "国庆节",
        "国庆节",
        "国庆节",
        "国庆节",
        "",
        "",
        "调休上班",
        "周末不营业",
        "",
    ]
    assert days[9].hours == NINE_TO_SIX
    assert sum(d.is_working for d in days) == 18  # 17 ordinary weekdays + the 调休 Saturday


def test_r_gen_06_calendar_month_validates_and_hides_other_projects(
    project_a: Project, clerk_a: Staff, clerk_b: Staff
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        calendar_service.calendar_month(actor=clerk_a, project_id=project_a.pk, year=2026, month=13)
    assert set(excinfo.value.fields) == {"month"}
    with pytest.raises(NotFound):
        calendar_service.calendar_month(actor=clerk_b, project_id=project_a.pk, year=2026, month=10)
