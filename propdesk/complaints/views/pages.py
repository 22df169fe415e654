"""Complaint work pages (issue 3 "Interfaces — Web UI", UI.md): the "my work" queue (the module's
landing page) with its Excel export, intake at a phone call's pace, the complaint page with its
timers, allowed actions and records, the department inbox of contact sheets and the manager
dashboard; plus the helpers the action forms (`views.handling`) and the policy settings
(`views.policies`) share.

Views only parse, call one service and render (STYLE §2): which actions are offered comes from
`engine.actions_for` (the workflow table), every change goes through a service of
`propdesk.complaints.services`, and domain errors are shown beside the fields they concern. Each
action form carries the complaint's `version`; a stale form is refused with Conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from propdesk.complaints import forms, selectors
from propdesk.complaints.domain import (
    CHANNEL_LABELS,
    KIND_LABELS,
    PENALTY_LABELS,
    REVISIT_METHOD_LABELS,
    SLOT_LABELS,
    Policy,
    PolicyError,
    Slot,
)
from propdesk.complaints.models import (
    Complaint,
    LetterState,
    SheetState,
)
from propdesk.complaints.selectors import ComplaintFilters
from propdesk.complaints.services import engine, intake, policies, printing, privacy, records
from propdesk.complaints.workflows import (
    STATE_COLOUR,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    AllowedAction,
    State,
)
from propdesk.core import access, exports
from propdesk.core import domain as core_domain
from propdesk.core import permissions as P
from propdesk.core import selectors as core_selectors
from propdesk.core.errors import DomainError, NotFound
from propdesk.core.models import AccessChannel, Staff, TimelineEvent
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.services import audit, masterdata
from propdesk.core.templatetags import propdesk_tags as tags
from propdesk.core.templatetags.propdesk_tags import action_label
from propdesk.core.views.common import can, paginate, render_list, staff_view

HANDLING = frozenset({Slot.HANDLER, Slot.SUPERVISOR, Slot.MANAGER})
SEARCH_LIMIT = 8


# --- small helpers ------------------------------------------------------------------------------
def actor_of(request: HttpRequest) -> Staff:
    return request.staff  # type: ignore[attr-defined,no-any-return]


def project_id_of(request: HttpRequest) -> int:
    return int(request.project.pk)  # type: ignore[attr-defined]


def is_htmx_get(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and request.method == "GET" and not htmx.boosted


def next_url(request: HttpRequest, default: str) -> str:
    """The page to return to after an action (the inbox posts `next`), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def show_errors(form: django_forms.BaseForm, exc: DomainError) -> None:
    """A service's field messages beside the fields (hidden ones at the top); without field
    messages (a refused transition, a stale form, a missing role) its message at the top."""
    for name, texts in exc.fields.items():
        visible = name in form.fields and not form.fields[name].widget.is_hidden
        form.add_error(name if visible else None, list(texts))
    if not exc.fields:
        form.add_error(None, str(exc.message))


def state_css(state: str) -> str:
    return f"state-{STATE_COLOUR.get(State(state), 'grey')}" if state in State.values else ""


def module_tabs(request: HttpRequest, active: str) -> dict[str, Any]:
    """The complaint module's tabs, the ones the user's role opens (the pages check again)."""
    tabs = [
        ("queue", reverse("complaints:index"), _("My work")),
        ("new", reverse("complaints:new"), _("Receive")),
        ("inbox", reverse("complaints:inbox"), _("Contact sheets")),
    ]
    if can(request, P.VIEW_COMPLAINT_REPORTS):
        tabs.append(("dashboard", reverse("complaints:dashboard"), _("Dashboard")))
        tabs.append(("reports", reverse("complaints:report_index"), _("Reports")))
    if can(request, P.MANAGE_COMPLAINT_POLICY):
        tabs.append(("policies", reverse("complaints:policies"), _("Policies")))
    return {"module_tabs": tabs, "active_tab": active}


def _primary(complaint: Complaint, offered: Iterable[AllowedAction]) -> Action | None:
    """The next step: the first allowed action that moves the state (shown at the bottom of a
    phone screen, within thumb reach)."""
    for item in offered:
        row = TRANSITIONS.get((State(complaint.state), item.action))
        if item.allowed and row is not None and row.to is not None:
            return item.action
    return None


