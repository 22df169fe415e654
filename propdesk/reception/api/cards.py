"""Client cards and appointments (R-ROTA-02/08/14/15): cards with search, create, correct and
reassign; appointments with create, change, every transition and the quietest slots of a day.
Phones are masked for roles without personal data (R-GEN-09); reads showing them in clear (a
card, a page of the list) are logged in the personal-data access log. Refusals are problem+json: 409
for a transition not allowed now, 403 for another salesperson's appointment, 422 field errors."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.api.common import (
    ERROR_RESPONSES,
    InputSchema,
    PagePagination,
    ProblemOut,
    actor_of,
    data_of,
)
from propdesk.core.models import AccessChannel, Project
from propdesk.core.services import audit
from propdesk.reception.models import Appointment, AppointmentState, ClientCard
from propdesk.reception.services import appointments as appt_services
from propdesk.reception.services import cards as card_services

router = Router(tags=["reception"])
ACTED = {**ERROR_RESPONSES, 409: ProblemOut}
StateName = Literal[tuple(AppointmentState.values)]  # type: ignore[valid-type]
SalutationName = Literal["mr", "miss", "ms"]


# --- schemas ------------------------------------------------------------------------------
class CardOut(Schema):
    id: int
    project: int
    number: str
    card_name: str = Field(description="The project's name for the card, e.g. 加州1885VIP资料卡")
    name: str
    salutation: str
    mobile: str = Field(description="Masked (138****8000) without personal_data.view")
    party_size: int
    source: str
    interest: str
    note: str
    owner: int
    owner_name: str
    registered_at: dt.datetime
    registered_by: int

    @staticmethod
    def resolve_project(obj: ClientCard) -> int:
        return obj.project_id

    @staticmethod
    def resolve_card_name(obj: ClientCard) -> str:
        return card_services.card_name(obj.project)

    @staticmethod
    def resolve_mobile(obj: ClientCard, context: Any) -> str:
        if not hasattr(obj, "mobile_display"):
            access.apply_masking(context["request"].auth, [obj])
        return str(obj.mobile_display)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_owner(obj: ClientCard) -> int:
        return obj.owner_id

    @staticmethod
    def resolve_owner_name(obj: ClientCard) -> str:
        return obj.owner.name

    @staticmethod
    def resolve_registered_by(obj: ClientCard) -> int:
        return obj.registered_by_id


class CardIn(InputSchema):
    project: int
    name: str
    salutation: SalutationName = "mr"
    mobile: str
    party_size: int = 1
    source: str = ""
    interest: str = ""
    note: str = ""
    owner: int | None = Field(None, description="Supervisors: the salesperson who owns the client")


class CardPatch(InputSchema):
    name: str | None = None
    salutation: SalutationName | None = None
    mobile: str | None = None
    party_size: int | None = None
    source: str | None = None
    interest: str | None = None
    note: str | None = None


class OwnerIn(InputSchema):
    owner: int
    note: str = Field("", max_length=200, description="Why (on the timeline)")


class CardQuery(Schema):
    project: int | None = None
    q: str = Field("", description="Name, pinyin initials (zs = 张三), phone digits or number")
    owner: int | None = None


class AppointmentOut(Schema):
    id: int
    project: int
    number: str
    card: int
    client_name: str
    salesperson: int
    salesperson_name: str
    state: StateName
    state_label: str
    state_at: dt.datetime
    proposed_at: dt.datetime
    confirmed_at: dt.datetime | None
    slot: dt.datetime = Field(description="The confirmed time, else the proposal")
    party_size: int
    note: str
    approved_by: int | None
    approved_at: dt.datetime | None
    media_override: bool
    warnings: list[str] = Field(description="What the day's rules said (R-ROTA-02/15)")
    cancel_reason: str
    visit: int | None

    @staticmethod
    def resolve_project(obj: Appointment) -> int:
        return obj.project_id

    @staticmethod
    def resolve_card(obj: Appointment) -> int:
        return obj.card_id

    @staticmethod
    def resolve_client_name(obj: Appointment) -> str:
        return obj.card.name

    @staticmethod
    def resolve_salesperson(obj: Appointment) -> int:
        return obj.salesperson_id

    @staticmethod
    def resolve_salesperson_name(obj: Appointment) -> str:
        return obj.salesperson.name

    @staticmethod
    def resolve_state_label(obj: Appointment) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_approved_by(obj: Appointment) -> int | None:
        return obj.approved_by_id

    @staticmethod
    def resolve_visit(obj: Appointment) -> int | None:
        return obj.visit_id


class AppointmentIn(InputSchema):
    card: int
    proposed_at: dt.datetime
    party_size: int | None = Field(None, ge=1, le=99, description="Default: the card's")
    note: str = Field("", max_length=200)
    salesperson: int | None = Field(None, description="Default: the card's owner")
    manager_override: bool = Field(False, description="Supervisors: on a media open day")
    submit: bool = Field(False, description="Also submit it for approval (待确认)")


class AppointmentPatch(InputSchema):
    proposed_at: dt.datetime | None = None
    party_size: int | None = Field(None, ge=1, le=99)
    note: str | None = Field(None, max_length=200)
    salesperson: int | None = None


class ApproveIn(InputSchema):
    manager_override: bool = False


class ConfirmIn(InputSchema):
    confirmed_at: dt.datetime | None = Field(None, description="Default: the proposed time")


class ArriveIn(InputSchema):
    visit: int | None = Field(None, description="The visit opened for the party")


class CancelIn(InputSchema):
    reason: str = Field(max_length=200)


class AppointmentQuery(Schema):
    project: int | None = None
    day: dt.date | None = Field(None, description="Local date of the (confirmed) time")
    state: StateName | None = None
    card: int | None = None
    upcoming: bool = Field(False, description="Open appointments from today on")


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    booked: int = Field(description="Approved/confirmed appointments in the slot")
    forecast: float = Field(description="Average visits begun then, same weekday, last 4 weeks")
    load: float


class SlotsOut(Schema):
    day: dt.date
    open_from: dt.time
    open_until: dt.time
    media_open_day: bool
    suggested: list[SlotOut] = Field(description="The three quietest slots (R-ROTA-14)")
    slots: list[SlotOut]


# --- cards --------------------------------------------------------------------------------
def _card(request: HttpRequest, card_id: int) -> ClientCard:
    return card_services.get_card_for(actor_of(request), card_id)


def _shown_cards(request: HttpRequest, cards: list[ClientCard]) -> list[ClientCard]:
    context = audit.context_of(request, AccessChannel.API)
    return card_services.show_cards(actor_of(request), cards, context=context)


@router.get("/reception/cards", response={200: list[CardOut], **ERROR_RESPONSES})
@paginate(PagePagination, on_page=_shown_cards)
def list_cards(request: HttpRequest, filters: Query[CardQuery]) -> object:
    """Registered clients, newest first (phones masked without personal_data.view)."""
    return card_services.list_cards(
        actor_of(request),
        card_services.CardFilters(project=filters.project, q=filters.q, owner=filters.owner),
    )


@router.post("/reception/cards", response={201: CardOut, **ACTED})
def create_card(request: HttpRequest, payload: CardIn) -> Status[ClientCard]:
    """Register a client (R-ROTA-14); the mobile is unique per project (R-ROTA-08)."""
    card = card_services.create_card(
        actor=actor_of(request),
        project_id=payload.project,
        data=data_of(payload, exclude=["project", "owner"]),
        owner_id=payload.owner,
    )
    return Status(201, _card(request, card.pk))


@router.get("/reception/cards/{card_id}", response={200: CardOut, **ERROR_RESPONSES})
def get_card(request: HttpRequest, card_id: int) -> ClientCard:
    context = audit.context_of(request, AccessChannel.API)
    return card_services.view_card(actor_of(request), card_id, context=context)


@router.patch("/reception/cards/{card_id}", response={200: CardOut, **ACTED})
def update_card(request: HttpRequest, card_id: int, payload: CardPatch) -> ClientCard:
    card_services.update_card(actor=actor_of(request), card_id=card_id, data=data_of(payload))
    return _card(request, card_id)


@router.post("/reception/cards/{card_id}/owner", response={200: CardOut, **ACTED})
def reassign_owner(request: HttpRequest, card_id: int, payload: OwnerIn) -> ClientCard:
    """Give the client to another salesperson (supervisors; on the timeline)."""
    card_services.reassign_owner(
        actor=actor_of(request), card_id=card_id, owner_id=payload.owner, note=payload.note
    )
    return _card(request, card_id)


# --- appointments -------------------------------------------------------------------------
def _appt(request: HttpRequest, appointment_id: int) -> Appointment:
    return appt_services.get_appointment_for(actor_of(request), appointment_id)


@router.get("/reception/appointments", response={200: list[AppointmentOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_appointments(request: HttpRequest, filters: Query[AppointmentQuery]) -> object:
    """Appointments by their time: a day's (who the gate expects), a card's, or upcoming."""
    return appt_services.list_appointments(
        actor_of(request),
        appt_services.AppointmentFilters(
            project=filters.project,
            day=filters.day,
            state=filters.state or "",
            card=filters.card,
            upcoming=filters.upcoming,
        ),
    )


@router.post("/reception/appointments", response={201: AppointmentOut, **ACTED})
def create_appointment(request: HttpRequest, payload: AppointmentIn) -> Status[Appointment]:
    """Draft an appointment (R-ROTA-14); refused on a media open day without a supervisor's
    override (R-ROTA-15)."""
    data = data_of(payload, exclude=["card", "manager_override", "submit"])
    appt = appt_services.create_appointment(
        actor=actor_of(request),
        card_id=payload.card,
        data={k: v for k, v in data.items() if v is not None},
        manager_override=payload.manager_override,
        submit=payload.submit,
    )
    return Status(201, _appt(request, appt.pk))


@router.get(
    "/reception/appointments/{appointment_id}",
    response={200: AppointmentOut, **ERROR_RESPONSES},
)
def get_appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    return _appt(request, appointment_id)


@router.patch("/reception/appointments/{appointment_id}", response={200: AppointmentOut, **ACTED})
def update_appointment(
    request: HttpRequest, appointment_id: int, payload: AppointmentPatch
) -> Appointment:
    """Change a draft or a proposal awaiting approval."""
    appt_services.update_appointment(
        actor=actor_of(request), appointment_id=appointment_id, data=data_of(payload)
    )
    return _appt(request, appointment_id)


@router.post(
    "/reception/appointments/{appointment_id}/submit", response={200: AppointmentOut, **ACTED}
)
def submit_appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    appt_services.submit_appointment(actor=actor_of(request), appointment_id=appointment_id)
    return _appt(request, appointment_id)


@router.post(
    "/reception/appointments/{appointment_id}/approve", response={200: AppointmentOut, **ACTED}
)
def approve_appointment(
    request: HttpRequest, appointment_id: int, payload: ApproveIn
) -> Appointment:
    """Department manager or supervisor (R-ROTA-14); warnings kept (R-ROTA-02/15)."""
    appt_services.approve_appointment(
        actor=actor_of(request),
        appointment_id=appointment_id,
        manager_override=payload.manager_override,
    )
    return _appt(request, appointment_id)


@router.post(
    "/reception/appointments/{appointment_id}/confirm", response={200: AppointmentOut, **ACTED}
)
def confirm_appointment(
    request: HttpRequest, appointment_id: int, payload: ConfirmIn
) -> Appointment:
    """The final time agreed with the client, within the day's opening hours."""
    appt_services.confirm_appointment(
        actor=actor_of(request), appointment_id=appointment_id, confirmed_at=payload.confirmed_at
    )
    return _appt(request, appointment_id)


