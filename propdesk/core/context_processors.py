"""Navigation shell: modules of ARCHITECTURE.md and the projects the user may switch to."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from propdesk.core import access
from propdesk.core import permissions as P

# (url name, label, icon letter) in the order of UI.md's left navigation.
NAVIGATION = [
    ("core:workbench", _("Workbench"), "台"),
    ("complaints:index", _("Complaints"), "诉"),
    ("workorders:index", _("Repairs"), "修"),
    ("billing:index", _("Billing"), "费"),
    ("residents:index", _("Resident services"), "户"),
    ("reception:index", _("Sales centre"), "案"),
    ("core:reports", _("Reports"), "表"),
    ("core:settings", _("Settings"), "设"),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    staff = getattr(request, "staff", None)
    if staff is None:
        return {}
    return {
        "nav_items": NAVIGATION,
        "switchable_projects": access.projects(staff),  # loaded with the permissions
        "current_project": getattr(request, "project", None),
        # shows the personal-data access log tab in settings (no query: permissions are cached)
        "can_view_audit": bool(
            getattr(request, "project", None)
            and access.has_perm(staff, request.project.pk, P.VIEW_AUDIT)  # type: ignore[attr-defined]
        ),
    }