def _level_label(policy: Policy, code: str) -> str:
    if not code:
        return ""
    try:
        return policy.level(code).label
    except PolicyError:
        return code


def _complainant(complaint: Complaint) -> str:
    word = core_domain.SALUTATION_WORDS.get(complaint.salutation, "")
    return f"{complaint.complainant_name}（{word}）" if word else complaint.complainant_name


def _timeline_rows(events: Iterable[TimelineEvent]) -> list[dict[str, Any]]:
    """Rows for core's timeline partial from already loaded events (the detail bundle withholds
    frozen promises, R-COMPLAINT-06, so the page must not load the timeline again)."""

    def label(value: str) -> str:
        return str(State(value).label) if value in State.values else value

    return [
        {
            "event": e,
            "label": action_label(e.action),
            # a logged action keeps the state: no "from → to" is shown for it
            "from": label(e.from_state) if e.from_state and e.to_state else "",
            "to": label(e.to_state) if e.to_state else "",
            "changes": [],
        }
        for e in events
    ]


def form_response(
    request: HttpRequest,
    *,
    complaint: Complaint,
    form: django_forms.BaseForm,
    title: Any,
    submit: Any,
    action_url: str,
    reason: str | None = None,
    status: int = 200,
    template: str = "complaints/_form_fields.html",
) -> HttpResponse:
    """An action's form: inline (HTMX) on the complaint page, or a page of its own."""
    context = {
        "complaint": complaint,
        "state_css": state_css(complaint.state),
        "form": form,
        "title": title,
        "submit": submit,
        "action_url": action_url,
        "reason": reason,
        "fields_template": template,
        "next": request.POST.get("next") or request.GET.get("next") or "",
    }
    if is_htmx_get(request):
        return render(request, "complaints/_action_form.html", context, status=status)
    return render(request, "complaints/action.html", context, status=status)


def run_service(
    request: HttpRequest,
    form: django_forms.BaseForm,
    call: Callable[[], Any],
    done: Any,
) -> int:
    """Call the service once the form parsed; domain errors go into the form. Returns 0 on
    success, else the status of the page showing the form again (200 for a GET, the error's
    status after a POST: 422 bad input, 409 conflict or refused transition, 403)."""
    if request.method != "POST":
        return 200
    if not form.is_valid():
        return 422
    try:
        call()
    except NotFound:
        raise
    except DomainError as exc:
        show_errors(form, exc)
        return exc.status
    messages.success(request, done)
    return 0


# --- the queue (工作台 of complaints) ---------------------------------------------------------
TAB_LABELS = (
    ("mine", _("My work")),
    ("open", _("All open")),
    ("overdue", _("Overdue")),
    ("all", _("All")),
)


def queue_rows(
    complaints: list[Complaint], levels: dict[int, dict[str, str]], now: Any
) -> list[dict[str, Any]]:
    """The queue table's rows as ready strings (the page's hot loop: a dict lookup in a template
    costs a fraction of a model attribute, a filter or a tag). Labels are translated once per
    page, not once per row."""
    state_labels = {code: str(text) for code, text in State.choices}
    kind_labels = {code: str(text) for code, text in KIND_LABELS.items()}
    rows = []
    for c in complaints:
        due_at = c.next_due_at
        row = {
            "url": reverse("complaints:detail", args=[c.pk]),
            "number": c.number,
            "subject": c.subject,
            "state_css": state_css(c.state),
            "state_label": state_labels.get(c.state, c.state),
            "kind_label": kind_labels.get(c.kind, c.kind),
            "level_label": levels.get(c.policy_id, {}).get(c.level, c.level),
            "complainant": c.complainant_name,
            "unit": str(c.unit) if c.unit_id else "",
            "handler": c.handler.name if c.handler_id else "",
            "due_css": selectors.due_state(due_at, now),
            "due_text": "",
        }
        if due_at is not None:
            row["due_text"] = tags.deadline_state(c.received_at, due_at, now)["text"]
            row["due_title"] = tags.ymd_hm(due_at)
            row["due_when"] = f"{c.next_due_label} · {tags.md_weekday(due_at)} {tags.hm(due_at)}"
        rows.append(row)
    return rows


