"""Intercom scripts and calls (SPEC §4, R-RADIO-01..21 incl. 05a/17a), pure domain.

The SEED_* sentences are copied from [S0] 000_a40132081c5eaa8b.txt (the same text is in [S1]),
with only the PDF line-break spaces removed; placeholders (××, XX, ×, ×××) are as printed. Each
test fills the placeholders with sample values and compares the rendered call character for
character.
"""

from __future__ import annotations

import datetime as dt

import pytest

from propdesk.reception.domain.radio import (
    ACK,
    ALL_POSTS,
    BROADCAST,
    CALL_TRANSITIONS,
    DEFAULT_ACK_TIMEOUT,
    FREE_TEXT_RULE,
    SLOTS,
    SYSTEM,
    TEMPLATE_LIST,
    TEMPLATES,
    TEMPLATES_BY_RULE,
    CallState,
    CapacityAnswer,
    PostCode,
    RadioError,
    RadioSettings,
    auto_capacity_answer,
    check_route,
    compose,
    due_for_reannounce,
    may_send,
    next_call_state,
    reannounce_at,
    render,
    require_capacity_granted,
    response_stats,
    response_stats_by_post,
    templates_for,
    valid_replies,
)
from propdesk.reception.domain.visits import (
    ANNOUNCE_LEAVING,
    Stage,
    Visit,
    VisitMode,
    apply_visit,
    assign_room,
    effects,
    see_off_call,
    start_visit,
)

T0 = dt.datetime(2026, 9, 30, 10, 0, tzinfo=dt.UTC)

# Sample values every test uses: salesperson 张伟, client 王先生 / 李小姐, party of 3, room VIP3.
SAMPLE: dict[str, object] = {
    "caller_name": "张伟",
    "callee_name": "张伟",
    "client_name": "王",
    "salutation": "先生",
    "party_size": 3,
    "room": "3",
    "item": "柠檬水",
    "material": "户型",
    "quantity": 5,
    "plate": "粤B12345",
    "appearance": "穿蓝色外套",
    "mode": "walk_in",
}

SEED_HAIL_BUTLER = "我是大客户经理××,呼叫大客户管家,收到请回答。"
SEED_HAIL_BAR = "我是大客户经理××,呼叫水吧,收到请回答。"
SEED_05 = "我是L1岗,呼叫销售中心,目前有一组客户要来参观,现在是否能接待,收到请回答。"
SEED_05_REPLY = "销售中心:可以接待/无法接待"
SEED_05A = "我是L1岗,呼叫接待中心,××先生一行×人已前往展示中心,收到请回答。"
SEED_06 = "我是L1岗,呼叫接待中心,××先生一行×人已经抵达,请做好接待准备,收到请回答。"
SEED_07 = "我是大客户经理××,呼叫大客户管家,××先生/××小姐即将前往VIP室请做好接待准备,收到请回话。"
SEED_08 = "我是管家,呼叫大客户经理××,VIP×已经做好接待准备。"
SEED_09 = "我是大客户经理××,呼叫接待中心,VIP×室××先生/××小姐即将离场请做好准备,收到请回话。"
SEED_10 = "我是大客户经理××,呼叫水吧,请送××至VIP×室,收到请回答。"
SEED_11 = "我是大客户经理××,呼叫大客户管家,VIP×需要复印身份证,收到请回话。"
SEED_12 = "我是大客户经理××,呼叫大客户管家,请准备XX份××资料放至前台处,收到请回话。"
SEED_13 = "我是水吧,呼叫操作间,请将×××送至水吧台,收到请回话。"
SEED_14 = "我是大客户管家,呼叫水吧,VIP×客人已离去请前去打扫,收到请回话。"
SEED_15 = "我是大客户管家,呼叫水吧,请送××至VIP×室,收到请回答。"
SEED_16 = "我是大客户经理××,呼叫接待中心,XX先生即将离场,请做好送客准备,收到请回答。"
SEED_17 = "我是大客户经理XX,呼叫L1岗,请帮XX先生/小姐叫一辆出租车,谢谢"
SEED_17A = "XX经理,您的客户XX先生/小姐需要的出租车已经叫到。"
SEED_FORBIDDEN = "严禁用对讲机粗言秽语、开玩笑或谈与工作无关的事情"


