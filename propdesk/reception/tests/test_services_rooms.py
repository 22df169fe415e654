"""VIP room services (R-SITE-15..18, R-RADIO-07/08/14/20): allocation on X1's request, ready on
the butler's word, occupied when the client enters, to-clean on departure, free when the water
bar has cleaned it — and the database rules that hold even without the services."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from propdesk.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from propdesk.core.models import TimelineEvent
from propdesk.reception.models import IntercomCall, VipRoom, Visit
from propdesk.reception.services import calls, rooms
from propdesk.reception.tests.floor import at, step, to_reception_area


def request_room(floor, centre, visit: Visit, minute: float = 6, **slots) -> IntercomCall:
    return calls.send_call(
        actor=floor["X1"],
        project_id=centre.pk,
        template="vip_room_request",
        visit_id=visit.pk,
        slots=slots,
        now=at(minute),
    )


def ready(floor, centre, visit: Visit, minute: float = 7) -> IntercomCall:
    return calls.send_call(
        actor=floor["G1"],
        project_id=centre.pk,
        template="vip_room_ready",
        visit_id=visit.pk,
        now=at(minute),
    )


def states() -> dict[str, tuple[str, int | None]]:
    return {r.number: (r.state, r.current_visit_id) for r in VipRoom.objects.order_by("number")}


def test_r_site_15_x1s_request_allocates_the_lowest_free_room_preparing(floor, centre, walk_in):
    visit = to_reception_area(floor, walk_in())

    call = request_room(floor, centre, visit)

    assert (
        call.text
        == "我是大客户经理张伟,呼叫大客户管家,王先生即将前往VIP室请做好接待准备,收到请回话。"
    )
    assert states() == {"1": ("preparing", visit.pk), "2": ("free", None), "3": ("free", None)}
    visit.refresh_from_db()
    assert visit.room.number == "1"
    assert TimelineEvent.objects.filter(action="room.allocate").count() == 1


def test_r_radio_08_the_butlers_ready_call_makes_the_room_ready_and_closes_the_request(
    floor, centre, walk_in
):
    # R-RADIO-08
    visit = to_reception_area(floor, walk_in())
    request = request_room(floor, centre, visit, room="2")

    answer = ready(floor, centre, visit)

    assert answer.text == "我是管家,呼叫大客户经理张伟,VIP2已经做好接待准备。"
    assert answer.callee_posts == ["X1"]
    assert states()["2"] == ("ready", visit.pk)
    request.refresh_from_db()
    assert (request.state, request.acknowledged_post) == ("done", "G1")


def test_r_radio_08_completing_the_request_call_is_the_same_as_the_ready_call(
    floor, centre, walk_in
):
    visit = to_reception_area(floor, walk_in())
    request = request_room(floor, centre, visit)

    calls.complete_call(actor=floor["G1"], call_id=request.pk, now=at(8))

    assert states()["1"] == ("ready", visit.pk)
    assert IntercomCall.objects.get(template="vip_room_ready").text == (
        "我是管家,呼叫大客户经理张伟,VIP1已经做好接待准备。"
    )


def test_r_site_16_the_client_enters_a_ready_room_only_and_it_becomes_occupied(
    floor, centre, walk_in
):
    # R-SITE-16
    visit = to_reception_area(floor, walk_in())
    with pytest.raises(TransitionNotAllowed) as no_room:
        step(floor, visit, "to_vip_room", "X1", 6)
    assert no_room.value.message == "尚未安排VIP室,请先呼叫大客户管家安排"
    request_room(floor, centre, visit)

    # still in preparation: only the butler hands over (如遇客户已经上楼管家直接做指引做对接)
    with pytest.raises(Forbidden):
        step(floor, visit, "to_vip_room", "X1", 7)
    visit.refresh_from_db()
    assert visit.stage == "reception_area"

    ready(floor, centre, visit, minute=8)
    step(floor, visit, "to_vip_room", "X1", 9)
    assert states()["1"] == ("occupied", visit.pk)


def test_r_site_17_one_room_per_visit_and_one_visit_per_room(floor, centre, walk_in):
    # R-SITE-17
    first = to_reception_area(floor, walk_in())
    request_room(floor, centre, first, room="1")
    with pytest.raises(Conflict):
        rooms.request_room(actor=floor["X1"], visit_id=first.pk, number="2", now=at(7))

    second = walk_in(minute=10)
    for action, post, minute in [
        ("ask_capacity", "L1", 11),
        ("admit", "CENTRE", 12),
        ("to_parking", "L1", 13),
        ("to_door", "L2", 14),
        ("to_model_area", "X1", 15),
    ]:
        step(floor, second, action, post, minute)
    with pytest.raises(TransitionNotAllowed) as taken:
        request_room(floor, centre, second, minute=16, room="1")
    assert taken.value.message == "VIP1准备中,已安排给其他来访,不能再安排"
    request_room(floor, centre, second, minute=17)
    assert states() == {
        "1": ("preparing", first.pk),
        "2": ("preparing", second.pk),
        "3": ("free", None),
    }


def test_r_site_17_a_room_waiting_to_be_cleaned_is_never_allocated(floor, centre, walk_in):
    VipRoom.objects.filter(number__in=["2", "3"]).update(is_active=False)
    first = to_reception_area(floor, walk_in())
    request_room(floor, centre, first)
    ready(floor, centre, first)
    step(floor, first, "to_vip_room", "X1", 8)
    step(floor, first, "announce_leaving", "X1", 9)
    step(floor, first, "depart", "X1", 10)
    assert states()["1"] == ("to_clean", first.pk)

    second = walk_in(minute=20)
    for action, post, minute in [
        ("ask_capacity", "L1", 21),
        ("admit", "CENTRE", 22),
        ("to_parking", "L1", 23),
        ("to_door", "L2", 24),
        ("to_reception_area", "X1", 25),
    ]:
        step(floor, second, action, post, minute)
    with pytest.raises(Conflict) as none_free:
        request_room(floor, centre, second, minute=26)
    assert none_free.value.message == "目前没有空闲的VIP室(VIP1待打扫)"
    with pytest.raises(TransitionNotAllowed) as dirty:
        request_room(floor, centre, second, minute=26, room="1")
    assert dirty.value.message == "VIP1待打扫,水吧确认打扫完成前不能安排"
    assert not IntercomCall.objects.filter(visit=second, template="vip_room_request").exists()


def test_r_radio_14_and_20_the_clean_up_call_frees_the_room_when_done(floor, centre, walk_in):
    # R-RADIO-14
    visit = to_reception_area(floor, walk_in())
    request_room(floor, centre, visit)
    ready(floor, centre, visit)
    step(floor, visit, "to_vip_room", "X1", 8)
    step(floor, visit, "announce_leaving", "X1", 9)
    step(floor, visit, "depart", "X1", 10)

    cleanup = calls.send_call(
        actor=floor["G1"],
        project_id=centre.pk,
        template="room_cleanup",
        visit_id=visit.pk,
        now=at(11),
    )
    assert cleanup.text == "我是大客户管家,呼叫水吧,VIP1客人已离去请前去打扫,收到请回话。"
    calls.acknowledge_call(actor=floor["S1"], call_id=cleanup.pk, now=at(11.5))
    calls.complete_call(actor=floor["S1"], call_id=cleanup.pk, now=at(20))

    assert states()["1"] == ("free", None)
    cleanup.refresh_from_db()
    assert (cleanup.state, cleanup.completed_at) == ("done", at(20))
    visit.refresh_from_db()
    assert visit.room.number == "1"  # the visit keeps the room it used


def test_r_radio_20_cleaning_from_the_board_closes_the_clean_up_call(floor, centre, walk_in):
    # R-RADIO-20
    visit = to_reception_area(floor, walk_in())
    request_room(floor, centre, visit)
    ready(floor, centre, visit)
    step(floor, visit, "to_vip_room", "X1", 8)
    step(floor, visit, "announce_leaving", "X1", 9)
    step(floor, visit, "depart", "X1", 10)
    cleanup = calls.send_call(
        actor=floor["G1"],
        project_id=centre.pk,
        template="room_cleanup",
        visit_id=visit.pk,
        now=at(11),
    )
    room = VipRoom.objects.get(number="1")

    with pytest.raises(Forbidden):
        rooms.mark_room_clean(actor=floor["G1"], room_id=room.pk, now=at(15))
    rooms.mark_room_clean(actor=floor["S1"], room_id=room.pk, now=at(15))

    assert states()["1"] == ("free", None)
    cleanup.refresh_from_db()
    assert cleanup.state == "done"


def test_a_room_allocated_but_not_used_is_released(floor, centre, walk_in):
    visit = to_reception_area(floor, walk_in())
    request_room(floor, centre, visit)
    room = VipRoom.objects.get(number="1")

    rooms.release_room(actor=floor["X1"], room_id=room.pk, now=at(8))

    assert states()["1"] == ("free", None)
    visit.refresh_from_db()
    assert visit.room is None
    # a new request may take it again
    request_room(floor, centre, visit, minute=9)
    assert states()["1"] == ("preparing", visit.pk)


def test_the_butler_marks_the_room_ready_from_the_board(floor, centre, walk_in):
    visit = to_reception_area(floor, walk_in())
    request_room(floor, centre, visit)
    room = VipRoom.objects.get(number="1")

    with pytest.raises(Forbidden):
        rooms.mark_room_ready(actor=floor["X1"], room_id=room.pk, now=at(7))
    rooms.mark_room_ready(actor=floor["G1"], room_id=room.pk, now=at(7))

    assert states()["1"] == ("ready", visit.pk)
    free = VipRoom.objects.get(number="2")
    with pytest.raises(TransitionNotAllowed):
        rooms.mark_room_ready(actor=floor["G1"], room_id=free.pk, now=at(8))


def test_supervisors_add_rooms_with_unique_numbers(floor, centre, supervisor):
    room = rooms.create_room(actor=supervisor, project_id=centre.pk, number="vip 4室")
    assert (room.number, room.state, room.label) == ("4", "free", "VIP4")
    with pytest.raises(ValidationFailed) as taken:
        rooms.create_room(actor=supervisor, project_id=centre.pk, number="VIP4")
    assert list(taken.value.fields) == ["number"]
    with pytest.raises(Forbidden):
        rooms.create_room(actor=floor["G1"], project_id=centre.pk, number="5")
    assert VipRoom.objects.filter(project=centre).count() == 4


def test_rooms_of_another_project_are_not_found(floor, centre, other_centre):
    foreign = VipRoom.objects.get(project=other_centre)
    with pytest.raises(NotFound):
        rooms.mark_room_clean(actor=floor["S1"], room_id=foreign.pk, now=at(1))


def test_the_database_refuses_a_second_visit_in_a_room_and_a_free_room_with_a_visit(
    floor, centre, walk_in
):
    first, second = walk_in(), walk_in(minute=1)
    room = VipRoom.objects.get(number="1")
    VipRoom.objects.filter(pk=room.pk).update(state="preparing", current_visit=first)

    with pytest.raises(IntegrityError), transaction.atomic():
        VipRoom.objects.filter(number="2").update(state="preparing", current_visit=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        VipRoom.objects.filter(number="3").update(current_visit=second)  # still "free"
    assert states()["2"] == ("free", None)
    assert states()["3"] == ("free", None)
