"""Working time of a project (工作时间 / 非工作时间, 工作日), R-GEN-06..08, A-CMP-7/8.

Pure Python: no Django, no I/O, the current time is never read here (callers pass `start`).

A `WorkCalendar` says, for every date, whether the project is open and from when to when. The
day rule, strongest first:

1. a project override day (`overrides[d]`: `DayHours` = open with those hours, `None` = closed);
2. a statutory holiday of China (法定节假日, e.g. 国庆节) — closed;
3. a statutory adjusted working day (调休上班, a weekend day that is a working day) — open with
   that weekday's hours, or, when the project is normally closed on that weekday, with the
   hours of its first open weekday (Monday first), or 08:30–17:30 when no weekday is open;
4. the weekly business hours (`weekly[d.weekday()]`, `None` = closed that weekday).

Statutory days come from the `chinese_calendar` package, which knows a fixed range of years
(it raises NotImplementedError outside it). For other years no statutory holidays or adjusted
working days are applied, and every explanation that touches such a year says so.

A working day has one working period, `[opens, closes)` local time in `cal.tz`: the opening
instant is working time, the closing instant is not. All inputs must be aware datetimes; all
results are aware datetimes in `cal.tz`. Arithmetic is done in UTC so that a zone with daylight
saving time would still count elapsed time correctly.

Two kinds of duration (R-GEN-07): clock time (`add_clock_hours`, calendar days) ignores the
calendar; working time (`add_working_hours`, `add_working_days`) counts only open periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
DEFAULT_OPENS = dt.time(8, 30)
DEFAULT_CLOSES = dt.time(17, 30)
# Longest run of consecutive closed days searched before giving up (a calendar with no working
# time at all would otherwise loop forever). Longer than any Chinese holiday season.
MAX_CLOSED_RUN_DAYS = 400

_MICROSECONDS_PER_HOUR = 3_600_000_000
_DECIMAL = Context(prec=28)
_WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# chinese_calendar names holidays in English; the Chinese names used in explanations.
_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
REASON_OVERRIDE_CLOSED = "项目休息日"
REASON_OVERRIDE_OPEN = "项目工作日"
REASON_OVERRIDE_HOURS = "项目调整营业时间"
REASON_ADJUSTED_WORKDAY = "调休上班"
REASON_WEEKEND_CLOSED = "周末不营业"


class DurationUnit(StrEnum):
    """How a time limit is counted (R-GEN-07: hours are clock time unless stated "working")."""

    CLOCK_MINUTES = "clock_minutes"
    CLOCK_HOURS = "clock_hours"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class DayHours:
    """Opening hours of one day, local time; `closes` must be later than `opens` (no periods
    across midnight)."""

    opens: dt.time
    closes: dt.time

    def __post_init__(self) -> None:
        if not self.closes > self.opens:
            raise ValueError(f"closes ({self.closes}) must be later than opens ({self.opens})")

    @property
    def label(self) -> str:
        """ "08:30–17:30"."""
        return f"{self.opens:%H:%M}–{self.closes:%H:%M}"


DEFAULT_HOURS = DayHours(DEFAULT_OPENS, DEFAULT_CLOSES)


@dataclass(frozen=True)
class DayInfo:
    """What one date is: its hours (None when closed) and why, in Chinese ("" = an ordinary
    day of the weekly hours)."""

    date: dt.date
    hours: DayHours | None
    is_working: bool
    reason: str


@dataclass(frozen=True)
class Due:
    """A computed due time and one Chinese sentence saying how it was counted."""

    at: dt.datetime
    explanation: str


class _Statutory(StrEnum):
    ORDINARY = "ordinary"
    HOLIDAY = "holiday"
    ADJUSTED_WORKDAY = "adjusted_workday"
    UNKNOWN = "unknown"  # a year chinese_calendar has no data for


@lru_cache(maxsize=32768)
def _statutory(day: dt.date) -> tuple[_Statutory, str]:
    """(kind, Chinese holiday name) of a date in China's statutory calendar; cached because the
    sweeps ask about the same few hundred dates again and again."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return _Statutory.UNKNOWN, ""
    if name is None:  # an ordinary weekday or weekend
        return _Statutory.ORDINARY, ""
    chinese = _HOLIDAY_NAMES.get(name, name)
    return (_Statutory.HOLIDAY if is_holiday else _Statutory.ADJUSTED_WORKDAY), chinese