def fill(seed: str, *pairs: tuple[str, str]) -> str:
    """Replace each placeholder of the seed in turn; each must be present (no silent no-op)."""
    text = seed
    for placeholder, value in pairs:
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value, 1)
    return text


def slots(**changes: object) -> dict[str, object]:
    return {**SAMPLE, **changes}


# --- R-RADIO-01: own post first, then the callee, ending 收到请回答 ---------------------------


def test_r_radio_01_hail_states_own_post_first_then_callee_case_butler_and_water_bar() -> None:
    to_butler = compose("hail", caller_post="X1", caller_name="张伟", callee_post="G1")
    to_bar = compose("hail", caller_post="X1", caller_name="张伟", callee_post="S1")

    assert to_butler.text == fill(SEED_HAIL_BUTLER, ("××", "张伟"))
    assert to_bar.text == fill(SEED_HAIL_BAR, ("××", "张伟"))
    assert to_butler.callee_posts == frozenset({"G1"})


def test_r_radio_01_the_same_pattern_for_every_post() -> None:
    # "呼叫其他岗位也是如此": L1 hailing the water bar, the bar hailing the pantry.
    assert (
        render("hail", {"caller_post": "L1", "callee_post": "S1"})
        == "我是L1岗,呼叫水吧,收到请回答。"
    )
    assert (
        render("hail", {"caller_post": "S1", "callee_post": "PANTRY"})
        == "我是水吧,呼叫操作间,收到请回答。"
    )
    assert (
        render("hail", {"caller_post": "G1", "callee_post": "X1", "callee_name": "张伟"})
        == "我是大客户管家,呼叫大客户经理张伟,收到请回答。"
    )


def test_r_radio_01_a_key_account_manager_must_say_his_name() -> None:
    with pytest.raises(RadioError) as error:
        compose("hail", caller_post="X1", callee_post="G1")
    assert error.value.slot == "caller_name"
    assert error.value.message == "请填写“呼叫人姓名”"


def test_r_radio_01_every_call_except_the_replies_starts_with_the_callers_own_post() -> None:
    replies_to_x1 = {"taxi_arrived"}  # "XX经理,您的客户…" is L1's answer, not a new call
    for template in TEMPLATE_LIST:
        if template.key in replies_to_x1:
            continue
        text = render(template.key, slots(caller_post="G1", callee_post="S1", text="请到前台"))
        assert text.startswith("我是"), template.key


def test_r_radio_01_a_post_cannot_call_itself() -> None:
    with pytest.raises(RadioError) as error:
        compose("hail", caller_post="S1", callee_post="S1")
    assert error.value.code == "forbidden"
    assert error.value.message == "不能呼叫自己的岗位"


# --- R-RADIO-02: explicit 收到 per call ----------------------------------------------------


def test_r_radio_02_only_the_callee_acknowledges_with_shoudao() -> None:
    assert (
        next_call_state("drinks", CallState.CALLED, "acknowledge", post="S1", reply=ACK)
        == CallState.ACKNOWLEDGED
    )
    # The reply defaults to 收到 for ordinary calls.
    assert next_call_state("drinks", "called", "acknowledge", post="S1") == CallState.ACKNOWLEDGED

    with pytest.raises(RadioError) as wrong_post:
        next_call_state("drinks", CallState.CALLED, "acknowledge", post="L1")
    assert wrong_post.value.code == "forbidden"
    assert wrong_post.value.message == "门岗礼宾不是“呼叫服务:需要饮料”的接收方,不能回复"

    with pytest.raises(RadioError) as wrong_reply:
        next_call_state("drinks", CallState.CALLED, "acknowledge", post="S1", reply="好的")
    assert wrong_reply.value.slot == "reply"
    assert wrong_reply.value.message == "请回复:收到"


