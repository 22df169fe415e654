"""The rotation queue over HTTP (issue 4 "an API for every action … queue decisions"): plan and
open today, report visitors and calls, read the board and the daily report (JSON and Excel),
refusals as problem+json that change nothing, other projects' days are 404."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from propdesk.reception.models import RotaDay, TurnRecord
from propdesk.reception.tests.test_api_reception import PROBLEM, Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def apis(client, rota: dict[str, Any]) -> dict[str, Api]:
    people = rota["people"]
    return {
        "manager": Api(client, rota["manager"]),
        "甲1": Api(client, people["甲1"]),
    }


def _open_today(apis: dict[str, Api], rota: dict[str, Any]) -> str:
    today = timezone.localdate().isoformat()
    project = rota["project"].pk
    shift = [{"staff": rota["manager"].pk, "start": "00:00", "end": "23:59"}]
    planned = apis["manager"].put(
        f"/reception/rotation/days/{today}",
        {
            "project": project,
            "duties": {"A": "visit", "B": "phone"},
            "duty_shifts": shift,
            "open_from": "00:00",
            "open_until": "23:59",
        },
    )
    assert planned.status_code == 200, planned.content
    opened = apis["manager"].post(f"/reception/rotation/days/{today}/open", {"project": project})
    assert opened.status_code == 200, opened.content
    assert opened.json()["state"] == "open"
    return today


def test_r_rota_16_a_visitor_reported_through_the_api_gets_the_next_salesperson(
    apis: dict[str, Api], rota: dict[str, Any]
):
    # R-ROTA-16
    today = _open_today(apis, rota)
    project = rota["project"].pk
    first = apis["manager"].post(
        "/reception/rotation/events", {"project": project, "event": "visit"}
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["decision"]["assignee"] == str(rota["people"]["甲1"].pk)
    assert body["decision"]["reason_code"] == "normal"
    assert body["decision"]["explanation_zh"]
    assert body["board"]["visit"]["next"] == str(rota["people"]["甲2"].pk)

    call = apis["甲1"].post(
        "/reception/rotation/events", {"project": project, "event": "call", "answered": False}
    )
    assert call.json()["decision"]["reason_code"] == "unanswered"

    view = apis["甲1"].get(f"/reception/rotation/days/{today}", project=project)
    assert view.status_code == 200
    assert [d["seq"] for d in view.json()["decisions"]] == [1, 2]

    report = apis["manager"].get("/reception/rotation/report", project=project)
    row = next(p for p in report.json()["people"] if p["name"] == "甲1")
    assert (row["visit_turns"], report.json()["calls_unanswered"]) == (1, 1)

    xlsx = apis["manager"].get("/reception/rotation/report.xlsx", project=project)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert "接待轮次日报" in str(sheet["A1"].value)
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "甲1" in names


def test_r_rota_04_a_plan_without_a_duty_manager_is_a_field_error(
    apis: dict[str, Api], rota: dict[str, Any]
):
    # R-ROTA-04
    today = timezone.localdate().isoformat()
    response = apis["manager"].put(
        f"/reception/rotation/days/{today}", {"project": rota["project"].pk}
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith(PROBLEM)
    assert "没有值班经理在岗" in response.json()["errors"]["roster"][0]
    assert not RotaDay.objects.exists()


def test_refusals_change_nothing_and_other_projects_get_404(
    apis: dict[str, Api], rota: dict[str, Any], client, other_centre
):
    project = rota["project"].pk
    not_open = apis["manager"].post(
        "/reception/rotation/events", {"project": project, "event": "visit"}
    )
    assert not_open.status_code == 409
    today = _open_today(apis, rota)
    bad = apis["manager"].post(
        "/reception/rotation/events", {"project": project, "event": "visit_ended", "ref": "V-x"}
    )
    assert bad.status_code == 422
    assert bad["Content-Type"].startswith(PROBLEM)
    salesperson = apis["甲1"].post(
        "/reception/rotation/events", {"project": project, "event": "support_requested"}
    )
    assert salesperson.status_code == 403
    assert TurnRecord.objects.count() == 0

    from propdesk.reception.tests.rota import member

    stranger = Api(client, member(other_centre, "外人", role="duty_manager"))
    assert stranger.get(f"/reception/rotation/days/{today}", project=project).status_code == 404
    closing = stranger.post(f"/reception/rotation/days/{today}/close", {"project": project})
    assert closing.status_code == 404
    assert RotaDay.objects.get().state == "open"


def test_groups_and_rest_days_over_the_api(apis: dict[str, Api], rota: dict[str, Any]):
    project = rota["project"].pk
    people = rota["people"]
    groups = apis["甲1"].get("/reception/rotation/groups", project=project)
    assert [g["code"] for g in groups.json()] == ["A", "B"]
    assert [m["name"] for m in groups.json()[0]["members"]] == ["甲1", "甲2", "甲3"]
    refused = apis["甲1"].post(
        "/reception/rotation/groups",
        {"project": project, "code": "C", "name": "三组", "members": [people["甲1"].pk]},
    )
    assert refused.status_code == 403
    day = (timezone.localdate() + timezone.timedelta(days=3)).isoformat()
    asked = apis["甲1"].post(
        "/reception/rotation/rest-days", {"project": project, "staff": people["甲1"].pk, "day": day}
    )
    assert asked.status_code == 201
    assert asked.json()["state"] == "pending"
    denied = apis["甲1"].post(f"/reception/rotation/rest-days/{asked.json()['id']}/approve")
    assert denied.status_code == 403
    approved = apis["manager"].post(f"/reception/rotation/rest-days/{asked.json()['id']}/approve")
    assert approved.json()["state"] == "approved"


def test_the_group_list_costs_a_fixed_number_of_queries(
    apis: dict[str, Api], rota: dict[str, Any], django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = apis["甲1"].get("/reception/rotation/groups", project=rota["project"].pk)
    assert len(response.json()) == 2
