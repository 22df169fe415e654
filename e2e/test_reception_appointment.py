"""Client card and appointment in real browsers (R-ROTA-14): on a phone a salesperson fills
《加州1885VIP资料卡》, drafts an appointment by tapping one of the quietest slots and submits it;
on a second page the department manager sees it waiting, approves it, and the floor's list of the
day shows the client expected at the gate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from propdesk.conftest import PASSWORD
from propdesk.core.models import Membership, Role
from propdesk.core.tests.factories import ProjectFactory, StaffFactory
from propdesk.reception.models import Appointment, ClientCard
from propdesk.reception.tests.floor import place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def centre(db: None) -> dict[str, object]:
    project = ProjectFactory(
        code="jiazhou", name="加州1885售楼处", script_name="加州1885", kind="sales_centre"
    )
    seller = place(StaffFactory(name="张伟", company=project.company), project, "X1", "salesperson")
    manager = StaffFactory(name="赵经理", company=project.company)
    Membership.objects.create(
        staff=manager, project=project, role=Role.objects.get(code="dept_manager")
    )
    return {"project": project, "seller": seller, "manager": manager}


def _page(browser, base: str, staff) -> object:
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(30_000)  # a loaded 2-core CI host
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", staff.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/")
    return page


def test_a_salesperson_drafts_an_appointment_and_a_manager_approves_it(
    browser, live_server, centre, screenshots
):
    base = live_server.url
    seller = _page(browser, base, centre["seller"])
    manager = _page(browser, base, centre["manager"])
    try:
        # the salesperson fills the card, called by the project's name
        seller.goto(f"{base}/reception/cards/new/")
        expect(seller.locator("h1")).to_contain_text("《加州1885VIP资料卡》")
        seller.fill("#id_name", "王大明")
        seller.fill("#id_mobile", "13800138000")
        seller.fill("#id_party_size", "3")
        seller.locator("#card-form button.primary").tap()
        expect(seller.locator("#card-owner")).to_have_text("张伟")
        card = ClientCard.objects.get()

        # drafts an appointment for tomorrow: one tap on the quietest slot fills the time
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        seller.locator("#new-appointment").tap()
        seller.fill("#pick-day", tomorrow.isoformat())
        seller.locator("#show-slots").tap()
        # the slots of that day replace today's: read the chip only once they are there
        seller.wait_for_url(f"**day={tomorrow.isoformat()}**")
        first = seller.locator("#quiet-slots a.chip").first
        slot = first.get_attribute("data-time")
        first.tap()
        expect(seller.locator("#id_time")).to_have_value(slot)
        assert seller.locator("#id_submit_now").is_checked()
        seller.screenshot(path=str(screenshots / "appointment-form-phone.png"))
        seller.locator("#appointment-form button.primary").tap()
        expect(seller.locator("#appointment-state")).to_have_attribute("data-state", "pending")
        appt = Appointment.objects.get(card=card)
        assert appt.state == "pending"

        # the manager sees it waiting on a second page and approves it
        manager.goto(f"{base}/reception/appointments/")
        manager.locator("#pending a", has_text="王大明").tap()
        manager.locator("button[data-action=approve]").tap()
        expect(manager.locator("#appointment-state")).to_have_attribute("data-state", "approved")
        appt.refresh_from_db()
        assert (appt.state, appt.approved_by) == ("approved", centre["manager"])

        # the floor's list of that day shows who the gate expects
        seller.goto(f"{base}/reception/appointments/?day={tomorrow.isoformat()}")
        expect(seller.locator("#expected")).to_contain_text("王大明")
        expect(seller.locator("#expected")).to_contain_text(slot)
        width = seller.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
    finally:
        seller.context.close()
        manager.context.close()