def test_r_radio_02_a_call_is_acknowledged_once_and_completed_only_after_acknowledgement() -> None:
    with pytest.raises(RadioError) as twice:
        next_call_state("drinks", CallState.ACKNOWLEDGED, "acknowledge", post="S1")
    assert twice.value.code == "transition_not_allowed"
    assert twice.value.message == "呼叫处于“已收到”状态,不能“收到”"

    with pytest.raises(RadioError) as early:
        next_call_state("drinks", CallState.CALLED, "complete", post="S1")
    assert early.value.message == "呼叫处于“已呼叫”状态,不能“完成”"


def test_r_radio_02_the_call_table_has_exactly_the_documented_steps() -> None:
    assert dict(CALL_TRANSITIONS) == {
        (CallState.CALLED, "acknowledge"): CallState.ACKNOWLEDGED,
        (CallState.UNANSWERED, "acknowledge"): CallState.ACKNOWLEDGED,
        (CallState.CALLED, "mark_unanswered"): CallState.UNANSWERED,
        (CallState.UNANSWERED, "reannounce"): CallState.UNANSWERED,
        (CallState.ACKNOWLEDGED, "complete"): CallState.DONE,
    }
    for state in CallState:
        for action in ("acknowledge", "complete", "mark_unanswered", "reannounce"):
            if (state, action) in CALL_TRANSITIONS:
                continue
            with pytest.raises(RadioError) as error:
                next_call_state("drinks", state, action, post=SYSTEM)
            assert error.value.code == "transition_not_allowed"


# --- R-RADIO-03: slots ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "slot"),
    [
        (t.key, s)
        for t in TEMPLATE_LIST
        for s in t.required
        if s not in ("caller_post", "callee_post")
    ],
)
def test_r_radio_03_a_missing_slot_is_named_in_chinese(key: str, slot: str) -> None:
    given = slots(caller_post="G1", callee_post="S1", text="请到前台")
    del given[slot]

    with pytest.raises(RadioError) as error:
        render(key, given)

    assert error.value.slot == slot
    assert error.value.message == f"请填写“{SLOTS[slot].label}”"


@pytest.mark.parametrize(
    ("slot", "value", "message"),
    [
        ("party_size", 0, "“人数”必须是1到99之间的整数"),
        ("party_size", 100, "“人数”必须是1到99之间的整数"),
        ("party_size", "三", "“人数”必须是1到99之间的整数"),
        ("party_size", True, "“人数”必须是1到99之间的整数"),
        ("quantity", 1000, "“份数”必须是1到999之间的整数"),
        ("salutation", "太太", "“称呼”只能是先生、小姐或女士"),
        ("room", "三号", "“VIP室号”不正确,例如 3 或 VIP3"),
        ("client_name", "王 先", "“客户姓名”不能包含空格或标点"),
        ("client_name", "王,", "“客户姓名”不能包含空格或标点"),
        ("client_name", "王" * 21, "“客户姓名”不能超过20个字"),
        ("item", "柠檬水\n咖啡", "“物品”不能换行"),
        ("client_name", 12, "“客户姓名”必须是文字"),
    ],
)
def test_r_radio_03_an_invalid_slot_is_named_in_chinese(
    slot: str, value: object, message: str
) -> None:
    key = (
        "drinks"
        if slot in ("item", "room")
        else "materials"
        if slot == "quantity"
        else "appointment_arrived"
    )
    with pytest.raises(RadioError) as error:
        render(key, slots(**{slot: value}))
    assert (error.value.slot, error.value.message) == (slot, message)


def test_r_radio_03_salutation_is_a_selectable_slot_and_numbers_are_spoken_as_digits() -> None:
    assert render(
        "appointment_arrived", slots(client_name="李", salutation="小姐", party_size="2")
    ) == ("我是L1岗,呼叫接待中心,李小姐一行2人已经抵达,请做好接待准备,收到请回答。")
    # The salutation keys of core (mr / ms / miss) are accepted too.
    assert render("see_off", slots(salutation="ms")).startswith(
        "我是大客户经理张伟,呼叫接待中心,王女士即将离场"
    )
    # "VIP3室", "vip 3" and 3 all mean room 3.
    for room in ("VIP3室", "vip 3", 3):
        assert render("id_copy", slots(room=room)) == fill(SEED_11, ("××", "张伟"), ("×", "3"))


def test_r_radio_03_extra_slots_are_ignored_so_the_system_can_pass_all_it_knows() -> None:
    assert render("capacity_query", {"client_name": "王", "anything": object()}) == SEED_05