@require_GET
@staff_view
def queue(request: HttpRequest) -> HttpResponse:
    """ "My work": open complaints I handle and those waiting on my department, nearest due
    first, with tabs for every open, overdue and every complaint (UI.md "工作台")."""
    search = forms.ComplaintSearchForm(request.GET)
    tab = search.value("tab", "mine")
    filters = ComplaintFilters(
        q=search.value("q", ""),
        state=search.value("state", ""),
        kind=search.value("kind", ""),
        level=search.value("level", ""),
    )
    actor, project_id = actor_of(request), project_id_of(request)
    page = paginate(
        request, selectors.complaint_queue(actor, project=project_id, tab=tab, filters=filters)
    )
    rows = selectors.attach_next_due(page.object_list)
    labels = selectors.level_labels(c.policy for c in rows)
    page.object_list = queue_rows(rows, labels, timezone.now())
    # the level filter offers the levels of the policies on the page (no extra query); a chosen
    # level stays offered when the page is empty
    levels: dict[str, str] = {}
    for version in labels.values():
        for code, text in version.items():
            levels.setdefault(code, text)
    if filters.level and filters.level not in levels:
        levels[filters.level] = filters.level
    context = {
        "search": search,
        "tab": tab,
        "tabs": TAB_LABELS,
        "page": page,
        "states": State.choices,
        "kinds": [(str(k), v) for k, v in KIND_LABELS.items()],
        "levels": list(levels.items()),
        "can_receive": can(request, P.HANDLE_COMPLAINTS),
        **module_tabs(request, "queue"),
    }
    return render_list(request, "complaints/queue.html", "complaints/_queue_results.html", context)


EXPORT_LIMIT = 5000


