"""The rotation queue in a real browser (issue 4 "a rotation board (TV-friendly page) shows today's
queues, who is next, credits and skips, live"): the duty manager reports a visitor on the console
(phone-sized) and the TV board in another browser shows the receiver busy and the next person
without a reload; the explanation appears on the console."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.test_reception_intercom import _context, _logged_in, asgi_server  # noqa: F401
from propdesk.reception.models import TurnRecord
from propdesk.reception.services import rotation, rotation_setup
from propdesk.reception.tests.floor import centre, supervisor  # noqa: F401
from propdesk.reception.tests.rota import rota  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _open_today(floor: dict[str, Any]) -> None:
    today = timezone.localdate()
    rotation_setup.plan_day(
        actor=floor["manager"],
        project_id=floor["project"].pk,
        day=today,
        duties={"A": "visit", "B": "phone"},
        duty_shifts=[{"staff": floor["manager"].pk, "start": "00:00", "end": "23:59"}],
        open_from=dt.time(0, 0),
        open_until=dt.time(23, 59),
    )
    rotation.open_rota_day(actor=floor["manager"], project_id=floor["project"].pk, day=today)


def test_a_visitor_reported_on_the_console_shows_on_the_tv_board_live(
    browser,
    asgi_server,  # noqa: F811
    rota,  # noqa: F811
    screenshots,
):
    _open_today(rota)
    console_context = _context(browser)
    tv_context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    tv_context.set_default_timeout(10_000)
    try:
        _logged_in(console_context, asgi_server, rota["manager"])
        _logged_in(tv_context, asgi_server, rota["manager"])
        tv = tv_context.new_page()
        tv.goto(f"{asgi_server}/reception/rotation/board/")
        tv.wait_for_selector("#link-status.online")
        expect(tv.locator("#tv-next-visit")).to_have_text("甲1")
        tv.evaluate("window.__notReloaded = true")

        console = console_context.new_page()
        console.goto(f"{asgi_server}/reception/rotation/")
        console.wait_for_selector("#link-status.online")
        assert console.evaluate("document.documentElement.scrollWidth") <= 360
        button = console.locator("button", has_text="来访:由谁接待?")
        assert button.bounding_box()["height"] >= 44
        button.tap()

        # the console says who receives and why; the TV board follows without a reload
        expect(console.locator("#toast")).to_have_text("来访按接访轮序由甲1接待,计一轮接待。")
        expect(tv.locator("#tv-next-visit")).to_have_text("甲2")
        expect(tv.locator(".rota-queue.visit .seat.busy .name")).to_have_text("甲1")
        assert tv.evaluate("window.__notReloaded") is True
        tv.screenshot(path=str(screenshots / "reception-rotation-tv-board.png"))
        console.screenshot(path=str(screenshots / "reception-rotation-console-phone.png"))

        # the reception ends from the console; the board shows 甲1 waiting again
        console.locator(".rota-receptions button", has_text="接待结束").tap()
        expect(tv.locator(".rota-queue.visit .seat.busy")).to_have_count(0)
    finally:
        console_context.close()
        tv_context.close()

    assert list(TurnRecord.objects.order_by("seq").values_list("event", flat=True)) == [
        "visit",
        "visit_ended",
    ]