# --- R-RADIO-04: polite, work-only language; free text is reviewable -----------------------


def test_r_radio_04_free_text_is_logged_for_supervisor_review() -> None:
    call = compose("free_text", caller_post="L2", callee_post="L1", slots={"text": "请协助开车门"})
    standard = compose("drinks", caller_post="X1", caller_name="张伟", slots=SAMPLE)

    assert call.text == "我是L2岗,呼叫L1岗,请协助开车门,收到请回答。"
    assert call.needs_review is True
    assert standard.needs_review is False
    assert SEED_FORBIDDEN in FREE_TEXT_RULE


def test_r_radio_04_free_text_must_be_one_short_line() -> None:
    for text, message in (
        ("", "请填写“呼叫内容”"),
        ("第一行\n第二行", "“呼叫内容”不能换行"),
        ("字" * 101, "“呼叫内容”不能超过100个字"),
    ):
        with pytest.raises(RadioError) as error:
            compose("free_text", caller_post="L2", callee_post="L1", slots={"text": text})
        assert error.value.message == message


# --- R-RADIO-05 / 05a / 06: L1 and the sales centre -----------------------------------------


def test_r_radio_05_capacity_question_verbatim_with_its_two_answers() -> None:
    call = compose("capacity_query", caller_post="L1")

    assert call.text == SEED_05
    assert call.callee_posts == frozenset({"CENTRE"})
    assert "/".join(valid_replies("capacity_query")) == SEED_05_REPLY.split(":")[1]
    assert (
        next_call_state("capacity_query", "called", "acknowledge", post="CENTRE", reply="无法接待")
        == CallState.ACKNOWLEDGED
    )
    with pytest.raises(RadioError) as error:
        next_call_state("capacity_query", "called", "acknowledge", post="CENTRE", reply="收到")
    assert error.value.message == "请回复:可以接待 / 无法接待"


def test_r_radio_05_only_l1_asks_the_sales_centre() -> None:
    with pytest.raises(RadioError) as error:
        compose("capacity_query", caller_post="X1", caller_name="张伟")
    assert error.value.code == "forbidden"
    assert (
        error.value.message == "大客户经理不能发送“L1岗呼叫销售中心(非预约模式)”,应由门岗礼宾发送"
    )


def test_r_radio_05_important_activity_answers_cannot_receive_automatically() -> None:
    # R-EVENT-01: appointment-only period → the capacity question is answered 无法接待.
    assert auto_capacity_answer(appointment_only=True) == CapacityAnswer.CANNOT
    assert auto_capacity_answer(appointment_only=False) is None


def test_r_radio_05a_walk_in_on_its_way_verbatim() -> None:
    # R-RADIO-05a
    call = compose("walk_in_on_way", caller_post="L1", slots=SAMPLE)
    assert call.text == fill(SEED_05A, ("××", "王"), ("×", "3"))
    assert call.callee_posts == frozenset({"CENTRE"})
    assert valid_replies("walk_in_on_way") == ("收到",)


def test_r_radio_06_appointment_arrived_verbatim() -> None:
    # R-RADIO-06
    call = compose("appointment_arrived", caller_post="L1", slots=SAMPLE)
    assert call.text == fill(SEED_06, ("××", "王"), ("×", "3"))
    assert not may_send("appointment_arrived", "L2")


# --- R-RADIO-07..17a: the service calls, verbatim and routed ------------------------------


