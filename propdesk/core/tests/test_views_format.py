"""Display conventions of UI.md: dates, weekdays, 24-hour times in Asia/Shanghai, money, areas,
and the reusable timeline partial."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from propdesk.conftest import login
from propdesk.core.services.deadlines import set_deadline
from propdesk.core.services.timeline import record_event
from propdesk.core.templatetags import propdesk_tags as tags
from propdesk.core.tests.factories import BuildingFactory, UnitFactory

UTC = dt.UTC


def test_dates_and_times_are_shown_in_shanghai_time():
    # 09:30 UTC is 17:30 in Shanghai
    at = dt.datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert tags.ymd(at) == "2026-11-22"
    assert tags.hm(at) == "17:30"
    assert tags.ymd_hm(at) == "2026-11-22 17:30"
    # 16:30 UTC is already the next day in Shanghai
    assert tags.ymd(dt.datetime(2026, 11, 22, 16, 30, tzinfo=UTC)) == "2026-11-23"
    assert tags.hm(dt.time(8, 5)) == "08:05"
    assert tags.ymd(None) == ""


def test_weekday_dates_follow_the_language():
    day = dt.date(2026, 11, 22)  # a Sunday
    with translation.override("zh-hans"):
        assert tags.weekday(day) == "周日"
        assert tags.md_weekday(day) == "11月22日 周日"
    with translation.override("en"):
        assert tags.md_weekday(day) == "11/22 Sun"


def test_money_and_area():
    assert tags.money(Decimal("1234.5")) == "¥1,234.50"
    assert tags.money("-3") == "-¥3.00"
    assert tags.money(None) == ""
    assert tags.area(Decimal("89.5")) == "89.50 ㎡"
    assert tags.area("1234.567") == "1,234.57 ㎡"
    assert tags.area("abc") == ""


@pytest.mark.django_db
def test_timeline_partial_shows_actor_role_action_states_and_changes(clerk_a, project_a):
    unit = UnitFactory(building=BuildingFactory(project=project_a), status="vacant")
    record_event(
        entity=unit,
        action="unit.updated",
        actor=clerk_a,
        project_id=project_a.pk,
        from_state="vacant",
        to_state="occupied",
        note="业主已入住",
        data={"changes": {"status": ["vacant", "occupied"], "floor": [3, 4]}},
        at=dt.datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
    )
    with translation.override("zh-hans"):
        out = Template("{% load propdesk_tags %}{% timeline unit %}").render(
            Context({"unit": unit})
        )
        vacant = tags._choice_label(type(unit), "status", "vacant")
        occupied = tags._choice_label(type(unit), "status", "occupied")
        label = tags.action_label("unit.updated")
    assert "2026-11-22 17:30" in out
    assert "王前台（客服前台）" in out
    assert label != "unit.updated"
    assert label in out
    assert f"{vacant} → {occupied}" in out
    assert "3 → 4" in out
    assert "业主已入住" in out


def test_unknown_timeline_actions_show_their_code():
    assert tags.action_label("unit.teleported") == "unit.teleported"


def test_deadline_colours_follow_the_share_of_the_window_left():
    start = dt.datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    due = start + dt.timedelta(hours=10)
    with translation.override("zh-hans"):
        early = tags.deadline_state(start, due, now=start + dt.timedelta(hours=1, minutes=45))
        late = tags.deadline_state(start, due, now=start + dt.timedelta(hours=8))
        over = tags.deadline_state(start, due, now=due + dt.timedelta(minutes=35))
        long = tags.deadline_state(start, start + dt.timedelta(days=3), now=start)
    assert early == {"css": "due-ok", "text": "还剩 8小时15分"}
    assert late == {"css": "due-soon", "text": "还剩 2小时0分"}
    assert over == {"css": "overdue", "text": "已超时 35分"}
    assert long == {"css": "due-ok", "text": "还剩 3天0小时"}


@pytest.mark.django_db
def test_workbench_lists_my_open_deadlines_soonest_first(client, clerk_a, manager_a, project_a):
    now = timezone.now()
    unit = UnitFactory(building=BuildingFactory(project=project_a))
    building = unit.building
    for entity, label, hours, who in (
        (unit, "回访 1栋-0301", 30, clerk_a),
        (building, "处理投诉 TS-2026-000001", 3, clerk_a),
        (project_a, "经理的待办", 1, manager_a),
    ):
        set_deadline(
            entity=entity,
            project_id=project_a.pk,
            kind="test",
            label=label,
            starts_at=now - dt.timedelta(hours=1),
            due_at=now + dt.timedelta(hours=hours),
            responsible=who,
        )
    login(client, clerk_a)
    page = client.get(reverse("core:workbench")).content.decode()
    assert page.index("处理投诉 TS-2026-000001") < page.index("回访 1栋-0301")
    assert "经理的待办" not in page
