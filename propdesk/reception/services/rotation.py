"""The rotation queue at work (接待规则, SPEC §5, R-ROTA-05..13, 16, 17): opening a day, reporting
what happens on the floor (a visitor, a call, a check-in, support …) and getting the engine's
decision, the rotation board and the daily report (接待轮次日报, RPT-01).

How a decision is made (R-ROTA-16). The day's row (`RotaDay`) is locked, the day's events are
replayed over the roster frozen when it opened (the state is never stored, so it can never drift
from its history), the engine (`domain.rotation.decide`) decides the new event, and the event
with its decision is appended as `TurnRecord` number `seq + 1`. The lock serialises the floor: two
visitors reported at the same instant are decided one after the other, so they never get the same
salesperson and no turn is lost. A process keeps the last state it computed per day, so a
decision replays nothing when the process made the previous one.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from propdesk.core.models import Project, Staff
from propdesk.core.services.timeline import record_event
from propdesk.reception import realtime
from propdesk.reception.domain.rotation import close_day as domain_close_day
from propdesk.reception.domain.rotation import decide, open_day
from propdesk.reception.domain.rotation_model import (
    Carry,
    CheckIn,
    CheckOut,
    Decision,
    DecisionKind,
    IncomingCall,
    Mark,
    RotationEvent,
    RotationState,
    SupportEnded,
    SupportRequested,
    VisitArrived,
    VisitEnded,
    VisitPurpose,
)
from propdesk.reception.domain.rotation_report import Board, DaySummary, queue_board, summarise_day
from propdesk.reception.domain.rotation_roster import DayRoster, DutyType, RotationError
from propdesk.reception.models import Visit
from propdesk.reception.models_rotation import (
    Appointment,
    ClientCard,
    RotaDay,
    RotaDayState,
    TurnRecord,
)
from propdesk.reception.services.rotation_setup import (
    check_roster,
    floor_project,
    plan_day,
    roster_from_inputs,
)

BOARD = realtime.ROTATION  # the push channel of the rotation pages (`?post=ROTA`)

EVENT_KINDS = (
    "check_in",
    "check_out",
    "visit",
    "visit_ended",
    "call",
    "support_requested",
    "support_ended",
)


# --- errors -------------------------------------------------------------------------------------
def _translate(exc: RotationError) -> DomainError:
    if exc.code == "forbidden":
        return Forbidden(exc.message)
    if exc.code == "conflict":
        return Conflict(exc.message)
    if exc.code == "not_found":
        return ValidationFailed(exc.message, fields={exc.field or "__all__": [exc.message]})
    return ValidationFailed(exc.message, fields={exc.field or "__all__": [exc.message]})


# --- carry (credits and skip flags from one day to the next) -------------------------------------
def carry_to_json(carry: Carry) -> dict[str, list[dict[str, str]]]:
    def marks(items: tuple[Mark, ...]) -> list[dict[str, str]]:
        return [{"person": m.person, "duty": str(m.duty)} for m in items]

    return {"credits": marks(carry.credits), "skips": marks(carry.skips)}


def carry_from_json(data: Mapping[str, Any] | None) -> Carry:
    data = data or {}

    def marks(items: Any) -> tuple[Mark, ...]:
        return tuple(Mark(str(i["person"]), DutyType(i["duty"])) for i in items or ())

    return Carry(credits=marks(data.get("credits")), skips=marks(data.get("skips")))


# --- events as stored -----------------------------------------------------------------------------
def _event(kind: str, at: dt.datetime, data: Mapping[str, Any]) -> RotationEvent:
    """The domain event of a stored turn record (the inverse of what `report` stores)."""
    if kind == "check_in":
        return CheckIn(at, data["person"])
    if kind == "check_out":
        return CheckOut(at, data["person"])
    if kind == "visit":
        return VisitArrived(
            at,
            data["ref"],
            purpose=VisitPurpose(data.get("purpose", "sales")),
            appointment_with=data.get("appointment_with"),
            designated=data.get("designated"),
            registered_owner=data.get("registered_owner"),
            owner_available=data.get("owner_available", True),
            substitute=data.get("substitute"),
            receiver=data.get("receiver"),
        )
    if kind == "visit_ended":
        return VisitEnded(at, data["ref"], completed=data.get("completed", True))
    if kind == "call":
        return IncomingCall(
            at, data["ref"], answered=data.get("answered", True), designated=data.get("designated")
        )
    if kind == "support_requested":
        return SupportRequested(at, data["requested_by"])
    if kind == "support_ended":
        return SupportEnded(at, data["person"])
    raise ValidationFailed(fields={"event": [_("Choose one of the listed options")]})


# --- the day's state: replay with a per-process cache ----------------------------------------------
@dataclass(frozen=True)
class _Cached:
    seq: int
    roster: DayRoster
    state: RotationState


_CACHE: OrderedDict[int, _Cached] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def _remember(day_pk: int, entry: _Cached) -> None:
    with _CACHE_LOCK:
        _CACHE[day_pk] = entry
        _CACHE.move_to_end(day_pk)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def forget_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def replay_day(rota_day: RotaDay) -> tuple[DayRoster, RotationState, list[Decision]]:
    """The day's roster, current state and every decision, rebuilt from its turn records."""
    roster = roster_from_inputs(rota_day.roster)
    state = open_day(roster, carry=carry_from_json(rota_day.carry_in))
    decisions = []
    for record in rota_day.records.order_by("seq").only("seq", "at", "event", "event_data"):
        outcome = decide(state, _event(record.event, record.at, record.event_data))
        state = outcome.state
        decisions.append(outcome.decision)
    _remember(rota_day.pk, _Cached(rota_day.seq, roster, state))
    return roster, state, decisions


