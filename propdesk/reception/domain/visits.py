"""A client party's journey across the reception posts (来访接待, SPEC §3, R-SITE-01..20).

gate → [walk-in: capacity check → 可以接待 | 无法接待 → declined] → parking (by car) → door →
reception area ⇄ model area (either order, A-SITE-3) → VIP room → leaving → departed.

`VISIT_TRANSITIONS` is the table: (stage, action) → next stage, the posts that may take the step
and a named guard. `apply_visit` enforces it and stamps the time of every stage; `effects` says
which intercom calls (see `radio`) and VIP-room step (see `rooms`) go with a step; `call_slots`
fills the calls' slots from the visit. What each post must do next, with the standard phrase to
say, is in `duties`. Taxi requests (叫出租车) need a plate number before 叫到 (R-SITE-19).

Pure Python: no Django, no I/O; the time of each step is passed in. A `Visit` is a snapshot:
every function returns a new one. Messages are Chinese, ready to show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from propdesk.reception.domain.radio import (
    MODE_APPOINTMENT,
    MODE_WALK_IN,
    POST_NAMES,
    SYSTEM,
    CapacityAnswer,
    PostCode,
    RadioError,
    clean_slot,
    normalise_room,
)
from propdesk.reception.domain.rooms import OCCUPY, VACATE


class VisitError(ValueError):
    """A visit step that is not allowed or bad visit data. `message` is Chinese; `field` names
    the input at fault; `code` is `invalid`, `forbidden` or `transition_not_allowed`."""

    def __init__(self, message: str, *, field: str = "", code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class VisitMode(StrEnum):
    APPOINTMENT = MODE_APPOINTMENT  # 预约模式
    WALK_IN = MODE_WALK_IN  # 非预约模式 / 常态接待


class VisitCategory(StrEnum):
    SALES = "sales"  # came to see the display centre
    NON_SALES = "non_sales"  # asking the way, internal or affiliated consultation (R-SITE-05)


class Stage(StrEnum):
    EXPECTED = "expected"  # 预约待到: an appointment not yet at the gate
    AT_GATE = "at_gate"  # 门岗: L1 has stopped the party
    CAPACITY_CHECK = "capacity_check"  # 询问接待: L1 asked the sales centre (walk-in)
    GATE_DECLINED = "gate_declined"  # 无法接待: recorded; the party waits or rebooks
    PARKING = "parking"  # 停车: L2 guides the car
    AT_DOOR = "at_door"  # 迎宾: Y1/Y2 greet, X1 takes over
    RECEPTION_AREA = "reception_area"  # 接待区: seat, lemon water, client card
    MODEL_AREA = "model_area"  # 模型区讲解
    VIP_ROOM = "vip_room"  # VIP室
    LEAVING = "leaving"  # 即将离场: X1 has announced the departure
    DEPARTED = "departed"  # 离场: the visit is closed


STAGE_LABELS: Final[Mapping[Stage, str]] = MappingProxyType(
    {
        Stage.EXPECTED: "预约待到",
        Stage.AT_GATE: "门岗",
        Stage.CAPACITY_CHECK: "询问接待",
        Stage.GATE_DECLINED: "无法接待",
        Stage.PARKING: "停车",
        Stage.AT_DOOR: "迎宾",
        Stage.RECEPTION_AREA: "接待区",
        Stage.MODEL_AREA: "模型区讲解",
        Stage.VIP_ROOM: "VIP室",
        Stage.LEAVING: "即将离场",
        Stage.DEPARTED: "离场",
    }
)

IN_BUILDING: Final = frozenset(
    {Stage.RECEPTION_AREA, Stage.MODEL_AREA, Stage.VIP_ROOM, Stage.LEAVING}
)

ARRIVE: Final = "arrive"
ASK_CAPACITY: Final = "ask_capacity"
ADMIT: Final = "admit"
DECLINE: Final = "decline"
TO_PARKING: Final = "to_parking"
TO_DOOR: Final = "to_door"
LEAVE: Final = "leave"
TO_RECEPTION_AREA: Final = "to_reception_area"
TO_MODEL_AREA: Final = "to_model_area"
TO_VIP_ROOM: Final = "to_vip_room"
ANNOUNCE_LEAVING: Final = "announce_leaving"
DEPART: Final = "depart"

ACTION_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        ARRIVE: "客户到达门岗",
        ASK_CAPACITY: "询问能否接待",
        ADMIT: "可以接待",
        DECLINE: "无法接待",
        TO_PARKING: "指引去停车场",
        TO_DOOR: "前往大门",
        LEAVE: "从门岗离开",
        TO_RECEPTION_AREA: "进入接待区",
        TO_MODEL_AREA: "模型区讲解",
        TO_VIP_ROOM: "前往VIP室",
        ANNOUNCE_LEAVING: "即将离场",
        DEPART: "离场",
    }
)

# Items of the QC and conduct checklists for what the system cannot record (R-SITE-20).
CONDUCT_CHECK_ITEMS: Final = ("标准姿势", "标准用语")
STANDARD_DRINK: Final = "柠檬水"  # R-SITE-12


@dataclass(frozen=True)
class StageEntry:
    """One step of the journey: the stage entered, when, by which action and post."""

    stage: Stage
    at: dt.datetime
    action: str
    post: str


@dataclass(frozen=True)
class Visit:
    """A client party (来访接待记录, SPEC §3.1) as the rules need it."""

    mode: VisitMode
    stage: Stage
    history: tuple[StageEntry, ...]
    client_name: str = ""
    salutation: str = "先生"
    party_size: int = 1
    appearance: str = ""
    has_vehicle: bool = False
    multi_person_car: bool = False
    raining: bool = False
    own_umbrella: bool = False
    smoker: bool = False
    category: VisitCategory = VisitCategory.SALES
    capacity_answer: str = ""
    room: str = ""
    salesperson_name: str = ""

    @property
    def client(self) -> str:
        """'王先生' — name and salutation as the scripts say them ('**先生' if unknown)."""
        return (self.client_name or "**") + self.salutation

    @property
    def stage_times(self) -> dict[Stage, dt.datetime]:
        """When each stage was first entered (R-SITE: a timestamp per stage)."""
        times: dict[Stage, dt.datetime] = {}
        for entry in self.history:
            times.setdefault(entry.stage, entry.at)
        return times

    @property
    def last_at(self) -> dt.datetime:
        return self.history[-1].at

    def visited(self, stage: Stage) -> bool:
        return any(entry.stage == stage for entry in self.history)

    @property
    def cleared(self) -> bool:
        """May leave the gate: an appointment, a non-sales visitor, or a walk-in the sales
        centre can receive (R-SITE-04, R-RADIO-19)."""
        return (
            self.mode == VisitMode.APPOINTMENT
            or self.category == VisitCategory.NON_SALES
            or self.capacity_answer == CapacityAnswer.CAN
        )


def start_visit(
    mode: VisitMode | str,
    *,
    at: dt.datetime,
    post: str = "",
    client_name: str = "",
    salutation: str = "先生",
    party_size: int = 1,
    appearance: str = "",
    has_vehicle: bool = False,
    multi_person_car: bool = False,
    raining: bool = False,
    own_umbrella: bool = False,
    smoker: bool = False,
    salesperson_name: str = "",
) -> Visit:
    """A walk-in is opened at the gate by L1 (stage at_gate); an appointment starts expected
    (预约待到) and L1 marks its arrival (R-SITE-04)."""
    visit_mode = _mode(mode)
    if visit_mode == VisitMode.WALK_IN:
        if post != PostCode.L1:
            raise VisitError("非预约客户由门岗礼宾(L1)登记", field="post", code="forbidden")
        entry = StageEntry(Stage.AT_GATE, at, "create", post)
    else:
        entry = StageEntry(Stage.EXPECTED, at, "create", post or SYSTEM)
    visit = Visit(
        mode=visit_mode,
        stage=entry.stage,
        history=(entry,),
        client_name=client_name,
        salutation=salutation,
        party_size=party_size,
        appearance=appearance,
        has_vehicle=has_vehicle,
        multi_person_car=multi_person_car,
        raining=raining,
        own_umbrella=own_umbrella,
        smoker=smoker,
        salesperson_name=salesperson_name,
    )
    return _checked(visit)


def _mode(mode: VisitMode | str) -> VisitMode:
    try:
        return VisitMode(mode)
    except ValueError:
        raise VisitError("接待模式只能是预约或非预约", field="mode") from None


def update_visit(visit: Visit, **changes: object) -> Visit:
    """Correct the party's details (name, salutation, party size, appearance, vehicle, weather,
    umbrella, smoker, category, salesperson); the journey itself changes only via `apply_visit`."""
    protected = {"mode", "stage", "history", "capacity_answer", "room"}
    bad = sorted(set(changes) & protected)
    if bad:
        raise VisitError(f"不能直接修改:{bad[0]}", field=bad[0])
    unknown = sorted(k for k in changes if k not in Visit.__dataclass_fields__)
    if unknown:
        raise VisitError(f"未知的来访信息:{unknown[0]}", field=unknown[0])
    if "category" in changes:
        changes["category"] = _category(changes["category"])
    return _checked(replace(visit, **changes))  # type: ignore[arg-type]


def _category(value: object) -> VisitCategory:
    try:
        return VisitCategory(str(value))
    except ValueError:
        raise VisitError("来访类别只能是销售或非销售", field="category") from None


def record_gate_answer(visit: Visit, *, visiting_display_centre: bool) -> Visit:
    """The answer to "请问您是来参观展示中心的吗": 是的 → a sales visit; otherwise a non-sales
    reception (asking the way, internal consultation), which takes no rotation turn but is still
    received to standard (R-SITE-01, R-SITE-05)."""
    if visit.stage != Stage.AT_GATE:
        raise VisitError("只能在门岗登记客户来意", field="stage", code="transition_not_allowed")
    category = VisitCategory.SALES if visiting_display_centre else VisitCategory.NON_SALES
    return replace(visit, category=category)


def _checked(visit: Visit) -> Visit:
    """Validate the party's details with the intercom slot rules, so every call can be filled."""
    try:
        if visit.client_name:
            clean_slot("client_name", visit.client_name)
        if visit.salesperson_name:
            clean_slot("caller_name", visit.salesperson_name)
        if visit.appearance:
            clean_slot("appearance", visit.appearance)
        clean_slot("party_size", visit.party_size)
        salutation = clean_slot("salutation", visit.salutation)
    except RadioError as exc:
        names = {"caller_name": "salesperson_name"}
        raise VisitError(exc.message, field=names.get(exc.slot, exc.slot)) from None
    if visit.multi_person_car and not visit.has_vehicle:
        raise VisitError("“1车多人”只适用于开车来访", field="multi_person_car")
    return replace(visit, salutation=salutation)


