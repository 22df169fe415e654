"""Complaint deadlines (R-COMPLAINT-18/27/29/34/43/45/47/48/50/76, R-COMPLAINT-90a/b/g).

`timers_on` says which timers start when something happens to a complaint and when each is
due, with a Chinese explanation for the screen; `next_chase` gives the next chase (催问).
Everything is computed with the project's `WorkCalendar` (R-GEN-06..08): clock hours and
calendar days ignore it, working hours and working days follow it, including China's
statutory holidays.

Pure Python: `at` / `last_at` are passed in, the current time is never read.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from propdesk.core.worktime import Due, DurationUnit, WorkCalendar, compute_due, is_working_time

from .model import (
    CALENDAR_MONTHS,
    COMPLAINT_KINDS,
    EVENT_CLASSIFIED,
    EVENT_HANDLED,
    EVENT_RECEIVED,
    EVENT_UPGRADED,
    EVENTS,
    SAME_DAY,
    SEVERITY_GENERAL,
    SLOT_LABELS,
    TIME_OF_DAY_NON_WORKING,
    TIME_OF_DAY_WORKING,
    Duration,
    Kind,
    LevelDef,
    Policy,
    PolicyError,
    TimerDef,
    TimerRule,
)

# Keys of the timers `timers_on` derives from policy fields rather than from `Policy.timers`.
AUTO_UPGRADE_KEY = "auto_upgrade"
REVISIT_KEY = "revisit"
ESCALATION_KEY_PREFIX = "escalation."
AUTO_UPGRADE_LABEL = "自动升级为重大投诉"
REVISIT_LABEL = "回访时限"


@dataclass(frozen=True)
class TimerDue:
    """A timer that starts now: its key (stored with the complaint), Chinese label and due time.
    `due.explanation` starts with the label, e.g.
    "首次回应时限（工作时间内受理8小时）：自 2026-09-30 10:00 起计 8 小时（自然时间），截止 …。"
    """

    key: str
    label: str
    due: Due
    rule_ref: str = ""


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise PolicyError(f"{name} 必须是带时区的时间")
    return value


def _fmt(at: dt.datetime, cal: WorkCalendar) -> str:
    local = at.astimezone(cal.tz)
    if local.second or local.microsecond:
        return f"{local:%Y-%m-%d %H:%M:%S}"
    return f"{local:%Y-%m-%d %H:%M}"


def _whole(amount: Decimal, unit: str) -> int:
    if amount != amount.to_integral_value():
        raise PolicyError(f"时长单位“{unit}”只能是整数")
    return int(amount)


def _add_months(cal: WorkCalendar, start: dt.datetime, months: int) -> dt.datetime:
    """The same local wall-clock time `months` later; the 31st becomes the month's last day."""
    local = start.astimezone(cal.tz)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, _calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    return naive.replace(tzinfo=cal.tz)