def current_state(rota_day: RotaDay) -> tuple[DayRoster, RotationState]:
    """The state after the day's last record (from the cache when it is current)."""
    with _CACHE_LOCK:
        cached = _CACHE.get(rota_day.pk)
    if cached is not None and cached.seq == rota_day.seq:
        return cached.roster, cached.state
    roster, state, _decisions = replay_day(rota_day)
    return roster, state


# --- opening and closing a day ---------------------------------------------------------------------
def _last_carry(project: Project, day: dt.date) -> Carry:
    previous = (
        RotaDay.objects.filter(project=project, day__lt=day, state=RotaDayState.CLOSED)
        .order_by("-day")
        .only("carry_out")
        .first()
    )
    return carry_from_json(previous.carry_out if previous else None)


@transaction.atomic
def open_rota_day(
    *, actor: Staff, project_id: Any, day: dt.date | None = None, now: dt.datetime | None = None
) -> RotaDay:
    """Open a day: its roster is checked (R-ROTA-01..05) and frozen, and the make-up credits and
    skip flags still outstanding when the last day closed are carried in (R-ROTA-06/10/11). A day
    not planned yet is planned with the defaults (alternating duties) first; an earlier day still
    open is closed first."""
    project = floor_project(actor, project_id, P.SUPERVISE_RECEPTION)
    at = now or timezone.now()
    day = day or timezone.localdate(at)
    rota_day = RotaDay.objects.select_for_update().filter(project=project, day=day).first()
    if rota_day is None:
        rota_day = plan_day(actor=actor, project_id=project.pk, day=day)
    if rota_day.state != RotaDayState.PLANNED:
        raise TransitionNotAllowed(_("The day is already open"))
    # A day left open (nobody closed it) is closed now, so its credits and skips carry on.
    for stale in RotaDay.objects.select_for_update().filter(
        project=project, day__lt=day, state=RotaDayState.OPEN
    ):
        close_rota_day(actor=actor, rota_day_id=stale.pk, now=at)
    inputs, roster = check_roster(project, rota_day)
    rota_day.roster = inputs
    rota_day.carry_in = carry_to_json(_last_carry(project, day))
    rota_day.state, rota_day.opened_at, rota_day.opened_by = RotaDayState.OPEN, at, actor
    rota_day.save()
    record_event(
        entity=rota_day,
        action="rota.day_opened",
        actor=actor,
        project_id=project.pk,
        from_state=RotaDayState.PLANNED,
        to_state=RotaDayState.OPEN,
        at=at,
        data={"warnings": [w.message for w in roster.warnings]},
    )
    _publish(rota_day)
    return rota_day


