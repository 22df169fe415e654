"""Appointments (预约接待, R-ROTA-02, R-ROTA-14, R-ROTA-15): a salesperson drafts an appointment
for a registered client (the client card), submits it to the department manager or supervisor
(待确认), who approves it (已确认(内部)); the final time is then agreed with the client (已与客户确认)
and the day ends with 已到访 / 未到, or the appointment is cancelled with a reason.

Approval asks the rotation rules (`domain.rotation_appointments.check_new_appointment`): a media
open day (媒体开放日) blocks unless the manager overrides (R-ROTA-15); more than the advisory
`rota.appointments_per_day` groups only warns, and the warning is kept on the appointment
(R-ROTA-02). The quiet-slot suggestion (R-ROTA-14, `suggest_slots`) ranks the day's half-hour
slots by booked appointments plus a forecast from the visits of the same weekday over the last
four weeks. Every transition is checked against `TRANSITIONS`, runs on a locked row and is
written to the appointment's timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import Forbidden, NotFound, TransitionNotAllowed, ValidationFailed
from propdesk.core.models import Project, Staff
from propdesk.core.services.numbering import next_number
from propdesk.core.services.timeline import record_event
from propdesk.reception.domain.rotation_appointments import (
    check_new_appointment,
    suggest_quiet_slots,
)
from propdesk.reception.domain.rotation_roster import RotaSettings, RotationError
from propdesk.reception.models import (
    Appointment,
    AppointmentState,
    ClientCard,
    RotaDay,
    Visit,
)
from propdesk.reception.services.cards import check_salesperson
from propdesk.reception.services.common import now_or

S = AppointmentState
DEFAULT_HOURS: Final = (dt.time(9, 0), dt.time(18, 0))  # no RotaDay row: 09:00–18:00
SLOT_MINUTES: Final = 30
FORECAST_WEEKS: Final = 4
PARAM_APPOINTMENTS_PER_DAY: Final = "rota.appointments_per_day"
# Appointments that hold a place on their day (R-ROTA-02 counts them; slots are loaded by them).
BOOKED: Final = (S.APPROVED, S.CONFIRMED, S.ARRIVED)
OPEN: Final = (S.DRAFT, S.PENDING, S.APPROVED, S.CONFIRMED)

# action → (allowed from, to, timeline verb). R-ROTA-14's states; anything else is refused.
TRANSITIONS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "submit": ((S.DRAFT,), S.PENDING),
    "approve": ((S.PENDING,), S.APPROVED),
    "confirm": ((S.APPROVED,), S.CONFIRMED),
    "arrive": ((S.CONFIRMED,), S.ARRIVED),
    "no_show": ((S.CONFIRMED,), S.NO_SHOW),
    "cancel": ((S.DRAFT, S.PENDING, S.APPROVED, S.CONFIRMED), S.CANCELLED),
}
ACTION_NAMES: Final[dict[str, Any]] = {
    "edit": _("edit"),
    "submit": _("submit for approval"),
    "approve": _("approve"),
    "confirm": _("confirm with the client"),
    "arrive": _("mark arrived"),
    "no_show": _("mark as no-show"),
    "cancel": _("cancel"),
}
EDITABLE: Final = (S.DRAFT, S.PENDING)
# Timeline verbs of cards and appointments (shown by `{% timeline %}`).
TIMELINE_LABELS: Final[dict[str, Any]] = {
    "client_card.created": _("Client card registered"),
    "client_card.updated": _("Client card changed"),
    "client_card.owner_changed": _("Client given to another salesperson"),
    "appointment.created": _("Appointment drafted"),
    "appointment.updated": _("Appointment changed"),
    "appointment.submit": _("Submitted for approval"),
    "appointment.approve": _("Approved"),
    "appointment.confirm": _("Confirmed with the client"),
    "appointment.arrive": _("Client arrived"),
    "appointment.no_show": _("Client did not come"),
    "appointment.cancel": _("Appointment cancelled"),
}


# --- the day: opening hours, media open day, settings -----------------------------------------
@dataclass(frozen=True)
class DayInfo:
    day: dt.date
    open_from: dt.time
    open_until: dt.time
    media_open_day: bool


def day_info(project_id: int, day: dt.date) -> DayInfo:
    """The day's opening hours and media-open-day flag (no RotaDay row: 09:00–18:00, no flag)."""
    row = (
        RotaDay.objects.filter(project_id=project_id, day=day)
        .only("open_from", "open_until", "media_open_day")
        .first()
    )
    if row is None:
        return DayInfo(day, *DEFAULT_HOURS, media_open_day=False)
    return DayInfo(day, row.open_from, row.open_until, row.media_open_day)


