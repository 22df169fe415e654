"""Policy rules that are not deadlines: level choice, routing, revisit, penalties, unified
severity, the no-promise freeze, group issues, manager quotas and the report calendar
(R-COMPLAINT-06/08/13/16/57/64/65/66/70/75/77/79/89).

Pure Python: plain values in, plain values out.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Final

from .model import (
    COMPLAINT_KINDS,
    OUTCOME_DECLINED,
    OUTCOME_EXPLAINED,
    OUTCOME_REPORTED_TO_COMPANY,
    OUTCOMES,
    SEVERITY_GENERAL,
    SEVERITY_NOT_ACCEPTED,
    SEVERITY_NOT_COMPLAINT,
    SEVERITY_PARTICULARLY_MAJOR,
    Kind,
    MajorFlag,
    Penalty,
    Policy,
    PolicyError,
    RevisitMethod,
    Route,
)


def level_for(policy: Policy, *, chosen: str | None, flags: Iterable[MajorFlag | str]) -> str:
    """The level a complaint gets (R-COMPLAINT-08/13/57/75).

    `chosen` (the handler's choice, None = the policy's default level) must be a level of the
    policy, else PolicyError. Any flag of `policy.major_flags` forces `policy.major_level`,
    unless the chosen level is already at least as severe (LH 特别重大 stays 特别重大) or lies
    outside the valid-complaint scale: a CM 无效投诉 is not forced (R-COMPLAINT-57: 重大 ⊂ 有效)
    and neither is an SO 内部投诉. Flags outside the policy's set are recorded but force nothing.
    """
    code = policy.default_level if chosen is None else chosen
    level = policy.level(code)
    given = {MajorFlag(flag) for flag in flags}
    if not given & policy.major_flags:
        return code
    major = policy.level(policy.major_level)
    if level.severity < SEVERITY_GENERAL or level.severity >= major.severity:
        return code
    return major.code


def route(policy: Policy, *, level: str, target_role: str | None = None) -> Route:
    """Handler and replier roles of a complaint at `level` (R-COMPLAINT-70/74).

    When the complaint targets a person whose role is in `policy.target_levels` (SO: 售楼员 ->
    重要, 项目经理 -> 重大), the more severe of the complaint's level and the target's level
    decides (R-COMPLAINT-70, assumption "the higher one applies"). The targeted role itself is
    removed from the handlers and repliers when others remain: nobody handles a complaint
    about themselves (R-COMPLAINT-77, conflict of interest).
    """
    routed = policy.level(level)
    if target_role is not None and target_role in policy.target_levels:
        target = policy.level(policy.target_levels[target_role])
        if target.severity > routed.severity:
            routed = target

    def without_target(roles: tuple[str, ...]) -> tuple[str, ...]:
        kept = tuple(role for role in roles if role != target_role)
        return kept or roles

    return Route(
        handler_roles=without_target(routed.handler_roles),
        replier_roles=without_target(routed.replier_roles),
        level=routed.code,
    )


def revisit_method(policy: Policy, *, level: str) -> RevisitMethod:
    """How a complaint at `level` is revisited (R-COMPLAINT-09/64: CM 重大 = 上门回访)."""
    return policy.level(level).revisit_method


def revisit_roles(policy: Policy, *, level: str) -> tuple[str, ...]:
    """Who revisits a complaint at `level` (R-COMPLAINT-64: CM 重大 = 客户服务中心经理)."""
    return policy.level(level).revisit_roles


def penalties_for(policy: Policy, *, level: str) -> tuple[Penalty, ...]:
    """The default penalties of a substantiated complaint at `level` (SO, R-COMPLAINT-79)."""
    return policy.level(level).penalties


def penalty_choices(policy: Policy, *, level: str) -> tuple[tuple[Penalty, ...], ...]:
    """Every penalty set the issuer may choose from (SO 重大: 红牌+通报批评+书面检查, or 黑牌)."""
    defined = policy.level(level)
    return tuple(choice for choice in (defined.penalties, defined.alternative_penalties) if choice)


def closure_approver_roles(policy: Policy, *, level: str) -> tuple[str, ...]:
    """Roles whose approval closing needs at `level` (LH 特别重大 -> 董事长, R-COMPLAINT-16);
    empty when the level needs none."""
    slot = policy.level(level).closure_role
    return () if slot is None else policy.roles_for(slot)


def unified_severity(
    policy: Policy, *, level: str | None, kind: Kind | str, outcome: str | None
) -> int:
    """The cross-policy severity of R-COMPLAINT-89 for consolidated statistics.

    0 for consultations, service requests, opinions and praise; 1 for a complaint that ended
    declined (委婉拒绝) or explained (非本公司责任 / 无效投诉); 5 for a major complaint reported
    to the company (CM 上报公司); otherwise the level's severity (the default level's when
    `level` is None). SO 内部投诉 gives `SEVERITY_INTERNAL` (-1).
    """
    if Kind(kind) not in COMPLAINT_KINDS:
        return SEVERITY_NOT_COMPLAINT
    if outcome is not None and outcome not in OUTCOMES:
        raise PolicyError(f"未知的处理结果“{outcome}”")
    defined = policy.level(policy.default_level if level is None else level)
    if outcome in (OUTCOME_DECLINED, OUTCOME_EXPLAINED):
        return SEVERITY_NOT_ACCEPTED
    if outcome == OUTCOME_REPORTED_TO_COMPANY and defined.is_major:
        return SEVERITY_PARTICULARLY_MAJOR
    return defined.severity


def promise_frozen(
    policy: Policy,
    *,
    level: str,
    flags: Iterable[MajorFlag | str],
    decision_recorded: bool,
) -> bool:
    """R-COMPLAINT-06 承诺冻结: before the company's decision on a major or compensation
    complaint, front-line staff make no promise and no refusal."""
    policy.level(level)
    if decision_recorded:
        return False
    given = {MajorFlag(flag) for flag in flags}
    return level in policy.no_promise_levels or bool(given & policy.no_promise_flags)


def level_warnings(policy: Policy, *, level: str, department_count: int) -> list[str]:
    """Warnings to show, not errors (R-COMPLAINT-13 / A-CMP-3: LH 一般投诉 is a single-department
    complaint; a general complaint given to several departments is left to the handler)."""
    defined = policy.level(level)
    if defined.single_department and department_count > 1:
        return [
            f"{defined.label}通常只涉及单一部门，本投诉涉及 {department_count} 个部门，"
            "请确认级别是否恰当"
        ]
    return []


def group_suggestion(policy: Policy, *, linked_count: int) -> str | None:
    """The group action to suggest once `linked_count` complaints share one issue
    (CM 投诉者座谈会 / 在小区公布处理情况, R-COMPLAINT-65; LH 统一处理办法, R-COMPLAINT-29);
    None below the policy's threshold or when the policy has none."""
    if policy.group_threshold <= 0 or linked_count < policy.group_threshold:
        return None
    return policy.group_action or None


