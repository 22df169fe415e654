"""Settings (设置): project names and record prefix (R-GEN-02/03), form numbers, roles, and the
working calendar with business hours and special days (R-GEN-06)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from propdesk.conftest import login
from propdesk.core.models import BusinessHours, CalendarOverride, Project, TimelineEvent

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        text = str(translation.gettext(msgid))
    assert CJK.search(text), f"no Chinese translation for {msgid!r}"
    return text


def html(response) -> str:
    return response.content.decode()


# --- project settings -----------------------------------------------------------------------
def test_r_gen_02_manager_changes_the_script_name_and_record_prefix(client, manager_a, project_a):
    login(client, manager_a)
    response = client.post(
        reverse("core:settings"),
        {"name": project_a.name, "script_name": "加州1885", "record_prefix": "翠湖"},
    )
    assert response.url == reverse("core:settings")
    project_a.refresh_from_db()
    assert (project_a.script_name, project_a.record_prefix) == ("加州1885", "翠湖")
    event = TimelineEvent.objects.get(action="project.updated", object_id=str(project_a.pk))
    assert event.data["changes"]["script_name"] == ["", "加州1885"]


def test_project_settings_errors_stay_beside_the_field(client, manager_a, project_a):
    login(client, manager_a)
    response = client.post(reverse("core:settings"), {"name": "", "record_prefix": "翠湖"})
    page = html(response)
    assert 'id="id_name_error"' in page
    assert 'value="翠湖"' in page
    project_a.refresh_from_db()
    assert project_a.record_prefix == "地王"


def test_clerk_sees_the_project_settings_read_only(client, clerk_a, project_a):
    login(client, clerk_a)
    page = html(client.get(reverse("core:settings")))
    assert zh("Only a manager of this project may change these settings.") in page
    assert 'name="script_name"' not in page
    response = client.post(reverse("core:settings"), {"name": "改名"})
    assert response.status_code == 403
    assert Project.objects.get(pk=project_a.pk).name == "翠湖小区"


def test_document_types_list_codes_and_record_names(client, clerk_a, project_a):
    login(client, clerk_a)
    page = html(client.get(reverse("core:document_types")))
    assert "《客户投诉登记表》" in page
    assert "TS-" in page
    assert "地王/客服记录-17" in page


def test_roles_page_lists_the_default_roles_and_what_they_may_do(client, clerk_a):
    login(client, clerk_a)
    page = html(client.get(reverse("core:roles")))
    assert "客服前台" in page
    assert "工程部维修人员" in page
    assert zh("See phone and ID-card numbers in clear") in page


# --- calendar -------------------------------------------------------------------------------
def test_r_gen_06_month_view_shows_national_day_closed(client, clerk_a):
    login(client, clerk_a)
    response = client.get(reverse("core:calendar"), {"month": "2026-10"})
    page = html(response)
    assert response.status_code == 200
    days = {d.date: d for d in response.context["days"]}
    assert len(days) == 31
    assert days[dt.date(2026, 10, 1)].is_working is False
    assert days[dt.date(2026, 10, 9)].is_working is True
    assert "国庆" in page
    # a clerk may look but not change
    assert f'action="{reverse("core:override_add")}"' not in page


def test_r_gen_06_manager_adds_and_removes_a_special_day(client, manager_a, project_a):
    login(client, manager_a)
    response = client.post(
        reverse("core:override_add"),
        {"date": "2026-12-24", "kind": "holiday", "note": "年终盘点"},
    )
    assert response.status_code == 302
    override = CalendarOverride.objects.get(project=project_a, date=dt.date(2026, 12, 24))
    assert override.kind == "holiday"
    month = client.get(reverse("core:calendar"), {"month": "2026-12"})
    day = next(d for d in month.context["days"] if d.date == dt.date(2026, 12, 24))
    assert day.is_working is False
    assert "年终盘点" in html(month)
    client.post(reverse("core:override_remove", args=[override.pk]))
    assert not CalendarOverride.objects.filter(pk=override.pk).exists()


def test_r_gen_06_manager_changes_business_hours(client, manager_a, project_a):
    login(client, manager_a)
    response = client.post(
        reverse("core:business_hours", args=[6]),
        {"d6-weekday": "6", "d6-opens": "09:00", "d6-closes": "12:00"},
    )
    assert response.status_code == 302
    sunday = BusinessHours.objects.get(project=project_a, weekday=6)
    assert (sunday.is_open, sunday.opens, sunday.closes) == (False, dt.time(9), dt.time(12))


def test_business_hours_closing_before_opening_is_refused(client, manager_a, project_a):
    login(client, manager_a)
    response = client.post(
        reverse("core:business_hours", args=[0]),
        {"d0-weekday": "0", "d0-is_open": "on", "d0-opens": "18:00", "d0-closes": "09:00"},
    )
    assert response.status_code == 422
    monday = BusinessHours.objects.get(project=project_a, weekday=0)
    assert (monday.opens, monday.closes) == (dt.time(8, 30), dt.time(17, 30))


def test_r_gen_06_deadline_calculator_explains_the_holidays_skipped(client, clerk_a):
    login(client, clerk_a)
    response = client.get(
        reverse("core:calendar"),
        {"start": "2026-09-30T16:00", "amount": "8", "unit": "working_hours"},
    )
    due = response.context["due"]
    assert due is not None
    assert due.at.date() > dt.date(2026, 10, 7)
    assert due.explanation in html(response)
    assert "国庆" in due.explanation


def test_r_gen_01_special_days_of_another_project_cannot_be_removed(client, manager_a, project_b):
    # R-GEN-01
    other = CalendarOverride.objects.create(
        project=project_b, date=dt.date(2026, 12, 24), kind="holiday"
    )
    login(client, manager_a)
    assert client.post(reverse("core:override_remove", args=[other.pk])).status_code == 404
    assert CalendarOverride.objects.filter(pk=other.pk).exists()
