"""The paper register entered later (纸质登记补录): the Excel template to fill in and the upload
that receives every row in one batch, or shows each problem by row and column and receives
nothing (R-COMPLAINT-01)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from propdesk.complaints import forms, selectors
from propdesk.complaints.models import Complaint
from propdesk.complaints.selectors import ComplaintFilters
from propdesk.complaints.services import intake, policies, register_import
from propdesk.complaints.views.pages import actor_of, module_tabs, project_id_of
from propdesk.core import access, exports
from propdesk.core import permissions as P
from propdesk.core.views.common import staff_view


def _registered(request: HttpRequest, done: str) -> list[Complaint]:
    """The complaints just registered (ids from the redirect), those the actor may see."""
    ids = [int(part) for part in done.split(",") if part.isdigit()][: intake.BATCH_MAX]
    if not ids:
        return []
    filters = ComplaintFilters(project=project_id_of(request))
    rows = selectors.list_complaints(actor_of(request), filters).filter(pk__in=ids)
    return selectors.attach_next_due(rows.order_by("number"))


@require_GET
@staff_view
def register_template(request: HttpRequest) -> HttpResponse:
    """The empty register: the paper form's columns, the project policy's levels."""
    access.require(actor_of(request), project_id_of(request), P.HANDLE_COMPLAINTS)
    policy = policies.policy_of(policies.current_version(request.project))  # type: ignore[attr-defined]
    return exports.xlsx_response(
        register_import.template_workbook(policy), f"{_('Paper register')}.xlsx"
    )


@staff_view
def register_upload(request: HttpRequest) -> HttpResponse:
    """Upload the filled-in register: all rows received with consecutive numbers, or none."""
    actor, project_id = actor_of(request), project_id_of(request)
    access.require(actor, project_id, P.HANDLE_COMPLAINTS)
    received: list[Complaint] = []
    problems: list[register_import.Problem] = []
    status = 200
    if request.method == "POST":
        form = forms.RegisterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            policy = policies.policy_of(policies.current_version(request.project))  # type: ignore[attr-defined]
            try:
                received = register_import.receive(
                    actor=actor,
                    project_id=project_id,
                    policy=policy,
                    # never more than the service accepts (it refuses anything longer)
                    content=form.cleaned_data["file"].read(register_import.MAX_BYTES + 1),
                )
            except register_import.RegisterRefused as exc:
                problems, status = exc.problems, 422
            else:
                messages.success(
                    request,
                    _("{count} matters registered: {first} to {last}").format(
                        count=len(received), first=received[0].number, last=received[-1].number
                    ),
                )
                # to a page that lists them: reloading it uploads nothing twice
                done = ",".join(str(c.pk) for c in received)
                return redirect(f"{reverse('complaints:register_upload')}?done={done}")
        else:
            status = 422
    else:
        form = forms.RegisterUploadForm()
        received = _registered(request, request.GET.get("done", ""))
    context = {
        "form": form,
        "received": received,
        "problems": problems,
        **module_tabs(request, "new"),
    }
    return render(request, "complaints/register_import.html", context, status=status)
