"""Intercom calls as use cases (对讲机呼叫, SPEC §4, R-RADIO-01..21): send a standard call,
acknowledge it (收到), complete it, and the sweep that flags unanswered calls and re-announces
them.

A call is one tap: the system fills the slots — the caller's own post and name first
(R-RADIO-01), then what it knows from the visit (client, party size, room, the salesperson as
callee) — and the caller adds only what it cannot know (the item, the quantity, the plate). Some
calls carry their consequence (R-RADIO-20): X1's VIP-room request allocates a room (R-SITE-15);
the butler's "ready" call makes it ready and closes the request; the taxi request opens a taxi
request and the 叫到 report needs the plate (R-SITE-19); the water bar finishing the clean-up
frees the room; the sales centre's answer to the capacity question admits or declines the
walk-in (R-RADIO-19).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import Conflict, NotFound, ValidationFailed
from propdesk.core.models import Project, Staff
from propdesk.core.services.timeline import record_event
from propdesk.reception import realtime
from propdesk.reception.domain.radio import (
    MARK_UNANSWERED,
    REANNOUNCE,
    SYSTEM,
    TEMPLATES,
    CallState,
    CapacityAnswer,
    due_for_reannounce,
    next_call_state,
)
from propdesk.reception.domain.visits import (
    Stage,
    TaxiState,
    call_slots,
    request_taxi,
    taxi_arrived,
)
from propdesk.reception.domain.visits import TaxiRequest as TaxiSnapshot
from propdesk.reception.models import IntercomCall, TaxiRequest, Visit
from propdesk.reception.services import dispatch, rooms, visits
from propdesk.reception.services.common import (
    acting_post,
    domain_errors,
    lock_visit,
    now_or,
    radio_settings,
    reannounce_limit,
    snapshot,
)

# Calls about one visit: the system needs the visit to do what goes with them.
NEEDS_VISIT = frozenset({"vip_room_request", "vip_room_ready", "taxi_request", "taxi_arrived"})


def _template(key: str) -> None:
    if key not in TEMPLATES:
        raise ValidationFailed(fields={"template": [_("Choose one of the listed options")]})


def _visit_of(actor: Staff, project: Project, visit_id: Any) -> Visit:
    visit = lock_visit(actor, visit_id)
    if visit.project_id != project.pk:
        raise NotFound()
    return visit


# --- taxi (R-SITE-19, R-RADIO-17/17a) -------------------------------------------------------
def _open_taxi(visit: Visit) -> TaxiRequest | None:
    return (
        TaxiRequest.objects.select_for_update()
        .filter(visit=visit, state=TaxiState.REQUESTED)
        .first()
    )


def _request_taxi(visit: Visit, *, actor: Staff, post: str, now: dt.datetime) -> TaxiRequest:
    if _open_taxi(visit) is not None:
        raise Conflict(_("A taxi has already been requested for this visit"))
    with domain_errors():
        taxi = request_taxi(snapshot(visit), post=post, at=now)
    return TaxiRequest.objects.create(
        project_id=visit.project_id,
        visit=visit,
        state=taxi.state,
        requested_at=now,
        requested_by=actor,
    )


def _taxi_arrived(
    visit: Visit, *, actor: Staff, post: str, plate: Any, now: dt.datetime
) -> IntercomCall:
    """L1 reports the taxi 叫到 with its plate (R-SITE-19), tells X1 (R-RADIO-17a) and closes
    X1's request call."""
    taxi = _open_taxi(visit)
    if taxi is None:
        raise ValidationFailed(fields={"visit": [_("No taxi has been requested for this visit")]})
    with domain_errors():
        arrived = taxi_arrived(
            TaxiSnapshot(TaxiState(taxi.state), requested_at=taxi.requested_at),
            post=post,
            at=now,
            plate=str(plate or ""),
        )
    taxi.state = arrived.state
    taxi.arrived_at = now
    taxi.plate = arrived.plate
    taxi.save(update_fields=["state", "arrived_at", "plate"])
    record_event(
        entity=visit,
        action="visit.taxi_arrived",
        actor=actor,
        project_id=visit.project_id,
        data={"plate": taxi.plate},
        at=now,
    )
    request = dispatch.open_call(visit, "taxi_request")
    if request is not None:
        dispatch.complete(request, actor=actor, post=post, now=now)
    slots = {**call_slots(snapshot(visit)), "plate": taxi.plate}
    return dispatch.send(
        project=visit.project,
        actor=actor,
        caller_post=post,
        template="taxi_arrived",
        slots=slots,
        visit=visit,
        now=now,
    )


