"""Policies as stored data (R-COMPLAINT-87/88): JSON round trip of every preset and of edited
copies (hypothesis), validation of broken copies, duration arithmetic and module purity."""

from __future__ import annotations

import ast
import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.complaints.domain import (
    CALENDAR_MONTHS,
    CM,
    DURATION_UNITS,
    EVENTS,
    LH,
    PCS,
    PRESETS,
    SAME_DAY,
    SO,
    ChaseRule,
    ClosureRules,
    Duration,
    EscalationHop,
    Kind,
    LevelDef,
    MajorFlag,
    Policy,
    PolicyError,
    ReportSchedule,
    Slot,
    TimerDef,
    TimerRule,
    due_for,
    next_chase,
    policy_from_dict,
    policy_to_dict,
    timers_on,
    validate_policy,
)
from propdesk.core.permissions import DEFAULT_ROLES
from propdesk.core.worktime import DEFAULT_HOURS, SHANGHAI, WorkCalendar

CAL = WorkCalendar(weekly=(DEFAULT_HOURS,) * 7)
ROLE_CODES = {code for code, *_rest in DEFAULT_ROLES}
DOMAIN_DIR = Path(__file__).resolve().parents[1] / "domain"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc, arg-type]


# --- round trip -------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["LH", "PCS", "CM", "SO"])
def test_r_complaint_87_every_preset_survives_a_json_round_trip(code: str) -> None:
    policy = PRESETS[code]
    stored = json.loads(json.dumps(policy_to_dict(policy), ensure_ascii=False))
    assert stored["format"] == 1
    assert stored["code"] == code
    assert policy_from_dict(stored) == policy


def test_r_complaint_87_stored_dict_is_plain_json_data() -> None:
    stored = policy_to_dict(PCS)
    assert stored["timers"][0]["rules"][0] == {
        "duration": {"amount": "8", "unit": "clock_hours"},
        "kinds": ["complaint", "special_service"],
        "levels": [],
        "time_of_day": "working",
        "note": "工作时间内受理8小时",
    }
    assert stored["slot_roles"]["handler"] == ["butler"]
    assert stored["major_flags"] == ["compensation"]


def test_policy_from_dict_fills_fields_missing_from_an_older_version() -> None:
    stored = policy_to_dict(CM)
    del stored["read_back_required"]
    del stored["reports"]
    stored["unknown_future_field"] = 1
    loaded = policy_from_dict(stored)
    assert loaded.read_back_required is False
    assert loaded.reports == ReportSchedule()
    assert loaded.levels == CM.levels


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("levels"), "levels：缺少此项"),
        (lambda d: d.update(version="2"), "version：应为整数"),
        (lambda d: d.update(archive_target="attic"), "archive_target：未知的取值“attic”"),
        (lambda d: d["levels"][0].update(severity=True), r"levels\[0\].severity：应为整数"),
        (
            lambda d: d["timers"][0]["rules"][0]["duration"].update(amount="eight"),
            r"timers\[0\].rules\[0\].duration.amount：“eight”不是数字",
        ),
        (lambda d: d["slot_roles"].update(boss=["gpm"]), "slot_roles.boss：未知的取值“boss”"),
        (lambda d: d.update(format=9), "不支持的投诉处理方案数据格式“9”"),
    ],
)
def test_policy_from_dict_names_the_broken_path(mutate: object, message: str) -> None:
    stored = policy_to_dict(PCS)
    mutate(stored)  # type: ignore[operator]
    with pytest.raises(PolicyError, match=message):
        policy_from_dict(stored)


# --- hypothesis: edited copies -----------------------------------------------------------------
amounts = st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False)
durations = st.builds(Duration, amounts, st.sampled_from(DURATION_UNITS))
texts = st.text(min_size=1, max_size=12)
role_codes = st.tuples(st.sampled_from(sorted(ROLE_CODES))).map(tuple)


