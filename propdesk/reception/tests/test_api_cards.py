"""Client cards and appointments over the API (issue 4 "an API for every action"): a card
registered, found and reassigned; an appointment drafted, approved with the R-ROTA-02 warning,
confirmed, marked arrived; refusals as problem+json that change nothing; phones masked for the
gate (R-GEN-09); other projects' objects are 404; lists cost a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from propdesk.core.models import Staff
from propdesk.core.tests.factories import StaffFactory
from propdesk.reception.models import Appointment, ClientCard
from propdesk.reception.tests.floor import TZ, place
from propdesk.reception.tests.test_api_reception import PROBLEM, Api

TOMORROW_2PM = (dt.datetime.now(TZ) + dt.timedelta(days=1)).replace(
    hour=14, minute=0, second=0, microsecond=0
)


@pytest.fixture
def api(client, centre, floor, supervisor) -> dict[str, Api]:
    li = place(StaffFactory(name="李娜", company=centre.company), centre, "X1", "salesperson")
    people = {"zhang": floor["X1"], "li": li, "gate": floor["L1"], "manager": supervisor}
    return {key: Api(client, staff) for key, staff in people.items()}


def _card(api, centre, **data):
    body = {"project": centre.pk, "name": "王大明", "mobile": "13800138000", "party_size": 2}
    response = api["zhang"].post("/reception/cards", {**body, **data})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_card_registered_searched_and_masked_for_the_gate(api, centre):
    card = _card(api, centre)
    assert (card["number"], card["mobile"], card["owner_name"], card["card_name"]) == (
        f"VIP-{timezone.localdate().year}-000001",
        "13800138000",
        "张伟",
        "加州1885VIP资料卡",
    )
    found = api["gate"].get("/reception/cards", q="wdm").json()
    assert [(c["id"], c["mobile"]) for c in found["results"]] == [(card["id"], "138****8000")]


def test_r_rota_08_a_second_card_with_the_same_mobile_is_a_field_error(api, centre):
    # R-ROTA-08
    _card(api, centre)
    response = api["li"].post(
        "/reception/cards", {"project": centre.pk, "name": "王", "mobile": "13800138000"}
    )
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert "张伟" in response.json()["errors"]["mobile"][0]
    assert ClientCard.objects.count() == 1


def test_r_rota_08_reassigning_is_for_supervisors(api, centre):
    card = _card(api, centre)
    li = Staff.objects.get(name="李娜")
    refused = api["zhang"].post(f"/reception/cards/{card['id']}/owner", {"owner": li.pk})
    assert refused.status_code == 403
    done = api["manager"].post(
        f"/reception/cards/{card['id']}/owner", {"owner": li.pk, "note": "调岗"}
    )
    assert (done.status_code, done.json()["owner_name"]) == (200, "李娜")


def test_r_rota_14_an_appointment_through_the_api(api, centre):
    # R-ROTA-14
    card = _card(api, centre)
    for hour in (10, 11):
        appt = (
            api["zhang"]
            .post(
                "/reception/appointments",
                {
                    "card": card["id"],
                    "proposed_at": TOMORROW_2PM.replace(hour=hour).isoformat(),
                    "submit": True,
                },
            )
            .json()
        )
        api["manager"].post(f"/reception/appointments/{appt['id']}/approve", {})
    created = api["zhang"].post(
        "/reception/appointments", {"card": card["id"], "proposed_at": TOMORROW_2PM.isoformat()}
    )
    assert created.status_code == 201, created.content
    appt = created.json()
    assert (appt["state"], appt["party_size"], appt["number"][:3]) == ("draft", 2, "YY-")
    aid = appt["id"]
    # approving a draft is not allowed now: 409, nothing changes
    early = api["manager"].post(f"/reception/appointments/{aid}/approve", {})
    assert (early.status_code, early["Content-Type"]) == (409, PROBLEM)
    assert Appointment.objects.get(pk=aid).state == "draft"
    assert api["zhang"].post(f"/reception/appointments/{aid}/submit").status_code == 200
    # a salesperson may not approve
    assert api["zhang"].post(f"/reception/appointments/{aid}/approve", {}).status_code == 403
    approved = api["manager"].post(f"/reception/appointments/{aid}/approve", {}).json()
    assert approved["state"] == "approved"
    assert approved["warnings"] == ["当天预约接待将达3组,超过原则建议的每天2组"]
    bad = api["zhang"].post(
        f"/reception/appointments/{aid}/confirm",
        {"confirmed_at": TOMORROW_2PM.replace(hour=20).isoformat()},
    )
    assert bad.status_code == 422
    assert "confirmed_at" in bad.json()["errors"]
    confirmed = (
        api["zhang"]
        .post(
            f"/reception/appointments/{aid}/confirm",
            {"confirmed_at": TOMORROW_2PM.replace(hour=15, minute=30).isoformat()},
        )
        .json()
    )
    assert (confirmed["state"], dt.datetime.fromisoformat(confirmed["slot"])) == (
        "confirmed",
        TOMORROW_2PM.replace(hour=15, minute=30),
    )
    arrived = api["gate"].post(f"/reception/appointments/{aid}/arrive", {}).json()
    assert arrived["state"] == "arrived"
    cancel = api["zhang"].post(f"/reception/appointments/{aid}/cancel", {"reason": "x"})
    assert cancel.status_code == 409


def test_quiet_slots_from_the_api(api, centre):
    day = TOMORROW_2PM.date()
    body = api["gate"].get("/reception/appointment-slots", project=centre.pk, day=str(day)).json()
    assert (body["open_from"], body["open_until"], body["media_open_day"]) == (
        "09:00:00",
        "18:00:00",
        False,
    )
    assert len(body["slots"]) == 18
    assert [s["start"][11:16] for s in body["suggested"]] == ["09:00", "09:30", "10:00"]


def test_other_projects_cards_and_appointments_are_404(api, centre, other_centre):
    card = _card(api, centre)
    outsider = place(StaffFactory(company=centre.company), other_centre, "X1", "salesperson")
    stranger = Api(api["zhang"].client, outsider)
    assert stranger.get(f"/reception/cards/{card['id']}").status_code == 404
    assert stranger.patch(f"/reception/cards/{card['id']}", {"note": "x"}).status_code == 404
    assert stranger.get("/reception/cards").json()["count"] == 0
    assert (
        stranger.get("/reception/appointment-slots", project=centre.pk, day="2026-11-18")
    ).status_code == 404


def test_lists_cost_a_bounded_number_of_queries(api, centre, django_assert_max_num_queries):
    for i in range(12):
        card = _card(api, centre, name=f"客户{i}", mobile=f"1390000{i:04d}")
        api["zhang"].post(
            "/reception/appointments",
            {"card": card["id"], "proposed_at": TOMORROW_2PM.isoformat()},
        )
    with django_assert_max_num_queries(8):
        cards = api["gate"].get("/reception/cards", project=centre.pk)
    assert cards.json()["count"] == 12
    with django_assert_max_num_queries(8):
        appts = api["gate"].get("/reception/appointments", project=centre.pk)
    assert appts.json()["count"] == 12
