"""The rotation pages over HTTP: the console before and after opening the day, a visitor reported
with one tap, the live part and the TV board, the set-up page (groups, plan, rest days) with
field errors that change nothing, and the daily report with its Excel download."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from propdesk.conftest import login
from propdesk.reception.models import RestDay, RotaDay, SalesGroup, TurnRecord

pytestmark = pytest.mark.django_db
LIVE = {"X-PropDesk-Live": "1"}


@pytest.fixture
def manager_client(client, rota: dict[str, Any]) -> Any:
    return login(client, rota["manager"])


def _plan_and_open(client: Any, rota: dict[str, Any]) -> None:
    today = timezone.localdate().isoformat()
    answer = client.post(
        reverse("reception:rotation_setup"),
        {
            "action": "plan",
            "day": today,
            "duty_A": "visit",
            "duty_B": "phone",
            "shift_staff": [rota["manager"].pk, "", ""],
            "shift_start": ["00:00", "09:00", "09:00"],
            "shift_end": ["23:59", "18:00", "18:00"],
            "open_from": "00:00",
            "open_until": "23:59",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    opened = client.post(reverse("reception:rotation_open"), headers=LIVE)
    assert opened.json()["ok"] is True


def test_the_console_opens_the_day_and_a_tap_assigns_the_next_salesperson(
    manager_client, rota: dict[str, Any]
):
    before = manager_client.get(reverse("reception:rotation"))
    assert "今天的接访轮序尚未开始" in before.content.decode()
    _plan_and_open(manager_client, rota)
    page = manager_client.get(reverse("reception:rotation")).content.decode()
    assert "来访:由谁接待?" in page
    answer = manager_client.post(
        reverse("reception:rotation_event"), {"event": "visit", "purpose": "sales"}, headers=LIVE
    )
    assert answer.json() == {"ok": True, "message": "来访按接访轮序由甲1接待,计一轮接待。"}
    live = manager_client.get(reverse("reception:rotation_live")).content.decode()
    assert "接待中" in live
    assert "甲1" in live
    tv = manager_client.get(reverse("reception:rotation_live") + "?tv=1").content.decode()
    assert 'id="tv-next-visit">甲2<' in tv
    board = manager_client.get(reverse("reception:rotation_board")).content.decode()
    assert 'class="tv"' in board
    assert "?post=ROTA" in board


def test_a_refused_tap_says_why_and_records_nothing(manager_client, rota: dict[str, Any]):
    _plan_and_open(manager_client, rota)
    answer = manager_client.post(
        reverse("reception:rotation_event"), {"event": "visit_ended", "ref": "V-x"}, headers=LIVE
    )
    assert answer.status_code == 422
    assert answer.json()["ok"] is False
    assert answer.json()["message"]
    assert TurnRecord.objects.count() == 0


def test_r_rota_04_a_plan_without_duty_manager_is_shown_as_an_error(
    manager_client, rota: dict[str, Any]
):
    # R-ROTA-04
    answer = manager_client.post(
        reverse("reception:rotation_setup"),
        {"action": "plan", "day": "2026-12-24", "duty_A": "visit", "duty_B": "phone"},
    )
    assert answer.status_code == 422
    assert "没有值班经理在岗" in answer.content.decode()
    assert not RotaDay.objects.exists()


def test_groups_and_rest_days_from_the_setup_page(manager_client, rota: dict[str, Any]):
    people = rota["people"]
    page = manager_client.get(reverse("reception:rotation_setup"))
    assert "销售一组" in page.content.decode()
    saved = manager_client.post(
        reverse("reception:rotation_setup"),
        {
            "action": "group",
            "group": rota["groups"][0].pk,
            "code": "A",
            "name": "销售一组",
            f"member_{people['甲3'].pk}": "1",
            f"member_{people['甲1'].pk}": "2",
            f"member_{people['甲2'].pk}": "",
        },
    )
    assert saved.status_code == 302
    group = SalesGroup.objects.get(code="A")
    assert [m.staff.name for m in group.members.all()] == ["甲3", "甲1"]
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    asked = manager_client.post(
        reverse("reception:rotation_setup"),
        {"action": "rest", "staff": people["乙1"].pk, "rest_day": day},
    )
    assert asked.status_code == 302
    rest = RestDay.objects.get()
    manager_client.post(reverse("reception:rotation_setup"), {"action": "approve", "rest": rest.pk})
    rest.refresh_from_db()
    assert rest.state == "approved"


def test_the_daily_report_page_and_its_excel(manager_client, rota: dict[str, Any]):
    _plan_and_open(manager_client, rota)
    manager_client.post(reverse("reception:rotation_event"), {"event": "visit"}, headers=LIVE)
    manager_client.post(
        reverse("reception:rotation_event"), {"event": "call", "answered": "0"}, headers=LIVE
    )
    page = manager_client.get(reverse("reception:rotation_report")).content.decode()
    assert "接待轮次日报" in page
    assert "甲1" in page
    assert "电话无应答" in page
    xlsx = manager_client.get(reverse("reception:rotation_report_xlsx"))
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert [ws.title for ws in book.worksheets] == ["接待轮次日报", "轮次明细"]


def test_the_console_costs_a_bounded_number_of_queries(
    manager_client, rota: dict[str, Any], django_assert_max_num_queries
):
    _plan_and_open(manager_client, rota)
    for _ in range(5):
        manager_client.post(reverse("reception:rotation_event"), {"event": "visit"}, headers=LIVE)
        manager_client.post(reverse("reception:rotation_event"), {"event": "call"}, headers=LIVE)
    with django_assert_max_num_queries(25):
        page = manager_client.get(reverse("reception:rotation"))
    assert page.status_code == 200


def test_r_rota_15_the_gate_is_warned_on_a_media_open_day(client, rota: dict[str, Any], floor):
    # R-ROTA-15
    from propdesk.reception.services import rotation_setup

    warning = "今天是媒体开放日,原则上不接待客户。"
    login(client, floor["L1"])
    assert warning not in client.get(reverse("reception:post", args=["L1"])).content.decode()
    rotation_setup.plan_day(
        actor=rota["manager"],
        project_id=rota["project"].pk,
        day=timezone.localdate(),
        duty_shifts=[{"staff": rota["manager"].pk, "start": "09:00", "end": "18:00"}],
        media_open_day=True,
    )
    assert warning in client.get(reverse("reception:post", args=["L1"])).content.decode()
    login(client, floor["G1"])
    assert warning not in client.get(reverse("reception:post", args=["G1"])).content.decode()
