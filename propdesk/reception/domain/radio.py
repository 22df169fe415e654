"""Intercom calls (对讲机统一说辞, SPEC §4, R-RADIO-01..21 incl. 05a/17a; R-SITE-03 broadcast).

Every standard call of SPEC §4.2 is a `Template`: its text is the seed sentence with the
placeholders (××, XX, ×, ×××) turned into typed slots. `render` fills the slots and returns the
exact sentence, including the seed's own ending (收到请回答 or 收到请回话, R-RADIO-18).
`compose` also checks who may send the call to whom; `next_call_state` is the call's state
machine (called → acknowledged → done, unanswered after `radio.ack_timeout`), with the replies
each call accepts (收到, or 可以接待/无法接待 for the capacity question).

Pure Python: no Django, no I/O; times are passed in. Messages are Chinese, ready to show; a
`RadioError` names the slot (`.slot`) so a service can raise a field-level error with it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class RadioError(ValueError):
    """A call that cannot be rendered, sent, answered or counted. `message` is Chinese; `slot`
    names the slot or field at fault ("" when none); `code` is one of `invalid`, `forbidden`,
    `transition_not_allowed`."""

    def __init__(self, message: str, *, slot: str = "", code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.slot = slot
        self.code = code


class PostCode(StrEnum):
    """Sales-centre posts of SPEC §1.1, with the codes of `core.permissions.DEFAULT_POSTS`."""

    L1 = "L1"  # 门岗礼宾
    L2 = "L2"  # 停车场礼宾
    Y1 = "Y1"  # 大门迎宾
    Y2 = "Y2"  # 大门迎宾(巡场礼宾)
    X1 = "X1"  # 大客户经理 (the salesperson of the scripts)
    G1 = "G1"  # 大客户管家
    S1 = "S1"  # 水吧服务员
    PATROL = "PATROL"  # 巡场主管
    PANTRY = "PANTRY"  # 操作间
    CENTRE = "CENTRE"  # 销售中心/接待中心 (A-SITE-1: one addressee)


ALL_POSTS: Final = frozenset(PostCode)
# Pseudo posts: BROADCAST addresses every on-duty post (R-SITE-03); SYSTEM is the sweep that flags
# unanswered calls and re-announces them.
BROADCAST: Final = "ALL"
SYSTEM: Final = "SYSTEM"

POST_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        PostCode.L1: "门岗礼宾",
        PostCode.L2: "停车场礼宾",
        PostCode.Y1: "大门迎宾",
        PostCode.Y2: "大门迎宾(巡场礼宾)",
        PostCode.X1: "大客户经理",
        PostCode.G1: "大客户管家",
        PostCode.S1: "水吧服务员",
        PostCode.PATROL: "巡场主管",
        PostCode.PANTRY: "操作间",
        PostCode.CENTRE: "销售中心/接待中心",
        BROADCAST: "各岗位",
        SYSTEM: "系统",
    }
)

# How a post is named on the radio (the scripts say 水吧, not 水吧服务员; L1岗, not 门岗礼宾).
RADIO_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        PostCode.L1: "L1岗",
        PostCode.L2: "L2岗",
        PostCode.Y1: "Y1岗",
        PostCode.Y2: "Y2岗",
        PostCode.X1: "大客户经理",
        PostCode.G1: "大客户管家",
        PostCode.S1: "水吧",
        PostCode.PATROL: "巡场主管",
        PostCode.PANTRY: "操作间",
        PostCode.CENTRE: "接待中心",
        BROADCAST: "各岗位",
    }
)

# Posts whose radio name is followed by the person's name (我是大客户经理××, R-RADIO-01/07).
NAMED_ON_RADIO: Final = frozenset({PostCode.X1})

ENDING_ANSWER: Final = "收到请回答"
ENDING_REPLY: Final = "收到请回话"
ACK: Final = "收到"
ACK_THANKS: Final = "收到,谢谢。"


class CapacityAnswer(StrEnum):
    """The two answers of the sales centre to the walk-in capacity question (R-RADIO-05)."""

    CAN = "可以接待"
    CANNOT = "无法接待"


DEFAULT_ACK_TIMEOUT: Final = dt.timedelta(seconds=60)  # «radio.ack_timeout = 60 s» (§21, assumed)
DEFAULT_NORMALIZE_ENDING: Final = False  # «radio.normalize_ending = false» (§21, R-RADIO-18)
PARAM_ACK_TIMEOUT: Final = "radio.ack_timeout"
PARAM_NORMALIZE_ENDING: Final = "radio.normalize_ending"

FREE_TEXT_RULE: Final = (
    "用对讲机讲话时应使用规范礼貌用语,严禁用对讲机粗言秽语、开玩笑或谈与工作无关的事情。"
)

SALUTATIONS: Final = ("先生", "小姐", "女士")
_SALUTATION_KEYS: Final[Mapping[str, str]] = MappingProxyType(
    {"mr": "先生", "miss": "小姐", "ms": "女士"}
)


# ---------------------------------------------------------------------------------------------
# Slots (R-RADIO-03)


class SlotKind(StrEnum):
    NAME = "name"  # ××/XX/***/** = a person's name
    SALUTATION = "salutation"  # 先生/小姐 (女士, R-GEN-11)
    COUNT = "count"  # × people
    ROOM = "room"  # × = VIP room number
    ITEM = "item"  # ××/××× goods or material
    QUANTITY = "quantity"  # XX copies
    PLATE = "plate"  # taxi plate number (recorded, not spoken)
    TEXT = "text"  # free description
    MODE = "mode"  # appointment | walk_in
    POST = "post"  # a post code


@dataclass(frozen=True)
class SlotSpec:
    key: str
    label: str  # Chinese name of the slot, used in error messages and forms
    kind: SlotKind
    max_length: int = 20


SLOTS: Final[Mapping[str, SlotSpec]] = MappingProxyType(
    {
        s.key: s
        for s in (
            SlotSpec("caller_post", "呼叫岗位", SlotKind.POST),
            SlotSpec("callee_post", "被呼叫岗位", SlotKind.POST),
            SlotSpec("caller_name", "呼叫人姓名", SlotKind.NAME),
            SlotSpec("callee_name", "被呼叫人姓名", SlotKind.NAME),
            SlotSpec("client_name", "客户姓名", SlotKind.NAME),
            SlotSpec("salutation", "称呼", SlotKind.SALUTATION),
            SlotSpec("party_size", "人数", SlotKind.COUNT),
            SlotSpec("room", "VIP室号", SlotKind.ROOM),
            SlotSpec("item", "物品", SlotKind.ITEM, 30),
            SlotSpec("material", "资料名称", SlotKind.ITEM, 30),
            SlotSpec("quantity", "份数", SlotKind.QUANTITY),
            SlotSpec("plate", "车牌号码", SlotKind.PLATE),
            SlotSpec("appearance", "体貌特征", SlotKind.TEXT, 60),
            SlotSpec("mode", "接待模式", SlotKind.MODE),
            SlotSpec("text", "呼叫内容", SlotKind.TEXT, 100),
        )
    }
)

_NAME_RE: Final = re.compile(r"^[^\s,,。.;;::!!??、()()“”\"'{}]+$")
_ROOM_RE: Final = re.compile(r"^[0-9A-Z]{1,6}$")
# Mainland plates: province + letter + 5 characters (6 for new-energy plates); I and O unused.
_PLATE_RE: Final = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]$"
)
_COUNT_LIMITS: Final[Mapping[SlotKind, int]] = MappingProxyType(
    {SlotKind.COUNT: 99, SlotKind.QUANTITY: 999}
)
MODE_APPOINTMENT: Final = "appointment"
MODE_WALK_IN: Final = "walk_in"


def normalise_plate(value: str) -> str:
    """'粤b·12345' → '粤B12345': upper-case, without spaces, dots or dashes."""
    return re.sub(r"[\s·.\-]", "", value).upper()


def normalise_room(value: object) -> str:
    """'VIP3室', 'vip 3', 3 → '3': the number (or short code) said after "VIP"."""
    text = re.sub(r"\s", "", str(value)).upper()
    return text.removeprefix("VIP").removesuffix("室")


def clean_slot(key: str, value: object) -> str:
    """Validate one slot value and return it as it is spoken. Raises `RadioError(slot=key)`."""
    spec = SLOTS.get(key)
    if spec is None:
        raise RadioError(f"未知的呼叫内容项“{key}”", slot=key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RadioError(f"请填写“{spec.label}”", slot=key)
    label = spec.label
    if spec.kind in (SlotKind.COUNT, SlotKind.QUANTITY):
        limit = _COUNT_LIMITS[spec.kind]
        number = _as_int(value)
        if number is None or not 1 <= number <= limit:
            raise RadioError(f"“{label}”必须是1到{limit}之间的整数", slot=key)
        return str(number)
    if not isinstance(value, str):
        if spec.kind is SlotKind.ROOM and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        else:
            raise RadioError(f"“{label}”必须是文字", slot=key)
    text = value.strip()
    if spec.kind is SlotKind.SALUTATION:
        word = _SALUTATION_KEYS.get(text.lower(), text)
        if word not in SALUTATIONS:
            raise RadioError(f"“{label}”只能是先生、小姐或女士", slot=key)
        return word
    if spec.kind is SlotKind.ROOM:
        room = normalise_room(text)
        if not _ROOM_RE.match(room):
            raise RadioError(f"“{label}”不正确,例如 3 或 VIP3", slot=key)
        return room
    if spec.kind is SlotKind.PLATE:
        plate = normalise_plate(text)
        if not _PLATE_RE.match(plate):
            raise RadioError(f"“{label}”不正确,例如 粤B12345", slot=key)
        return plate
    if spec.kind is SlotKind.MODE:
        if text not in (MODE_APPOINTMENT, MODE_WALK_IN):
            raise RadioError(f"“{label}”只能是预约或非预约", slot=key)
        return text
    if spec.kind is SlotKind.POST:
        if text not in ALL_POSTS:
            raise RadioError(f"“{label}”不是案场岗位:{text}", slot=key)
        return text
    if len(text) > spec.max_length:
        raise RadioError(f"“{label}”不能超过{spec.max_length}个字", slot=key)
    if "\n" in text or "\r" in text:
        raise RadioError(f"“{label}”不能换行", slot=key)
    if spec.kind is SlotKind.NAME and not _NAME_RE.match(text):
        raise RadioError(f"“{label}”不能包含空格或标点", slot=key)
    return text


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# ---------------------------------------------------------------------------------------------
# Templates (R-RADIO-05..17a verbatim, R-RADIO-01 hail, R-RADIO-04 free text, R-SITE-03)


@dataclass(frozen=True)
class Template:
    """One standard call. `text` is the seed sentence with `{slot}` fields; besides the slots of
    `slots`, it may use the derived fields {client} (name + salutation), {caller} and {callee}
    (radio name, with the person's name for X1) and {mode_word} (预约 or nothing, A-SITE-2).

    `callers` may send it to `callees` (BROADCAST = every post); `acknowledgers` may answer with
    one of `replies`; `completion` (e.g. 已送达) is the done action of service calls, taken by
    `completers` (R-RADIO-20); `completes` names the call this one closes (08 closes 07).
    `recorded` slots are validated and stored with the call but not spoken (the taxi plate).
    """

    key: str
    rule: str
    title: str
    text: str
    slots: tuple[str, ...]
    callers: frozenset[str]
    callees: frozenset[str]
    replies: tuple[str, ...] = (ACK,)
    acknowledgers: frozenset[str] = frozenset()
    completion: str = ""
    completers: frozenset[str] = frozenset()
    completes: str = ""
    recorded: tuple[str, ...] = ()
    free_text: bool = False

    @property
    def ack_posts(self) -> frozenset[str]:
        """Who may answer: the callees, plus any extra acknowledger (A-RADIO-1)."""
        if BROADCAST in self.callees:
            return ALL_POSTS
        return self.callees | self.acknowledgers

    @property
    def required(self) -> tuple[str, ...]:
        return self.slots + self.recorded


def _posts(*codes: str) -> frozenset[str]:
    return frozenset(codes)


_X1, _G1, _S1, _L1 = PostCode.X1, PostCode.G1, PostCode.S1, PostCode.L1
_CENTRE, _PANTRY = PostCode.CENTRE, PostCode.PANTRY
_X1_NAME = ("caller_name",)
_CLIENT = ("client_name", "salutation")

TEMPLATE_LIST: Final[tuple[Template, ...]] = (
    Template(
        key="hail",
        rule="R-RADIO-01",
        title="呼叫岗位",
        text="我是{caller},呼叫{callee},收到请回答。",
        slots=("caller_post", "callee_post"),
        callers=ALL_POSTS,
        callees=ALL_POSTS,
    ),
    Template(
        key="free_text",
        rule="R-RADIO-04",
        title="其他呼叫(自由内容)",
        text="我是{caller},呼叫{callee},{text},收到请回答。",
        slots=("caller_post", "callee_post", "text"),
        callers=ALL_POSTS,
        callees=ALL_POSTS,
        free_text=True,
    ),
    Template(
        key="arrival_broadcast",
        rule="R-SITE-03",
        title="客户到访通报",
        text=(
            "我是L1岗,呼叫各岗位,{mode_word}客户{client}到访,共{party_size}人,"
            "请各岗位做好接待工作,体貌特征:{appearance},收到请回答。"
        ),
        slots=("mode", *_CLIENT, "party_size", "appearance"),
        callers=_posts(_L1),
        callees=_posts(BROADCAST),
    ),
    Template(
        key="capacity_query",
        rule="R-RADIO-05",
        title="L1岗呼叫销售中心(非预约模式)",
        text="我是L1岗,呼叫销售中心,目前有一组客户要来参观,现在是否能接待,收到请回答。",
        slots=(),
        callers=_posts(_L1),
        callees=_posts(_CENTRE),
        replies=(CapacityAnswer.CAN.value, CapacityAnswer.CANNOT.value),
    ),
    Template(
        key="walk_in_on_way",
        rule="R-RADIO-05a",
        title="非预约客户前往展示中心",
        text="我是L1岗,呼叫接待中心,{client}一行{party_size}人已前往展示中心,收到请回答。",
        slots=(*_CLIENT, "party_size"),
        callers=_posts(_L1),
        callees=_posts(_CENTRE),
    ),
    Template(
        key="appointment_arrived",
        rule="R-RADIO-06",
        title="L1岗呼叫接待中心(预约模式)",
        text=(
            "我是L1岗,呼叫接待中心,{client}一行{party_size}人已经抵达,请做好接待准备,收到请回答。"
        ),
        slots=(*_CLIENT, "party_size"),
        callers=_posts(_L1),
        callees=_posts(_CENTRE),
    ),
    Template(
        key="vip_room_request",
        rule="R-RADIO-07",
        title="呼叫大管家安排VIP室",
        text=(
            "我是大客户经理{caller_name},呼叫大客户管家,{client}即将前往VIP室"
            "请做好接待准备,收到请回话。"
        ),
        slots=(*_X1_NAME, *_CLIENT),
        callers=_posts(_X1),
        callees=_posts(_G1),
        completion="已做好接待准备",
        completers=_posts(_G1),
    ),
    Template(
        key="vip_room_ready",
        rule="R-RADIO-08",
        title="VIP室已做好接待准备",
        text="我是管家,呼叫大客户经理{callee_name},VIP{room}已经做好接待准备。",
        slots=("callee_name", "room"),
        callers=_posts(_G1),
        callees=_posts(_X1),
        completes="vip_room_request",
    ),
    Template(
        key="vip_departure",
        rule="R-RADIO-09",
        title="呼叫接待中心做好准备(离场)",
        text=(
            "我是大客户经理{caller_name},呼叫接待中心,VIP{room}室{client}即将离场"
            "请做好准备,收到请回话。"
        ),
        slots=(*_X1_NAME, "room", *_CLIENT),
        callers=_posts(_X1),
        callees=_posts(_CENTRE),
        acknowledgers=_posts(_G1),  # answered by 管家 in the seed (A-RADIO-1)
    ),
    Template(
        key="drinks",
        rule="R-RADIO-10",
        title="呼叫服务:需要饮料",
        text="我是大客户经理{caller_name},呼叫水吧,请送{item}至VIP{room}室,收到请回答。",
        slots=(*_X1_NAME, "item", "room"),
        callers=_posts(_X1),
        callees=_posts(_S1),
        completion="已送达",
        completers=_posts(_S1),
    ),
    Template(
        key="id_copy",
        rule="R-RADIO-11",
        title="呼叫服务:需要复印身份证",
        text="我是大客户经理{caller_name},呼叫大客户管家,VIP{room}需要复印身份证,收到请回话。",
        slots=(*_X1_NAME, "room"),
        callers=_posts(_X1),
        callees=_posts(_G1),
        completion="已复印",
        completers=_posts(_G1),
    ),
    Template(
        key="materials",
        rule="R-RADIO-12",
        title="呼叫服务:需要准备资料",
        text=(
            "我是大客户经理{caller_name},呼叫大客户管家,请准备{quantity}份{material}资料"
            "放至前台处,收到请回话。"
        ),
        slots=(*_X1_NAME, "quantity", "material"),
        callers=_posts(_X1),
        callees=_posts(_G1),
        completion="已备好",
        completers=_posts(_G1),
    ),
    Template(
        key="restock",
        rule="R-RADIO-13",
        title="水吧呼叫操作间补料",
        text="我是水吧,呼叫操作间,请将{item}送至水吧台,收到请回话。",
        slots=("item",),
        callers=_posts(_S1),
        callees=_posts(_PANTRY),
        completion="已送达",
        completers=_posts(_PANTRY),
    ),
    Template(
        key="room_cleanup",
        rule="R-RADIO-14",
        title="呼叫水吧收拾VIP室",
        text="我是大客户管家,呼叫水吧,VIP{room}客人已离去请前去打扫,收到请回话。",
        slots=("room",),
        callers=_posts(_G1),
        callees=_posts(_S1),
        completion="已打扫",
        completers=_posts(_S1),
    ),
    Template(
        key="butler_drinks",
        rule="R-RADIO-15",
        title="管家呼叫服务:送饮料",
        text="我是大客户管家,呼叫水吧,请送{item}至VIP{room}室,收到请回答。",
        slots=("item", "room"),
        callers=_posts(_G1),
        callees=_posts(_S1),
        completion="已送达",
        completers=_posts(_S1),
    ),
    Template(
        key="see_off",
        rule="R-RADIO-16",
        title="送客(非预约)",
        text=(
            "我是大客户经理{caller_name},呼叫接待中心,{client}即将离场,请做好送客准备,收到请回答。"
        ),
        slots=(*_X1_NAME, *_CLIENT),
        callers=_posts(_X1),
        callees=_posts(_CENTRE),
    ),
    Template(
        key="taxi_request",
        rule="R-RADIO-17",
        title="帮客户叫出租车",
        text="我是大客户经理{caller_name},呼叫L1岗,请帮{client}叫一辆出租车,谢谢",
        slots=(*_X1_NAME, *_CLIENT),
        callers=_posts(_X1),
        callees=_posts(_L1),
        completion="出租车已叫到",
        completers=_posts(_L1),
    ),
    Template(
        key="taxi_arrived",
        rule="R-RADIO-17a",
        title="出租车已叫到",
        text="{callee_name}经理,您的客户{client}需要的出租车已经叫到。",
        slots=("callee_name", *_CLIENT),
        callers=_posts(_L1),
        callees=_posts(_X1),
        replies=(ACK_THANKS, ACK),
        completes="taxi_request",
        recorded=("plate",),  # 同时记下车牌号码 (R-SITE-19)
    ),
)

TEMPLATES: Final[Mapping[str, Template]] = MappingProxyType({t.key: t for t in TEMPLATE_LIST})
TEMPLATES_BY_RULE: Final[Mapping[str, Template]] = MappingProxyType(
    {t.rule: t for t in TEMPLATE_LIST}
)


def get_template(key: str) -> Template:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise RadioError(f"没有这个标准说辞:{key}", slot="template") from None


def radio_name(post: str, name: str = "") -> str:
    """How a post is said on the radio: 'L1岗', '水吧', '大客户经理张伟' (R-RADIO-01)."""
    if post not in RADIO_NAMES:
        raise RadioError(f"不是案场岗位:{post}", slot="post")
    return RADIO_NAMES[post] + (name if post in NAMED_ON_RADIO else "")


def render(
    template_key: str,
    slots: Mapping[str, object],
    *,
    normalize_ending: bool = DEFAULT_NORMALIZE_ENDING,
) -> str:
    """The exact standard sentence of `template_key` with `slots` filled (R-RADIO-03/18).

    Unused keys in `slots` are ignored, so a service can pass everything it knows about the
    visit. For `hail`/`free_text`, an X1 caller or callee also needs `caller_name`/`callee_name`.
    With `normalize_ending`, "收到请回话" becomes "收到请回答" (tenant option, R-RADIO-18).
    """
    template = get_template(template_key)
    return _render(template, _clean(template, slots), normalize_ending)


def _clean(template: Template, slots: Mapping[str, object]) -> dict[str, str]:
    values = {key: clean_slot(key, slots.get(key)) for key in template.required}
    for role in ("caller", "callee"):
        post = values.get(f"{role}_post")
        if post in NAMED_ON_RADIO:
            values[f"{role}_name"] = clean_slot(f"{role}_name", slots.get(f"{role}_name"))
    return values


def _render(template: Template, values: Mapping[str, str], normalize_ending: bool) -> str:
    fields = dict(values)
    if "client_name" in values:
        fields["client"] = values["client_name"] + values["salutation"]
    if "mode" in values:
        fields["mode_word"] = "预约" if values["mode"] == MODE_APPOINTMENT else ""
    for role in ("caller", "callee"):
        if f"{role}_post" in values:
            fields[role] = radio_name(values[f"{role}_post"], values.get(f"{role}_name", ""))
    text = template.text.format(**fields)
    if normalize_ending and text.endswith(ENDING_REPLY + "。"):
        text = text[: -len(ENDING_REPLY) - 1] + ENDING_ANSWER + "。"
    return text


@dataclass(frozen=True)
class Dispatch:
    """A call ready to be logged and pushed: who sends it, which posts' screens show it, the
    sentence, the cleaned slots, and whether a supervisor must review it (free text, R-RADIO-04)."""

    template: str
    rule: str
    caller_post: str
    callee_posts: frozenset[str]
    text: str
    slots: Mapping[str, str]
    needs_review: bool


def compose(
    template_key: str,
    *,
    caller_post: str,
    caller_name: str = "",
    callee_post: str | None = None,
    slots: Mapping[str, object] | None = None,
    normalize_ending: bool = DEFAULT_NORMALIZE_ENDING,
) -> Dispatch:
    """Check that `caller_post` may send this call (to `callee_post`, when the call can go to
    several posts) and render it. The caller's own post and name come first (R-RADIO-01)."""
    template = get_template(template_key)
    callee = check_route(template_key, caller_post, callee_post)
    given: dict[str, object] = dict(slots or {})
    given["caller_post"] = caller_post
    given["callee_post"] = callee
    if caller_name:
        given["caller_name"] = caller_name
    values = _clean(template, given)
    text = _render(template, values, normalize_ending)
    if callee == BROADCAST:
        callees = frozenset(str(p) for p in ALL_POSTS if p != caller_post)
    else:
        callees = frozenset({str(callee)})
    kept = {k: v for k, v in values.items() if k not in ("caller_post", "callee_post")}
    return Dispatch(
        template=template.key,
        rule=template.rule,
        caller_post=caller_post,
        callee_posts=callees,
        text=text,
        slots=MappingProxyType(kept),
        needs_review=template.free_text,
    )


def may_send(template_key: str, caller_post: str, callee_post: str | None = None) -> bool:
    try:
        check_route(template_key, caller_post, callee_post)
    except RadioError:
        return False
    return True


def check_route(template_key: str, caller_post: str, callee_post: str | None = None) -> str:
    """Raise `RadioError(code="forbidden")` unless `caller_post` may send this call to
    `callee_post`; return the callee (the template's only callee when none is given)."""
    template = get_template(template_key)
    if caller_post not in template.callers:
        allowed = "、".join(POST_NAMES[p] for p in _ordered(template.callers))
        raise RadioError(
            f"{_post_name(caller_post)}不能发送“{template.title}”,应由{allowed}发送",
            slot="caller_post",
            code="forbidden",
        )
    if callee_post is None:
        if len(template.callees) != 1:
            raise RadioError("请选择被呼叫岗位", slot="callee_post")
        return next(iter(template.callees))
    if callee_post not in template.callees:
        allowed = "、".join(POST_NAMES[p] for p in _ordered(template.callees))
        raise RadioError(
            f"“{template.title}”只能呼叫{allowed},不能呼叫{_post_name(callee_post)}",
            slot="callee_post",
            code="forbidden",
        )
    if callee_post == caller_post:
        raise RadioError("不能呼叫自己的岗位", slot="callee_post", code="forbidden")
    return callee_post


def templates_for(caller_post: str) -> tuple[Template, ...]:
    """The one-tap calls a post may send, in the order of SPEC §4.2."""
    return tuple(t for t in TEMPLATE_LIST if caller_post in t.callers)


def _post_name(post: str) -> str:
    return POST_NAMES.get(post, post)


def _ordered(posts: frozenset[str]) -> list[str]:
    order = [*PostCode, BROADCAST]
    return [p for p in order if p in posts]


# ---------------------------------------------------------------------------------------------
# Capacity question (R-RADIO-05, R-RADIO-19, R-EVENT-01)


def auto_capacity_answer(*, appointment_only: bool) -> CapacityAnswer | None:
    """While an important activity admits appointments only, the capacity question is answered
    无法接待 automatically (R-EVENT-01); otherwise the sales centre answers."""
    return CapacityAnswer.CANNOT if appointment_only else None


def require_capacity_granted(answer: str | None) -> None:
    """R-RADIO-05a may follow R-RADIO-05 only after 可以接待 (R-RADIO-19)."""
    if answer == CapacityAnswer.CAN:
        return
    if answer == CapacityAnswer.CANNOT:
        raise RadioError(
            "销售中心已答复无法接待,不能通知客户前往展示中心;请客户稍候或改为预约",
            slot="capacity_answer",
            code="transition_not_allowed",
        )
    raise RadioError(
        "请先询问销售中心能否接待,收到“可以接待”后再通知",
        slot="capacity_answer",
        code="transition_not_allowed",
    )


# ---------------------------------------------------------------------------------------------
# Call state machine (R-RADIO-02, R-RADIO-20, §4 entity)


class CallState(StrEnum):
    CALLED = "called"  # 已呼叫
    ACKNOWLEDGED = "acknowledged"  # 已收到 (or answered, for the capacity question)
    DONE = "done"  # 已完成: the service was delivered (R-RADIO-20)
    UNANSWERED = "unanswered"  # 未应答: not acknowledged within radio.ack_timeout


CALL_STATE_LABELS: Final[Mapping[CallState, str]] = MappingProxyType(
    {
        CallState.CALLED: "已呼叫",
        CallState.ACKNOWLEDGED: "已收到",
        CallState.DONE: "已完成",
        CallState.UNANSWERED: "未应答",
    }
)

ACKNOWLEDGE: Final = "acknowledge"
COMPLETE: Final = "complete"
MARK_UNANSWERED: Final = "mark_unanswered"
REANNOUNCE: Final = "reannounce"
CALL_ACTION_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {ACKNOWLEDGE: "收到", COMPLETE: "完成", MARK_UNANSWERED: "标记未应答", REANNOUNCE: "重新呼叫"}
)