# ---------------------------------------------------------------------------------------------
# Transition table


@dataclass(frozen=True)
class VisitStep:
    to: Stage
    posts: frozenset[str]
    rule: str
    guard: str = ""


_L1, _L2, _X1, _CENTRE = PostCode.L1, PostCode.L2, PostCode.X1, PostCode.CENTRE


def _only(*posts: str) -> frozenset[str]:
    return frozenset(posts)


VISIT_TRANSITIONS: Final[Mapping[tuple[Stage, str], VisitStep]] = MappingProxyType(
    {
        (Stage.EXPECTED, ARRIVE): VisitStep(Stage.AT_GATE, _only(_L1), "R-SITE-04"),
        (Stage.AT_GATE, ASK_CAPACITY): VisitStep(
            Stage.CAPACITY_CHECK, _only(_L1), "R-SITE-04", "walk_in_to_ask"
        ),
        # 可以接待: the party is back at the gate, cleared to go on (R-RADIO-05).
        (Stage.CAPACITY_CHECK, ADMIT): VisitStep(Stage.AT_GATE, _only(_CENTRE), "R-RADIO-05"),
        (Stage.CAPACITY_CHECK, DECLINE): VisitStep(
            Stage.GATE_DECLINED, _only(_CENTRE), "R-RADIO-19"
        ),
        # The party agreed to wait: ask again (A-SITE-5).
        (Stage.GATE_DECLINED, ASK_CAPACITY): VisitStep(
            Stage.CAPACITY_CHECK, _only(_L1), "R-RADIO-19"
        ),
        (Stage.AT_GATE, TO_PARKING): VisitStep(Stage.PARKING, _only(_L1), "R-SITE-02", "by_car"),
        (Stage.AT_GATE, TO_DOOR): VisitStep(Stage.AT_DOOR, _only(_L1), "R-SITE-02", "on_foot"),
        (Stage.AT_GATE, LEAVE): VisitStep(Stage.DEPARTED, _only(_L1), "R-SITE-05", "non_sales"),
        (Stage.PARKING, TO_DOOR): VisitStep(Stage.AT_DOOR, _only(_L2), "R-SITE-08"),
        (Stage.AT_DOOR, TO_RECEPTION_AREA): VisitStep(
            Stage.RECEPTION_AREA, _only(_X1), "R-SITE-10"
        ),
        (Stage.AT_DOOR, TO_MODEL_AREA): VisitStep(Stage.MODEL_AREA, _only(_X1), "R-SITE-10"),
        (Stage.RECEPTION_AREA, TO_MODEL_AREA): VisitStep(
            Stage.MODEL_AREA, _only(_X1), "R-SITE-14", "model_area_not_visited"
        ),
        (Stage.MODEL_AREA, TO_RECEPTION_AREA): VisitStep(
            Stage.RECEPTION_AREA, _only(_X1), "R-SITE-12", "reception_area_not_visited"
        ),
        (Stage.RECEPTION_AREA, TO_VIP_ROOM): VisitStep(
            Stage.VIP_ROOM, _only(_X1), "R-SITE-16", "room_allocated"
        ),
        (Stage.MODEL_AREA, TO_VIP_ROOM): VisitStep(
            Stage.VIP_ROOM, _only(_X1), "R-SITE-16", "room_allocated"
        ),
        (Stage.RECEPTION_AREA, ANNOUNCE_LEAVING): VisitStep(Stage.LEAVING, _only(_X1), "R-SITE-18"),
        (Stage.MODEL_AREA, ANNOUNCE_LEAVING): VisitStep(Stage.LEAVING, _only(_X1), "R-SITE-18"),
        (Stage.VIP_ROOM, ANNOUNCE_LEAVING): VisitStep(Stage.LEAVING, _only(_X1), "R-SITE-18"),
        (Stage.LEAVING, DEPART): VisitStep(Stage.DEPARTED, _only(_X1, _L1, _CENTRE), "R-SITE-18"),
    }
)


