"""VIP rooms (VIP室, SPEC §3.1, R-SITE-15..18, R-RADIO-07/08/14/20).

A room goes free → preparing → ready → occupied → to-clean → free (空闲 → 准备中 → 已准备 →
使用中 → 待打扫 → 空闲). X1 asks for a room (R-RADIO-07): a free room is allocated to the visit
and set to preparing; the butler confirms (R-RADIO-08): ready; the client enters: occupied; the
client leaves: to-clean, and the butler calls the water bar (R-RADIO-14); the water bar confirms
cleaning: free. A room holds one visit at a time, a visit holds one room, and a room waiting to
be cleaned cannot be allocated (R-SITE-17).

Pure Python: no Django, no I/O. A `VipRoom` is a snapshot; every function returns a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from propdesk.reception.domain.radio import POST_NAMES, SYSTEM, PostCode, normalise_room


class RoomError(ValueError):
    """A room step that is not allowed. `message` is Chinese; `field` names the input at fault;
    `code` is `invalid`, `forbidden` or `transition_not_allowed`."""

    def __init__(self, message: str, *, field: str = "", code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class RoomState(StrEnum):
    FREE = "free"  # 空闲
    PREPARING = "preparing"  # 准备中: allocated on X1's request, the butler prepares it
    READY = "ready"  # 已准备: the butler said "VIP×已经做好接待准备"
    OCCUPIED = "occupied"  # 使用中: the client is in the room
    TO_CLEAN = "to_clean"  # 待打扫: the client left; the water bar cleans it


ROOM_STATE_LABELS: Final[Mapping[RoomState, str]] = MappingProxyType(
    {
        RoomState.FREE: "空闲",
        RoomState.PREPARING: "准备中",
        RoomState.READY: "已准备",
        RoomState.OCCUPIED: "使用中",
        RoomState.TO_CLEAN: "待打扫",
    }
)

ALLOCATE: Final = "allocate"
MARK_READY: Final = "mark_ready"
OCCUPY: Final = "occupy"
RELEASE: Final = "release"
VACATE: Final = "vacate"
MARK_CLEAN: Final = "mark_clean"

ROOM_ACTION_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        ALLOCATE: "安排VIP室",
        MARK_READY: "已做好接待准备",
        OCCUPY: "客户进入",
        RELEASE: "取消安排",
        VACATE: "客人已离去",
        MARK_CLEAN: "已打扫",
    }
)


@dataclass(frozen=True)
class RoomStep:
    to: RoomState
    posts: frozenset[str]
    rule: str
    call: str = ""  # the radio template that goes with the step


_X1, _G1, _S1 = PostCode.X1, PostCode.G1, PostCode.S1

ROOM_TRANSITIONS: Final[Mapping[tuple[RoomState, str], RoomStep]] = MappingProxyType(
    {
        (RoomState.FREE, ALLOCATE): RoomStep(
            RoomState.PREPARING, frozenset({_X1, _G1}), "R-SITE-15", "vip_room_request"
        ),
        (RoomState.PREPARING, MARK_READY): RoomStep(
            RoomState.READY, frozenset({_G1}), "R-RADIO-08", "vip_room_ready"
        ),
        (RoomState.READY, OCCUPY): RoomStep(RoomState.OCCUPIED, frozenset({_X1, _G1}), "R-SITE-16"),
        # 如遇客户已经上楼管家直接做指引做对接 (R-RADIO-08): the butler hands over a room in preparation.
        (RoomState.PREPARING, OCCUPY): RoomStep(RoomState.OCCUPIED, frozenset({_G1}), "R-RADIO-08"),
        (RoomState.PREPARING, RELEASE): RoomStep(
            RoomState.FREE, frozenset({_X1, _G1}), "R-SITE-17"
        ),
        (RoomState.READY, RELEASE): RoomStep(RoomState.FREE, frozenset({_X1, _G1}), "R-SITE-17"),
        (RoomState.OCCUPIED, VACATE): RoomStep(
            RoomState.TO_CLEAN, frozenset({_X1, _G1, SYSTEM}), "R-SITE-18", "room_cleanup"
        ),
        (RoomState.TO_CLEAN, MARK_CLEAN): RoomStep(RoomState.FREE, frozenset({_S1}), "R-RADIO-20"),
    }
)


@dataclass(frozen=True)
class VipRoom:
    """A VIP room of a project: its number (said as "VIP3"), state and the visit holding it."""

    number: str
    state: RoomState = RoomState.FREE
    visit: str | None = None

    @property
    def label(self) -> str:
        return f"VIP{self.number}"


def make_room(
    number: object, state: RoomState | str = RoomState.FREE, visit: object = None
) -> VipRoom:
    """A room snapshot from stored values, with the number normalised ('VIP3室' → '3')."""
    room_number = normalise_room(number)
    if not room_number:
        raise RoomError("请填写VIP室号", field="number")
    return VipRoom(room_number, RoomState(state), None if visit is None else str(visit))


def allowed_room_actions(room: VipRoom, post: str) -> tuple[str, ...]:
    return tuple(
        action
        for (state, action), step in ROOM_TRANSITIONS.items()
        if state == room.state and post in step.posts
    )


def apply_room(room: VipRoom, action: str, *, post: str, visit: object = None) -> VipRoom:
    """`post` takes `action` on `room`. `allocate` needs the visit; prefer `allocate_room`, which
    also checks the visit holds no other room."""
    step = ROOM_TRANSITIONS.get((room.state, action))
    label = ROOM_ACTION_LABELS.get(action, action)
    if step is None:
        raise RoomError(_refusal(room, action), field="action", code="transition_not_allowed")
    if post not in step.posts:
        allowed = "、".join(POST_NAMES[p] for p in sorted(step.posts))
        raise RoomError(
            f"{POST_NAMES.get(post, post)}不能对{room.label}执行“{label}”,应由{allowed}操作",
            field="post",
            code="forbidden",
        )
    if action == ALLOCATE:
        if visit is None or not str(visit).strip():
            raise RoomError("请指明使用VIP室的来访", field="visit")
        return replace(room, state=step.to, visit=str(visit))
    if step.to == RoomState.FREE:
        return replace(room, state=step.to, visit=None)
    return replace(room, state=step.to)


def _refusal(room: VipRoom, action: str) -> str:
    if action == ALLOCATE and room.state == RoomState.TO_CLEAN:
        return f"{room.label}待打扫,水吧确认打扫完成前不能安排"
    if action == ALLOCATE:
        return f"{room.label}{ROOM_STATE_LABELS[room.state]},已安排给其他来访,不能再安排"
    label = ROOM_ACTION_LABELS.get(action, action)
    return f"{room.label}处于“{ROOM_STATE_LABELS[room.state]}”状态,不能“{label}”"


def _room_sort_key(room: VipRoom) -> tuple[int, int, str]:
    digits = room.number.isdigit()
    return (0 if digits else 1, int(room.number) if digits else 0, room.number)


def allocate_room(
    rooms: Iterable[VipRoom], *, visit: object, post: str, number: object = None
) -> VipRoom:
    """Allocate a room to `visit` on X1's request (R-SITE-15): room `number` if given, else the
    lowest-numbered free room. Refuses a visit that already holds a room, a room held by another
    visit and a room waiting to be cleaned (R-SITE-17)."""
    rooms = sorted(rooms, key=_room_sort_key)
    visit_id = str(visit) if visit is not None else ""
    held = [r for r in rooms if visit_id and r.visit == visit_id]
    if held:
        raise RoomError(
            f"该来访已安排{held[0].label},一个来访只能使用一间VIP室", field="visit", code="conflict"
        )
    if number is not None:
        wanted = normalise_room(number)
        for room in rooms:
            if room.number == wanted:
                return apply_room(room, ALLOCATE, post=post, visit=visit)
        raise RoomError(f"没有VIP{wanted}", field="number")
    for room in rooms:
        if room.state == RoomState.FREE:
            return apply_room(room, ALLOCATE, post=post, visit=visit)
    waiting = "、".join(r.label for r in rooms if r.state == RoomState.TO_CLEAN)
    message = "目前没有空闲的VIP室"
    if waiting:
        message += f"({waiting}待打扫)"
    raise RoomError(message, field="number", code="conflict")