# (state, action) -> next state. Who may act is per template: acknowledge = `ack_posts`,
# complete = `completers`, mark_unanswered / reannounce = SYSTEM.
CALL_TRANSITIONS: Final[Mapping[tuple[CallState, str], CallState]] = MappingProxyType(
    {
        (CallState.CALLED, ACKNOWLEDGE): CallState.ACKNOWLEDGED,
        (CallState.UNANSWERED, ACKNOWLEDGE): CallState.ACKNOWLEDGED,
        (CallState.CALLED, MARK_UNANSWERED): CallState.UNANSWERED,
        (CallState.UNANSWERED, REANNOUNCE): CallState.UNANSWERED,
        (CallState.ACKNOWLEDGED, COMPLETE): CallState.DONE,
    }
)


def valid_replies(template_key: str) -> tuple[str, ...]:
    return get_template(template_key).replies


def next_call_state(
    template_key: str,
    state: CallState | str,
    action: str,
    *,
    post: str,
    reply: str | None = None,
) -> CallState:
    """The state after `post` takes `action` on a call in `state`; raises a Chinese
    `RadioError` for a step the table or the template does not allow."""
    template = get_template(template_key)
    current = CallState(state)
    target = CALL_TRANSITIONS.get((current, action))
    label = CALL_ACTION_LABELS.get(action, action)
    if target is None or (action == COMPLETE and not template.completion):
        raise RadioError(
            f"呼叫处于“{CALL_STATE_LABELS[current]}”状态,不能“{label}”",
            slot="action",
            code="transition_not_allowed",
        )
    if action == ACKNOWLEDGE:
        if post not in template.ack_posts:
            raise RadioError(
                f"{_post_name(post)}不是“{template.title}”的接收方,不能回复",
                slot="post",
                code="forbidden",
            )
        answer = ACK if reply is None and ACK in template.replies else reply
        if answer not in template.replies:
            raise RadioError("请回复:" + " / ".join(template.replies), slot="reply", code="invalid")
    elif action == COMPLETE:
        if post not in template.completers:
            raise RadioError(
                f"{_post_name(post)}不能将“{template.title}”标记为{template.completion}",
                slot="post",
                code="forbidden",
            )
    elif post != SYSTEM:
        raise RadioError(f"“{label}”由系统自动执行", slot="post", code="forbidden")
    return target


