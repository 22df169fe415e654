"""Intercom call services (SPEC §4, R-RADIO-01..21): the sentence each call says, who may answer
it and how, what completing a call does, the taxi and its plate, and the push to the screens
after commit."""

from __future__ import annotations

import json

import pytest

from propdesk.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from propdesk.core.tests.factories import StaffFactory
from propdesk.reception import realtime
from propdesk.reception.models import CallAck, IntercomCall, TaxiRequest
from propdesk.reception.services import calls
from propdesk.reception.tests.floor import at, place, step, to_reception_area


def send(floor, centre, post: str, template: str, minute: float = 10, **kw):
    return calls.send_call(
        actor=floor[post], project_id=centre.pk, template=template, now=at(minute), **kw
    )


def test_r_radio_01_the_caller_says_own_post_and_name_first(floor, centre):
    call = send(floor, centre, "X1", "id_copy", slots={"room": "VIP2"})

    assert call.text == "我是大客户经理张伟,呼叫大客户管家,VIP2需要复印身份证,收到请回话。"
    assert (call.caller_post, call.caller_name, call.callee_post, call.callee_posts) == (
        "X1",
        "张伟",
        "G1",
        ["G1"],
    )
    assert (call.state, call.sent_at, call.reannounce_at) == ("called", at(10), at(11))
    assert call.slots == {"caller_name": "张伟", "room": "2"}


def test_r_radio_01_hail_names_the_called_post(floor, centre):
    call = send(floor, centre, "S1", "hail", callee_post="PANTRY")
    assert call.text == "我是水吧,呼叫操作间,收到请回答。"
    with pytest.raises(Forbidden) as error:
        send(floor, centre, "S1", "hail", callee_post="S1")
    assert error.value.message == "不能呼叫自己的岗位"


def test_r_radio_02_the_callee_acknowledges_with_shou_dao(floor, centre):
    # R-RADIO-02
    call = send(floor, centre, "S1", "restock", slots={"item": "柠檬"})
    assert call.text == "我是水吧,呼叫操作间,请将柠檬送至水吧台,收到请回话。"

    done = calls.acknowledge_call(actor=floor["PANTRY"], call_id=call.pk, now=at(10.5))

    assert (done.state, done.reply, done.acknowledged_post, done.acknowledged_by) == (
        "acknowledged",
        "收到",
        "PANTRY",
        floor["PANTRY"],
    )
    assert (done.acknowledged_at, done.reannounce_at) == (at(10.5), None)
    assert list(CallAck.objects.values_list("post", "reply", "staff_name")) == [
        ("PANTRY", "收到", "孙操作")
    ]


def test_r_radio_02_only_the_called_post_may_answer(floor, centre):
    call = send(floor, centre, "S1", "restock", slots={"item": "柠檬"})

    with pytest.raises(Forbidden):
        calls.acknowledge_call(actor=floor["G1"], call_id=call.pk, now=at(11))
    call.refresh_from_db()
    assert (call.state, call.acknowledged_at) == ("called", None)
    assert not CallAck.objects.exists()


def test_r_radio_02_a_second_tap_on_another_screen_of_the_post_changes_nothing(floor, centre):
    call = send(floor, centre, "S1", "restock", slots={"item": "柠檬"})
    calls.acknowledge_call(actor=floor["PANTRY"], call_id=call.pk, now=at(11))

    again = calls.acknowledge_call(actor=floor["PANTRY"], call_id=call.pk, now=at(12))

    assert again.acknowledged_at == at(11)
    assert CallAck.objects.count() == 1


def test_r_radio_03_slots_are_validated_and_named(floor, centre):
    # R-RADIO-03
    with pytest.raises(ValidationFailed) as error:
        send(floor, centre, "X1", "materials", slots={"quantity": "0", "material": "户型图"})
    assert error.value.fields == {"quantity": ["“份数”必须是1到999之间的整数"]}
    with pytest.raises(ValidationFailed) as missing:
        send(floor, centre, "X1", "drinks", slots={"room": "3"})
    assert missing.value.fields == {"item": ["请填写“物品”"]}
    assert not IntercomCall.objects.exists()


def test_r_radio_04_free_text_is_logged_for_review(floor, centre):
    # R-RADIO-04
    call = send(floor, centre, "G1", "free_text", callee_post="S1", slots={"text": "请补充纸巾"})
    assert call.text == "我是大客户管家,呼叫水吧,请补充纸巾,收到请回答。"
    assert call.needs_review is True


