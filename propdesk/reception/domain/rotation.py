"""The rotation queue engine (接待规则 / 接访轮序, SPEC §5, R-ROTA-05..13 and R-ROTA-16).

Who receives each visitor and who answers each call, decided one event at a time:

    state = open_day(roster)                      # roster: see `rotation_roster.make_day_roster`
    outcome = decide(state, VisitArrived(at=now, ref="V-1"))
    outcome.decision.assignee, outcome.decision.reason_code, outcome.decision.explanation_zh
    state = outcome.state

`RotationState` is immutable; `decide` returns a new state and the `Decision` (the turn record,
接待轮次) with its reason code, whether it counts as a turn, the make-up credits (补充机会) used and
earned, the skip flags (轮空) set and consumed, the people passed over and why, the warnings
(2 appointments / 8 walk-ins a day, standby below two, media open day …) and one Chinese sentence
for the rotation board and the daily report (RPT-01, see `rotation_report`). The same events give
the same decisions: nothing here reads the clock, the time comes in with each event.

The next-turn rule (R-ROTA-16, A-ROTA-5). Each duty (接访 visit, 接电 phone) has a queue: the working
members of the groups on that duty in their own order (R-ROTA-03) and a pointer to the last person
who took a regular turn. The next receiver is

1. the holder of the oldest make-up credit of that duty who is present and free (补充接访机会 /
   补充接电机会; one credit per reception; the pointer stays), otherwise
2. the first person after the pointer who is present and free; a person holding a skip flag is
   passed and the flag consumed (轮空, A-ROTA-4), and so is anyone absent (不在岗), busy with a
   client (接待中) or, in the phone queue, supporting the visit group; the pointer moves to the
   receiver.

Passing over someone absent or busy costs that turn; the make-up credits are what the seeds give
back to those kept away by a reception that is not theirs to count (appointments, R-ROTA-06;
substitutes, R-ROTA-09; phone-group support, R-ROTA-11). Out-of-turn receptions (appointment,
returning client, designated salesperson, substitute) leave the pointer where it is: the on-duty
salesperson keeps the turn.

Pure Python: no Django, no I/O; O(group size) per event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Final

from propdesk.reception.domain.rotation_model import (
    COUNTS_AS_TURN,
    Carry,
    CheckIn,
    CheckOut,
    Decision,
    DecisionKind,
    IncomingCall,
    Mark,
    Notice,
    NoticeCode,
    Outcome,
    Pass,
    PassReason,
    QueueKind,
    ReasonCode,
    Reception,
    RotationEvent,
    RotationQueue,
    RotationState,
    SupportEnded,
    SupportRequested,
    Via,
    VisitArrived,
    VisitEnded,
    VisitPurpose,
)
from propdesk.reception.domain.rotation_roster import DayRoster, DutyType, RotationError

_PURPOSE_REASON: Final[Mapping[VisitPurpose, ReasonCode]] = MappingProxyType(
    {
        VisitPurpose.SALES: ReasonCode.NORMAL,
        VisitPurpose.NON_SALES: ReasonCode.NON_SALES,
        VisitPurpose.MARKET_RESEARCH: ReasonCode.MARKET_RESEARCH,
        VisitPurpose.FOR_FRIENDS: ReasonCode.FOR_FRIENDS,
    }
)

# ---------------------------------------------------------------------------------------------
# Opening and closing a day


def open_day(
    roster: DayRoster, *, carry: Carry | None = None, present: Iterable[str] | None = None
) -> RotationState:
    """The state at the start of the day. `present` defaults to everyone on duty; credits and
    skip flags of people on duty are taken from `carry`."""
    carry = carry or Carry()
    on_duty = roster.on_duty
    if present is None:
        here = on_duty
    else:
        here = frozenset(present)
        strangers = sorted(here - on_duty)
        if strangers:
            raise RotationError(
                f"{roster.name(strangers[0])}今天不在值班安排中", field="present", code="forbidden"
            )

    def marks(items: tuple[Mark, ...], duty: DutyType) -> tuple[str, ...]:
        return tuple(m.person for m in items if m.duty is duty and m.person in on_duty)

    return RotationState(
        roster=roster,
        visit=RotationQueue(
            DutyType.VISIT,
            roster.visit_order,
            credits=marks(carry.credits, DutyType.VISIT),
            skips=marks(carry.skips, DutyType.VISIT),
        ),
        phone=RotationQueue(
            DutyType.PHONE,
            roster.phone_order,
            credits=marks(carry.credits, DutyType.PHONE),
            skips=marks(carry.skips, DutyType.PHONE),
        ),
        present=here,
    )


def close_day(state: RotationState, carry: Carry | None = None) -> Carry:
    """Credits and skip flags still outstanding at the end of the day, merged with the entries of
    `carry` (the one given to `open_day`) that belong to people not on duty today."""
    carry = carry or Carry()
    on_duty = state.roster.on_duty

    def outstanding(attr: str) -> tuple[Mark, ...]:
        kept = tuple(m for m in getattr(carry, attr) if m.person not in on_duty)
        today = tuple(
            Mark(person, queue.duty)
            for queue in (state.visit, state.phone)
            for person in getattr(queue, attr)
        )
        return kept + today

    return Carry(credits=outstanding("credits"), skips=outstanding("skips"))


# ---------------------------------------------------------------------------------------------
# Queries for boards and services


def standby_count(state: RotationState) -> int:
    """Salespeople waiting on site for visitors: present, free visit-group members and
    supporters (R-ROTA-05)."""
    busy = state.busy()
    present = state.present
    waiting = sum(1 for p in state.visit.order if p in present and p not in busy)
    return waiting + sum(1 for p in state.supporting if p in present and p not in busy)


def peek(state: RotationState, duty: DutyType) -> str | None:
    """Who would take the next regular reception of `duty` (当值), without changing anything."""
    pick = _select_in(state, duty, state.busy())
    return pick.person if pick else None


def next_supporter(state: RotationState) -> str | None:
    """Who the phone group would send next to support the visit group (R-ROTA-12)."""
    pick = _select_support(state, state.busy())
    return pick.person if pick else None


def replay(
    roster: DayRoster,
    events: Iterable[RotationEvent],
    *,
    carry: Carry | None = None,
    present: Iterable[str] | None = None,
) -> tuple[RotationState, tuple[Decision, ...]]:
    """Rebuild a day from its events: the same events always give the same decisions."""
    state = open_day(roster, carry=carry, present=present)
    decisions = []
    for event in events:
        outcome = decide(state, event)
        state = outcome.state
        decisions.append(outcome.decision)
    return state, tuple(decisions)


# ---------------------------------------------------------------------------------------------
# The engine


def decide(state: RotationState, event: RotationEvent) -> Outcome:
    """Apply one event: the new state and the decision. Raises `RotationError` (and changes
    nothing) for an event the rules refuse."""
    if state.last_at is not None and event.at < state.last_at:
        raise RotationError("事件时间不能早于上一事件", field="at")
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise RotationError("未知的轮序事件", field="event")
    draft = _Draft(state=state, at=event.at, busy=state.busy())
    handler(draft, event)
    return draft.finish()


@dataclass(slots=True)
class _Draft:
    """The decision being built for one event (internal, mutable for the duration of `decide`)."""

    state: RotationState
    at: dt.datetime
    busy: frozenset[str]
    kind: DecisionKind = DecisionKind.ASSIGNED
    ref: str = ""
    duty: DutyType | None = None
    assignee: str | None = None
    reason: ReasonCode | None = None
    counts: bool = False
    via: Via | None = None
    on_duty: str | None = None
    appointment: bool = False
    credits_used: list[Mark] = field(default_factory=list)
    credits_earned: list[Mark] = field(default_factory=list)
    skips_set: list[Mark] = field(default_factory=list)
    skips_consumed: list[Mark] = field(default_factory=list)
    passed: list[Pass] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    explanation: str = ""

    @property
    def roster(self) -> DayRoster:
        return self.state.roster

    def name(self, person: str | None) -> str:
        return self.state.roster.name(person)

    def warn(self, code: NoticeCode, message: str) -> None:
        self.warnings.append(Notice(code, message))

    def take(self, pick: _Pick) -> None:
        """Commit a pick of the visit or phone queue."""
        self._put(pick.queue)
        self.assignee = pick.person
        self.via = pick.via
        self.passed.extend(pick.passed)
        self.credits_used.extend(pick.credits_used)
        self.skips_consumed.extend(pick.skips_consumed)

    def receive(
        self,
        person: str,
        reason: ReasonCode,
        duty: DutyType,
        *,
        occupies: bool = True,
        credit: DutyType | None = None,
    ) -> None:
        """Record that `person` receives the party `self.ref` (busy until `VisitEnded`)."""
        reception = Reception(self.ref, person, duty, reason, occupies, credit)
        self.state = replace(self.state, receptions=(*self.state.receptions, reception))
        if occupies:
            self.busy = self.busy | {person}
        self.assignee = person
        self.reason = reason
        self.counts = COUNTS_AS_TURN[reason]

    def _put(self, queue: RotationQueue) -> None:
        if queue.duty is DutyType.VISIT:
            self.state = replace(self.state, visit=queue)
        else:
            self.state = replace(self.state, phone=queue)

    def add_skip(self, person: str, duty: DutyType) -> None:
        queue = self.state.queue(duty)
        self._put(replace(queue, skips=(*queue.skips, person)))
        self.skips_set.append(Mark(person, duty))

    def add_credit(self, person: str, duty: DutyType) -> None:
        queue = self.state.queue(duty)
        self._put(replace(queue, credits=(*queue.credits, person)))
        self.credits_earned.append(Mark(person, duty))

    def finish(self) -> Outcome:
        state = self.state
        settings = state.roster.settings
        standby = standby_count(state)
        low = standby < settings.min_standby
        if low and not state.standby_low:
            supporter = _select_support(state, state.busy())
            hint = f"(下一位支援:{self.name(supporter.person)})" if supporter else ""
            self.warn(
                NoticeCode.STANDBY_LOW,
                f"接访组等候值守的销售员不足{settings.min_standby}位(现{standby}位),"
                f"请报部门经理或值班经理安排接电组支持{hint}",
            )
        seq = state.seq + 1
        state = replace(state, standby_low=low, seq=seq, last_at=self.at)
        decision = Decision(
            seq=seq,
            at=self.at,
            kind=self.kind,
            ref=self.ref,
            duty=self.duty,
            assignee=self.assignee,
            reason_code=self.reason,
            counts_as_turn=self.counts,
            via=self.via,
            on_duty=self.on_duty,
            appointment=self.appointment,
            credits_used=tuple(self.credits_used),
            credits_earned=tuple(self.credits_earned),
            skips_set=tuple(self.skips_set),
            skips_consumed=tuple(self.skips_consumed),
            passed=tuple(self.passed),
            warnings=tuple(self.warnings),
            explanation_zh=self.explanation,
        )
        return Outcome(state, decision)


@dataclass(frozen=True, slots=True)
class _Pick:
    person: str
    via: Via
    queue: RotationQueue  # the queue once the pick is committed
    passed: tuple[Pass, ...] = ()
    credits_used: tuple[Mark, ...] = ()
    skips_consumed: tuple[Mark, ...] = ()


def _select(
    queue: RotationQueue,
    kind: QueueKind,
    eligible: Callable[[str], bool],
    why: Callable[[str], PassReason],
    *,
    use_credits: bool = True,
) -> _Pick | None:
    """The next receiver of `queue` (R-ROTA-16): oldest usable make-up credit first, else the
    first eligible person after the pointer; skip flags are consumed by the pass that meets them.
    None (and nothing consumed) when nobody in the queue is eligible."""
    members = queue.order
    if use_credits:
        for index, person in enumerate(queue.credits):
            if person in members and eligible(person):
                credits = queue.credits[:index] + queue.credits[index + 1 :]
                return _Pick(
                    person,
                    Via.CREDIT,
                    replace(queue, credits=credits),
                    credits_used=(Mark(person, queue.duty),),
                )
    if not any(eligible(p) for p in members):
        return None
    skips = list(queue.skips)
    passed: list[Pass] = []
    consumed: list[Mark] = []
    index, size = queue.pointer, len(members)
    while True:  # ends: an eligible person exists and every pass over a flag removes it
        index = (index + 1) % size
        person = members[index]
        if skips and person in skips:
            skips.remove(person)
            passed.append(Pass(person, kind, PassReason.SKIP_FLAG))
            consumed.append(Mark(person, queue.duty))
        elif not eligible(person):
            passed.append(Pass(person, kind, why(person)))
        else:
            return _Pick(
                person,
                Via.POINTER,
                replace(queue, pointer=index, skips=tuple(skips)),
                tuple(passed),
                (),
                tuple(consumed),
            )


def _checks(
    state: RotationState, busy: frozenset[str], *, phone: bool
) -> tuple[Callable[[str], bool], Callable[[str], PassReason]]:
    present, supporting = state.present, state.supporting

    def eligible(person: str) -> bool:
        return (
            person in present
            and person not in busy
            and not (phone and supporting and person in supporting)
        )

    def why(person: str) -> PassReason:
        if person not in present:
            return PassReason.ABSENT
        if person in busy:
            return PassReason.BUSY
        return PassReason.SUPPORTING

    return eligible, why


def _select_in(state: RotationState, duty: DutyType, busy: frozenset[str]) -> _Pick | None:
    phone = duty is DutyType.PHONE
    eligible, why = _checks(state, busy, phone=phone)
    kind = QueueKind.PHONE if phone else QueueKind.VISIT
    return _select(state.queue(duty), kind, eligible, why)


def _select_support(state: RotationState, busy: frozenset[str]) -> _Pick | None:
    eligible, why = _checks(state, busy, phone=True)
    queue = RotationQueue(DutyType.PHONE, state.phone.order, pointer=state.support_pointer)
    return _select(queue, QueueKind.SUPPORT, eligible, why, use_credits=False)


def _passes_text(draft: _Draft, passed: Sequence[Pass]) -> str:
    if not passed:
        return ""
    parts = "、".join(draft.name(p.person) + p.why.label for p in passed)
    return f"({parts},顺延)"


def _available(draft: _Draft, person: str | None) -> bool:
    return person is not None and person in draft.roster.on_duty and person in draft.state.present


def _require_on_duty(draft: _Draft, person: str, field_name: str) -> None:
    if person not in draft.roster.on_duty:
        raise RotationError(
            f"{draft.name(person)}今天不在值班安排中", field=field_name, code="forbidden"
        )


# -- presence ---------------------------------------------------------------------------------


def _on_check_in(draft: _Draft, event: CheckIn) -> None:
    _require_on_duty(draft, event.person, "person")
    if event.person in draft.state.present:
        raise RotationError(f"{draft.name(event.person)}已在岗", field="person", code="conflict")
    draft.state = replace(draft.state, present=draft.state.present | {event.person})
    draft.kind, draft.assignee = DecisionKind.CHECKED_IN, event.person
    draft.explanation = f"{draft.name(event.person)}到岗。"


def _on_check_out(draft: _Draft, event: CheckOut) -> None:
    person = event.person
    if person not in draft.state.present:
        raise RotationError(f"{draft.name(person)}不在岗", field="person", code="conflict")
    if person in draft.busy:
        raise RotationError(
            f"{draft.name(person)}正在接待中,接待完毕后再离岗", field="person", code="conflict"
        )
    if person in draft.state.supporting:
        raise RotationError(
            f"{draft.name(person)}正在支援接访组,请先归岗", field="person", code="conflict"
        )
    draft.state = replace(draft.state, present=draft.state.present - {person})
    draft.kind, draft.assignee = DecisionKind.CHECKED_OUT, person
    draft.explanation = f"{draft.name(person)}离岗。"


# -- visits -----------------------------------------------------------------------------------


def _on_visit(draft: _Draft, event: VisitArrived) -> None:
    state = draft.state
    if not event.ref:
        raise RotationError("缺少来访编号", field="ref")
    if any(r.ref == event.ref for r in state.receptions):
        raise RotationError("该来访正在接待中", field="ref", code="conflict")
    draft.ref, draft.duty = event.ref, DutyType.VISIT
    draft.appointment = event.appointment_with is not None
    purpose = VisitPurpose(event.purpose)
    if state.roster.media_open_day:
        draft.warn(NoticeCode.MEDIA_OPEN_DAY, "今天是媒体开放日,原则上不接待客户")
    if purpose is VisitPurpose.NON_SALES:
        _visit_non_sales(draft, event)
        return
    if event.appointment_with is not None:
        _visit_owner(draft, event, event.appointment_with, appointment=True)
    elif event.designated is not None:
        _visit_designated(draft, event, event.designated)
    elif event.registered_owner is not None:
        _visit_owner(draft, event, event.registered_owner, appointment=False)
    else:
        _visit_in_turn(draft, _PURPOSE_REASON[purpose], "")
    if draft.assignee is None:
        return
    settings = state.roster.settings
    if event.appointment_with is not None:
        count = draft.state.appointments + 1
        draft.state = replace(draft.state, appointments=count)
        if count > settings.appointments_per_day:
            draft.warn(
                NoticeCode.APPOINTMENTS_OVER,
                f"今日已接待预约客户{count}组,超过原则建议的每天{settings.appointments_per_day}组",
            )
    else:
        count = draft.state.walk_ins + 1
        draft.state = replace(draft.state, walk_ins=count)
        if count > settings.walkins_per_day:
            draft.warn(
                NoticeCode.WALKINS_OVER,
                f"今日已接待常态到访客户{count}组,超过一般接待量{settings.walkins_per_day}组",
            )


def _visit_non_sales(draft: _Draft, event: VisitArrived) -> None:
    """R-ROTA-07: received to standard, but 不占用接访名额: no turn, nothing consumed, and the
    receiver is not marked busy, so it can never cost anyone a turn."""
    receiver = event.receiver
    if receiver is not None:
        _require_on_duty(draft, receiver, "receiver")
    else:
        receiver = peek(draft.state, DutyType.VISIT) or next(
            (p for p in draft.state.supporting if p in draft.state.present), None
        )
    if receiver is None:
        draft.kind, draft.reason = DecisionKind.UNASSIGNED, ReasonCode.NON_SALES
        draft.warn(NoticeCode.NO_ONE_AVAILABLE, "暂无可接待的销售员")
        draft.explanation = "与销售无关的来访暂无销售员可接待,请其他岗位按标准接待。"
        return
    draft.receive(receiver, ReasonCode.NON_SALES, DutyType.VISIT, occupies=False)
    draft.via = Via.DIRECT
    draft.explanation = (
        f"与销售无关的来访(内部或关联单位咨询、问路等)由{draft.name(receiver)}按标准接待,"
        "不占用接访名额。"
    )


def _visit_in_turn(draft: _Draft, reason: ReasonCode, prefix: str) -> None:
    """The queue: credit, pointer, then phone-group supporters (R-ROTA-05/12/16)."""
    state = draft.state
    pick = _select_in(state, DutyType.VISIT, draft.busy)
    what = "来访" if reason is ReasonCode.NORMAL else f"{reason.label}来访"
    if pick is not None:
        draft.take(pick)
        draft.receive(pick.person, reason, DutyType.VISIT)
        name = draft.name(pick.person)
        if pick.via is Via.CREDIT:
            draft.explanation = (
                f"{prefix}{what}由{name}使用一次补充接访机会接待,计一轮接待,接访轮序不变。"
            )
        else:
            draft.explanation = f"{prefix}{what}按接访轮序由{name}接待,计一轮接待{_passes_text(draft, pick.passed)}。"
        return
    supporter = next(
        (p for p in state.supporting if p in state.present and p not in draft.busy), None
    )
    if supporter is not None:
        # Rotate among the supporters: the one who just received goes last.
        rest = tuple(p for p in state.supporting if p != supporter)
        draft.state = replace(draft.state, supporting=(*rest, supporter))
        draft.via = Via.SUPPORT
        draft.receive(supporter, ReasonCode.PHONE_SUPPORT, DutyType.VISIT)
        draft.explanation = (
            f"{prefix}接访组暂无空闲销售员,由支援接访组的{draft.name(supporter)}接待,计一轮接访。"
        )
        return
    drawn = _auto_support(draft) if state.roster.settings.auto_support else None
    if drawn is not None:
        draft.explanation = (
            f"{prefix}接访组暂无空闲销售员,以满足接访为第一原则,按接电组支援顺序安排"
            f"{draft.name(drawn)}支援并接待,计一轮接访"
            f"{_passes_text(draft, draft.passed)}。"
        )
        return
    draft.kind, draft.reason = DecisionKind.UNASSIGNED, reason
    draft.warn(NoticeCode.NO_ONE_AVAILABLE, "暂无空闲的销售员,请答复无法接待或请客户稍候")
    draft.explanation = f"{prefix}暂无空闲的销售员可接待,请答复无法接待或请客户稍候。"


def _auto_support(draft: _Draft) -> str | None:
    """R-ROTA-01: visits first. Draw the next supporter, but leave a phone-group member free to
    answer calls (R-ROTA-03). Returns the supporter, or None."""
    state = draft.state
    eligible, _ = _checks(state, draft.busy, phone=True)
    if sum(1 for p in state.phone.order if eligible(p)) < 2:
        return None
    pick = _select_support(state, draft.busy)
    if pick is None:  # cannot happen: two eligible phone members exist
        return None
    draft.state = replace(
        state, support_pointer=pick.queue.pointer, supporting=(*state.supporting, pick.person)
    )
    draft.passed.extend(pick.passed)
    draft.via = Via.SUPPORT
    draft.receive(pick.person, ReasonCode.PHONE_SUPPORT, DutyType.VISIT)
    draft.warn(
        NoticeCode.AUTO_SUPPORT,
        f"接访组无空闲销售员,已安排接电组{draft.name(pick.person)}支援,请值班经理知悉",
    )
    return pick.person


def _own_duty(draft: _Draft, person: str) -> DutyType | None:
    return draft.roster.duty_of(person)


def _visit_designated(draft: _Draft, event: VisitArrived, designated: str) -> None:
    """R-ROTA-10: the designated salesperson receives; not on duty → the next regular turn of
    his/her own queue is skipped once (A-ROTA-4). Unavailable → the queue, with a warning."""
    if not _available(draft, designated):
        draft.warn(
            NoticeCode.DESIGNATED_UNAVAILABLE,
            f"客户指定的{draft.name(designated)}不在岗,按轮序安排接待",
        )
        prefix = f"客户指定的{draft.name(designated)}不在岗,"
        _visit_in_turn(draft, _PURPOSE_REASON[VisitPurpose(event.purpose)], prefix)
        return
    pick = _select_in(draft.state, DutyType.VISIT, draft.busy)
    if pick is not None and pick.person == designated:
        draft.take(pick)
        draft.receive(designated, ReasonCode.DESIGNATED, DutyType.VISIT)
        draft.explanation = (
            f"客户指定的{draft.name(designated)}正是当值销售员,由其接待,计一轮接待"
            f"{_passes_text(draft, pick.passed)}。"
        )
        return
    on_duty = pick.person if pick else None
    draft.on_duty, draft.via = on_duty, Via.DIRECT
    draft.receive(designated, ReasonCode.DESIGNATED, DutyType.VISIT)
    own = _own_duty(draft, designated)
    skip = ""
    if own is not None:
        draft.add_skip(designated, own)
        skip = f",其下一轮{own.label}按轮空处理"
    keeps = f";当值{draft.name(on_duty)}保留轮次" if on_duty else ""
    draft.explanation = f"客户指定{draft.name(designated)}接待,计一轮接待{skip}{keeps}。"


def _visit_owner(draft: _Draft, event: VisitArrived, owner: str, *, appointment: bool) -> None:
    """An appointment (R-ROTA-06) or a returning registered client (R-ROTA-08) goes to its own
    salesperson; if he/she cannot receive, to a substitute (R-ROTA-09)."""
    if not (event.owner_available and _available(draft, owner)):
        _visit_substitute(draft, event, owner, appointment=appointment)
        return
    pick = _select_in(draft.state, DutyType.VISIT, draft.busy)
    on_duty = pick.person if pick else None
    name = draft.name(owner)
    keeps = f";当值{draft.name(on_duty)}保留轮次" if on_duty and on_duty != owner else ""
    if appointment:
        draft.on_duty, draft.via = on_duty, Via.DIRECT
        # Only a member of a sales group has a queue to make up (not a supervisor alone).
        in_group = owner in draft.roster.group_of
        credit = DutyType.VISIT if in_group else None
        draft.receive(owner, ReasonCode.APPOINTMENT, DutyType.VISIT, credit=credit)
        later = ",完成后补充一次接访机会" if in_group else ""
        draft.explanation = f"预约客户由预约销售员{name}接待,不计轮次{later}{keeps}。"
        return
    if pick is not None and pick.person == owner:
        draft.take(pick)
        draft.receive(owner, ReasonCode.RETURNING_CLIENT, DutyType.VISIT)
        draft.explanation = (
            f"已登记客户再次来访,原接待人员{name}正是当值销售员,由其接待,计一轮接待"
            f"{_passes_text(draft, pick.passed)}。"
        )
        return
    draft.on_duty, draft.via = on_duty, Via.DIRECT
    draft.receive(owner, ReasonCode.RETURNING_CLIENT, DutyType.VISIT)
    skip = ""
    own = _own_duty(draft, owner)
    if draft.roster.settings.returning_client_skips_next_turn and own is not None:
        draft.add_skip(owner, own)
        skip = f"(其下一轮{own.label}按轮空处理)"
    if on_duty:
        duty_name = draft.name(on_duty)
        draft.explanation = (
            f"已登记客户再次来访,当值{duty_name}先安排客户落座并通知原接待人员{name}接待;"
            f"{name}按一轮接待处理{skip},{duty_name}不计一轮接待、保留轮次。"
        )
    else:
        draft.explanation = f"已登记客户再次来访,由原接待人员{name}接待,按一轮接待处理{skip}。"


def _visit_substitute(draft: _Draft, event: VisitArrived, owner: str, *, appointment: bool) -> None:
    roster, state = draft.roster, draft.state
    owner_group = roster.group_of.get(owner)
    substitute = event.substitute
    if substitute is not None:
        _require_on_duty(draft, substitute, "substitute")
        allowed = substitute in roster.supervisors or (
            roster.group_of.get(substitute) == owner_group
            if owner_group is not None
            else substitute in roster.group_of
        )
        if substitute == owner or not allowed:
            raise RotationError(
                "代接人须为主管或原接待人员同组的销售员", field="substitute", code="invalid"
            )
        if substitute not in state.present:
            raise RotationError(
                f"{draft.name(substitute)}不在岗", field="substitute", code="conflict"
            )
    else:
        substitute = _default_substitute(draft, owner, owner_group)
    whose = "预约销售员" if appointment else "原接待人员"
    if substitute is None:
        draft.warn(
            NoticeCode.NO_SUBSTITUTE,
            f"{whose}{draft.name(owner)}无法接待,且无主管或同组销售员可代接,按轮序安排接待",
        )
        reason = _PURPOSE_REASON[VisitPurpose(event.purpose)]
        _visit_in_turn(draft, reason, f"{whose}{draft.name(owner)}无法接待且无人代接,")
        return
    draft.warn(
        NoticeCode.ORIGINAL_UNAVAILABLE,
        f"{whose}{draft.name(owner)}无法接待,由{draft.name(substitute)}代接",
    )
    pick = _select_in(state, DutyType.VISIT, draft.busy)
    draft.on_duty = pick.person if pick else None
    draft.via = Via.DIRECT
    if substitute in roster.supervisors:
        # A-ROTA-3: a supervisor substituting is charged no turn and earns no credit.
        draft.receive(substitute, ReasonCode.SUBSTITUTE, DutyType.VISIT)
        draft.explanation = (
            f"{whose}{draft.name(owner)}无法接待,由主管{draft.name(substitute)}代替接待,"
            "不计轮次,无补充机会。"
        )
        return
    draft.receive(substitute, ReasonCode.SUBSTITUTE, DutyType.VISIT, credit=DutyType.VISIT)
    draft.explanation = (
        f"{whose}{draft.name(owner)}无法接待,主管安排同组{draft.name(substitute)}代接,"
        "不计轮次,完成后补充一次接访机会。"
    )


def _default_substitute(draft: _Draft, owner: str, owner_group: str | None) -> str | None:
    """The supervisor's default choice: the next free member of the owner's group after the
    owner (group order), else a free supervisor."""
    state, roster = draft.state, draft.roster
    if owner_group is not None:
        members = roster.group(owner_group).members
        start = members.index(owner)
        for step in range(1, len(members)):
            person = members[(start + step) % len(members)]
            if (
                person in roster.on_duty
                and person in state.present
                and person not in draft.busy
                and person not in state.supporting
            ):
                return person
    for person in roster.supervisors:
        if person != owner and person in state.present and person not in draft.busy:
            return person
    return None


def _on_visit_ended(draft: _Draft, event: VisitEnded) -> None:
    receptions = draft.state.receptions
    index = next((i for i, r in enumerate(receptions) if r.ref == event.ref), None)
    if index is None:
        raise RotationError("没有进行中的这次接待", field="ref", code="not_found")
    reception = receptions[index]
    draft.state = replace(draft.state, receptions=receptions[:index] + receptions[index + 1 :])
    draft.kind, draft.ref, draft.duty = DecisionKind.COMPLETED, event.ref, reception.duty
    draft.assignee, draft.reason = reception.person, reception.reason
    name = draft.name(reception.person)
    if event.completed and reception.credit_on_completion is not None:
        draft.add_credit(reception.person, reception.credit_on_completion)
        label = reception.credit_on_completion.label
        draft.explanation = f"{name}完成{reception.reason.label},补充一次{label}机会。"
    elif event.completed:
        draft.explanation = f"{name}完成接待。"
    else:
        draft.explanation = f"{name}的接待未完成(客户提前离开),不补充机会。"


# -- calls ------------------------------------------------------------------------------------


def _on_call(draft: _Draft, event: IncomingCall) -> None:
    if not event.ref:
        raise RotationError("缺少来电编号", field="ref")
    draft.ref, draft.duty = event.ref, DutyType.PHONE
    state = draft.state
    pick = _select_in(state, DutyType.PHONE, draft.busy)
    if not event.answered:
        # R-ROTA-13: only an unanswered call does not count; the on-duty person keeps the turn.
        draft.kind, draft.reason, draft.counts = (
            DecisionKind.UNASSIGNED,
            ReasonCode.UNANSWERED,
            False,
        )
        draft.assignee = draft.on_duty = pick.person if pick else None
        draft.warn(NoticeCode.CALL_UNANSWERED, "来电无人应答,接电组须确保来电接听")
        who = f",当值{draft.name(draft.assignee)}保留轮次" if draft.assignee else ""
        draft.explanation = f"来电无人应答,不计轮次{who}。"
        return
    designated = event.designated
    if designated is not None and not _available(draft, designated):
        draft.warn(
            NoticeCode.DESIGNATED_UNAVAILABLE,
            f"来电指定的{draft.name(designated)}不在岗,按接电轮序接听",
        )
        designated = None
    if designated is not None and not (pick is not None and pick.person == designated):
        draft.on_duty, draft.via = (pick.person if pick else None), Via.DIRECT
        draft.assignee, draft.reason = designated, ReasonCode.DESIGNATED
        draft.counts = COUNTS_AS_TURN[ReasonCode.DESIGNATED]
        skip = ""
        if designated in state.roster.phone_members:
            draft.add_skip(designated, DutyType.PHONE)
            skip = ",其下一轮接电按轮空处理"
        keeps = f";当值{draft.name(draft.on_duty)}保留轮次" if draft.on_duty else ""
        draft.explanation = f"来电指定{draft.name(designated)}接听,计一轮接电{skip}{keeps}。"
        return
    if pick is None:
        draft.kind, draft.reason = DecisionKind.UNASSIGNED, ReasonCode.NORMAL
        draft.warn(NoticeCode.PHONE_UNCOVERED, "接电组暂无在岗人员接听来电")
        draft.explanation = "接电组暂无在岗人员,来电未能按轮序安排接听。"
        return
    draft.take(pick)
    draft.reason = ReasonCode.DESIGNATED if designated else ReasonCode.NORMAL
    draft.counts = COUNTS_AS_TURN[draft.reason]
    name = draft.name(pick.person)
    if pick.via is Via.CREDIT:
        draft.explanation = f"{name}使用一次补充接电机会接听来电,计一轮接电,接电轮序不变。"
    else:
        draft.explanation = (
            f"来电按接电轮序由{name}接听,无论来电意图均计一轮接电"
            f"{_passes_text(draft, pick.passed)}。"
        )


# -- phone-group support ----------------------------------------------------------------------


def _on_support_requested(draft: _Draft, event: SupportRequested) -> None:
    roster = draft.roster
    if event.requested_by not in roster.managers:
        raise RotationError(
            "只有部门经理或值班经理可以安排接电组支持", field="requested_by", code="forbidden"
        )
    draft.kind, draft.duty = DecisionKind.SUPPORT_STARTED, DutyType.VISIT
    draft.reason = ReasonCode.PHONE_SUPPORT
    pick = _select_support(draft.state, draft.busy)
    if pick is None:
        draft.kind = DecisionKind.UNASSIGNED
        draft.warn(NoticeCode.NO_ONE_AVAILABLE, "接电组暂无空闲人员可支援接访组")
        draft.explanation = "接电组暂无空闲人员可支援接访组。"
        return
    state = draft.state
    draft.state = replace(
        state, support_pointer=pick.queue.pointer, supporting=(*state.supporting, pick.person)
    )
    draft.assignee, draft.via = pick.person, Via.SUPPORT
    draft.passed.extend(pick.passed)
    eligible, _ = _checks(draft.state, draft.busy, phone=True)
    if not any(eligible(p) for p in state.phone.order):
        draft.warn(NoticeCode.PHONE_UNCOVERED, "接电组已无空闲人员接听来电,请注意来电接听")
    draft.explanation = (
        f"{draft.name(event.requested_by)}安排接电组{draft.name(pick.person)}支援接访组,"
        f"支援顺序顺延(无论实际接待与否){_passes_text(draft, pick.passed)}。"
    )


def _on_support_ended(draft: _Draft, event: SupportEnded) -> None:
    person = event.person
    state = draft.state
    if person not in state.supporting:
        raise RotationError(f"{draft.name(person)}未在支援接访组", field="person", code="conflict")
    if person in draft.busy:
        raise RotationError(
            f"{draft.name(person)}正在接待中,接待完毕后再归岗", field="person", code="conflict"
        )
    draft.state = replace(state, supporting=tuple(p for p in state.supporting if p != person))
    draft.kind, draft.duty, draft.assignee = DecisionKind.SUPPORT_ENDED, DutyType.PHONE, person
    draft.reason = ReasonCode.PHONE_SUPPORT
    draft.add_credit(person, DutyType.PHONE)
    draft.explanation = f"{draft.name(person)}支援接访组后归岗接电,补充一次接电机会。"


_HANDLERS: Final[Mapping[type, Callable[[_Draft, Any], None]]] = MappingProxyType(
    {
        CheckIn: _on_check_in,
        CheckOut: _on_check_out,
        VisitArrived: _on_visit,
        VisitEnded: _on_visit_ended,
        IncomingCall: _on_call,
        SupportRequested: _on_support_requested,
        SupportEnded: _on_support_ended,
    }
)