# ---------------------------------------------------------------------------------------------
# Timeout, re-announcement and response times


@dataclass(frozen=True)
class RadioSettings:
    """The radio parameters of one project (§21)."""

    ack_timeout: dt.timedelta = DEFAULT_ACK_TIMEOUT
    normalize_ending: bool = DEFAULT_NORMALIZE_ENDING

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> RadioSettings:
        """Read `radio.ack_timeout` (seconds) and `radio.normalize_ending` from project params."""
        timeout = params.get(PARAM_ACK_TIMEOUT, DEFAULT_ACK_TIMEOUT)
        normalize = params.get(PARAM_NORMALIZE_ENDING, DEFAULT_NORMALIZE_ENDING)
        if not isinstance(normalize, bool):
            raise RadioError("“统一结束语”必须是是或否", slot=PARAM_NORMALIZE_ENDING)
        return cls(ack_timeout=as_timeout(timeout), normalize_ending=normalize)


def as_timeout(value: object) -> dt.timedelta:
    """A timeout given as a timedelta or in seconds; must be positive."""
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise RadioError("“应答时限”必须是秒数", slot=PARAM_ACK_TIMEOUT)
    if not math.isfinite(seconds) or seconds <= 0:
        raise RadioError("“应答时限”必须大于0秒", slot=PARAM_ACK_TIMEOUT)
    return dt.timedelta(seconds=seconds)