@pytest.mark.parametrize(
    ("rule", "caller", "expected"),
    [
        ("R-RADIO-07", "X1", fill(SEED_07, ("××", "张伟"), ("××先生/××小姐", "王先生"))),
        ("R-RADIO-08", "G1", fill(SEED_08, ("××", "张伟"), ("×", "3"))),
        (
            "R-RADIO-09",
            "X1",
            fill(SEED_09, ("××", "张伟"), ("×", "3"), ("××先生/××小姐", "王先生")),
        ),
        ("R-RADIO-10", "X1", fill(SEED_10, ("××", "张伟"), ("××", "柠檬水"), ("×", "3"))),
        ("R-RADIO-11", "X1", fill(SEED_11, ("××", "张伟"), ("×", "3"))),
        ("R-RADIO-12", "X1", fill(SEED_12, ("××", "张伟"), ("XX", "5"), ("××", "户型"))),
        ("R-RADIO-13", "S1", fill(SEED_13, ("×××", "柠檬水"))),
        ("R-RADIO-14", "G1", fill(SEED_14, ("×", "3"))),
        ("R-RADIO-15", "G1", fill(SEED_15, ("××", "柠檬水"), ("×", "3"))),
        ("R-RADIO-16", "X1", fill(SEED_16, ("××", "张伟"), ("XX", "王"))),
        ("R-RADIO-17", "X1", fill(SEED_17, ("XX", "张伟"), ("XX先生/小姐", "王先生"))),
        ("R-RADIO-17a", "L1", fill(SEED_17A, ("XX", "张伟"), ("XX先生/小姐", "王先生"))),
    ],
)
def test_r_radio_07_to_17a_standard_scripts_verbatim(rule: str, caller: str, expected: str) -> None:
    template = TEMPLATES_BY_RULE[rule]
    call = compose(template.key, caller_post=caller, slots=SAMPLE)
    assert call.text == expected
    assert call.rule == rule


def test_r_radio_07_vip_room_request_with_a_lady_client() -> None:
    assert render("vip_room_request", slots(client_name="李", salutation="小姐")) == fill(
        SEED_07, ("××", "张伟"), ("××先生/××小姐", "李小姐")
    )


@pytest.mark.parametrize(
    ("key", "caller", "callee"),
    [
        ("vip_room_request", "X1", "G1"),
        ("vip_room_ready", "G1", "X1"),
        ("vip_departure", "X1", "CENTRE"),
        ("drinks", "X1", "S1"),
        ("id_copy", "X1", "G1"),
        ("materials", "X1", "G1"),
        ("restock", "S1", "PANTRY"),
        ("room_cleanup", "G1", "S1"),
        ("butler_drinks", "G1", "S1"),
        ("see_off", "X1", "CENTRE"),
        ("taxi_request", "X1", "L1"),
        ("taxi_arrived", "L1", "X1"),
    ],
)
def test_r_radio_07_to_17a_who_calls_whom(key: str, caller: str, callee: str) -> None:
    assert check_route(key, caller) == callee
    others = sorted(p for p in ALL_POSTS if p != caller)
    assert [p for p in others if may_send(key, p)] == []
    wrong_callee = "PATROL"
    with pytest.raises(RadioError) as error:
        check_route(key, caller, wrong_callee)
    assert error.value.slot == "callee_post"
    assert error.value.message.endswith("不能呼叫巡场主管")


def test_r_radio_08_the_room_ready_report_closes_the_room_request() -> None:
    assert TEMPLATES["vip_room_ready"].completes == "vip_room_request"
    assert (
        next_call_state("vip_room_request", "acknowledged", "complete", post="G1") == CallState.DONE
    )
    with pytest.raises(RadioError):
        next_call_state("vip_room_request", "acknowledged", "complete", post="X1")


def test_r_radio_09_departure_call_may_be_acknowledged_by_the_centre_or_the_butler() -> None:
    # A-RADIO-1: addressed to 接待中心, answered by 管家 in the seed; either may answer.
    for post in ("CENTRE", "G1"):
        assert next_call_state("vip_departure", "called", "acknowledge", post=post) == (
            CallState.ACKNOWLEDGED
        )
    with pytest.raises(RadioError):
        next_call_state("vip_departure", "called", "acknowledge", post="S1")


def test_r_radio_10_drinks_are_done_when_the_water_bar_delivers() -> None:
    template = TEMPLATES["drinks"]
    assert (template.completion, template.completers) == ("已送达", frozenset({"S1"}))
    assert next_call_state("drinks", "acknowledged", "complete", post="S1") == CallState.DONE


def test_r_radio_11_id_copy_goes_to_the_butler_only() -> None:
    assert templates_for("X1") == tuple(
        TEMPLATES[k]
        for k in (
            "hail",
            "free_text",
            "vip_room_request",
            "vip_departure",
            "drinks",
            "id_copy",
            "materials",
            "see_off",
            "taxi_request",
        )
    )
    assert not may_send("id_copy", "X1", "S1")


