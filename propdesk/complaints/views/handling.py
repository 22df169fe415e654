"""Action forms of the complaint page (SPEC §11.3–11.8): every workflow action through the service
of the same name (STYLE §3 "one verb everywhere"), the phone read-back (R-COMPLAINT-41), and the
records around a complaint: contact sheets and their approval (R-COMPLAINT-20), reply letters
with co-signatures and legal review (R-COMPLAINT-23), cause analysis (R-COMPLAINT-78), penalties
(R-COMPLAINT-79), the chairman's closure approval (R-COMPLAINT-16) and group issues
(R-COMPLAINT-29/65).

GET shows an action's form (inline for HTMX, else a page of its own); POST calls the service with
the form's `version`, then returns to the complaint (or to `next`, e.g. the department inbox).
Domain errors are shown beside their fields, with the error's status (422, 409, 403)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from propdesk.complaints import forms, selectors
from propdesk.complaints.models import Complaint, ContactSheet, ReplyLetter
from propdesk.complaints.services import actions, engine, intake, records
from propdesk.complaints.views.pages import (
    actor_of,
    form_response,
    next_url,
    run_service,
)
from propdesk.complaints.workflows import Action, AllowedAction
from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import DomainError, NotFound
from propdesk.core.models import Staff
from propdesk.core.views.common import staff_view


# --- workflow actions -------------------------------------------------------------------------
def _offered(actor: Staff, complaint: Complaint, action: Action) -> AllowedAction | None:
    return next((a for a in engine.actions_for(actor, complaint) if a.action == action), None)


@staff_view
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET: the form of one workflow action; POST: take it through the service of the same name
    (STYLE §3 "one verb everywhere") with the form's version, then back to the complaint."""
    try:
        verb = Action(action)
    except ValueError:
        raise Http404 from None
    actor = actor_of(request)
    complaint = selectors.get_complaint(actor, pk)
    offered = _offered(actor, complaint, verb)
    if offered is None and request.method != "POST":
        raise Http404
    policy = engine.policy_for(complaint)
    sheets = list(complaint.sheets.select_related("department").order_by("created_at", "id"))
    form_class = forms.ACTION_FORMS[verb]
    form = form_class(request.POST or None, complaint=complaint, policy=policy, sheets=sheets)
    service = getattr(actions, str(verb))
    done = _("“{action}” done").format(action=verb.label)
    status = run_service(
        request,
        form,
        lambda: service(actor=actor, complaint_id=complaint.pk, **form.service_kwargs()),
        done,
    )
    if not status:
        return HttpResponseRedirect(
            next_url(request, reverse("complaints:detail", args=[complaint.pk]))
        )
    reason = offered.reason if offered is not None and not offered.allowed else None
    return form_response(
        request,
        complaint=complaint,
        form=form,
        title=verb.label,
        submit=verb.label,
        action_url=reverse("complaints:act", args=[complaint.pk, str(verb)]),
        reason=reason,
        status=status,
        template=f"complaints/actions/{verb}.html"
        if verb in CUSTOM_ACTION_TEMPLATES
        else "complaints/_form_fields.html",
    )


CUSTOM_ACTION_TEMPLATES = frozenset({Action.TRANSFER})


@require_POST
@staff_view
def read_back(request: HttpRequest, pk: int) -> HttpResponse:
    """R-COMPLAINT-41: the key points were read back to the caller and confirmed."""
    actor = actor_of(request)
    complaint = selectors.get_complaint(actor, pk)
    form = forms.ReadBackForm(
        request.POST, complaint=complaint, policy=engine.policy_for(complaint)
    )
    status = run_service(
        request,
        form,
        lambda: intake.confirm_read_back(
            actor=actor,
            complaint_id=complaint.pk,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data.get("version"),
        ),
        _("Read back and confirmed"),
    )
    if not status:
        return redirect("complaints:detail", pk=complaint.pk)
    return form_response(
        request,
        complaint=complaint,
        form=form,
        title=_("Read back and confirmed"),
        submit=_("Read back and confirmed"),
        action_url=reverse("complaints:read_back", args=[complaint.pk]),
        status=status,
    )