def due_for_reannounce(
    sent_at: dt.datetime,
    acked_at: dt.datetime | None,
    now: dt.datetime,
    timeout: dt.timedelta | float = DEFAULT_ACK_TIMEOUT,
) -> bool:
    """True when a call announced at `sent_at` (its last announcement) is still not acknowledged
    `timeout` later: flag it unanswered and announce it again. Pass the re-announcement time as
    `sent_at` to wait a full timeout before the next one."""
    return acked_at is None and now - sent_at >= as_timeout(timeout)


def reannounce_at(
    sent_at: dt.datetime, timeout: dt.timedelta | float = DEFAULT_ACK_TIMEOUT
) -> dt.datetime:
    """When an unacknowledged call falls due (the column a sweep selects on)."""
    return sent_at + as_timeout(timeout)


def response_time(sent_at: dt.datetime, acked_at: dt.datetime | None) -> dt.timedelta | None:
    if acked_at is None:
        return None
    if acked_at < sent_at:
        raise RadioError("收到时间不能早于呼叫时间", slot="acked_at")
    return acked_at - sent_at


@dataclass(frozen=True)
class ResponseStats:
    """Response times of a set of calls: p50/p95 by the nearest-rank method, mean over the
    answered calls; all None when no call was answered."""

    calls: int
    answered: int
    unanswered: int
    p50: dt.timedelta | None
    p95: dt.timedelta | None
    mean: dt.timedelta | None


