"""The four shipped complaint policies (R-COMPLAINT-87): LH, PCS, CM and SO, with every default
of SPEC §21 (lh.*, pcs.*, cm.*, so.*) and the §22 assumptions A-CMP-1..15.

Role codes are those of `propdesk.core.permissions.DEFAULT_ROLES` (LH's 特别重大 closure needs
`chairman`, 董事长, R-COMPLAINT-16).

Decisions beyond the seeds (each configurable in an edited copy):
- PCS 一周两次催问 = every 84 clock hours (ChaseRule docstring).
- PCS transfer within 20 minutes (R-COMPLAINT-43) counts from classification (定性: the initial
  analysis that found a company service-quality problem), not from receipt: the seed orders
  "初步分析 → 属于公司服务质量问题的投诉 → 二十分钟内转至责任部门". The 8 h / 24 h reply of the
  same rule is the first-response timer, counted from receipt.
- PCS 8 h / 24 h are clock hours (A-CMP-7); `count_in_working_hours` switches a timer to
  working hours.
- Escalation hop deadlines the seeds leave open: LH deputy GM / GM 48 h after the 24 h report;
  CM CS-centre manager 1 h and general property manager 4 h ("及时上报"); PCS CS manager the
  same day; SO deputy GM 24 h (A-CMP-6 major).
- PCS weekly summary on Monday for the week before; monthly statistics (PCS A-CMP-11, CM
  R-COMPLAINT-68, SO R-COMPLAINT-80) on the last day of the month.
- LH major complaints: contact the customer daily until the decision (R-COMPLAINT-18 assumption),
  stored as a daily chase rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from propdesk.core.worktime import DurationUnit

from .model import (
    CALENDAR_MONTHS,
    COMPLAINT_KINDS,
    EVENT_ACCEPTED,
    EVENT_CLASSIFIED,
    EVENT_DEADLINE_PROMISED,
    EVENT_DEPARTMENT_UNABLE,
    EVENT_FORWARDED_TO_DEVELOPER,
    EVENT_LEGACY_FLAGGED,
    EVENT_RECEIVED,
    EVENT_REOPENED,
    SAME_DAY,
    SEVERITY_GENERAL,
    SEVERITY_IMPORTANT,
    SEVERITY_INTERNAL,
    SEVERITY_MAJOR,
    SEVERITY_NOT_ACCEPTED,
    SEVERITY_PARTICULARLY_MAJOR,
    TIME_OF_DAY_NON_WORKING,
    TIME_OF_DAY_WORKING,
    ArchiveTarget,
    Channel,
    ChaseRule,
    ClosureRules,
    Duration,
    EscalationHop,
    Kind,
    LevelDef,
    MajorFlag,
    Penalty,
    Policy,
    PolicyError,
    ReportSchedule,
    RevisitMethod,
    Slot,
    TimerDef,
    TimerRule,
)


def _hours(amount: int | str) -> Duration:
    return Duration(Decimal(amount), DurationUnit.CLOCK_HOURS)


def _minutes(amount: int) -> Duration:
    return Duration(Decimal(amount), DurationUnit.CLOCK_MINUTES)


def _days(amount: int) -> Duration:
    return Duration(Decimal(amount), DurationUnit.CALENDAR_DAYS)


def _months(amount: int) -> Duration:
    return Duration(Decimal(amount), CALENDAR_MONTHS)


def _same_day() -> Duration:
    return Duration(Decimal(0), SAME_DAY)


DAILY_CHASE: Final = ChaseRule(every=_days(1), before_deadline=_days(1))
TWICE_WEEKLY_CHASE: Final = ChaseRule(every=_hours(84), before_deadline=_days(1))
NO_PROMISE_FLAGS: Final = frozenset({MajorFlag.COMPENSATION})  # R-COMPLAINT-06/38


def _reopened_rectification() -> TimerDef:
    """限期整改 after a dissatisfied revisit (R-COMPLAINT-10/67): the deadline is entered."""
    return TimerDef(
        key="reopened_rectification",
        label="限期整改期限",
        starts_on=EVENT_REOPENED,
        deadline_given=True,
        rule_ref="R-COMPLAINT-10",
    )


# --- LH: 龙湖会 (sales-centre developer club), SPEC §11.5 ----------------------------------
LH_MAJOR_LEVELS: Final = frozenset({"major", "particularly_major"})

LH: Final = Policy(
    code="LH",
    name="龙湖会投诉处理办法",
    version=1,
    description="龙湖会归口管理的客户投诉处理（销售及交付后），一户一档管理",
    levels=(
        LevelDef(
            code="general",
            label="一般投诉",
            severity=SEVERITY_GENERAL,
            handler_roles=("club_staff",),
            replier_roles=("club_staff",),
            revisit_roles=("club_staff",),
            revisit_method=RevisitMethod.PHONE,
            single_department=True,
            description="对公司工作或项目工程建设影响很少，涉及单一部门的小范围投诉",
        ),
        LevelDef(
            code="major",
            label="重大投诉",
            severity=SEVERITY_MAJOR,
            handler_roles=("club_staff", "club_supervisor"),
            replier_roles=("club_staff", "club_supervisor"),
            revisit_roles=("club_staff",),
            revisit_method=RevisitMethod.PHONE,
            chase=ChaseRule(every=_days(1)),
            is_major=True,
            description=(
                "政府有关部门查处、新闻媒体曝光或对公司工作造成严重影响的投诉，"
                "或涉及范围广、投诉金额较大的投诉"
            ),
        ),
        LevelDef(
            code="particularly_major",
            label="特别重大投诉",
            severity=SEVERITY_PARTICULARLY_MAJOR,
            handler_roles=("club_supervisor",),
            replier_roles=("club_supervisor",),
            revisit_roles=("club_supervisor",),
            revisit_method=RevisitMethod.PHONE,
            chase=ChaseRule(every=_days(1)),
            closure_role=Slot.CHAIRMAN,
            is_major=True,
            description="由总经理、副总经理认定的特别重大投诉事项，须提交公司董事长审核",
        ),
    ),
    default_level="general",
    major_level="major",
    major_flags=frozenset(
        {
            MajorFlag.GOVERNMENT,
            MajorFlag.MEDIA,
            MajorFlag.SERIOUS_IMPACT,
            MajorFlag.WIDE_SCOPE,
            MajorFlag.LARGE_AMOUNT,
        }
    ),
    slot_roles={
        Slot.RECEIVER: (
            "club_staff",
            "club_supervisor",
            "salesperson",
            "sales_supervisor",
            "duty_manager",
            "reception_staff",
        ),
        Slot.HANDLER: ("club_staff",),
        Slot.SUPERVISOR: ("club_supervisor",),
        Slot.MANAGER: ("dept_manager",),
        Slot.APPROVER: ("marketing_manager",),
        Slot.DEPARTMENT: (
            "dept_manager",
            "engineering_head",
            "developer_cs",
            "sales_admin_manager",
            "project_manager",
            "cs_manager",
        ),
        Slot.LEGAL: ("legal",),
        Slot.EXECUTIVE: ("deputy_gm", "general_manager"),
        Slot.CHAIRMAN: ("chairman",),
        Slot.ARCHIVIST: ("club_staff", "archivist"),
    },
    timers=(
        TimerDef(
            key="reply",
            label="答复客户时限",
            starts_on=EVENT_RECEIVED,
            rules=(
                TimerRule(
                    _hours(48),
                    kinds=frozenset({Kind.CONSULTATION, Kind.SERVICE_REQUEST}),
                    note="咨询性问题、服务性请求48小时",
                ),
                # 重大投诉: 视具体情况尽早答复 — no fixed timer (R-COMPLAINT-18).
                TimerRule(None, kinds=COMPLAINT_KINDS, levels=LH_MAJOR_LEVELS),
                TimerRule(_hours(72), kinds=COMPLAINT_KINDS, note="一般性问题72小时"),
            ),
            restart_on_upgrade=True,
            rule_ref="R-COMPLAINT-18",
        ),
        TimerDef(
            key="major_report",
            label="重大投诉上报时限",
            starts_on=EVENT_CLASSIFIED,
            rules=(TimerRule(_hours(24), kinds=COMPLAINT_KINDS, levels=LH_MAJOR_LEVELS),),
            restart_on_upgrade=True,
            rule_ref="R-COMPLAINT-27",
        ),
        TimerDef(
            key="legacy_report",
            label="遗留问题当天报告主管",
            starts_on=EVENT_LEGACY_FLAGGED,
            rules=(TimerRule(_same_day()),),
            rule_ref="R-COMPLAINT-29",
        ),
        _reopened_rectification(),
    ),
    escalation_chain=(
        EscalationHop(Slot.SUPERVISOR, _hours(24), label="上报龙湖会主管"),
        EscalationHop(Slot.APPROVER, _hours(24), label="上报营销策划部经理"),
        EscalationHop(Slot.EXECUTIVE, _hours(48), label="层级上报副总经理、总经理"),
    ),
    contact_sheet_approval=Slot.APPROVER,
    letter_cosign=(Slot.SUPERVISOR, Slot.MANAGER, Slot.DEPARTMENT),
    legal_review=True,
    closure=ClosureRules(revisit_required=True, satisfaction_required=True),
    revisit_window=_days(30),
    group_threshold=2,
    group_action=(
        "开发建设遗留问题：当天报告主管，由主管层级上报，公司及时召开会议研究统一的处理办法，"
        "再由相关责任部门落实"
    ),
    archive_target=ArchiveTarget.HOUSEHOLD_FILE,
    forms={
        "registration": "客户投诉登记表",
        "handling": "投诉记录单",
        "contact_sheet": "工作联系单",
        "reply_letter": "回馈函件",
        "cost_ledger": "投诉处理费用台帐",
        "monthly_report": "投诉处置情况月表",
        "archive": "客户投诉专项档案",
    },
    reports=ReportSchedule(daily_progress_log=True, archive_day=25, report_day=27),
    steps_checklist=True,
    no_promise_levels=LH_MAJOR_LEVELS,
    no_promise_flags=NO_PROMISE_FLAGS,
    channels=(
        Channel.PHONE,
        Channel.VISIT,
        Channel.LETTER,
        Channel.ONLINE,
        Channel.OTHER_DEPARTMENT,
        Channel.OTHER,
    ),
)

# --- PCS: 物业客服部 (property customer service, "地王" manual), SPEC §11.6 ---------------------
PCS: Final = Policy(
    code="PCS",
    name="物业客服部客户投诉处理规程",
    version=1,
    description="物业客服部受理、亲情管家负责跟踪处理的业主投诉，存入业主档案",
    levels=(
        LevelDef(
            code="general",
            label="一般性投诉",
            severity=SEVERITY_GENERAL,
            handler_roles=("butler",),
            replier_roles=("butler",),
            revisit_roles=("butler",),
            chase=TWICE_WEEKLY_CHASE,
            description="一般性投诉：一周两次催问（由亲情管家或主管认定级别，A-CMP-5）",
        ),
        LevelDef(
            code="important",
            label="重要投诉",
            severity=SEVERITY_IMPORTANT,
            handler_roles=("butler",),
            replier_roles=("butler",),
            revisit_roles=("butler",),
            chase=DAILY_CHASE,
            description="重要投诉：亲情管家每日催问处理情况（由亲情管家或主管认定，A-CMP-5）",
        ),
        LevelDef(
            code="major",
            label="重大投诉",
            severity=SEVERITY_MAJOR,
            handler_roles=("butler", "cs_manager"),
            replier_roles=("butler", "cs_manager"),
            revisit_roles=("butler",),
            chase=DAILY_CHASE,
            is_major=True,
            description="涉及业主利益受损，要求赔偿的重大投诉",
        ),
    ),
    default_level="general",
    major_level="major",
    major_flags=frozenset({MajorFlag.COMPENSATION}),
    slot_roles={
        Slot.RECEIVER: (
            "butler",
            "cs_staff",
            "lobby_butler",
            "cs_supervisor",
            "cs_manager",
            "dispatch",
            "engineer",
            "engineering_head",
            "security",
            "cleaner",
            "cashier",
        ),
        Slot.HANDLER: ("butler",),
        Slot.SUPERVISOR: ("cs_supervisor",),
        Slot.MANAGER: ("cs_manager",),
        Slot.DEPARTMENT: (
            "engineering_head",
            "engineer",
            "security",
            "cleaner",
            "finance",
            "cashier",
            "developer_cs",
        ),
        Slot.LEGAL: ("legal",),
        Slot.EXECUTIVE: ("gpm",),
        Slot.ARCHIVIST: ("archivist", "butler"),
    },
    timers=(
        TimerDef(
            key="first_response",
            label="首次回应时限",
            starts_on=EVENT_RECEIVED,
            rules=(
                TimerRule(
                    _hours(8),
                    kinds=COMPLAINT_KINDS,
                    time_of_day=TIME_OF_DAY_WORKING,
                    note="工作时间内受理8小时",
                ),
                TimerRule(
                    _hours(24),
                    kinds=COMPLAINT_KINDS,
                    time_of_day=TIME_OF_DAY_NON_WORKING,
                    note="非工作时间受理24小时",
                ),
            ),
            rule_ref="R-COMPLAINT-34",
        ),
        TimerDef(
            key="transfer",
            label="转责任部门时限",
            starts_on=EVENT_CLASSIFIED,
            rules=(TimerRule(_minutes(20), kinds=COMPLAINT_KINDS, note="定性后二十分钟内"),),
            rule_ref="R-COMPLAINT-43",
        ),
        TimerDef(
            key="developer_proposal",
            label="地产客服提交处理方案时限",
            starts_on=EVENT_FORWARDED_TO_DEVELOPER,
            rules=(TimerRule(_days(7), note="不超过一周"),),
            rule_ref="R-COMPLAINT-47",
        ),
        TimerDef(
            key="unable_report",
            label="知会物业客服主管或经理",
            starts_on=EVENT_DEPARTMENT_UNABLE,
            rules=(TimerRule(_same_day(), note="责任部门表示不能解决，当日"),),
            rule_ref="R-COMPLAINT-45",
        ),
        TimerDef(
            key="promised_reply",
            label="承诺答复期限",
            starts_on=EVENT_DEADLINE_PROMISED,
            deadline_given=True,
            rule_ref="R-COMPLAINT-42",
        ),
        TimerDef(
            key="rectification",
            label="整改完成期限",
            starts_on=EVENT_ACCEPTED,
            deadline_given=True,
            rule_ref="R-COMPLAINT-44",
        ),
        _reopened_rectification(),
    ),
    escalation_chain=(EscalationHop(Slot.MANAGER, _same_day(), label="当日报告物业客服经理"),),
    closure=ClosureRules(
        customer_signature=True,
        manager_review=True,
        revisit_required=True,
        satisfaction_required=True,
    ),
    revisit_window=_days(7),
    archive_target=ArchiveTarget.OWNER_ARCHIVE,
    forms={
        "registration": "投诉/意见接待台帐",
        "handling": "投诉处理书",
        "contact_sheet": "物业客服工作联系单",
    },
    reports=ReportSchedule(
        weekly_summary_weekday=0,
        meeting_briefing=True,
        report_day=31,
        legacy_summary_monthly=True,
    ),
    no_promise_levels=frozenset({"major"}),
    no_promise_flags=NO_PROMISE_FLAGS,
    channels=(
        Channel.CS_DEPARTMENT,
        Channel.OTHER_DEPARTMENT,
        Channel.MAILBOX,
        Channel.COMPANY_FORWARDED,
        Channel.PHONE,
        Channel.VISIT,
    ),
    read_back_required=True,
)

# --- CM: 小区 (residential community), SPEC §11.7 ---------------------------------------------
CM: Final = Policy(
    code="CM",
    name="小区客户投诉处理程序",
    version=1,
    description="客户服务调度中心（或监控中心）值班人员受理、判别投诉性质的小区投诉处理",
    levels=(
        LevelDef(
            code="invalid",
            label="无效投诉",
            severity=SEVERITY_NOT_ACCEPTED,
            handler_roles=("cs_staff", "dispatch"),
            replier_roles=("cs_staff", "dispatch", "cs_manager", "gpm"),
            revisit_roles=("dispatch", "cs_staff"),
            revisit_method=RevisitMethod.PHONE,
            description="与管理处无直接责任关系或超出服务范围内的投诉",
        ),
        LevelDef(
            code="valid",
            label="有效投诉",
            severity=SEVERITY_GENERAL,
            handler_roles=("cs_staff", "dispatch"),
            replier_roles=("cs_staff", "dispatch"),
            revisit_roles=("dispatch", "cs_staff"),
            revisit_method=RevisitMethod.PHONE,
            description="与管理处有直接责任关系或服务范围内的投诉",
        ),
        LevelDef(
            code="major",
            label="重大投诉",
            severity=SEVERITY_MAJOR,
            handler_roles=("gpm",),
            replier_roles=("gpm", "cs_manager"),
            revisit_roles=("cs_manager",),
            revisit_method=RevisitMethod.HOME_VISIT,
            is_major=True,
            description=(
                "客户直接向上级有关部门投诉的有效投诉；对公司名誉、经济效益等造成重大影响的有效投诉"
            ),
        ),
    ),
    default_level="valid",
    major_level="major",
    major_flags=frozenset({MajorFlag.HIGHER_AUTHORITY, MajorFlag.SERIOUS_IMPACT}),
    slot_roles={
        Slot.RECEIVER: (
            "cs_staff",
            "dispatch",
            "lobby_butler",
            "butler",
            "cs_supervisor",
            "cs_manager",
            "engineer",
            "engineering_head",
            "security",
            "cleaner",
            "cashier",
        ),
        Slot.HANDLER: ("cs_staff", "dispatch"),
        Slot.SUPERVISOR: ("cs_supervisor",),
        Slot.MANAGER: ("cs_manager",),
        Slot.DEPARTMENT: (
            "engineering_head",
            "engineer",
            "security",
            "cleaner",
            "finance",
            "cashier",
        ),
        Slot.LEGAL: ("legal",),
        Slot.EXECUTIVE: ("gpm",),
        Slot.ARCHIVIST: ("dispatch", "archivist"),
    },
    timers=(_reopened_rectification(),),
    escalation_chain=(
        EscalationHop(Slot.MANAGER, _hours(1), label="及时上报客户服务中心经理"),
        EscalationHop(Slot.EXECUTIVE, _hours(4), label="上报总物业经理"),
    ),
    closure=ClosureRules(revisit_required=True, satisfaction_required=True),
    revisit_quotas={"cs_manager": 3, "gpm": 1},
    group_threshold=2,
    group_action="召集投诉者座谈会，或在小区公布处理情况",
    archive_target=ArchiveTarget.CS_ARCHIVE,
    forms={
        "registration": "客户投诉记录表",
        "handling": "客户投诉跟进记录表",
        "monthly_report": "客户服务信息统计分析汇总表",
    },
    reports=ReportSchedule(report_day=31),
    no_promise_levels=frozenset({"major"}),
    no_promise_flags=NO_PROMISE_FLAGS,
    channels=(
        Channel.PHONE,
        Channel.VISIT,
        Channel.LETTER,
        Channel.ONLINE,
        Channel.OTHER_DEPARTMENT,
        Channel.OTHER,
    ),
)

# --- SO: 售楼部 (sales office), SPEC §11.8 -----------------------------------------------------
SO: Final = Policy(
    code="SO",
    name="售楼部客户投诉处理办法",
    version=1,
    description="客户针对售楼部相关业务工作的有效投诉处理，含罚则",
    levels=(
        LevelDef(
            code="minor",
            label="轻微投诉",
            severity=SEVERITY_GENERAL,
            handler_roles=("sales_supervisor",),
            replier_roles=("sales_supervisor",),
            revisit_roles=("sales_supervisor",),
            penalties=(Penalty.WARNING, Penalty.WRITTEN_SELF_CRITICISM),
            description=(
                "因公司的设施、设备和服务水平有限给客户造成轻微不便，"
                "可以通过改进而较易得到解决的投诉"
            ),
        ),
        LevelDef(
            code="important",
            label="重要投诉",
            severity=SEVERITY_IMPORTANT,
            handler_roles=("sales_admin_manager",),
            replier_roles=("sales_admin_manager", "deputy_gm"),
            revisit_roles=("sales_admin_manager",),
            penalties=(
                Penalty.YELLOW_CARD,
                Penalty.CIRCULATED_CRITICISM,
                Penalty.WRITTEN_SELF_CRITICISM,
            ),
            description="因公司的代理销售或接待工作不到位，有过失而引起的投诉",
        ),
        LevelDef(
            code="major",
            label="重大投诉",
            severity=SEVERITY_MAJOR,
            handler_roles=("deputy_gm",),
            replier_roles=("sales_admin_manager", "deputy_gm"),
            revisit_roles=("sales_admin_manager", "deputy_gm"),
            penalties=(
                Penalty.RED_CARD,
                Penalty.CIRCULATED_CRITICISM,
                Penalty.WRITTEN_SELF_CRITICISM,
            ),
            alternative_penalties=(Penalty.BLACK_CARD,),
            is_major=True,
            description=(
                "公司承诺或合同提供的条款没有实施或实施效果有明显偏差，经客户多次提出而得不到解决"
                "的投诉；由于公司责任给客户造成重大经济损失或人身伤害的；"
                "有效投诉在一个月内得不到合理解决的投诉"
            ),
        ),
        LevelDef(
            code="internal",
            label="内部投诉",
            severity=SEVERITY_INTERNAL,
            handler_roles=("sales_admin_manager",),
            replier_roles=("sales_admin_manager",),
            penalties=(Penalty.WARNING, Penalty.WRITTEN_SELF_CRITICISM),
            written_only=True,
            description=(
                "售楼员因售楼主管对公司制度落实不到位、售楼员分工不合理、"
                "售楼部矛盾处理不恰当等问题向公司主管部门提出的书面投诉"
            ),
        ),
    ),
    default_level="minor",
    major_level="major",
    major_flags=frozenset(
        {MajorFlag.PROMISE_NOT_KEPT, MajorFlag.LOSS_OR_INJURY, MajorFlag.UNRESOLVED_MONTH}
    ),
    slot_roles={
        Slot.RECEIVER: (
            "salesperson",
            "sales_supervisor",
            "reception_staff",
            "duty_manager",
            "sales_director",
        ),
        Slot.HANDLER: ("salesperson",),
        Slot.SUPERVISOR: ("sales_supervisor",),
        Slot.MANAGER: ("sales_admin_manager",),
        Slot.DEPARTMENT: ("dept_manager", "sales_director", "project_manager"),
        Slot.LEGAL: ("legal",),
        Slot.EXECUTIVE: ("deputy_gm",),
        Slot.ARCHIVIST: ("sales_supervisor",),
    },
    timers=(
        TimerDef(
            key="first_opinion",
            label="部门处理意见时限",
            starts_on=EVENT_RECEIVED,
            rules=(
                TimerRule(
                    _hours(72),
                    kinds=COMPLAINT_KINDS,
                    levels=frozenset({"minor"}),
                    note="轻微投诉72小时",
                ),
                TimerRule(
                    _hours(48),
                    kinds=COMPLAINT_KINDS,
                    levels=frozenset({"important"}),
                    note="重要投诉48小时",
                ),
                TimerRule(
                    _hours(24),
                    kinds=COMPLAINT_KINDS,
                    levels=frozenset({"major"}),
                    note="重大投诉24小时",
                ),
            ),
            restart_on_upgrade=True,
            rule_ref="R-COMPLAINT-73",
        ),
        TimerDef(
            key="promised_reply",
            label="承诺处理时间",
            starts_on=EVENT_DEADLINE_PROMISED,
            deadline_given=True,
            rule_ref="R-COMPLAINT-72",
        ),
        _reopened_rectification(),
    ),
    escalation_chain=(EscalationHop(Slot.EXECUTIVE, _hours(24), label="上报副总经理"),),
    closure=ClosureRules(
        revisit_required=True, affirmation_required=True, cause_analysis_required=True
    ),
    auto_upgrade_after=_months(1),
    archive_target=ArchiveTarget.CS_ARCHIVE,
    forms={"registration": "客户投诉意见处理表", "handling": "投诉处理记录表"},
    reports=ReportSchedule(report_day=31),
    steps_checklist=True,
    no_promise_levels=frozenset({"major"}),
    no_promise_flags=NO_PROMISE_FLAGS,
    target_levels={"salesperson": "important", "project_manager": "major"},
    channels=(Channel.VISIT, Channel.PHONE),
)

PRESETS: Final[Mapping[str, Policy]] = MappingProxyType(
    {policy.code: policy for policy in (LH, PCS, CM, SO)}
)


def count_in_working_hours(policy: Policy, *, key: str) -> Policy:
    """A copy of `policy` whose timer `key` counts working hours instead of clock hours
    (A-CMP-7: "configurable to working-hours counting"). Other units are left alone."""
    timers = []
    found = False
    for timer in policy.timers:
        if timer.key == key:
            found = True
            rules = tuple(
                replace(rule, duration=_to_working_hours(rule.duration)) for rule in timer.rules
            )
            timer = replace(timer, rules=rules)
        timers.append(timer)
    if not found:
        raise PolicyError(f"投诉处理方案“{policy.name}”没有计时项“{key}”")
    return replace(policy, timers=tuple(timers))


def _to_working_hours(duration: Duration | None) -> Duration | None:
    if duration is None or duration.unit != DurationUnit.CLOCK_HOURS:
        return duration
    return Duration(duration.amount, DurationUnit.WORKING_HOURS)