def rota_settings(project: Project) -> RotaSettings:
    """`rota.appointments_per_day` of the project (§21); a broken value gives the default 2."""
    value = (project.params or {}).get(PARAM_APPOINTMENTS_PER_DAY)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return RotaSettings(appointments_per_day=value)
    return RotaSettings()


def _local(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _with_slot(qs: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return qs.annotate(slot_at=Coalesce("confirmed_at", "proposed_at"))


def booked_count(project_id: int, day: dt.date, *, exclude_id: int | None = None) -> int:
    """Appointments approved, confirmed or arrived for the day (R-ROTA-02's count)."""
    start, end = _day_bounds(day)
    qs = _with_slot(Appointment.objects.filter(project_id=project_id, state__in=BOOKED)).filter(
        slot_at__gte=start, slot_at__lt=end
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.count()


def _check_hours(at: dt.datetime, field: str, now: dt.datetime, project_id: int) -> DayInfo:
    """A time within the day's opening hours and not in the past (field error otherwise)."""
    local = _local(at)
    info = day_info(project_id, local.date())
    if not info.open_from <= local.time() < info.open_until:
        raise ValidationFailed(
            fields={
                field: [
                    _("Choose a time within the opening hours {start}–{end}").format(
                        start=info.open_from.strftime("%H:%M"),
                        end=info.open_until.strftime("%H:%M"),
                    )
                ]
            }
        )
    if at < now:
        raise ValidationFailed(fields={field: [_("This time has already passed")]})
    return info


def _rules(
    project: Project,
    info: DayInfo,
    *,
    override: bool,
    exclude_id: int | None,
    field: str,
) -> list[str]:
    """`check_new_appointment` for the day: the warnings (Chinese), or a field error on a media
    open day without an override (R-ROTA-15)."""
    try:
        notices = check_new_appointment(
            media_open_day=info.media_open_day,
            confirmed_that_day=booked_count(project.pk, info.day, exclude_id=exclude_id),
            settings=rota_settings(project),
            manager_override=override,
        )
    except RotationError as exc:
        raise ValidationFailed(fields={field: [exc.message]}) from None
    return [n.message for n in notices]


# --- access and locking -----------------------------------------------------------------
def _lock(actor: Staff, appointment_id: Any) -> Appointment:
    try:
        pk = int(appointment_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    appt = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("project", "card", "salesperson")
        .filter(pk=pk)
        .first()
    )
    if appt is None or P.VIEW_RECEPTION not in access.perms_by_project(actor).get(
        appt.project_id, frozenset()
    ):
        raise NotFound()
    return appt


def _is_supervisor(actor: Staff, project_id: int) -> bool:
    return access.has_perm(actor, project_id, P.SUPERVISE_RECEPTION)


def _require_own_or_supervisor(actor: Staff, appt: Appointment) -> None:
    access.require(actor, appt.project_id, P.OPERATE_RECEPTION)
    if actor.pk in (appt.salesperson_id, appt.created_by_id):
        return
    if not _is_supervisor(actor, appt.project_id):
        raise Forbidden(
            _("Only the appointment's salesperson or a supervisor may change the appointment")
        )


def _require_state(appt: Appointment, action: str, allowed: tuple[str, ...]) -> None:
    if appt.state not in allowed:
        raise TransitionNotAllowed(
            _("The appointment is “{state}”; it cannot {action}").format(
                state=appt.get_state_display(), action=ACTION_NAMES[action]
            )
        )


def _move(
    appt: Appointment,
    action: str,
    *,
    actor: Staff,
    at: dt.datetime,
    fields: list[str],
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Appointment:
    before = appt.state
    appt.state = TRANSITIONS[action][1]
    appt.state_at = at
    appt.save(update_fields=["state", "state_at", *fields])
    record_event(
        entity=appt,
        action=f"appointment.{action}",
        actor=actor,
        project_id=appt.project_id,
        from_state=before,
        to_state=appt.state,
        note=note,
        data=data or {},
        at=at,
    )
    return appt


# --- input --------------------------------------------------------------------------------
EDIT_FIELDS = ("proposed_at", "party_size", "note", "salesperson")


def _clean(data: Mapping[str, Any], project_id: int) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    clean: dict[str, Any] = {}
    for name in sorted(set(data) - set(EDIT_FIELDS)):
        errors[name] = [_("Unknown field")]
    if "proposed_at" in data:
        value = data["proposed_at"]
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, dt.datetime):
            errors["proposed_at"] = [
                _("Enter a valid date and time like 2026-11-22T17:30:00+08:00")
            ]
        else:
            clean["proposed_at"] = timezone.make_aware(value) if timezone.is_naive(value) else value
    if "party_size" in data:
        try:
            size = int(data["party_size"])
        except (TypeError, ValueError):
            errors["party_size"] = [_("Enter a whole number")]
        else:
            if size < 1:
                errors["party_size"] = [_("Enter a value of at least {ge}").format(ge=1)]
            elif size > 99:
                errors["party_size"] = [_("Enter a value of at most {le}").format(le=99)]
            clean["party_size"] = size
    if "note" in data:
        clean["note"] = str(data["note"] or "").strip()
        if len(clean["note"]) > 200:
            errors["note"] = [_("At most {n} characters").format(n=200)]
    if data.get("salesperson") not in (None, ""):
        try:
            clean["salesperson"] = check_salesperson(project_id, data["salesperson"], "salesperson")
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def _card_for(actor: Staff, card_id: Any) -> ClientCard:
    try:
        pk = int(card_id)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"card": [_("This field is required")]}) from None
    card = ClientCard.objects.select_related("project", "owner").filter(pk=pk).first()
    if card is None or P.VIEW_RECEPTION not in access.perms_by_project(actor).get(
        card.project_id, frozenset()
    ):
        raise ValidationFailed(fields={"card": [_("Choose one of the listed options")]})
    return card


# --- use cases ----------------------------------------------------------------------------
@transaction.atomic
def create_appointment(
    *,
    actor: Staff,
    card_id: Any,
    data: Mapping[str, Any],
    manager_override: bool = False,
    submit: bool = False,
    now: dt.datetime | None = None,
) -> Appointment:
    """Draft an appointment (草拟, YY-2026-000001) for a registered client (R-ROTA-14): the
    proposed time lies within the day's opening hours; a media open day is refused unless a
    supervisor overrides (R-ROTA-15). The salesperson is the card's owner unless a supervisor
    names another. `submit=True` also submits it for approval (待确认)."""
    at = now_or(now)
    card = _card_for(actor, card_id)
    project = card.project
    access.require(actor, project.pk, P.OPERATE_RECEPTION)
    clean = _clean(data, project.pk)
    if "proposed_at" not in clean:
        raise ValidationFailed(fields={"proposed_at": [_("This field is required")]})
    salesperson = clean.get("salesperson") or card.owner
    supervisor = _is_supervisor(actor, project.pk)
    if salesperson.pk not in (actor.pk, card.owner_id) and not supervisor:
        raise Forbidden(_("Only a supervisor may give the client to another salesperson"))
    if manager_override and not supervisor:
        raise Forbidden(_("Only a department manager or supervisor may override a media open day"))
    info = _check_hours(clean["proposed_at"], "proposed_at", at, project.pk)
    _rules(project, info, override=manager_override, exclude_id=None, field="proposed_at")
    appt = Appointment(
        project=project,
        card=card,
        salesperson=salesperson,
        state=S.DRAFT,
        state_at=at,
        proposed_at=clean["proposed_at"],
        party_size=clean.get("party_size", card.party_size),
        note=clean.get("note", ""),
        media_override=manager_override,
        created_by=actor,
        created_at=at,
    )
    appt.number = next_number(project=project, key="appointment", on=timezone.localdate(at))
    appt.save()
    record_event(
        entity=appt,
        action="appointment.created",
        actor=actor,
        project_id=project.pk,
        to_state=appt.state,
        data={"card": card.number, "proposed_at": _local(appt.proposed_at).isoformat()},
        at=at,
    )
    if submit:
        _move(appt, "submit", actor=actor, at=at, fields=[])
    return appt


@transaction.atomic
def update_appointment(
    *, actor: Staff, appointment_id: Any, data: Mapping[str, Any], now: dt.datetime | None = None
) -> Appointment:
    """Change the proposal (time, party size, note; the salesperson by a supervisor) while it
    is a draft or awaiting approval."""
    at = now_or(now)
    appt = _lock(actor, appointment_id)
    _require_own_or_supervisor(actor, appt)
    _require_state(appt, "edit", EDITABLE)
    clean = _clean(data, appt.project_id)
    if (
        "salesperson" in clean
        and clean["salesperson"].pk != appt.salesperson_id
        and not _is_supervisor(actor, appt.project_id)
    ):
        raise Forbidden(_("Only a supervisor may give the client to another salesperson"))
    if "proposed_at" in clean and clean["proposed_at"] != appt.proposed_at:
        info = _check_hours(clean["proposed_at"], "proposed_at", at, appt.project_id)
        _rules(
            appt.project,
            info,
            override=appt.media_override,
            exclude_id=appt.pk,
            field="proposed_at",
        )
    changes: dict[str, list[Any]] = {}
    for name, value in clean.items():
        old = getattr(appt, name)
        if old != value:
            shown = [
                _local(v).strftime("%Y-%m-%d %H:%M")
                if isinstance(v, dt.datetime)
                else getattr(v, "name", v)
                for v in (old, value)
            ]
            changes[name] = shown
            setattr(appt, name, value)
    if changes:
        appt.save()
        record_event(
            entity=appt,
            action="appointment.updated",
            actor=actor,
            project_id=appt.project_id,
            data={"changes": changes},
            at=at,
        )
    return appt


@transaction.atomic
def submit_appointment(
    *, actor: Staff, appointment_id: Any, now: dt.datetime | None = None
) -> Appointment:
    """草拟 → 待确认: report the appointment to the department manager or supervisor
    (R-ROTA-14 "报部门经理或主管确认")."""
    at = now_or(now)
    appt = _lock(actor, appointment_id)
    _require_own_or_supervisor(actor, appt)
    _require_state(appt, "submit", TRANSITIONS["submit"][0])
    return _move(appt, "submit", actor=actor, at=at, fields=[])


@transaction.atomic
def approve_appointment(
    *,
    actor: Staff,
    appointment_id: Any,
    manager_override: bool = False,
    now: dt.datetime | None = None,
) -> Appointment:
    """待确认 → 已确认(内部), by a department manager or supervisor (reception.supervise). Runs
    `check_new_appointment` with the day's approved/confirmed/arrived count: a media open day is
    refused unless `manager_override` (R-ROTA-15); more than `rota.appointments_per_day` groups
    warns, and the warning is kept in `warnings` and shown (R-ROTA-02)."""
    at = now_or(now)
    appt = _lock(actor, appointment_id)
    access.require(actor, appt.project_id, P.SUPERVISE_RECEPTION)
    _require_state(appt, "approve", TRANSITIONS["approve"][0])
    override = bool(manager_override or appt.media_override)
    info = day_info(appt.project_id, _local(appt.slot).date())
    warnings = _rules(appt.project, info, override=override, exclude_id=appt.pk, field="day")
    appt.approved_by = actor
    appt.approved_at = at
    appt.media_override = override
    appt.warnings = warnings
    return _move(
        appt,
        "approve",
        actor=actor,
        at=at,
        fields=["approved_by", "approved_at", "media_override", "warnings"],
        data={"warnings": warnings},
    )


@transaction.atomic
def confirm_appointment(
    *,
    actor: Staff,
    appointment_id: Any,
    confirmed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """已确认(内部) → 已与客户确认: the final time agreed with the client (default: the proposal),
    within the day's opening hours. Moving to another day asks the day's rules again."""
    at = now_or(now)
    appt = _lock(actor, appointment_id)
    _require_own_or_supervisor(actor, appt)
    _require_state(appt, "confirm", TRANSITIONS["confirm"][0])
    final = confirmed_at or appt.proposed_at
    if timezone.is_naive(final):
        final = timezone.make_aware(final)
    info = _check_hours(final, "confirmed_at", at, appt.project_id)
    fields = ["confirmed_at"]
    if info.day != _local(appt.proposed_at).date():
        appt.warnings = _rules(
            appt.project,
            info,
            override=appt.media_override,
            exclude_id=appt.pk,
            field="confirmed_at",
        )
        fields.append("warnings")
    appt.confirmed_at = final
    return _move(
        appt,
        "confirm",
        actor=actor,
        at=at,
        fields=fields,
        data={"confirmed_at": _local(final).isoformat()},
    )


@transaction.atomic
def mark_arrived(
    *,
    actor: Staff,
    appointment_id: Any,
    visit_id: Any = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """已与客户确认 → 已到访, by anyone at the floor (reception.operate); optionally linked to the
    visit opened for the party (a visit of the same project)."""
    at = now_or(now)
    appt = _lock(actor, appointment_id)
    access.require(actor, appt.project_id, P.OPERATE_RECEPTION)
    _require_state(appt, "arrive", TRANSITIONS["arrive"][0])
    fields: list[str] = []
    if visit_id not in (None, ""):
        try:
            visit = Visit.objects.filter(pk=int(visit_id), project_id=appt.project_id).first()
        except (TypeError, ValueError):
            visit = None
        if visit is None:
            raise ValidationFailed(fields={"visit": [_("Choose a visit of this sales centre")]})
        appt.visit = visit
        fields.append("visit")
    return _move(appt, "arrive", actor=actor, at=at, fields=fields, data={"visit": appt.visit_id})


@transaction.atomic
def mark_no_show(
    *, actor: Staff, appointment_id: Any, now: dt.datetime | None = None
) -> Appointment:
    """已与客户确认 → 未到: the client did not come."""
    at = now_or(now)
    appt = _lock(actor, appointment_id)
    _require_own_or_supervisor(actor, appt)
    _require_state(appt, "no_show", TRANSITIONS["no_show"][0])
    return _move(appt, "no_show", actor=actor, at=at, fields=[])


@transaction.atomic
def cancel_appointment(
    *, actor: Staff, appointment_id: Any, reason: str, now: dt.datetime | None = None
) -> Appointment:
    """Any open appointment → 取消, with the reason (required), by its salesperson or a
    supervisor."""
    at = now_or(now)
    appt = _lock(actor, appointment_id)
    _require_own_or_supervisor(actor, appt)
    _require_state(appt, "cancel", TRANSITIONS["cancel"][0])
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("This field is required")]})
    if len(reason) > 200:
        raise ValidationFailed(fields={"reason": [_("At most {n} characters").format(n=200)]})
    appt.cancel_reason = reason
    return _move(appt, "cancel", actor=actor, at=at, fields=["cancel_reason"], note=reason)


