"""The day's duty roster of the rotation queue (值班安排, SPEC §5.1, R-ROTA-01..05, §21, A-ROTA-1).

A `DayRoster` is what the rotation engine (`rotation`) needs to know about one day: the sales
groups (销售组) with their own duty order (R-ROTA-03), which group is on phone duty (接电组) and which
on visit duty (接访组) — alternating every other day (R-ROTA-01, `alternate_duties`) — the rest days
approved by the department manager (轮休, R-ROTA-04), the supervisors (主管), the managers who may
arrange phone-group support (部门经理/值班经理, R-ROTA-05), the duty-manager shifts that must cover
every open hour (R-ROTA-04), whether the day is a media open day (媒体开放日, R-ROTA-15), the names
to print and the parameters of §21. The caller builds it with `make_day_roster`, which refuses a
roster the rules do not allow and lists what it only warns about.

Pure Python: no Django, no I/O. Person keys are strings (e.g. `str(staff.pk)`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class RotationError(ValueError):
    """A rotation event or roster the rules refuse. `message` is Chinese; `field` names the input
    at fault; `code` is `invalid`, `not_found`, `conflict` or `forbidden`."""

    def __init__(
        self,
        message: str,
        *,
        field: str = "",
        code: str = "invalid",
        problems: tuple[RosterProblem, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.problems = problems  # the blocking roster problems, for `make_day_roster`


class DutyType(StrEnum):
    """接访 / 接电: the two duties a sales group alternates between (R-ROTA-01)."""

    VISIT = "visit"  # 接访: receives walk-in and appointment visitors
    PHONE = "phone"  # 接电: answers incoming calls

    @property
    def label(self) -> str:
        return DUTY_LABELS[self]


DUTY_LABELS: Final[Mapping[DutyType, str]] = MappingProxyType(
    {DutyType.VISIT: "接访", DutyType.PHONE: "接电"}
)


@dataclass(frozen=True, slots=True)
class RotaSettings:
    """The rotation parameters of SPEC §21 (`rota.*`) plus two switches for interpretations.

    `returning_client_skips_next_turn` (R-ROTA-08): the original salesperson who receives a
    returning registered client is "按一轮接待处理": the reception counts as a turn and, with the
    switch on, also uses up his/her next regular turn (a skip flag), exactly like a designated
    salesperson (R-ROTA-10). `auto_support` (R-ROTA-01 "以满足接访为第一原则"): when a visitor finds
    nobody free in the visit group, the next phone-group supporter is drawn automatically, provided
    at least one other phone-group member stays free to answer calls (R-ROTA-03).
    """

    appointments_per_day: int = 2  # rota.appointments_per_day (advisory, R-ROTA-02)
    walkins_per_day: int = 8  # rota.walkins_per_day (advisory, R-ROTA-02)
    min_standby: int = 2  # rota.min_standby (R-ROTA-05)
    switch_period_days: int = 1  # rota.switch_period: 隔天 = swap every day (A-ROTA-1)
    returning_client_skips_next_turn: bool = True
    auto_support: bool = True

    def __post_init__(self) -> None:
        for name in ("appointments_per_day", "walkins_per_day", "min_standby"):
            if getattr(self, name) < 0:
                raise RotationError("参数不能为负数", field=name)
        if self.switch_period_days < 1:
            raise RotationError("轮换周期至少为1天", field="switch_period_days")


@dataclass(frozen=True, slots=True)
class SalesGroup:
    """A sales group (销售组); `members` in the group's own duty order (轮值顺序, R-ROTA-03)."""

    key: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RestDay:
    """A rest day (轮休) of one person; it takes effect only once a department manager has
    confirmed it (报部门经理确认后执行, R-ROTA-04)."""

    person: str
    approved_by: str | None = None


@dataclass(frozen=True, slots=True)
class DutyShift:
    """A duty manager (值班经理) on site from `start` to `end` (local time of the day)."""

    person: str
    start: dt.time
    end: dt.time


class RosterProblemCode(StrEnum):
    DUPLICATE_MEMBER = "duplicate_member"  # one person in two groups
    MISSING_DUTY = "missing_duty"  # a group has no duty for the day
    UNKNOWN_GROUP = "unknown_group"  # a duty names no group
    NO_VISIT_GROUP = "no_visit_group"  # nobody receives visitors (R-ROTA-01)
    NO_PHONE_GROUP = "no_phone_group"  # nobody answers calls (R-ROTA-03), warning
    BAD_HOURS = "bad_hours"  # opening hours empty or a shift ends before it starts
    NO_DUTY_MANAGER = "no_duty_manager"  # an open hour without a duty manager (R-ROTA-04)
    REST_NOT_APPROVED = "rest_not_approved"  # rest day not confirmed: not in effect, warning
    REST_NOT_STAGGERED = "rest_not_staggered"  # more than half a group rests, warning
    VISIT_GROUP_SHORT = "visit_group_short"  # fewer than min_standby in the visit group, warning


