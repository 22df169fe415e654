"""Attach the acting staff member and the current project (chosen with the project switcher)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from propdesk.core import access

SESSION_KEY = "propdesk_project_id"


class CurrentProjectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.staff = access.staff_for_user(request.user)  # type: ignore[attr-defined]
        request.project = None  # type: ignore[attr-defined]
        staff = request.staff  # type: ignore[attr-defined]
        if staff is not None:
            # loaded with the permissions (one query for both)
            visible = {project.pk: project for project in access.projects(staff)}
            wanted = request.session.get(SESSION_KEY)
            pid = wanted if wanted in visible else min(visible, default=None)
            if pid is not None:
                request.project = visible[pid]  # type: ignore[attr-defined]
                if wanted != pid:
                    request.session[SESSION_KEY] = pid
        return self.get_response(request)
