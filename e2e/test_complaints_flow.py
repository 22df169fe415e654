"""A PCS complaint from phone intake to closure in real browsers (issue 3 "Done when"): the
butler records a phone complaint with the read-back, classifies, verifies and transfers it to
engineering; the engineering head, in a second browser, accepts it with a deadline and reports
the result from the department inbox; the butler replies and revisits (satisfied, signed); the
manager reviews and closes. Then the same pages on a 360 px phone without horizontal scrolling."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from propdesk.complaints.models import Complaint, ContactSheet, SheetState
from propdesk.complaints.tests.conftest import community, pcs_team, person  # noqa: F401
from propdesk.complaints.workflows import State
from propdesk.conftest import log_in_page as log_in
from propdesk.core.models import Occupancy
from propdesk.core.tests.factories import BuildingFactory, ResidentFactory, UnitFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zhang(community):  # noqa: F811
    building = BuildingFactory(project=community, code="1", name="1栋")
    unit = UnitFactory(building=building, number="0301", floor=3, area=Decimal("89.50"))
    resident = ResidentFactory(project=community, name="张三", mobile="13812345678")
    Occupancy.objects.create(unit=unit, resident=resident, role="owner")
    ResidentFactory(project=community, name="李四", mobile="13987654321")
    return {"resident": resident, "unit": unit}


def _context(browser, **kw):
    context = browser.new_context(locale="zh-CN", **kw)
    context.set_default_timeout(10_000)
    return context


def _take(page, action: str) -> None:
    """Open an action's form on the complaint page (HTMX loads it inline)."""
    page.click(f'#actions a[data-action="{action}"]')
    page.wait_for_selector("#action-form form")


def _submit(page) -> None:
    with page.expect_navigation():
        page.click('#action-form button[type="submit"]')


