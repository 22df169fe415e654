"""Attach the acting staff member and the current project (chosen with the project switcher)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from propdesk.core import access
from propdesk.core.models import Project

SESSION_KEY = "propdesk_project_id"


class CurrentProjectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.staff = access.staff_for_user(request.user)  # type: ignore[attr-defined]
        request.project = None  # type: ignore[attr-defined]
        staff = request.staff  # type: ignore[attr-defined]
        if staff is not None:
            visible = access.project_ids(staff)
            wanted = request.session.get(SESSION_KEY)
            pid = wanted if wanted in visible else (visible[0] if visible else None)
            if pid is not None:
                request.project = Project.objects.select_related("company").get(pk=pid)  # type: ignore[attr-defined]
                if wanted != pid:
                    request.session[SESSION_KEY] = pid
        return self.get_response(request)