@dataclass(frozen=True, slots=True)
class RosterProblem:
    code: RosterProblemCode
    message: str  # Chinese, ready to show
    subject: str = ""  # the person or group concerned


@dataclass(frozen=True, slots=True)
class DayRoster:
    """One day's roster, built and checked by `make_day_roster` (do not construct directly).

    `visit_order` / `phone_order` are the working members of the groups on that duty, each group
    in its own order (R-ROTA-03), groups in the order given. `on_duty` is everyone the engine may
    refer to: working group members and working supervisors; people resting (approved) are not on
    duty and never appear in the engine's state.
    """

    day: dt.date
    groups: tuple[SalesGroup, ...]
    duties: tuple[tuple[str, DutyType], ...]
    resting: frozenset[str]
    supervisors: tuple[str, ...]
    managers: tuple[str, ...]
    duty_shifts: tuple[DutyShift, ...]
    open_from: dt.time
    open_until: dt.time
    media_open_day: bool
    settings: RotaSettings
    names: Mapping[str, str]
    warnings: tuple[RosterProblem, ...]
    visit_order: tuple[str, ...]
    phone_order: tuple[str, ...]
    visit_members: frozenset[str]
    phone_members: frozenset[str]
    on_duty: frozenset[str]
    group_of: Mapping[str, str]

    def name(self, person: str | None) -> str:
        if person is None:
            return ""
        return self.names.get(person, person)

    def duty_of(self, person: str) -> DutyType | None:
        """The duty of the person's group today, or None (supervisor only, or not on duty)."""
        if person in self.visit_members:
            return DutyType.VISIT
        if person in self.phone_members:
            return DutyType.PHONE
        return None

    def group(self, key: str) -> SalesGroup:
        for group in self.groups:
            if group.key == key:
                return group
        raise RotationError("没有这个销售组", field="group", code="not_found")