ACTIONS: Final = {
    "submit": submit_appointment,
    "approve": approve_appointment,
    "confirm": confirm_appointment,
    "arrive": mark_arrived,
    "no_show": mark_no_show,
    "cancel": cancel_appointment,
}


# --- quiet slots (R-ROTA-14) ----------------------------------------------------------------
@dataclass(frozen=True)
class SlotLoad:
    """A half-hour slot: the appointments booked in it and the forecast walk-ins (average
    number of visits started in that half-hour on the same weekday over the last 4 weeks)."""

    start: dt.datetime
    end: dt.datetime
    booked: int
    forecast: float

    @property
    def load(self) -> float:
        return self.booked + self.forecast

    @property
    def label(self) -> str:
        return f"{_local(self.start):%H:%M}"


def day_slots(project_id: int, day: dt.date, *, now: dt.datetime | None = None) -> list[SlotLoad]:
    """Every half-hour slot of the day's opening hours with its load (3 queries). On today,
    slots already begun are left out."""
    info = day_info(project_id, day)
    tz = timezone.get_current_timezone()
    starts: list[dt.datetime] = []
    cursor = dt.datetime.combine(day, info.open_from, tzinfo=tz)
    closing = dt.datetime.combine(day, info.open_until, tzinfo=tz)
    step = dt.timedelta(minutes=SLOT_MINUTES)
    current = now_or(now)
    while cursor + step <= closing:
        if cursor >= current:
            starts.append(cursor)
        cursor += step

    def key(at: dt.datetime) -> tuple[int, int]:
        local = _local(at)
        return local.hour, local.minute // SLOT_MINUTES

    booked: dict[tuple[int, int], int] = {}
    start, end = _day_bounds(day)
    for slot_at in (
        _with_slot(Appointment.objects.filter(project_id=project_id, state__in=BOOKED))
        .filter(slot_at__gte=start, slot_at__lt=end)
        .values_list("slot_at", flat=True)
    ):
        booked[key(slot_at)] = booked.get(key(slot_at), 0) + 1
    weeks = [day - dt.timedelta(weeks=n) for n in range(1, FORECAST_WEEKS + 1)]
    seen: dict[tuple[int, int], int] = {}
    for created in Visit.objects.filter(project_id=project_id, day__in=weeks).values_list(
        "created_at", flat=True
    ):
        seen[key(created)] = seen.get(key(created), 0) + 1
    return [
        SlotLoad(s, s + step, booked.get(key(s), 0), seen.get(key(s), 0) / FORECAST_WEEKS)
        for s in starts
    ]