@st.composite
def edited_policies(draw: st.DrawFn) -> Policy:
    """A preset with random edits: the kind of copy a tenant saves as a new version."""
    policy = draw(st.sampled_from(list(PRESETS.values())))
    levels = tuple(
        replace(
            level,
            label=draw(texts),
            chase=draw(
                st.none() | st.builds(ChaseRule, st.none() | durations, st.none() | durations)
            ),
            handler_roles=draw(role_codes),
        )
        for level in policy.levels
    )
    codes = frozenset(level.code for level in levels)
    timers = tuple(
        replace(
            timer,
            label=draw(texts),
            rules=tuple(
                replace(
                    rule,
                    duration=draw(st.none() | durations),
                    levels=draw(st.frozensets(st.sampled_from(sorted(codes)))),
                    kinds=draw(st.frozensets(st.sampled_from(list(Kind)))),
                )
                for rule in timer.rules
            ),
        )
        for timer in policy.timers
    )
    return replace(
        policy,
        name=draw(texts),
        version=draw(st.integers(min_value=1, max_value=10_000)),
        levels=levels,
        timers=timers,
        major_flags=draw(st.frozensets(st.sampled_from(list(MajorFlag)))),
        escalation_chain=tuple(
            EscalationHop(slot, within) if slot is not None else EscalationHop(None, within, "gpm")
            for slot, within in draw(
                st.lists(st.tuples(st.none() | st.sampled_from(list(Slot)), durations), max_size=3)
            )
        ),
        closure=draw(st.builds(ClosureRules, *(st.booleans() for _ in range(6)))),
        revisit_window=draw(st.none() | durations),
        auto_upgrade_after=draw(st.none() | durations),
        revisit_quotas=draw(
            st.dictionaries(st.sampled_from(sorted(ROLE_CODES)), st.integers(0, 9))
        ),
        group_threshold=draw(st.integers(0, 9)),
        forms=draw(st.dictionaries(st.text(min_size=1, max_size=8), texts, max_size=4)),
        reports=draw(
            st.builds(
                ReportSchedule,
                st.booleans(),
                st.none() | st.integers(1, 31),
                st.none() | st.integers(1, 31),
                st.none() | st.integers(0, 6),
                st.booleans(),
                st.booleans(),
            )
        ),
        target_levels=draw(
            st.dictionaries(st.sampled_from(sorted(ROLE_CODES)), st.sampled_from(sorted(codes)))
        ),
    )


@settings(max_examples=150, deadline=None)
@given(edited_policies())
def test_r_complaint_87_edited_copies_survive_a_json_round_trip(policy: Policy) -> None:
    stored = json.loads(json.dumps(policy_to_dict(policy)))
    assert policy_from_dict(stored) == policy


times_2026 = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31, 23, 59)
).map(lambda d: d.replace(tzinfo=SHANGHAI))


@settings(max_examples=200, deadline=None)
@given(
    policy=st.sampled_from(list(PRESETS.values())),
    event=st.sampled_from(EVENTS),
    kind=st.sampled_from(list(Kind)),
    start=times_2026,
    data=st.data(),
)
def test_timers_never_fall_due_before_they_start(
    policy: Policy, event: str, kind: Kind, start: dt.datetime, data: st.DataObject
) -> None:
    level = data.draw(st.sampled_from(policy.level_codes))
    deadline = start + dt.timedelta(days=3)
    timers = timers_on(
        policy, event=event, kind=kind, level=level, at=start, cal=CAL, agreed_deadline=deadline
    )
    keys = [timer.key for timer in timers]
    assert len(keys) == len(set(keys))
    for timer in timers:
        assert timer.due.at >= start
        assert timer.due.explanation.startswith(timer.label)


@settings(max_examples=200, deadline=None)
@given(
    policy=st.sampled_from(list(PRESETS.values())),
    last=times_2026,
    ahead=st.none() | st.integers(min_value=1, max_value=2000),
    data=st.data(),
)
def test_r_complaint_48_next_chase_is_always_after_the_last_one(
    policy: Policy, last: dt.datetime, ahead: int | None, data: st.DataObject
) -> None:
    # R-COMPLAINT-48
    level = data.draw(st.sampled_from(policy.level_codes))
    deadline = None if ahead is None else last + dt.timedelta(hours=ahead)
    due = next_chase(policy, level=level, last_at=last, agreed_deadline=deadline, cal=CAL)
    if due is not None:
        assert due.at > last