@require_GET
@staff_view
def queue_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered list of the queue page as an Excel workbook (UI.md "Lists"), phones masked
    unless the role sees personal data; at most EXPORT_LIMIT rows. A workbook with phones in
    clear is logged as one access-log row (R-GEN-09)."""
    search = forms.ComplaintSearchForm(request.GET)
    tab = search.value("tab", "mine")
    filters = ComplaintFilters(
        q=search.value("q", ""),
        state=search.value("state", ""),
        kind=search.value("kind", ""),
        level=search.value("level", ""),
    )
    actor, project_id = actor_of(request), project_id_of(request)
    rows = list(
        selectors.complaint_queue(actor, project=project_id, tab=tab, filters=filters)[
            : EXPORT_LIMIT + 1
        ]
    )
    truncated = len(rows) > EXPORT_LIMIT
    rows = privacy.show_complaints(
        actor,
        selectors.attach_next_due(rows[:EXPORT_LIMIT]),
        context=audit.context_of(request, AccessChannel.EXPORT),
        object_type="complaint_export",
    )
    labels = selectors.level_labels(c.policy for c in rows)

    def word(msgid: Any) -> str:
        return str(capfirst(msgid))

    sheet = exports.Sheet(
        title=str(_("Complaints")),
        title_line=f"{request.project.name} {dict(TAB_LABELS)[tab]}",  # type: ignore[attr-defined]
        subtitle_lines=[str(_("Only the first {n} rows")).format(n=EXPORT_LIMIT)]
        if truncated
        else [],
        columns=[
            (word(_("number")), "text"),
            (word(_("kind")), "text"),
            (word(_("state")), "text"),
            (word(_("level")), "text"),
            (word(_("channel")), "text"),
            (word(_("complainant")), "text"),
            (word(_("contact phone")), "text"),
            (word(_("unit")), "text"),
            (word(_("subject")), "text"),
            (word(_("received at")), "datetime"),
            (str(_("Next deadline")), "text"),
            (word(_("due at")), "datetime"),
            (str(_("Handler")), "text"),
        ],
        rows=[
            [
                c.number,
                KIND_LABELS.get(c.kind, c.kind),  # type: ignore[call-overload]
                c.get_state_display(),
                labels.get(c.policy_id, {}).get(c.level, c.level),
                CHANNEL_LABELS.get(c.channel, c.channel),  # type: ignore[call-overload]
                c.complainant_name,
                c.phone_display,
                str(c.unit) if c.unit else "",
                c.subject,
                c.received_at,
                c.next_due_label or "",
                c.next_due_at,
                c.handler.name if c.handler else "",
            ]
            for c in rows
        ],
    )
    filename = f"{_('Complaints')}-{timezone.localdate():%Y%m%d}.xlsx"
    return exports.xlsx_response(exports.build_xlsx([sheet]), filename)


# --- intake (受理) -----------------------------------------------------------------------------
def _intake_policy(request: HttpRequest) -> Policy:
    return policies.policy_of(policies.current_version(request.project))  # type: ignore[attr-defined]


def _resident_choice(request: HttpRequest, resident_id: Any, unit_id: Any) -> dict[str, Any] | None:
    """The resident picked from the search (of the current project, visible to the actor) with
    the unit they were picked for, for display; None when not found."""
    try:
        pk = int(resident_id)
    except (TypeError, ValueError):
        return None
    resident = (
        core_selectors.list_residents(
            actor_of(request), core_selectors.ResidentFilters(project=project_id_of(request))
        )
        .filter(pk=pk)
        .first()
    )
    if resident is None:
        return None
    # shown on the form (its phone only): a view in clear is logged like the resident's page
    masterdata.show_residents(
        actor_of(request),
        [resident],
        context=audit.context_of(request),
        object_type="resident",
        fields=("mobile",),
        single=True,
    )
    units = [o.unit for o in resident.current_occupancies]
    unit = next((u for u in units if str(u.pk) == str(unit_id)), units[0] if units else None)
    return {"resident": resident, "unit": unit}


def _complainant_initial(choice: dict[str, Any]) -> dict[str, Any]:
    resident, unit = choice["resident"], choice["unit"]
    clear = resident.mobile_display == resident.mobile
    return {
        "complainant_name": resident.name,
        "salutation": resident.salutation,
        # a masked phone is never put into the form: the service takes the resident's own
        "phone": resident.mobile if clear else "",
        "is_owner": True,
        "resident_id": resident.pk,
        "unit_id": unit.pk if unit else None,
    }


@staff_view
def intake_view(request: HttpRequest) -> HttpResponse:
    """受理 (R-COMPLAINT-01): the intake form; after saving, the complaint's page."""
    access.require(actor_of(request), project_id_of(request), P.HANDLE_COMPLAINTS)
    policy = _intake_policy(request)
    choice = None
    if request.method == "POST":
        form = forms.IntakeForm(request.POST, project=request.project, policy=policy)  # type: ignore[attr-defined]
        if form.is_valid():
            try:
                complaint = intake.receive(
                    actor=actor_of(request),
                    project_id=project_id_of(request),
                    data=form.service_data(),
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                show_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Registered as {number}").format(number=complaint.number),
                )
                return redirect("complaints:detail", pk=complaint.pk)
        # the form is shown again: with the picked resident (a view of their phone)
        choice = _resident_choice(
            request, request.POST.get("resident_id"), request.POST.get("unit_id")
        )
        status = 422
    else:
        initial: dict[str, Any] = {"kind": "complaint"}
        channels = [str(c) for c in policy.channels or CHANNEL_LABELS]
        # a phone call is the common case at the desk; else the policy's first channel
        initial["channel"] = "phone" if "phone" in channels else channels[0]
        choice = _resident_choice(request, request.GET.get("resident"), request.GET.get("unit"))
        if choice is not None:
            initial = {**initial, **_complainant_initial(choice)}
        form = forms.IntakeForm(initial=initial, project=request.project, policy=policy)  # type: ignore[attr-defined]
        status = 200
    context = {"form": form, "policy": policy, "choice": choice, **module_tabs(request, "new")}
    return render(request, "complaints/intake.html", context, status=status)


@require_GET
@staff_view
def complainant_search(request: HttpRequest) -> HttpResponse:
    """Residents matching a name, phone, pinyin initials (zs = 张三) or room number: one button
    per resident and current unit, which fills the complainant fields (HTMX)."""
    search = forms.ComplainantSearchForm(request.GET)
    term = search.cleaned_data.get("who", "").strip() if search.is_valid() else ""
    residents: list[Any] = []
    if term:
        residents = masterdata.show_residents(
            actor_of(request),
            core_selectors.list_residents(
                actor_of(request),
                core_selectors.ResidentFilters(q=term, project=project_id_of(request)),
            )[:SEARCH_LIMIT],
            context=audit.context_of(request),
            object_type="complainant_search",
            fields=("mobile",),  # the results show phones only
        )
    return render(
        request, "complaints/_complainant_results.html", {"residents": residents, "term": term}
    )