def _state(page) -> str:
    return page.locator("#state-badge").inner_text()


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_pcs_phone_complaint_from_intake_to_closure(
    browser,
    live_server,
    pcs_team,  # noqa: F811
    community,  # noqa: F811
    zhang,
    screenshots,
):
    butler, engineer, manager = pcs_team["butler"], pcs_team["engineer"], pcs_team["manager"]
    desk = _context(browser, viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    log_in(page, live_server, butler)

    # the butler opens the complaints module and starts an intake
    page.goto(f"{live_server.url}/complaints/")
    page.click('.page-head a[href="/complaints/new/"]')
    page.wait_for_url(re.compile(r"/complaints/new/$"))
    assert "先处理心情,后处理事情" in page.locator(".guidance").inner_text()
    # a phone call: the phone channel is chosen, the read-back box is shown
    assert page.locator('input[name="channel"][value="phone"]').is_checked()
    assert page.locator("#read-back").is_visible()
    page.click('label.choice-chip:has(input[name="kind"][value="complaint"])')

    # the caller is found by pinyin initials; picking fills name and room
    page.fill("#id_who", "zs")
    page.wait_for_selector("#who-results a")
    assert "李四" not in page.locator("#who-results").inner_text()
    page.click("#who-results a")
    page.wait_for_selector("#complainant .picked")
    assert page.input_value("#id_complainant_name") == "张三"
    assert "1栋-0301" in page.locator("#complainant .picked").inner_text()

    page.fill("#id_location", "1栋0301卫生间")
    page.fill("#id_people_involved", "楼上住户")
    page.fill("#id_content", "楼上漏水，卫生间天花板渗水已经三天")
    page.fill("#id_expectation", "尽快维修")
    # the read-back box repeats what was typed
    assert "楼上漏水" in page.locator("#read-back").inner_text()
    page.check("#id_read_back_confirmed")
    page.screenshot(path=str(screenshots / "complaint-intake-desktop.png"), full_page=True)
    with page.expect_navigation():
        page.click('#intake-form .submit-bar button[type="submit"]')
    assert re.search(r"/complaints/\d+/$", page.url)
    complaint = Complaint.objects.get()
    assert complaint.read_back_confirmed
    assert complaint.number in page.locator(".record-head").inner_text()
    assert _state(page) == "已受理"
    assert "13812345678" in page.locator("main").inner_text()

    # classify (level and responsible department), verify, transfer to engineering
    _take(page, "classify")
    page.click('#action-form label.choice-chip:has(input[name="level"][value="general"])')
    page.select_option("#id_department", label="工程部")
    _submit(page)
    assert _state(page) == "已分类"
    _take(page, "verify")
    _submit(page)
    assert _state(page) == "已核实"
    _take(page, "transfer")
    assert page.locator("#id_department_id option:checked").inner_text() == "工程部"
    page.fill("#id_requirement", "今日上门查看")
    page.fill("#id_deadline", _local(timezone.now() + dt.timedelta(days=2)))
    _submit(page)
    assert _state(page) == "已转部门"
    sheet = ContactSheet.objects.get(complaint=complaint)
    assert sheet.state == SheetState.ISSUED
    assert sheet.number in page.locator("#sheets").inner_text()
    page.screenshot(path=str(screenshots / "complaint-transferred-desktop.png"), full_page=True)

    # the engineering head, in a second browser, works from the department inbox
    works = _context(browser, viewport={"width": 1280, "height": 900})
    eng = works.new_page()
    log_in(eng, live_server, engineer)
    eng.goto(f"{live_server.url}/complaints/sheets/")
    card = eng.locator(f"#sheet-{sheet.pk}")
    assert "今日上门查看" in card.inner_text()
    card.locator('input[name="rectification_deadline"]').fill(
        _local(timezone.now() + dt.timedelta(days=1))
    )
    with eng.expect_navigation():
        card.locator('form[action$="/accept/"] button[type="submit"]').click()
    assert eng.url.endswith("/complaints/sheets/")
    assert Complaint.objects.get().state == State.IN_PROGRESS
    card = eng.locator(f"#sheet-{sheet.pk}")
    card.locator('textarea[name="result"]').fill("已更换楼上防水层，渗水停止")
    with eng.expect_navigation():
        card.locator('form[action$="/feedback/"] button[type="submit"]').click()
    assert eng.locator(f"#sheet-{sheet.pk}").count() == 0
    eng.screenshot(path=str(screenshots / "complaint-inbox-desktop.png"), full_page=True)
    works.close()

    # the butler replies and revisits: satisfied, the owner signs
    page.reload()
    assert _state(page) == "处理中"
    assert "已更换楼上防水层" in page.locator("#sheets").inner_text()
    _take(page, "reply")
    page.fill("#id_result", "已修复并告知业主")
    _submit(page)
    assert _state(page) == "已回复客户"
    _take(page, "revisit")
    page.click('#action-form label.choice-chip:has(input[name="method"][value="phone"])')
    page.click('#action-form label.choice-chip:has(input[name="satisfaction"][value="satisfied"])')
    page.check("#id_customer_signed")
    page.fill("#id_comments", "满意，谢谢")
    _submit(page)
    assert "满意，谢谢" in page.locator("#revisits").inner_text()
    # closing waits for the manager's review (R-COMPLAINT-49): the butler sees why
    assert "须经理先审核" in page.locator("#actions").inner_text()
    desk.close()

    # the manager reviews and closes
    office = _context(browser, viewport={"width": 1280, "height": 900})
    boss = office.new_page()
    log_in(boss, live_server, manager)
    boss.goto(f"{live_server.url}/complaints/{complaint.pk}/")
    _take(boss, "review")
    _submit(boss)
    assert _state(boss) == "经理已审核"
    _take(boss, "close")
    _submit(boss)
    assert _state(boss) == "已结案"
    history = boss.locator("#timeline-title").locator("xpath=..").inner_text()
    for label in ("核实", "转部门", "回访", "经理审核", "结案"):
        assert label in history
    boss.screenshot(path=str(screenshots / "complaint-closed-desktop.png"), full_page=True)
    office.close()
    assert Complaint.objects.get().state == State.CLOSED


def test_complaint_pages_fit_a_360_px_phone(
    phone,
    live_server,
    pcs_team,  # noqa: F811
    community,  # noqa: F811
    zhang,
    screenshots,
):
    from propdesk.complaints.services import intake

    complaint = intake.receive(
        actor=pcs_team["butler"],
        project_id=community.pk,
        data={
            "kind": "complaint",
            "channel": "visit",
            "complainant_name": "张三",
            "phone": "13812345678",
            "content": "楼上漏水，卫生间天花板渗水已经三天，要求尽快维修并赔偿吊顶损失",
            "resident_id": zhang["resident"].pk,
            "unit_id": zhang["unit"].pk,
        },
    )
    page = phone
    log_in(page, live_server, pcs_team["butler"])
    for name, path in {
        "complaints": "/complaints/",
        "complaint-new": "/complaints/new/",
        "complaint": f"/complaints/{complaint.pk}/",
        "complaint-classify": f"/complaints/{complaint.pk}/classify/",
        "complaint-sheets": "/complaints/sheets/",
    }.items():
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
        page.screenshot(path=str(screenshots / f"{name}-phone.png"), full_page=True)
    # the next step sits at the bottom of the screen and is big enough to tap
    page.goto(f"{live_server.url}/complaints/{complaint.pk}/")
    button = page.locator(".page-head .actions a").bounding_box()
    assert button["height"] >= 44
    assert button["y"] + button["height"] > 740 - 80
    # the chips of the intake are big enough to tap
    page.goto(f"{live_server.url}/complaints/new/")
    chip = page.locator("label.choice-chip").first.bounding_box()
    assert chip["height"] >= 44