def test_r_radio_12_materials_need_a_quantity_and_a_name() -> None:
    with pytest.raises(RadioError) as error:
        render("materials", slots(quantity=0))
    assert error.value.slot == "quantity"


def test_r_radio_13_the_water_bar_restocks_from_the_pantry() -> None:
    assert [t.key for t in templates_for("S1")] == ["hail", "free_text", "restock"]
    assert next_call_state("restock", "acknowledged", "complete", post="PANTRY") == CallState.DONE


def test_r_radio_14_room_cleanup_is_done_when_the_water_bar_has_cleaned() -> None:
    assert TEMPLATES["room_cleanup"].completion == "已打扫"
    assert next_call_state("room_cleanup", "acknowledged", "complete", post="S1") == CallState.DONE
    with pytest.raises(RadioError):
        next_call_state("room_cleanup", "acknowledged", "complete", post="G1")


def test_r_radio_15_the_butler_orders_drinks_without_a_name() -> None:
    call = compose("butler_drinks", caller_post="G1", slots={"item": "咖啡", "room": "VIP2"})
    assert call.text == fill(SEED_15, ("××", "咖啡"), ("×", "2"))


def test_r_radio_16_see_off_is_acknowledged_by_the_reception_centre() -> None:
    assert (
        next_call_state("see_off", "called", "acknowledge", post="CENTRE") == CallState.ACKNOWLEDGED
    )
    # A see-off has no done step.
    with pytest.raises(RadioError) as error:
        next_call_state("see_off", "acknowledged", "complete", post="CENTRE")
    assert error.value.code == "transition_not_allowed"


def test_r_radio_17_taxi_request_ends_with_thanks_and_is_closed_by_the_taxi_report() -> None:
    assert render("taxi_request", SAMPLE).endswith("叫一辆出租车,谢谢")
    assert TEMPLATES["taxi_arrived"].completes == "taxi_request"
    assert next_call_state("taxi_request", "acknowledged", "complete", post="L1") == CallState.DONE


def test_r_radio_17a_taxi_report_needs_the_plate_which_is_recorded_not_spoken() -> None:
    call = compose("taxi_arrived", caller_post="L1", slots=slots(plate="粤b·123 45"))
    assert call.slots["plate"] == "粤B12345"
    assert "粤B12345" not in call.text

    for plate, message in (("", "请填写“车牌号码”"), ("ABC123", "“车牌号码”不正确,例如 粤B12345")):
        with pytest.raises(RadioError) as error:
            compose("taxi_arrived", caller_post="L1", slots=slots(plate=plate))
        assert (error.value.slot, error.value.message) == ("plate", message)

    assert valid_replies("taxi_arrived") == ("收到,谢谢。", "收到")
    assert next_call_state(
        "taxi_arrived", "called", "acknowledge", post="X1", reply="收到,谢谢。"
    ) == (CallState.ACKNOWLEDGED)


# --- R-RADIO-18: endings kept verbatim, optional normalisation ------------------------------


def test_r_radio_18_both_endings_are_kept_as_in_the_seed() -> None:
    reply_ending = {
        t.rule for t in TEMPLATE_LIST if render(t.key, _all(t.key)).endswith("收到请回话。")
    }
    assert reply_ending == {
        "R-RADIO-07",
        "R-RADIO-09",
        "R-RADIO-11",
        "R-RADIO-12",
        "R-RADIO-13",
        "R-RADIO-14",
    }


def test_r_radio_18_a_tenant_may_normalise_to_shoudao_qing_huida() -> None:
    assert render("room_cleanup", SAMPLE, normalize_ending=True) == fill(
        SEED_14.replace("收到请回话。", "收到请回答。"), ("×", "3")
    )
    # Sentences without the ending are untouched.
    assert render("vip_room_ready", SAMPLE, normalize_ending=True) == fill(
        SEED_08, ("××", "张伟"), ("×", "3")
    )
    assert RadioSettings.from_params({}) == RadioSettings(DEFAULT_ACK_TIMEOUT, False)
    assert RadioSettings.from_params({"radio.normalize_ending": True}).normalize_ending is True
    with pytest.raises(RadioError) as error:
        RadioSettings.from_params({"radio.normalize_ending": "yes"})
    assert error.value.slot == "radio.normalize_ending"


