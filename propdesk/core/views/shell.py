"""The shell pages: workbench (工作台), project switcher, module overviews, error pages, health."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from propdesk.core import access, selectors
from propdesk.core.context_processors import NAVIGATION
from propdesk.core.middleware import SESSION_KEY
from propdesk.core.models import Deadline
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.services import notifications
from propdesk.core.views.common import staff_view

DUE_LIST_SIZE = 20


def _greeting_key(hour: int) -> str:
    if hour < 5:
        return "evening"
    if hour < 11:
        return "morning"
    if hour < 13:
        return "noon"
    if hour < 18:
        return "afternoon"
    return "evening"


@staff_view
def workbench(request: HttpRequest) -> HttpResponse:
    """工作台: the landing page of every role (UI.md): greeting, current project, counts."""
    actor, project = request.staff, request.project  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "greeting": _greeting_key(timezone.localtime().hour),
        "today": timezone.localdate(),
        "unit_count": selectors.list_units(
            actor, selectors.UnitFilters(project=project.pk)
        ).count(),
        "resident_count": selectors.list_residents(
            actor, selectors.ResidentFilters(project=project.pk)
        ).count(),
        "staff_count": selectors.list_staff(
            actor, selectors.StaffFilters(project=project.pk)
        ).count(),
        "unread_count": notifications.unread_count(actor=actor),
        # what is due, soonest first (UI.md "工作台"): the open timers the user answers for
        "deadlines": Deadline.objects.filter(
            project=project, responsible=actor, state=DeadlineState.OPEN
        ).order_by("due_at", "id")[:DUE_LIST_SIZE],
    }
    return render(request, "core/workbench.html", context)


@require_POST
@staff_view
def switch_project(request: HttpRequest) -> HttpResponse:
    """Switch the current project to one of the user's own projects (else 404) and stay on
    the page the switcher was used on."""
    project = access.get_project_for(request.staff, request.POST.get("project"))  # type: ignore[attr-defined]
    request.session[SESSION_KEY] = project.pk
    nxt = request.POST.get("next") or reverse("core:workbench")
    if not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        nxt = reverse("core:workbench")
    return HttpResponseRedirect(nxt)


def _module_label(module: str) -> Any:
    for url_name, label, _icon in NAVIGATION:
        if url_name in (f"{module}:index", f"core:{module}"):
            return label
    return module


@staff_view
def module_overview(request: HttpRequest, module: str, planned: list[str]) -> HttpResponse:
    """A module that has no pages yet says what is planned, so the shell stays honest."""
    return render(
        request,
        "core/module_overview.html",
        {"module": module, "module_label": _module_label(module), "planned": planned},
    )


@staff_view
def reports(request: HttpRequest) -> HttpResponse:
    return module_overview(request, "reports", ["投诉处置情况月表", "接待轮次日报", "收缴率"])