def alternate_duties(
    group_keys: Sequence[str],
    *,
    day: dt.date,
    anchor_day: dt.date,
    period_days: int = 1,
) -> dict[str, DutyType]:
    """Duties of the groups on `day` when they alternate every other day (隔天轮换, R-ROTA-01).

    On `anchor_day` the groups in even positions are on visit duty and those in odd positions on
    phone duty; every `period_days` days (A-ROTA-1: 1, i.e. day N phone, day N+1 visit) they swap.
    """
    if period_days < 1:
        raise RotationError("轮换周期至少为1天", field="period_days")
    flip = ((day - anchor_day).days // period_days) % 2
    return {
        key: DutyType.VISIT if (index + flip) % 2 == 0 else DutyType.PHONE
        for index, key in enumerate(group_keys)
    }


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def duty_manager_gaps(
    shifts: Iterable[DutyShift], *, open_from: dt.time, open_until: dt.time
) -> list[tuple[dt.time, dt.time]]:
    """The stretches of the opening hours without a duty manager on site (R-ROTA-04)."""
    start, end = _minutes(open_from), _minutes(open_until)
    spans = sorted((_minutes(s.start), _minutes(s.end)) for s in shifts if s.end > s.start)
    gaps: list[tuple[int, int]] = []
    cursor = start
    for span_start, span_end in spans:
        if span_end <= cursor:
            continue
        if span_start > cursor:
            gaps.append((cursor, min(span_start, end)))
        cursor = max(cursor, span_end)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [(dt.time(a // 60, a % 60), dt.time(b // 60, b % 60)) for a, b in gaps if a < b]


def make_day_roster(
    *,
    day: dt.date,
    groups: Sequence[SalesGroup],
    duties: Mapping[str, DutyType | str],
    rest_days: Iterable[RestDay] = (),
    supervisors: Sequence[str] = (),
    department_managers: Sequence[str] = (),
    duty_shifts: Sequence[DutyShift] = (),
    open_from: dt.time = dt.time(9, 0),
    open_until: dt.time = dt.time(18, 0),
    media_open_day: bool = False,
    names: Mapping[str, str] | None = None,
    settings: RotaSettings | None = None,
) -> DayRoster:
    """Check and build one day's roster. Raises `RotationError` (field `roster`) listing every
    blocking problem: a person in two groups, a group without a duty or a duty without a group, no
    visit group (R-ROTA-01), empty opening hours, or an open hour without a duty manager on site
    (R-ROTA-04). Rest days not confirmed by a department manager do not take effect (R-ROTA-04);
    they, rest that is not staggered and a visit group short of `min_standby` working members
    (R-ROTA-05) are listed in `DayRoster.warnings`.
    """
    settings = settings or RotaSettings()
    blocking: list[RosterProblem] = []
    warnings: list[RosterProblem] = []

    group_of: dict[str, str] = {}
    for group in groups:
        for person in group.members:
            if person in group_of:
                blocking.append(
                    RosterProblem(
                        RosterProblemCode.DUPLICATE_MEMBER, "同一人不能同时属于两个销售组", person
                    )
                )
            group_of.setdefault(person, group.key)
    keys = [g.key for g in groups]
    duty_of_group: dict[str, DutyType] = {}
    for key, duty in duties.items():
        if key not in keys:
            blocking.append(
                RosterProblem(RosterProblemCode.UNKNOWN_GROUP, "值班安排中的销售组不存在", key)
            )
            continue
        try:
            duty_of_group[key] = DutyType(duty)
        except ValueError:
            blocking.append(RosterProblem(RosterProblemCode.MISSING_DUTY, "值班类型不正确", key))
    for key in keys:
        if key not in duties:
            blocking.append(
                RosterProblem(RosterProblemCode.MISSING_DUTY, "销售组当天没有值班安排", key)
            )

    managers = tuple(dict.fromkeys(department_managers))
    resting: set[str] = set()
    for rest in rest_days:
        if rest.approved_by and rest.approved_by in managers:
            resting.add(rest.person)
        else:
            warnings.append(
                RosterProblem(
                    RosterProblemCode.REST_NOT_APPROVED,
                    "轮休未经部门经理确认,不生效",
                    rest.person,
                )
            )
    for group in groups:
        off = sum(1 for p in group.members if p in resting)
        if group.members and off * 2 > len(group.members):
            warnings.append(
                RosterProblem(
                    RosterProblemCode.REST_NOT_STAGGERED,
                    "本组轮休人数过半,轮休应适当错开",
                    group.key,
                )
            )

    def order_for(duty: DutyType) -> tuple[str, ...]:
        return tuple(
            person
            for group in groups
            if duty_of_group.get(group.key) == duty
            for person in group.members
            if person not in resting
        )

    visit_order, phone_order = order_for(DutyType.VISIT), order_for(DutyType.PHONE)
    if DutyType.VISIT not in duty_of_group.values():
        blocking.append(
            RosterProblem(RosterProblemCode.NO_VISIT_GROUP, "当天没有接访组,无法保证接访", "")
        )
    elif len(visit_order) < settings.min_standby:
        warnings.append(
            RosterProblem(
                RosterProblemCode.VISIT_GROUP_SHORT,
                f"接访组在岗销售员不足{settings.min_standby}位,需报部门经理或值班经理安排接电组支持",
            )
        )
    if DutyType.PHONE not in duty_of_group.values():
        warnings.append(
            RosterProblem(RosterProblemCode.NO_PHONE_GROUP, "当天没有接电组,来电可能无人接听")
        )

    if open_until <= open_from:
        blocking.append(RosterProblem(RosterProblemCode.BAD_HOURS, "营业结束时间须晚于开始时间"))
    for shift in duty_shifts:
        if shift.end <= shift.start:
            blocking.append(
                RosterProblem(
                    RosterProblemCode.BAD_HOURS, "值班经理班次结束时间须晚于开始时间", shift.person
                )
            )
    if open_until > open_from:
        present_shifts = [s for s in duty_shifts if s.person not in resting]
        for gap_from, gap_until in duty_manager_gaps(
            present_shifts, open_from=open_from, open_until=open_until
        ):
            blocking.append(
                RosterProblem(
                    RosterProblemCode.NO_DUTY_MANAGER,
                    f"{_hhmm(_minutes(gap_from))}至{_hhmm(_minutes(gap_until))}没有值班经理在岗",
                )
            )
    if blocking:
        raise RotationError(
            ";".join(p.message + (f"({p.subject})" if p.subject else "") for p in blocking),
            field="roster",
            problems=tuple(blocking),
        )

    working_supervisors = tuple(p for p in dict.fromkeys(supervisors) if p not in resting)
    on_duty = frozenset(visit_order) | frozenset(phone_order) | frozenset(working_supervisors)
    shift_managers = tuple(s.person for s in duty_shifts if s.person not in resting)
    return DayRoster(
        day=day,
        groups=tuple(groups),
        duties=tuple((g.key, duty_of_group[g.key]) for g in groups),
        resting=frozenset(resting),
        supervisors=working_supervisors,
        managers=tuple(dict.fromkeys(managers + shift_managers)),
        duty_shifts=tuple(duty_shifts),
        open_from=open_from,
        open_until=open_until,
        media_open_day=media_open_day,
        settings=settings,
        names=MappingProxyType(dict(names or {})),
        warnings=tuple(warnings),
        visit_order=visit_order,
        phone_order=phone_order,
        visit_members=frozenset(visit_order),
        phone_members=frozenset(phone_order),
        on_duty=on_duty,
        group_of=MappingProxyType(group_of),
    )