def _guard_walk_in_to_ask(visit: Visit) -> str:
    if visit.mode == VisitMode.APPOINTMENT:
        return "预约客户无需询问能否接待,请直接通知接待中心客户已经抵达"
    if visit.category == VisitCategory.NON_SALES:
        return "非参观客户不占用接访名额,无需询问能否接待"
    if visit.capacity_answer == CapacityAnswer.CAN:
        return "销售中心已答复可以接待"
    return ""


def _gate_cleared(visit: Visit) -> str:
    if visit.cleared:
        return ""
    if visit.capacity_answer == CapacityAnswer.CANNOT:
        return "销售中心已答复无法接待,不能放行"
    return "非预约客户须先询问销售中心能否接待"


def _guard_by_car(visit: Visit) -> str:
    refused = _gate_cleared(visit)
    if refused:
        return refused
    return "" if visit.has_vehicle else "客户没有开车,请直接指引客户前往展示中心"


def _guard_on_foot(visit: Visit) -> str:
    refused = _gate_cleared(visit)
    if refused:
        return refused
    return "客户开车前来,请先指引客户去L2岗停车" if visit.has_vehicle else ""


def _guard_non_sales(visit: Visit) -> str:
    if visit.category == VisitCategory.NON_SALES:
        return ""
    return "参观客户不能从门岗直接离开;如无法接待,请由销售中心答复“无法接待”"