def quota_shortfalls(policy: Policy, *, done: Mapping[str, int]) -> dict[str, int]:
    """Revisits still missing this month per role (CM: 客服中心经理 ≥ 3, 总物业经理 ≥ 1,
    R-COMPLAINT-66); roles that met their quota are left out."""
    return {
        role: quota - done.get(role, 0)
        for role, quota in policy.revisit_quotas.items()
        if done.get(role, 0) < quota
    }


# Report / job keys of `reports_due_on` (SPEC §20).
REPORT_PROGRESS_LOG: Final = "progress_log"  # RPT-02
REPORT_ARCHIVE: Final = "archive_consolidation"  # RPT-03
REPORT_MONTHLY: Final = "monthly_report"  # RPT-04 / RPT-10 / RPT-12
REPORT_WEEKLY: Final = "weekly_summary"  # RPT-07
REPORT_LEGACY: Final = "legacy_summary"  # RPT-09
REPORT_REVISIT_QUOTA: Final = "revisit_quota"  # RPT-11
REPORT_LABELS: Final = {
    REPORT_PROGRESS_LOG: "投诉记录单和函件进程日志",
    REPORT_ARCHIVE: "工作联系单汇总归档（一户一档）",
    REPORT_MONTHLY: "投诉月度统计分析",
    REPORT_WEEKLY: "投诉每周汇总",
    REPORT_LEGACY: "长期遗留问题处理结果通报",
    REPORT_REVISIT_QUOTA: "管理人员回访次数检查",
}


def _month_day(day_of_month: int, on: dt.date) -> bool:
    last = _calendar.monthrange(on.year, on.month)[1]
    return on.day == min(day_of_month, last)


def reports_due_on(policy: Policy, day: dt.date) -> tuple[str, ...]:
    """Keys of the reports and jobs the policy runs on local date `day` (SPEC §20 RPT-02..12).

    The legacy summary (PCS RPT-09) runs with the monthly report; the revisit-quota check
    (RPT-11) runs on the last day of the month when the policy has quotas.
    """
    schedule = policy.reports
    keys: list[str] = []
    if schedule.daily_progress_log:
        keys.append(REPORT_PROGRESS_LOG)
    if schedule.archive_day is not None and _month_day(schedule.archive_day, day):
        keys.append(REPORT_ARCHIVE)
    if schedule.report_day is not None and _month_day(schedule.report_day, day):
        keys.append(REPORT_MONTHLY)
        if schedule.legacy_summary_monthly:
            keys.append(REPORT_LEGACY)
    if schedule.weekly_summary_weekday is not None and day.weekday() == (
        schedule.weekly_summary_weekday
    ):
        keys.append(REPORT_WEEKLY)
    if policy.revisit_quotas and _month_day(31, day):
        keys.append(REPORT_REVISIT_QUOTA)
    return tuple(keys)
