"""The unanswered-call sweep (SPEC §4 entity, «radio.ack_timeout = 60 s»): a call nobody
acknowledged within the timeout is flagged 未应答 and announced again, once per timeout; the sweep
is idempotent (twice at the same time acts once) and stops after `radio.reannounce_limit`."""

from __future__ import annotations

import datetime as dt

from propdesk.core.models import JobRun, TimelineEvent
from propdesk.core.sweeps import registered_sweeps, run_sweeps
from propdesk.reception.models import IntercomCall
from propdesk.reception.services import calls
from propdesk.reception.tests.floor import at


def restock(floor, centre, minute: float = 0) -> IntercomCall:
    return calls.send_call(
        actor=floor["S1"],
        project_id=centre.pk,
        template="restock",
        slots={"item": "柠檬"},
        now=at(minute),
    )


def seconds(n: float) -> dt.datetime:
    return at(0) + dt.timedelta(seconds=n)


def test_r_radio_timeout_a_call_is_not_flagged_before_60_seconds(floor, centre):
    call = restock(floor, centre)

    assert calls.reannounce_due_calls(seconds(59)) == 0

    call.refresh_from_db()
    assert (call.state, call.reannounced_count, call.unanswered_at) == ("called", 0, None)


def test_r_radio_timeout_an_unanswered_call_is_flagged_and_announced_again(floor, centre):
    call = restock(floor, centre)

    assert calls.reannounce_due_calls(seconds(60)) == 1

    call.refresh_from_db()
    assert (call.state, call.unanswered_at, call.reannounced_count) == (
        "unanswered",
        seconds(60),
        1,
    )
    assert (call.announced_at, call.reannounce_at) == (seconds(60), seconds(120))
    actions = list(
        TimelineEvent.objects.filter(object_id=str(call.pk)).values_list("action", flat=True)
    )
    assert actions == ["call.sent", "call.unanswered", "call.reannounced"]


def test_the_sweep_is_idempotent_twice_at_the_same_time_acts_once(floor, centre):
    call = restock(floor, centre)

    assert calls.reannounce_due_calls(seconds(61)) == 1
    assert calls.reannounce_due_calls(seconds(61)) == 0
    assert calls.reannounce_due_calls(seconds(100)) == 0

    call.refresh_from_db()
    assert call.reannounced_count == 1
    assert TimelineEvent.objects.filter(action="call.reannounced").count() == 1
    # one timeout after the re-announcement, it is announced again
    assert calls.reannounce_due_calls(seconds(121)) == 1
    call.refresh_from_db()
    assert (call.reannounced_count, call.state) == (2, "unanswered")


def test_an_acknowledged_call_is_left_alone_even_late(floor, centre):
    call = restock(floor, centre)
    calls.reannounce_due_calls(seconds(60))
    calls.acknowledge_call(actor=floor["PANTRY"], call_id=call.pk, now=seconds(70))

    assert calls.reannounce_due_calls(seconds(300)) == 0

    call.refresh_from_db()
    assert (call.state, call.reannounce_at, call.reannounced_count) == ("acknowledged", None, 1)


def test_the_re_announcements_stop_at_the_limit_and_the_call_stays_flagged(floor, centre):
    centre.params = {"radio.ack_timeout": 30, "radio.reannounce_limit": 2}
    centre.save(update_fields=["params"])
    call = restock(floor, centre)
    assert call.reannounce_at == seconds(30)

    runs = [calls.reannounce_due_calls(seconds(t)) for t in (30, 60, 90, 120, 150)]

    call.refresh_from_db()
    assert runs == [1, 1, 1, 0, 0]
    assert (call.state, call.reannounced_count, call.reannounce_at) == ("unanswered", 2, None)


def test_the_sweep_is_registered_and_runs_with_the_others(floor, centre):
    call = restock(floor, centre)
    assert "reception.unanswered_calls" in registered_sweeps()

    run_sweeps(now=seconds(90))

    job = JobRun.objects.get(name="reception.unanswered_calls")
    assert (job.ok, job.processed) == (True, 1)
    call.refresh_from_db()
    assert call.state == "unanswered"
