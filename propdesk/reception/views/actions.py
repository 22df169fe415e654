"""The buttons of the floor screens: each POST calls one service. A plain form post redirects
back to the screen with a message; the screen's script (header `X-PropDesk-Live`) gets JSON
instead and refreshes itself without a reload."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from propdesk.core.errors import DomainError, ValidationFailed
from propdesk.core.views.common import staff_view
from propdesk.reception import services
from propdesk.reception.domain.radio import SLOTS

LIVE_HEADER = "HTTP_X_PROPDESK_LIVE"
DETAIL_FIELDS = (
    "client_name",
    "salutation",
    "party_size",
    "appearance",
    "arrival",
    "plate",
)
FLAGS = ("multi_person_car", "raining", "own_umbrella", "smoker")


def _live(request: HttpRequest) -> bool:
    return request.META.get(LIVE_HEADER) == "1"


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("reception:index")
    return redirect(target)


def _message(exc: DomainError) -> str:
    for field, texts in exc.fields.items():
        if texts:
            label = SLOTS[field].label if field in SLOTS else ""
            return f"{label}:{texts[0]}" if label and label not in texts[0] else str(texts[0])
    return str(exc.message)


def floor_action(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """POST only; the service's result or error as JSON (live) or a message + redirect."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            done = view(request, *args, **kwargs)
        except DomainError as exc:
            if _live(request):
                body = {"ok": False, "message": _message(exc), "errors": exc.fields}
                return JsonResponse(body, status=exc.status)
            messages.error(request, _message(exc))
            return _back(request)
        if _live(request):
            return JsonResponse({"ok": True, "message": str(done or "")})
        if done:
            messages.success(request, str(done))
        return _back(request)

    return staff_view(require_POST(wrapper))


def _staff(request: HttpRequest) -> Any:
    return request.staff  # type: ignore[attr-defined]


def _post(request: HttpRequest) -> str | None:
    return request.POST.get("post") or None


def _details(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {k: request.POST[k] for k in DETAIL_FIELDS if k in request.POST}
    if request.POST.get("flags") == "1":  # the form shows the check boxes
        data = {**data, **{k: request.POST.get(k) == "on" for k in FLAGS}}
    return data


@floor_action
def visit_start(request: HttpRequest) -> str:
    visit = services.start_visit(
        actor=_staff(request),
        project_id=request.project.pk,  # type: ignore[attr-defined]
        mode=request.POST.get("mode", "walk_in"),
        details=_details(request),
        visiting_display_centre=request.POST.get("non_sales") != "on",
        post=_post(request),
    )
    return str(_("Visit {number} registered").format(number=visit.number))


@floor_action
def visit_step(request: HttpRequest, pk: int) -> str:
    services.advance_visit(
        actor=_staff(request),
        visit_id=pk,
        action=request.POST.get("action", ""),
        post=_post(request),
        details=_details(request) or None,
    )
    return ""


@floor_action
def visit_details(request: HttpRequest, pk: int) -> str:
    services.update_visit(actor=_staff(request), visit_id=pk, details=_details(request))
    return str(_("Saved"))


@floor_action
def call_send(request: HttpRequest) -> str:
    template = request.POST.get("template", "")
    slots = {
        key[len("slot_") :]: value
        for key, value in request.POST.items()
        if key.startswith("slot_") and value != ""
    }
    callee = slots.pop("callee_post", None)
    call = services.send_call(
        actor=_staff(request),
        project_id=request.project.pk,  # type: ignore[attr-defined]
        template=template,
        post=_post(request),
        callee_post=callee,
        visit_id=request.POST.get("visit") or None,
        slots=slots,
    )
    return call.text


@floor_action
def call_ack(request: HttpRequest, pk: int) -> str:
    services.acknowledge_call(
        actor=_staff(request),
        call_id=pk,
        reply=request.POST.get("reply") or None,
        post=_post(request),
    )
    return ""


@floor_action
def call_complete(request: HttpRequest, pk: int) -> str:
    services.complete_call(
        actor=_staff(request), call_id=pk, post=_post(request), plate=request.POST.get("plate")
    )
    return ""


ROOM_ACTIONS = {
    "ready": services.mark_room_ready,
    "release": services.release_room,
    "clean": services.mark_room_clean,
}


@floor_action
def room_action(request: HttpRequest, pk: int, action: str) -> str:
    service = ROOM_ACTIONS.get(action)
    if service is None:
        raise ValidationFailed(fields={"action": [_("Choose one of the listed options")]})
    service(actor=_staff(request), room_id=pk, post=_post(request))
    return ""


@floor_action
def room_create(request: HttpRequest) -> str:
    room = services.create_room(
        actor=_staff(request),
        project_id=request.project.pk,  # type: ignore[attr-defined]
        number=request.POST.get("number", ""),
    )
    return str(_("{room} added").format(room=room.label))
