"""The floor's pages through the test client: the post picker, each post's screen (only what the
post must do next, with the standard phrase and the project's name filled in; incoming calls with
their big 收到 button), two-tap actions as plain forms and as the screen's live requests, the
supervisor console with response times per post, the room board, and bounded query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from propdesk.core.tests.factories import StaffFactory
from propdesk.reception.models import IntercomCall, VipRoom, Visit
from propdesk.reception.services import calls
from propdesk.reception.tests import floor as floor_module
from propdesk.reception.tests.floor import place, step, to_reception_area

LIVE = {"HTTP_X_PROPDESK_LIVE": "1"}


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages show today's floor: the visits of these tests happen in the last hour (from
    local midnight at the earliest)."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(floor_module, "T0", max(now - dt.timedelta(minutes=70), midnight))


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def texts(html: str, css_class: str) -> list[str]:
    found = re.findall(rf'<[a-z]+ class="{css_class}"[^>]*>(.*?)</', html, flags=re.S)
    return [re.sub(r"\s+", " ", t).strip() for t in found]


def test_the_post_picker_lists_the_projects_posts_own_post_first(client, floor, centre):
    client.force_login(floor["G1"].user)
    html = page(client, reverse("reception:index"))
    codes = re.findall(r'<span class="code">(\w+)</span>', html)
    assert codes[0] == "G1"
    assert sorted(codes) == sorted(
        ["L1", "L2", "Y1", "Y2", "X1", "G1", "S1", "PATROL", "PANTRY", "CENTRE"]
    )
    assert 'class="post-tile mine"' in html
    assert reverse("reception:console") not in html  # not a supervisor


def test_r_site_01_the_gate_screen_shows_the_question_to_ask_and_the_capacity_call(
    client, floor, centre, walk_in
):
    # R-SITE-01
    walk_in()
    client.force_login(floor["L1"].user)

    html = page(client, reverse("reception:post", args=["L1"]))

    assert texts(html, "phrase") == ["先生您好,请问您是来参观展示中心的吗"]
    assert "非预约客户:先询问销售中心能否接待" in html
    assert 'name="action" value="ask_capacity"' in html
    assert '<input type="hidden" name="mode" value="walk_in">' in html  # the walk-in form
    # the screen listens to its own stream
    assert f'data-stream="{reverse("reception:stream")}?post=L1"' in html


def test_r_radio_02_the_sales_centre_sees_the_question_with_its_two_answers_and_answers_in_one_tap(
    client, floor, centre, walk_in
):
    # R-RADIO-02
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)
    question = IntercomCall.objects.get(template="capacity_query")
    client.force_login(floor["CENTRE"].user)

    html = page(client, reverse("reception:post_live", args=["CENTRE"]))

    assert texts(html, "sentence") == [question.text]
    assert re.findall(r'name="reply" value="([^"]+)"', html) == ["可以接待", "无法接待"]
    # the second tap: 可以接待 (plain form post, then back to the screen)
    response = client.post(
        reverse("reception:call_ack", args=[question.pk]),
        {"reply": "可以接待", "post": "CENTRE", "next": reverse("reception:post", args=["CENTRE"])},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reception:post", args=["CENTRE"])
    visit.refresh_from_db()
    assert (visit.stage, visit.capacity_answer) == ("at_gate", "可以接待")
    assert question.text not in page(client, reverse("reception:post_live", args=["CENTRE"]))


def test_r_radio_02_an_incoming_call_shows_a_big_shou_dao_button(client, floor, centre):
    call = calls.send_call(
        actor=floor["X1"], project_id=centre.pk, template="id_copy", slots={"room": "2"}
    )
    client.force_login(floor["G1"].user)

    html = page(client, reverse("reception:post_live", args=["G1"]))

    assert f'data-call="{call.pk}"' in html
    assert re.findall(r'<button type="submit" name="reply" value="收到" class="([^"]+)"', html) == [
        "big primary ack"
    ]
    # live request: JSON, no redirect
    response = client.post(reverse("reception:call_ack", args=[call.pk]), {"post": "G1"}, **LIVE)
    assert (response.status_code, response.json()["ok"]) == (200, True)
    call.refresh_from_db()
    assert call.state == "acknowledged"
    # acknowledged calls with a completion wait under "to finish"
    live = page(client, reverse("reception:post_live", args=["G1"]))
    assert "已复印" in live


def test_r_site_13_the_reception_area_duties_name_the_projects_client_card(
    client, floor, centre, walk_in
):
    # R-SITE-13
    visit = to_reception_area(floor, walk_in())
    client.force_login(floor["X1"].user)

    html = page(client, reverse("reception:post_live", args=["X1"]))

    assert "和客户聊天、介绍流程并让客户填写《加州1885VIP资料卡》" in html
    assert "引导客户就坐,关门,并呼叫S1送水" in html
    # the drinks call is pre-filled with the visit's slots and the standard drink
    form = re.search(
        r'<input type="hidden" name="template" value="drinks">(.*?)</form>', html, re.S
    )
    assert form is not None
    assert 'name="slot_item" value="柠檬水"' in form.group(1)
    assert f'name="visit" value="{visit.pk}"' in html


def test_each_post_sees_only_its_own_next_step(client, floor, centre, walk_in):
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)
    step(floor, visit, "admit", "CENTRE", 2)
    step(floor, visit, "to_parking", "L1", 3)

    client.force_login(floor["L2"].user)
    l2 = page(client, reverse("reception:post_live", args=["L2"]))
    client.force_login(floor["Y1"].user)
    y1 = page(client, reverse("reception:post_live", args=["Y1"]))

    assert "标准姿势引导客户停车(从东往西停)" in l2
    assert 'value="to_door"' in l2
    assert "Y1、Y2同时向客户问好" not in y1
    # the broadcast waits on both screens for their 收到
    assert "请各岗位做好接待工作" in l2
    assert "请各岗位做好接待工作" in y1


def test_a_step_posted_as_a_form_moves_the_visit_and_an_error_comes_back_as_a_message(
    client, floor, centre, walk_in
):
    visit = walk_in()
    client.force_login(floor["L1"].user)
    url = reverse("reception:visit_step", args=[visit.pk])

    refused = client.post(url, {"action": "to_parking", "post": "L1"}, **LIVE)
    assert refused.status_code == 409
    assert refused.json() == {
        "ok": False,
        "message": "非预约客户须先询问销售中心能否接待",
        "errors": {},
    }

    done = client.post(url, {"action": "ask_capacity", "post": "L1"}, follow=True)
    assert done.status_code == 200
    visit.refresh_from_db()
    assert visit.stage == "capacity_check"


def test_l1_registers_a_walk_in_from_the_screen(client, floor, centre):
    client.force_login(floor["L1"].user)
    response = client.post(
        reverse("reception:visit_start"),
        {
            "post": "L1",
            "mode": "walk_in",
            "flags": "1",
            "salutation": "miss",
            "client_name": "陈",
            "party_size": "2",
            "appearance": "蓝色连衣裙",
            "arrival": "self_drive",
            "raining": "on",
        },
        **LIVE,
    )
    assert response.status_code == 200
    visit = Visit.objects.get()
    assert (visit.client, visit.party_size, visit.raining, visit.own_umbrella) == (
        "陈小姐",
        2,
        True,
        False,
    )
    missing = client.post(
        reverse("reception:visit_start"), {"post": "L1", "client_name": "何"}, **LIVE
    )
    assert missing.status_code == 422
    assert list(missing.json()["errors"]) == ["appearance"]


def test_someone_without_the_post_watches_but_cannot_act(client, floor, centre):
    call = calls.send_call(
        actor=floor["X1"], project_id=centre.pk, template="id_copy", slots={"room": "2"}
    )
    client.force_login(floor["S1"].user)
    html = page(client, reverse("reception:post", args=["G1"]))
    assert call.text in html
    assert 'name="reply"' not in html
    response = client.post(reverse("reception:call_ack", args=[call.pk]), {"post": "G1"}, **LIVE)
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.state == "called"


def test_a_call_is_sent_from_the_one_tap_panel(client, floor, centre):
    client.force_login(floor["S1"].user)
    html = page(client, reverse("reception:post", args=["S1"]))
    assert 'name="template" value="restock"' in html

    response = client.post(
        reverse("reception:call_send"),
        {"post": "S1", "template": "restock", "slot_item": "冰块"},
        **LIVE,
    )

    assert response.json() == {
        "ok": True,
        "message": "我是水吧,呼叫操作间,请将冰块送至水吧台,收到请回话。",
    }
    assert IntercomCall.objects.get().callee_posts == ["PANTRY"]


def test_the_console_shows_the_call_log_and_response_times_per_post(
    client, floor, centre, supervisor
):
    first = calls.send_call(
        actor=floor["S1"], project_id=centre.pk, template="restock", slots={"item": "柠檬"}
    )
    calls.acknowledge_call(actor=floor["PANTRY"], call_id=first.pk)
    calls.send_call(
        actor=floor["X1"], project_id=centre.pk, template="id_copy", slots={"room": "1"}
    )
    client.force_login(supervisor.user)

    response = client.get(reverse("reception:console"))

    assert response.status_code == 200
    stats = {row.post: row.stats for row in response.context["stats"]}
    assert set(stats) == {"PANTRY", "G1"}
    assert (stats["PANTRY"].answered, stats["G1"].answered, stats["G1"].unanswered) == (1, 0, 1)
    html = response.content.decode()
    assert "我是水吧,呼叫操作间,请将柠檬送至水吧台,收到请回话。" in html
    assert "我是大客户经理张伟,呼叫大客户管家,VIP1需要复印身份证,收到请回话。" in html

    client.force_login(floor["G1"].user)
    assert client.get(reverse("reception:console")).status_code == 403


def test_the_room_board_and_its_buttons(client, floor, centre, walk_in):
    visit = to_reception_area(floor, walk_in())
    calls.send_call(
        actor=floor["X1"], project_id=centre.pk, template="vip_room_request", visit_id=visit.pk
    )
    room = VipRoom.objects.get(number="1")
    client.force_login(floor["G1"].user)

    html = page(client, reverse("reception:rooms"))
    assert reverse("reception:room_action", args=[room.pk, "ready"]) in html
    response = client.post(reverse("reception:room_action", args=[room.pk, "ready"]))
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.state == "ready"
    assert (
        client.post(reverse("reception:room_action", args=[room.pk, "explode"])).status_code == 302
    )
    room.refresh_from_db()
    assert room.state == "ready"


def test_visit_pages_show_the_route_and_the_calls(client, floor, centre, walk_in):
    visit = to_reception_area(floor, walk_in())
    client.force_login(floor["X1"].user)

    listing = page(client, reverse("reception:visits") + f"?day={visit.day.isoformat()}")
    detail = page(client, reverse("reception:visit", args=[visit.pk]))

    assert visit.number in listing
    for label in ("门岗", "询问接待", "停车", "迎宾", "接待区"):
        assert label in detail
    assert "我是L1岗,呼叫销售中心,目前有一组客户要来参观,现在是否能接待,收到请回答。" in detail


def test_r_gen_01_pages_of_another_projects_visit_are_404(
    client, floor, centre, walk_in, other_centre
):
    # R-GEN-01
    visit = walk_in()
    stranger = place(StaffFactory(name="外人", company=centre.company), other_centre, "L1")
    client.force_login(stranger.user)
    assert client.get(reverse("reception:visit", args=[visit.pk])).status_code == 404
    response = client.post(
        reverse("reception:visit_step", args=[visit.pk]), {"action": "ask_capacity"}, **LIVE
    )
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.stage == "at_gate"


@pytest.mark.parametrize("post", ["L1", "X1", "G1", "CENTRE"])
def test_a_post_screen_costs_a_bounded_number_of_queries(
    client, floor, centre, walk_in, post, django_assert_max_num_queries
):
    for n in range(8):
        visit = walk_in(minute=n * 10, client_name=f"客{n}")
        step(floor, visit, "ask_capacity", "L1", n * 10 + 1)
        if n % 2:
            step(floor, visit, "admit", "CENTRE", n * 10 + 2)
            step(floor, visit, "to_parking", "L1", n * 10 + 3)
            step(floor, visit, "to_door", "L2", n * 10 + 4)
            step(floor, visit, "to_reception_area", "X1", n * 10 + 5)
    client.force_login(floor[post].user)
    client.get(reverse("reception:post", args=[post]))  # warm the session

    with django_assert_max_num_queries(14):
        response = client.get(reverse("reception:post", args=[post]))
    assert response.status_code == 200


def test_the_console_costs_a_bounded_number_of_queries(
    client, floor, centre, supervisor, django_assert_max_num_queries
):
    for n in range(30):
        call = calls.send_call(
            actor=floor["S1"], project_id=centre.pk, template="restock", slots={"item": f"物{n}"}
        )
        if n % 3:
            calls.acknowledge_call(actor=floor["PANTRY"], call_id=call.pk)
    client.force_login(supervisor.user)
    client.get(reverse("reception:console"))

    with django_assert_max_num_queries(11):
        response = client.get(reverse("reception:console"))
    assert len(response.context["page"].object_list) == 30


def test_r_site_03_the_broadcast_goes_with_l1s_step_not_as_a_second_button(
    client, floor, centre, walk_in
):
    # R-SITE-03
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)
    step(floor, visit, "admit", "CENTRE", 2)
    client.force_login(floor["L1"].user)

    html = page(client, reverse("reception:post_live", args=["L1"]))

    assert 'name="action" value="to_parking"' in html
    assert 'name="template" value="arrival_broadcast"' not in html
    assert "非预约客户前往展示中心、客户到访通报" in html