@transaction.atomic
def close_rota_day(*, actor: Staff, rota_day_id: Any, now: dt.datetime | None = None) -> RotaDay:
    """Close a day: what is still outstanding (credits, skip flags) carries on to the next day."""
    rota_day = _lock_day(actor, rota_day_id, P.SUPERVISE_RECEPTION)
    if rota_day.state != RotaDayState.OPEN:
        raise TransitionNotAllowed(_("Only an open day can be closed"))
    _roster, state, _decisions = replay_day(rota_day)
    carry = domain_close_day(state, carry_from_json(rota_day.carry_in))
    at = now or timezone.now()
    rota_day.carry_out = carry_to_json(carry)
    rota_day.state, rota_day.closed_at, rota_day.closed_by = RotaDayState.CLOSED, at, actor
    rota_day.save(update_fields=["carry_out", "state", "closed_at", "closed_by"])
    record_event(
        entity=rota_day,
        action="rota.day_closed",
        actor=actor,
        project_id=rota_day.project_id,
        from_state=RotaDayState.OPEN,
        to_state=RotaDayState.CLOSED,
        at=at,
        data=rota_day.carry_out,
    )
    _publish(rota_day)
    return rota_day


def _lock_day(actor: Staff, rota_day_id: Any, perm: str) -> RotaDay:
    try:
        pk = int(rota_day_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    rota_day = RotaDay.objects.select_for_update().filter(pk=pk).first()
    if rota_day is None or not access.has_perm(actor, rota_day.project_id, P.VIEW_RECEPTION):
        raise NotFound()
    access.require(actor, rota_day.project_id, perm)
    return rota_day


def today_of(actor: Staff, project_id: Any, day: dt.date | None = None) -> RotaDay | None:
    """The project's rotation day for `day` (default today), or None when not planned."""
    project = floor_project(actor, project_id, P.VIEW_RECEPTION)
    return RotaDay.objects.filter(project=project, day=day or timezone.localdate()).first()


# --- reporting what happens on the floor ------------------------------------------------------------
def _person(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return str(int(value))
    except (TypeError, ValueError):
        raise ValidationFailed(fields={field: [_("Choose a salesperson on duty today")]}) from None


def _event_data(
    kind: str, data: Mapping[str, Any], *, actor: Staff, project_id: int, seq: int
) -> tuple[dict[str, Any], Visit | None]:
    """Clean the floor's report into the stored event data (people as staff-id strings); link
    the visit, client card or appointment it names."""
    visit = None
    if kind in ("check_in", "check_out", "support_ended"):
        person = _person(data.get("person"), "person") or str(actor.pk)
        return {"person": person}, None
    if kind == "support_requested":
        return {"requested_by": str(actor.pk)}, None
    if kind == "call":
        return {
            "ref": str(data.get("ref") or f"C{seq + 1}")[:40],
            "answered": bool(data.get("answered", True)),
            "designated": _person(data.get("designated"), "designated"),
        }, None
    if kind == "visit_ended":
        ref = str(data.get("ref") or "").strip()
        if not ref:
            raise ValidationFailed(fields={"ref": [_("This field is required")]})
        return {"ref": ref[:40], "completed": bool(data.get("completed", True))}, None
    if kind != "visit":
        raise ValidationFailed(fields={"event": [_("Choose one of the listed options")]})
    purpose = str(data.get("purpose") or VisitPurpose.SALES)
    if purpose not in {p.value for p in VisitPurpose}:
        raise ValidationFailed(fields={"purpose": [_("Choose one of the listed options")]})
    clean: dict[str, Any] = {
        "purpose": purpose,
        "designated": _person(data.get("designated"), "designated"),
        "owner_available": bool(data.get("owner_available", True)),
        "substitute": _person(data.get("substitute"), "substitute"),
        "receiver": _person(data.get("receiver"), "receiver"),
        "appointment_with": None,
        "registered_owner": None,
    }
    if data.get("visit"):
        visit = Visit.objects.filter(pk=data["visit"], project_id=project_id).first()
        if visit is None:
            raise ValidationFailed(fields={"visit": [_("No such visit in this project")]})
    if data.get("appointment"):
        appointment = Appointment.objects.filter(
            pk=data["appointment"], project_id=project_id
        ).first()
        if appointment is None:
            raise ValidationFailed(fields={"appointment": [_("No such appointment")]})
        clean["appointment_with"] = str(appointment.salesperson_id)  # R-ROTA-06
    if data.get("card"):
        # the card's id, its number or the client's mobile phone (what the gate has at hand)
        value = str(data["card"]).strip()
        cards = ClientCard.objects.filter(project_id=project_id)
        match = Q(number=value) | Q(mobile=value)
        card = cards.filter(
            match | Q(pk=int(value)) if value.isdigit() and len(value) < 11 else match
        ).first()
        if card is None:
            raise ValidationFailed(fields={"card": [_("No such client card")]})
        clean["registered_owner"] = str(card.owner_id)  # R-ROTA-08
    clean["ref"] = visit.number if visit else str(data.get("ref") or f"V{seq + 1}")[:40]
    return clean, visit


@dataclass(frozen=True)
class Reported:
    record: TurnRecord
    decision: Decision
    board: Board


@transaction.atomic
def report(
    *,
    actor: Staff,
    project_id: Any,
    event: str,
    data: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Reported:
    """Report one thing that happened on the floor and get the engine's decision (R-ROTA-05..13,
    16): `visit` (who receives the party: purpose R-ROTA-07, `appointment` R-ROTA-06, `card` of a
    returning client R-ROTA-08, `owner_available`/`substitute` R-ROTA-09, `designated`
    R-ROTA-10), `visit_ended` (credits on completion), `call` (answered or not, R-ROTA-13),
    `support_requested` / `support_ended` (R-ROTA-05/11/12), `check_in` / `check_out`.

    Managers report anything; a salesperson checks in and out only himself or herself; the gate
    and the sales centre report visitors and calls (reception.operate). A refused event changes
    nothing and says why in Chinese.
    """
    project = floor_project(actor, project_id, P.OPERATE_RECEPTION)
    if event not in EVENT_KINDS:
        raise ValidationFailed(fields={"event": [_("Choose one of the listed options")]})
    supervisor = access.has_perm(actor, project.pk, P.SUPERVISE_RECEPTION)
    if (data or {}).get("visit"):  # lock order everywhere: visit → rotation day
        Visit.objects.select_for_update().filter(pk=_int(data["visit"]), project=project).first()  # type: ignore[index]
    rota_day = _open_day_locked(project.pk, now)
    if rota_day is None:
        raise TransitionNotAllowed(_("Today's rotation has not been opened yet"))
    clean, visit = _event_data(
        event, data or {}, actor=actor, project_id=project.pk, seq=rota_day.seq
    )
    if event == "support_requested" and not supervisor:
        raise Forbidden(_("Only the department manager or duty manager arranges support"))
    if event in ("check_in", "check_out") and clean["person"] != str(actor.pk) and not supervisor:
        raise Forbidden(_("You can only check yourself in or out"))
    return _append(rota_day, event, clean, actor=actor, now=now, visit=visit)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"visit": [_("No such visit in this project")]}) from None


def _open_day_locked(project_id: int, now: dt.datetime | None) -> RotaDay | None:
    return (
        RotaDay.objects.select_for_update()
        .filter(
            project_id=project_id,
            day=timezone.localdate(now or timezone.now()),
            state=RotaDayState.OPEN,
        )
        .first()
    )


def _append(
    rota_day: RotaDay,
    event: str,
    clean: dict[str, Any],
    *,
    actor: Staff | None,
    now: dt.datetime | None,
    visit: Visit | None = None,
) -> Reported:
    """Decide the event over the day's current state and store it as the next turn record (the
    day's row is locked by the caller)."""
    # The time is read under the lock, so decisions are in the order they are made. Stored and
    # replayed times are UTC; decide in UTC too, so a replay repeats each record exactly.
    at = (now or timezone.now()).astimezone(dt.UTC)
    _roster, state = current_state(rota_day)
    if state.last_at is not None and at < state.last_at and now is None:
        at = state.last_at
    try:
        outcome = decide(state, _event(event, at, clean))
    except RotationError as exc:
        raise _translate(exc) from None
    decision = outcome.decision
    record = TurnRecord.objects.create(
        rota_day=rota_day,
        seq=rota_day.seq + 1,
        at=at,
        event=event,
        event_data=clean,
        actor=actor,
        kind=str(decision.kind),
        ref=decision.ref,
        duty=str(decision.duty) if decision.duty else "",
        assignee_id=int(decision.assignee) if decision.assignee else None,
        reason_code=str(decision.reason_code) if decision.reason_code else "",
        counts_as_turn=decision.counts_as_turn,
        via=str(decision.via) if decision.via else "",
        visit=visit,
        explanation=decision.explanation_zh[:300],
        record=decision.to_record(),
    )
    rota_day.seq += 1
    rota_day.save(update_fields=["seq"])
    _remember(rota_day.pk, _Cached(rota_day.seq, outcome.state.roster, outcome.state))
    if visit is not None and decision.kind == DecisionKind.ASSIGNED and decision.assignee:
        visit.salesperson_id = int(decision.assignee)
        visit.save(update_fields=["salesperson"])
    board = queue_board(outcome.state)
    _publish(rota_day, board=board, decision=decision)
    return Reported(record, decision, board)


def visit_departed(visit: Visit, *, actor: Staff | None, now: dt.datetime | None = None) -> None:
    """A party that leaves (R-SITE-19) ends its reception in the queue: the receiver is free
    again and earns the make-up credit it is owed (R-ROTA-06/09). Nothing happens when the day
    is not open or the visit never went through the queue. Called inside the visit's
    transaction, with the visit already locked (lock order: visit → rotation day)."""
    rota_day = _open_day_locked(visit.project_id, now)
    if rota_day is None:
        return
    _roster, state = current_state(rota_day)
    if not any(r.ref == visit.number for r in state.receptions):
        return
    clean = {"ref": visit.number, "completed": True}
    at = now if now is None or state.last_at is None or now >= state.last_at else None
    _append(rota_day, "visit_ended", clean, actor=actor, now=at, visit=visit)


# --- reading ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DayView:
    rota_day: RotaDay
    roster: DayRoster
    board: Board
    decisions: list[Decision]
    summary: DaySummary


def day_view(*, actor: Staff, project_id: Any, day: dt.date | None = None) -> DayView | None:
    """Everything the rotation pages show for a day that has opened: the board (R-ROTA-16), the
    decisions with their reasons and the daily report (接待轮次日报, R-ROTA-17). None when the day
    has not opened."""
    project = floor_project(actor, project_id, P.VIEW_RECEPTION)
    rota_day = (
        RotaDay.objects.filter(project=project, day=day or timezone.localdate())
        .exclude(state=RotaDayState.PLANNED)
        .first()
    )
    if rota_day is None:
        return None
    roster, state, decisions = replay_day(rota_day)
    return DayView(
        rota_day, roster, queue_board(state), decisions, summarise_day(roster, decisions)
    )


def board_payload(board: Board, decision: Decision | None = None) -> dict[str, Any]:
    """The board as JSON for the push channel and the API."""

    def queue(q: Any) -> dict[str, Any]:
        return {
            "duty": str(q.duty),
            "next": q.next_person,
            "seats": [
                {
                    "person": s.person,
                    "name": s.name,
                    "status": str(s.status),
                    "status_label": s.status.label,
                    "credits": s.credits,
                    "skips": s.skips,
                    "last": s.last,
                }
                for s in q.seats
            ],
        }

    payload = {
        "visit": queue(board.visit),
        "phone": queue(board.phone),
        "standby": board.standby,
        "standby_low": board.standby_low,
        "supporters": list(board.supporters),
        "next_supporter": board.next_supporter,
        "media_open_day": board.media_open_day,
    }
    if decision is not None:
        payload["decision"] = decision.to_record()
    return payload


def _publish(
    rota_day: RotaDay, *, board: Board | None = None, decision: Decision | None = None
) -> None:
    data: dict[str, Any] = {"day": rota_day.day.isoformat(), "state": rota_day.state}
    if board is not None:
        data["board"] = board_payload(board, decision)
    realtime.publish_on_commit(rota_day.project_id, [BOARD], "rota", data)
