"""The intake page (受理, R-COMPLAINT-01/03/39/41/81..86): the form at a phone call's pace, the
complainant search (name, phone, pinyin initials, room), the guidance, field errors that change
nothing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from propdesk.complaints.models import Complaint
from propdesk.conftest import login
from propdesk.core.models import Occupancy, TimelineEvent
from propdesk.core.tests.factories import BuildingFactory, ResidentFactory, UnitFactory

from .conftest import TZ

pytestmark = pytest.mark.django_db

NEW = "/complaints/new/"


def html(response) -> str:
    return response.content.decode()


def field_errors(page: str, field: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert match, f"no errors beside {field}"
    return match.group(1)


@pytest.fixture
def zhang(community):
    building = BuildingFactory(project=community, code="1", name="1栋")
    unit = UnitFactory(building=building, number="0301", floor=3, area=Decimal("89.50"))
    resident = ResidentFactory(project=community, name="张三", mobile="13812345678")
    Occupancy.objects.create(unit=unit, resident=resident, role="owner")
    ResidentFactory(project=community, name="李四", mobile="13987654321")
    return {"resident": resident, "unit": unit}


def test_intake_page_follows_the_conversation_with_guidance_in_chinese(
    client, pcs_team, community
) -> None:
    login(client, pcs_team["butler"])
    response = client.get(NEW)
    assert response.status_code == 200
    page = html(response)
    # kinds and channels as chips (tenant wording), phone chosen for a call at the desk
    assert "咨询性问题" in page
    assert "服务性请求" in page
    assert "表扬" in page
    assert re.search(r'value="phone"[^>]*checked', page)
    # R-COMPLAINT-17/71 principle and R-COMPLAINT-40 phone phrases, verbatim from the seeds
    assert "先处理心情,后处理事情" in page
    assert "对不起,我让您久等了" in page
    # PCS: read back the key points of a phone intake (R-COMPLAINT-41)
    assert "应复述一遍加以确认" in page
    assert 'name="read_back_confirmed"' in page
    # PCS major criterion (R-COMPLAINT-08): compensation
    assert "涉及业主利益受损，要求赔偿" in page
    # PCS has no six-steps checklist
    assert 'name="steps_checked"' not in page


def test_r_complaint_81_lh_intake_shows_the_six_steps_checklist(
    client, lh_team, sales_centre
) -> None:
    # R-COMPLAINT-81
    login(client, lh_team["club"])
    client.post(reverse("core:switch_project"), {"project": sales_centre.pk})
    page = html(client.get(NEW))
    for step in ("关注", "聆听", "关键", "行动", "求助", "完成"):
        assert step in page
    assert page.count('name="steps_checked"') == 6
    # LH does not demand the phone read-back
    assert 'name="read_back_confirmed"' not in page


def test_r_complaint_41_phone_intake_with_read_back_saves_and_opens_the_complaint(
    client, pcs_team, community, zhang
) -> None:
    login(client, pcs_team["butler"])
    engineering = community.departments.get(code="engineering")
    response = client.post(
        NEW,
        {
            "kind": "complaint",
            "channel": "phone",
            "complainant_name": "张三",
            "salutation": "mr",
            "phone": "13812345678",
            "resident_id": zhang["resident"].pk,
            "unit_id": zhang["unit"].pk,
            "location": "1栋0301卫生间",
            "occurred_at": "2026-11-16T20:00",
            "people_involved": "楼上住户",
            "content": "楼上漏水，天花板渗水已经三天",
            "expectation": "尽快维修",
            "target_department_id": engineering.pk,
            "major_flags": ["compensation"],
            "read_back_confirmed": "on",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("complaints:detail", args=[complaint.pk])
    assert (complaint.kind, complaint.channel, complaint.state) == (
        "complaint",
        "phone",
        "received",
    )
    assert complaint.read_back_confirmed is True
    assert complaint.resident_id == zhang["resident"].pk
    assert complaint.unit_id == zhang["unit"].pk
    assert complaint.target_department_id == engineering.pk
    assert complaint.major_flags == ["compensation"]
    assert complaint.level == "major"  # raised by the compensation criterion (R-COMPLAINT-08)
    assert complaint.subject == "楼上漏水，天花板渗水已经三天"
    assert complaint.occurred_at == dt.datetime(2026, 11, 16, 20, 0, tzinfo=TZ)
    # the complaint page greets with its number and shows it in Chinese
    page = html(client.get(response.url))
    assert complaint.number in page
    assert "已受理" in page
    assert "物业客服部客户投诉处理规程" in page


def test_intake_bad_input_shows_field_errors_keeps_what_was_typed_and_saves_nothing(
    client, pcs_team, community
) -> None:
    login(client, pcs_team["butler"])
    response = client.post(
        NEW,
        {
            "kind": "",
            "channel": "phone",
            "complainant_name": "",
            "phone": "12345",
            "content": "",
            "location": "3栋大堂",
        },
    )
    assert response.status_code == 422
    page = html(response)
    assert "请选择诉求类型" in field_errors(page, "kind")
    assert "此项为必填项" in field_errors(page, "complainant_name")
    assert "此项为必填项" in field_errors(page, "content")
    assert "11位手机号码" in field_errors(page, "phone")
    assert 'value="3栋大堂"' in page  # the form keeps what was typed
    assert Complaint.objects.count() == 0
    assert not TimelineEvent.objects.filter(action="complaint.received").exists()


def test_complainant_search_by_pinyin_initials_phone_and_room(
    client, pcs_team, community, zhang
) -> None:
    login(client, pcs_team["butler"])
    url = reverse("complaints:complainant_search")
    for term in ("zs", "5678", "0301", "张三"):
        page = html(client.get(url, {"who": term}, headers={"HX-Request": "true"}))
        assert "张三" in page, term
        assert "李四" not in page, term
        assert f"resident={zhang['resident'].pk}&amp;unit={zhang['unit'].pk}" in page
    assert "李四" in html(client.get(url, {"who": "ls"}))


def test_picking_a_resident_fills_the_complainant_fields(client, pcs_team, zhang) -> None:
    login(client, pcs_team["butler"])
    page = html(
        client.get(
            reverse("complaints:complainant_pick"),
            {"resident": zhang["resident"].pk, "unit": zhang["unit"].pk},
        )
    )
    assert 'value="张三"' in page
    assert f'name="resident_id" value="{zhang["resident"].pk}"' in page
    assert f'name="unit_id" value="{zhang["unit"].pk}"' in page
    assert "1栋-0301" in page
    assert 'value="13812345678"' in page  # a butler sees personal data (R-GEN-09)


def test_picking_a_resident_never_puts_a_masked_phone_into_the_form(
    client, community, person, zhang
) -> None:
    # a security guard may receive a complaint (不得推诿) but does not see phones in clear
    guard = person(community, "security", "曹保安", "security")
    login(client, guard)
    page = html(
        client.get(reverse("complaints:complainant_pick"), {"resident": zhang["resident"].pk})
    )
    assert "138****5678" in page
    assert "13812345678" not in page
    assert 'name="phone" value' not in page


def test_search_does_not_find_residents_of_another_project(client, pcs_team, sales_centre) -> None:
    ResidentFactory(project=sales_centre, name="赵加州", mobile="13700001111")
    login(client, pcs_team["butler"])
    page = html(client.get(reverse("complaints:complainant_search"), {"who": "zjz"}))
    assert "赵加州" not in page
