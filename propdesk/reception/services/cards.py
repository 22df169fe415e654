"""Client cards (客户资料卡, SPEC §3.1, R-ROTA-08, R-ROTA-14): the card a salesperson fills with
the client makes the client *registered* and owned by that salesperson (原接待人员).

The card's name is the project's wording (`reception.card_name`, 《加州1885VIP资料卡》 by default,
`card_name`). A mobile number identifies the client: it must be a mainland mobile number and is
unique per project, so a second salesperson trying to register the same client learns whose
client it is (R-ROTA-08). Phones are masked for roles without `personal_data.view` (R-GEN-09),
also in the history. Reassigning the owner is a supervisor's decision and is on the timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from propdesk.core import access, domain
from propdesk.core import permissions as P
from propdesk.core.errors import Forbidden, NotFound, ValidationFailed
from propdesk.core.models import Membership, Project, Staff
from propdesk.core.models.tenancy import ProjectKind
from propdesk.core.services import audit
from propdesk.core.services.numbering import next_number
from propdesk.core.services.timeline import record_event
from propdesk.core.services.validation import (
    Errors,
    apply_changes,
    check_text,
    raise_if,
    reject_unknown,
    stripped,
)
from propdesk.reception.models import SALUTATIONS, Appointment, ClientCard
from propdesk.reception.services.common import now_or, site_script

CARD_FIELDS = ("name", "salutation", "mobile", "party_size", "source", "interest", "note")
_WORD_TO_KEY = {word: key for key, word in SALUTATIONS.items()}
MAX_LENGTHS = {"name": 20, "source": 40, "interest": 200, "note": 200}


def card_name(project: Project) -> str:
    """What the UI calls the card: 《加州1885VIP资料卡》 unless the project names it otherwise."""
    return site_script(project).card


# --- input --------------------------------------------------------------------------------
def mobile_taken_error(project_id: int, mobile: str, exclude_id: int | None = None) -> Any:
    """'该手机号已登记,客户属于…' with the owner's name, or None when the number is free."""
    taken = ClientCard.objects.filter(project_id=project_id, mobile=mobile).select_related("owner")
    if exclude_id:
        taken = taken.exclude(pk=exclude_id)
    card = taken.first()
    if card is None:
        return None
    return _("This mobile number is already registered; the client belongs to {owner}").format(
        owner=card.owner.name
    )


def _clean(
    data: Mapping[str, Any], project_id: int, *, creating: bool, exclude_id: int | None = None
) -> dict[str, Any]:
    """Typed, stripped card fields; every field error at once (nothing is written)."""
    clean = stripped(data)
    reject_unknown(clean, CARD_FIELDS)
    errors: Errors = {}
    for name, max_length in MAX_LENGTHS.items():
        check_text(errors, clean, name, required=creating and name == "name", max_length=max_length)
    if "salutation" in clean:
        value = str(clean["salutation"] or "")
        key = _WORD_TO_KEY.get(value, value.lower())
        if key not in SALUTATIONS:
            errors.setdefault("salutation", []).append(_("Choose a salutation"))
        clean["salutation"] = key
    if "party_size" in clean:
        try:
            clean["party_size"] = int(clean["party_size"])
        except (TypeError, ValueError):
            errors.setdefault("party_size", []).append(_("Enter a whole number"))
        else:
            if not 1 <= clean["party_size"] <= 99:
                errors.setdefault("party_size", []).append(
                    _("Enter a value of at most {le}").format(le=99)
                    if clean["party_size"] > 99
                    else _("Enter a value of at least {ge}").format(ge=1)
                )
    if creating and not clean.get("mobile"):
        # The phone is what recognises a returning registered client (R-ROTA-08).
        errors.setdefault("mobile", []).append(_("This field is required"))
    elif "mobile" in clean:
        mobile = domain.normalise_mobile(str(clean["mobile"] or ""))
        if not domain.is_valid_mobile(mobile):
            errors.setdefault("mobile", []).append(
                _("Enter an 11-digit mainland mobile number, e.g. 13800138000")
            )
        else:
            clean["mobile"] = mobile
            taken = mobile_taken_error(project_id, mobile, exclude_id)
            if taken is not None:
                errors.setdefault("mobile", []).append(taken)
    raise_if(errors)
    return clean


def _sales_project(actor: Staff, project_id: Any, perm: str) -> Project:
    project = access.get_project_for(actor, project_id, perm)
    if project.kind != ProjectKind.SALES_CENTRE:
        raise ValidationFailed(_("Only a sales centre receives visits"))
    return project


