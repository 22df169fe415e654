"""VIP rooms: the board, adding a room, and the butler's / water bar's room actions."""

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core.api.common import ERROR_RESPONSES, PagePagination, ProblemOut, actor_of
from propdesk.reception import selectors, services
from propdesk.reception.api.schemas import PostIn, RoomIn, RoomOut
from propdesk.reception.models import VipRoom

router = Router(tags=["reception"])
ACTED = {**ERROR_RESPONSES, 409: ProblemOut}


class RoomQuery(Schema):
    project: int | None = None


@router.get("/reception/rooms", response={200: list[RoomOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_rooms(request: HttpRequest, filters: Query[RoomQuery]) -> object:
    return selectors.list_rooms(actor_of(request), project=filters.project)


@router.post("/reception/rooms", response={201: RoomOut, **ACTED})
def create_room(request: HttpRequest, payload: RoomIn) -> Status[VipRoom]:
    """Add a VIP room (supervisors)."""
    room = services.create_room(
        actor=actor_of(request),
        project_id=payload.project,
        number=payload.number,
        sort=payload.sort,
    )
    return Status(201, room)


@router.post("/reception/rooms/{room_id}/ready", response={200: RoomOut, **ACTED})
def mark_room_ready(request: HttpRequest, room_id: int, payload: PostIn) -> VipRoom:
    """G1: 已做好接待准备 (R-RADIO-08): the room is ready and X1 is told."""
    return services.mark_room_ready(actor=actor_of(request), room_id=room_id, post=payload.post)


@router.post("/reception/rooms/{room_id}/release", response={200: RoomOut, **ACTED})
def release_room(request: HttpRequest, room_id: int, payload: PostIn) -> VipRoom:
    """Give back a room allocated but not used."""
    return services.release_room(actor=actor_of(request), room_id=room_id, post=payload.post)


@router.post("/reception/rooms/{room_id}/clean", response={200: RoomOut, **ACTED})
def mark_room_clean(request: HttpRequest, room_id: int, payload: PostIn) -> VipRoom:
    """S1: 已打扫 (R-RADIO-14/20): the room is free again."""
    return services.mark_room_clean(actor=actor_of(request), room_id=room_id, post=payload.post)
