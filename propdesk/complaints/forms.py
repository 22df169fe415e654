"""Forms of the complaint pages. They only parse and type what was typed; every rule (what is
required, which deadline is acceptable, who may act) is checked by the service the view calls,
and its field messages are shown beside these fields. Field names are the names the services
use in their errors, so a message lands beside the field it is about."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import (
    ARCHIVE_TARGET_LABELS,
    CALENDAR_MONTHS,
    CHANNEL_LABELS,
    GUIDANCE,
    KIND_LABELS,
    MAJOR_FLAG_LABELS,
    PENALTY_LABELS,
    PRESETS,
    REVISIT_METHOD_LABELS,
    SAME_DAY,
    SLOT_LABELS,
    MajorFlag,
    Policy,
    Slot,
    penalty_choices,
    steps_checklist,
)
from propdesk.complaints.models import Complaint, ContactSheet, Satisfaction
from propdesk.complaints.workflows import Action
from propdesk.core.forms import DATE, DUE_UNITS, SearchForm
from propdesk.core.models import Department, Project, Staff
from propdesk.core.models.tenancy import Salutation

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})
NOTE = forms.Textarea(attrs={"rows": 2})
UNITS = [
    *DUE_UNITS,
    (CALENDAR_MONTHS, _("calendar months")),
    (SAME_DAY, _("same day (+ days)")),
]


def label(msgid: Any) -> Any:
    """A model's verbose name as a form label ("complainant" → "Complainant" / 投诉人)."""
    return capfirst(msgid)


def _text(msgid: Any, *, widget: Any = None, max_length: int | None = None) -> forms.CharField:
    return forms.CharField(
        label=label(msgid), required=False, widget=widget, max_length=max_length, strip=True
    )


def project_staff(project: Project) -> list[tuple[str, str]]:
    staff = (
        Staff.objects.filter(
            memberships__project=project, memberships__is_active=True, is_active=True
        )
        .distinct()
        .order_by("name_pinyin", "id")
        .values_list("pk", "name")
    )
    return [("", "—"), *((str(pk), name) for pk, name in staff)]


def project_departments(project: Project) -> list[tuple[str, str]]:
    rows = Department.objects.filter(project=project, is_active=True).values_list("pk", "name")
    return [("", "—"), *((str(pk), name) for pk, name in rows)]


