"""The sales-centre floor in real browsers (issue 4): a call sent from the gate's page appears on
the sales centre's page without a reload and is acknowledged there, and the gate sees the
acknowledgement; then one walk-in is played from the gate to departure with every intercom call
acknowledged on the callee's page.

Server: the post screens listen to server-sent events, which the production server streams from
an async iterator under ASGI. pytest-django's `live_server` is a WSGI server (it would need the
blocking fallback, one thread per open screen), so these tests start the real thing — uvicorn on
`propdesk.asgi:application`, as `propdesk serve` does — in a child process on a free port, against
the test database (SQLite file or PostgreSQL) the test fills and commits (`transaction=True`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from propdesk.conftest import PASSWORD, free_port, test_database_url
from propdesk.core.models import Membership, Role
from propdesk.core.tests.factories import ProjectFactory, StaffFactory
from propdesk.reception.models import IntercomCall, VipRoom, Visit
from propdesk.reception.tests.floor import PEOPLE, place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 10_000  # ms: a pushed call must show well within this


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[str]:
    """uvicorn serving PropDesk (ASGI) against the test database; yields its base URL. One per
    test: the database is flushed between tests, which renumbers the content types a running
    server would keep cached."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "PROPDESK_TESTING": "1",
        "PROPDESK_VAR_DIR": str(settings.VAR_DIR),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)  # in-process push: one server process holds every screen
    process = subprocess.Popen(  # noqa: S603 - our own server
        [
            sys.executable,
            "-m",
            "uvicorn",
            "propdesk.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "2",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/login/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start (exit code {process.poll()})")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def centre_floor(db: None) -> dict[str, object]:
    """A sales centre with its VIP rooms, one person at each post and the duty manager."""
    project = ProjectFactory(
        code="jiazhou", name="加州1885售楼处", script_name="加州1885", kind="sales_centre"
    )
    for i, number in enumerate(("1", "2")):
        VipRoom.objects.create(project=project, number=number, sort=i)
    people = {
        post: place(StaffFactory(name=name, company=project.company), project, post, role)
        for post, (name, role) in PEOPLE.items()
    }
    manager = StaffFactory(name="赵经理", company=project.company)
    Membership.objects.create(
        staff=manager, project=project, role=Role.objects.get(code="duty_manager")
    )
    return {"project": project, "people": people, "manager": manager}


def _context(browser: object) -> object:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(TIMEOUT)
    return context


def _logged_in(context: object, base: str, staff: object) -> None:
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(f"{base}/login/")
    page.fill("#id_username", staff.user.username)  # type: ignore[attr-defined]
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/")
    page.close()


def _screen(context: object, base: str, post: str) -> object:
    """Open a post's screen and wait until its push channel is connected."""
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(f"{base}/reception/post/{post}/")
    page.wait_for_selector("#link-status.online")
    return page


def _incoming(page: object, text: str) -> object:
    """The call card showing `text` in the page's incoming list (waits for it to arrive)."""
    card = page.locator("#incoming .call-card", has_text=text)  # type: ignore[attr-defined]
    card.wait_for()
    return card


def _height(locator: object) -> float:
    """The rendered height of an element that a screen refresh may replace at any moment.

    `bounding_box()` answers None when the element is swapped out between being found and
    measured, so measure again (the refresh keeps the same buttons) until one sticks.
    """
    for _ in range(50):
        box = locator.bounding_box()  # type: ignore[attr-defined]
        if box is not None:
            return float(box["height"])
        locator.page.wait_for_timeout(100)  # type: ignore[attr-defined]
    raise AssertionError("the element never stayed on the page long enough to be measured")


def _tap(page: object, selector: str) -> None:
    """Tap a button that posts without a reload and wait for the screen to refresh."""
    with page.expect_response(  # type: ignore[attr-defined]
        lambda r: "/live/" in r.url and r.request.method == "GET"
    ):
        page.locator(selector).first.tap()  # type: ignore[attr-defined]


def test_a_call_from_the_gate_appears_on_the_sales_centre_page_and_is_acknowledged_there(
    browser, asgi_server, centre_floor, screenshots
):
    people = centre_floor["people"]
    gate_context, centre_context = _context(browser), _context(browser)
    try:
        _logged_in(gate_context, asgi_server, people["L1"])
        _logged_in(centre_context, asgi_server, people["CENTRE"])
        gate = _screen(gate_context, asgi_server, "L1")
        centre = _screen(centre_context, asgi_server, "CENTRE")
        centre.evaluate("window.__notReloaded = true")
        assert gate.evaluate("document.documentElement.scrollWidth") <= 360

        # when L1 registers a walk-in and asks the sales centre (tap, tap)
        gate.fill("input[name=client_name]", "王")
        gate.fill("input[name=party_size]", "3")
        gate.fill("input[name=appearance]", "灰色西装")
        _tap(gate, ".visit-form button[type=submit]")
        _tap(gate, "button[name=action][value=ask_capacity]")

        # then the question appears on the sales centre's page without a reload
        question = "我是L1岗,呼叫销售中心,目前有一组客户要来参观,现在是否能接待,收到请回答。"
        card = _incoming(centre, question)
        assert centre.evaluate("window.__notReloaded") is True
        # (the card may first arrive from the push and get its buttons when the screen refreshes)
        expect(card.locator("button.ack")).to_have_text(["可以接待", "无法接待"])
        assert _height(card.locator("button.ack").first) >= 44
        centre.screenshot(path=str(screenshots / "reception-centre-incoming-phone.png"))

        # and the sales centre answers in one tap; the card goes
        card.locator("button.ack", has_text="可以接待").tap()
        centre.locator("#incoming .call-card", has_text=question).wait_for(state="detached")

        # and the gate's page sees the answer and its next step, still without a reload
        gate.locator("#sent li.state-acknowledged", has_text="可以接待").wait_for()
        gate.locator("button[name=action][value=to_parking]").wait_for()
        gate.screenshot(path=str(screenshots / "reception-gate-after-answer-phone.png"))
    finally:
        gate_context.close()
        centre_context.close()

    call = IntercomCall.objects.get(template="capacity_query")
    assert (call.state, call.reply, call.acknowledged_post, call.acknowledged_by) == (
        "acknowledged",
        "可以接待",
        "CENTRE",
        people["CENTRE"],
    )
    assert Visit.objects.get().stage == "at_gate"


def test_a_walk_in_from_the_gate_to_departure_with_every_call_acknowledged_on_its_page(
    browser, asgi_server, centre_floor, screenshots
):
    people, manager = centre_floor["people"], centre_floor["manager"]
    contexts: list[object] = []

    def device(staff: object, post: str) -> object:
        """One phone per post: its own browser context, logged in, on the post's screen."""
        context = _context(browser)
        contexts.append(context)
        _logged_in(context, asgi_server, staff)
        return _screen(context, asgi_server, post)

    try:
        gate = device(people["L1"], "L1")
        centre = device(people["CENTRE"], "CENTRE")
        # the duty manager covers the car park, X1 and the butler (supervisors may act anywhere)
        parking = device(manager, "L2")
        manager_x1 = device(manager, "X1")
        butler = device(manager, "G1")

        # gate: register, ask; centre: 可以接待
        gate.fill("input[name=client_name]", "王")
        gate.fill("input[name=party_size]", "2")
        gate.fill("input[name=appearance]", "灰色西装")
        _tap(gate, ".visit-form button[type=submit]")
        _tap(gate, "button[name=action][value=ask_capacity]")
        _incoming(centre, "现在是否能接待").locator("button.ack", has_text="可以接待").tap()

        # gate: to the car park — the reception centre is told and every post gets the broadcast
        gate.locator("button[name=action][value=to_parking]").wait_for()
        _tap(gate, "button[name=action][value=to_parking]")
        _incoming(centre, "王先生一行2人已前往展示中心").locator("button.ack").tap()
        _incoming(centre, "请各岗位做好接待工作").locator("button.ack").tap()
        _incoming(butler, "体貌特征:灰色西装").locator("button.ack").tap()

        # car park → door → reception area → model area
        parking.locator("button[name=action][value=to_door]").wait_for()
        _tap(parking, "button[name=action][value=to_door]")
        manager_x1.locator("button[name=action][value=to_reception_area]").wait_for()
        _tap(manager_x1, "button[name=action][value=to_reception_area]")
        _tap(manager_x1, "button[name=action][value=to_model_area]")

        # X1 asks the butler for a VIP room (R-RADIO-07); the butler answers and makes it ready
        _tap(manager_x1, "#live .call-form:has(input[value=vip_room_request]) button.call")
        request = _incoming(butler, "即将前往VIP室请做好接待准备")
        request.locator("button.ack").tap()
        butler.locator(".call-list.finish button", has_text="已做好接待准备").tap()
        _incoming(manager_x1, "VIP1已经做好接待准备").locator("button.ack").tap()

        # into the room, the see-off, departure
        manager_x1.locator("button[name=action][value=to_vip_room]").wait_for()
        _tap(manager_x1, "button[name=action][value=to_vip_room]")
        _tap(manager_x1, "button[name=action][value=announce_leaving]")
        _incoming(centre, "王先生即将离场,请做好送客准备").locator("button.ack").tap()
        _tap(manager_x1, "button[name=action][value=depart]")

        # the butler calls the water bar to clean the room; the water bar answers and cleans it
        cleanup = "#live .call-form:has(input[value=room_cleanup]) button.call"
        butler.locator(cleanup).wait_for()
        _tap(butler, cleanup)
        water_bar = device(people["S1"], "S1")
        _incoming(water_bar, "VIP1客人已离去请前去打扫").locator("button.ack").tap()
        water_bar.locator(".call-list.finish button", has_text="已打扫").tap()
        butler.locator(cleanup).wait_for(state="detached")
        water_bar.screenshot(path=str(screenshots / "reception-water-bar-phone.png"))
    finally:
        for context in contexts:
            context.close()  # type: ignore[attr-defined]

    visit = Visit.objects.get()
    assert visit.stage == "departed"
    assert [s for s in visit.steps.order_by("at", "id").values_list("stage", flat=True)] == [
        "at_gate",
        "capacity_check",
        "at_gate",
        "parking",
        "at_door",
        "reception_area",
        "model_area",
        "vip_room",
        "leaving",
        "departed",
    ]
    room = VipRoom.objects.get(number="1")
    assert (room.state, room.current_visit_id) == ("free", None)
    unanswered = IntercomCall.objects.filter(acknowledged_at__isnull=True)
    assert list(unanswered.values_list("template", flat=True)) == []
