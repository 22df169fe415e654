"""The personal-data access log for client cards (R-GEN-09, PIPL; docs/personal-data.md): the
card list page and API list write one row per request (per project) when they show mobiles in
clear, a card's page, edit form, API read and an appointment's page (which shows its card's
mobile) one row for the card; the gate, who sees mobiles masked, writes none."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from propdesk.core.models import PersonalDataAccess
from propdesk.core.services import tokens
from propdesk.reception.services import appointments, cards
from propdesk.reception.tests.floor import TZ, at

pytestmark = pytest.mark.django_db

MOBILE = "13800138000"
MASKED = "138****8000"


def _rows() -> list[tuple[Any, ...]]:
    return list(
        PersonalDataAccess.objects.order_by("id").values_list(
            "object_type", "object_id", "channel", "fields", "row_count"
        )
    )


def _bearer(staff: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}


@pytest.fixture
def card(centre, floor):
    data = {"name": "王大明", "salutation": "mr", "mobile": MOBILE, "party_size": 2}
    return cards.create_card(actor=floor["X1"], project_id=centre.pk, data=data, now=at(0))


def test_r_gen_09_card_list_page_in_clear_writes_one_row(client, centre, floor, card):
    cards.create_card(
        actor=floor["X1"],
        project_id=centre.pk,
        data={"name": "李四", "mobile": "13900139000"},
        now=at(1),
    )
    client.force_login(floor["X1"].user)
    assert MOBILE in client.get(reverse("reception:cards")).content.decode()
    assert _rows() == [("client_card_list", None, "page", ["mobile"], 2)]
    assert PersonalDataAccess.objects.get().project == centre


@pytest.mark.parametrize("url", ["reception:card", "reception:card_edit"])
def test_r_gen_09_card_page_in_clear_writes_one_row(client, floor, card, url):
    client.force_login(floor["X1"].user)
    assert MOBILE in client.get(reverse(url, args=[card.pk])).content.decode()
    assert _rows() == [("client_card", card.pk, "page", ["mobile"], 1)]
    assert PersonalDataAccess.objects.get().object_label == f"{card.number} 王大明"


def test_r_gen_09_appointment_page_logs_its_cards_mobile(client, floor, card):
    tomorrow = (dt.datetime.now(TZ) + dt.timedelta(days=1)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    appt = appointments.create_appointment(
        actor=floor["X1"], card_id=card.pk, data={"proposed_at": tomorrow}
    )
    client.force_login(floor["X1"].user)
    page = client.get(reverse("reception:appointment", args=[appt.pk])).content.decode()
    assert MOBILE in page
    assert _rows() == [("client_card", card.pk, "page", ["mobile"], 1)]


def test_r_gen_09_card_pages_masked_for_the_gate_write_nothing(client, floor, card):
    client.force_login(floor["L1"].user)
    assert MASKED in client.get(reverse("reception:cards")).content.decode()
    assert MASKED in client.get(reverse("reception:card", args=[card.pk])).content.decode()
    assert _rows() == []


def test_r_gen_09_card_api_list_and_read_in_clear_write_one_row_each(client, centre, floor, card):
    headers = _bearer(floor["X1"])
    listed = client.get("/api/v1/reception/cards", {"project": centre.pk}, headers=headers)
    assert listed.json()["results"][0]["mobile"] == MOBILE
    assert client.get(f"/api/v1/reception/cards/{card.pk}", headers=headers).json()["mobile"] == (
        MOBILE
    )
    assert _rows() == [
        ("client_card_list", None, "api", ["mobile"], 1),
        ("client_card", card.pk, "api", ["mobile"], 1),
    ]


def test_r_gen_09_card_api_masked_for_the_gate_writes_nothing(client, centre, floor, card):
    headers = _bearer(floor["L1"])
    listed = client.get("/api/v1/reception/cards", {"project": centre.pk}, headers=headers)
    assert listed.json()["results"][0]["mobile"] == MASKED
    assert client.get(f"/api/v1/reception/cards/{card.pk}", headers=headers).json()["mobile"] == (
        MASKED
    )
    assert _rows() == []