def test_r_radio_05_the_capacity_question_is_answered_by_acknowledging_it(floor, centre, walk_in):
    # R-RADIO-05
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)
    question = IntercomCall.objects.get(template="capacity_query")

    with pytest.raises(ValidationFailed) as error:
        calls.acknowledge_call(actor=floor["CENTRE"], call_id=question.pk, now=at(2))
    assert error.value.fields == {"reply": ["请回复:可以接待 / 无法接待"]}

    calls.acknowledge_call(actor=floor["CENTRE"], call_id=question.pk, reply="无法接待", now=at(2))

    visit.refresh_from_db()
    question.refresh_from_db()
    assert (visit.stage, visit.capacity_answer) == ("gate_declined", "无法接待")
    assert (question.state, question.reply) == ("acknowledged", "无法接待")


def test_r_radio_05a_cannot_be_sent_before_the_question_is_answered_can(floor, centre, walk_in):
    # R-RADIO-05a
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)
    with pytest.raises(TransitionNotAllowed):
        step(floor, visit, "to_door", "L1", 2)
    assert not IntercomCall.objects.filter(template="walk_in_on_way").exists()


def test_r_site_03_the_broadcast_takes_one_answer_per_post(floor, centre, walk_in):
    # R-SITE-03
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)
    step(floor, visit, "admit", "CENTRE", 2)
    step(floor, visit, "to_parking", "L1", 3)
    broadcast = IntercomCall.objects.get(template="arrival_broadcast")

    calls.acknowledge_call(actor=floor["G1"], call_id=broadcast.pk, now=at(3.2))
    calls.acknowledge_call(actor=floor["S1"], call_id=broadcast.pk, now=at(3.5))
    calls.acknowledge_call(actor=floor["S1"], call_id=broadcast.pk, now=at(3.6))

    broadcast.refresh_from_db()
    assert (broadcast.state, broadcast.acknowledged_post, broadcast.acknowledged_at) == (
        "acknowledged",
        "G1",
        at(3.2),
    )
    assert list(broadcast.acks.order_by("at").values_list("post", "at")) == [
        ("G1", at(3.2)),
        ("S1", at(3.5)),
    ]


def test_r_radio_10_and_20_drinks_are_acknowledged_then_delivered(floor, centre):
    # R-RADIO-10
    call = send(floor, centre, "X1", "drinks", slots={"item": "柠檬水", "room": "3"})
    assert call.text == "我是大客户经理张伟,呼叫水吧,请送柠檬水至VIP3室,收到请回答。"
    calls.acknowledge_call(actor=floor["S1"], call_id=call.pk, now=at(10.2))

    with pytest.raises(Forbidden):
        calls.complete_call(actor=floor["X1"], call_id=call.pk, now=at(12))
    done = calls.complete_call(actor=floor["S1"], call_id=call.pk, now=at(13))

    assert (done.state, done.completed_at, done.completed_by) == ("done", at(13), floor["S1"])
    with pytest.raises(TransitionNotAllowed):
        calls.complete_call(actor=floor["S1"], call_id=call.pk, now=at(14))


def test_r_radio_20_delivering_without_tapping_shou_dao_first_acknowledges_it(floor, centre):
    # R-RADIO-20
    call = send(floor, centre, "G1", "butler_drinks", slots={"item": "咖啡", "room": "1"})

    done = calls.complete_call(actor=floor["S1"], call_id=call.pk, now=at(11))

    assert (done.state, done.acknowledged_at, done.reply) == ("done", at(11), "收到")


def test_a_call_without_a_completion_cannot_be_completed(floor, centre):
    call = send(floor, centre, "S1", "hail", callee_post="G1")
    calls.acknowledge_call(actor=floor["G1"], call_id=call.pk, now=at(11))
    with pytest.raises(TransitionNotAllowed):
        calls.complete_call(actor=floor["G1"], call_id=call.pk, now=at(12))


def test_r_radio_18_the_project_may_normalise_the_ending(floor, centre):
    # R-RADIO-18
    centre.params = {"radio.normalize_ending": True}
    centre.save(update_fields=["params"])
    call = send(floor, centre, "X1", "id_copy", slots={"room": "2"})
    assert call.text.endswith("需要复印身份证,收到请回答。")


