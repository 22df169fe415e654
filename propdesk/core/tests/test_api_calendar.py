"""The working-time calendar through the API (R-GEN-06..08): month view with reasons, weekly
hours, override days, the explained due time; changes need MANAGE_PROJECT; other projects 404."""

import datetime as dt

import pytest

from propdesk.core.models import BusinessHours, CalendarOverride, TimelineEvent
from propdesk.core.services import tokens

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, client, staff):
        self.client = client
        self.headers = {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def put(self, path, data):
        return self.client.put(
            f"/api/v1{path}", data=data, content_type="application/json", headers=self.headers
        )

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def manager(client, manager_a):
    return Api(client, manager_a)


def _day(body, day):
    return body["days"][day - 1]


def test_r_gen_06_month_view_names_holidays_and_adjusted_workdays(manager, project_a):
    body = manager.get(f"/projects/{project_a.pk}/calendar", year=2026, month=10).json()
    assert (body["project"], body["year"], body["month"], len(body["days"])) == (
        project_a.pk,
        2026,
        10,
        31,
    )
    assert _day(body, 1) == {
        "date": "2026-10-01",
        "weekday": 3,
        "is_working": False,
        "opens": None,
        "closes": None,
        "reason": "国庆节",
    }
    assert _day(body, 10) == {
        "date": "2026-10-10",
        "weekday": 5,
        "is_working": True,
        "opens": "08:30:00",
        "closes": "17:30:00",
        "reason": "调休上班",
    }
    assert (_day(body, 12)["is_working"], _day(body, 12)["reason"]) == (True, "")


def test_r_gen_06_manager_closes_sundays(manager, project_a):
    response = manager.put(f"/projects/{project_a.pk}/business-hours/6", {"is_open": False})
    assert response.status_code == 200
    assert response.json()["is_open"] is False
    assert BusinessHours.objects.get(project=project_a, weekday=6).is_open is False
    sunday = _day(manager.get(f"/projects/{project_a.pk}/calendar", year=2026, month=11).json(), 22)
    assert (sunday["weekday"], sunday["is_working"]) == (6, False)
    assert TimelineEvent.objects.filter(action="calendar.hours_changed").count() == 1


def test_business_hours_must_close_after_opening(manager, project_a):
    response = manager.put(
        f"/projects/{project_a.pk}/business-hours/0",
        {"is_open": True, "opens": "18:00", "closes": "09:00"},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["closes"]
    row = BusinessHours.objects.get(project=project_a, weekday=0)
    assert (row.opens.hour, row.closes.hour) == (8, 17)


def test_bad_weekday_and_bad_time_are_field_errors(manager, project_a):
    response = manager.put(f"/projects/{project_a.pk}/business-hours/7", {"is_open": False})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["weekday"])
    response = manager.put(
        f"/projects/{project_a.pk}/business-hours/1", {"is_open": True, "opens": "25:00"}
    )
    assert (response.status_code, list(response.json()["errors"])) == (422, ["opens"])


def test_r_gen_06_override_day_set_listed_and_removed(manager, project_a):
    # when the project takes 2026-11-23 off
    response = manager.put(
        f"/projects/{project_a.pk}/calendar-overrides/2026-11-23",
        {"kind": "holiday", "note": "消防演练"},
    )
    assert response.status_code == 200
    override = response.json()
    assert (override["date"], override["kind"], override["note"]) == (
        "2026-11-23",
        "holiday",
        "消防演练",
    )
    # then the month view and the list show it
    day = _day(manager.get(f"/projects/{project_a.pk}/calendar", year=2026, month=11).json(), 23)
    assert (day["is_working"], day["reason"]) == (False, "项目休息日（消防演练）")
    listed = manager.get(f"/projects/{project_a.pk}/calendar-overrides", year=2026).json()
    assert [o["id"] for o in listed["results"]] == [override["id"]]
    assert (
        manager.get(f"/projects/{project_a.pk}/calendar-overrides", year=2025).json()["count"] == 0
    )
    # setting the same date again updates it (one override per date)
    manager.put(f"/projects/{project_a.pk}/calendar-overrides/2026-11-23", {"kind": "workday"})
    assert CalendarOverride.objects.get(project=project_a).kind == "workday"
    # and removing it restores the ordinary day
    assert manager.delete(f"/calendar-overrides/{override['id']}").status_code == 204
    assert CalendarOverride.objects.filter(project=project_a).count() == 0


def test_r_gen_07_due_time_is_explained(manager, project_a):
    # R-GEN-07
    response = manager.get(
        f"/projects/{project_a.pk}/due",
        start="2026-09-30T16:00:00+08:00",
        amount="8",
        unit="working_hours",
    )
    assert response.status_code == 200
    assert response.json() == {
        "at": "2026-10-08T15:00:00+08:00",
        "explanation": "自 2026-09-30 16:00 起计 8 个工作小时（营业时间 08:30–17:30），"
        "跳过国庆节（10月1日–10月7日），截止 2026-10-08 15:00。",
    }


def test_due_start_without_offset_is_local_time(manager, project_a):
    local = manager.get(
        f"/projects/{project_a.pk}/due", start="2026-09-30T16:00", amount=8, unit="working_hours"
    )
    assert local.json()["at"] == "2026-10-08T15:00:00+08:00"


def test_due_with_unknown_unit_is_a_field_error(manager, project_a):
    response = manager.get(
        f"/projects/{project_a.pk}/due", start="2026-09-30T16:00", amount=8, unit="fortnights"
    )
    assert (response.status_code, list(response.json()["errors"])) == (422, ["unit"])


def test_clerk_reads_but_cannot_change_the_calendar(client, clerk_a, project_a):
    clerk = Api(client, clerk_a)
    assert clerk.get(f"/projects/{project_a.pk}/calendar", year=2026, month=1).status_code == 200
    response = clerk.put(f"/projects/{project_a.pk}/business-hours/6", {"is_open": False})
    assert response.status_code == 403
    response = clerk.put(
        f"/projects/{project_a.pk}/calendar-overrides/2026-12-01", {"kind": "holiday"}
    )
    assert response.status_code == 403
    assert BusinessHours.objects.get(project=project_a, weekday=6).is_open is True
    assert CalendarOverride.objects.count() == 0


def test_r_gen_01_calendar_of_another_project_is_404(manager, project_b):
    # R-GEN-01
    override = CalendarOverride.objects.create(project=project_b, date="2026-12-01", kind="holiday")
    before = (
        list(BusinessHours.objects.values_list("pk", "is_open")),
        list(CalendarOverride.objects.values_list("pk", "kind")),
    )
    calls = [
        manager.get(f"/projects/{project_b.pk}/calendar", year=2026, month=12),
        manager.get(f"/projects/{project_b.pk}/calendar-overrides"),
        manager.get(
            f"/projects/{project_b.pk}/due",
            start="2026-12-01T09:00",
            amount=1,
            unit="working_hours",
        ),
        manager.put(f"/projects/{project_b.pk}/business-hours/6", {"is_open": False}),
        manager.put(f"/projects/{project_b.pk}/calendar-overrides/2026-12-02", {"kind": "holiday"}),
        manager.delete(f"/calendar-overrides/{override.pk}"),
    ]
    assert [r.status_code for r in calls] == [404] * 6
    assert all(r["Content-Type"] == "application/problem+json" for r in calls)
    after = (
        list(BusinessHours.objects.values_list("pk", "is_open")),
        list(CalendarOverride.objects.values_list("pk", "kind")),
    )
    assert after == before


@pytest.mark.parametrize("n", [5, 60])
def test_override_list_query_count_does_not_grow(
    client, manager_a, project_a, n, django_assert_max_num_queries
):
    CalendarOverride.objects.bulk_create(
        [
            CalendarOverride(
                project=project_a, date=dt.date(2027, 1, 1) + dt.timedelta(days=i), kind="holiday"
            )
            for i in range(n)
        ]
    )
    api = Api(client, manager_a)
    # token + last-used write + permissions + project + count + page
    with django_assert_max_num_queries(6):
        response = api.get(f"/projects/{project_a.pk}/calendar-overrides", page_size=100)
    assert len(response.json()["results"]) == n