# --- use cases ----------------------------------------------------------------------------
@transaction.atomic
def send_call(
    *,
    actor: Staff,
    project_id: Any,
    template: str,
    post: str | None = None,
    callee_post: str | None = None,
    visit_id: Any = None,
    slots: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> IntercomCall:
    """Send one standard call from the actor's post (R-RADIO-01..18) and push it to the callee
    screens; what goes with the call is done in the same transaction (see the module doc)."""
    at = now_or(now)
    project = access.get_project_for(actor, project_id, P.OPERATE_RECEPTION)
    _template(template)
    code = acting_post(actor, project.pk, post, prefer=TEMPLATES[template].callers)
    visit = _visit_of(actor, project, visit_id) if visit_id not in (None, "") else None
    if visit is None and template in NEEDS_VISIT:
        raise ValidationFailed(fields={"visit": [_("Choose the visit this call is about")]})
    given = {k: v for k, v in (slots or {}).items() if v not in (None, "")}
    if visit is not None:
        if template == "vip_room_ready":
            return rooms.room_ready(visit, actor=actor, post=code, now=at)
        if template == "taxi_arrived":
            return _taxi_arrived(visit, actor=actor, post=code, plate=given.get("plate"), now=at)
        if (
            template == "vip_room_request"
            and visit.room_id is None
            and code in TEMPLATES[template].callers
        ):
            rooms.allocate(visit, actor=actor, post=code, number=given.pop("room", None), now=at)
        if template == "taxi_request" and code in TEMPLATES[template].callers:
            _request_taxi(visit, actor=actor, post=code, now=at)
        given = {**call_slots(snapshot(visit)), **given}
    return dispatch.send(
        project=project,
        actor=actor,
        caller_post=code,
        template=template,
        callee_post=callee_post or None,
        slots=given,
        visit=visit,
        now=at,
    )


def _load_call(actor: Staff, call_id: Any) -> IntercomCall:
    try:
        pk = int(call_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    call = IntercomCall.objects.filter(pk=pk).only("id", "project_id", "visit_id").first()
    if call is None:
        raise NotFound()
    access.require(actor, call.project_id, P.OPERATE_RECEPTION)
    return call


def _lock_call(pk: int) -> IntercomCall:
    return IntercomCall.objects.select_for_update(of=("self",)).select_related("project").get(pk=pk)


@transaction.atomic
def acknowledge_call(
    *,
    actor: Staff,
    call_id: Any,
    reply: str | None = None,
    post: str | None = None,
    now: dt.datetime | None = None,
) -> IntercomCall:
    """收到 (R-RADIO-02): the callee post answers; for the capacity question the answer is
    可以接待 or 无法接待 and moves the walk-in (R-RADIO-05/19)."""
    at = now_or(now)
    found = _load_call(actor, call_id)
    visit = lock_visit(actor, found.visit_id) if found.visit_id else None
    call = _lock_call(found.pk)
    code = acting_post(actor, call.project_id, post, prefer=call.callee_posts)
    if (
        call.template == "capacity_query"
        and visit is not None
        and visit.stage == Stage.CAPACITY_CHECK
        and reply in (CapacityAnswer.CAN.value, CapacityAnswer.CANNOT.value)
        and call.acknowledged_at is None
    ):
        visits.answer(visit, str(reply), actor=actor, post=code, now=at)
        call.refresh_from_db()
        return call
    return dispatch.acknowledge(call, actor=actor, post=code, reply=reply, now=at)


@transaction.atomic
def complete_call(
    *,
    actor: Staff,
    call_id: Any,
    post: str | None = None,
    plate: str | None = None,
    now: dt.datetime | None = None,
) -> IntercomCall:
    """The service asked for is done (R-RADIO-20): drinks delivered (已送达), copies made, the
    room clean (the room → 空闲), the room ready (→ 已准备, and X1 is told), the taxi 叫到 (with
    its plate)."""
    at = now_or(now)
    found = _load_call(actor, call_id)
    visit = lock_visit(actor, found.visit_id) if found.visit_id else None
    call = _lock_call(found.pk)
    code = acting_post(actor, call.project_id, post, prefer=TEMPLATES[call.template].completers)
    if visit is not None and call.state != CallState.DONE:
        if call.template == "vip_room_request":
            rooms.room_ready(visit, actor=actor, post=code, now=at)
            call.refresh_from_db()
            return call
        if call.template == "taxi_request":
            _taxi_arrived(visit, actor=actor, post=code, plate=plate, now=at)
            call.refresh_from_db()
            return call
        if call.template == "room_cleanup" and visit.room_id is not None:
            room = rooms.room_for_visit(visit)
            if room is not None and room.current_visit_id == visit.pk:
                rooms.step(room, "mark_clean", post=code, actor=actor, now=at)
    return dispatch.complete(call, actor=actor, post=code, now=at)


# --- the sweep ----------------------------------------------------------------------------
SWEEP_BATCH = 500


def reannounce_due_calls(now: dt.datetime) -> int:
    """Flag the calls nobody acknowledged within `radio.ack_timeout` as unanswered and announce
    them again, every timeout, up to `radio.reannounce_limit` times (§21; the limit is an
    assumption). Idempotent: each call is re-checked under its row lock against its stored
    `reannounce_at`, which moves one timeout ahead, so a second run at the same time finds
    nothing to do. Returns how many calls were flagged or re-announced."""
    due = list(
        IntercomCall.objects.filter(reannounce_at__lte=now, acknowledged_at__isnull=True)
        .order_by("reannounce_at", "id")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )
    done = 0
    for pk in due:
        with transaction.atomic():
            call = _lock_call(pk)
            if call.acknowledged_at is not None or call.reannounce_at is None:
                continue
            if call.reannounce_at > now:
                continue
            settings = radio_settings(call.project)
            if not due_for_reannounce(call.announced_at, None, now, settings.ack_timeout):
                call.reannounce_at = call.announced_at + settings.ack_timeout
                call.save(update_fields=["reannounce_at"])
                continue
            _flag_and_reannounce(call, now=now, timeout=settings.ack_timeout)
            done += 1
    return done


def _flag_and_reannounce(call: IntercomCall, *, now: dt.datetime, timeout: dt.timedelta) -> None:
    before = call.state
    fields = ["state", "announced_at", "reannounce_at", "reannounced_count", "unanswered_at"]
    if call.state == CallState.CALLED:
        call.state = next_call_state(call.template, call.state, MARK_UNANSWERED, post=SYSTEM)
        call.unanswered_at = now
        record_event(
            entity=call,
            action="call.unanswered",
            actor=None,
            project_id=call.project_id,
            from_state=before,
            to_state=call.state,
            at=now,
        )
    if call.reannounced_count >= reannounce_limit(call.project):
        call.reannounce_at = None  # stays flagged 未应答 for the supervisors; no more repeats
        call.save(update_fields=fields)
        realtime.publish_on_commit(
            call.project_id, [*call.callee_posts, call.caller_post], "call", dispatch.payload(call)
        )
        return
    call.state = next_call_state(call.template, call.state, REANNOUNCE, post=SYSTEM)
    call.reannounced_count += 1
    call.announced_at = now
    call.reannounce_at = now + timeout
    call.save(update_fields=fields)
    record_event(
        entity=call,
        action="call.reannounced",
        actor=None,
        project_id=call.project_id,
        from_state=CallState.UNANSWERED,
        to_state=call.state,
        note=call.text,
        data={"count": call.reannounced_count},
        at=now,
    )
    realtime.publish_on_commit(
        call.project_id, [*call.callee_posts, call.caller_post], "call", dispatch.payload(call)
    )
