"""Master-data pages (issue item 11): lists, details, forms, masking, isolation, query counts.

Rules: R-GEN-01 (projects are separate), R-GEN-04 (the history shows every change), R-GEN-09
(personal data masked for roles that do not need it), R-GEN-11 (validated contact data).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from propdesk.conftest import login
from propdesk.core.models import Building, Occupancy, Resident, TimelineEvent, Unit
from propdesk.core.services import masterdata
from propdesk.core.tests.factories import (
    BuildingFactory,
    ResidentFactory,
    UnitFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(msgid: str, **fmt: object) -> str:
    """The Chinese text of a msgid; fails if the catalogue has no Chinese for it."""
    with translation.override("zh-hans"):
        text = str(translation.gettext(msgid))
    assert CJK.search(text), f"no Chinese translation for {msgid!r}"
    return text.format(**fmt) if fmt else text


def html(response) -> str:
    return response.content.decode()


def rows(page: str) -> str:
    """The body of the results table (the search box's placeholder also contains 张三)."""
    match = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return match.group(1) if match else ""


def field_errors(page: str, field: str) -> str:
    """The error list rendered beside one form field (Django's `id_<field>_error` list)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert match, f"no errors beside {field}"
    return match.group(1)


@pytest.fixture
def estate(project_a):
    """One building with a unit, an owner 张三 and a tenant 李四 in project A."""
    building = BuildingFactory(project=project_a, code="1", name="1栋")
    unit = UnitFactory(building=building, number="0301", floor=3, area=Decimal("89.50"))
    zhang = ResidentFactory(project=project_a, name="张三", mobile="13812345678")
    li = ResidentFactory(project=project_a, name="李四", salutation="ms", mobile="13987654321")
    Occupancy.objects.create(unit=unit, resident=zhang, role="owner")
    Occupancy.objects.create(unit=unit, resident=li, role="tenant")
    return {"building": building, "unit": unit, "zhang": zhang, "li": li}


@pytest.fixture
def estate_b(project_b):
    building = BuildingFactory(project=project_b, code="9", name="9栋B")
    unit = UnitFactory(building=building, number="0909")
    resident = ResidentFactory(project=project_b, name="王五乙")
    Occupancy.objects.create(unit=unit, resident=resident, role="owner")
    return {"building": building, "unit": unit, "resident": resident}


# --- pages render ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url_name", "needle"),
    [
        ("core:resident_list", "Residents"),
        ("core:unit_list", "Units"),
        ("core:building_list", "Buildings"),
        ("core:resident_create", "Register a resident"),
        ("core:unit_create", "Add a unit"),
        ("core:building_create", "Add a building"),
    ],
)
def test_master_data_pages_render_in_chinese_for_a_clerk(client, clerk_a, estate, url_name, needle):
    login(client, clerk_a)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert zh(needle) in html(response)


def test_resident_list_shows_units_and_count(client, clerk_a, estate):
    login(client, clerk_a)
    page = html(client.get(reverse("core:resident_list")))
    assert "张三" in page
    assert "李四" in page
    assert "1栋-0301" in page
    assert zh("Total: %(counter)s") % {"counter": 2} in page


def test_detail_pages_show_related_rows(client, clerk_a, estate):
    login(client, clerk_a)
    unit_page = html(client.get(reverse("core:unit_detail", args=[estate["unit"].pk])))
    assert "1栋" in unit_page  # its building
    assert "张三" in unit_page
    assert "李四" in unit_page
    assert "89.50 ㎡" in unit_page
    building_page = html(client.get(reverse("core:building_detail", args=[estate["building"].pk])))
    assert reverse("core:unit_detail", args=[estate["unit"].pk]) in building_page
    resident_page = html(client.get(reverse("core:resident_detail", args=[estate["zhang"].pk])))
    assert reverse("core:unit_detail", args=[estate["unit"].pk]) in resident_page
    assert zh("Owner") in resident_page


def test_list_pages_are_reached_from_the_navigation(client, clerk_a, estate):
    login(client, clerk_a)
    page = html(client.get(reverse("core:workbench")))
    for name in ("core:resident_list", "core:unit_list", "core:building_list"):
        assert f'href="{reverse(name)}"' in page


# --- query counts ----------------------------------------------------------------------------
def _fill(project, rows: int) -> None:
    building = BuildingFactory(project=project)
    for i in range(rows):
        unit = UnitFactory(building=building, number=f"{i + 1:04d}")
        resident = ResidentFactory(project=project, name=f"住户{i}")
        Occupancy.objects.create(unit=unit, resident=resident, role="owner")


@pytest.mark.parametrize(
    "url_name",
    [
        "core:resident_list",
        "core:unit_list",
        "core:building_list",
        "core:staff_list",
        "core:department_list",
    ],
)
@pytest.mark.parametrize("rows", [5, 60])
def test_list_page_queries_do_not_grow_with_rows(
    client, clerk_a, project_a, django_assert_max_num_queries, url_name, rows
):
    # given 5 or 60 rows (a full page of 25 either way for 60)
    _fill(project_a, rows)
    login(client, clerk_a)
    # then the page costs the same bounded number of queries
    with django_assert_max_num_queries(14):
        response = client.get(reverse(url_name))
    assert response.status_code == 200


# --- search ----------------------------------------------------------------------------------
def test_search_by_pinyin_initials_finds_zhang_san_not_li_si(client, clerk_a, estate):
    login(client, clerk_a)
    page = rows(html(client.get(reverse("core:resident_list"), {"q": "zs"})))
    assert "张三" in page
    assert "李四" not in page


def test_live_search_returns_only_the_results_table(client, clerk_a, estate):
    # given the HTMX request the search box sends on keyup
    login(client, clerk_a)
    response = client.get(
        reverse("core:resident_list"), {"q": "ls"}, headers={"HX-Request": "true"}
    )
    page = html(response)
    # then only the results fragment comes back, with 李四 and without 张三
    assert "<html" not in page
    assert 'id="results"' not in page
    assert "李四" in page
    assert "张三" not in page


def test_search_page_works_without_javascript(client, clerk_a, estate):
    login(client, clerk_a)
    page = html(client.get(reverse("core:resident_list"), {"q": "0301"}))
    assert "<html" in page
    assert 'name="q" value="0301"' in page
    assert "张三" in rows(page)


def test_search_without_match_says_what_to_try(client, clerk_a, estate):
    login(client, clerk_a)
    page = html(client.get(reverse("core:resident_list"), {"q": "xyz"}))
    assert (
        zh(
            "No resident matches “%(q)s”. Try the pinyin initials (zs for 张三), the last digits of the phone, or the room number."
        )
        % {"q": "xyz"}
        in page
    )


def test_filters_narrow_the_lists(client, clerk_a, estate):
    login(client, clerk_a)
    page = rows(html(client.get(reverse("core:resident_list"), {"role": "tenant"})))
    assert "李四" in page
    assert "张三" not in page
    other = BuildingFactory(project=estate["building"].project, code="2", name="2栋")
    UnitFactory(building=other, number="0502", status="rented")
    page = rows(html(client.get(reverse("core:unit_list"), {"status": "rented"})))
    assert "2栋-0502" in page
    assert "1栋-0301" not in page


def test_pagination_splits_long_lists(client, clerk_a, project_a):
    _fill(project_a, 30)
    login(client, clerk_a)
    first = html(client.get(reverse("core:resident_list")))
    second = html(client.get(reverse("core:resident_list"), {"page": 2}))
    assert zh("Page %(number)s of %(total)s") % {"number": 1, "total": 2} in first
    assert first.count('class="primary-cell"') == 25
    assert second.count('class="primary-cell"') == 5


# --- project isolation (R-GEN-01) ------------------------------------------------------------
@pytest.mark.parametrize(
    ("url_name", "key", "method"),
    [
        ("core:building_detail", "building", "get"),
        ("core:building_edit", "building", "get"),
        ("core:building_edit", "building", "post"),
        ("core:building_delete", "building", "post"),
        ("core:unit_detail", "unit", "get"),
        ("core:unit_edit", "unit", "get"),
        ("core:unit_delete", "unit", "post"),
        ("core:resident_detail", "resident", "get"),
        ("core:resident_edit", "resident", "get"),
        ("core:resident_edit", "resident", "post"),
        ("core:resident_link", "resident", "post"),
    ],
)
def test_r_gen_01_objects_of_another_project_are_404(
    client, clerk_a, estate_b, url_name, key, method
):
    login(client, clerk_a)
    url = reverse(url_name, args=[estate_b[key].pk])
    response = getattr(client, method)(
        url, {"name": "改名", "code": "X"} if method == "post" else {}
    )
    assert response.status_code == 404
    # and nothing of project B changed
    assert Building.objects.filter(pk=estate_b["building"].pk, name="9栋B").exists()
    assert Unit.objects.filter(pk=estate_b["unit"].pk).exists()
    assert Resident.objects.get(pk=estate_b["resident"].pk).name == "王五乙"


def test_r_gen_01_ending_another_projects_link_is_404(client, clerk_a, estate_b):
    occupancy = Occupancy.objects.get(resident=estate_b["resident"])
    login(client, clerk_a)
    response = client.post(
        reverse("core:occupancy_end", args=[occupancy.pk]), {"end_date": "2026-01-31"}
    )
    assert response.status_code == 404
    occupancy.refresh_from_db()
    assert occupancy.end_date is None


def test_r_gen_01_rows_of_another_project_are_not_listed(client, clerk_a, estate, estate_b):
    login(client, clerk_a)
    assert "王五乙" not in html(client.get(reverse("core:resident_list")))
    assert "0909" not in html(client.get(reverse("core:unit_list")))
    assert "9栋B" not in html(client.get(reverse("core:building_list")))
    # not even when searched for by name or pinyin initials
    assert "王五乙" not in html(client.get(reverse("core:resident_list"), {"q": "wwy"}))


# --- masking (R-GEN-09) ----------------------------------------------------------------------
def test_r_gen_09_engineer_sees_masked_phone_and_id_in_list_and_detail(client, engineer_a, estate):
    zhang = estate["zhang"]
    login(client, engineer_a)
    listing = html(client.get(reverse("core:resident_list")))
    detail = html(client.get(reverse("core:resident_detail", args=[zhang.pk])))
    unit_page = html(client.get(reverse("core:unit_detail", args=[estate["unit"].pk])))
    for page in (listing, detail, unit_page):
        assert "138****5678" in page
        assert "13812345678" not in page
    masked_id = f"{zhang.id_number[:3]}***********{zhang.id_number[-4:]}"
    assert masked_id in detail
    assert zhang.id_number not in detail


def test_r_gen_09_clerk_sees_phone_and_id_in_clear(client, clerk_a, estate):
    zhang = estate["zhang"]
    login(client, clerk_a)
    listing = html(client.get(reverse("core:resident_list")))
    detail = html(client.get(reverse("core:resident_detail", args=[zhang.pk])))
    assert "13812345678" in listing
    assert "13812345678" in detail
    assert zhang.id_number in detail


def test_engineer_gets_no_edit_buttons_and_cannot_post(client, engineer_a, estate):
    zhang = estate["zhang"]
    login(client, engineer_a)
    detail = html(client.get(reverse("core:resident_detail", args=[zhang.pk])))
    assert reverse("core:resident_edit", args=[zhang.pk]) not in detail
    assert reverse("core:resident_link", args=[zhang.pk]) not in detail
    response = client.post(reverse("core:resident_edit", args=[zhang.pk]), {"name": "张三丰"})
    assert response.status_code == 403
    assert Resident.objects.get(pk=zhang.pk).name == "张三"


# --- forms: errors beside the field, in Chinese, nothing written -----------------------------
def test_r_gen_11_bad_id_checksum_is_shown_beside_the_field_and_nothing_is_written(
    client, clerk_a, project_a
):
    login(client, clerk_a)
    good = make_id_number(7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(
        reverse("core:resident_create"),
        {"name": "赵六", "salutation": "mr", "mobile": "13800138000", "id_number": bad},
    )
    page = html(response)
    assert response.status_code == 200
    assert zh("The check digit of the ID-card number is wrong; please check it") in field_errors(
        page, "id_number"
    )
    assert zh("Please correct the highlighted fields") in page
    # what was typed is kept
    assert 'value="赵六"' in page
    assert f'value="{bad}"' in page
    assert not Resident.objects.filter(name="赵六").exists()


def test_r_gen_11_bad_phone_is_shown_beside_the_field_and_nothing_is_written(
    client, clerk_a, project_a
):
    login(client, clerk_a)
    response = client.post(reverse("core:resident_create"), {"name": "钱七", "mobile": "1234"})
    page = html(response)
    assert zh("Enter an 11-digit mainland mobile number, e.g. 13800138000") in field_errors(
        page, "mobile"
    )
    assert not Resident.objects.filter(name="钱七").exists()


def test_duplicate_unit_number_is_shown_beside_the_field_and_nothing_is_written(
    client, clerk_a, estate
):
    login(client, clerk_a)
    before = Unit.objects.count()
    response = client.post(
        reverse("core:unit_create"),
        {
            "building": estate["building"].pk,
            "number": "0301",
            "floor": 3,
            "area": "90.00",
            "status": "vacant",
        },
    )
    page = html(response)
    assert zh("Unit {number} already exists in {building}", number="0301", building="1栋") in (
        field_errors(page, "number")
    )
    assert Unit.objects.count() == before


def test_create_building_unit_and_resident_then_link_and_see_the_history(
    client, clerk_a, project_a
):
    login(client, clerk_a)
    # when a clerk adds a building, a unit in it and a resident
    response = client.post(
        reverse("core:building_create"), {"code": "5", "name": "5栋", "floors": 18}
    )
    building = Building.objects.get(project=project_a, code="5")
    assert response.url == reverse("core:building_detail", args=[building.pk])
    client.post(
        reverse("core:unit_create"),
        {
            "building": building.pk,
            "number": "1801",
            "floor": 18,
            "area": "120.5",
            "status": "vacant",
        },
    )
    unit = Unit.objects.get(building=building, number="1801")
    assert unit.area == Decimal("120.50")
    client.post(
        reverse("core:resident_create"),
        {"name": "孙八", "salutation": "mr", "mobile": "139 0000 1111"},
    )
    resident = Resident.objects.get(project=project_a, name="孙八")
    assert resident.mobile == "13900001111"
    # and links the resident to the unit as owner
    response = client.post(
        reverse("core:resident_link", args=[resident.pk]),
        {"unit": unit.pk, "role": "owner", "start_date": "2026-01-05"},
    )
    assert response.status_code == 302
    # then the resident page lists the unit and the history shows both steps with the actor
    page = html(client.get(reverse("core:resident_detail", args=[resident.pk])))
    assert "5栋-1801" in page
    assert zh("Resident registered") in page
    assert zh("Linked to a unit") in page
    assert "王前台" in page


def test_r_gen_04_edit_shows_the_changed_fields_in_the_history(client, clerk_a, estate):
    unit = estate["unit"]
    login(client, clerk_a)
    response = client.post(
        reverse("core:unit_edit", args=[unit.pk]),
        {
            "building": unit.building_id,
            "number": unit.number,
            "floor": unit.floor,
            "area": "89.50",
            "status": "decorating",
            "note": "装修到三月",
        },
    )
    assert response.status_code == 302
    event = TimelineEvent.objects.get(action="unit.updated", object_id=str(unit.pk))
    assert event.from_state == "vacant"
    assert event.to_state == "decorating"
    page = html(client.get(reverse("core:unit_detail", args=[unit.pk])))
    assert zh("Unit changed") in page
    assert f"{zh('Vacant')} → {zh('Decorating')}" in page
    assert "装修到三月" in page


def test_resident_link_errors_stay_on_the_resident_page(client, clerk_a, estate):
    zhang = estate["zhang"]
    login(client, clerk_a)
    response = client.post(
        reverse("core:resident_link", args=[zhang.pk]),
        {"unit": estate["unit"].pk, "role": "owner"},
    )
    # already the owner of that unit: the message is shown beside the unit field
    assert response.status_code == 422
    assert field_errors(html(response), "unit")
    assert Occupancy.objects.filter(resident=zhang).count() == 1


def test_end_link_closes_the_occupancy(client, clerk_a, estate):
    occupancy = Occupancy.objects.get(resident=estate["li"])
    login(client, clerk_a)
    response = client.post(
        reverse("core:occupancy_end", args=[occupancy.pk]),
        {"end_date": "2026-01-31", "resident": estate["li"].pk},
    )
    assert response.url == reverse("core:resident_detail", args=[estate["li"].pk])
    occupancy.refresh_from_db()
    assert str(occupancy.end_date) == "2026-01-31"


def test_delete_building_with_units_is_refused_and_an_empty_one_is_deleted(client, clerk_a, estate):
    login(client, clerk_a)
    full = estate["building"]
    response = client.post(reverse("core:building_delete", args=[full.pk]), follow=True)
    assert zh("The building still has units; remove them first") in html(response)
    assert Building.objects.filter(pk=full.pk).exists()
    empty = BuildingFactory(project=full.project, code="8", name="8栋")
    response = client.post(reverse("core:building_delete", args=[empty.pk]))
    assert response.url == reverse("core:building_list")
    assert not Building.objects.filter(pk=empty.pk).exists()


def test_delete_unit_without_residents(client, clerk_a, estate):
    login(client, clerk_a)
    spare = UnitFactory(building=estate["building"], number="0302")
    response = client.post(reverse("core:unit_delete", args=[spare.pk]))
    assert response.url == reverse("core:unit_list")
    assert not Unit.objects.filter(pk=spare.pk).exists()
    # a unit with residents on record stays
    client.post(reverse("core:unit_delete", args=[estate["unit"].pk]))
    assert Unit.objects.filter(pk=estate["unit"].pk).exists()


def test_resident_edit_keeps_the_id_number_and_saves_changes(client, clerk_a, estate):
    zhang = estate["zhang"]
    login(client, clerk_a)
    form_page = html(client.get(reverse("core:resident_edit", args=[zhang.pk])))
    assert f'value="{zhang.id_number}"' in form_page
    response = client.post(
        reverse("core:resident_edit", args=[zhang.pk]),
        {
            "name": "张三",
            "salutation": "mr",
            "mobile": "13812340000",
            "id_number": zhang.id_number,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.mobile == "13812340000"
    assert zhang.is_active is True
    # the history keeps personal data masked
    event = TimelineEvent.objects.get(action="resident.updated", object_id=str(zhang.pk))
    assert event.data["changes"]["mobile"] == ["138****5678", "138****0000"]


def test_services_and_pages_agree_on_created_objects(client, clerk_a, project_a):
    # a resident created through the service shows up on the page with its history
    resident = masterdata.create_resident(
        actor=clerk_a, project_id=project_a.pk, data={"name": "周九", "mobile": "13600000000"}
    )
    login(client, clerk_a)
    page = html(client.get(reverse("core:resident_detail", args=[resident.pk])))
    assert "周九" in page
    assert zh("Resident registered") in page