def statutory_year_known(year: int) -> bool:
    """Whether `chinese_calendar` knows the holidays of `year`."""
    return _statutory(dt.date(year, 6, 1))[0] is not _Statutory.UNKNOWN


def fallback_hours(weekly: tuple[DayHours | None, ...], weekday: int) -> DayHours:
    """Hours of a day that is open although its weekday may be closed (an adjusted working day,
    or a project working-day override without hours): that weekday's hours, else the first open
    weekday's (Monday first), else 08:30–17:30."""
    own = weekly[weekday]
    if own is not None:
        return own
    return next((hours for hours in weekly if hours is not None), DEFAULT_HOURS)


@dataclass(frozen=True)
class WorkCalendar:
    """A project's working-time calendar (R-GEN-06). See the module docstring for the day rule.

    `notes` (optional) are the project's notes of override days, shown in `day_info` reasons.
    """

    weekly: tuple[DayHours | None, ...]
    overrides: Mapping[dt.date, DayHours | None] = field(default_factory=dict)
    tz: ZoneInfo = SHANGHAI
    statutory: bool = True
    notes: Mapping[dt.date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly must have 7 entries, Monday to Sunday")

    def hours_on(self, d: dt.date) -> DayHours | None:
        """The day's working period, None when the project is closed that day."""
        if d in self.overrides:
            return self.overrides[d]
        if self.statutory:
            kind, _name = _statutory(d)
            if kind is _Statutory.HOLIDAY:
                return None
            if kind is _Statutory.ADJUSTED_WORKDAY:
                return fallback_hours(self.weekly, d.weekday())
        return self.weekly[d.weekday()]

    def day_info(self, d: dt.date) -> DayInfo:
        """The day's hours and the reason in Chinese, e.g. "国庆节", "调休上班", "项目休息日",
        "周末不营业"; "" for an ordinary day of the weekly hours."""
        hours = self.hours_on(d)
        reason = _reason(self, d, hours)
        note = self.notes.get(d, "") if d in self.overrides else ""
        if note:
            reason = f"{reason}（{note}）"
        return DayInfo(date=d, hours=hours, is_working=hours is not None, reason=reason)


def _reason(cal: WorkCalendar, d: dt.date, hours: DayHours | None) -> str:
    """The reason of `day_info` without the override note."""
    if d in cal.overrides:
        if hours is None:
            return REASON_OVERRIDE_CLOSED
        without = WorkCalendar(weekly=cal.weekly, tz=cal.tz, statutory=cal.statutory)
        return REASON_OVERRIDE_HOURS if without.hours_on(d) is not None else REASON_OVERRIDE_OPEN
    if cal.statutory:
        kind, name = _statutory(d)
        if kind is _Statutory.HOLIDAY:
            return name
        if kind is _Statutory.ADJUSTED_WORKDAY:
            return REASON_ADJUSTED_WORKDAY
    if hours is None:
        return REASON_WEEKEND_CLOSED if d.weekday() >= 5 else f"{_WEEKDAY_NAMES[d.weekday()]}不营业"
    return ""


def _skip_label(cal: WorkCalendar, d: dt.date) -> str:
    """How a closed day is named in an explanation ("国庆节", "项目休息日", "周末", "周三")."""
    reason = _reason(cal, d, None)
    if reason == REASON_WEEKEND_CLOSED:
        return "周末"
    if reason.endswith("不营业"):
        return reason.removesuffix("不营业")
    return reason


# --- conversions --------------------------------------------------------------------------
def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


def _decimal(amount: Decimal | int | float | str, name: str = "amount") -> Decimal:
    if isinstance(amount, bool):
        raise TypeError(f"{name} must be a number")
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation:
        raise ValueError(f"{name} must be a number") from None
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def _hours_delta(hours: Decimal | int | float) -> dt.timedelta:
    """Hours as a timedelta, rounded to the microsecond (half to even)."""
    micro = (_decimal(hours, "hours") * _MICROSECONDS_PER_HOUR).to_integral_value(ROUND_HALF_EVEN)
    try:
        return dt.timedelta(microseconds=int(micro))
    except OverflowError:
        raise ValueError("hours is too large") from None


def _delta_hours(delta: dt.timedelta) -> Decimal:
    micro = delta // dt.timedelta(microseconds=1)
    return _DECIMAL.divide(Decimal(micro), Decimal(_MICROSECONDS_PER_HOUR))


def _local_date(cal: WorkCalendar, at: dt.datetime) -> dt.date:
    return at.astimezone(cal.tz).date()


def _period(cal: WorkCalendar, d: dt.date, hours: DayHours) -> tuple[dt.datetime, dt.datetime]:
    """The day's working period as UTC instants."""
    opens = dt.datetime.combine(d, hours.opens, tzinfo=cal.tz).astimezone(UTC)
    closes = dt.datetime.combine(d, hours.closes, tzinfo=cal.tz).astimezone(UTC)
    return opens, closes


def _periods_from(
    cal: WorkCalendar, first: dt.date
) -> Iterator[tuple[dt.date, DayHours, dt.datetime, dt.datetime]]:
    """(date, hours, opens, closes) of every working day from `first` on, in date order.

    Raises ValueError after MAX_CLOSED_RUN_DAYS consecutive closed days."""
    day = first
    closed_run = 0
    while True:
        hours = cal.hours_on(day)
        if hours is None:
            closed_run += 1
            if closed_run > MAX_CLOSED_RUN_DAYS:
                raise ValueError(
                    f"the calendar has no working time in the {MAX_CLOSED_RUN_DAYS} days "
                    f"after {first.isoformat()}"
                )
        else:
            closed_run = 0
            opens, closes = _period(cal, day, hours)
            yield day, hours, opens, closes
        day += dt.timedelta(days=1)


# --- the calculations ---------------------------------------------------------------------
def is_working_time(cal: WorkCalendar, at: dt.datetime) -> bool:
    """Whether `at` lies inside a working period: opens <= local time < closes."""
    local = _aware(at, "at").astimezone(cal.tz)
    hours = cal.hours_on(local.date())
    return hours is not None and hours.opens <= local.time() < hours.closes


def add_working_hours(
    cal: WorkCalendar, start: dt.datetime, hours: Decimal | int | float
) -> dt.datetime:
    """The instant when `hours` of working time have passed since `start` ("within 8 working
    hours").

    Only time inside working periods counts. When `start` is outside working time (a closed day,
    before opening, at or after closing), counting starts at the next opening. Conventions:

    - a result that lands exactly on a closing instant stays there (17:30 of that day), it does
      not move to the next opening; so a result for `hours > 0` is always working time or a
      closing instant;
    - `hours == 0` returns `start` when it is working time, else the next opening;
    - `hours` is rounded to the microsecond; negative hours raise ValueError.

    Hence, for every `t`, `h1 >= 0` and `h2 > 0`:
    `add_working_hours(add_working_hours(t, h1), h2) == add_working_hours(t, h1 + h2)`
    (with `h2 == 0` it holds unless the inner result is a closing instant, which the outer call
    moves to the next opening).
    """
    remaining = _hours_delta(hours)
    cursor = _aware(start, "start")
    for _day, _hours, opens, closes in _periods_from(cal, _local_date(cal, start)):
        if cursor >= closes:
            continue
        begin = max(cursor, opens)
        available = closes - begin
        if remaining <= available:
            return (begin + remaining).astimezone(cal.tz)
        remaining -= available
        cursor = closes
    raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover


def next_opening(cal: WorkCalendar, at: dt.datetime) -> dt.datetime:
    """`at` itself when it is working time, else the start of the next working period."""
    return add_working_hours(cal, at, 0)


def add_working_days(cal: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """ "`days` working days later" ("一个工作日", R-ARCHIVE-02).

    Counting starts from the effective start `s = next_opening(start)`: `start` itself inside
    working time, otherwise the next opening (received on a closed day, before opening or after
    closing counts as received at the next opening). The result is the same local time of day
    as `s` on the `days`-th working day after `s`'s date, clamped into that day's hours
    (to its opening when earlier, to its closing when later). `days == 0` returns `s`.

    Example (08:30–17:30 every day): received Mon 10:00 -> Tue 10:00; received Mon 20:00 ->
    effective Tue 08:30 -> Wed 08:30. The result is never earlier than a later start's.
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError("days must be an int")
    if days < 0:
        raise ValueError("days must not be negative")
    effective = next_opening(cal, start)
    if days == 0:
        return effective
    local = effective.astimezone(cal.tz)
    following = _periods_from(cal, local.date() + dt.timedelta(days=1))
    for count, (day, _hours, opens, closes) in enumerate(following, start=1):
        if count == days:
            wanted = dt.datetime.combine(day, local.time(), tzinfo=cal.tz).astimezone(UTC)
            return min(max(wanted, opens), closes).astimezone(cal.tz)
    raise AssertionError("unreachable: _periods_from never ends")  # pragma: no cover


def add_clock_hours(
    cal: WorkCalendar, start: dt.datetime, hours: Decimal | int | float
) -> dt.datetime:
    """Plain elapsed time (R-GEN-07): `start + hours`, the calendar ignored; in `cal.tz`."""
    return (_aware(start, "start") + _hours_delta(hours)).astimezone(cal.tz)


def add_calendar_days(
    cal: WorkCalendar, start: dt.datetime, days: Decimal | int | float
) -> dt.datetime:
    """`days` calendar days later (R-GEN-07): the same local wall-clock time `days` dates later
    in `cal.tz` (a fraction of a day adds that many hours of wall-clock time)."""
    delta = _hours_delta(_decimal(days, "days") * 24)
    local = _aware(start, "start").astimezone(cal.tz).replace(tzinfo=None)
    try:
        return (local + delta).replace(tzinfo=cal.tz)
    except OverflowError:
        raise ValueError("days is too large") from None


def working_hours_between(cal: WorkCalendar, start: dt.datetime, end: dt.datetime) -> Decimal:
    """Working time between two instants, in hours (Decimal, exact to the microsecond: e.g.
    `Decimal("7.5")`; a duration of 1 s gives 1/3600 to 28 significant digits, which
    `add_working_hours` rounds back to exactly 1 s).

    `working_hours_between(t, add_working_hours(t, h)) == h` for every `h` with at most six
    decimal places. When `end` is before `start` the result is negative
    (`-working_hours_between(end, start)`), which suits "overdue by N working hours".
    """
    begin, finish = _aware(start, "start"), _aware(end, "end")
    if finish < begin:
        return -working_hours_between(cal, end, start)
    total = dt.timedelta(0)
    day, last = _local_date(cal, start), _local_date(cal, end)
    while day <= last:
        hours = cal.hours_on(day)
        if hours is not None:
            opens, closes = _period(cal, day, hours)
            overlap = min(closes, finish) - max(opens, begin)
            if overlap > dt.timedelta(0):
                total += overlap
        day += dt.timedelta(days=1)
    return _delta_hours(total)


# --- explanations -------------------------------------------------------------------------
def _fmt_at(at: dt.datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    if local.second or local.microsecond:
        return f"{local:%Y-%m-%d %H:%M:%S}"
    return f"{local:%Y-%m-%d %H:%M}"


def _fmt_amount(amount: Decimal) -> str:
    """8, 7.5, 0.25 (never 8.00 or 1E+2)."""
    return format(amount.normalize(), "f")


def _fmt_day(d: dt.date, year: int) -> str:
    prefix = f"{d.year}年" if d.year != year else ""
    return f"{prefix}{d.month}月{d.day}日"


def _fmt_range(first: dt.date, last: dt.date, year: int) -> str:
    if first == last:
        return _fmt_day(first, year)
    return f"{_fmt_day(first, year)}–{_fmt_day(last, year)}"


def _skipped(cal: WorkCalendar, first: dt.date, last: dt.date) -> str:
    """Closed days from `first` to `last`, grouped by reason into ranges of consecutive days:
    "中秋节（9月25日–9月27日）、国庆节（10月1日–10月7日）"; "" when none."""
    groups: dict[str, list[list[dt.date]]] = {}
    previous: tuple[str, dt.date] | None = None
    day = first
    while day <= last:
        if cal.hours_on(day) is None:
            label = _skip_label(cal, day)
            runs = groups.setdefault(label, [])
            if previous == (label, day - dt.timedelta(days=1)):
                runs[-1][1] = day
            else:
                runs.append([day, day])
            previous = (label, day)
        day += dt.timedelta(days=1)
    entries = []
    for label, runs in groups.items():
        ranges = "、".join(_fmt_range(a, b, first.year) for a, b in runs)
        entries.append(f"{label}（{ranges}）")
    return "、".join(entries)


def _hours_label(cal: WorkCalendar, first: dt.date, last: dt.date) -> str:
    """ "营业时间 08:30–17:30" when every working day counted has those hours."""
    labels = []
    day = first
    while day <= last:
        hours = cal.hours_on(day)
        if hours is not None and hours.label not in labels:
            labels.append(hours.label)
        day += dt.timedelta(days=1)
    if len(labels) == 1:
        return f"营业时间 {labels[0]}"
    return "按各日营业时间"


def _unknown_years(cal: WorkCalendar, first: dt.date, last: dt.date) -> str:
    if not cal.statutory:
        return ""
    years = [str(y) for y in range(first.year, last.year + 1) if not statutory_year_known(y)]
    if not years:
        return ""
    return "、".join(years) + "年的法定节假日安排尚未收录，按无法定节假日计算"


def _working_sentence(cal: WorkCalendar, start: dt.datetime, due: dt.datetime, counted: str) -> str:
    first, last = _local_date(cal, start), _local_date(cal, due)
    effective = next_opening(cal, start)
    hours = _hours_label(cal, _local_date(cal, effective), last)
    parts = [f"自 {_fmt_at(start, cal.tz)} 起计 {counted}（{hours}）"]
    if effective != start:
        parts.append(f"非工作时间受理，从 {_fmt_at(effective, cal.tz)} 开始计时")
    skipped = _skipped(cal, first, last)
    if skipped:
        parts.append(f"跳过{skipped}")
    unknown = _unknown_years(cal, first, last)
    if unknown:
        parts.append(unknown)
    parts.append(f"截止 {_fmt_at(due, cal.tz)}")
    return "，".join(parts) + "。"


def compute_due(
    cal: WorkCalendar,
    start: dt.datetime,
    amount: Decimal | int | float,
    unit: DurationUnit | str,
) -> Due:
    """The due time of a limit of `amount` `unit`s counted from `start`, with one Chinese
    sentence explaining it, e.g.
    "自 2026-09-30 16:00 起计 8 个工作小时（营业时间 08:30–17:30），跳过国庆节（10月1日–10月7日），
    截止 2026-10-08 15:00。" or "自 2026-10-01 20:00 起计 24 小时（自然时间），截止 2026-10-02 20:00。"

    Working days must be a whole number. Raises ValueError for a negative amount, an unknown
    unit or a calendar without working time.
    """
    unit = DurationUnit(unit)
    value = _decimal(amount)
    start_text = _fmt_at(start, cal.tz)
    if unit is DurationUnit.WORKING_HOURS:
        at = add_working_hours(cal, start, value)
        return Due(at, _working_sentence(cal, start, at, f"{_fmt_amount(value)} 个工作小时"))
    if unit is DurationUnit.WORKING_DAYS:
        if value != value.to_integral_value():
            raise ValueError("working days must be a whole number")
        at = add_working_days(cal, start, int(value))
        return Due(at, _working_sentence(cal, start, at, f"{_fmt_amount(value)} 个工作日"))
    if unit is DurationUnit.CLOCK_HOURS:
        at = add_clock_hours(cal, start, value)
        counted = f"{_fmt_amount(value)} 小时（自然时间）"
    elif unit is DurationUnit.CLOCK_MINUTES:
        at = add_clock_hours(cal, start, _DECIMAL.divide(value, Decimal(60)))
        counted = f"{_fmt_amount(value)} 分钟（自然时间）"
    else:
        at = add_calendar_days(cal, start, value)
        counted = f"{_fmt_amount(value)} 天（自然日）"
    return Due(at, f"自 {start_text} 起计 {counted}，截止 {_fmt_at(at, cal.tz)}。")
