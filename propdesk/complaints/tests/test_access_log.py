"""The personal-data access log for complaints (R-GEN-09, PIPL; docs/personal-data.md): the
complaint page and API read, the API lists, the Excel export, the printed forms and the intake's
complainant search and pick each write one row when they show a phone in clear (one row per
project for a list or an export, counting the people), and none when the phone is masked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from propdesk.conftest import login
from propdesk.core.models import Occupancy, PersonalDataAccess
from propdesk.core.services import tokens
from propdesk.core.tests.factories import BuildingFactory, ResidentFactory, UnitFactory

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED = "138****5678"


def _bearer(staff: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}


def _rows() -> list[tuple[Any, ...]]:
    return list(
        PersonalDataAccess.objects.order_by("id").values_list(
            "object_type", "object_id", "channel", "fields", "row_count"
        )
    )


@pytest.fixture
def zhang(community):
    building = BuildingFactory(project=community, code="1", name="1栋")
    unit = UnitFactory(building=building, number="0301", floor=3, area=Decimal("89.50"))
    resident = ResidentFactory(project=community, name="张三", mobile=PHONE)
    Occupancy.objects.create(unit=unit, resident=resident, role="owner")
    return {"resident": resident, "unit": unit}


# --- the complaint page and API read ------------------------------------------------------------
def test_r_gen_09_complaint_page_with_the_phone_in_clear_writes_one_row(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)
    login(client, pcs_team["supervisor"])
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert PHONE in page
    assert _rows() == [("complaint", complaint.pk, "page", ["phone"], 1)]
    row = PersonalDataAccess.objects.get()
    assert (row.staff, row.project) == (pcs_team["supervisor"], community)
    assert row.object_label == f"{complaint.number} 张三"


def test_r_gen_09_complaint_page_with_the_phone_masked_writes_nothing(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)
    login(client, pcs_team["engineer"])
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert MASKED in page
    assert PHONE not in page
    assert _rows() == []


def test_r_gen_09_complaint_api_read_in_clear_writes_one_row_masked_none(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)
    url = f"/api/v1/complaints/{complaint.pk}"
    assert client.get(url, headers=_bearer(pcs_team["butler"])).json()["phone"] == PHONE
    assert _rows() == [("complaint", complaint.pk, "api", ["phone"], 1)]
    assert client.get(url, headers=_bearer(pcs_team["engineer"])).json()["phone"] == MASKED
    assert len(_rows()) == 1


def test_r_gen_09_a_complaint_without_a_phone_writes_nothing(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community, phone="")
    login(client, pcs_team["butler"])
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 200
    assert _rows() == []


# --- the API lists ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/complaints", "/complaints/queue"])
def test_r_gen_09_api_list_in_clear_writes_one_row_per_request_counting_people(
    client, pcs_team, community, receive, path
) -> None:
    butler = pcs_team["butler"]
    receive(butler, community, handler_id=butler.pk)
    receive(butler, community, handler_id=butler.pk, content="又漏水了")  # the same caller
    receive(butler, community, handler_id=butler.pk, complainant_name="李四", phone="13987654321")
    receive(butler, community, handler_id=butler.pk, complainant_name="王五", phone="")
    body = client.get(f"/api/v1{path}", headers=_bearer(butler)).json()
    assert body["count"] == 4
    # one row for the page: two people with a phone in clear (张三 twice, 李四)
    assert _rows() == [("complaint_list", None, "api", ["phone"], 2)]
    assert set(PersonalDataAccess.objects.get().object_label.split("、")) == {"张三", "李四"}


def test_r_gen_09_api_list_masked_writes_nothing(client, pcs_team, community, receive) -> None:
    receive(pcs_team["butler"], community)
    body = client.get("/api/v1/complaints", headers=_bearer(pcs_team["engineer"])).json()
    assert [r["phone"] for r in body["results"]] == [MASKED]
    assert _rows() == []


# --- the Excel export ---------------------------------------------------------------------------
def test_r_gen_09_excel_export_with_clear_phones_writes_one_row(
    client, pcs_team, community, receive
) -> None:
    butler = pcs_team["butler"]
    receive(butler, community)
    receive(butler, community, complainant_name="李四", phone="13987654321")
    receive(butler, community, complainant_name="王五", phone="")
    login(client, butler)
    response = client.get(reverse("complaints:export"), {"tab": "all"})
    assert response.status_code == 200
    assert _rows() == [("complaint_export", None, "export", ["phone"], 2)]
    assert PersonalDataAccess.objects.get().path == reverse("complaints:export")


def test_r_gen_09_excel_export_with_masked_phones_writes_nothing(
    client, pcs_team, community, receive
) -> None:
    receive(pcs_team["butler"], community)
    login(client, pcs_team["engineer"])
    assert client.get(reverse("complaints:export"), {"tab": "all"}).status_code == 200
    assert _rows() == []


# --- printed forms ------------------------------------------------------------------------------
def test_r_gen_09_printed_registration_form_with_a_clear_phone_writes_one_row(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)
    login(client, pcs_team["butler"])
    url = reverse("complaints:print_complaint", args=[complaint.pk, "registration"])
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert _rows() == [("complaint_form", complaint.pk, "export", ["phone"], 1)]
    label = PersonalDataAccess.objects.get().object_label
    assert label.endswith(f"{complaint.number} 张三")
    # the browser preview of the same form is a page view
    preview = client.get(url, {"format": "html"}).content.decode()
    assert PHONE in preview
    assert [r[2] for r in _rows()] == ["export", "page"]


def test_r_gen_09_printed_form_with_a_masked_phone_writes_nothing(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)
    login(client, pcs_team["engineer"])
    url = reverse("complaints:print_complaint", args=[complaint.pk, "record"])
    page = client.get(url, {"format": "html"}).content.decode()
    assert MASKED in page
    assert _rows() == []


# --- intake: complainant search and pick --------------------------------------------------------
def test_r_gen_09_complainant_search_in_clear_writes_one_row(
    client, pcs_team, community, zhang
) -> None:
    ResidentFactory(project=community, name="张四", mobile="13900001111")
    login(client, pcs_team["butler"])
    page = client.get(reverse("complaints:complainant_search"), {"who": "张"}).content.decode()
    assert PHONE in page
    # the results show phones only: only the mobile is logged
    assert _rows() == [("complainant_search", None, "page", ["mobile"], 2)]


def test_r_gen_09_complainant_pick_in_clear_writes_one_row_for_the_resident(
    client, pcs_team, zhang
) -> None:
    login(client, pcs_team["butler"])
    resident = zhang["resident"]
    page = client.get(reverse("complaints:complainant_pick"), {"resident": resident.pk})
    assert PHONE in page.content.decode()
    assert _rows() == [("resident", resident.pk, "page", ["mobile"], 1)]


def test_r_gen_09_complainant_search_and_pick_masked_write_nothing(
    client, community, person, zhang
) -> None:
    guard = person(community, "security", "曹保安", "security")
    login(client, guard)
    client.get(reverse("complaints:complainant_search"), {"who": "张"})
    client.get(reverse("complaints:complainant_pick"), {"resident": zhang["resident"].pk})
    assert _rows() == []


def test_r_gen_09_saved_intake_writes_no_pick_row(client, pcs_team, community, zhang) -> None:
    # the picked resident is not shown again once the complaint is saved (a redirect)
    login(client, pcs_team["butler"])
    response = client.post(
        "/complaints/new/",
        {
            "kind": "complaint",
            "channel": "visit",
            "complainant_name": "张三",
            "phone": PHONE,
            "resident_id": zhang["resident"].pk,
            "unit_id": zhang["unit"].pk,
            "content": "楼上漏水，天花板渗水已经三天",
            "read_back_confirmed": "on",
        },
    )
    assert response.status_code == 302
    assert _rows() == []