# --- records around a complaint ----------------------------------------------------------------
def _record_view(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type[forms.ActionForm],
    call: Callable[[Staff, Complaint, Any], Any],
    title: Any,
    done: Any,
    url_name: str,
) -> HttpResponse:
    actor = actor_of(request)
    complaint = selectors.get_complaint(actor, pk)
    policy = engine.policy_for(complaint)
    form = form_class(request.POST or None, complaint=complaint, policy=policy)
    status = run_service(request, form, lambda: call(actor, complaint, form), done)
    if not status:
        return redirect("complaints:detail", pk=complaint.pk)
    return form_response(
        request,
        complaint=complaint,
        form=form,
        title=title,
        submit=title,
        action_url=reverse(url_name, args=[complaint.pk]),
        status=status,
    )


@staff_view
def sheet_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """LH: draft a work contact sheet for the approver (R-COMPLAINT-20)."""

    def call(actor: Staff, complaint: Complaint, form: Any) -> Any:
        return actions.draft_contact_sheet(
            actor=actor,
            complaint_id=complaint.pk,
            data=form.sheet_data(),
            expected_version=form.cleaned_data.get("version"),
        )

    return _record_view(
        request,
        pk,
        form_class=forms.SheetDraftForm,
        call=call,
        title=_("Draft a contact sheet"),
        done=_("Contact sheet drafted"),
        url_name="complaints:sheet_draft",
    )


