"""What each post must do next for a visit, with the standard phrase to say (SPEC §3,
R-SITE-01..20; A-SITE-3).

`duties(visit, post, site)` is the content of one post's screen: the instruction (seed wording),
the phrase from the seeds with the client's name, the salesperson's name, the room and the
project's name filled in (R-GEN-02: 《加州1885VIP资料卡》), the one-tap intercom call with the
slots the system can fill, and the journey steps it leads to (see `visits`).

Pure Python: no Django, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from propdesk.reception.domain.radio import CapacityAnswer, PostCode
from propdesk.reception.domain.visits import (
    ADMIT,
    ANNOUNCE_LEAVING,
    ARRIVE,
    ASK_CAPACITY,
    DECLINE,
    DEPART,
    LEAVE,
    STANDARD_DRINK,
    TO_DOOR,
    TO_MODEL_AREA,
    TO_PARKING,
    TO_RECEPTION_AREA,
    TO_VIP_ROOM,
    Stage,
    Visit,
    VisitCategory,
    VisitError,
    allowed_actions,
    call_slots,
    effects,
    see_off_call,
)

# ---------------------------------------------------------------------------------------------
# Standard phrases (seed wording) and what each post does next


@dataclass(frozen=True)
class SiteScript:
    """Per-project wording (R-GEN-02): the name said in scripts (Project.script_name, e.g.
    加州1885) names the client card 《加州1885VIP资料卡》 (R-SITE-13); `card_name` overrides it.
    `area_order` is the default order of the two areas (A-SITE-3)."""

    project_name: str = ""
    card_name: str = ""
    drink: str = STANDARD_DRINK
    area_order: tuple[Stage, Stage] = (Stage.RECEPTION_AREA, Stage.MODEL_AREA)

    @property
    def card(self) -> str:
        return self.card_name or f"{self.project_name}VIP资料卡"


# key -> (rule, seed wording with {client}, {salesperson}, {room}, {drink}, {salutation}).
PHRASES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "gate_question": ("R-SITE-01", "{salutation}您好,请问您是来参观展示中心的吗"),
        "gate_answer": ("R-SITE-01", "是的"),
        "gate_welcome": ("R-SITE-02", "{client},欢迎光临,这边请。"),
        "door_greeting": ("R-SITE-09", "{client},欢迎光临"),
        "x1_intro": (
            "R-SITE-10",
            "{client}您好,我是您的大客户经理{salesperson},今天由我为您讲解楼盘信息,请这边请。",
        ),
        "this_way": ("R-SITE-10", "请这边走"),
        "water": ("R-SITE-12", "对不起,打扰一下,{client}您好,(送上{drink}),请慢用。"),
        "model_end": (
            "R-SITE-15",
            "{client},模型讲解就到这,下面我们去VIP室休息一下,进一步沟通。",
        ),
        "ask_butler": ("R-SITE-15", "{client}要去VIP室,请做好接待准备"),
        "butler_ready": ("R-SITE-15", "VIP{room},已经做好接待准备"),
    }
)


def phrase(key: str, visit: Visit, site: SiteScript | None = None) -> str:
    """A standard phrase with the visit's details filled in. Unknown names keep the seed's
    placeholder (** for the client, *** for the salesperson, × for the room)."""
    try:
        _rule, text = PHRASES[key]
    except KeyError:
        raise VisitError(f"没有这个标准用语:{key}", field="phrase") from None
    script = site or SiteScript()
    return text.format(
        client=visit.client,
        salutation=visit.salutation,
        salesperson=visit.salesperson_name or "***",
        room=visit.room or "×",
        drink=script.drink,
    )


@dataclass(frozen=True)
class Duty:
    """One thing a post must do now: the instruction (seed wording), the phrase to say, the
    one-tap call to send (radio template key, with the slots the system can fill), the visit
    steps it leads to and, for the sales centre, the answers to choose from."""

    text: str
    rule: str
    phrase: str = ""
    call: str = ""
    call_slots: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)
    actions: tuple[str, ...] = ()
    replies: tuple[str, ...] = ()


def duties(
    visit: Visit,
    post: str,
    site: SiteScript | None = None,
    *,
    room_cleaned: bool = False,
) -> tuple[Duty, ...]:
    """What `post` must do next for this visit, in order; empty when nothing. `room_cleaned`
    hides the clean-up duties once the water bar has confirmed (R-RADIO-14/20)."""
    script = site or SiteScript()
    builder = _DUTIES.get(visit.stage)
    if builder is None:
        return ()
    found = builder(visit, post, script, room_cleaned)
    return tuple(d for d in found if all(a in allowed_actions(visit, post) for a in d.actions))


def _say(key: str, visit: Visit, site: SiteScript) -> str:
    return phrase(key, visit, site)


def _slots(visit: Visit, **more: object) -> Mapping[str, object]:
    return MappingProxyType({**call_slots(visit), **more})


_DutyBuilder = Callable[[Visit, str, SiteScript, bool], list[Duty]]


def _expected(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if post != PostCode.L1:
        return []
    text = f"预约客户{visit.client}一行{visit.party_size}人今日到访,抵达门岗后确认到达"
    return [Duty(text, "R-SITE-04", actions=(ARRIVE,))]


def _at_gate(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if post != PostCode.L1:
        return []
    stop = "标准姿势拦停车辆并敬礼" if visit.has_vehicle else "标准姿势上前问候客户"
    found = [Duty(stop, "R-SITE-01", phrase=_say("gate_question", visit, site))]
    if visit.category == VisitCategory.NON_SALES:
        found.append(
            Duty(
                "非销售接待(问路、内部或关联单位咨询等):不占用接访名额,仍按标准接待",
                "R-SITE-05",
                actions=(LEAVE,),
            )
        )
    elif not visit.cleared:
        found.append(
            Duty(
                "客户不是来参观展示中心时(问路、内部或关联单位咨询等),登记为非销售接待",
                "R-SITE-05",
            )
        )
        found.append(
            Duty(
                "非预约客户:先询问销售中心能否接待",
                "R-SITE-04",
                call="capacity_query",
                actions=(ASK_CAPACITY,),
            )
        )
        return found
    go = TO_PARKING if visit.has_vehicle else TO_DOOR
    where = "标准姿势指引客户去L2岗" if visit.has_vehicle else "标准姿势指引客户前往展示中心"
    calls = effects(visit, go).calls
    if not calls:
        found.append(Duty(where, "R-SITE-02", actions=(go,)))
        return found
    found.append(
        Duty(
            where,
            "R-SITE-02",
            phrase=_say("gate_welcome", visit, site),
            call=calls[0],
            call_slots=_slots(visit),
            actions=(go,),
        )
    )
    found.append(
        Duty(
            "对讲机告知整个案场客户到访、共几人,请各岗位做好接待工作,并简单描述体貌特征",
            "R-SITE-03",
            call="arrival_broadcast",
            call_slots=_slots(visit),
        )
    )
    return found


def _capacity_check(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if post == PostCode.CENTRE:
        return [
            Duty(
                "L1岗询问现在是否能接待一组非预约客户,请答复",
                "R-RADIO-05",
                actions=(ADMIT, DECLINE),
                replies=(CapacityAnswer.CAN.value, CapacityAnswer.CANNOT.value),
            )
        ]
    if post == PostCode.L1:
        return [Duty("等待销售中心答复能否接待", "R-RADIO-05")]
    return []


def _declined(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if post != PostCode.L1:
        return []
    return [
        Duty(
            "销售中心无法接待:请客户稍候(稍后再次询问)或改为预约来访",
            "R-RADIO-19",
            actions=(ASK_CAPACITY,),
        )
    ]


def _parking(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    found: list[Duty] = []
    if post == PostCode.L2:
        found.append(Duty("标准姿势引导客户停车(从东往西停)", "R-SITE-06"))
        door = "为客户开车门"
        if visit.multi_person_car:
            door += "(如果1车多人,L1、L2一同为客户开门)"
        found.append(Duty(door, "R-SITE-07"))
        if visit.raining and not visit.own_umbrella:
            found.append(Duty("雨天,客户没带伞:由礼宾为客户打伞", "R-SITE-08"))
        found.append(Duty("客户下车后,指引客户展示中心方向", "R-SITE-08", actions=(TO_DOOR,)))
    elif post == PostCode.L1 and visit.multi_person_car:
        found.append(Duty("如果1车多人,L1、L2一同为客户开门", "R-SITE-07"))
    return found


def _at_door(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if post in (PostCode.Y1, PostCode.Y2):
        found = [
            Duty("Y1、Y2同时向客户问好", "R-SITE-09", phrase=_say("door_greeting", visit, site))
        ]
        if visit.raining and visit.own_umbrella:
            found.append(Duty("问好后接过客户手中的雨伞并放置雨伞筒", "R-SITE-09"))
        return found
    if post == PostCode.X1:
        first = TO_RECEPTION_AREA if site.area_order[0] == Stage.RECEPTION_AREA else TO_MODEL_AREA
        return [
            Duty(
                "上前一小步问候客户;站在客户左前方一臂距离,标准姿势引导客户",
                "R-SITE-10",
                phrase=_say("x1_intro", visit, site),
                actions=(first,),
            )
        ]
    return []


def _to_vip_room(visit: Visit, site: SiteScript, *, after_model: bool) -> list[Duty]:
    found: list[Duty] = []
    if after_model:
        found.append(
            Duty("模型讲解结束,邀请客户去VIP室", "R-SITE-15", phrase=_say("model_end", visit, site))
        )
    if not visit.room:
        found.append(
            Duty(
                "同时呼叫大客户管家安排VIP室",
                "R-SITE-15",
                phrase=_say("ask_butler", visit, site),
                call="vip_room_request",
                call_slots=_slots(visit),
            )
        )
        return found
    found.append(
        Duty(
            f"陪同客户去指定VIP室(VIP{visit.room}):电梯内为客户按电梯键,电梯门打开后按开电梯门,"
            "客户先出,马上跟上客户引导客户去指定VIP室",
            "R-SITE-16",
            actions=(TO_VIP_ROOM,),
        )
    )
    return found


def _patrol(visit: Visit) -> list[Duty]:
    return [Duty("适当的补位至沙盘前,遮挡沙盘并指引客户前往VIP室", "R-SITE-11")]


def _butler_room(visit: Visit, site: SiteScript) -> list[Duty]:
    found: list[Duty] = []
    if visit.smoker:
        found.append(Duty("客户抽烟,安排烟缸", "R-SITE-14"))
    if visit.room and visit.stage != Stage.VIP_ROOM:
        found.append(
            Duty(
                f"准备VIP{visit.room},做好后告知大客户经理",
                "R-SITE-15",
                phrase=_say("butler_ready", visit, site),
                call="vip_room_ready",
                call_slots=_slots(visit),
            )
        )
    return found


def _reception_area(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if post == PostCode.X1:
        found = [
            Duty(
                "引导客户就坐,关门,并呼叫S1送水",
                "R-SITE-12",
                call="drinks",
                call_slots=_slots(visit, item=site.drink),
            ),
            Duty(f"和客户聊天、介绍流程并让客户填写《{site.card}》", "R-SITE-13"),
        ]
        if not visit.visited(Stage.MODEL_AREA):
            found.append(
                Duty(
                    "标准姿势引导客户前往模型区讲解",
                    "R-SITE-10",
                    phrase=_say("this_way", visit, site),
                    actions=(TO_MODEL_AREA,),
                )
            )
        else:
            found.extend(_to_vip_room(visit, site, after_model=False))
        return found
    if post == PostCode.S1:
        return [Duty("敲门,进入,送上饮品", "R-SITE-12", phrase=_say("water", visit, site))]
    if post == PostCode.PATROL:
        return _patrol(visit)
    if post == PostCode.G1:
        return _butler_room(visit, site)
    return []


def _model_area(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if post == PostCode.X1:
        found = [Duty("为客户讲解模型", "R-SITE-14", phrase=_say("this_way", visit, site))]
        if not visit.visited(Stage.RECEPTION_AREA):
            found.append(
                Duty(
                    "讲解结束后引导客户进入接待区",
                    "A-SITE-3",
                    actions=(TO_RECEPTION_AREA,),
                )
            )
        else:
            found.extend(_to_vip_room(visit, site, after_model=True))
        return found
    if post == PostCode.PATROL:
        return _patrol(visit)
    if post == PostCode.G1:
        return _butler_room(visit, site)
    return []


def _vip_room(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if post == PostCode.X1:
        return [
            Duty("需要饮料:呼叫水吧", "R-RADIO-10", call="drinks", call_slots=_slots(visit)),
            Duty(
                "需要复印身份证:呼叫大客户管家",
                "R-RADIO-11",
                call="id_copy",
                call_slots=_slots(visit),
            ),
            Duty(
                "需要准备资料:呼叫大客户管家",
                "R-RADIO-12",
                call="materials",
                call_slots=_slots(visit),
            ),
            Duty(
                "帮客户叫出租车:呼叫L1岗",
                "R-RADIO-17",
                call="taxi_request",
                call_slots=_slots(visit),
            ),
            Duty(
                "客户即将离场:呼叫接待中心做好送客准备",
                "R-SITE-18",
                call=see_off_call(visit),
                call_slots=_slots(visit),
                actions=(ANNOUNCE_LEAVING,),
            ),
        ]
    if post == PostCode.G1:
        found = _butler_room(visit, site)
        found.append(
            Duty("送饮料:呼叫水吧", "R-RADIO-15", call="butler_drinks", call_slots=_slots(visit))
        )
        return found
    return []


def _leaving(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if post == PostCode.CENTRE or (post == PostCode.G1 and see_off_call(visit) == "vip_departure"):
        return [Duty(f"{visit.client}即将离场,请做好送客准备", "R-SITE-18")]
    if post == PostCode.X1:
        return [Duty("送客户离场", "R-SITE-18", actions=(DEPART,))]
    return []


def _departed(visit: Visit, post: str, site: SiteScript, cleaned: bool) -> list[Duty]:
    if not visit.room or cleaned:
        return []
    if post == PostCode.G1:
        return [
            Duty(
                f"VIP{visit.room}客人已离去:呼叫水吧前去打扫",
                "R-SITE-18",
                call="room_cleanup",
                call_slots=_slots(visit),
            )
        ]
    if post == PostCode.S1:
        return [Duty(f"打扫VIP{visit.room},完成后确认已打扫", "R-RADIO-20")]
    return []


_DUTIES: Final[Mapping[Stage, _DutyBuilder]] = MappingProxyType(
    {
        Stage.EXPECTED: _expected,
        Stage.AT_GATE: _at_gate,
        Stage.CAPACITY_CHECK: _capacity_check,
        Stage.GATE_DECLINED: _declined,
        Stage.PARKING: _parking,
        Stage.AT_DOOR: _at_door,
        Stage.RECEPTION_AREA: _reception_area,
        Stage.MODEL_AREA: _model_area,
        Stage.VIP_ROOM: _vip_room,
        Stage.LEAVING: _leaving,
        Stage.DEPARTED: _departed,
    }
)
