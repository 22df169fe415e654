"""Checks an edited copy of a policy before it is saved as a new version (R-COMPLAINT-87/88).

`validate_policy` returns every problem as a Chinese sentence for the person editing the policy;
an empty list means the policy can run. It never raises for a bad value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from .model import (
    BACKWARD_UNITS,
    DURATION_UNITS,
    EVENTS,
    SEVERITIES,
    SLOT_LABELS,
    TIMES_OF_DAY,
    WHOLE_UNITS,
    Duration,
    Policy,
    Slot,
)
from .timing import AUTO_UPGRADE_KEY, ESCALATION_KEY_PREFIX, REVISIT_KEY

# Slots every policy fills: someone receives, handles, manages and files every complaint.
REQUIRED_SLOTS: Final = (Slot.RECEIVER, Slot.HANDLER, Slot.MANAGER, Slot.ARCHIVIST)


def _duration_errors(duration: Duration, where: str, *, positive: bool = False) -> list[str]:
    errors = []
    if duration.unit not in DURATION_UNITS:
        errors.append(f"{where}的时长单位“{duration.unit}”不正确")
    amount = duration.amount
    if not amount.is_finite():
        errors.append(f"{where}的时长不是有效数字")
        return errors
    if amount < 0:
        errors.append(f"{where}的时长不能为负数")
    elif positive and amount == 0:
        errors.append(f"{where}的时长必须大于零")
    if duration.unit in WHOLE_UNITS and amount != amount.to_integral_value():
        errors.append(f"{where}的时长必须是整数")
    return errors


def _level_errors(policy: Policy) -> list[str]:
    errors: list[str] = []
    codes = [level.code for level in policy.levels]
    if not codes:
        errors.append("至少需要一个投诉级别")
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        errors.append(f"级别代码“{code}”重复")
    for level in policy.levels:
        name = f"级别“{level.label or level.code}”"
        if not level.code.strip():
            errors.append("级别代码不能为空")
        if not level.label.strip():
            errors.append(f"级别“{level.code}”缺少名称")
        if level.severity not in SEVERITIES:
            errors.append(f"{name}的统一严重度必须在 -1 到 5 之间")
        if not level.handler_roles:
            errors.append(f"{name}没有处理角色")
        if not level.replier_roles:
            errors.append(f"{name}没有答复客户的角色")
        if level.closure_role is not None and not policy.roles_for(level.closure_role):
            errors.append(
                f"{name}结案需要“{SLOT_LABELS[level.closure_role]}”审核，但该岗位没有角色"
            )
        if level.chase is not None:
            if level.chase.every is None and level.chase.before_deadline is None:
                errors.append(f"{name}的催问规则为空")
            if level.chase.every is not None:
                errors += _duration_errors(level.chase.every, f"{name}的催问间隔", positive=True)
            before = level.chase.before_deadline
            if before is not None:
                errors += _duration_errors(before, f"{name}的期限前催问")
                if before.unit not in BACKWARD_UNITS:
                    errors.append(f"{name}的期限前催问只能用分钟、小时或自然日")
    if policy.default_level not in codes:
        errors.append(f"默认级别“{policy.default_level}”不在级别列表中")
    if policy.major_level not in codes:
        errors.append(f"重大级别“{policy.major_level}”不在级别列表中")
    else:
        major = policy.level(policy.major_level)
        if not major.is_major:
            errors.append(f"重大级别“{major.label}”必须标记为重大")
        if policy.default_level in codes:
            default = policy.level(policy.default_level)
            if major.severity < default.severity:
                errors.append("重大级别的严重度不能低于默认级别")
    for code in sorted(policy.no_promise_levels - set(codes)):
        errors.append(f"承诺冻结级别“{code}”不在级别列表中")
    for role, code in policy.target_levels.items():
        if not role.strip():
            errors.append("按被投诉人定级的角色代码不能为空")
        if code not in codes:
            errors.append(f"被投诉角色“{role}”对应的级别“{code}”不在级别列表中")
    return errors


def _timer_errors(policy: Policy) -> list[str]:
    errors: list[str] = []
    codes = set(policy.level_codes)
    keys = [timer.key for timer in policy.timers]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        errors.append(f"计时项“{key}”重复")
    for timer in policy.timers:
        name = f"计时项“{timer.label or timer.key}”"
        if not timer.key.strip():
            errors.append("计时项代码不能为空")
        if timer.key in (AUTO_UPGRADE_KEY, REVISIT_KEY) or timer.key.startswith(
            ESCALATION_KEY_PREFIX
        ):
            errors.append(f"计时项代码“{timer.key}”为系统保留")
        if not timer.label.strip():
            errors.append(f"计时项“{timer.key}”缺少名称")
        if timer.starts_on not in EVENTS:
            errors.append(f"{name}的起算事件“{timer.starts_on}”不正确")
        if timer.deadline_given and timer.rules:
            errors.append(f"{name}按约定期限计时，不能再设置时长")
        if not timer.deadline_given and not timer.rules:
            errors.append(f"{name}没有设置时长")
        for rule in timer.rules:
            for code in sorted(rule.levels - codes):
                errors.append(f"{name}引用了不存在的级别“{code}”")
            if rule.time_of_day not in TIMES_OF_DAY:
                errors.append(f"{name}的受理时段“{rule.time_of_day}”不正确")
            if rule.duration is not None:
                errors += _duration_errors(rule.duration, name)
    return errors


def _slot_errors(policy: Policy) -> list[str]:
    needed: dict[Slot, str] = {slot: "处理流程" for slot in REQUIRED_SLOTS}
    if policy.contact_sheet_approval is not None:
        needed.setdefault(policy.contact_sheet_approval, "工作联系单审核")
    for slot in policy.letter_cosign:
        needed.setdefault(slot, "回馈函件会签")
    if policy.legal_review:
        needed.setdefault(Slot.LEGAL, "法务审阅")
    errors = []
    for slot, why in needed.items():
        if not policy.roles_for(slot):
            errors.append(f"岗位“{SLOT_LABELS[slot]}”没有指定角色（{why}需要）")
    for number, hop in enumerate(policy.escalation_chain, start=1):
        name = f"第 {number} 级上报"
        if (hop.slot is None) == (hop.role is None):
            errors.append(f"{name}必须且只能指定一个岗位或一个角色")
        elif hop.slot is not None and not policy.roles_for(hop.slot):
            errors.append(f"{name}的岗位“{SLOT_LABELS[hop.slot]}”没有指定角色")
        elif hop.role is not None and not hop.role.strip():
            errors.append(f"{name}的角色代码不能为空")
        errors += _duration_errors(hop.within, name)
    return errors


def _role_codes(policy: Policy) -> set[str]:
    roles: set[str] = set()
    for slot_roles in policy.slot_roles.values():
        roles.update(slot_roles)
    for level in policy.levels:
        roles.update(level.handler_roles, level.replier_roles, level.revisit_roles)
    roles.update(policy.revisit_quotas)
    roles.update(policy.target_levels)
    roles.update(hop.role for hop in policy.escalation_chain if hop.role is not None)
    return roles


def _other_errors(policy: Policy) -> list[str]:
    errors = []
    if not policy.code.strip():
        errors.append("方案代码不能为空")
    if not policy.name.strip():
        errors.append("方案名称不能为空")
    if policy.version < 1:
        errors.append("方案版本号必须从 1 开始")
    if any(not role.strip() for role in _role_codes(policy)):
        errors.append("角色代码不能为空")
    if policy.revisit_window is not None:
        errors += _duration_errors(policy.revisit_window, "回访时限", positive=True)
    if policy.auto_upgrade_after is not None:
        errors += _duration_errors(policy.auto_upgrade_after, "自动升级时限", positive=True)
    for role, quota in policy.revisit_quotas.items():
        if quota < 0:
            errors.append(f"角色“{role}”的每月回访次数不能为负数")
    if policy.group_threshold < 0:
        errors.append("联动处理的投诉数不能为负数")
    if policy.group_threshold > 0 and not policy.group_action.strip():
        errors.append("设置了联动处理的投诉数，但没有填写建议措施")
    reports = policy.reports
    for day, name in ((reports.archive_day, "归档日"), (reports.report_day, "月报日")):
        if day is not None and not 1 <= day <= 31:
            errors.append(f"{name}必须在 1 到 31 之间")
    weekday = reports.weekly_summary_weekday
    if weekday is not None and not 0 <= weekday <= 6:
        errors.append("周汇总日必须是周一到周日之一（0–6）")
    for key, form in policy.forms.items():
        if not key.strip() or not form.strip():
            errors.append("表单代码和名称不能为空")
    if not policy.channels:
        errors.append("至少需要公布一个投诉受理渠道")
    if len(set(policy.channels)) != len(policy.channels):
        errors.append("投诉受理渠道重复")
    if policy.closure.satisfaction_required and not policy.closure.revisit_required:
        errors.append("要求回访满意时必须要求回访")
    return errors


def validate_policy(policy: Policy, *, known_roles: Iterable[str] | None = None) -> list[str]:
    """Every problem of `policy` in Chinese; [] when it can be used.

    Checks level codes and references (default, major, timers, no-promise, targets), slots the
    policy's features need (R-COMPLAINT-20/23/16), durations (unit, negative, whole numbers),
    escalation hops, report days, quotas and channels. With `known_roles` (the company's role
    codes) every role code used must be one of them.
    """
    errors = _other_errors(policy) + _level_errors(policy)
    errors += _timer_errors(policy) + _slot_errors(policy)
    if known_roles is not None:
        known = set(known_roles)
        for role in sorted(_role_codes(policy) - known):
            if role.strip():
                errors.append(f"未知的角色“{role}”")
    return errors
