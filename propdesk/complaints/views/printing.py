"""Printable complaint forms (SPEC §19), under /complaints/print/: each an A4 PDF, or with
`?format=html` the same page in the browser for a quick look. The service assembles what a form
shows (`services.printing`); these views only choose the template and the format."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from propdesk.complaints.services import printing
from propdesk.complaints.services.printing import PrintedForm
from propdesk.core import exports
from propdesk.core.models import AccessChannel
from propdesk.core.services import audit
from propdesk.core.views.common import staff_view

TEMPLATES = {
    printing.FORM_REGISTRATION: "complaints/print/registration.html",
    printing.FORM_HANDLING: "complaints/print/handling.html",
    printing.FORM_RECORD: "complaints/print/record.html",
}


def _respond(request: HttpRequest, template: str, form: PrintedForm) -> HttpResponse:
    context = {"form": form, "project": form.project}
    if request.GET.get("format") == "html":
        return render(request, template, {**context, "preview": True})
    document = exports.render_pdf(template, context, request=request)
    return exports.pdf_response(document, form.filename)


@require_GET
@staff_view
def complaint_form(request: HttpRequest, complaint_id: int, form: str) -> HttpResponse:
    preview = request.GET.get("format") == "html"
    printed = printing.complaint_form(
        actor=request.staff,  # type: ignore[attr-defined]
        complaint_id=complaint_id,
        form=form,
        context=audit.context_of(request, AccessChannel.PAGE if preview else AccessChannel.EXPORT),
    )
    return _respond(request, TEMPLATES[printed.key], printed)


@require_GET
@staff_view
def contact_sheet(request: HttpRequest, sheet_id: int) -> HttpResponse:
    printed = printing.contact_sheet_form(actor=request.staff, sheet_id=sheet_id)  # type: ignore[attr-defined]
    return _respond(request, "complaints/print/sheet.html", printed)


@require_GET
@staff_view
def reply_letter(request: HttpRequest, letter_id: int) -> HttpResponse:
    printed = printing.reply_letter_form(actor=request.staff, letter_id=letter_id)  # type: ignore[attr-defined]
    return _respond(request, "complaints/print/letter.html", printed)


@require_GET
@staff_view
def channels(request: HttpRequest) -> HttpResponse:
    printed = printing.channels_notice(actor=request.staff, project_id=request.project.pk)  # type: ignore[attr-defined]
    return _respond(request, "complaints/print/channels.html", printed)
