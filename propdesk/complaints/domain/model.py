"""The vocabulary of a complaint policy (投诉处理方案, R-COMPLAINT-87/88): enums, constants and the
frozen dataclasses a `Policy` is made of.

Pure Python: no Django, no I/O. A policy is tenant data: its labels, level names and form names
are Chinese text taken from the seeds, not translatable UI strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Final, TypeVar

from propdesk.core.worktime import DurationUnit


class PolicyError(ValueError):
    """A policy, level code, event or stored policy dict that cannot be used. The message is
    Chinese, ready to show to the person who edited the policy or chose the level."""


class Kind(StrEnum):
    """What the customer brought in (诉求类型, SPEC §11.2, R-COMPLAINT-39/80)."""

    CONSULTATION = "consultation"  # 咨询性问题
    SERVICE_REQUEST = "service_request"  # 服务性请求
    OPINION = "opinion"  # 意见/建议 (PCS 台帐 only)
    COMPLAINT = "complaint"  # 投诉
    PRAISE = "praise"  # 表扬 (R-COMPLAINT-32)
    SPECIAL_SERVICE = "special_service"  # 特约服务类投诉 (CM, R-COMPLAINT-62)


COMPLAINT_KINDS: Final = frozenset({Kind.COMPLAINT, Kind.SPECIAL_SERVICE})
REQUEST_KINDS: Final = frozenset({Kind.CONSULTATION, Kind.SERVICE_REQUEST, Kind.OPINION})

KIND_LABELS: Final[Mapping[Kind, str]] = MappingProxyType(
    {
        Kind.CONSULTATION: "咨询性问题",
        Kind.SERVICE_REQUEST: "服务性请求",
        Kind.OPINION: "意见/建议",
        Kind.COMPLAINT: "投诉",
        Kind.PRAISE: "表扬",
        Kind.SPECIAL_SERVICE: "特约服务类投诉",
    }
)


class Channel(StrEnum):
    """How the matter reached us (投诉受理渠道, R-COMPLAINT-03/53)."""

    PHONE = "phone"  # 来电
    VISIT = "visit"  # 来访
    LETTER = "letter"  # 信函
    MAILBOX = "mailbox"  # 信箱
    ONLINE = "online"  # 网上投诉
    CS_DEPARTMENT = "cs_department"  # 物业客服部
    OTHER_DEPARTMENT = "other_department"  # 管理中心其他各部门
    COMPANY_FORWARDED = "company_forwarded"  # 公司接收转回的投诉
    OTHER = "other"  # 其它 (A-CMP-9)


CHANNEL_LABELS: Final[Mapping[Channel, str]] = MappingProxyType(
    {
        Channel.PHONE: "来电",
        Channel.VISIT: "来访",
        Channel.LETTER: "信函",
        Channel.MAILBOX: "信箱",
        Channel.ONLINE: "网上投诉",
        Channel.CS_DEPARTMENT: "物业客服部",
        Channel.OTHER_DEPARTMENT: "管理中心其他部门",
        Channel.COMPANY_FORWARDED: "公司接收转回",
        Channel.OTHER: "其它",
    }
)


class MajorFlag(StrEnum):
    """The major-criteria flags of R-COMPLAINT-08 (union over the four variants)."""

    GOVERNMENT = "government"  # 政府有关部门查处
    MEDIA = "media"  # 新闻媒体曝光
    SERIOUS_IMPACT = "serious_impact"  # 对公司工作/名誉/经济效益造成严重影响
    WIDE_SCOPE = "wide_scope"  # 涉及范围广 / 涉及客户多
    LARGE_AMOUNT = "large_amount"  # 投诉金额较大
    HIGHER_AUTHORITY = "higher_authority"  # 客户直接向上级有关部门投诉
    PROMISE_NOT_KEPT = "promise_not_kept"  # 公司承诺或合同条款没有实施，多次提出得不到解决
    LOSS_OR_INJURY = "loss_or_injury"  # 由于公司责任造成重大经济损失或人身伤害
    UNRESOLVED_MONTH = "unresolved_month"  # 有效投诉在一个月内得不到合理解决
    COMPENSATION = "compensation"  # 涉及业主利益受损，要求赔偿


MAJOR_FLAG_LABELS: Final[Mapping[MajorFlag, str]] = MappingProxyType(
    {
        MajorFlag.GOVERNMENT: "政府有关部门查处",
        MajorFlag.MEDIA: "新闻媒体曝光",
        MajorFlag.SERIOUS_IMPACT: "对公司工作、名誉或经济效益造成严重影响",
        MajorFlag.WIDE_SCOPE: "涉及范围广、涉及客户多",
        MajorFlag.LARGE_AMOUNT: "投诉金额较大",
        MajorFlag.HIGHER_AUTHORITY: "客户直接向上级有关部门投诉",
        MajorFlag.PROMISE_NOT_KEPT: "公司承诺或合同条款没有实施，经客户多次提出得不到解决",
        MajorFlag.LOSS_OR_INJURY: "由于公司责任给客户造成重大经济损失或人身伤害",
        MajorFlag.UNRESOLVED_MONTH: "有效投诉在一个月内得不到合理解决",
        MajorFlag.COMPENSATION: "涉及业主利益受损，要求赔偿",
    }
)


class Slot(StrEnum):
    """A policy role slot (岗位职责). The workflow table names slots; each policy maps every slot
    to concrete core role codes (`Policy.slot_roles`)."""

    RECEIVER = "receiver"  # anyone who takes a complaint (不得推诿, R-COMPLAINT-02)
    HANDLER = "handler"  # LH 龙湖会工作人员 / PCS 亲情管家 / CM 值班人员 / SO 售楼员
    SUPERVISOR = "supervisor"  # 主管
    MANAGER = "manager"  # 经理 (部门经理 / 物业客服经理 / 客服中心经理 / 销管部经理)
    APPROVER = "approver"  # approves work contact sheets (LH 营销策划部经理, R-COMPLAINT-20)
    DEPARTMENT = "department"  # 责任部门 staff
    LEGAL = "legal"  # 法务人员 (R-COMPLAINT-23)
    EXECUTIVE = "executive"  # 副总经理 / 总经理 / 总物业经理 / 总监
    CHAIRMAN = "chairman"  # 董事长 (R-COMPLAINT-16)
    ARCHIVIST = "archivist"  # files the records (R-COMPLAINT-11)


SLOT_LABELS: Final[Mapping[Slot, str]] = MappingProxyType(
    {
        Slot.RECEIVER: "受理人",
        Slot.HANDLER: "处理人",
        Slot.SUPERVISOR: "主管",
        Slot.MANAGER: "经理",
        Slot.APPROVER: "联系单审核人",
        Slot.DEPARTMENT: "责任部门",
        Slot.LEGAL: "法务人员",
        Slot.EXECUTIVE: "公司领导",
        Slot.CHAIRMAN: "董事长",
        Slot.ARCHIVIST: "档案管理员",
    }
)


class RevisitMethod(StrEnum):
    """回访方式 (R-COMPLAINT-09/64)."""

    PHONE = "phone"  # 电话回访
    HOME_VISIT = "home_visit"  # 上门回访
    OTHER = "other"  # 其它方式回访


REVISIT_METHOD_LABELS: Final[Mapping[RevisitMethod, str]] = MappingProxyType(
    {
        RevisitMethod.PHONE: "电话回访",
        RevisitMethod.HOME_VISIT: "上门回访",
        RevisitMethod.OTHER: "其它方式回访",
    }
)


class Penalty(StrEnum):
    """罚则 (SO, R-COMPLAINT-79)."""

    WARNING = "warning"  # 警告
    YELLOW_CARD = "yellow_card"  # 黄牌
    RED_CARD = "red_card"  # 红牌
    BLACK_CARD = "black_card"  # 黑牌
    CIRCULATED_CRITICISM = "circulated_criticism"  # 通报批评
    WRITTEN_SELF_CRITICISM = "written_self_criticism"  # 书面检查


PENALTY_LABELS: Final[Mapping[Penalty, str]] = MappingProxyType(
    {
        Penalty.WARNING: "警告",
        Penalty.YELLOW_CARD: "黄牌",
        Penalty.RED_CARD: "红牌",
        Penalty.BLACK_CARD: "黑牌",
        Penalty.CIRCULATED_CRITICISM: "通报批评",
        Penalty.WRITTEN_SELF_CRITICISM: "书面检查",
    }
)


class ArchiveTarget(StrEnum):
    """Where closed complaint records are filed (R-COMPLAINT-11)."""

    OWNER_ARCHIVE = "owner_archive"  # 业主档案 (PCS)
    HOUSEHOLD_FILE = "household_file"  # 一户一档 (LH)
    CS_ARCHIVE = "cs_archive"  # 客服记录归档 (CM, SO)


ARCHIVE_TARGET_LABELS: Final[Mapping[ArchiveTarget, str]] = MappingProxyType(
    {
        ArchiveTarget.OWNER_ARCHIVE: "业主档案",
        ArchiveTarget.HOUSEHOLD_FILE: "一户一档",
        ArchiveTarget.CS_ARCHIVE: "客服记录档案",
    }
)

# --- unified severity (R-COMPLAINT-89) -----------------------------------------------------
SEVERITY_INTERNAL: Final = -1  # SO 内部投诉: outside the customer scale
SEVERITY_NOT_COMPLAINT: Final = 0  # 咨询、服务请求、意见、表扬
SEVERITY_NOT_ACCEPTED: Final = 1  # 委婉拒绝 / 非本公司责任 / 无效投诉
SEVERITY_GENERAL: Final = 2  # 一般 / 有效 / 轻微
SEVERITY_IMPORTANT: Final = 3  # 重要
SEVERITY_MAJOR: Final = 4  # 重大
SEVERITY_PARTICULARLY_MAJOR: Final = 5  # 特别重大 / 上报公司
SEVERITIES: Final = (-1, 0, 1, 2, 3, 4, 5)
SEVERITY_LABELS: Final[Mapping[int, str]] = MappingProxyType(
    {
        SEVERITY_INTERNAL: "内部投诉",
        SEVERITY_NOT_COMPLAINT: "非投诉",
        SEVERITY_NOT_ACCEPTED: "不予受理",
        SEVERITY_GENERAL: "一般投诉",
        SEVERITY_IMPORTANT: "重要投诉",
        SEVERITY_MAJOR: "重大投诉",
        SEVERITY_PARTICULARLY_MAJOR: "特别重大投诉",
    }
)

# Outcomes passed to `unified_severity` (the workflow's end states of the short branches).
OUTCOME_DECLINED: Final = "declined"  # 委婉拒绝 (LH, R-COMPLAINT-19)
OUTCOME_EXPLAINED: Final = "explained"  # 已解释: 非本公司责任 (PCS) / 无效投诉 (CM)
OUTCOME_REPORTED_TO_COMPANY: Final = "reported_to_company"  # 上报公司处理 (CM, R-COMPLAINT-62)
OUTCOMES: Final = (OUTCOME_DECLINED, OUTCOME_EXPLAINED, OUTCOME_REPORTED_TO_COMPANY)

# --- timer events --------------------------------------------------------------------------
# The moments a timer can start. The service calls `timers_on(event=...)` when one happens.
EVENT_RECEIVED: Final = "received"  # 受理 (intake saved)
EVENT_CLASSIFIED: Final = "classified"  # 定性 (nature/level decided)
EVENT_UPGRADED: Final = "upgraded"  # level raised: the new level's timers restart (§11.3)
EVENT_TRANSFERRED: Final = "transferred"  # work contact sheet issued to a department
EVENT_ACCEPTED: Final = "accepted"  # department accepted with a rectification deadline
EVENT_FORWARDED_TO_DEVELOPER: Final = "forwarded_to_developer"  # 转至地产客服
EVENT_DEPARTMENT_UNABLE: Final = "department_unable"  # department cannot solve it
EVENT_DEADLINE_PROMISED: Final = "deadline_promised"  # a reply deadline promised (R-42/72)
EVENT_HANDLED: Final = "handled"  # handling finished: last department feedback, or the reply
EVENT_REOPENED: Final = "reopened"  # dissatisfied at revisit: rectification deadline
EVENT_LEGACY_FLAGGED: Final = "legacy_flagged"  # marked a development legacy issue
EVENTS: Final = (
    EVENT_RECEIVED,
    EVENT_CLASSIFIED,
    EVENT_UPGRADED,
    EVENT_TRANSFERRED,
    EVENT_ACCEPTED,
    EVENT_FORWARDED_TO_DEVELOPER,
    EVENT_DEPARTMENT_UNABLE,
    EVENT_DEADLINE_PROMISED,
    EVENT_HANDLED,
    EVENT_REOPENED,
    EVENT_LEGACY_FLAGGED,
)

# --- durations -----------------------------------------------------------------------------
# Two units beyond the core calendar's `DurationUnit`, computed by `due_for` in this package:
CALENDAR_MONTHS: Final = "calendar_months"  # 个月 (same day-of-month, clamped): SO 1 month
SAME_DAY: Final = "same_day"  # 当天: until the end of the local day (+ `amount` days)
DURATION_UNITS: Final = (*(u.value for u in DurationUnit), CALENDAR_MONTHS, SAME_DAY)
WHOLE_UNITS: Final = frozenset({DurationUnit.WORKING_DAYS.value, CALENDAR_MONTHS, SAME_DAY})
# Units a `ChaseRule.before_deadline` may use (they can be counted backwards).
BACKWARD_UNITS: Final = frozenset(
    {
        DurationUnit.CLOCK_MINUTES.value,
        DurationUnit.CLOCK_HOURS.value,
        DurationUnit.CALENDAR_DAYS.value,
    }
)

TIME_OF_DAY_ANY: Final = "any"
TIME_OF_DAY_WORKING: Final = "working"  # the start instant is working time (R-GEN-06)
TIME_OF_DAY_NON_WORKING: Final = "non_working"
TIMES_OF_DAY: Final = (TIME_OF_DAY_ANY, TIME_OF_DAY_WORKING, TIME_OF_DAY_NON_WORKING)


def _as_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise PolicyError(f"时长“{value!r}”不是数字")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise PolicyError(f"时长“{value}”不是数字") from None


@dataclass(frozen=True)
class Duration:
    """A time limit: `amount` of `unit` (a `worktime.DurationUnit` value, or `CALENDAR_MONTHS` /
    `SAME_DAY` of this package). Compute its due time with `due_for`, never with
    `worktime.compute_due` directly (the latter does not know the two extra units).

    Construction only coerces types (8 -> Decimal("8"), DurationUnit -> str); ranges are checked
    by `validate_policy`, so an edited copy can be built and then told what is wrong.
    """

    amount: Decimal
    unit: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _as_decimal(self.amount))
        object.__setattr__(self, "unit", str(self.unit))


@dataclass(frozen=True)
class ChaseRule:
    """How often the handler chases (催问) a level (R-COMPLAINT-48).

    `every`: the next chase is due this long after the last one (or after the start). PCS
    "一周两次" (twice a week) is stored as every 84 clock hours (168 h / 2): exactly two per
    week, the same gap every time, no weekday bookkeeping; it may fall outside working time,
    where it simply waits for the next shift.
    `before_deadline`: when the owner accepted a longer agreed deadline (业主能够谅解), the chase
    is due this long before that deadline instead (PCS: one calendar day).
    """

    every: Duration | None = None
    before_deadline: Duration | None = None


@dataclass(frozen=True)
class LevelDef:
    """One level of a policy's taxonomy (R-COMPLAINT-88 items 1, 3, 5, 6, 10).

    `severity` is the unified severity of R-COMPLAINT-89 (0..5, `SEVERITY_INTERNAL` = -1).
    Role fields hold core role codes (propdesk.core.permissions.DEFAULT_ROLES).
    `closure_role` is the slot whose approval closing needs (特别重大 -> Slot.CHAIRMAN,
    R-COMPLAINT-16); the roles are `Policy.slot_roles[closure_role]`.
    `single_department`: warn when the level is given to a complaint touching more than one
    department (LH 一般投诉, R-COMPLAINT-13 / A-CMP-3). `written_only`: the complaint must come
    as a written submission (SO 内部投诉, R-COMPLAINT-77).
    """

    code: str
    label: str
    severity: int
    handler_roles: tuple[str, ...] = ()
    replier_roles: tuple[str, ...] = ()
    revisit_roles: tuple[str, ...] = ()
    revisit_method: RevisitMethod = RevisitMethod.PHONE
    chase: ChaseRule | None = None
    penalties: tuple[Penalty, ...] = ()
    alternative_penalties: tuple[Penalty, ...] = ()  # SO 重大: 黑牌 instead (R-COMPLAINT-79)
    closure_role: Slot | None = None
    is_major: bool = False
    single_department: bool = False
    written_only: bool = False
    description: str = ""  # the seed's definition, shown when classifying

    def __post_init__(self) -> None:
        for name in ("handler_roles", "replier_roles", "revisit_roles"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "penalties", tuple(self.penalties))
        object.__setattr__(self, "alternative_penalties", tuple(self.alternative_penalties))


@dataclass(frozen=True)
class TimerRule:
    """One row of a timer's table: the first row matching (kind, level, time of day) gives the
    duration; `duration=None` in a matching row means "no timer" (LH major reply, R-18).
    Empty `kinds` / `levels` match any. `time_of_day` tests the start instant against the
    project calendar (`working`, `non_working`, `any`). `note` is shown after the timer label,
    e.g. "工作时间内受理8小时"."""

    duration: Duration | None
    kinds: frozenset[Kind] = frozenset()
    levels: frozenset[str] = frozenset()
    time_of_day: str = TIME_OF_DAY_ANY
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", frozenset(Kind(k) for k in self.kinds))
        object.__setattr__(self, "levels", frozenset(self.levels))


@dataclass(frozen=True)
class TimerDef:
    """A stored deadline that starts on an event (R-COMPLAINT-88 item 4).

    `starts_on` is one of `EVENTS`. With `deadline_given` the due time is the deadline the user
    entered (rectification, promised reply) and `rules` stay empty. `restart_on_upgrade`: when
    the level is raised the timer is computed again for the new level from the upgrade time
    (SPEC §11.3). `rule_ref` names the SPEC rule, shown beside the explanation.
    """

    key: str
    label: str
    starts_on: str
    rules: tuple[TimerRule, ...] = ()
    deadline_given: bool = False
    restart_on_upgrade: bool = False
    rule_ref: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))


@dataclass(frozen=True)
class EscalationHop:
    """One hop of the major-complaint escalation chain (R-COMPLAINT-90b): who must be told, by
    a slot of the policy or a concrete role code (exactly one of the two), `within` counted from
    the moment the complaint became major (all hops are computed at once, so each can be a
    stored deadline)."""

    slot: Slot | None
    within: Duration
    role: str | None = None
    label: str = ""


@dataclass(frozen=True)
class ClosureRules:
    """Closure evidence (R-COMPLAINT-49/78/90d); the workflow's guards read these flags."""

    customer_signature: bool = False  # PCS: owner signs the 《投诉处理书》
    manager_review: bool = False  # PCS: 物业客服经理审阅
    revisit_required: bool = True  # R-COMPLAINT-09: every variant
    satisfaction_required: bool = False  # LH / CM / PCS: satisfied at revisit
    affirmation_required: bool = False  # SO: 得到客户的肯定 (R-COMPLAINT-74)
    cause_analysis_required: bool = False  # SO: 原因分析 + 纠正措施 (R-COMPLAINT-78)