def _all(key: str) -> dict[str, object]:
    return slots(caller_post="G1", callee_post="S1", text="请到前台")


# --- R-RADIO-19: 无法接待 blocks 05a ----------------------------------------------------------


def test_r_radio_19_cannot_receive_blocks_the_on_its_way_call() -> None:
    require_capacity_granted("可以接待")  # does not raise
    with pytest.raises(RadioError) as declined:
        require_capacity_granted("无法接待")
    assert (
        declined.value.message
        == "销售中心已答复无法接待,不能通知客户前往展示中心;请客户稍候或改为预约"
    )
    with pytest.raises(RadioError) as not_asked:
        require_capacity_granted(None)
    assert not_asked.value.code == "transition_not_allowed"


# --- R-RADIO-20: completion of service calls -------------------------------------------------


def test_r_radio_20_service_calls_and_their_done_step() -> None:
    done = {t.rule: (t.completion, sorted(t.completers)) for t in TEMPLATE_LIST if t.completion}
    assert done == {
        "R-RADIO-07": ("已做好接待准备", ["G1"]),
        "R-RADIO-10": ("已送达", ["S1"]),
        "R-RADIO-11": ("已复印", ["G1"]),
        "R-RADIO-12": ("已备好", ["G1"]),
        "R-RADIO-13": ("已送达", ["PANTRY"]),
        "R-RADIO-14": ("已打扫", ["S1"]),
        "R-RADIO-15": ("已送达", ["S1"]),
        "R-RADIO-17": ("出租车已叫到", ["L1"]),
    }


# --- R-RADIO-21: appointment see-off reuses R-RADIO-09 ---------------------------------------


def test_r_radio_21_appointment_see_off_reuses_the_vip_departure_call() -> None:
    appointment = start_visit(VisitMode.APPOINTMENT, at=T0, client_name="王")
    walk_in = start_visit(VisitMode.WALK_IN, at=T0, post="L1", client_name="王")
    in_room = _in_room(appointment)

    assert see_off_call(in_room) == "vip_departure"
    assert see_off_call(_in_room(_admitted(walk_in))) == "see_off"
    assert effects(in_room, ANNOUNCE_LEAVING).calls == ("vip_departure",)
    # No room used: the only other see-off script is the walk-in one.
    assert see_off_call(appointment) == "see_off"


def _admitted(visit: Visit) -> Visit:
    asked = apply_visit(visit, "ask_capacity", post="L1", at=T0)
    return apply_visit(asked, "admit", post="CENTRE", at=T0)


def _in_room(visit: Visit) -> Visit:
    if visit.stage == Stage.EXPECTED:
        visit = apply_visit(visit, "arrive", post="L1", at=T0)
    visit = apply_visit(visit, "to_door", post="L1", at=T0)
    visit = apply_visit(visit, "to_reception_area", post="X1", at=T0)
    visit = assign_room(visit, "3")
    return apply_visit(visit, "to_vip_room", post="X1", at=T0)


# --- Broadcast (R-SITE-03 via the radio) and the routing helpers ------------------------------


def test_broadcast_reaches_every_other_post() -> None:
    call = compose("arrival_broadcast", caller_post="L1", slots=SAMPLE)
    assert call.callee_posts == frozenset(p.value for p in PostCode if p != PostCode.L1)
    assert BROADCAST in TEMPLATES["arrival_broadcast"].callees
    assert next_call_state("arrival_broadcast", "called", "acknowledge", post="S1") == (
        CallState.ACKNOWLEDGED
    )


def test_a_call_to_several_possible_posts_needs_a_callee() -> None:
    with pytest.raises(RadioError) as error:
        compose("hail", caller_post="X1", caller_name="张伟")
    assert (error.value.slot, error.value.message) == ("callee_post", "请选择被呼叫岗位")


def test_unknown_template_is_refused() -> None:
    with pytest.raises(RadioError) as error:
        render("sing_a_song", {})
    assert error.value.message == "没有这个标准说辞:sing_a_song"