@require_GET
@staff_view
def complainant_pick(request: HttpRequest) -> HttpResponse:
    """The complainant fields filled from a resident (HTMX swap of the fieldset)."""
    choice = _resident_choice(request, request.GET.get("resident"), request.GET.get("unit"))
    initial = _complainant_initial(choice) if choice is not None else {}
    form = forms.IntakeForm(
        initial=initial, project=request.project, policy=_intake_policy(request)
    )  # type: ignore[attr-defined]
    return render(request, "complaints/_complainant.html", {"form": form, "choice": choice})


# --- the complaint page -----------------------------------------------------------------------
def _print_forms(policy: Policy) -> list[tuple[str, str]]:
    return printing.available_forms(policy)


def _detail_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Everything the complaint page shows, for the actor (NotFound across projects)."""
    actor = actor_of(request)
    detail = privacy.view_complaint(actor, pk, context=audit.context_of(request))
    complaint = detail.complaint
    policy = engine.policy_for(complaint)
    slots = engine.slots_of(actor, complaint, policy)
    is_open = State(complaint.state) not in TERMINAL_STATES
    handling = bool(slots & HANDLING)
    now = timezone.now()
    open_timers = [d for d in detail.deadlines if d.state == DeadlineState.OPEN]
    other_timers = [d for d in detail.deadlines if d.state != DeadlineState.OPEN]
    level = None
    if complaint.level:
        try:
            level = policy.level(complaint.level)
        except PolicyError:
            level = None
    signed_by = {}
    for letter in detail.letters:
        signed = {s.slot: s for s in letter.signatures.all()}
        signed_by[letter.pk] = signed
        letter.cosign_rows = [
            {
                "slot": str(slot),
                "label": SLOT_LABELS[slot],
                "signature": signed.get(str(slot)),
                "can_sign": (
                    letter.state == LetterState.COSIGNING
                    and slot in slots
                    and str(slot) not in signed
                    and all(s.staff_id != actor.pk for s in signed.values())
                ),
            }
            for slot in policy.letter_cosign
        ]
        letter.can_review = letter.state == LetterState.LEGAL_REVIEW and Slot.LEGAL in slots
        letter.can_issue = letter.state == LetterState.READY and handling
        letter.can_revise = letter.state != LetterState.ISSUED and handling
        letter.state_label = LetterState(letter.state).label
    for sheet in detail.sheets:
        sheet.state_label = SheetState(sheet.state).label
        sheet.can_approve = (
            sheet.state == SheetState.PENDING_APPROVAL
            and policy.contact_sheet_approval is not None
            and policy.contact_sheet_approval in slots
        )
    for revisit in detail.revisits:
        revisit.method_label = REVISIT_METHOD_LABELS.get(revisit.method, revisit.method)  # type: ignore[call-overload]
    for penalty in detail.penalties:
        penalty.label = PENALTY_LABELS.get(penalty.penalty, penalty.penalty)  # type: ignore[call-overload]
    group_members: list[Complaint] = []
    suggestion = None
    if complaint.group_id is not None:
        group_members = list(
            Complaint.objects.filter(group_id=complaint.group_id)
            .exclude(pk=complaint.pk)
            .only("id", "number", "subject", "state")
            .order_by("received_at")
        )
        for member in group_members:
            member.state_css = state_css(member.state)
        suggestion = records.suggestion_for(complaint)
    may_handle = access.has_perm(actor, complaint.project_id, P.HANDLE_COMPLAINTS)
    return {
        "detail": detail,
        "complaint": complaint,
        "policy": policy,
        "level": level,
        "level_label": _level_label(policy, complaint.level),
        "kind_label": KIND_LABELS.get(complaint.kind, complaint.kind),  # type: ignore[call-overload]
        "channel_label": CHANNEL_LABELS.get(complaint.channel, complaint.channel),  # type: ignore[call-overload]
        "state_css": state_css(complaint.state),
        "complainant": _complainant(complaint),
        "phone": complaint.phone_display,  # type: ignore[attr-defined]
        "major_flag_labels": [
            label for key, label in forms.MAJOR_FLAG_LABELS.items() if key in complaint.major_flags
        ],
        "now": now,
        "open_timers": open_timers,
        "other_timers": other_timers,
        "actions": detail.actions,
        "primary_action": _primary(complaint, detail.actions),
        "timeline_rows": _timeline_rows(detail.events),
        "is_open": is_open,
        "handling": handling,
        "need_read_back": (
            may_handle
            and policy.read_back_required
            and complaint.channel == "phone"
            and not complaint.read_back_confirmed
        ),
        "read_back_points": _read_back_points(),
        "can_draft_sheet": (
            handling
            and policy.contact_sheet_approval is not None
            and complaint.state
            in (State.VERIFIED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED)
        ),
        "can_draft_letter": handling and is_open,
        "show_analysis": policy.closure.cause_analysis_required or bool(complaint.cause_analysis),
        "can_analyse": is_open and bool(slots & (HANDLING | {Slot.EXECUTIVE})),
        "can_approve_closure": (
            is_open
            and level is not None
            and level.closure_role == Slot.CHAIRMAN
            and Slot.CHAIRMAN in slots
            and not complaint.chairman_approved
        ),
        "needs_chairman": level is not None and level.closure_role == Slot.CHAIRMAN,
        "can_penalise": bool(slots & {Slot.MANAGER, Slot.EXECUTIVE}),
        "can_group": may_handle and complaint.group_id is None and is_open,
        "can_decide_group": (
            may_handle and complaint.group is not None and not complaint.group.decision
        ),
        "group_members": group_members,
        "group_suggestion": suggestion,
        "cost_total": sum((c.amount for c in detail.costs), start=0),
        "print_forms": _print_forms(policy),
        "sheet_form": forms.SheetDraftForm(complaint=complaint, policy=policy),
        "letter_form": forms.LetterDraftForm(complaint=complaint, policy=policy),
        "analysis_form": forms.AnalysisForm(complaint=complaint, policy=policy),
        "penalty_form": forms.PenaltyForm(complaint=complaint, policy=policy),
        "group_form": forms.GroupForm(),
        "group_decision_form": forms.GroupDecisionForm(),
    }


def _read_back_points() -> list[Any]:
    """R-COMPLAINT-41: what is read back to the caller."""
    return [_("People involved"), _("Location"), _("Agreed times"), _("Problem description")]


@require_GET
@staff_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One complaint: header, complainant, content, timers with their explanations, the actions
    the user may take (disabled ones with their reason), its records and its history."""
    return render(request, "complaints/detail.html", _detail_context(request, pk))