def _guard_model_area_not_visited(visit: Visit) -> str:
    return "模型区已经讲解过" if visit.visited(Stage.MODEL_AREA) else ""


def _guard_reception_area_not_visited(visit: Visit) -> str:
    return "客户已经到过接待区" if visit.visited(Stage.RECEPTION_AREA) else ""


def _guard_room_allocated(visit: Visit) -> str:
    return "" if visit.room else "尚未安排VIP室,请先呼叫大客户管家安排"


GUARDS: Final[Mapping[str, Callable[[Visit], str]]] = MappingProxyType(
    {
        "walk_in_to_ask": _guard_walk_in_to_ask,
        "by_car": _guard_by_car,
        "on_foot": _guard_on_foot,
        "non_sales": _guard_non_sales,
        "model_area_not_visited": _guard_model_area_not_visited,
        "reception_area_not_visited": _guard_reception_area_not_visited,
        "room_allocated": _guard_room_allocated,
    }
)


def refusal(visit: Visit, action: str, post: str) -> str:
    """Why `post` may not take `action` now, in Chinese; "" when it may."""
    step = VISIT_TRANSITIONS.get((visit.stage, action))
    label = ACTION_LABELS.get(action, action)
    if step is None:
        return f"来访处于“{STAGE_LABELS[visit.stage]}”阶段,不能“{label}”"
    if post not in step.posts:
        allowed = "、".join(POST_NAMES[p] for p in PostCode if p in step.posts)
        return f"{POST_NAMES.get(post, post)}不能执行“{label}”,应由{allowed}操作"
    return GUARDS[step.guard](visit) if step.guard else ""