def salespeople(project_id: int) -> list[Staff]:
    """Active staff who may receive clients in the project (reception.operate), by name."""
    memberships = (
        Membership.objects.filter(project_id=project_id, is_active=True, staff__is_active=True)
        .select_related("staff", "role")
        .order_by("staff__name_pinyin", "staff_id")
    )
    people: dict[int, Staff] = {}
    for m in memberships:
        if P.OPERATE_RECEPTION in (m.role.permissions or []):
            people.setdefault(m.staff_id, m.staff)
    return list(people.values())


def check_salesperson(project_id: int, staff_id: Any, field: str) -> Staff:
    """A salesperson of the project (field error otherwise)."""
    try:
        pk = int(staff_id)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={field: [_("Choose one of the listed options")]}) from None
    for person in salespeople(project_id):
        if person.pk == pk:
            return person
    raise ValidationFailed(fields={field: [_("Choose one of the listed options")]})


def _masked_changes(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Phones stay out of the history in clear (R-GEN-09)."""
    return {
        name: [domain.mask_mobile(v or "") for v in pair] if name == "mobile" else pair
        for name, pair in changes.items()
    }


def _set_pinyin(card: ClientCard) -> None:
    card.name_pinyin, card.name_initials = domain.pinyin_keys(card.name)


def _mobile_conflict(project_id: int, mobile: str) -> ValidationFailed:
    """The unique constraint caught a concurrent registration of the same number."""
    message = mobile_taken_error(project_id, mobile) or _("This field is required")
    return ValidationFailed(fields={"mobile": [message]})


# --- use cases ----------------------------------------------------------------------------
def create_card(
    *,
    actor: Staff,
    project_id: Any,
    data: Mapping[str, Any],
    owner_id: Any = None,
    now: dt.datetime | None = None,
) -> ClientCard:
    """Register a client (VIP-2026-000001, R-ROTA-14): a salesperson (reception.operate) fills
    the card and owns the client; a supervisor (reception.supervise) may name another
    salesperson as owner (R-ROTA-08/09). The mobile number is a mainland mobile number, unique
    per project ("该手机号已登记,客户属于…")."""
    at = now_or(now)
    project = _sales_project(actor, project_id, P.OPERATE_RECEPTION)
    clean = _clean(data, project.pk, creating=True)
    owner = actor
    if owner_id not in (None, "") and str(owner_id) != str(actor.pk):
        if not access.has_perm(actor, project.pk, P.SUPERVISE_RECEPTION):
            raise Forbidden(_("Only a supervisor may give the client to another salesperson"))
        owner = check_salesperson(project.pk, owner_id, "owner")
    card = ClientCard(project=project, owner=owner, registered_at=at, registered_by=actor)
    apply_changes(card, clean, CARD_FIELDS)
    _set_pinyin(card)
    try:
        with transaction.atomic():
            card.number = next_number(project=project, key="vip_card", on=at.date())
            card.save()
            record_event(
                entity=card,
                action="client_card.created",
                actor=actor,
                project_id=project.pk,
                data={"number": card.number, "owner": owner.name},
                at=at,
            )
    except IntegrityError:
        raise _mobile_conflict(project.pk, card.mobile) from None
    return card


def _may_edit(actor: Staff, card: ClientCard) -> None:
    access.require(actor, card.project_id, P.OPERATE_RECEPTION)
    if actor.pk in (card.owner_id, card.registered_by_id):
        return
    if not access.has_perm(actor, card.project_id, P.SUPERVISE_RECEPTION):
        raise Forbidden(_("Only the client's salesperson or a supervisor may change the card"))


def _lock_card(actor: Staff, card_id: Any) -> ClientCard:
    try:
        pk = int(card_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    card = ClientCard.objects.select_for_update().select_related("owner").filter(pk=pk).first()
    if card is None or P.VIEW_RECEPTION not in access.perms_by_project(actor).get(
        card.project_id, frozenset()
    ):
        raise NotFound()
    return card


def update_card(
    *, actor: Staff, card_id: Any, data: Mapping[str, Any], now: dt.datetime | None = None
) -> ClientCard:
    """Correct the card (its salesperson, the registrar or a supervisor). A changed mobile is
    checked again for format and uniqueness; the history keeps it masked."""
    at = now_or(now)
    try:
        with transaction.atomic():
            card = _lock_card(actor, card_id)
            _may_edit(actor, card)
            clean = _clean(data, card.project_id, creating=False, exclude_id=card.pk)
            changes = apply_changes(card, clean, CARD_FIELDS)
            if changes:
                _set_pinyin(card)
                card.save()
                record_event(
                    entity=card,
                    action="client_card.updated",
                    actor=actor,
                    project_id=card.project_id,
                    data={"changes": _masked_changes(changes)},
                    at=at,
                )
    except IntegrityError:
        raise _mobile_conflict(card.project_id, str(clean.get("mobile", ""))) from None
    return card


@transaction.atomic
def reassign_owner(
    *,
    actor: Staff,
    card_id: Any,
    owner_id: Any,
    note: str = "",
    now: dt.datetime | None = None,
) -> ClientCard:
    """Give the client to another salesperson (supervisor only, reception.supervise): e.g. the
    original salesperson left (R-ROTA-09). Written to the card's timeline with the reason."""
    at = now_or(now)
    card = _lock_card(actor, card_id)
    access.require(actor, card.project_id, P.SUPERVISE_RECEPTION)
    owner = check_salesperson(card.project_id, owner_id, "owner")
    note = str(note or "").strip()
    if len(note) > 200:
        raise ValidationFailed(fields={"note": [_("At most {n} characters").format(n=200)]})
    if owner.pk == card.owner_id:
        return card
    before = card.owner.name
    card.owner = owner
    card.save(update_fields=["owner"])
    record_event(
        entity=card,
        action="client_card.owner_changed",
        actor=actor,
        project_id=card.project_id,
        note=note,
        data={"changes": {"owner": [before, owner.name]}},
        at=at,
    )
    return card


# --- reads --------------------------------------------------------------------------------
@dataclass(frozen=True)
class CardFilters:
    project: int | None = None
    q: str = ""
    owner: int | None = None


def _cards() -> QuerySet[ClientCard]:
    return ClientCard.objects.select_related("owner", "project")


def list_cards(actor: Staff, filters: CardFilters | None = None) -> QuerySet[ClientCard]:
    """Cards of the actor's sales centres, newest first, searched by name, pinyin or initials
    (zs = 张三), mobile digits or number (one query per page, plus the count)."""
    f = filters or CardFilters()
    qs = access.scope(actor, _cards(), P.VIEW_RECEPTION)
    if f.project is not None:
        qs = qs.filter(project_id=f.project)
    if f.owner is not None:
        qs = qs.filter(owner_id=f.owner)
    q = f.q.strip()
    if q:
        match = Q(name__icontains=q) | Q(number__icontains=q)
        if q.isascii() and q.isalpha():
            match |= Q(name_initials__startswith=q.lower()) | Q(name_pinyin__contains=q.lower())
        digits = domain.normalise_mobile(q)
        if digits.isdigit() and len(digits) >= 4:
            match |= Q(mobile__contains=digits)
        qs = qs.filter(match)
    return qs.order_by("-registered_at", "-id")


def get_card_for(actor: Staff, card_id: Any) -> ClientCard:
    return access.get_for(actor, _cards(), card_id, P.VIEW_RECEPTION)


def show_cards(
    actor: Staff,
    cards: Iterable[ClientCard],
    *,
    context: audit.AccessContext,
    single: bool = False,
) -> list[ClientCard]:
    """Cards for display: the client's mobile masked unless the actor's role in the card's
    project sees personal data (R-GEN-09). Those shown in clear are logged (docs/personal-data.md):
    one row for one card (`client_card`, also when an appointment page shows its card), one row
    per project for a list (`client_card_list`). No query but that one INSERT."""
    items = access.apply_masking(actor, cards)
    audit.record_clear_view(
        actor=actor,
        objects=items,
        object_type="client_card" if single else "client_card_list",
        context=context,
        single=single,
        label=(lambda c: f"{c.number} {c.name}".strip()) if single else None,
    )
    return items


def view_card(actor: Staff, card_id: Any, *, context: audit.AccessContext) -> ClientCard:
    """One card for display (its page, edit form, `GET /reception/cards/{id}`), masked and
    logged as `show_cards`."""
    card = get_card_for(actor, card_id)
    show_cards(actor, [card], context=context, single=True)
    return card


def appointments_of(card: ClientCard) -> list[Appointment]:
    """The card's appointments with their salesperson and visit (one query)."""
    return list(
        Appointment.objects.filter(card=card)
        .select_related("salesperson", "visit")
        .order_by("-proposed_at", "-id")
    )


def may_edit(actor: Staff, card: ClientCard) -> bool:
    try:
        _may_edit(actor, card)
    except (Forbidden, NotFound):
        return False
    return True