# --- Unanswered calls: timeout and re-announcement (§4 entity, §21 radio.ack_timeout) ---------


def test_unanswered_after_the_default_60_seconds() -> None:
    assert dt.timedelta(seconds=60) == DEFAULT_ACK_TIMEOUT
    at_59 = T0 + dt.timedelta(seconds=59)
    at_60 = T0 + dt.timedelta(seconds=60)

    assert due_for_reannounce(T0, None, at_59) is False
    assert due_for_reannounce(T0, None, at_60) is True
    assert due_for_reannounce(T0, T0 + dt.timedelta(seconds=5), at_60) is False
    assert reannounce_at(T0) == at_60


def test_the_timeout_is_configurable_in_seconds_or_as_a_timedelta() -> None:
    at_30 = T0 + dt.timedelta(seconds=30)
    assert due_for_reannounce(T0, None, at_30, 30) is True
    assert due_for_reannounce(T0, None, at_30, dt.timedelta(seconds=45)) is False
    assert RadioSettings.from_params({"radio.ack_timeout": 90}).ack_timeout == dt.timedelta(
        seconds=90
    )
    for bad in (0, -5, "60", True, float("nan")):
        with pytest.raises(RadioError) as error:
            due_for_reannounce(T0, None, at_30, bad)  # type: ignore[arg-type]
        assert error.value.slot == "radio.ack_timeout"


def test_re_announcement_waits_a_full_timeout_after_the_last_announcement() -> None:
    reannounced = T0 + dt.timedelta(seconds=60)
    assert due_for_reannounce(reannounced, None, T0 + dt.timedelta(seconds=100)) is False
    assert due_for_reannounce(reannounced, None, T0 + dt.timedelta(seconds=120)) is True


def test_only_the_system_flags_and_re_announces_and_a_late_answer_still_counts() -> None:
    assert (
        next_call_state("drinks", "called", "mark_unanswered", post=SYSTEM) == CallState.UNANSWERED
    )
    assert (
        next_call_state("drinks", "unanswered", "reannounce", post=SYSTEM) == CallState.UNANSWERED
    )
    assert (
        next_call_state("drinks", "unanswered", "acknowledge", post="S1") == CallState.ACKNOWLEDGED
    )
    with pytest.raises(RadioError) as error:
        next_call_state("drinks", "called", "mark_unanswered", post="X1")
    assert error.value.message == "“标记未应答”由系统自动执行"


# --- Response-time statistics per post ---------------------------------------------------------


def _s(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_response_stats_nearest_rank_percentiles_and_mean() -> None:
    # 20 answered calls taking 1..20 s, plus one never answered.
    pairs: list[tuple[dt.datetime, dt.datetime | None]] = [(T0, _s(n)) for n in range(20, 0, -1)]
    pairs.append((T0, None))

    stats = response_stats(pairs)

    assert (stats.calls, stats.answered, stats.unanswered) == (21, 20, 1)
    assert stats.p50 == dt.timedelta(seconds=10)
    assert stats.p95 == dt.timedelta(seconds=19)
    assert stats.mean == dt.timedelta(seconds=10.5)


def test_response_stats_per_post() -> None:
    rows = [
        ("S1", T0, _s(4)),
        ("S1", T0, _s(8)),
        ("G1", T0, None),
        ("CENTRE", T0, _s(2)),
    ]
    stats = response_stats_by_post(rows)

    assert list(stats) == ["CENTRE", "G1", "S1"]
    assert (stats["S1"].p50, stats["S1"].p95, stats["S1"].mean) == (
        dt.timedelta(seconds=4),
        dt.timedelta(seconds=8),
        dt.timedelta(seconds=6),
    )
    assert (stats["G1"].answered, stats["G1"].unanswered, stats["G1"].p50) == (0, 1, None)
    assert response_stats([]).calls == 0


def test_an_acknowledgement_before_the_call_is_refused() -> None:
    with pytest.raises(RadioError) as error:
        response_stats([(T0, T0 - dt.timedelta(seconds=1))])
    assert error.value.message == "收到时间不能早于呼叫时间"