# --- validation -------------------------------------------------------------------------------
def test_r_complaint_88_presets_are_valid_and_use_the_default_roles() -> None:
    # R-COMPLAINT-88
    for policy in PRESETS.values():
        assert validate_policy(policy) == []
    # Every role code a preset names is a core role (董事长 included, R-COMPLAINT-16)
    assert {code: validate_policy(p, known_roles=ROLE_CODES) for code, p in PRESETS.items()} == {
        "LH": [],
        "PCS": [],
        "CM": [],
        "SO": [],
    }
    # and an unknown role is reported
    assert validate_policy(PRESETS["LH"], known_roles=ROLE_CODES - {"chairman"}) == [
        "未知的角色“chairman”"
    ]


def test_validate_policy_catches_unknown_level_codes() -> None:
    broken = replace(
        PCS, default_level="normal", major_level="huge", no_promise_levels=frozenset({"x"})
    )
    assert validate_policy(broken) == [
        "默认级别“normal”不在级别列表中",
        "重大级别“huge”不在级别列表中",
        "承诺冻结级别“x”不在级别列表中",
    ]


def test_validate_policy_catches_negative_and_fractional_durations() -> None:
    reply = LH.timers[0]
    bad_rule = replace(reply.rules[0], duration=Duration(Decimal(-48), "clock_hours"))
    broken = replace(
        LH,
        timers=(replace(reply, rules=(bad_rule, *reply.rules[1:])), *LH.timers[1:]),
        revisit_window=Duration(Decimal("1.5"), "working_days"),
        auto_upgrade_after=Duration(Decimal(1), "fortnights"),
    )
    assert validate_policy(broken) == [
        "回访时限的时长必须是整数",
        "自动升级时限的时长单位“fortnights”不正确",
        "计时项“答复客户时限”的时长不能为负数",
    ]


def test_validate_policy_catches_missing_slots() -> None:
    roles = dict(LH.slot_roles)
    del roles[Slot.APPROVER]
    del roles[Slot.LEGAL]
    del roles[Slot.CHAIRMAN]
    roles[Slot.HANDLER] = ()
    broken = replace(LH, slot_roles=roles)
    assert validate_policy(broken) == [
        "级别“特别重大投诉”结案需要“董事长”审核，但该岗位没有角色",
        "岗位“处理人”没有指定角色（处理流程需要）",
        "岗位“联系单审核人”没有指定角色（工作联系单审核需要）",
        "岗位“法务人员”没有指定角色（法务审阅需要）",
        "第 2 级上报的岗位“联系单审核人”没有指定角色",
    ]


def test_validate_policy_catches_broken_levels_timers_and_reports() -> None:
    level = SO.levels[0]
    broken = replace(
        SO,
        version=0,
        levels=(
            level,
            replace(level, label="", severity=7, handler_roles=(), chase=ChaseRule()),
            *SO.levels[1:],
        ),
        timers=(
            TimerDef(key="auto_upgrade", label="", starts_on="closed"),
            TimerDef(
                key="x",
                label="约定",
                starts_on="reopened",
                deadline_given=True,
                rules=(TimerRule(Duration(Decimal(1), "clock_hours"), levels=frozenset({"??"})),),
            ),
        ),
        escalation_chain=(EscalationHop(None, Duration(Decimal(1), SAME_DAY)),),
        reports=ReportSchedule(archive_day=0, weekly_summary_weekday=7),
        group_threshold=3,
        channels=(),
    )
    assert validate_policy(broken) == [
        "方案版本号必须从 1 开始",
        "设置了联动处理的投诉数，但没有填写建议措施",
        "归档日必须在 1 到 31 之间",
        "周汇总日必须是周一到周日之一（0–6）",
        "至少需要公布一个投诉受理渠道",
        "级别代码“minor”重复",
        "级别“minor”缺少名称",
        "级别“minor”的统一严重度必须在 -1 到 5 之间",
        "级别“minor”没有处理角色",
        "级别“minor”的催问规则为空",
        "计时项代码“auto_upgrade”为系统保留",
        "计时项“auto_upgrade”缺少名称",
        "计时项“auto_upgrade”的起算事件“closed”不正确",
        "计时项“auto_upgrade”没有设置时长",
        "计时项“约定”按约定期限计时，不能再设置时长",
        "计时项“约定”引用了不存在的级别“??”",
        "第 1 级上报必须且只能指定一个岗位或一个角色",
    ]