@router.post(
    "/reception/appointments/{appointment_id}/arrive", response={200: AppointmentOut, **ACTED}
)
def mark_arrived(request: HttpRequest, appointment_id: int, payload: ArriveIn) -> Appointment:
    appt_services.mark_arrived(
        actor=actor_of(request), appointment_id=appointment_id, visit_id=payload.visit
    )
    return _appt(request, appointment_id)


@router.post(
    "/reception/appointments/{appointment_id}/no-show", response={200: AppointmentOut, **ACTED}
)
def mark_no_show(request: HttpRequest, appointment_id: int) -> Appointment:
    appt_services.mark_no_show(actor=actor_of(request), appointment_id=appointment_id)
    return _appt(request, appointment_id)


@router.post(
    "/reception/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ACTED}
)
def cancel_appointment(request: HttpRequest, appointment_id: int, payload: CancelIn) -> Appointment:
    appt_services.cancel_appointment(
        actor=actor_of(request), appointment_id=appointment_id, reason=payload.reason
    )
    return _appt(request, appointment_id)


def _slot(s: appt_services.SlotLoad) -> dict[str, Any]:
    return {
        "start": s.start,
        "end": s.end,
        "booked": s.booked,
        "forecast": s.forecast,
        "load": s.load,
    }


@router.get("/reception/appointment-slots", response={200: SlotsOut, **ERROR_RESPONSES})
def appointment_slots(request: HttpRequest, project: int, day: dt.date) -> dict[str, Any]:
    """The day's half-hour slots with booked + forecast clients, and the three quietest
    (R-ROTA-14)."""
    actor = actor_of(request)
    found: Project = access.get_project_for(actor, project, P.VIEW_RECEPTION)
    info = appt_services.day_info(found.pk, day)
    return {
        "day": day,
        "open_from": info.open_from,
        "open_until": info.open_until,
        "media_open_day": info.media_open_day,
        "suggested": [_slot(s) for s in appt_services.suggest_slots(actor, found.pk, day)],
        "slots": [_slot(s) for s in appt_services.day_slots(found.pk, day)],
    }