@dataclass(frozen=True)
class ReportSchedule:
    """When the policy's reports and jobs run (R-COMPLAINT-88 item 9, SPEC §20).

    Days of month run 1..31; a day beyond the month's length means its last day (31 = month
    end). `weekly_summary_weekday`: 0 = Monday.
    """

    daily_progress_log: bool = False  # RPT-02 LH 每日记录投诉记录单和函件进程
    archive_day: int | None = None  # RPT-03 LH 25: contact sheets into 一户一档
    report_day: int | None = None  # RPT-04 LH 27 / RPT-10 CM / RPT-12 SO
    weekly_summary_weekday: int | None = None  # RPT-07 PCS 每周汇总
    meeting_briefing: bool = False  # RPT-08 PCS 重大投诉在公司例会上说明
    legacy_summary_monthly: bool = False  # RPT-09 PCS 长期遗留问题每月通报


_K = TypeVar("_K")
_V = TypeVar("_V")


def _freeze_mapping(value: Mapping[_K, _V]) -> MappingProxyType[_K, _V]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class Policy:
    """A complaint-handling policy (投诉处理方案, R-COMPLAINT-87/88): everything the one engine
    needs to run the LH, PCS, CM or SO procedure, or a tenant's edited copy of one.

    Stored per version (`policy_to_dict`); a complaint keeps the version it was received under.
    Mappings are read-only views; build an edited copy with `dataclasses.replace` and check it
    with `validate_policy`.
    """

    code: str
    name: str
    version: int
    levels: tuple[LevelDef, ...]
    default_level: str
    major_level: str
    # Which R-COMPLAINT-08 flags force `major_level` (R-COMPLAINT-08/13/57/75).
    major_flags: frozenset[MajorFlag] = frozenset()
    # Concrete core role codes per slot for this policy.
    slot_roles: Mapping[Slot, tuple[str, ...]] = field(default_factory=dict)
    timers: tuple[TimerDef, ...] = ()
    escalation_chain: tuple[EscalationHop, ...] = ()
    contact_sheet_approval: Slot | None = None  # LH: 营销策划部经理审核 (R-COMPLAINT-20)
    letter_cosign: tuple[Slot, ...] = ()  # LH: 主管、部门经理、责任部门经理会签 (R-COMPLAINT-23)
    legal_review: bool = False  # LH: 法务人员审阅 (R-COMPLAINT-23)
    closure: ClosureRules = field(default_factory=ClosureRules)
    revisit_window: Duration | None = None  # after handling (PCS 7 days, LH 30 days)
    revisit_quotas: Mapping[str, int] = field(default_factory=dict)  # role -> per month
    auto_upgrade_after: Duration | None = None  # SO 1 month after receipt (R-COMPLAINT-76)
    group_threshold: int = 0  # linked complaints that suggest a group action; 0 = off
    group_action: str = ""  # the suggestion shown then
    archive_target: ArchiveTarget = ArchiveTarget.CS_ARCHIVE
    forms: Mapping[str, str] = field(default_factory=dict)  # form key -> Chinese form name
    reports: ReportSchedule = field(default_factory=ReportSchedule)
    steps_checklist: bool = False  # show the six STEPS at intake (R-COMPLAINT-81..86)
    no_promise_levels: frozenset[str] = frozenset()  # 承诺冻结 (R-COMPLAINT-06)
    no_promise_flags: frozenset[MajorFlag] = frozenset()
    # A complaint against a person in this role is routed at least like this level (SO, R-70).
    target_levels: Mapping[str, str] = field(default_factory=dict)
    channels: tuple[Channel, ...] = ()  # published channels (R-COMPLAINT-03/04/53)
    read_back_required: bool = False  # phone intake read back and confirmed (PCS, R-41)
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(self.levels))
        object.__setattr__(self, "timers", tuple(self.timers))
        object.__setattr__(self, "escalation_chain", tuple(self.escalation_chain))
        object.__setattr__(self, "letter_cosign", tuple(Slot(s) for s in self.letter_cosign))
        object.__setattr__(self, "channels", tuple(Channel(c) for c in self.channels))
        object.__setattr__(self, "major_flags", frozenset(MajorFlag(f) for f in self.major_flags))
        object.__setattr__(
            self, "no_promise_flags", frozenset(MajorFlag(f) for f in self.no_promise_flags)
        )
        object.__setattr__(self, "no_promise_levels", frozenset(self.no_promise_levels))
        object.__setattr__(
            self,
            "slot_roles",
            _freeze_mapping({Slot(k): tuple(v) for k, v in self.slot_roles.items()}),
        )
        object.__setattr__(self, "revisit_quotas", _freeze_mapping(self.revisit_quotas))
        object.__setattr__(self, "forms", _freeze_mapping(self.forms))
        object.__setattr__(self, "target_levels", _freeze_mapping(self.target_levels))

    def level(self, code: str) -> LevelDef:
        """The level with this code; PolicyError (Chinese) when the policy has none."""
        for level in self.levels:
            if level.code == code:
                return level
        raise PolicyError(f"投诉处理方案“{self.name}”没有级别“{code}”")

    @property
    def level_codes(self) -> tuple[str, ...]:
        return tuple(level.code for level in self.levels)

    def roles_for(self, slot: Slot) -> tuple[str, ...]:
        """Core role codes filling `slot` in this policy (empty when none)."""
        return tuple(self.slot_roles.get(slot, ()))


@dataclass(frozen=True)
class Route:
    """Who handles and who answers the customer (R-COMPLAINT-70/74). `level` is the level whose
    routing applied (SO: the higher of the complaint's level and its target's)."""

    handler_roles: tuple[str, ...]
    replier_roles: tuple[str, ...]
    level: str
