"""Settings (设置) of the current project: names and record prefix, form types, roles."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from propdesk.core import permissions as P
from propdesk.core.errors import ValidationFailed
from propdesk.core.forms import ProjectSettingsForm
from propdesk.core.models import DocumentType, Role
from propdesk.core.services import masterdata
from propdesk.core.views.common import can, show_errors, staff_view

PERMISSION_LABELS = {
    P.VIEW_MASTERDATA: _("View master data"),
    P.CHANGE_MASTERDATA: _("Change buildings, units and residents"),
    P.MANAGE_STAFF: _("Manage departments and staff"),
    P.MANAGE_PROJECT: _("Manage project settings and calendar"),
    P.VIEW_PERSONAL_DATA: _("See phone and ID-card numbers in clear"),
    P.VIEW_AUDIT: _("View audit history"),
}


@staff_view
def settings_index(request: HttpRequest) -> HttpResponse:
    """Project settings: name, the name said in scripts (R-GEN-02), the record prefix (R-GEN-03)."""
    project = request.project  # type: ignore[attr-defined]
    can_manage = can(request, P.MANAGE_PROJECT)
    initial = {f: getattr(project, f) for f in ProjectSettingsForm.base_fields}
    form = ProjectSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            masterdata.update_project(
                actor=request.staff,  # type: ignore[attr-defined]
                project_id=project.pk,
                data=form.service_data(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Project settings saved"))
            return redirect("core:settings")
    return render(request, "core/settings/project.html", {"form": form, "can_manage": can_manage})


@staff_view
def document_types(request: HttpRequest) -> HttpResponse:
    """The project's form types with their number codes and record names (read-only)."""
    rows = DocumentType.objects.filter(project=request.project).order_by("key")  # type: ignore[attr-defined]
    return render(request, "core/settings/document_types.html", {"document_types": rows})


@staff_view
def roles(request: HttpRequest) -> HttpResponse:
    """The configurable roles of SPEC §1 and what each may do (read-only)."""
    rows = [
        {
            "role": role,
            "permissions": [PERMISSION_LABELS.get(p, p) for p in role.permissions or []],
        }
        for role in Role.objects.order_by("sort", "code")
    ]
    return render(request, "core/settings/roles.html", {"roles": rows})
