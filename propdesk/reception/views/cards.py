"""Pages of the client cards and appointments (R-ROTA-02/08/14/15): the card list with live search,
the card form (called by the project's card name, 《加州1885VIP资料卡》), one card with its
appointments, visits and history; the day's appointments for the floor (who the gate expects)
and the approvals waiting for a manager; the appointment form with the three quietest slots
(tap to fill); one appointment with the buttons of the transitions the user may take.
Views parse, call one service and render; the rules are in the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from propdesk.core import permissions as P
from propdesk.core.errors import DomainError, NotFound, ValidationFailed
from propdesk.core.forms import DATE, TIME, DataForm, SearchForm
from propdesk.core.services import audit
from propdesk.core.templatetags.propdesk_tags import ACTION_LABELS
from propdesk.core.views.common import can, paginate, render_list, show_errors, staff_view
from propdesk.reception.models import SALUTATIONS, AppointmentState
from propdesk.reception.services import appointments as appt_services
from propdesk.reception.services import cards as card_services

ACTION_LABELS |= appt_services.TIMELINE_LABELS

BUTTONS = {
    "submit": _("Submit for approval"),
    "approve": _("Approve"),
    "confirm": _("Confirm with the client"),
    "arrive": _("Arrived"),
    "no_show": _("No-show"),
    "cancel": _("Cancel the appointment"),
}


def _staff(request: HttpRequest) -> Any:
    return request.staff  # type: ignore[attr-defined]


def _project(request: HttpRequest) -> Any:
    return request.project  # type: ignore[attr-defined]


# --- forms --------------------------------------------------------------------------------
class CardForm(DataForm):
    service_fields = card_services.CARD_FIELDS
    name = forms.CharField(label=_("Client name"), max_length=20)
    salutation = forms.ChoiceField(
        label=_("Salutation"), choices=list(SALUTATIONS.items()), initial="mr"
    )
    mobile = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    party_size = forms.IntegerField(label=_("Party size"), initial=1)
    source = forms.CharField(label=_("How they heard of us"), max_length=40, required=False)
    interest = forms.CharField(label=_("Interest"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, owners: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners:  # a supervisor names the salesperson who owns the client
            self.fields["owner"] = forms.TypedChoiceField(
                label=_("Salesperson"),
                coerce=int,
                choices=[(s.pk, s.name) for s in owners],
            )


class OwnerForm(forms.Form):
    owner = forms.TypedChoiceField(label=_("Salesperson"), coerce=int)
    note = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, owners: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(s.pk, s.name) for s in owners]  # type: ignore[attr-defined]


class AppointmentForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=DATE)
    time = forms.TimeField(label=_("Time"), widget=TIME)
    party_size = forms.IntegerField(label=_("Party size"), initial=1)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    submit_now = forms.BooleanField(
        label=_("Submit for approval now"), required=False, initial=True
    )


def _when(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _day(request: HttpRequest, name: str = "day") -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return timezone.localdate()


def _shown(request: HttpRequest, cards: Any, *, single: bool = False) -> list[Any]:
    """Phones masked as the role requires (R-GEN-09; a view in clear is logged) and the
    salutation as a word."""
    items = card_services.show_cards(
        _staff(request), cards, context=audit.context_of(request), single=single
    )
    for card in items:
        card.salutation_word = SALUTATIONS.get(card.salutation, "")
    return items


def _common(request: HttpRequest) -> dict[str, Any]:
    return {"card_name": card_services.card_name(_project(request))}


# --- cards --------------------------------------------------------------------------------
@staff_view
def card_list(request: HttpRequest) -> HttpResponse:
    """The registered clients, searched live by name, pinyin initials, phone digits or number."""
    search = SearchForm(request.GET)
    filters = card_services.CardFilters(project=_project(request).pk, q=search.value("q", ""))
    page = paginate(request, card_services.list_cards(_staff(request), filters))
    page.object_list = _shown(request, page.object_list)
    context = {
        **_common(request),
        "search": search,
        "page": page,
        "can_operate": can(request, P.OPERATE_RECEPTION),
    }
    return render_list(
        request, "reception/cards/list.html", "reception/cards/_results.html", context
    )


@staff_view
def card_create(request: HttpRequest) -> HttpResponse:
    project = _project(request)
    owners = card_services.salespeople(project.pk) if can(request, P.SUPERVISE_RECEPTION) else None
    form = CardForm(request.POST or None, owners=owners, initial={"owner": _staff(request).pk})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                card = card_services.create_card(
                    actor=_staff(request),
                    project_id=project.pk,
                    data=form.service_data(),
                    owner_id=form.cleaned_data.get("owner"),
                )
            except ValidationFailed as exc:
                show_errors(form, exc)
            else:
                messages.success(request, _("Card {number} saved").format(number=card.number))
                return redirect("reception:card", pk=card.pk)
    return render(
        request, "reception/cards/form.html", {**_common(request), "form": form}, status=status
    )


@staff_view
def card_edit(request: HttpRequest, pk: int) -> HttpResponse:
    card = card_services.view_card(_staff(request), pk, context=audit.context_of(request))
    initial = {f: getattr(card, f) for f in card_services.CARD_FIELDS}
    initial["mobile"] = card.mobile_display  # type: ignore[attr-defined]
    form = CardForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.service_data()
            if data.get("mobile") == initial["mobile"]:  # an untouched (masked) value
                del data["mobile"]
            try:
                card_services.update_card(actor=_staff(request), card_id=card.pk, data=data)
            except ValidationFailed as exc:
                show_errors(form, exc)
            else:
                messages.success(request, _("Saved"))
                return redirect("reception:card", pk=card.pk)
    context = {**_common(request), "form": form, "card": card}
    return render(request, "reception/cards/form.html", context, status=status)


@staff_view
def card_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One registered client: the card, its owner, its appointments and the visits they became,
    the history; a supervisor may give the client to another salesperson."""
    staff = _staff(request)
    card = card_services.get_card_for(staff, pk)
    _shown(request, [card], single=True)
    supervise = can(request, P.SUPERVISE_RECEPTION, card.project_id)
    appointments = card_services.appointments_of(card)
    context = {
        **_common(request),
        "card": card,
        "appointments": appointments,
        "visits": [a.visit for a in appointments if a.visit_id],
        "can_edit": card_services.may_edit(staff, card),
        "can_operate": can(request, P.OPERATE_RECEPTION, card.project_id),
        "owner_form": OwnerForm(
            initial={"owner": card.owner_id}, owners=card_services.salespeople(card.project_id)
        )
        if supervise
        else None,
    }
    return render(request, "reception/cards/detail.html", context)