def allowed_actions(visit: Visit, post: str) -> tuple[str, ...]:
    """The steps `post` may take now: the buttons of the post's screen."""
    return tuple(
        action
        for (stage, action) in VISIT_TRANSITIONS
        if stage == visit.stage and not refusal(visit, action, post)
    )


def apply_visit(visit: Visit, action: str, *, post: str, at: dt.datetime) -> Visit:
    """`post` takes `action` at time `at`; returns the visit in its next stage with the step in
    its history. Raises `VisitError` (code transition_not_allowed or forbidden) otherwise."""
    reason = refusal(visit, action, post)
    if reason:
        step = VISIT_TRANSITIONS.get((visit.stage, action))
        code = (
            "forbidden" if step is not None and post not in step.posts else "transition_not_allowed"
        )
        raise VisitError(reason, field="action", code=code)
    if at < visit.last_at:
        raise VisitError(
            f"时间不能早于上一步({visit.last_at:%H:%M:%S})", field="at", code="invalid"
        )
    step = VISIT_TRANSITIONS[(visit.stage, action)]
    answer = visit.capacity_answer
    if action == ADMIT:
        answer = CapacityAnswer.CAN.value
    elif action == DECLINE:
        answer = CapacityAnswer.CANNOT.value
    elif action == ASK_CAPACITY:
        answer = ""
    return replace(
        visit,
        stage=step.to,
        capacity_answer=answer,
        history=(*visit.history, StageEntry(step.to, at, action, post)),
    )


def answer_capacity(
    visit: Visit, answer: CapacityAnswer | str, *, post: str, at: dt.datetime
) -> Visit:
    """The sales centre's answer to the capacity question (R-RADIO-05): 可以接待 clears the party
    at the gate, 无法接待 records it as declined (R-RADIO-19, A-SITE-5)."""
    try:
        reply = CapacityAnswer(answer)
    except ValueError:
        raise VisitError("请答复:可以接待 / 无法接待", field="reply") from None
    return apply_visit(visit, ADMIT if reply == CapacityAnswer.CAN else DECLINE, post=post, at=at)


def assign_room(visit: Visit, room: object) -> Visit:
    """Record the VIP room allocated to the visit (see `rooms.allocate_room`, R-SITE-15/17)."""
    if visit.room:
        raise VisitError(
            f"该来访已安排VIP{visit.room},一个来访只能使用一间VIP室", field="room", code="conflict"
        )
    if visit.stage not in (Stage.AT_DOOR, Stage.RECEPTION_AREA, Stage.MODEL_AREA):
        raise VisitError(
            f"来访处于“{STAGE_LABELS[visit.stage]}”阶段,不能安排VIP室",
            field="room",
            code="transition_not_allowed",
        )
    number = normalise_room(room)
    try:
        clean_slot("room", number)
    except RadioError as exc:
        raise VisitError(exc.message, field="room") from None
    return replace(visit, room=number)


# ---------------------------------------------------------------------------------------------
# What goes with a step: intercom calls and the VIP room


@dataclass(frozen=True)
class StepEffects:
    """The calls the step sends (radio template keys, in order) and the room step it triggers."""

    calls: tuple[str, ...] = ()
    room_action: str = ""


def see_off_call(visit: Visit) -> str:
    """The departure call: 送客(非预约) R-RADIO-16 for a walk-in; for an appointment R-RADIO-09
    from the VIP room (R-RADIO-21, A-RADIO-2), or R-RADIO-16 when no room was used."""
    if visit.mode == VisitMode.APPOINTMENT and visit.room:
        return "vip_departure"
    return "see_off"