@require_POST
@staff_view
def sheet_approve(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """审核 (R-COMPLAINT-20): the policy's approver releases a sheet for issue."""
    sheet = _sheet_for(request, sheet_id)
    try:
        actions.approve_contact_sheet(actor=actor_of(request), sheet_id=sheet.pk)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Contact sheet approved"))
    return HttpResponseRedirect(
        next_url(request, reverse("complaints:detail", args=[sheet.complaint_id]))
    )


def _sheet_for(request: HttpRequest, sheet_id: int) -> ContactSheet:
    return access.get_for(
        actor_of(request), ContactSheet.objects.all(), sheet_id, P.VIEW_COMPLAINTS
    )


@staff_view
def letter_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft a written reply (回馈函件, R-COMPLAINT-23)."""

    def call(actor: Staff, complaint: Complaint, form: Any) -> Any:
        return records.draft_letter(
            actor=actor,
            complaint_id=complaint.pk,
            body=form.cleaned_data["body"],
            expected_version=form.cleaned_data.get("version"),
        )

    return _record_view(
        request,
        pk,
        form_class=forms.LetterDraftForm,
        call=call,
        title=_("Draft a reply letter"),
        done=_("Reply letter drafted"),
        url_name="complaints:letter_draft",
    )


LETTER_OPS: dict[str, Any] = {
    "sign": _("Reply letter co-signed"),
    "approve": _("Reply letter reviewed by legal"),
    "return": _("Reply letter returned by legal"),
    "revise": _("Reply letter revised"),
    "issue": _("Reply letter issued"),
}


@require_POST
@staff_view
def letter_act(request: HttpRequest, letter_id: int, op: str) -> HttpResponse:
    """会签, 法务审阅 (approve / return), revise, issue of a reply letter (R-COMPLAINT-23)."""
    if op not in LETTER_OPS:
        raise Http404
    actor = actor_of(request)
    letter = access.get_for(
        actor,
        ReplyLetter.objects.select_related("complaint"),
        letter_id,
        P.VIEW_COMPLAINTS,
        field="complaint__project_id",
    )
    form = forms.LetterForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    calls: dict[str, Callable[[], Any]] = {
        "sign": lambda: records.sign_letter(actor=actor, letter_id=letter.pk, slot=data["slot"]),
        "approve": lambda: records.review_letter(
            actor=actor, letter_id=letter.pk, approve=True, comments=data["comments"]
        ),
        "return": lambda: records.review_letter(
            actor=actor, letter_id=letter.pk, approve=False, comments=data["comments"]
        ),
        "revise": lambda: records.revise_letter(
            actor=actor, letter_id=letter.pk, body=data["body"]
        ),
        "issue": lambda: records.issue_letter(actor=actor, letter_id=letter.pk),
    }
    try:
        calls[op]()
    except NotFound:
        raise
    except DomainError as exc:
        texts = [t for values in exc.fields.values() for t in values] or [str(exc.message)]
        for text in texts:
            messages.error(request, text)
    else:
        messages.success(request, LETTER_OPS[op])
    return redirect(f"{reverse('complaints:detail', args=[letter.complaint_id])}#letters")


@staff_view
def analysis(request: HttpRequest, pk: int) -> HttpResponse:
    """原因分析 + 纠正和预防措施 (R-COMPLAINT-78)."""

    def call(actor: Staff, complaint: Complaint, form: Any) -> Any:
        cd = form.cleaned_data
        return records.record_analysis(
            actor=actor,
            complaint_id=complaint.pk,
            cause_analysis=cd["cause_analysis"],
            corrective_action=cd["corrective_action"],
            preventive_action=cd["preventive_action"],
            expected_version=cd.get("version"),
        )

    return _record_view(
        request,
        pk,
        form_class=forms.AnalysisForm,
        call=call,
        title=_("Cause analysis and corrective action"),
        done=_("Cause analysis recorded"),
        url_name="complaints:analysis",
    )


@staff_view
def penalty(request: HttpRequest, pk: int) -> HttpResponse:
    """罚则 (R-COMPLAINT-79)."""

    def call(actor: Staff, complaint: Complaint, form: Any) -> Any:
        cd = form.cleaned_data
        return records.add_penalty(
            actor=actor,
            complaint_id=complaint.pk,
            staff_id=cd["staff_id"],
            penalty=cd["penalty"],
            note=cd["note"],
            expected_version=cd.get("version"),
        )

    return _record_view(
        request,
        pk,
        form_class=forms.PenaltyForm,
        call=call,
        title=_("Record a penalty"),
        done=_("Penalty recorded"),
        url_name="complaints:penalty",
    )


@staff_view
def approve_closure(request: HttpRequest, pk: int) -> HttpResponse:
    """R-COMPLAINT-16: the chairman approves closing a particularly major complaint."""

    def call(actor: Staff, complaint: Complaint, form: Any) -> Any:
        return records.approve_closure(
            actor=actor,
            complaint_id=complaint.pk,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data.get("version"),
        )

    return _record_view(
        request,
        pk,
        form_class=forms.ClosureApprovalForm,
        call=call,
        title=_("Closure approved by the chairman"),
        done=_("Closure approved by the chairman"),
        url_name="complaints:approve_closure",
    )


@require_POST
@staff_view
def group(request: HttpRequest, pk: int) -> HttpResponse:
    """批量问题 (R-COMPLAINT-29/65): link this complaint with others by their numbers."""
    actor = actor_of(request)
    complaint = selectors.get_complaint(actor, pk)
    form = forms.GroupForm(request.POST)
    if form.is_valid():
        ids = selectors.ids_by_number(actor, complaint.project_id, form.number_list())
        try:
            records.group_complaints(
                actor=actor,
                project_id=complaint.project_id,
                title=form.cleaned_data["title"],
                complaint_ids=[complaint.pk, *ids],
            )
        except NotFound:
            raise
        except DomainError as exc:
            for values in exc.fields.values() or [[str(exc.message)]]:
                for text in values:
                    messages.error(request, text)
        else:
            messages.success(request, _("Added to a group issue"))
    return redirect(f"{reverse('complaints:detail', args=[complaint.pk])}#group")


@require_POST
@staff_view
def group_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """One company decision for every open complaint of the group (R-COMPLAINT-29/65)."""
    actor = actor_of(request)
    complaint = selectors.get_complaint(actor, pk)
    if complaint.group_id is None:
        raise Http404
    form = forms.GroupDecisionForm(request.POST)
    form.is_valid()
    try:
        records.decide_group(
            actor=actor, group_id=complaint.group_id, decision=form.cleaned_data.get("decision", "")
        )
    except NotFound:
        raise
    except DomainError as exc:
        for values in exc.fields.values() or [[str(exc.message)]]:
            for text in values:
                messages.error(request, text)
    else:
        messages.success(request, _("Record company decision"))
    return redirect(f"{reverse('complaints:detail', args=[complaint.pk])}#group")
