"""The master-data flow in a real browser (issue item 11): log in on the Chinese login page,
switch project, find a resident by pinyin initials, open the resident and their unit; and the
same pages on a 360 px phone without horizontal scrolling."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from propdesk.conftest import log_in_page as log_in
from propdesk.core.models import Occupancy
from propdesk.core.tests.factories import BuildingFactory, ResidentFactory, UnitFactory, grant

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def estate(project_a, project_b, clerk_a):
    """The clerk works in both projects; the residents to find live in project B."""
    grant(clerk_a, project_b, "cs_staff")
    building = BuildingFactory(project=project_b, code="3", name="3栋")
    unit = UnitFactory(building=building, number="1202", floor=12, area=Decimal("126.80"))
    zhang = ResidentFactory(project=project_b, name="张三", mobile="13812345678")
    li = ResidentFactory(project=project_b, name="李四", salutation="ms")
    Occupancy.objects.create(unit=unit, resident=zhang, role="owner")
    Occupancy.objects.create(unit=unit, resident=li, role="tenant")
    ResidentFactory(project=project_a, name="赵翠湖")
    return {"unit": unit, "zhang": zhang}


def test_clerk_finds_a_resident_by_pinyin_initials_and_opens_the_unit(
    desktop, live_server, clerk_a, project_b, estate, screenshots
):
    page = desktop
    # given the Chinese login page
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("button.primary").inner_text() == "登录"
    page.screenshot(path=str(screenshots / "login-desktop.png"))
    log_in(page, live_server, clerk_a)

    # when the clerk switches to project B from the switcher (it submits itself)
    page.goto(f"{live_server.url}/masterdata/residents/")
    with page.expect_navigation():
        page.select_option("#project-switch", str(project_b.pk))
    assert page.locator("#project-switch").input_value() == str(project_b.pk)
    assert page.url.endswith("/masterdata/residents/")
    assert "赵翠湖" not in page.locator("#results").inner_text()

    # and types the pinyin initials "zs" into the live search box (HTMX swaps the table)
    with page.expect_response(re.compile(r"/masterdata/residents/\?q=zs")):
        page.fill("#id_q", "zs")
        page.locator("#id_q").press("s")
        page.locator("#id_q").press("Backspace")
    page.wait_for_function("() => !document.querySelector('#results').innerText.includes('李四')")
    results = page.locator("#results").inner_text()
    assert "张三" in results
    assert "李四" not in results
    page.screenshot(path=str(screenshots / "residents-search-desktop.png"), full_page=True)

    # then the resident page shows the unit, and the unit page its building and residents
    page.click("#results >> text=张三")
    page.wait_for_url(re.compile(r"/masterdata/residents/\d+/$"))
    assert page.locator("h1").inner_text().startswith("张三")
    assert "13812345678" in page.locator(".fields").inner_text()
    page.screenshot(path=str(screenshots / "resident-desktop.png"), full_page=True)
    page.click("text=3栋-1202")
    page.wait_for_url(re.compile(rf"/masterdata/units/{estate['unit'].pk}/$"))
    assert page.locator("h1").inner_text() == "3栋-1202"
    body = page.locator("main").inner_text()
    assert "126.80 ㎡" in body
    assert "李四" in body
    page.screenshot(path=str(screenshots / "unit-desktop.png"), full_page=True)
    page.goto(f"{live_server.url}/settings/calendar/?month=2026-10")
    assert "国庆节" in page.locator(".month").inner_text()
    page.screenshot(path=str(screenshots / "calendar-desktop.png"), full_page=True)


def test_phone_pages_fit_360_px_without_horizontal_scrolling(
    phone, live_server, clerk_a, project_b, estate, screenshots
):
    page = phone
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    log_in(page, live_server, clerk_a)
    with page.expect_navigation():
        page.select_option("#project-switch", str(project_b.pk))

    pages = {
        "workbench": "/",
        "residents": "/masterdata/residents/",
        "resident": f"/masterdata/residents/{estate['zhang'].pk}/",
        "unit": f"/masterdata/units/{estate['unit'].pk}/",
        "resident-form": "/masterdata/residents/new/",
        "calendar": "/settings/calendar/?month=2026-10",
    }
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
        page.screenshot(path=str(screenshots / f"{name}-phone.png"), full_page=True)

    # the navigation is folded behind the menu button, which is big enough to tap
    assert not page.locator("#sidebar").is_visible()
    button = page.locator(".menu-button").bounding_box()
    assert button["height"] >= 44
    assert button["width"] >= 44
    page.click(".menu-button")
    assert page.locator("#sidebar").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshots / "menu-phone.png"))