def effects(visit: Visit, action: str) -> StepEffects:
    """What goes with `action` taken on `visit` (in its stage before the step)."""
    if action == ASK_CAPACITY:
        return StepEffects(calls=("capacity_query",))
    if action in (TO_PARKING, TO_DOOR) and visit.stage == Stage.AT_GATE:
        if visit.category == VisitCategory.NON_SALES:
            return StepEffects()
        arrival = "appointment_arrived" if visit.mode == VisitMode.APPOINTMENT else "walk_in_on_way"
        return StepEffects(calls=(arrival, "arrival_broadcast"))
    if action == TO_VIP_ROOM:
        return StepEffects(room_action=OCCUPY)
    if action == ANNOUNCE_LEAVING:
        return StepEffects(calls=(see_off_call(visit),))
    if action == DEPART and visit.room:
        return StepEffects(calls=("room_cleanup",), room_action=VACATE)
    return StepEffects()


def call_slots(visit: Visit) -> dict[str, object]:
    """The slots of any call about this visit the system can fill: client, party size,
    appearance, mode, room, and the salesperson as the callee of R-RADIO-08/17a."""
    slots: dict[str, object] = {
        "salutation": visit.salutation,
        "party_size": visit.party_size,
        "mode": visit.mode.value,
    }
    if visit.client_name:
        slots["client_name"] = visit.client_name
    if visit.appearance:
        slots["appearance"] = visit.appearance
    if visit.room:
        slots["room"] = visit.room
    if visit.salesperson_name:
        slots["callee_name"] = visit.salesperson_name
    return slots


# ---------------------------------------------------------------------------------------------
# Taxi requests (叫出租车, R-SITE-19, R-RADIO-17/17a)


class TaxiState(StrEnum):
    REQUESTED = "requested"  # 已叫车: X1 asked L1 (R-RADIO-17)
    ARRIVED = "arrived"  # 叫到: L1 reported it with the plate number (R-RADIO-17a)
    DEPARTED = "departed"  # 已离开


TAXI_STATE_LABELS: Final[Mapping[TaxiState, str]] = MappingProxyType(
    {TaxiState.REQUESTED: "已叫车", TaxiState.ARRIVED: "已叫到", TaxiState.DEPARTED: "已离开"}
)


@dataclass(frozen=True)
class TaxiRequest:
    state: TaxiState
    requested_at: dt.datetime
    arrived_at: dt.datetime | None = None
    departed_at: dt.datetime | None = None
    plate: str = ""


def request_taxi(visit: Visit, *, post: str, at: dt.datetime) -> TaxiRequest:
    """X1 asks L1 to call a taxi for a client still in the sales centre (R-RADIO-17)."""
    if post != PostCode.X1:
        raise VisitError("出租车由大客户经理(X1)呼叫L1岗叫车", field="post", code="forbidden")
    if visit.stage not in IN_BUILDING:
        raise VisitError(
            f"来访处于“{STAGE_LABELS[visit.stage]}”阶段,不能叫出租车",
            field="stage",
            code="transition_not_allowed",
        )
    return TaxiRequest(TaxiState.REQUESTED, requested_at=at)


def taxi_arrived(taxi: TaxiRequest, *, post: str, at: dt.datetime, plate: str) -> TaxiRequest:
    """L1 reports the taxi 叫到; the plate number must be recorded first (R-SITE-19)."""
    if post != PostCode.L1:
        raise VisitError("出租车叫到由门岗礼宾(L1)确认", field="post", code="forbidden")
    if taxi.state != TaxiState.REQUESTED:
        raise VisitError(
            f"出租车{TAXI_STATE_LABELS[taxi.state]},不能再标记叫到",
            field="state",
            code="transition_not_allowed",
        )
    if not (plate or "").strip():
        raise VisitError("请先记下出租车车牌号码,再确认叫到", field="plate")
    try:
        number = clean_slot("plate", plate)
    except RadioError as exc:
        raise VisitError(exc.message, field="plate") from None
    if at < taxi.requested_at:
        raise VisitError("叫到时间不能早于叫车时间", field="at")
    return replace(taxi, state=TaxiState.ARRIVED, arrived_at=at, plate=number)


def taxi_departed(taxi: TaxiRequest, *, post: str, at: dt.datetime) -> TaxiRequest:
    if post not in (PostCode.L1, PostCode.X1):
        raise VisitError("出租车离开由L1或大客户经理确认", field="post", code="forbidden")
    if taxi.state != TaxiState.ARRIVED or taxi.arrived_at is None:
        raise VisitError(
            "出租车尚未叫到,不能标记离开", field="state", code="transition_not_allowed"
        )
    if at < taxi.arrived_at:
        raise VisitError("离开时间不能早于叫到时间", field="at")
    return replace(taxi, state=TaxiState.DEPARTED, departed_at=at)
