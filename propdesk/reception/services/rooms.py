"""VIP rooms (VIP室, R-SITE-15..18, R-RADIO-07/08/14/20): set-up, allocation on X1's request,
ready on the butler's word, cleaning by the water bar.

Allocation locks every room of the project (in id order) before choosing, so two clerks asking
at the same instant never get the same room; the one-to-one `current_visit` column stops a
double booking even if a caller forgot the lock. Lock order: visit → rooms → calls.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import Conflict, NotFound, ValidationFailed
from propdesk.core.models import Staff
from propdesk.core.models.tenancy import ProjectKind
from propdesk.core.services.timeline import record_event
from propdesk.reception import realtime
from propdesk.reception.domain.radio import SYSTEM, RadioError, clean_slot, normalise_room
from propdesk.reception.domain.rooms import (
    MARK_CLEAN,
    MARK_READY,
    RELEASE,
    ROOM_STATE_LABELS,
    RoomState,
    allocate_room,
    apply_room,
    make_room,
)
from propdesk.reception.domain.visits import assign_room
from propdesk.reception.models import IntercomCall, VipRoom, Visit
from propdesk.reception.services import dispatch
from propdesk.reception.services.common import (
    acting_post,
    domain_errors,
    lock_visit,
    now_or,
    project_posts,
    snapshot,
)


def room_payload(room: VipRoom) -> dict[str, Any]:
    return {
        "id": room.pk,
        "number": room.number,
        "label": room.label,
        "state": room.state,
        "state_label": ROOM_STATE_LABELS[RoomState(room.state)],
        "visit": room.current_visit_id,
    }


def _publish(room: VipRoom) -> None:
    realtime.publish_on_commit(
        room.project_id, project_posts(room.project_id), "room", room_payload(room)
    )


def step(
    room: VipRoom,
    action: str,
    *,
    post: str,
    actor: Staff | None,
    now: dt.datetime,
    visit: Visit | None = None,
) -> VipRoom:
    """Take `action` on the (locked) room through the domain's table and log it."""
    with domain_errors():
        after = apply_room(
            make_room(room.number, room.state, room.current_visit_id),
            action,
            post=post,
            visit=visit.pk if visit is not None else None,
        )
    before = room.state
    room.state = after.state
    room.current_visit_id = int(after.visit) if after.visit else None
    room.state_at = now
    room.save(update_fields=["state", "current_visit", "state_at"])
    record_event(
        entity=room,
        action=f"room.{action}",
        actor=actor,
        project_id=room.project_id,
        from_state=before,
        to_state=room.state,
        data={"post": post, "visit": room.current_visit_id or (visit.pk if visit else None)},
        at=now,
    )
    _publish(room)
    return room


def allocate(
    visit: Visit, *, actor: Staff, post: str, number: Any = None, now: dt.datetime
) -> VipRoom:
    """A free room for the (locked) visit — `number` if given, else the lowest free one — set to
    准备中 (R-SITE-15); a room waiting to be cleaned is never given (R-SITE-17)."""
    rooms = list(
        VipRoom.objects.select_for_update()
        .filter(project_id=visit.project_id, is_active=True)
        .order_by("id")
    )
    with domain_errors():
        chosen = allocate_room(
            [make_room(r.number, r.state, r.current_visit_id) for r in rooms],
            visit=visit.pk,
            post=post,
            number=number if number not in (None, "") else None,
        )
        assign_room(snapshot(visit), chosen.number)
    room = next(r for r in rooms if r.number == chosen.number)
    step(room, "allocate", post=post, actor=actor, now=now, visit=visit)
    visit.room = room
    visit.save(update_fields=["room"])
    return room


def room_ready(visit: Visit, *, actor: Staff, post: str, now: dt.datetime) -> IntercomCall:
    """The butler has the (locked) visit's room ready (R-RADIO-08, R-RADIO-20): the room →
    已准备, the ready call to the key-account manager, X1's request call done."""
    if visit.room_id is None:
        raise ValidationFailed(fields={"visit": [_("No VIP room has been allocated yet")]})
    room = VipRoom.objects.select_for_update().get(pk=visit.room_id)
    step(room, MARK_READY, post=post, actor=actor, now=now, visit=visit)
    request = dispatch.open_call(visit, "vip_room_request")
    if request is not None:
        dispatch.complete(request, actor=actor, post=post, now=now)
    slots = {"room": room.number}
    if visit.salesperson_id:
        slots["callee_name"] = visit.salesperson.name  # type: ignore[union-attr]
    return dispatch.send(
        project=visit.project,
        actor=actor,
        caller_post=post,
        template="vip_room_ready",
        slots=slots,
        visit=visit,
        now=now,
    )