def test_validate_policy_catches_a_major_level_not_marked_major_and_bad_chases() -> None:
    general, important, major = PCS.levels
    broken = replace(
        PCS,
        levels=(
            replace(general, chase=ChaseRule(every=Duration(Decimal(0), "clock_hours"))),
            replace(
                important,
                chase=ChaseRule(before_deadline=Duration(Decimal(1), "working_days")),
            ),
            replace(major, is_major=False, severity=1),
        ),
        closure=ClosureRules(revisit_required=False, satisfaction_required=True),
    )
    assert validate_policy(broken) == [
        "要求回访满意时必须要求回访",
        "级别“一般性投诉”的催问间隔的时长必须大于零",
        "级别“重要投诉”的期限前催问只能用分钟、小时或自然日",
        "重大级别“重大投诉”必须标记为重大",
        "重大级别的严重度不能低于默认级别",
    ]


# --- durations --------------------------------------------------------------------------------
def test_due_for_calendar_months_clamps_to_the_month_end() -> None:
    due = due_for(CAL, at(2026, 1, 31, 9), Duration(Decimal(1), CALENDAR_MONTHS))
    assert due.at == at(2026, 2, 28, 9)
    assert due_for(CAL, at(2026, 11, 15, 9), Duration(Decimal(3), CALENDAR_MONTHS)).at == at(
        2027, 2, 15, 9
    )


def test_due_for_same_day_runs_to_local_midnight() -> None:
    # 23:30 UTC is already the next day in Shanghai
    start = dt.datetime(2026, 9, 30, 23, 30, tzinfo=dt.UTC)
    due = due_for(CAL, start, Duration(Decimal(0), SAME_DAY))
    assert due.at == at(2026, 10, 2, 0)
    assert due.explanation == (
        "自 2026-10-01 07:30 起当天内完成，截止 2026-10-01 24:00（即 2026-10-02 00:00）。"
    )
    assert due_for(CAL, start, Duration(Decimal(2), SAME_DAY)).at == at(2026, 10, 4, 0)


def test_due_for_rejects_negative_and_fractional_whole_units() -> None:
    with pytest.raises(PolicyError, match="不能为负数"):
        due_for(CAL, at(2026, 9, 30), Duration(Decimal(-1), "clock_hours"))
    with pytest.raises(PolicyError, match="只能是整数"):
        due_for(CAL, at(2026, 9, 30), Duration(Decimal("0.5"), CALENDAR_MONTHS))


def test_duration_coerces_plain_numbers() -> None:
    assert Duration(8, "clock_hours") == Duration(Decimal(8), "clock_hours")  # type: ignore[arg-type]
    assert LevelDef("a", "甲", 2, handler_roles=["x"]).handler_roles == ("x",)  # type: ignore[arg-type]
    with pytest.raises(PolicyError, match="不是数字"):
        Duration("eight", "clock_hours")  # type: ignore[arg-type]


# --- purity (ARCHITECTURE: domain.py is pure; the package form too) ----------------------------
@pytest.mark.parametrize("path", sorted(DOMAIN_DIR.glob("*.py")), ids=lambda p: p.name)
def test_domain_package_modules_are_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"django", "requests", "urllib", "socket", "time", "datetime.now"})
    assert "now(" not in path.read_text(encoding="utf-8")
