"""Complaint policy settings (R-COMPLAINT-87/88, A-CMP-7): the policy a project runs and the
working-hours switch, the company's versions, copying a preset and editing the copy (structured
fields over the JSON, saved as the next version after `validate_policy`). Needs
complaints.policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from propdesk.complaints import forms, selectors
from propdesk.complaints.services import policies
from propdesk.complaints.views.pages import actor_of, module_tabs, project_id_of, run_service
from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import DomainError, NotFound
from propdesk.core.views.common import staff_view


# --- policy settings --------------------------------------------------------------------------
def _policy_codes(versions: Iterable[Any]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for v in versions:
        seen.setdefault(v.code, f"{v.name}（{v.code}）")
    return list(seen.items())


def _policies_page(
    request: HttpRequest,
    *,
    choose_form: forms.ChoosePolicyForm | None = None,
    copy_form: forms.CopyPolicyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor, project_id = actor_of(request), project_id_of(request)
    access.require(actor, project_id, P.MANAGE_COMPLAINT_POLICY)
    overview = selectors.policy_overview(actor, project_id)
    codes = _policy_codes(overview.versions)
    choose_form = choose_form or forms.ChoosePolicyForm(
        codes=codes,
        initial={"code": overview.code, "count_working_hours": overview.count_working_hours},
    )
    copy_form = copy_form or forms.CopyPolicyForm(codes=codes)
    context = {
        "overview": overview,
        "choose_form": choose_form,
        "copy_form": copy_form,
        "versions": overview.versions,
        "presets": set(forms.PRESETS),
        **module_tabs(request, "policies"),
    }
    return render(request, "complaints/policies.html", context, status=status)


@require_GET
@staff_view
def policy_list(request: HttpRequest) -> HttpResponse:
    """The project's policy (LH/PCS/CM/SO or a copy), the A-CMP-7 switch, every version, and
    copying a preset to edit (R-COMPLAINT-87/88)."""
    return _policies_page(request)


@require_POST
@staff_view
def policy_choose(request: HttpRequest) -> HttpResponse:
    actor, project_id = actor_of(request), project_id_of(request)
    overview = selectors.policy_overview(actor, project_id)
    form = forms.ChoosePolicyForm(request.POST, codes=_policy_codes(overview.versions))
    status = run_service(
        request,
        form,
        lambda: policies.choose_policy(
            actor=actor,
            project_id=project_id,
            code=form.cleaned_data["code"],
            count_working_hours=form.cleaned_data["count_working_hours"],
        ),
        _("Complaint policy saved"),
    )
    if not status:
        return redirect("complaints:policies")
    return _policies_page(request, choose_form=form, status=status)


@require_POST
@staff_view
def policy_copy(request: HttpRequest) -> HttpResponse:
    actor, project_id = actor_of(request), project_id_of(request)
    overview = selectors.policy_overview(actor, project_id)
    form = forms.CopyPolicyForm(request.POST, codes=_policy_codes(overview.versions))
    created: list[Any] = []

    def call() -> None:
        created.append(
            policies.copy_policy(
                actor=actor,
                project_id=project_id,
                source_code=form.cleaned_data["source_code"],
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
            )
        )

    status = run_service(request, form, call, _("Policy copied: edit it below"))
    if not status:
        return redirect("complaints:policy_edit", code=created[0].code)
    return _policies_page(request, copy_form=form, status=status)


@staff_view
def policy_edit(request: HttpRequest, code: str) -> HttpResponse:
    """The editor of a copied policy: structured fields plus the JSON; saving stores the next
    version after `validate_policy` (its problems are listed)."""
    actor, project_id = actor_of(request), project_id_of(request)
    access.require(actor, project_id, P.MANAGE_COMPLAINT_POLICY)
    if forms.is_preset(code):
        raise Http404
    overview = selectors.policy_overview(actor, project_id)
    latest = next((v for v in overview.versions if v.code == code), None)
    if latest is None:
        raise Http404
    form = forms.PolicyEditForm(request.POST or None, policy=latest.data)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = policies.save_policy(
                actor=actor,
                project_id=project_id,
                code=code,
                data=form.policy_data(),
                name=form.cleaned_data["name"],
            )
        except NotFound:
            raise
        except DomainError as exc:
            problems = [t for values in exc.fields.values() for t in values] or [str(exc.message)]
            form.add_error(None, _("The policy was not saved"))
        else:
            messages.success(
                request,
                _("Saved as version {version}").format(version=saved.version),
            )
            return redirect("complaints:policy_edit", code=code)
    context = {
        "form": form,
        "latest": latest,
        "problems": problems,
        "versions": [v for v in overview.versions if v.code == code],
        "is_current": overview.code == code,
        **module_tabs(request, "policies"),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "complaints/policy_edit.html", context, status=status)
