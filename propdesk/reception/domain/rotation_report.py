"""The daily rotation report (接待轮次日报, RPT-01, R-ROTA-17) and the rotation board.

`summarise_day(roster, decisions)` turns a day's decisions (see `rotation.decide`) into one row
per salesperson: visit and phone turns counted, receptions not counted with their reasons, make-up
credits earned and used, skip flags set and consumed, and how often the queue passed him/her.
`queue_board(state)` is what the TV-friendly rotation board shows: each queue in order with who is
next, who is busy or away, credits and skips, the standby count and the supporters.

Pure Python: no Django, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from propdesk.reception.domain.rotation import next_supporter, peek, standby_count
from propdesk.reception.domain.rotation_model import (
    Decision,
    DecisionKind,
    NoticeCode,
    PassReason,
    ReasonCode,
    RotationState,
    Via,
)
from propdesk.reception.domain.rotation_roster import DayRoster, DutyType


@dataclass(frozen=True, slots=True)
class PersonDaySummary:
    """One salesperson's line of the daily rotation report (R-ROTA-17)."""

    person: str
    name: str
    visit_turns: int = 0  # visits counted as a turn (接访计轮)
    phone_turns: int = 0  # answered calls counted as a turn (接电计轮)
    not_counted: tuple[tuple[ReasonCode, int], ...] = ()  # receptions not counted, by reason
    visit_credits_earned: int = 0
    visit_credits_used: int = 0
    phone_credits_earned: int = 0
    phone_credits_used: int = 0
    skips_set: int = 0
    skips_consumed: int = 0
    passed: int = 0  # times the pointer went past him/her while away or busy
    supports: int = 0  # times sent to support the visit group (R-ROTA-12)

    @property
    def turns(self) -> int:
        return self.visit_turns + self.phone_turns

    @property
    def not_counted_text(self) -> str:
        """E.g. "预约接待×1、非销售接待×2" (empty when nothing)."""
        return "、".join(f"{reason.label}×{count}" for reason, count in self.not_counted)


@dataclass(frozen=True, slots=True)
class DaySummary:
    """The whole 接待轮次日报 of one day."""

    day: dt.date
    people: tuple[PersonDaySummary, ...]
    visits_received: int
    visits_unassigned: int
    appointments: int
    walk_ins: int
    calls_answered: int
    calls_unanswered: int
    standby_alerts: int
    warnings: tuple[tuple[NoticeCode, int], ...]


_NOT_A_RECEPTION: Final = frozenset(
    {
        DecisionKind.SUPPORT_STARTED,
        DecisionKind.SUPPORT_ENDED,
        DecisionKind.COMPLETED,
        DecisionKind.CHECKED_IN,
        DecisionKind.CHECKED_OUT,
    }
)


def summarise_day(roster: DayRoster, decisions: Iterable[Decision]) -> DaySummary:
    """Count a day's decisions per salesperson, in roster order (visit queue, phone queue,
    supervisors), then anyone else who appears, by key."""
    rows: dict[str, Counter[str]] = {}
    not_counted: dict[str, Counter[ReasonCode]] = {}
    warnings: Counter[NoticeCode] = Counter()
    totals: Counter[str] = Counter()

    def row(person: str) -> Counter[str]:
        return rows.setdefault(person, Counter())

    for d in decisions:
        for notice in d.warnings:
            warnings[notice.code] += 1
        for mark in d.credits_used:
            row(mark.person)[f"{mark.duty}_credits_used"] += 1
        for mark in d.credits_earned:
            row(mark.person)[f"{mark.duty}_credits_earned"] += 1
        for mark in d.skips_set:
            row(mark.person)["skips_set"] += 1
        for mark in d.skips_consumed:
            row(mark.person)["skips_consumed"] += 1
        for passed in d.passed:
            if passed.why is not PassReason.SKIP_FLAG:
                row(passed.person)["passed"] += 1
        if d.kind is DecisionKind.SUPPORT_STARTED and d.assignee:
            row(d.assignee)["supports"] += 1
        if d.kind in _NOT_A_RECEPTION:
            continue
        if d.duty is DutyType.VISIT:
            if d.kind is not DecisionKind.ASSIGNED:
                totals["visits_unassigned"] += 1
            else:
                totals["visits_received"] += 1
                if d.appointment:  # also when a substitute received it (R-ROTA-09)
                    totals["appointments"] += 1
                elif d.reason_code is not ReasonCode.NON_SALES:
                    totals["walk_ins"] += 1
        elif d.duty is DutyType.PHONE:
            answered = d.kind is DecisionKind.ASSIGNED
            totals["calls_answered" if answered else "calls_unanswered"] += 1
        if d.assignee is None or d.reason_code is None:
            continue
        if d.counts_as_turn and d.kind is DecisionKind.ASSIGNED:
            row(d.assignee)[f"{d.duty}_turns"] += 1
        else:
            row(d.assignee)  # listed even when every reception of the day was not counted
            not_counted.setdefault(d.assignee, Counter())[d.reason_code] += 1
    order = list(dict.fromkeys((*roster.visit_order, *roster.phone_order, *roster.supervisors)))
    order += sorted(p for p in rows if p not in set(order))
    people = tuple(_person_row(roster, p, rows.get(p, Counter()), not_counted) for p in order)
    return DaySummary(
        day=roster.day,
        people=people,
        visits_received=totals["visits_received"],
        visits_unassigned=totals["visits_unassigned"],
        appointments=totals["appointments"],
        walk_ins=totals["walk_ins"],
        calls_answered=totals["calls_answered"],
        calls_unanswered=totals["calls_unanswered"],
        standby_alerts=warnings[NoticeCode.STANDBY_LOW],
        warnings=tuple(sorted(warnings.items())),
    )