def suggest_slots(
    actor: Staff, project_id: Any, day: dt.date, *, limit: int = 3, now: dt.datetime | None = None
) -> list[SlotLoad]:
    """The `limit` quietest half-hour slots of the day (`suggest_quiet_slots`, R-ROTA-14):
    fewest booked plus forecast clients, earlier first on a tie."""
    project = access.get_project_for(actor, project_id, P.VIEW_RECEPTION)
    slots = day_slots(project.pk, day, now=now)
    # Quarter-visit units keep the load an integer (the rule compares counts).
    load = {s.start: s.booked * FORECAST_WEEKS + round(s.forecast * FORECAST_WEEKS) for s in slots}
    chosen = set(suggest_quiet_slots([s.start for s in slots], load, limit=limit))
    ranked = [s for s in slots if s.start in chosen]
    return sorted(ranked, key=lambda s: (load[s.start], s.start))


# --- reads --------------------------------------------------------------------------------
@dataclass(frozen=True)
class AppointmentFilters:
    project: int | None = None
    day: dt.date | None = None
    state: str = ""
    card: int | None = None
    upcoming: bool = False


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("card", "salesperson", "approved_by", "visit")


def list_appointments(
    actor: Staff, filters: AppointmentFilters | None = None, *, now: dt.datetime | None = None
) -> QuerySet[Appointment]:
    """Appointments of the actor's sales centres by their time (confirmed, else proposed):
    a day's, a card's, or the upcoming open ones (one query per page)."""
    f = filters or AppointmentFilters()
    qs = _with_slot(access.scope(actor, _appointments(), P.VIEW_RECEPTION))
    if f.project is not None:
        qs = qs.filter(project_id=f.project)
    if f.day is not None:
        start, end = _day_bounds(f.day)
        qs = qs.filter(slot_at__gte=start, slot_at__lt=end)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.card is not None:
        qs = qs.filter(card_id=f.card)
    if f.upcoming:
        since = _day_bounds(timezone.localdate(now_or(now)))[0]
        qs = qs.filter(slot_at__gte=since, state__in=OPEN)
    return qs.order_by("slot_at", "id")