def percentile(sorted_values: list[dt.timedelta], q: float) -> dt.timedelta:
    """Nearest-rank percentile of a sorted, non-empty list (q in 0..100)."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def response_stats(pairs: Iterable[tuple[dt.datetime, dt.datetime | None]]) -> ResponseStats:
    calls = 0
    times: list[dt.timedelta] = []
    for sent_at, acked_at in pairs:
        calls += 1
        took = response_time(sent_at, acked_at)
        if took is not None:
            times.append(took)
    if not times:
        return ResponseStats(calls, 0, calls, None, None, None)
    times.sort()
    mean = sum(times, dt.timedelta()) / len(times)
    return ResponseStats(
        calls=calls,
        answered=len(times),
        unanswered=calls - len(times),
        p50=percentile(times, 50),
        p95=percentile(times, 95),
        mean=mean,
    )


def response_stats_by_post(
    rows: Iterable[tuple[str, dt.datetime, dt.datetime | None]],
) -> dict[str, ResponseStats]:
    """Statistics per post from (post, sent_at, acked_at) rows; pass the callee post to measure
    how fast each post answers (a broadcast counts once per answering post)."""
    grouped: dict[str, list[tuple[dt.datetime, dt.datetime | None]]] = {}
    for post, sent_at, acked_at in rows:
        grouped.setdefault(post, []).append((sent_at, acked_at))
    return {post: response_stats(grouped[post]) for post in sorted(grouped)}