def test_r_site_19_a_taxi_is_called_and_needs_its_plate_before_it_arrived(floor, centre, walk_in):
    # R-SITE-19
    visit = to_reception_area(floor, walk_in())
    request = send(floor, centre, "X1", "taxi_request", minute=20, visit_id=visit.pk)
    assert request.text == "我是大客户经理张伟,呼叫L1岗,请帮王先生叫一辆出租车,谢谢"
    assert TaxiRequest.objects.get(visit=visit).state == "requested"
    with pytest.raises(Conflict):
        send(floor, centre, "X1", "taxi_request", minute=21, visit_id=visit.pk)
    assert TaxiRequest.objects.filter(visit=visit).count() == 1

    # L1 cannot report the taxi without its plate
    with pytest.raises(ValidationFailed) as error:
        calls.complete_call(actor=floor["L1"], call_id=request.pk, now=at(25))
    assert error.value.fields == {"plate": ["请先记下出租车车牌号码,再确认叫到"]}
    assert TaxiRequest.objects.get(visit=visit).state == "requested"

    calls.complete_call(actor=floor["L1"], call_id=request.pk, plate="粤b 88888", now=at(26))

    taxi = TaxiRequest.objects.get(visit=visit)
    assert (taxi.state, taxi.plate, taxi.arrived_at) == ("arrived", "粤B88888", at(26))
    request.refresh_from_db()
    assert request.state == "done"
    arrived = IntercomCall.objects.get(template="taxi_arrived")
    assert arrived.text == "张伟经理,您的客户王先生需要的出租车已经叫到。"
    assert (arrived.callee_posts, arrived.slots["plate"]) == (["X1"], "粤B88888")


def test_r_radio_17a_the_arrival_report_records_the_plate(floor, centre, walk_in):
    # R-RADIO-17a
    visit = to_reception_area(floor, walk_in())
    send(floor, centre, "X1", "taxi_request", minute=20, visit_id=visit.pk)
    with pytest.raises(ValidationFailed) as error:
        send(
            floor,
            centre,
            "L1",
            "taxi_arrived",
            minute=22,
            visit_id=visit.pk,
            slots={"plate": "123"},
        )
    assert error.value.fields == {"plate": ["“车牌号码”不正确,例如 粤B12345"]}

    send(
        floor,
        centre,
        "L1",
        "taxi_arrived",
        minute=23,
        visit_id=visit.pk,
        slots={"plate": "京A12345"},
    )

    assert TaxiRequest.objects.get(visit=visit).plate == "京A12345"
    assert IntercomCall.objects.get(template="taxi_request").state == "done"


def test_calls_about_a_visit_need_the_visit(floor, centre):
    with pytest.raises(ValidationFailed) as error:
        send(floor, centre, "X1", "vip_room_request")
    assert list(error.value.fields) == ["visit"]


def test_an_unknown_template_is_a_field_error(floor, centre):
    with pytest.raises(ValidationFailed) as error:
        send(floor, centre, "X1", "coffee_please")
    assert list(error.value.fields) == ["template"]


def test_r_gen_01_calls_of_another_project_are_not_found(floor, centre, other_centre):
    # R-GEN-01
    call = send(floor, centre, "S1", "restock", slots={"item": "柠檬"})
    stranger = place(StaffFactory(name="外人", company=centre.company), other_centre, "PANTRY")
    with pytest.raises(NotFound):
        calls.acknowledge_call(actor=stranger, call_id=call.pk, now=at(11))
    with pytest.raises(NotFound):
        calls.send_call(
            actor=stranger, project_id=centre.pk, template="hail", callee_post="G1", now=at(11)
        )


def test_a_call_reaches_the_callee_screens_only_after_commit(
    floor, centre, django_capture_on_commit_callbacks
):
    broker = realtime.InProcessBroker()
    previous = realtime.use_broker(broker)
    try:
        pantry = realtime.Subscription([realtime.channel(centre.pk, "PANTRY")], asynchronous=False)
        g1 = realtime.Subscription([realtime.channel(centre.pk, "G1")], asynchronous=False)
        console = realtime.Subscription(
            [realtime.channel(centre.pk, realtime.CONSOLE)], asynchronous=False
        )
        for subscription in (pantry, g1, console):
            broker.hub.add(subscription)

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            call = send(floor, centre, "S1", "restock", slots={"item": "柠檬"})
        assert pantry.squeue.empty()  # nothing before the commit
        for callback in callbacks:
            callback()

        frame = pantry.squeue.get_nowait()
        event, data = frame.split("\n")[0], json.loads(frame.split("\n")[1][len("data: ") :])
        assert event == "event: call"
        assert (data["id"], data["text"], data["screens"]) == (
            call.pk,
            "我是水吧,呼叫操作间,请将柠檬送至水吧台,收到请回话。",
            ["PANTRY"],
        )
        assert g1.squeue.empty()
        assert console.squeue.qsize() == 1
    finally:
        realtime.use_broker(previous)