# --- department inbox -------------------------------------------------------------------------
@require_GET
@staff_view
def inbox(request: HttpRequest) -> HttpResponse:
    """Open work contact sheets of my departments, soonest deadline first, each with the
    accept (with a completion deadline) and feedback forms (R-COMPLAINT-20/21/44/45)."""
    actor = actor_of(request)
    page = paginate(request, selectors.department_inbox(actor, project=project_id_of(request)))
    rows = list(page.object_list)
    for sheet in rows:
        state = State(sheet.complaint.state)
        sheet.state_label = SheetState(sheet.state).label
        sheet.complaint_css = state_css(sheet.complaint.state)
        sheet.can_accept = (
            sheet.state == SheetState.ISSUED and (state, Action.ACCEPT) in TRANSITIONS
        )
        sheet.can_feedback = (state, Action.FEEDBACK) in TRANSITIONS and state != State.FORWARDED
    page.object_list = rows
    context = {"page": page, "now": timezone.now(), **module_tabs(request, "inbox")}
    return render(request, "complaints/inbox.html", context)


# --- manager dashboard ------------------------------------------------------------------------
@require_GET
@staff_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """Open complaints by level and age, overdue timers, received / closed by week."""
    data = selectors.complaint_dashboard(actor_of(request), project_id_of(request))
    for breach in data.breaches:
        if breach.complaint is not None:
            breach.complaint.state_css = state_css(breach.complaint.state)
    buckets = [
        _("Under 1 day"),
        _("1–3 days"),
        _("3–7 days"),
        _("Over 7 days"),
    ]
    return render(
        request,
        "complaints/dashboard.html",
        {"data": data, "buckets": buckets, "now": data.now, **module_tabs(request, "dashboard")},
    )