def _end_of_day(cal: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """Midnight (local) ending the day `days` days after `start`'s local date."""
    last = start.astimezone(cal.tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=cal.tz)


def due_for(cal: WorkCalendar, start: dt.datetime, duration: Duration) -> Due:
    """When `duration` counted from `start` runs out, with a Chinese explanation.

    Core units go to `worktime.compute_due`. `CALENDAR_MONTHS`: the same local time `amount`
    months later ("一个月", SO R-COMPLAINT-76; Jan 31 + 1 month = Feb 28). `SAME_DAY`: the end of
    the local day of `start` ("当天", LH R-COMPLAINT-29), `amount` days later for amount > 0;
    the due instant is the following local midnight.
    """
    _aware(start, "start")
    amount, unit = duration.amount, duration.unit
    if not amount.is_finite():
        raise PolicyError(f"时长“{amount}”不是有效数字")
    if amount < 0:
        raise PolicyError(f"时长“{amount}”不能为负数")
    if unit == CALENDAR_MONTHS:
        months = _whole(amount, unit)
        at = _add_months(cal, start, months)
        text = f"自 {_fmt(start, cal)} 起计 {months} 个月（自然月），截止 {_fmt(at, cal)}。"
        return Due(at, text)
    if unit == SAME_DAY:
        days = _whole(amount, unit)
        at = _end_of_day(cal, start, days)
        day = (at - dt.timedelta(days=1)).date()
        when = "当天" if days == 0 else f"{days} 天后当天"
        text = (
            f"自 {_fmt(start, cal)} 起{when}内完成，截止 {day:%Y-%m-%d} 24:00"
            f"（即 {_fmt(at, cal)}）。"
        )
        return Due(at, text)
    try:
        return compute_due(cal, start, amount, DurationUnit(unit))
    except ValueError as exc:
        raise PolicyError(f"无法计算期限：{exc}") from exc


_SECONDS_PER_UNIT = {
    DurationUnit.CLOCK_MINUTES.value: Decimal(60),
    DurationUnit.CLOCK_HOURS.value: Decimal(3600),
    DurationUnit.CALENDAR_DAYS.value: Decimal(86400),
}


def _delta(seconds: Decimal) -> dt.timedelta:
    return dt.timedelta(microseconds=int((seconds * 1_000_000).to_integral_value()))


def minus(cal: WorkCalendar, deadline: dt.datetime, duration: Duration) -> dt.datetime:
    """`deadline` moved back by `duration` (clock minutes/hours or calendar days only)."""
    amount, unit = duration.amount, duration.unit
    if unit in _SECONDS_PER_UNIT:
        delta = _delta(amount * _SECONDS_PER_UNIT[unit])
        if unit == DurationUnit.CALENDAR_DAYS:  # wall-clock days, as worktime counts them
            local = deadline.astimezone(cal.tz).replace(tzinfo=None)
            return (local - delta).replace(tzinfo=cal.tz)
        return (deadline - delta).astimezone(cal.tz)
    raise PolicyError(f"“约定期限前”催问不支持时长单位“{unit}”")


def _prefixed(label: str, note: str, due: Due) -> Due:
    head = f"{label}（{note}）" if note else label
    return Due(due.at, f"{head}：{due.explanation}")


def _matches(rule: TimerRule, *, kind: Kind, level: str, in_working_time: bool) -> bool:
    if rule.kinds and kind not in rule.kinds:
        return False
    if rule.levels and level not in rule.levels:
        return False
    if rule.time_of_day == TIME_OF_DAY_WORKING:
        return in_working_time
    if rule.time_of_day == TIME_OF_DAY_NON_WORKING:
        return not in_working_time
    return True


def _rule_for(
    timer: TimerDef, *, kind: Kind, level: str, in_working_time: bool
) -> TimerRule | None:
    """The first matching row of the timer's table, None when no row matches."""
    for rule in timer.rules:
        if _matches(rule, kind=kind, level=level, in_working_time=in_working_time):
            return rule
    return None


def _starts(timer: TimerDef, event: str) -> bool:
    return timer.starts_on == event or (event == EVENT_UPGRADED and timer.restart_on_upgrade)


def _auto_upgradable(policy: Policy, level: LevelDef) -> bool:
    """R-COMPLAINT-76: a valid complaint below the major level (not internal, not invalid)."""
    major = policy.level(policy.major_level)
    return SEVERITY_GENERAL <= level.severity < major.severity and not level.is_major


def _escalation(policy: Policy, cal: WorkCalendar, at: dt.datetime) -> list[TimerDue]:
    out = []
    for number, hop in enumerate(policy.escalation_chain, start=1):
        if hop.label:
            label = hop.label
        elif hop.slot is not None:
            label = f"逐级上报{SLOT_LABELS[hop.slot]}"
        else:
            label = f"逐级上报（{hop.role}）"
        due = _prefixed(label, "", due_for(cal, at, hop.within))
        out.append(TimerDue(f"{ESCALATION_KEY_PREFIX}{number}", label, due, "R-COMPLAINT-90"))
    return out


def timers_on(
    policy: Policy,
    *,
    event: str,
    kind: Kind | str,
    level: str,
    at: dt.datetime,
    cal: WorkCalendar,
    agreed_deadline: dt.datetime | None = None,
) -> list[TimerDue]:
    """The timers that start when `event` happens at `at` to a complaint of `kind` at `level`.

    - Each `Policy.timers` entry starting on `event` whose table has a matching row with a
      duration (or, with `deadline_given`, the `agreed_deadline` passed in — required then).
    - `received`: plus the auto-upgrade timer (`auto_upgrade_after`) for a valid complaint
      below the major level (SO 1 month, R-COMPLAINT-76).
    - `classified` / `upgraded` at a major level (`LevelDef.is_major`): plus one timer per hop
      of `escalation_chain` (keys `escalation.1`, `escalation.2`, …; R-COMPLAINT-90b).
    - `upgraded`: every timer with `restart_on_upgrade`, computed for the new `level` from the
      upgrade time. The caller first drops the keys of `restarted_on_upgrade(policy)` and then
      stores what this returns (a key it does not return has no deadline at the new level,
      e.g. LH's reply timer at 重大, R-COMPLAINT-18).
    - `handled`: plus the revisit window (`revisit_window`; PCS 7 days, R-COMPLAINT-50).

    Derived timers apply to complaint kinds only. Raises PolicyError for an unknown event or
    level, a naive `at`, or a missing `agreed_deadline`.
    """
    if event not in EVENTS:
        raise PolicyError(f"未知的计时事件“{event}”")
    _aware(at, "at")
    kind = Kind(kind)
    level_def = policy.level(level)
    in_working_time = is_working_time(cal, at)
    out: list[TimerDue] = []
    for timer in policy.timers:
        if not _starts(timer, event):
            continue
        if timer.deadline_given:
            if agreed_deadline is None:
                raise PolicyError(f"{timer.label}：请填写约定的期限")
            deadline = _aware(agreed_deadline, "agreed_deadline").astimezone(cal.tz)
            due = Due(deadline, f"{timer.label}：按约定期限，截止 {_fmt(deadline, cal)}。")
            out.append(TimerDue(timer.key, timer.label, due, timer.rule_ref))
            continue
        rule = _rule_for(timer, kind=kind, level=level, in_working_time=in_working_time)
        if rule is None or rule.duration is None:
            continue
        due = _prefixed(timer.label, rule.note, due_for(cal, at, rule.duration))
        out.append(TimerDue(timer.key, timer.label, due, timer.rule_ref))
    if kind not in COMPLAINT_KINDS:
        return out
    if (
        event == EVENT_RECEIVED
        and policy.auto_upgrade_after is not None
        and _auto_upgradable(policy, level_def)
    ):
        due = _prefixed(AUTO_UPGRADE_LABEL, "", due_for(cal, at, policy.auto_upgrade_after))
        out.append(TimerDue(AUTO_UPGRADE_KEY, AUTO_UPGRADE_LABEL, due, "R-COMPLAINT-76"))
    if event in (EVENT_CLASSIFIED, EVENT_UPGRADED) and level_def.is_major:
        out.extend(_escalation(policy, cal, at))
    if event == EVENT_HANDLED and policy.revisit_window is not None:
        due = _prefixed(REVISIT_LABEL, "", due_for(cal, at, policy.revisit_window))
        out.append(TimerDue(REVISIT_KEY, REVISIT_LABEL, due, "R-COMPLAINT-09"))
    return out


def restarted_on_upgrade(policy: Policy) -> frozenset[str]:
    """Timer keys to drop when the level is raised, before storing `timers_on(event="upgraded")`
    (SPEC §11.3: an upgrade restarts the SLA timers of the new level)."""
    keys = {timer.key for timer in policy.timers if timer.restart_on_upgrade}
    keys.update(f"{ESCALATION_KEY_PREFIX}{n}" for n in range(1, len(policy.escalation_chain) + 1))
    return frozenset(keys)


_UNIT_WORDS = {
    DurationUnit.CLOCK_MINUTES.value: "分钟",
    DurationUnit.CLOCK_HOURS.value: "小时",
    DurationUnit.CALENDAR_DAYS.value: "天",
}


def next_chase(
    policy: Policy,
    *,
    level: str,
    last_at: dt.datetime,
    agreed_deadline: dt.datetime | None,
    cal: WorkCalendar,
) -> Due | None:
    """When the next chase (催问) of a complaint at `level` is due (R-COMPLAINT-48).

    `last_at` is the last chase (or the start of handling). Pass `agreed_deadline` only for a
    long/difficult complaint whose owner accepted the deadline (业主能够谅解): then the chase is
    due `before_deadline` ahead of it (PCS: one day before) while that moment is still after
    `last_at`; after it, the periodic rule applies again. None when the level has no chase rule.
    """
    _aware(last_at, "last_at")
    level_def = policy.level(level)
    rule = level_def.chase
    if rule is None:
        return None
    if agreed_deadline is not None and rule.before_deadline is not None:
        deadline = _aware(agreed_deadline, "agreed_deadline")
        point = minus(cal, deadline, rule.before_deadline)
        if point > last_at:
            amount = format(rule.before_deadline.amount.normalize(), "f")
            text = (
                f"催问（{level_def.label}，约定期限前）：约定期限 {_fmt(deadline, cal)}，"
                f"提前 {amount} {_UNIT_WORDS.get(rule.before_deadline.unit, '')}催问，"
                f"截止 {_fmt(point, cal)}。"
            )
            return Due(point, text)
    if rule.every is None:
        return None
    return _prefixed(f"催问（{level_def.label}）", "", due_for(cal, last_at, rule.every))