def major_flag_choices(policy: Policy, recorded: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The R-COMPLAINT-08 criteria the policy acts on (major level, no-promise freeze), plus any
    already recorded; every criterion when the policy names none."""
    flags = {str(f) for f in policy.major_flags | policy.no_promise_flags} | set(recorded)
    shown = [f for f in MajorFlag if str(f) in flags] or [
        f for f in MajorFlag if f != MajorFlag.UNRESOLVED_MONTH
    ]
    return [(str(f), MAJOR_FLAG_LABELS[f]) for f in shown]


# --- lists ------------------------------------------------------------------------------------
class ComplaintSearchForm(SearchForm):
    """The queue's search box and filter chips."""

    tab = forms.ChoiceField(
        required=False,
        choices=[("mine", ""), ("open", ""), ("overdue", ""), ("all", "")],
    )
    state = forms.CharField(required=False, max_length=20)
    kind = forms.CharField(required=False, max_length=20)
    level = forms.CharField(required=False, max_length=30)


# --- intake -----------------------------------------------------------------------------------
class IntakeForm(forms.Form):
    """受理 at a phone call's pace (R-COMPLAINT-01/03/39/41/81..86), in the order of the
    conversation: what and how, who, where and when, what happened, what they expect."""

    kind = forms.ChoiceField(label=label(_("kind")), widget=forms.RadioSelect, required=False)
    channel = forms.ChoiceField(label=label(_("channel")), widget=forms.RadioSelect, required=False)
    complainant_name = _text(_("complainant"), max_length=50)
    salutation = forms.ChoiceField(
        label=label(_("salutation")),
        widget=forms.RadioSelect,
        required=False,
        choices=[(v, lbl) for v, lbl in Salutation.choices if v],
    )
    phone = forms.CharField(
        label=label(_("contact phone")),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    is_owner = forms.BooleanField(label=label(_("owner or member")), required=False)
    resident_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    location = _text(_("location"), max_length=200)
    occurred_at = forms.DateTimeField(
        label=label(_("time of occurrence")), required=False, widget=DATETIME
    )
    people_involved = _text(_("people involved"), max_length=200)
    content = _text(_("content"), widget=forms.Textarea(attrs={"rows": 4}))
    subject = _text(_("subject"), max_length=200)
    expectation = _text(_("customer's expectation"), widget=NOTE)
    target_department_id = forms.ChoiceField(label=_("Complained department"), required=False)
    major_flags = forms.MultipleChoiceField(
        label=label(_("major criteria")), required=False, widget=forms.CheckboxSelectMultiple
    )
    steps_checked = forms.TypedMultipleChoiceField(
        label=_("The six steps"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        choices=[(i, f"{i}. {name}") for i, (name, _seed) in enumerate(steps_checklist(), 1)],
    )
    read_back_confirmed = forms.BooleanField(
        label=_("Key points read back to the caller and confirmed"), required=False
    )

    def __init__(self, *args: Any, project: Project, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["kind"].choices = [(str(k), v) for k, v in KIND_LABELS.items()]  # type: ignore[attr-defined]
        channels = policy.channels or tuple(CHANNEL_LABELS)
        self.fields["channel"].choices = [(str(c), CHANNEL_LABELS[c]) for c in channels]  # type: ignore[attr-defined,index]
        self.fields["target_department_id"].choices = project_departments(project)  # type: ignore[attr-defined]
        self.fields["major_flags"].choices = major_flag_choices(policy)  # type: ignore[attr-defined]
        if not policy.steps_checklist:
            del self.fields["steps_checked"]
        if not policy.read_back_required:
            del self.fields["read_back_confirmed"]

    @property
    def steps(self) -> list[tuple[Any, str, str]]:
        """(bound checkbox, step name, seed text) of the six STEPS."""
        if "steps_checked" not in self.fields:
            return []
        boxes = list(self["steps_checked"])
        return [
            (box, name, text) for box, (name, text) in zip(boxes, steps_checklist(), strict=True)
        ]

    @property
    def guidance(self) -> dict[str, tuple[str, ...]]:
        return dict(GUIDANCE)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["target_department_id"] = data.get("target_department_id") or None
        data.setdefault("steps_checked", [])
        data["steps_checked"] = list(data["steps_checked"] or [])
        return {k: v for k, v in data.items() if v not in (None, "") or k in ("kind", "channel")}


class ComplainantSearchForm(forms.Form):
    who = forms.CharField(required=False, max_length=50)


# --- workflow actions -------------------------------------------------------------------------
class ActionForm(forms.Form):
    """The form of one workflow action. `version` is the complaint's version the page was built
    from: a stale form is refused (Conflict). `service_kwargs()` gives the keyword arguments of
    the service named like the action."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # form field -> service keyword, where they differ
    renames: dict[str, str] = {}

    def __init__(
        self,
        *args: Any,
        complaint: Complaint,
        policy: Policy,
        sheets: Iterable[ContactSheet] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", complaint.version)
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        self.policy = policy
        self.sheets = list(sheets)
        self.setup()

    def setup(self) -> None:
        """Fill the choices that depend on the complaint and its policy."""

    def service_kwargs(self) -> dict[str, Any]:
        data = {
            self.renames.get(name, name): value
            for name, value in self.cleaned_data.items()
            if name != "version"
        }
        return {**data, "expected_version": self.cleaned_data.get("version")}


class NoteForm(ActionForm):
    note = _text(_("note"), widget=NOTE)


class ClassifyForm(ActionForm):
    level = forms.ChoiceField(label=label(_("level")), required=False, widget=forms.RadioSelect)
    major_flags = forms.MultipleChoiceField(
        label=label(_("major criteria")), required=False, widget=forms.CheckboxSelectMultiple
    )
    handler = forms.ChoiceField(label=_("Handler"), required=False)
    department = forms.ChoiceField(label=_("Responsible department"), required=False)
    legacy_issue = forms.BooleanField(label=label(_("development legacy issue")), required=False)
    note = _text(_("note"), widget=NOTE)
    renames = {"handler": "handler_id", "department": "department_id"}

    def setup(self) -> None:
        c, p = self.complaint, self.policy
        self.fields["level"].choices = [(lv.code, lv.label) for lv in p.levels]  # type: ignore[attr-defined]
        self.fields["major_flags"].choices = major_flag_choices(p, recorded=c.major_flags)  # type: ignore[attr-defined]
        self.fields["handler"].choices = project_staff(c.project)  # type: ignore[attr-defined]
        self.fields["department"].choices = project_departments(c.project)  # type: ignore[attr-defined]
        self.initial.setdefault("level", c.level or p.default_level)
        self.initial.setdefault("major_flags", list(c.major_flags or []))
        self.initial.setdefault("handler", c.handler_id or "")
        self.initial.setdefault("department", c.department_id or c.target_department_id or "")
        self.initial.setdefault("legacy_issue", c.legacy_issue)

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        kwargs["handler_id"] = kwargs["handler_id"] or None
        kwargs["department_id"] = kwargs["department_id"] or None
        return kwargs


class SheetFieldsForm(ActionForm):
    """The work contact sheet (工作联系单, R-COMPLAINT-20/43): department, content, requirement,
    deadline."""

    department_id = forms.ChoiceField(label=_("Responsible department"), required=False)
    content = _text(_("content"), widget=TEXT)
    requirement = _text(_("requirement"), widget=NOTE)
    deadline = forms.DateTimeField(
        label=label(_("handling deadline")), required=False, widget=DATETIME
    )

    def setup(self) -> None:
        self.fields["department_id"].choices = project_departments(self.complaint.project)  # type: ignore[attr-defined]
        self.initial.setdefault("content", self.complaint.content)
        if self.complaint.target_department_id or self.complaint.department_id:
            self.initial.setdefault(
                "department_id", self.complaint.department_id or self.complaint.target_department_id
            )

    def sheet_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name)
            for name in ("department_id", "content", "requirement", "deadline")
        }

    def service_kwargs(self) -> dict[str, Any]:
        return {"data": self.sheet_data(), "expected_version": self.cleaned_data.get("version")}


class TransferForm(SheetFieldsForm):
    """移交: without an approval step the sheet is drafted and issued at once; with one (LH) the
    approved sheets are issued and the form has no sheet fields."""

    def setup(self) -> None:
        super().setup()
        if self.policy.contact_sheet_approval is not None:
            for name in ("department_id", "content", "requirement", "deadline"):
                del self.fields[name]

    def service_kwargs(self) -> dict[str, Any]:
        if self.policy.contact_sheet_approval is not None:
            return {"data": None, "expected_version": self.cleaned_data.get("version")}
        return super().service_kwargs()


class SheetChoiceMixin:
    def sheet_choices(self: Any, states: Iterable[str]) -> None:
        wanted = set(states)
        choices = [
            (str(s.pk), f"{s.number} {s.department.name}") for s in self.sheets if s.state in wanted
        ]
        if choices:
            self.fields["sheet_id"].choices = [("", "—"), *choices]
        else:
            del self.fields["sheet_id"]


class AcceptForm(SheetChoiceMixin, ActionForm):
    rectification_deadline = forms.DateTimeField(
        label=_("Completion deadline"), required=False, widget=DATETIME
    )
    sheet_id = forms.ChoiceField(label=label(_("work contact sheet")), required=False)
    note = _text(_("note"), widget=NOTE)

    def setup(self) -> None:
        self.sheet_choices(["issued"])

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        kwargs["sheet_id"] = kwargs.get("sheet_id") or None
        return kwargs


class FeedbackForm(SheetChoiceMixin, ActionForm):
    result = _text(_("handling result"), widget=TEXT)
    sheet_id = forms.ChoiceField(label=label(_("work contact sheet")), required=False)
    unable = forms.BooleanField(label=_("The department cannot solve it"), required=False)

    def setup(self) -> None:
        self.sheet_choices(["issued", "accepted"])

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        kwargs["sheet_id"] = kwargs.get("sheet_id") or None
        return kwargs


class ResultForm(ActionForm):
    result = _text(_("handling result"), widget=TEXT)


class ReasonForm(ActionForm):
    reason = _text(_("reason / explanation"), widget=TEXT)


class RevisitForm(ActionForm):
    method = forms.ChoiceField(
        label=label(_("method")),
        required=False,
        widget=forms.RadioSelect,
        choices=[(str(k), v) for k, v in REVISIT_METHOD_LABELS.items()],
    )
    satisfaction = forms.ChoiceField(
        label=label(_("satisfaction")),
        required=False,
        widget=forms.RadioSelect,
        choices=Satisfaction.choices,
    )
    comments = _text(_("customer's comments"), widget=NOTE)
    customer_signed = forms.BooleanField(
        label=_("The owner signed their opinion on the handling document"), required=False
    )
    customer_affirmed = forms.BooleanField(
        label=_("The customer affirmed the reply"), required=False
    )

    def setup(self) -> None:
        closure = self.policy.closure
        if not closure.customer_signature:
            del self.fields["customer_signed"]
        if not closure.affirmation_required:
            del self.fields["customer_affirmed"]
        level = next((lv for lv in self.policy.levels if lv.code == self.complaint.level), None)
        if level is not None:
            self.initial.setdefault("method", str(level.revisit_method))


class ReopenForm(ActionForm):
    rectification_deadline = forms.DateTimeField(
        label=label(_("rectification deadline")), required=False, widget=DATETIME
    )
    handler = forms.ChoiceField(label=_("Who rectifies"), required=False)
    note = _text(_("note"), widget=NOTE)
    renames = {"handler": "handler_id"}

    def setup(self) -> None:
        self.fields["handler"].choices = project_staff(self.complaint.project)  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        kwargs["handler_id"] = kwargs["handler_id"] or None
        return kwargs


class ArchiveForm(ActionForm):
    archive_target = forms.ChoiceField(
        label=label(_("archived to")),
        required=False,
        widget=forms.RadioSelect,
        choices=[(str(k), v) for k, v in ARCHIVE_TARGET_LABELS.items()],
    )

    def setup(self) -> None:
        self.initial.setdefault("archive_target", str(self.policy.archive_target))


class ForwardForm(ActionForm):
    to = forms.CharField(
        label=label(_("forwarded to")),
        required=False,
        max_length=100,
        help_text=_("e.g. 地产客服 (the developer's customer service) or 龙湖会"),
    )
    target_project_id = forms.ChoiceField(label=_("Receive it in project"), required=False)
    note = _text(_("note"), widget=NOTE)

    def setup(self) -> None:
        projects = (
            Project.objects.filter(company_id=self.complaint.project.company_id, is_active=True)
            .exclude(pk=self.complaint.project_id)
            .values_list("pk", "name")
        )
        self.fields["target_project_id"].choices = [  # type: ignore[attr-defined]
            ("", _("None: the other side keeps its own record")),
            *((str(pk), name) for pk, name in projects),
        ]

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        kwargs["target_project_id"] = kwargs["target_project_id"] or None
        return kwargs


class UpgradeForm(ActionForm):
    level = forms.ChoiceField(label=_("New level"), required=False, widget=forms.RadioSelect)
    reason = _text(_("reason / explanation"), widget=NOTE)

    def setup(self) -> None:
        current = next(
            (lv for lv in self.policy.levels if lv.code == (self.complaint.level or "")), None
        )
        floor = current.severity if current is not None else -99
        self.fields["level"].choices = [  # type: ignore[attr-defined]
            (lv.code, lv.label) for lv in self.policy.levels if lv.severity > floor
        ]


class CostForm(ActionForm):
    item = _text(_("item"), max_length=200)
    amount = forms.CharField(
        label=label(_("amount (yuan)")),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    spent_on = forms.DateField(label=label(_("date")), required=False, widget=DATE)
    borne_by = _text(_("borne by"), max_length=100)


class PromiseForm(ActionForm):
    promise = _text(_("Promise"), widget=NOTE)
    deadline = forms.DateTimeField(
        label=label(_("agreed deadline")), required=False, widget=DATETIME
    )


class DecideForm(ActionForm):
    decision = _text(_("company decision"), widget=TEXT)


ACTION_FORMS: dict[Action, type[ActionForm]] = {
    Action.CLASSIFY: ClassifyForm,
    Action.VERIFY: NoteForm,
    Action.TRANSFER: TransferForm,
    Action.ACCEPT: AcceptForm,
    Action.FEEDBACK: FeedbackForm,
    Action.REPLY: ResultForm,
    Action.REVISIT: RevisitForm,
    Action.REOPEN: ReopenForm,
    Action.REVIEW: NoteForm,
    Action.CLOSE: NoteForm,
    Action.ARCHIVE: ArchiveForm,
    Action.EXPLAIN: ReasonForm,
    Action.DECLINE: ReasonForm,
    Action.ANSWER_ON_SPOT: ResultForm,
    Action.FORWARD: ForwardForm,
    Action.REPORT_PRAISE: NoteForm,
    Action.COMMEND: NoteForm,
    Action.CHASE: NoteForm,
    Action.CONTACT: NoteForm,
    Action.UPGRADE: UpgradeForm,
    Action.ESCALATE: NoteForm,
    Action.ADD_COST: CostForm,
    Action.RECORD_PROMISE: PromiseForm,
    Action.DECIDE: DecideForm,
}


# --- records around a complaint ---------------------------------------------------------------
class ReadBackForm(ActionForm):
    note = _text(_("note"), widget=NOTE)


class SheetDraftForm(SheetFieldsForm):
    """LH: the sheet is drafted for the approver first (R-COMPLAINT-20)."""


class LetterDraftForm(ActionForm):
    body = _text(_("letter text"), widget=forms.Textarea(attrs={"rows": 8}))


class LetterForm(forms.Form):
    """An operation on a reply letter: co-sign as a slot, legal approval or return, revision,
    issue (R-COMPLAINT-23)."""

    slot = forms.CharField(required=False, max_length=20)
    comments = _text(_("legal comments"), widget=NOTE)
    body = _text(_("letter text"), widget=forms.Textarea(attrs={"rows": 8}))


class AnalysisForm(ActionForm):
    cause_analysis = _text(_("cause analysis"), widget=TEXT)
    corrective_action = _text(_("corrective action"), widget=TEXT)
    preventive_action = _text(_("preventive action"), widget=NOTE)

    def setup(self) -> None:
        for name in ("cause_analysis", "corrective_action", "preventive_action"):
            self.initial.setdefault(name, getattr(self.complaint, name))


class PenaltyForm(ActionForm):
    staff_id = forms.ChoiceField(label=label(_("staff member")), required=False)
    penalty = forms.ChoiceField(label=label(_("penalty")), required=False, widget=forms.RadioSelect)
    note = _text(_("note"), widget=NOTE)

    def setup(self) -> None:
        self.fields["staff_id"].choices = project_staff(self.complaint.project)  # type: ignore[attr-defined]
        level = self.complaint.level or self.policy.default_level
        allowed = [str(p) for group in penalty_choices(self.policy, level=level) for p in group]
        keys = allowed or [str(p) for p in PENALTY_LABELS]
        self.fields["penalty"].choices = [  # type: ignore[attr-defined]
            (key, PENALTY_LABELS[key])
            for key in dict.fromkeys(keys)  # type: ignore[index]
        ]
        if self.complaint.target_staff_id:
            self.initial.setdefault("staff_id", self.complaint.target_staff_id)


class ClosureApprovalForm(ActionForm):
    note = _text(_("note"), widget=NOTE)


class GroupForm(forms.Form):
    """批量问题 (R-COMPLAINT-29/65): link this complaint with others by their numbers."""

    title = _text(_("title"), max_length=200)
    numbers = forms.CharField(
        label=_("Numbers of the other complaints"),
        required=False,
        max_length=500,
        help_text=_("Separate numbers with spaces or commas"),
    )

    def number_list(self) -> list[str]:
        raw = self.cleaned_data.get("numbers") or ""
        return [n for n in raw.replace("，", ",").replace(",", " ").split() if n]


class GroupDecisionForm(forms.Form):
    decision = _text(_("company decision"), widget=TEXT)


# --- policies ---------------------------------------------------------------------------------
class ChoosePolicyForm(forms.Form):
    code = forms.ChoiceField(label=label(_("policy")))
    count_working_hours = forms.BooleanField(
        label=label(_("count response times in working hours")),
        required=False,
        help_text=_("Clock hours by default (A-CMP-7)"),
    )

    def __init__(self, *args: Any, codes: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = list(codes)  # type: ignore[attr-defined]


class CopyPolicyForm(forms.Form):
    source_code = forms.ChoiceField(label=_("Copy from"))
    code = forms.CharField(label=_("Code of the copy"), max_length=30, required=False)
    name = forms.CharField(label=label(_("name")), max_length=100, required=False)

    def __init__(self, *args: Any, codes: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source_code"].choices = list(codes)  # type: ignore[attr-defined]


def _duration_fields(
    form: forms.Form, prefix: str, title: Any, value: dict[str, Any] | None, *, optional: bool
) -> None:
    form.fields[f"{prefix}_amount"] = forms.DecimalField(
        label=title, required=False, min_value=0, max_digits=8, decimal_places=2
    )
    units = [("", "—"), *UNITS] if optional else UNITS
    form.fields[f"{prefix}_unit"] = forms.ChoiceField(
        label=_("Time unit"), required=not optional, choices=units
    )
    form.initial[f"{prefix}_amount"] = value["amount"] if value else None
    form.initial[f"{prefix}_unit"] = value["unit"] if value else ""


class PolicyEditForm(forms.Form):
    """An editor for a copied policy (R-COMPLAINT-87/88): structured fields for what is changed
    most often, applied on top of the policy's JSON (the "advanced" box). The structured values
    win where both say something."""

    name = forms.CharField(label=label(_("name")), max_length=100)
    advanced = forms.CharField(
        label=_("Advanced: the whole policy as JSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "code"}),
    )
    contact_sheet_approval = forms.ChoiceField(
        label=_("Contact sheets approved by"), required=False
    )
    letter_cosign = forms.MultipleChoiceField(
        label=_("Reply letters co-signed by"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    legal_review = forms.BooleanField(label=_("Legal reviews reply letters"), required=False)
    read_back_required = forms.BooleanField(
        label=_("Phone intakes are read back and confirmed"), required=False
    )
    steps_checklist = forms.BooleanField(label=_("Show the six steps at intake"), required=False)

    CLOSURE_FLAGS = (
        ("revisit_required", _("Revisit before closure")),
        ("satisfaction_required", _("Customer satisfied at the revisit")),
        ("customer_signature", _("Owner signs the handling document")),
        ("manager_review", _("Manager reviews before closure")),
        ("affirmation_required", _("Customer's affirmation on record")),
        ("cause_analysis_required", _("Cause analysis and corrective action")),
    )

    def __init__(self, *args: Any, policy: dict[str, Any], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        super().__init__(*args, **kwargs)
        self.policy = policy
        slots = [(str(s), SLOT_LABELS[s]) for s in Slot]
        self.fields["contact_sheet_approval"].choices = [("", _("No approval step")), *slots]  # type: ignore[attr-defined]
        self.fields["letter_cosign"].choices = slots  # type: ignore[attr-defined]
        init = self.initial
        init.setdefault("name", policy.get("name", ""))
        init.setdefault("advanced", json.dumps(policy, ensure_ascii=False, indent=2))
        init.setdefault("contact_sheet_approval", policy.get("contact_sheet_approval") or "")
        init.setdefault("letter_cosign", list(policy.get("letter_cosign") or []))
        init.setdefault("legal_review", bool(policy.get("legal_review")))
        init.setdefault("read_back_required", bool(policy.get("read_back_required")))
        init.setdefault("steps_checklist", bool(policy.get("steps_checklist")))
        closure = policy.get("closure") or {}
        for key, text in self.CLOSURE_FLAGS:
            self.fields[f"closure_{key}"] = forms.BooleanField(label=text, required=False)
            init.setdefault(f"closure_{key}", bool(closure.get(key)))
        self.level_rows: list[dict[str, Any]] = []
        for i, level in enumerate(policy.get("levels") or []):
            self.fields[f"level_{i}_label"] = forms.CharField(
                label=_("Label"), max_length=50, required=False
            )
            init.setdefault(f"level_{i}_label", level.get("label", ""))
            chase = level.get("chase") or {}
            _duration_fields(
                self, f"level_{i}_every", _("Chase every"), chase.get("every"), optional=True
            )
            _duration_fields(
                self,
                f"level_{i}_before",
                _("Chase before an agreed deadline"),
                chase.get("before_deadline"),
                optional=True,
            )
            self.level_rows.append(
                {
                    "code": level.get("code", ""),
                    "label": self[f"level_{i}_label"],
                    "every": (self[f"level_{i}_every_amount"], self[f"level_{i}_every_unit"]),
                    "before": (self[f"level_{i}_before_amount"], self[f"level_{i}_before_unit"]),
                }
            )
        self.timer_rows: list[dict[str, Any]] = []
        for i, timer in enumerate(policy.get("timers") or []):
            rules = []
            for j, rule in enumerate(timer.get("rules") or []):
                if rule.get("duration") is None:
                    continue
                prefix = f"timer_{i}_rule_{j}"
                _duration_fields(
                    self,
                    prefix,
                    rule.get("note") or timer.get("label", ""),
                    rule["duration"],
                    optional=True,
                )
                rules.append(
                    {
                        "note": rule.get("note", ""),
                        "amount": self[f"{prefix}_amount"],
                        "unit": self[f"{prefix}_unit"],
                    }
                )
            if rules:
                self.timer_rows.append(
                    {"label": timer.get("label", ""), "key": timer.get("key", ""), "rules": rules}
                )
        _duration_fields(
            self, "revisit_window", _("Revisit window"), policy.get("revisit_window"), optional=True
        )
        _duration_fields(
            self,
            "auto_upgrade",
            _("Raise to major when unresolved after"),
            policy.get("auto_upgrade_after"),
            optional=True,
        )

    def clean_advanced(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("advanced") or "").strip()
        if not raw:
            return dict(self.policy)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: {error}").format(error=exc.msg)
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The policy must be a JSON object"))
        return data

    def _duration(self, prefix: str) -> dict[str, str] | None:
        amount = self.cleaned_data.get(f"{prefix}_amount")
        unit = self.cleaned_data.get(f"{prefix}_unit")
        if amount is None or not unit:
            return None
        return {"amount": format(amount.normalize(), "f") if amount else "0", "unit": unit}

    def policy_data(self) -> dict[str, Any]:
        """The policy dict to save: the JSON with the structured fields applied."""
        data = json.loads(json.dumps(self.cleaned_data["advanced"]))
        cd = self.cleaned_data
        data["name"] = cd["name"]
        data["contact_sheet_approval"] = cd.get("contact_sheet_approval") or None
        data["letter_cosign"] = list(cd.get("letter_cosign") or [])
        data["legal_review"] = bool(cd.get("legal_review"))
        data["read_back_required"] = bool(cd.get("read_back_required"))
        data["steps_checklist"] = bool(cd.get("steps_checklist"))
        closure = dict(data.get("closure") or {})
        for key, _text_label in self.CLOSURE_FLAGS:
            closure[key] = bool(cd.get(f"closure_{key}"))
        data["closure"] = closure
        levels = data.get("levels") or []
        for i, level in enumerate(self.policy.get("levels") or []):
            if i >= len(levels) or not isinstance(levels[i], dict):
                continue
            if levels[i].get("code") != level.get("code"):
                continue  # the JSON reordered the levels: it decides
            if cd.get(f"level_{i}_label"):
                levels[i]["label"] = cd[f"level_{i}_label"]
            every = self._duration(f"level_{i}_every")
            before = self._duration(f"level_{i}_before")
            levels[i]["chase"] = (
                {"every": every, "before_deadline": before} if every or before else None
            )
        timers = data.get("timers") or []
        for i, timer in enumerate(self.policy.get("timers") or []):
            if i >= len(timers) or not isinstance(timers[i], dict):
                continue
            if timers[i].get("key") != timer.get("key"):
                continue
            for j, _rule in enumerate(timer.get("rules") or []):
                duration = self._duration(f"timer_{i}_rule_{j}")
                rules = timers[i].get("rules") or []
                if duration is not None and j < len(rules) and isinstance(rules[j], dict):
                    rules[j]["duration"] = duration
        data["revisit_window"] = self._duration("revisit_window")
        data["auto_upgrade_after"] = self._duration("auto_upgrade")
        return data


def is_preset(code: str) -> bool:
    return code in PRESETS


class RegisterUploadForm(forms.Form):
    """The paper register typed into the Excel template (纸质登记补录)."""

    file = forms.FileField(
        label=_("Register (.xlsx)"),
        help_text=_("The template filled in, one matter per row, at most 100 rows"),
    )
