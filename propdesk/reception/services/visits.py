"""Visits and their journey (来访接待, SPEC §3, R-SITE-01..20; R-RADIO-05/05a/06/09/16/19/21).

`start_visit` opens a walk-in at the gate (L1) or an expected appointment; `advance_visit` takes
one step of the domain's journey table at the actor's post, stamps the stage time, and does what
goes with the step (`domain.visits.effects`): the intercom calls the acting post sends (the
capacity question, the arrival calls and the broadcast, the see-off), and the room step (the
client enters the VIP room; on departure the room waits to be cleaned). The sales centre's
answer to the capacity question (`answer_capacity`) moves the visit and answers the call in one
transaction; a declined walk-in stays recorded (R-RADIO-19).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import ValidationFailed
from propdesk.core.models import Project, Staff
from propdesk.core.models.tenancy import ProjectKind
from propdesk.core.services.numbering import next_number
from propdesk.core.services.timeline import record_event
from propdesk.reception import realtime
from propdesk.reception.domain.radio import (
    SYSTEM,
    TEMPLATES,
    CapacityAnswer,
    PostCode,
    RadioError,
    clean_slot,
)
from propdesk.reception.domain.rooms import OCCUPY
from propdesk.reception.domain.visits import (
    ADMIT,
    DECLINE,
    TO_MODEL_AREA,
    TO_RECEPTION_AREA,
    Stage,
    StageEntry,
    VisitMode,
    apply_visit,
    call_slots,
    effects,
    record_gate_answer,
)
from propdesk.reception.domain.visits import Visit as VisitSnapshot
from propdesk.reception.domain.visits import answer_capacity as domain_answer_capacity
from propdesk.reception.domain.visits import start_visit as domain_start_visit
from propdesk.reception.domain.visits import update_visit as domain_update_visit
from propdesk.reception.models import SALUTATIONS, Arrival, Visit, VisitStage
from propdesk.reception.services import dispatch, rooms, rotation
from propdesk.reception.services.common import (
    acting_post,
    domain_errors,
    lock_visit,
    now_or,
    project_posts,
    snapshot,
)

# Details a post may correct on a visit (the journey itself moves only by steps).
DETAIL_FIELDS = (
    "client_name",
    "salutation",
    "party_size",
    "appearance",
    "arrival",
    "plate",
    "multi_person_car",
    "raining",
    "own_umbrella",
    "smoker",
    "note",
)
_WORD_TO_KEY = {word: key for key, word in SALUTATIONS.items()}


def visit_payload(visit: Visit) -> dict[str, Any]:
    return {"id": visit.pk, "number": visit.number, "stage": visit.stage}


def _publish(visit: Visit) -> None:
    realtime.publish_on_commit(
        visit.project_id, project_posts(visit.project_id), "visit", visit_payload(visit)
    )


# --- input --------------------------------------------------------------------------------
def _clean_details(data: Mapping[str, Any]) -> dict[str, Any]:
    """Typed, stripped details; field errors in one go. Names, party size and appearance are
    checked by the domain (the intercom slot rules), the rest here."""
    errors: dict[str, list[Any]] = {}
    clean: dict[str, Any] = {}
    unknown = sorted(set(data) - set(DETAIL_FIELDS))
    for name in unknown:
        errors[name] = [_("Unknown field")]
    for name in ("client_name", "appearance", "note"):
        if name in data:
            clean[name] = str(data[name] or "").strip()
    if "salutation" in data:
        value = str(data["salutation"] or "").strip()
        key = _WORD_TO_KEY.get(value, value.lower())
        if key not in SALUTATIONS:
            errors["salutation"] = [_("Choose a salutation")]
        clean["salutation"] = key
    if "party_size" in data:
        try:
            clean["party_size"] = int(data["party_size"])
        except (TypeError, ValueError):
            errors["party_size"] = [_("Enter a whole number")]
    if "arrival" in data:
        if data["arrival"] not in Arrival.values:
            errors["arrival"] = [_("Choose one of the listed options")]
        clean["arrival"] = data["arrival"]
    if "plate" in data:
        plate = str(data["plate"] or "").strip()
        if plate:
            try:
                plate = clean_slot("plate", plate)
            except RadioError as exc:
                errors["plate"] = [exc.message]
        clean["plate"] = plate
    for name in ("multi_person_car", "raining", "own_umbrella", "smoker"):
        if name in data:
            clean[name] = bool(data[name])
    if len(clean.get("note", "")) > 200:
        errors["note"] = [_("At most {max_length} characters").format(max_length=200)]
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def _check_with_domain(visit: Visit) -> None:
    """Validate the details as the domain does (they must fill every call's slots)."""
    bare = VisitSnapshot(mode=VisitMode(visit.mode), stage=Stage(visit.stage), history=())
    with domain_errors():
        domain_update_visit(
            bare,
            client_name=visit.client_name,
            salutation=visit.salutation,
            party_size=visit.party_size,
            appearance=visit.appearance,
            has_vehicle=visit.has_vehicle,
            multi_person_car=visit.multi_person_car,
        )


def _apply_details(visit: Visit, clean: Mapping[str, Any], *, check: bool = True) -> list[str]:
    changed = [name for name, value in clean.items() if getattr(visit, name) != value]
    for name in changed:
        setattr(visit, name, clean[name])
    if visit.arrival != Arrival.SELF_DRIVE:
        if visit.multi_person_car:
            changed.append("multi_person_car")
        visit.multi_person_car = False
    if check:
        _check_with_domain(visit)
    return sorted(set(changed))


def _project_for_visits(actor: Staff, project_id: Any) -> Project:
    project = access.get_project_for(actor, project_id, P.OPERATE_RECEPTION)
    if project.kind != ProjectKind.SALES_CENTRE:
        raise ValidationFailed(_("Only a sales centre receives visits"))
    return project


# --- use cases ----------------------------------------------------------------------------
@transaction.atomic
def start_visit(
    *,
    actor: Staff,
    project_id: Any,
    mode: str = VisitMode.WALK_IN,
    details: Mapping[str, Any] | None = None,
    visiting_display_centre: bool = True,
    expected_at: dt.datetime | None = None,
    post: str | None = None,
    now: dt.datetime | None = None,
) -> Visit:
    """Open a visit (来访接待记录, LF-2026-000001): a walk-in at the gate by L1 (R-SITE-01..04),
    or an appointment expected today (预约待到) that L1 marks arrived. A party not visiting the
    display centre is recorded as a non-sales reception (R-SITE-05)."""
    at = now_or(now)
    project = _project_for_visits(actor, project_id)
    code = acting_post(actor, project.pk, post, prefer=[PostCode.L1])
    clean = _clean_details(details or {})
    if mode not in {m.value for m in VisitMode}:
        raise ValidationFailed(fields={"mode": [_("Choose one of the listed options")]})
    required = ["client_name"]
    if mode == VisitMode.WALK_IN and visiting_display_centre:
        required.append("appearance")  # said in the arrival broadcast (R-SITE-03)
    missing = {name: [_("This field is required")] for name in required if not clean.get(name)}
    if missing:
        raise ValidationFailed(fields=missing)
    visit = Visit(
        project=project, mode=mode, created_by=actor, created_at=at, expected_at=expected_at
    )
    _apply_details(visit, clean, check=False)
    with domain_errors():
        started = domain_start_visit(
            mode,
            at=at,
            post=code,
            client_name=visit.client_name,
            salutation=visit.salutation,
            party_size=visit.party_size,
            appearance=visit.appearance,
            has_vehicle=visit.has_vehicle,
            multi_person_car=visit.multi_person_car,
            raining=visit.raining,
            own_umbrella=visit.own_umbrella,
            smoker=visit.smoker,
        )
        if not visiting_display_centre:
            started = record_gate_answer(started, visiting_display_centre=False)
    visit.stage = started.stage
    visit.category = started.category
    visit.stage_at = at
    visit.day = timezone.localdate(expected_at or at)
    visit.number = next_number(project=project, key="visit", on=visit.day)
    visit.save()
    first = started.history[0]
    VisitStage.objects.create(
        visit=visit, stage=first.stage, action=first.action, post=first.post, at=at, actor=actor
    )
    record_event(
        entity=visit,
        action="visit.started",
        actor=actor,
        project_id=project.pk,
        to_state=visit.stage,
        data={"mode": mode, "post": code, "category": visit.category},
        at=at,
    )
    _publish(visit)
    return visit


@transaction.atomic
def update_visit(
    *,
    actor: Staff,
    visit_id: Any,
    details: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Visit:
    """Correct the party's details (name, salutation, party size, appearance, car, weather …)."""
    at = now_or(now)
    visit = lock_visit(actor, visit_id)
    changed = _apply_details(visit, _clean_details(details))
    if changed:
        visit.save(update_fields=changed)
        record_event(
            entity=visit,
            action="visit.updated",
            actor=actor,
            project_id=visit.project_id,
            data={"fields": changed},
            at=at,
        )
        _publish(visit)
    return visit


def _record_step(visit: Visit, entry: StageEntry, *, actor: Staff | None, before: str) -> None:
    visit.stage = entry.stage
    visit.stage_at = entry.at
    fields = ["stage", "stage_at", "capacity_answer"]
    if entry.stage == Stage.DEPARTED:
        visit.departed_at = entry.at
        fields.append("departed_at")
    visit.save(update_fields=fields)
    VisitStage.objects.create(
        visit=visit,
        stage=entry.stage,
        action=entry.action,
        post=entry.post,
        at=entry.at,
        actor=actor,
    )
    record_event(
        entity=visit,
        action=f"visit.{entry.action}",
        actor=actor,
        project_id=visit.project_id,
        from_state=before,
        to_state=entry.stage,
        data={"post": entry.post},
        at=entry.at,
    )
    _publish(visit)


def answer(visit: Visit, reply: str, *, actor: Staff | None, post: str, now: dt.datetime) -> Visit:
    """The sales centre answers the (locked) visit's capacity question (R-RADIO-05/19): the visit
    is cleared (可以接待) or recorded as declined (无法接待), and the open question is answered."""
    before = visit.stage
    with domain_errors():
        after = domain_answer_capacity(snapshot(visit), reply, post=post, at=now)
    visit.capacity_answer = after.capacity_answer
    _record_step(visit, after.history[-1], actor=actor, before=before)
    question = dispatch.open_call(visit, "capacity_query")
    if question is not None and question.acknowledged_at is None:
        dispatch.acknowledge(question, actor=actor, post=post, reply=after.capacity_answer, now=now)
    return visit


@transaction.atomic
def answer_capacity(
    *,
    actor: Staff,
    visit_id: Any,
    reply: str,
    post: str | None = None,
    now: dt.datetime | None = None,
) -> Visit:
    """可以接待 / 无法接待 for a walk-in waiting at the gate (R-RADIO-05, R-RADIO-19)."""
    at = now_or(now)
    visit = lock_visit(actor, visit_id)
    code = acting_post(actor, visit.project_id, post, prefer=[PostCode.CENTRE])
    return answer(visit, reply, actor=actor, post=code, now=at)


@transaction.atomic
def advance_visit(
    *,
    actor: Staff,
    visit_id: Any,
    action: str,
    post: str | None = None,
    details: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Visit:
    """Take one step of the journey at the actor's post (the domain's table decides who may and
    when) and do what goes with it: the calls the acting post sends, the VIP room step. `details`
    (e.g. the appearance noted when an appointment arrives) are saved first."""
    at = now_or(now)
    visit = lock_visit(actor, visit_id)
    code = acting_post(actor, visit.project_id, post)
    if details:
        changed = _apply_details(visit, _clean_details(details))
        if changed:
            visit.save(update_fields=changed)
    if action in (ADMIT, DECLINE):
        reply = CapacityAnswer.CAN if action == ADMIT else CapacityAnswer.CANNOT
        return answer(visit, reply.value, actor=actor, post=code, now=at)
    before = snapshot(visit)
    with domain_errors():
        after = apply_visit(before, action, post=code, at=at)
    goes_with = effects(before, action)
    if (
        code == PostCode.X1
        and visit.salesperson_id is None
        and action in (TO_RECEPTION_AREA, TO_MODEL_AREA)
    ):
        visit.salesperson = actor  # the key-account manager who greets the party takes it
        visit.save(update_fields=["salesperson"])
    visit.capacity_answer = after.capacity_answer
    _record_step(visit, after.history[-1], actor=actor, before=before.stage)
    if goes_with.room_action:
        room = rooms.room_for_visit(visit)
        if room is not None:
            room_post = code if goes_with.room_action == OCCUPY else SYSTEM
            rooms.step(room, goes_with.room_action, post=room_post, actor=actor, now=at)
    slots = call_slots(snapshot(visit))
    for template in goes_with.calls:
        if code in TEMPLATES[template].callers:
            dispatch.send(
                project=visit.project,
                actor=actor,
                caller_post=code,
                template=template,
                slots=slots,
                visit=visit,
                now=at,
            )
    if visit.stage == Stage.DEPARTED:
        rotation.visit_departed(visit, actor=actor, now=at)
    return visit