@require_POST
@staff_view
def card_owner(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        card_services.reassign_owner(
            actor=_staff(request),
            card_id=pk,
            owner_id=request.POST.get("owner"),
            note=request.POST.get("note", ""),
        )
    except ValidationFailed as exc:
        messages.error(request, _first(exc))
    else:
        messages.success(request, _("Saved"))
    return redirect("reception:card", pk=pk)


def _first(exc: DomainError) -> str:
    for texts in exc.fields.values():
        if texts:
            return str(texts[0])
    return str(exc.message)


# --- appointments -------------------------------------------------------------------------
@staff_view
def appointment_list(request: HttpRequest) -> HttpResponse:
    """The day's appointments for the floor (who the gate expects, with the media-open-day
    warning), and for managers the ones waiting for approval."""
    staff, project = _staff(request), _project(request)
    day = _day(request)
    rows = list(
        appt_services.list_appointments(
            staff, appt_services.AppointmentFilters(project=project.pk, day=day)
        )
    )
    pending = []
    if can(request, P.SUPERVISE_RECEPTION):
        pending = list(
            appt_services.list_appointments(
                staff,
                appt_services.AppointmentFilters(
                    project=project.pk, state=AppointmentState.PENDING
                ),
            )
        )
    context = {
        **_common(request),
        "day": day,
        "info": appt_services.day_info(project.pk, day),
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "expected": [a for a in rows if a.state in appt_services.BOOKED],
        "others": [a for a in rows if a.state not in appt_services.BOOKED],
        "pending": pending,
        "guideline": appt_services.rota_settings(project).appointments_per_day,
    }
    return render(request, "reception/appointments/list.html", context)


@staff_view
def appointment_create(request: HttpRequest) -> HttpResponse:
    """Draft an appointment for a card; the three quietest slots of the chosen day fill the
    time with one tap (links, no script needed)."""
    staff = _staff(request)
    card = card_services.get_card_for(staff, request.GET.get("card") or request.POST.get("card"))
    day = _day(request)
    initial: dict[str, Any] = {"day": day, "party_size": card.party_size, "submit_now": True}
    if request.GET.get("time"):
        initial["time"] = request.GET["time"]
    form = AppointmentForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                appt = appt_services.create_appointment(
                    actor=staff,
                    card_id=card.pk,
                    data={
                        "proposed_at": _when(data["day"], data["time"]),
                        "party_size": data["party_size"],
                        "note": data["note"],
                    },
                    manager_override=request.POST.get("manager_override") == "on",
                    submit=data["submit_now"],
                )
            except ValidationFailed as exc:
                if "proposed_at" in exc.fields:
                    exc.fields["time"] = exc.fields.pop("proposed_at")
                show_errors(form, exc)
            else:
                messages.success(
                    request, _("Appointment {number} saved").format(number=appt.number)
                )
                return redirect("reception:appointment", pk=appt.pk)
        day = form.cleaned_data.get("day", day) if hasattr(form, "cleaned_data") else day
    context = {
        **_common(request),
        "form": form,
        "card": card,
        "day": day,
        "info": appt_services.day_info(card.project_id, day),
        "slots": appt_services.suggest_slots(staff, card.project_id, day),
        "can_supervise": can(request, P.SUPERVISE_RECEPTION, card.project_id),
        "slot_base": f"{reverse('reception:appointment_create')}?card={card.pk}&",
    }
    return render(request, "reception/appointments/form.html", context, status=status)


@staff_view
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff(request)
    appt = appt_services.get_appointment_for(staff, pk)
    _shown(request, [appt.card], single=True)  # the page shows the card's mobile
    slot_day = timezone.localtime(appt.slot).date()
    actions = appt_services.allowed_actions(staff, appt)
    context = {
        **_common(request),
        "appt": appt,
        "actions": [(a, BUTTONS[a]) for a in actions],
        "info": appt_services.day_info(appt.project_id, slot_day),
        "slots": appt_services.suggest_slots(staff, appt.project_id, slot_day)
        if "confirm" in actions
        else [],
    }
    return render(request, "reception/appointments/detail.html", context)


@require_POST
@staff_view
def appointment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One transition button: the service decides; its refusal comes back as a message."""
    staff = _staff(request)
    kwargs: dict[str, Any] = {"actor": staff, "appointment_id": pk}
    try:
        if action not in appt_services.ACTIONS:
            raise ValidationFailed(fields={"action": [_("Choose one of the listed options")]})
        if action == "approve":
            kwargs["manager_override"] = request.POST.get("manager_override") == "on"
        elif action == "confirm":
            when = request.POST.get("time", "")
            if when:
                try:
                    day = dt.date.fromisoformat(request.POST.get("day", ""))
                    kwargs["confirmed_at"] = _when(day, dt.time.fromisoformat(when))
                except ValueError:
                    raise ValidationFailed(
                        fields={"confirmed_at": [_("Enter a valid time like 17:30")]}
                    ) from None
        elif action == "arrive":
            kwargs["visit_id"] = request.POST.get("visit") or None
        elif action == "cancel":
            kwargs["reason"] = request.POST.get("reason", "")
        appt_services.ACTIONS[action](**kwargs)
    except ValidationFailed as exc:
        messages.error(request, _first(exc))
    except NotFound:
        raise
    except DomainError as exc:  # not allowed now / not yours: said on the page
        messages.error(request, str(exc.message))
    else:
        messages.success(request, BUTTONS.get(action, action))
    return redirect("reception:appointment", pk=pk)