# --- public services ------------------------------------------------------------------------
@transaction.atomic
def create_room(*, actor: Staff, project_id: Any, number: Any, sort: int = 100) -> VipRoom:
    """Add a VIP room to a sales centre (supervisors)."""
    project = access.get_project_for(actor, project_id, P.SUPERVISE_RECEPTION)
    if project.kind != ProjectKind.SALES_CENTRE:
        raise ValidationFailed(fields={"number": [_("Only a sales centre has VIP rooms")]})
    code = normalise_room(number or "")
    try:
        clean_slot("room", code)
    except RadioError as exc:
        raise ValidationFailed(fields={"number": [exc.message]}) from None
    try:
        with transaction.atomic():
            room = VipRoom.objects.create(project=project, number=code, sort=sort)
    except IntegrityError:
        raise ValidationFailed(fields={"number": [_("This room already exists")]}) from None
    record_event(entity=room, action="room.created", actor=actor, project_id=project.pk)
    return room


def _lock_room_for(actor: Staff, room_id: Any) -> VipRoom:
    try:
        pk = int(room_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    room = VipRoom.objects.filter(pk=pk).first()
    if room is None:
        raise NotFound()
    access.require(actor, room.project_id, P.OPERATE_RECEPTION)
    return room


@transaction.atomic
def request_room(
    *,
    actor: Staff,
    visit_id: Any,
    number: Any = None,
    post: str | None = None,
    now: dt.datetime | None = None,
) -> VipRoom:
    """Allocate a VIP room to a visit without a radio call (the butler's own board); X1 asks
    with the call R-RADIO-07 (`calls.send_call(template="vip_room_request")`)."""
    at = now_or(now)
    visit = lock_visit(actor, visit_id)
    code = acting_post(actor, visit.project_id, post)
    return allocate(visit, actor=actor, post=code, number=number, now=at)


@transaction.atomic
def mark_room_ready(
    *, actor: Staff, room_id: Any, post: str | None = None, now: dt.datetime | None = None
) -> VipRoom:
    """G1: the room is ready (R-RADIO-08), from the room board."""
    at = now_or(now)
    room = _lock_room_for(actor, room_id)
    if room.current_visit_id is None:
        with domain_errors():
            apply_room(make_room(room.number, room.state), MARK_READY, post=SYSTEM)
    visit = lock_visit(actor, room.current_visit_id)
    code = acting_post(actor, visit.project_id, post)
    if visit.room_id != room.pk:
        raise Conflict()
    room_ready(visit, actor=actor, post=code, now=at)
    room.refresh_from_db()
    return room


@transaction.atomic
def release_room(
    *, actor: Staff, room_id: Any, post: str | None = None, now: dt.datetime | None = None
) -> VipRoom:
    """Give back a room allocated but not used (准备中/已准备 → 空闲, R-SITE-17)."""
    at = now_or(now)
    found = _lock_room_for(actor, room_id)
    visit = lock_visit(actor, found.current_visit_id) if found.current_visit_id else None
    room = VipRoom.objects.select_for_update().get(pk=found.pk)
    code = acting_post(actor, room.project_id, post)
    holder = visit if visit is not None and room.current_visit_id == visit.pk else None
    step(room, RELEASE, post=code, actor=actor, now=at)
    if holder is not None:
        holder.room = None
        holder.save(update_fields=["room"])
        realtime.publish_on_commit(
            holder.project_id, project_posts(holder.project_id), "visit", {"id": holder.pk}
        )
    return room


@transaction.atomic
def mark_room_clean(
    *, actor: Staff, room_id: Any, post: str | None = None, now: dt.datetime | None = None
) -> VipRoom:
    """S1: the room is clean (R-RADIO-14/20): 待打扫 → 空闲, the clean-up call done."""
    at = now_or(now)
    found = _lock_room_for(actor, room_id)
    visit = (
        Visit.objects.select_for_update().filter(pk=found.current_visit_id).first()
        if found.current_visit_id
        else None
    )
    room = VipRoom.objects.select_for_update().get(pk=found.pk)
    code = acting_post(actor, room.project_id, post)
    step(room, MARK_CLEAN, post=code, actor=actor, now=at)
    if visit is not None:
        cleanup = dispatch.open_call(visit, "room_cleanup")
        if cleanup is not None:
            dispatch.complete(cleanup, actor=actor, post=code, now=at)
    return room


def room_for_visit(visit: Visit) -> VipRoom | None:
    if visit.room_id is None:
        return None
    return VipRoom.objects.select_for_update().get(pk=visit.room_id)
