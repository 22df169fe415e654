"""Two clerks at once on PostgreSQL (issue 4: "two clerks never double-book a room").

Real threads, each with its own database connection, against committed data
(`transaction=True`). R-SITE-17: a VIP room holds one visit; allocation locks the project's
rooms (SELECT … FOR UPDATE, in id order) before choosing, so simultaneous requests queue and
each sees the others' result. These need PostgreSQL's row locks; SQLite serialises writers with
BEGIN IMMEDIATE instead (the same tests would pass trivially there).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from propdesk.core.errors import Conflict, TransitionNotAllowed
from propdesk.core.models import Staff
from propdesk.reception.models import CallAck, IntercomCall, VipRoom, Visit, VisitStage
from propdesk.reception.services import calls, rooms
from propdesk.reception.tests.floor import at, step

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL)"
    ),
    pytest.mark.django_db(transaction=True),
]

STALL = 0.5


def _fresh(staff: Staff) -> Staff:
    return Staff.objects.select_related("user").get(pk=staff.pk)


def _run(call: Callable[[], Any], results: list[Any], index: int) -> threading.Thread:
    def target() -> None:
        try:
            results[index] = call()
        except BaseException as exc:  # handed to the test thread
            results[index] = exc
        finally:
            connection.close()

    return threading.Thread(target=target)


def _visit_in_reception_area(centre, salesperson: Staff, n: int) -> Visit:
    visit = Visit.objects.create(
        project=centre,
        number=f"LF-2026-9{n:05d}",
        day=at(0).date(),
        mode="walk_in",
        stage="reception_area",
        stage_at=at(0),
        client_name=f"客{n}",
        appearance="灰",
        capacity_answer="可以接待",
        salesperson=salesperson,
        created_at=at(0),
    )
    VisitStage.objects.create(visit=visit, stage="reception_area", action="x", post="X1", at=at(0))
    return visit


def test_r_site_17_two_rooms_requests_at_the_same_instant_never_share_a_room(floor, centre):
    # given eight parties asking for a room at once, and three rooms
    parties = [_visit_in_reception_area(centre, floor["X1"], n) for n in range(8)]
    barrier = threading.Barrier(len(parties))

    def ask(visit: Visit) -> Callable[[], Any]:
        def go() -> Any:
            actor = _fresh(floor["X1"])
            barrier.wait(timeout=30)
            return calls.send_call(
                actor=actor,
                project_id=centre.pk,
                template="vip_room_request",
                visit_id=visit.pk,
                now=at(5),
            )

        return go

    results: list[Any] = [None] * len(parties)
    threads = [_run(ask(v), results, i) for i, v in enumerate(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then three got a room each, five were told none is free, and nothing was double-booked
    won = [r for r in results if isinstance(r, IntercomCall)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(won), len(lost)) == (3, 5), results
    assert {str(e.message) for e in lost} == {"目前没有空闲的VIP室"}
    held = list(VipRoom.objects.filter(project=centre).values_list("current_visit_id", flat=True))
    assert len(set(held)) == 3
    assert None not in held
    assert set(held) == {c.visit_id for c in won}
    assert Visit.objects.filter(room__isnull=False).count() == 3
    assert IntercomCall.objects.filter(template="vip_room_request").count() == 3


def test_r_site_17_the_second_clerk_waits_for_the_first_and_is_refused_the_same_room(
    monkeypatch: pytest.MonkeyPatch, floor, centre
):
    first, second = (_visit_in_reception_area(centre, floor["X1"], n) for n in (1, 2))
    holding = threading.Event()
    original = rooms.allocate_room

    def stalled(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is threads[0]:
            holding.set()
            time.sleep(STALL)
        return original(*args, **kwargs)

    monkeypatch.setattr(rooms, "allocate_room", stalled)

    def want_room_2(visit: Visit) -> Callable[[], Any]:
        return lambda: rooms.request_room(
            actor=_fresh(floor["G1"]), visit_id=visit.pk, number="2", now=at(5)
        )

    results: list[Any] = [None, None]
    threads = [_run(want_room_2(first), results, 0), _run(want_room_2(second), results, 1)]
    threads[0].start()
    assert holding.wait(timeout=30)
    started = time.monotonic()
    threads[1].start()
    for thread in threads:
        thread.join(timeout=60)

    assert time.monotonic() - started >= STALL * 0.8  # the second waited for the lock
    assert isinstance(results[0], VipRoom)
    assert isinstance(results[1], TransitionNotAllowed)
    assert results[1].message == "VIP2准备中,已安排给其他来访,不能再安排"
    room = VipRoom.objects.get(project=centre, number="2")
    assert (room.state, room.current_visit_id) == ("preparing", first.pk)


def test_two_screens_of_the_sales_centre_answer_the_capacity_question_once(floor, centre, walk_in):
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)
    question = IntercomCall.objects.get(template="capacity_query")
    barrier = threading.Barrier(2)

    def answer(reply: str) -> Callable[[], Any]:
        def go() -> Any:
            actor = _fresh(floor["CENTRE"])
            barrier.wait(timeout=30)
            return calls.acknowledge_call(actor=actor, call_id=question.pk, reply=reply, now=at(2))

        return go

    results: list[Any] = [None, None]
    threads = [_run(answer("可以接待"), results, 0), _run(answer("无法接待"), results, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(r, IntercomCall) for r in results), results
    visit.refresh_from_db()
    question.refresh_from_db()
    # whichever came first stands; the visit moved once and the call has one answer
    assert visit.capacity_answer in ("可以接待", "无法接待")
    assert question.reply == visit.capacity_answer
    assert CallAck.objects.filter(call=question).count() == 1
    assert visit.steps.filter(action__in=["admit", "decline"]).count() == 1
