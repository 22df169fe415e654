"""Visit journey, VIP rooms and taxis (SPEC §3, R-SITE-01..20), pure domain.

Seed phrases (SEED_*) are copied from [S0]/[S1] with only the PDF line-break spaces removed; the
tests fill the ** placeholders and compare character for character.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.reception.domain.duties import PHRASES, Duty, SiteScript, duties, phrase
from propdesk.reception.domain.radio import SYSTEM, PostCode, RadioError, compose, render
from propdesk.reception.domain.rooms import (
    ROOM_TRANSITIONS,
    RoomError,
    RoomState,
    VipRoom,
    allocate_room,
    allowed_room_actions,
    apply_room,
    make_room,
)
from propdesk.reception.domain.visits import (
    ACTION_LABELS,
    CONDUCT_CHECK_ITEMS,
    STAGE_LABELS,
    VISIT_TRANSITIONS,
    Stage,
    TaxiState,
    Visit,
    VisitCategory,
    VisitError,
    VisitMode,
    allowed_actions,
    answer_capacity,
    apply_visit,
    assign_room,
    call_slots,
    effects,
    record_gate_answer,
    request_taxi,
    start_visit,
    taxi_arrived,
    taxi_departed,
    update_visit,
)

T0 = dt.datetime(2026, 9, 30, 10, 0, tzinfo=dt.UTC)
SITE = SiteScript(project_name="加州1885")

SEED_GATE_QUESTION = "先生/小姐您好,请问您是来参观展示中心的吗"
SEED_GATE_ANSWER = "是的"
SEED_GATE_WELCOME = "**先生/小姐,欢迎光临,这边请。"
SEED_DOOR_GREETING = "**先生/小姐,欢迎光临"
SEED_X1_INTRO = "**先生/小姐您好,我是您的大客户经理***,今天由我为您讲解楼盘信息,请这边请。"
SEED_THIS_WAY = "请这边走"
SEED_WATER = "对不起,打扰一下,**先生/小姐您好,(送上柠檬水),请慢用。"
SEED_MODEL_END = "**先生/小姐,模型讲解就到这,下面我们去VIP室休息一下,进一步沟通。"
SEED_ASK_BUTLER = "****先生/小姐要去VIP室,请做好接待准备"
SEED_BUTLER_READY = "VIP几,已经做好接待准备"
SEED_CARD = "《加州1885VIP资料卡》"
SEED_CARD_RULE_11 = "《加州1885VIP客户资料卡》"
SEED_PARKING = "标准姿势引导客户停车(从东往西停)"
SEED_MULTI = "如果1车多人,L1、L2一同为客户开门"
SEED_UMBRELLA_TAKE = "接过客户手中的雨伞并放置雨伞筒"
SEED_PATROL = "适当的补位至沙盘前,遮挡沙盘并指引客户前往VIP室"
SEED_SEAT = "引导客户就坐,关门,并呼叫S1送水"


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def fill(seed: str, *pairs: tuple[str, str]) -> str:
    text = seed
    for placeholder, value in pairs:
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value, 1)
    return text


def walk_in(**details: object) -> Visit:
    base: dict[str, object] = {
        "client_name": "王",
        "salutation": "先生",
        "party_size": 3,
        "appearance": "穿蓝色外套",
        "has_vehicle": True,
        "salesperson_name": "张伟",
    }
    base.update(details)
    return start_visit(VisitMode.WALK_IN, at=T0, post="L1", **base)  # type: ignore[arg-type]


def appointment(**details: object) -> Visit:
    base: dict[str, object] = {"client_name": "李", "salutation": "小姐", "party_size": 2}
    base.update(details)
    visit = start_visit(VisitMode.APPOINTMENT, at=T0, **base)  # type: ignore[arg-type]
    return apply_visit(visit, "arrive", post="L1", at=at(1))


def admitted(visit: Visit, minute: float = 2) -> Visit:
    asked = apply_visit(visit, "ask_capacity", post="L1", at=at(minute))
    return answer_capacity(asked, "可以接待", post="CENTRE", at=at(minute + 0.5))


def at_door(visit: Visit, minute: float = 4) -> Visit:
    if visit.has_vehicle:
        visit = apply_visit(visit, "to_parking", post="L1", at=at(minute))
        return apply_visit(visit, "to_door", post="L2", at=at(minute + 1))
    return apply_visit(visit, "to_door", post="L1", at=at(minute))


def texts(found: tuple[Duty, ...]) -> list[str]:
    return [d.text for d in found]


def phrases(found: tuple[Duty, ...]) -> list[str]:
    return [d.phrase for d in found if d.phrase]


def refused(visit: Visit, action: str, post: str, when: dt.datetime | None = None) -> VisitError:
    with pytest.raises(VisitError) as error:
        apply_visit(visit, action, post=post, at=when or at(30))
    return error.value


# --- R-SITE-01..05: the gate -----------------------------------------------------------------


def test_r_site_01_l1_stops_the_car_and_asks_the_standard_question() -> None:
    visit = walk_in()
    first = duties(visit, "L1", SITE)[0]

    assert first.text == "标准姿势拦停车辆并敬礼"
    assert first.phrase == fill(SEED_GATE_QUESTION, ("先生/小姐", "先生"))
    assert PHRASES["gate_answer"][1] == SEED_GATE_ANSWER
    # On foot: no car to stop, same question.
    on_foot = walk_in(has_vehicle=False, salutation="小姐")
    assert duties(on_foot, "L1", SITE)[0].phrase == fill(SEED_GATE_QUESTION, ("先生/小姐", "小姐"))


def test_r_site_02_welcome_and_direct_to_l2_once_cleared() -> None:
    # R-SITE-02
    visit = admitted(walk_in())
    go = [d for d in duties(visit, "L1", SITE) if d.actions == ("to_parking",)]

    assert len(go) == 1
    assert go[0].text == "标准姿势指引客户去L2岗"
    assert go[0].phrase == fill(SEED_GATE_WELCOME, ("**先生/小姐", "王先生"))
    parked = apply_visit(visit, "to_parking", post="L1", at=at(4))
    assert (parked.stage, parked.history[-1].post) == (Stage.PARKING, "L1")
    assert refused(visit, "to_parking", "L2").code == "forbidden"


def test_r_site_03_arrival_broadcast_with_name_party_size_and_appearance() -> None:
    # R-SITE-03
    visit = admitted(walk_in())
    broadcast = [d for d in duties(visit, "L1", SITE) if d.call == "arrival_broadcast"]
    assert len(broadcast) == 1

    call = compose("arrival_broadcast", caller_post="L1", slots=broadcast[0].call_slots)

    assert call.text == (
        "我是L1岗,呼叫各岗位,客户王先生到访,共3人,请各岗位做好接待工作,体貌特征:穿蓝色外套,收到请回答。"
    )
    assert "L1" not in call.callee_posts
    assert len(call.callee_posts) == len(PostCode) - 1
    # A-SITE-2: 预约 is said only for an appointment.
    booked = compose(
        "arrival_broadcast", caller_post="L1", slots=call_slots(appointment(appearance="戴眼镜"))
    )
    assert "呼叫各岗位,预约客户李小姐到访,共2人" in booked.text


def test_r_site_03_broadcast_needs_the_appearance() -> None:
    visit = admitted(walk_in(appearance=""))
    with pytest.raises(RadioError) as error:
        compose("arrival_broadcast", caller_post="L1", slots=call_slots(visit))
    assert (error.value.slot, error.value.message) == ("appearance", "请填写“体貌特征”")


def test_r_site_04_a_walk_in_is_asked_about_before_it_may_go_on() -> None:
    # R-SITE-04
    visit = walk_in()

    blocked = refused(visit, "to_parking", "L1")
    assert blocked.code == "transition_not_allowed"
    assert blocked.message == "非预约客户须先询问销售中心能否接待"
    ask = [d for d in duties(visit, "L1", SITE) if d.call]
    assert [(d.call, d.actions) for d in ask] == [("capacity_query", ("ask_capacity",))]
    assert effects(visit, "ask_capacity").calls == ("capacity_query",)

    asked = apply_visit(visit, "ask_capacity", post="L1", at=at(2))
    assert asked.stage == Stage.CAPACITY_CHECK
    centre = duties(asked, "CENTRE", SITE)
    assert [(d.actions, d.replies) for d in centre] == [
        (("admit", "decline"), ("可以接待", "无法接待"))
    ]

    cleared = answer_capacity(asked, "可以接待", post="CENTRE", at=at(2.5))
    assert (cleared.stage, cleared.capacity_answer) == (Stage.AT_GATE, "可以接待")
    assert effects(cleared, "to_parking").calls == ("walk_in_on_way", "arrival_broadcast")


def test_r_site_04_an_appointment_skips_the_capacity_question() -> None:
    visit = appointment()

    error = refused(visit, "ask_capacity", "L1")
    assert error.message == "预约客户无需询问能否接待,请直接通知接待中心客户已经抵达"
    assert effects(visit, "to_door").calls == ("appointment_arrived", "arrival_broadcast")
    assert apply_visit(visit, "to_door", post="L1", at=at(2)).stage == Stage.AT_DOOR


def test_r_site_04_only_the_sales_centre_answers_and_only_with_the_two_answers() -> None:
    asked = apply_visit(walk_in(), "ask_capacity", post="L1", at=at(2))
    assert refused(asked, "admit", "L1").code == "forbidden"
    with pytest.raises(VisitError) as error:
        answer_capacity(asked, "收到", post="CENTRE", at=at(3))
    assert error.value.message == "请答复:可以接待 / 无法接待"


def test_r_site_04_a_declined_walk_in_is_recorded_and_may_be_asked_about_again() -> None:
    asked = apply_visit(walk_in(), "ask_capacity", post="L1", at=at(2))
    declined = answer_capacity(asked, "无法接待", post="CENTRE", at=at(3))

    assert (declined.stage, declined.capacity_answer) == (Stage.GATE_DECLINED, "无法接待")
    assert declined.stage_times[Stage.GATE_DECLINED] == at(3)
    assert allowed_actions(declined, "L1") == ("ask_capacity",)
    assert texts(duties(declined, "L1", SITE)) == [
        "销售中心无法接待:请客户稍候(稍后再次询问)或改为预约来访"
    ]
    again = apply_visit(declined, "ask_capacity", post="L1", at=at(10))
    assert (again.stage, again.capacity_answer) == (Stage.CAPACITY_CHECK, "")


def test_r_site_05_a_non_sales_visitor_takes_no_capacity_question_and_may_leave() -> None:
    # R-SITE-05
    visit = record_gate_answer(walk_in(), visiting_display_centre=False)

    assert visit.category == VisitCategory.NON_SALES
    assert (
        refused(visit, "ask_capacity", "L1").message == "非参观客户不占用接访名额,无需询问能否接待"
    )
    assert "非销售接待(问路、内部或关联单位咨询等):不占用接访名额,仍按标准接待" in texts(
        duties(visit, "L1", SITE)
    )
    assert effects(visit, "to_parking").calls == ()
    left = apply_visit(visit, "leave", post="L1", at=at(1))
    assert left.stage == Stage.DEPARTED


def test_r_site_05_a_sales_visitor_cannot_leave_from_the_gate_unrecorded() -> None:
    error = refused(walk_in(), "leave", "L1")
    assert error.message == "参观客户不能从门岗直接离开;如无法接待,请由销售中心答复“无法接待”"
    assert (
        record_gate_answer(walk_in(), visiting_display_centre=True).category == VisitCategory.SALES
    )


# --- R-SITE-06..09: parking and the door -------------------------------------------------------


def test_r_site_06_l2_guides_parking_east_to_west() -> None:
    parking = apply_visit(admitted(walk_in()), "to_parking", post="L1", at=at(4))

    assert texts(duties(parking, "L2", SITE))[0] == SEED_PARKING
    assert refused(parking, "to_door", "L1").code == "forbidden"
    assert apply_visit(parking, "to_door", post="L2", at=at(5)).stage == Stage.AT_DOOR


def test_r_site_06_a_client_on_foot_is_not_sent_to_the_car_park() -> None:
    visit = admitted(walk_in(has_vehicle=False))
    assert refused(visit, "to_parking", "L1").message == "客户没有开车,请直接指引客户前往展示中心"
    by_car = admitted(walk_in())
    assert refused(by_car, "to_door", "L1").message == "客户开车前来,请先指引客户去L2岗停车"


def test_r_site_07_several_people_in_one_car_l1_and_l2_open_the_doors_together() -> None:
    # R-SITE-07
    parking = apply_visit(
        admitted(walk_in(multi_person_car=True)), "to_parking", post="L1", at=at(4)
    )

    assert texts(duties(parking, "L1", SITE)) == [SEED_MULTI]
    assert f"为客户开车门({SEED_MULTI})" in texts(duties(parking, "L2", SITE))
    single = apply_visit(admitted(walk_in()), "to_parking", post="L1", at=at(4))
    assert duties(single, "L1", SITE) == ()
    with pytest.raises(VisitError) as error:
        walk_in(has_vehicle=False, multi_person_car=True)
    assert error.value.field == "multi_person_car"


def test_r_site_08_umbrella_for_a_client_without_one_in_the_rain() -> None:
    # R-SITE-08
    def l2_texts(**flags: bool) -> list[str]:
        visit = apply_visit(admitted(walk_in(**flags)), "to_parking", post="L1", at=at(4))
        return texts(duties(visit, "L2", SITE))

    umbrella = "雨天,客户没带伞:由礼宾为客户打伞"
    assert umbrella in l2_texts(raining=True)
    assert umbrella not in l2_texts(raining=True, own_umbrella=True)
    assert umbrella not in l2_texts()
    assert l2_texts()[-1] == "客户下车后,指引客户展示中心方向"


def test_r_site_09_y1_and_y2_greet_together_and_take_the_umbrella() -> None:
    # R-SITE-09
    door = at_door(admitted(walk_in(raining=True, own_umbrella=True)))
    greeting = fill(SEED_DOOR_GREETING, ("**先生/小姐", "王先生"))

    for post in ("Y1", "Y2"):
        found = duties(door, post, SITE)
        assert phrases(found) == [greeting]
        assert any(SEED_UMBRELLA_TAKE in t for t in texts(found))
    dry = at_door(admitted(walk_in()))
    assert texts(duties(dry, "Y1", SITE)) == ["Y1、Y2同时向客户问好"]


# --- R-SITE-10..16: inside the sales centre --------------------------------------------------


def test_r_site_10_x1_introduces_himself_and_leads_the_client() -> None:
    door = at_door(admitted(walk_in()))
    found = duties(door, "X1", SITE)

    assert phrases(found) == [fill(SEED_X1_INTRO, ("**先生/小姐", "王先生"), ("***", "张伟"))]
    assert found[0].actions == ("to_reception_area",)
    assert "站在客户左前方一臂距离" in found[0].text
    assert refused(door, "to_reception_area", "Y1").code == "forbidden"
    inside = apply_visit(door, "to_reception_area", post="X1", at=at(7))
    to_model = [d for d in duties(inside, "X1", SITE) if d.actions == ("to_model_area",)]
    assert to_model[0].phrase == SEED_THIS_WAY


def test_r_site_10_the_area_order_is_configurable() -> None:
    # A-SITE-3: default reception area first; a project may explain the model first.
    door = at_door(admitted(walk_in()))
    model_first = SiteScript(
        project_name="加州1885", area_order=(Stage.MODEL_AREA, Stage.RECEPTION_AREA)
    )
    assert duties(door, "X1", model_first)[0].actions == ("to_model_area",)
    model = apply_visit(door, "to_model_area", post="X1", at=at(7))
    then = apply_visit(model, "to_reception_area", post="X1", at=at(15))
    assert then.stage == Stage.RECEPTION_AREA
    # Each area is visited once.
    assert refused(then, "to_model_area", "X1").message == "模型区已经讲解过"


def test_r_site_11_the_roving_supervisor_screens_the_sand_table() -> None:
    # R-SITE-11
    inside = apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7))
    model = apply_visit(inside, "to_model_area", post="X1", at=at(15))

    assert texts(duties(inside, "PATROL", SITE)) == [SEED_PATROL]
    assert texts(duties(model, "PATROL", SITE)) == [SEED_PATROL]
    assert duties(at_door(admitted(walk_in())), "PATROL", SITE) == ()


def test_r_site_12_seat_the_client_and_call_for_lemon_water() -> None:
    # R-SITE-12
    inside = apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7))
    seat = duties(inside, "X1", SITE)[0]

    assert (seat.text, seat.call, seat.call_slots["item"]) == (SEED_SEAT, "drinks", "柠檬水")
    rendered = render("drinks", {**seat.call_slots, "caller_name": "张伟", "room": "1"})
    assert rendered == "我是大客户经理张伟,呼叫水吧,请送柠檬水至VIP1室,收到请回答。"
    assert phrases(duties(inside, "S1", SITE)) == [fill(SEED_WATER, ("**先生/小姐", "王先生"))]


def test_r_site_13_client_card_named_after_the_project() -> None:
    # R-SITE-13
    inside = apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7))

    assert f"和客户聊天、介绍流程并让客户填写{SEED_CARD}" in texts(duties(inside, "X1", SITE))
    other = SiteScript(project_name="升龙汇金中心")
    assert "和客户聊天、介绍流程并让客户填写《升龙汇金中心VIP资料卡》" in texts(
        duties(inside, "X1", other)
    )
    renamed = SiteScript(project_name="加州1885", card_name="加州1885VIP客户资料卡")
    assert f"和客户聊天、介绍流程并让客户填写{SEED_CARD_RULE_11}" in texts(
        duties(inside, "X1", renamed)
    )


def test_r_site_14_ashtray_for_a_smoker_during_the_model_explanation() -> None:
    # R-SITE-14
    def butler(smoker: bool) -> list[str]:
        inside = apply_visit(
            at_door(admitted(walk_in(smoker=smoker))), "to_reception_area", post="X1", at=at(7)
        )
        model = apply_visit(inside, "to_model_area", post="X1", at=at(15))
        return texts(duties(model, "G1", SITE))

    assert butler(True) == ["客户抽烟,安排烟缸"]
    assert butler(False) == []


def test_r_site_15_end_of_model_explanation_and_the_room_request() -> None:
    # R-SITE-15
    inside = apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7))
    model = apply_visit(inside, "to_model_area", post="X1", at=at(15))
    found = duties(model, "X1", SITE)

    assert phrases(found) == [
        SEED_THIS_WAY,
        fill(SEED_MODEL_END, ("**先生/小姐", "王先生")),
        fill(SEED_ASK_BUTLER, ("****先生/小姐", "王先生")),
    ]
    assert found[-1].call == "vip_room_request"

    # X1's request allocates a free room (准备中); the butler's confirmation makes it ready.
    rooms = [make_room("1", "to_clean"), make_room("2"), make_room("3")]
    room = allocate_room(rooms, visit="v1", post="X1")
    assert (room.label, room.state, room.visit) == ("VIP2", RoomState.PREPARING, "v1")
    with pytest.raises(RoomError) as error:
        apply_room(room, "mark_ready", post="X1")
    assert error.value.message == "大客户经理不能对VIP2执行“已做好接待准备”,应由大客户管家操作"
    ready = apply_room(room, "mark_ready", post="G1")
    assert ready.state == RoomState.READY

    with_room = assign_room(model, room.number)
    butler = duties(with_room, "G1", SITE)
    assert phrases(butler) == [fill(SEED_BUTLER_READY, ("几", "2"))]
    assert butler[0].call == "vip_room_ready"
    assert (
        render("vip_room_ready", butler[0].call_slots)
        == "我是管家,呼叫大客户经理张伟,VIP2已经做好接待准备。"
    )


def test_r_site_16_x1_accompanies_the_client_to_the_allocated_room() -> None:
    # R-SITE-16
    model = apply_visit(
        apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7)),
        "to_model_area",
        post="X1",
        at=at(15),
    )
    assert refused(model, "to_vip_room", "X1").message == "尚未安排VIP室,请先呼叫大客户管家安排"

    with_room = assign_room(model, "VIP2")
    go = [d for d in duties(with_room, "X1", SITE) if d.actions == ("to_vip_room",)]
    assert "电梯内为客户按电梯键" in go[0].text
    assert effects(with_room, "to_vip_room").room_action == "occupy"
    in_room = apply_visit(with_room, "to_vip_room", post="X1", at=at(25))
    assert (in_room.stage, in_room.room) == (Stage.VIP_ROOM, "2")

    # The room: X1 or the butler hand over a ready room; a room still in preparation only via the
    # butler (客户已经上楼管家直接做指引做对接).
    preparing = VipRoom("2", RoomState.PREPARING, "v1")
    assert apply_room(preparing, "occupy", post="G1").state == RoomState.OCCUPIED
    with pytest.raises(RoomError):
        apply_room(preparing, "occupy", post="X1")
    assert (
        apply_room(VipRoom("2", RoomState.READY, "v1"), "occupy", post="X1").state
        == RoomState.OCCUPIED
    )


# --- R-SITE-17: one visit per room, no room waiting to be cleaned ------------------------------


def test_r_site_17_a_room_to_be_cleaned_cannot_be_allocated() -> None:
    dirty = make_room("VIP1室", "to_clean")
    with pytest.raises(RoomError) as error:
        allocate_room([dirty], visit="v9", post="X1", number="1")
    assert error.value.message == "VIP1待打扫,水吧确认打扫完成前不能安排"
    assert error.value.code == "transition_not_allowed"

    with pytest.raises(RoomError) as none_free:
        allocate_room([dirty, make_room("2", "occupied", "v1")], visit="v9", post="X1")
    assert none_free.value.message == "目前没有空闲的VIP室(VIP1待打扫)"


def test_r_site_17_one_visit_per_room_and_one_room_per_visit() -> None:
    rooms = [make_room("1", "ready", "v1"), make_room("2"), make_room("10")]

    with pytest.raises(RoomError) as taken:
        allocate_room(rooms, visit="v2", post="X1", number="1")
    assert taken.value.message == "VIP1已准备,已安排给其他来访,不能再安排"
    with pytest.raises(RoomError) as twice:
        allocate_room(rooms, visit="v1", post="X1")
    assert twice.value.message == "该来访已安排VIP1,一个来访只能使用一间VIP室"
    # Natural order: VIP2 before VIP10.
    assert allocate_room(rooms, visit="v2", post="X1").number == "2"

    visit = assign_room(
        apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7)), "2"
    )
    with pytest.raises(VisitError) as again:
        assign_room(visit, "3")
    assert again.value.message == "该来访已安排VIP2,一个来访只能使用一间VIP室"


def test_r_site_17_the_room_table_refuses_every_other_step() -> None:
    for state in RoomState:
        for action in ("allocate", "mark_ready", "occupy", "release", "vacate", "mark_clean"):
            if (state, action) in ROOM_TRANSITIONS:
                continue
            with pytest.raises(RoomError) as error:
                apply_room(
                    VipRoom("5", state, None if state == RoomState.FREE else "v1"),
                    action,
                    post="G1",
                    visit="v2",
                )
            assert error.value.code == "transition_not_allowed"
    assert allowed_room_actions(VipRoom("5", RoomState.READY, "v1"), "X1") == ("occupy", "release")
    assert apply_room(VipRoom("5", RoomState.READY, "v1"), "release", post="X1") == VipRoom("5")


# --- R-SITE-18: departure ----------------------------------------------------------------------


def test_r_site_18_departure_closes_the_visit_and_the_room_goes_to_clean() -> None:
    in_room = apply_visit(
        assign_room(
            apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7)), "2"
        ),
        "to_vip_room",
        post="X1",
        at=at(25),
    )
    leaving = apply_visit(in_room, "announce_leaving", post="X1", at=at(60))
    assert effects(in_room, "announce_leaving").calls == ("see_off",)
    assert texts(duties(leaving, "CENTRE", SITE)) == ["王先生即将离场,请做好送客准备"]

    step = effects(leaving, "depart")
    assert (step.calls, step.room_action) == (("room_cleanup",), "vacate")
    departed = apply_visit(leaving, "depart", post="X1", at=at(62))
    assert departed.stage == Stage.DEPARTED
    assert allowed_actions(departed, "X1") == ()

    room = apply_room(VipRoom("2", RoomState.OCCUPIED, "v1"), "vacate", post=SYSTEM)
    assert (room.state, room.visit) == (RoomState.TO_CLEAN, "v1")
    cleanup = duties(departed, "G1", SITE)
    assert [(d.text, d.call) for d in cleanup] == [
        ("VIP2客人已离去:呼叫水吧前去打扫", "room_cleanup")
    ]
    assert (
        render("room_cleanup", cleanup[0].call_slots)
        == "我是大客户管家,呼叫水吧,VIP2客人已离去请前去打扫,收到请回话。"
    )
    assert texts(duties(departed, "S1", SITE)) == ["打扫VIP2,完成后确认已打扫"]
    # R-RADIO-14/20: the water bar's confirmation frees the room; the duties disappear.
    assert apply_room(room, "mark_clean", post="S1") == VipRoom("2")
    assert duties(departed, "G1", SITE, room_cleaned=True) == ()


def test_r_site_18_leaving_without_a_room_triggers_no_clean_up() -> None:
    inside = apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7))
    leaving = apply_visit(inside, "announce_leaving", post="X1", at=at(30))
    assert effects(leaving, "depart").calls == ()
    assert effects(leaving, "depart").room_action == ""


# --- R-SITE-19: taxi ---------------------------------------------------------------------------


def test_r_site_19_taxi_cannot_be_reported_arrived_without_a_plate() -> None:
    inside = apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7))
    taxi = request_taxi(inside, post="X1", at=at(40))

    with pytest.raises(VisitError) as missing:
        taxi_arrived(taxi, post="L1", at=at(50), plate="")
    assert (missing.value.field, missing.value.message) == (
        "plate",
        "请先记下出租车车牌号码,再确认叫到",
    )
    with pytest.raises(VisitError) as wrong:
        taxi_arrived(taxi, post="L1", at=at(50), plate="12345")
    assert wrong.value.message == "“车牌号码”不正确,例如 粤B12345"

    arrived = taxi_arrived(taxi, post="L1", at=at(50), plate="粤B 12345")
    assert (arrived.state, arrived.plate, arrived.arrived_at) == (
        TaxiState.ARRIVED,
        "粤B12345",
        at(50),
    )
    gone = taxi_departed(arrived, post="L1", at=at(55))
    assert gone.state == TaxiState.DEPARTED


def test_r_site_19_taxi_roles_and_order() -> None:
    inside = apply_visit(at_door(admitted(walk_in())), "to_reception_area", post="X1", at=at(7))
    with pytest.raises(VisitError):
        request_taxi(inside, post="L1", at=at(40))
    with pytest.raises(VisitError) as at_gate:
        request_taxi(walk_in(), post="X1", at=at(1))
    assert at_gate.value.message == "来访处于“门岗”阶段,不能叫出租车"
    taxi = request_taxi(inside, post="X1", at=at(40))
    with pytest.raises(VisitError):
        taxi_arrived(taxi, post="L2", at=at(50), plate="粤B12345")
    with pytest.raises(VisitError) as early:
        taxi_departed(taxi, post="L1", at=at(55))
    assert early.value.message == "出租车尚未叫到,不能标记离开"


# --- R-SITE-20: standard posture ----------------------------------------------------------------


def test_r_site_20_posture_and_phrases_are_checklist_items_and_named_in_guiding_duties() -> None:
    assert CONDUCT_CHECK_ITEMS == ("标准姿势", "标准用语")
    gate = duties(walk_in(), "L1", SITE)[0]
    parking = duties(
        apply_visit(admitted(walk_in()), "to_parking", post="L1", at=at(4)), "L2", SITE
    )[0]
    door = duties(at_door(admitted(walk_in())), "X1", SITE)[0]
    direct = next(d for d in duties(admitted(walk_in()), "L1", SITE) if d.actions)
    for duty in (gate, parking, door, direct):
        assert "标准姿势" in duty.text


# --- The whole journey, the table and the timestamps ------------------------------------------


def test_a_walk_in_by_car_from_the_gate_to_departure_with_a_time_per_stage() -> None:
    visit = walk_in()
    steps = [
        ("ask_capacity", "L1"),
        ("admit", "CENTRE"),
        ("to_parking", "L1"),
        ("to_door", "L2"),
        ("to_reception_area", "X1"),
        ("to_model_area", "X1"),
        ("to_vip_room", "X1"),
        ("announce_leaving", "X1"),
        ("depart", "L1"),
    ]
    for minute, (action, post) in enumerate(steps, start=1):
        if action == "to_vip_room":
            visit = assign_room(visit, "3")
        assert action in allowed_actions(visit, post)
        visit = apply_visit(visit, action, post=post, at=at(minute))

    assert visit.stage == Stage.DEPARTED
    assert visit.stage_times == {
        Stage.AT_GATE: T0,
        Stage.CAPACITY_CHECK: at(1),
        Stage.PARKING: at(3),
        Stage.AT_DOOR: at(4),
        Stage.RECEPTION_AREA: at(5),
        Stage.MODEL_AREA: at(6),
        Stage.VIP_ROOM: at(7),
        Stage.LEAVING: at(8),
        Stage.DEPARTED: at(9),
    }
    assert [(e.action, e.post) for e in visit.history[1:]] == steps


def test_a_step_cannot_be_dated_before_the_previous_one() -> None:
    asked = apply_visit(walk_in(), "ask_capacity", post="L1", at=at(5))
    error = refused(asked, "admit", "CENTRE", when=at(4))
    assert (error.field, error.message) == ("at", "时间不能早于上一步(10:05:00)")


def test_an_appointment_is_expected_until_l1_marks_its_arrival() -> None:
    expected = start_visit("appointment", at=T0, client_name="李", salutation="miss", party_size=2)

    assert (expected.stage, expected.salutation) == (Stage.EXPECTED, "小姐")
    assert texts(duties(expected, "L1", SITE)) == [
        "预约客户李小姐一行2人今日到访,抵达门岗后确认到达"
    ]
    assert refused(expected, "arrive", "X1").code == "forbidden"
    assert apply_visit(expected, "arrive", post="L1", at=at(1)).stage_times[Stage.AT_GATE] == at(1)


def test_a_walk_in_is_opened_by_l1_only_and_details_are_validated() -> None:
    with pytest.raises(VisitError) as error:
        start_visit("walk_in", at=T0, post="X1")
    assert (error.value.code, error.value.message) == ("forbidden", "非预约客户由门岗礼宾(L1)登记")
    with pytest.raises(VisitError) as mode:
        start_visit("vip", at=T0, post="L1")
    assert mode.value.message == "接待模式只能是预约或非预约"
    with pytest.raises(VisitError) as size:
        walk_in(party_size=0)
    assert (size.value.field, size.value.message) == ("party_size", "“人数”必须是1到99之间的整数")
    updated = update_visit(walk_in(), client_name="赵", party_size=4)
    assert (updated.client, updated.party_size) == ("赵先生", 4)
    with pytest.raises(VisitError) as protected:
        update_visit(walk_in(), stage="departed")
    assert protected.value.field == "stage"


@pytest.mark.parametrize("stage", list(Stage))
def test_every_step_missing_from_the_table_is_refused_in_chinese(stage: Stage) -> None:
    visit = Visit(mode=VisitMode.WALK_IN, stage=stage, history=(), room="1")
    visit = replace_history(visit, stage)
    for action in ACTION_LABELS:
        if (stage, action) in VISIT_TRANSITIONS:
            continue
        error = refused(visit, action, "L1")
        assert error.code == "transition_not_allowed"
        assert error.message == f"来访处于“{STAGE_LABELS[stage]}”阶段,不能“{ACTION_LABELS[action]}”"


@pytest.mark.parametrize(("stage", "action"), list(VISIT_TRANSITIONS))
def test_every_step_in_the_table_is_refused_to_other_posts(stage: Stage, action: str) -> None:
    visit = replace_history(Visit(mode=VisitMode.WALK_IN, stage=stage, history=()), stage)
    allowed = VISIT_TRANSITIONS[(stage, action)].posts
    for post in PostCode:
        if post in allowed:
            continue
        error = refused(visit, action, post)
        assert error.code == "forbidden"
        assert error.message.endswith("操作")


def replace_history(visit: Visit, stage: Stage) -> Visit:
    from dataclasses import replace

    from propdesk.reception.domain.visits import StageEntry

    return replace(visit, history=(StageEntry(stage, T0, "create", "L1"),))


def test_phrases_keep_the_seed_placeholders_when_a_name_is_unknown() -> None:
    nameless = walk_in(client_name="", salesperson_name="")
    assert phrase("x1_intro", nameless, SITE) == fill(SEED_X1_INTRO, ("先生/小姐", "先生"))
    with pytest.raises(VisitError):
        phrase("sing", nameless, SITE)


_ACTIONS = list(ACTION_LABELS)
_POSTS = [p.value for p in PostCode]


@settings(max_examples=200, deadline=None)
@given(
    st.booleans(),
    st.booleans(),
    st.lists(
        st.tuples(st.sampled_from(_ACTIONS), st.sampled_from(_POSTS), st.booleans()), max_size=30
    ),
)
def test_any_sequence_of_taps_keeps_the_journey_consistent(
    by_appointment: bool, by_car: bool, taps: list[tuple[str, str, bool]]
) -> None:
    if by_appointment:
        visit = start_visit("appointment", at=T0, client_name="王", has_vehicle=by_car)
    else:
        visit = start_visit("walk_in", at=T0, post="L1", client_name="王", has_vehicle=by_car)
    for minute, (action, post, with_room) in enumerate(taps, start=1):
        if with_room and not visit.room and visit.stage in (Stage.RECEPTION_AREA, Stage.MODEL_AREA):
            visit = assign_room(visit, "1")
        before = visit
        if action in allowed_actions(visit, post):
            visit = apply_visit(visit, action, post=post, at=at(minute))
            assert visit.stage == VISIT_TRANSITIONS[(before.stage, action)].to
        else:
            with pytest.raises(VisitError):
                apply_visit(visit, action, post=post, at=at(minute))
    times = [e.at for e in visit.history]
    assert times == sorted(times)
    assert visit.history[-1].stage == visit.stage
    # Nobody passes the gate uncleared, and a walk-in past the gate was admitted.
    past_gate = {Stage.PARKING, Stage.AT_DOOR} & set(visit.stage_times)
    if past_gate and visit.mode == VisitMode.WALK_IN:
        assert visit.capacity_answer == "可以接待"
    # Each area at most once.
    areas = [e.stage for e in visit.history if e.stage in (Stage.RECEPTION_AREA, Stage.MODEL_AREA)]
    assert len(areas) == len(set(areas))