_REASON_ORDER: Final[Mapping[ReasonCode, int]] = MappingProxyType(
    {reason: index for index, reason in enumerate(ReasonCode)}
)


def _person_row(
    roster: DayRoster,
    person: str,
    row: Counter[str],
    not_counted: Mapping[str, Counter[ReasonCode]],
) -> PersonDaySummary:
    reasons = not_counted.get(person, Counter())
    return PersonDaySummary(
        person=person,
        name=roster.name(person),
        visit_turns=row["visit_turns"],
        phone_turns=row["phone_turns"],
        not_counted=tuple(sorted(reasons.items(), key=lambda item: _REASON_ORDER[item[0]])),
        visit_credits_earned=row["visit_credits_earned"],
        visit_credits_used=row["visit_credits_used"],
        phone_credits_earned=row["phone_credits_earned"],
        phone_credits_used=row["phone_credits_used"],
        skips_set=row["skips_set"],
        skips_consumed=row["skips_consumed"],
        passed=row["passed"],
        supports=row["supports"],
    )


# ---------------------------------------------------------------------------------------------
# The rotation board


class SeatStatus(StrEnum):
    NEXT = "next"  # 当值: takes the next reception
    FREE = "free"  # 等候
    BUSY = "busy"  # 接待中
    AWAY = "away"  # 不在岗
    SUPPORTING = "supporting"  # 支援接访组

    @property
    def label(self) -> str:
        return SEAT_LABELS[self]


SEAT_LABELS: Final[Mapping[SeatStatus, str]] = MappingProxyType(
    {
        SeatStatus.NEXT: "当值",
        SeatStatus.FREE: "等候",
        SeatStatus.BUSY: "接待中",
        SeatStatus.AWAY: "不在岗",
        SeatStatus.SUPPORTING: "支援接访组",
    }
)


@dataclass(frozen=True, slots=True)
class BoardSeat:
    person: str
    name: str
    status: SeatStatus
    credits: int  # make-up credits of this duty (补充机会)
    skips: int  # skip flags of this duty (轮空)
    last: bool  # the pointer is on him/her (received the last regular turn)


@dataclass(frozen=True, slots=True)
class BoardQueue:
    duty: DutyType
    seats: tuple[BoardSeat, ...]
    next_person: str | None


@dataclass(frozen=True, slots=True)
class Board:
    visit: BoardQueue
    phone: BoardQueue
    standby: int
    standby_low: bool
    supporters: tuple[str, ...]
    next_supporter: str | None
    media_open_day: bool


def queue_board(state: RotationState) -> Board:
    """Today's queues for the rotation board: who is next, busy, away; credits and skips."""
    busy = state.busy()
    roster = state.roster

    def board_queue(duty: DutyType) -> BoardQueue:
        queue = state.queue(duty)
        nxt = peek(state, duty)
        seats = []
        for index, person in enumerate(queue.order):
            if person == nxt:
                status = SeatStatus.NEXT
            elif person not in state.present:
                status = SeatStatus.AWAY
            elif person in busy:
                status = SeatStatus.BUSY
            elif person in state.supporting:
                status = SeatStatus.SUPPORTING
            else:
                status = SeatStatus.FREE
            seats.append(
                BoardSeat(
                    person=person,
                    name=roster.name(person),
                    status=status,
                    credits=queue.credits.count(person),
                    skips=queue.skips.count(person),
                    last=index == queue.pointer,
                )
            )
        return BoardQueue(duty, tuple(seats), nxt)

    return Board(
        visit=board_queue(DutyType.VISIT),
        phone=board_queue(DutyType.PHONE),
        standby=standby_count(state),
        standby_low=standby_count(state) < roster.settings.min_standby,
        supporters=state.supporting,
        next_supporter=next_supporter(state),
        media_open_day=roster.media_open_day,
    )


def via_label(via: Via | None) -> str:
    """Chinese label of how the receiver was chosen, for the report's detail lines."""
    return _VIA_LABELS.get(via, "") if via else ""


_VIA_LABELS: Final[Mapping[Via, str]] = MappingProxyType(
    {
        Via.POINTER: "按轮序",
        Via.CREDIT: "补充机会",
        Via.DIRECT: "指定/预约/原接待/代接",
        Via.SUPPORT: "接电组支援",
    }
)