def get_appointment_for(actor: Staff, appointment_id: Any) -> Appointment:
    return access.get_for(actor, _appointments(), appointment_id, P.VIEW_RECEPTION)


def expected_today(project_id: int, day: dt.date) -> QuerySet[Appointment]:
    """Who the gate expects on a day: approved or confirmed appointments, by time."""
    start, end = _day_bounds(day)
    return (
        _with_slot(_appointments().filter(project_id=project_id))
        .filter(slot_at__gte=start, slot_at__lt=end)
        .filter(Q(state=S.APPROVED) | Q(state=S.CONFIRMED))
        .order_by("slot_at", "id")
    )


def allowed_actions(actor: Staff, appt: Appointment) -> list[str]:
    """The transitions the actor may try now (buttons); the services check again."""
    perms = access.perms_by_project(actor).get(appt.project_id, frozenset())
    if P.OPERATE_RECEPTION not in perms:
        return []
    own = actor.pk in (appt.salesperson_id, appt.created_by_id)
    supervisor = P.SUPERVISE_RECEPTION in perms
    result = []
    for action, (sources, _to) in TRANSITIONS.items():
        if appt.state not in sources:
            continue
        if action == "approve" and not supervisor:
            continue
        if action not in ("approve", "arrive") and not (own or supervisor):
            continue
        result.append(action)
    return result
