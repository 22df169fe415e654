"""Values of the rotation queue engine (接待规则, SPEC §5.1): reason codes with their Chinese labels
and whether they count as a turn, the queue and day state, the events the engine takes and the
decision (turn record, 接待轮次) it returns. The rules themselves are in `rotation`.

Pure Python: no Django, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from propdesk.reception.domain.rotation_roster import DayRoster, DutyType

# ---------------------------------------------------------------------------------------------
# Codes


class ReasonCode(StrEnum):
    """Reason code of a turn record (SPEC §5.1 接待轮次)."""

    NORMAL = "normal"  # 正常: the next turn in the queue
    APPOINTMENT = "appointment"  # 预约接待: R-ROTA-06, earns a make-up visit credit
    RETURNING_CLIENT = "returning_client"  # 原接待人员回访: R-ROTA-08
    DESIGNATED = "designated"  # 指定接待: R-ROTA-10
    SUBSTITUTE = "substitute"  # 代接(主管/组员): R-ROTA-09
    NON_SALES = "non_sales"  # 非销售接待: R-ROTA-07, no turn
    MARKET_RESEARCH = "market_research"  # 市场调研: R-ROTA-07, counts
    FOR_FRIENDS = "for_friends"  # 为亲友咨询: R-ROTA-07, counts
    PHONE_SUPPORT = "phone_support"  # 接电组支援: R-ROTA-05/11/12
    UNANSWERED = "unanswered"  # 电话无应答: R-ROTA-13, no turn

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS: Final[Mapping[ReasonCode, str]] = MappingProxyType(
    {
        ReasonCode.NORMAL: "正常",
        ReasonCode.APPOINTMENT: "预约接待",
        ReasonCode.RETURNING_CLIENT: "原接待人员回访",
        ReasonCode.DESIGNATED: "指定接待",
        ReasonCode.SUBSTITUTE: "代接(主管/组员)",
        ReasonCode.NON_SALES: "非销售接待",
        ReasonCode.MARKET_RESEARCH: "市场调研",
        ReasonCode.FOR_FRIENDS: "为亲友咨询",
        ReasonCode.PHONE_SUPPORT: "接电组支援",
        ReasonCode.UNANSWERED: "电话无应答",
    }
)

# Whether a reception with this reason counts as one turn (计为一轮接待) for its receiver.
COUNTS_AS_TURN: Final[Mapping[ReasonCode, bool]] = MappingProxyType(
    {
        ReasonCode.NORMAL: True,
        ReasonCode.APPOINTMENT: False,  # R-ROTA-06: made up by a credit instead
        ReasonCode.RETURNING_CLIENT: True,  # R-ROTA-08: 原接待人员按一轮接待处理
        ReasonCode.DESIGNATED: True,  # R-ROTA-10
        ReasonCode.SUBSTITUTE: False,  # R-ROTA-09 / A-ROTA-3: the client is not theirs
        ReasonCode.NON_SALES: False,  # R-ROTA-07: 不占用接访名额
        ReasonCode.MARKET_RESEARCH: True,  # R-ROTA-07: 计为一轮接待
        ReasonCode.FOR_FRIENDS: True,  # R-ROTA-07
        ReasonCode.PHONE_SUPPORT: True,  # a visitor received by a supporter is a visit turn
        ReasonCode.UNANSWERED: False,  # R-ROTA-13
    }
)


class VisitPurpose(StrEnum):
    """Why the party came (R-ROTA-07)."""

    SALES = "sales"  # to see the homes: a regular reception
    NON_SALES = "non_sales"  # internal / affiliated enquiry, asking the way …
    MARKET_RESEARCH = "market_research"  # 市场调研
    FOR_FRIENDS = "for_friends"  # 为亲友咨询


class DecisionKind(StrEnum):
    ASSIGNED = "assigned"  # somebody receives the visitor / answers the call
    UNASSIGNED = "unassigned"  # nobody: an unanswered call, or nobody free for a visitor
    SUPPORT_STARTED = "support_started"  # a phone-group member joins the visit group
    SUPPORT_ENDED = "support_ended"  # … and returns to phone duty
    COMPLETED = "completed"  # a reception ended
    CHECKED_IN = "checked_in"  # 到岗
    CHECKED_OUT = "checked_out"  # 离岗


class Via(StrEnum):
    """How the receiver was chosen."""

    POINTER = "pointer"  # the next regular turn; the pointer moves to the receiver
    CREDIT = "credit"  # a make-up credit; the pointer stays
    DIRECT = "direct"  # appointment / original / designated / substitute; the pointer stays
    SUPPORT = "support"  # a phone-group supporter of the visit group


class QueueKind(StrEnum):
    VISIT = "visit"  # 接访轮序
    PHONE = "phone"  # 接电轮序
    SUPPORT = "support"  # 接电组支援顺序 (R-ROTA-12): the phone group's order, its own pointer


class PassReason(StrEnum):
    """Why the pointer went past somebody (each pass costs that person the turn)."""

    ABSENT = "absent"  # 不在岗
    BUSY = "busy"  # 接待中
    SUPPORTING = "supporting"  # 支援接访组 (phone queue only)
    SKIP_FLAG = "skip_flag"  # 轮空: the skip flag is consumed by this pass

    @property
    def label(self) -> str:
        return PASS_LABELS[self]


PASS_LABELS: Final[Mapping[PassReason, str]] = MappingProxyType(
    {
        PassReason.ABSENT: "不在岗",
        PassReason.BUSY: "接待中",
        PassReason.SUPPORTING: "支援接访组",
        PassReason.SKIP_FLAG: "轮空",
    }
)


class NoticeCode(StrEnum):
    """Warnings and alerts attached to a decision; none of them blocks (R-ROTA-02 "warn")."""

    STANDBY_LOW = "standby_low"  # R-ROTA-05: fewer than min_standby waiting in the visit group
    APPOINTMENTS_OVER = "appointments_over"  # R-ROTA-02: more than 2 appointment groups today
    WALKINS_OVER = "walkins_over"  # R-ROTA-02: more than 8 walk-in groups today
    MEDIA_OPEN_DAY = "media_open_day"  # R-ROTA-15: clients are in principle not received
    DESIGNATED_UNAVAILABLE = "designated_unavailable"  # R-ROTA-10: falls back to the queue
    ORIGINAL_UNAVAILABLE = "original_unavailable"  # R-ROTA-09: a substitute receives
    NO_SUBSTITUTE = "no_substitute"  # R-ROTA-09: nobody to substitute, falls back to the queue
    NO_ONE_AVAILABLE = "no_one_available"  # nobody free: answer 无法接待 or ask to wait
    AUTO_SUPPORT = "auto_support"  # R-ROTA-01: a phone-group supporter was drawn for a visitor
    PHONE_UNCOVERED = "phone_uncovered"  # R-ROTA-03: nobody left free to answer calls
    CALL_UNANSWERED = "call_unanswered"  # R-ROTA-03/13: the phone group must answer every call


@dataclass(frozen=True, slots=True)
class Notice:
    code: NoticeCode
    message: str  # Chinese, ready to show


@dataclass(frozen=True, slots=True)
class Pass:
    """The pointer of `queue` went past `person` for `why`."""

    person: str
    queue: QueueKind
    why: PassReason


@dataclass(frozen=True, slots=True)
class Mark:
    """One make-up credit or one skip flag of `person` in the queue of `duty`."""

    person: str
    duty: DutyType


# ---------------------------------------------------------------------------------------------
# State


@dataclass(frozen=True, slots=True)
class RotationQueue:
    """One duty's queue (轮值顺序): `order` of the working members, `pointer` = index of the last
    regular receiver (-1 before the first), make-up `credits` in the order earned (one entry per
    credit) and `skips` (one entry per skip flag). Credits and skips may belong to people on duty
    today in the other duty; they wait (and carry over, see `close_day`) until usable."""

    duty: DutyType
    order: tuple[str, ...]
    pointer: int = -1
    credits: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reception:
    """A reception in progress. `occupies` is False for a non-sales reception (it never costs its
    receiver a turn, R-ROTA-07); `credit_on_completion` is the duty of the make-up credit the
    receiver earns when it completes (R-ROTA-06, R-ROTA-09)."""

    ref: str
    person: str
    duty: DutyType
    reason: ReasonCode
    occupies: bool = True
    credit_on_completion: DutyType | None = None


@dataclass(frozen=True, slots=True)
class RotationState:
    """Everything the engine knows about the day so far. Only people on duty today (working
    group members and supervisors) ever appear in it."""

    roster: DayRoster
    visit: RotationQueue
    phone: RotationQueue
    support_pointer: int = -1  # R-ROTA-12: own order over the phone group
    present: frozenset[str] = frozenset()
    receptions: tuple[Reception, ...] = ()
    supporting: tuple[str, ...] = ()  # phone-group members now supporting the visit group
    appointments: int = 0  # appointment parties received today (R-ROTA-02)
    walk_ins: int = 0  # walk-in sales parties received today (R-ROTA-02)
    standby_low: bool = False  # the standby alert is raised (edge-triggered, R-ROTA-05)
    seq: int = 0  # decisions so far
    last_at: dt.datetime | None = None

    def queue(self, duty: DutyType) -> RotationQueue:
        return self.visit if duty is DutyType.VISIT else self.phone

    def busy(self) -> frozenset[str]:
        return frozenset(r.person for r in self.receptions if r.occupies)


@dataclass(frozen=True, slots=True)
class Carry:
    """Make-up credits and skip flags not yet used, carried from day to day (one `Mark` each, in
    the order earned). Pass the same `Carry` to `open_day` and `close_day`: entries of people not
    on duty today are kept untouched."""

    credits: tuple[Mark, ...] = ()
    skips: tuple[Mark, ...] = ()


# ---------------------------------------------------------------------------------------------
# Events (all carry the time they happened; nothing reads the clock)


@dataclass(frozen=True, slots=True)
class CheckIn:
    at: dt.datetime
    person: str


@dataclass(frozen=True, slots=True)
class CheckOut:
    at: dt.datetime
    person: str


@dataclass(frozen=True, slots=True)
class VisitArrived:
    """A party to be received. At most one of the routes applies, in this order: non-sales
    purpose (R-ROTA-07), appointment with a salesperson (R-ROTA-06), a designated salesperson
    (R-ROTA-10), a returning registered client with its original salesperson (R-ROTA-08), else
    the queue. `owner_available=False` says the appointment's or original salesperson cannot
    receive; `substitute` is the supervisor's choice of who receives instead (R-ROTA-09);
    `receiver` is who received a non-sales party (default: whoever is on duty)."""

    at: dt.datetime
    ref: str
    purpose: VisitPurpose = VisitPurpose.SALES
    appointment_with: str | None = None
    designated: str | None = None
    registered_owner: str | None = None
    owner_available: bool = True
    substitute: str | None = None
    receiver: str | None = None


@dataclass(frozen=True, slots=True)
class VisitEnded:
    """The reception `ref` is over; `completed=False` (the client left early) earns no credit."""

    at: dt.datetime
    ref: str
    completed: bool = True


@dataclass(frozen=True, slots=True)
class IncomingCall:
    """An incoming call (R-ROTA-13): answered or not; `designated` when the caller asked for a
    salesperson by name (R-ROTA-10 "同样适用于接电组员工")."""

    at: dt.datetime
    ref: str
    answered: bool = True
    designated: str | None = None


@dataclass(frozen=True, slots=True)
class SupportRequested:
    """The department manager or duty manager arranges phone-group support (R-ROTA-05)."""

    at: dt.datetime
    requested_by: str


@dataclass(frozen=True, slots=True)
class SupportEnded:
    """A supporter returns to phone duty (归岗) and earns a make-up phone credit (R-ROTA-11)."""

    at: dt.datetime
    person: str


RotationEvent = (
    CheckIn | CheckOut | VisitArrived | VisitEnded | IncomingCall | SupportRequested | SupportEnded
)


# ---------------------------------------------------------------------------------------------
# Decision


@dataclass(frozen=True, slots=True)
class Decision:
    """One turn record (接待轮次) or state change, with its reason and a Chinese explanation."""

    seq: int
    at: dt.datetime
    kind: DecisionKind
    ref: str = ""
    duty: DutyType | None = None
    assignee: str | None = None
    reason_code: ReasonCode | None = None
    counts_as_turn: bool = False
    via: Via | None = None
    on_duty: str | None = None  # who was on duty and kept the turn (out-of-turn receptions)
    appointment: bool = False  # the party came by appointment (预约模式)
    credits_used: tuple[Mark, ...] = ()
    credits_earned: tuple[Mark, ...] = ()
    skips_set: tuple[Mark, ...] = ()
    skips_consumed: tuple[Mark, ...] = ()
    passed: tuple[Pass, ...] = ()
    warnings: tuple[Notice, ...] = ()
    explanation_zh: str = ""

    def to_record(self) -> dict[str, Any]:
        """Plain JSON-ready values, e.g. for a turn-record row or a timeline note."""

        def marks(items: tuple[Mark, ...]) -> list[dict[str, str]]:
            return [{"person": m.person, "duty": str(m.duty)} for m in items]

        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "kind": str(self.kind),
            "ref": self.ref,
            "duty": str(self.duty) if self.duty else None,
            "assignee": self.assignee,
            "reason_code": str(self.reason_code) if self.reason_code else None,
            "reason_label": self.reason_code.label if self.reason_code else "",
            "counts_as_turn": self.counts_as_turn,
            "via": str(self.via) if self.via else None,
            "on_duty": self.on_duty,
            "appointment": self.appointment,
            "credits_used": marks(self.credits_used),
            "credits_earned": marks(self.credits_earned),
            "skips_set": marks(self.skips_set),
            "skips_consumed": marks(self.skips_consumed),
            "passed": [
                {"person": p.person, "queue": str(p.queue), "why": str(p.why)} for p in self.passed
            ],
            "warnings": [{"code": str(n.code), "message": n.message} for n in self.warnings],
            "explanation_zh": self.explanation_zh,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    state: RotationState
    decision: Decision
