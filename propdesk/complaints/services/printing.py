"""Printable complaint forms (SPEC §19; R-COMPLAINT-01/04/20/23/49/70/74/78): what each paper
form shows, assembled from the complaint, its records and its timeline. Read-only: printing
never changes a record or issues a number.

- the policy's registration form (`registration`): LH 《客户投诉登记表》, PCS 《投诉/意见接待台帐》
  as a one-record sheet, CM 《客户投诉记录表》, SO 《客户投诉意见处理表》 (附表3); the fields are
  those the seeds name for that form (`REGISTRATION_LAYOUTS`, chosen by the form's name);
- the handling document (`handling`, PCS 《投诉处理书》) with the owner's signed opinion and the
  CS manager's review (R-COMPLAINT-49), for policies whose closure needs them;
- the handling log (`record`): LH 《投诉记录单》, SO 《投诉处理记录表》 (附表4), CM
  《客户投诉跟进记录表》: every handling step from the timeline, the revisits and the cause
  analysis with corrective and preventive measures (R-COMPLAINT-22/61/78);
- the work contact sheet (《工作联系单》, R-COMPLAINT-20/21/44/47), the reply letter (回馈函件,
  R-COMPLAINT-23, a "draft" watermark until issued) and the notice of complaint channels
  (投诉途径公告, R-COMPLAINT-04).

Access goes through `propdesk.core.access` (complaints.view; other projects are NotFound);
phone numbers are clear only for roles that see personal data (R-GEN-09) and a form printing one
in clear is logged (`services.privacy`), and promises stay hidden while frozen (R-COMPLAINT-06,
through `selectors.get_complaint_detail`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.complaints import selectors
from propdesk.complaints.domain import (
    ARCHIVE_TARGET_LABELS,
    CHANNEL_LABELS,
    EVENT_RECEIVED,
    KIND_LABELS,
    SLOT_LABELS,
    Policy,
    PolicyError,
    Slot,
)
from propdesk.complaints.models import (
    Complaint,
    ContactSheet,
    LetterSignature,
    LetterState,
    ReplyLetter,
    Revisit,
    Satisfaction,
)
from propdesk.complaints.services import privacy
from propdesk.complaints.services.engine import policy_for
from propdesk.complaints.services.policies import current_version, policy_of, project_settings
from propdesk.complaints.workflows import ACTION_EVENTS, State
from propdesk.core import access
from propdesk.core import domain as core_domain
from propdesk.core import permissions as P
from propdesk.core.errors import NotFound
from propdesk.core.models import (
    AccessChannel,
    DocumentType,
    Membership,
    Project,
    Role,
    Staff,
    TimelineEvent,
)
from propdesk.core.services import audit
from propdesk.core.templatetags.propdesk_tags import ACTION_LABELS

# --- the forms of a complaint --------------------------------------------------------------
FORM_REGISTRATION = "registration"
FORM_HANDLING = "handling"
FORM_RECORD = "record"
COMPLAINT_FORMS = (FORM_REGISTRATION, FORM_HANDLING, FORM_RECORD)

# Form names used when a (tenant-edited) policy names none; seed wording (SPEC §19).
DEFAULT_REGISTRATION_NAME = "客户投诉登记表"
DEFAULT_HANDLING_NAME = "投诉处理书"
DEFAULT_RECORD_NAME = "投诉处理记录表"
DEFAULT_SHEET_NAME = "工作联系单"
DEFAULT_LETTER_NAME = "回馈函件"

# Document types of the core form register (numbers and record names, R-GEN-03).
DOCUMENT_KEYS = {
    FORM_REGISTRATION: "complaint",
    FORM_HANDLING: "complaint_handling",
    FORM_RECORD: "complaint",
}
SHEET_DOCUMENT_KEY = "contact_sheet"
LETTER_DOCUMENT_KEY = "reply_letter"


def has_handling_document(policy: Policy) -> bool:
    """PCS-style closure: the owner signs the handling document and the manager reviews it
    (R-COMPLAINT-49); only then is there a 《投诉处理书》 to print."""
    return policy.closure.customer_signature or policy.closure.manager_review


def form_name(policy: Policy, form: str) -> str:
    """The Chinese name the policy gives a complaint form (tenant data, R-COMPLAINT-88 item 8).

    The policies' `forms["handling"]` is PCS's 《投诉处理书》 but the handling log of LH
    (《投诉记录单》), CM (《客户投诉跟进记录表》) and SO (《投诉处理记录表》); `record` uses it only
    when it is not the handling document."""
    forms = policy.forms
    if form == FORM_REGISTRATION:
        return forms.get("registration") or DEFAULT_REGISTRATION_NAME
    if form == FORM_HANDLING:
        return forms.get("handling") or DEFAULT_HANDLING_NAME
    if form == FORM_RECORD:
        if forms.get("record"):
            return forms["record"]
        if not has_handling_document(policy) and forms.get("handling"):
            return forms["handling"]
        return DEFAULT_RECORD_NAME
    raise NotFound()


def available_forms(policy: Policy) -> list[tuple[str, str]]:
    """(form key, Chinese name) of the complaint forms the policy prints, in print-menu order."""
    keys = [FORM_REGISTRATION]
    if has_handling_document(policy):
        keys.append(FORM_HANDLING)
    keys.append(FORM_RECORD)
    return [(key, form_name(policy, key)) for key in keys]


# --- building blocks the templates lay out ---------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One labelled value of a form. `wide` spans the whole width (long text); an empty value
    prints as a blank to fill in by hand."""

    label: str
    value: str
    wide: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[Line]

    @property
    def rows(self) -> list[list[Line]]:
        """The lines two to a row (label, value, label, value); a wide line has its own row."""
        rows: list[list[Line]] = []
        pending: list[Line] = []
        for line in self.lines:
            if line.wide:
                if pending:
                    rows.append(pending)
                    pending = []
                rows.append([line])
            else:
                pending.append(line)
                if len(pending) == 2:
                    rows.append(pending)
                    pending = []
        if pending:
            rows.append(pending)
        return rows


@dataclass(frozen=True)
class SignatureBox:
    """A signing box: the role, and who signed (or reviewed, approved …) and when, if recorded;
    otherwise blank for a handwritten signature. `text` is an opinion written in the box."""

    label: str
    name: str = ""
    at: dt.datetime | None = None
    text: str = ""


@dataclass(frozen=True)
class LogRow:
    """One handling step of the timeline (R-GEN-04): time, actor and role, action, note."""

    at: dt.datetime
    actor: str
    role: str
    action: str
    change: str
    note: str


@dataclass
class PrintedForm:
    """Everything a printed form shows. `name` is the form's Chinese name, `number` the record's
    number (TS-2026-000123 …), `record_name` the procedures' record name (地王/客服记录-17)."""

    key: str
    name: str
    number: str
    project: Project
    record_name: str = ""
    sections: list[Section] = field(default_factory=list)
    signatures: list[SignatureBox] = field(default_factory=list)
    log: list[LogRow] = field(default_factory=list)
    revisits: list[Revisit] = field(default_factory=list)
    sheets: list[ContactSheet] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    printed_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def filename(self) -> str:
        """客户投诉登记表-TS-2026-000001.pdf (no path separators: 投诉/意见接待台帐 → 投诉-意见…)."""
        stem = f"{self.name}-{self.number}" if self.number else self.name
        for char in '/\\:*?"<>|':
            stem = stem.replace(char, "-")
        return f"{stem}.pdf"


# --- small formatting helpers (values, not layout) -------------------------------------------
def _local(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _yes_no(value: bool) -> str:
    return str(_("Yes") if value else _("No"))


def _name(staff: Staff | None) -> str:
    return staff.name if staff is not None else ""


def _phone(facts: _Facts) -> str:
    """Clear only for roles that see personal data (R-GEN-09), else 138****5678; the form notes
    that it printed the phone (a printed form with a clear phone is logged)."""
    facts.printed.add(privacy.PHONE)
    return privacy.phone_for(facts.actor, facts.complaint)


def _level_label(policy: Policy, complaint: Complaint) -> str:
    if not complaint.level:
        return ""
    try:
        return policy.level(complaint.level).label
    except PolicyError:  # a level the version no longer has: print the code
        return complaint.level


def _record_name(project: Project, key: str) -> str:
    row = DocumentType.objects.filter(project=project, key=key).values_list("record_name").first()
    return row[0] if row else ""


def _unit(complaint: Complaint) -> str:
    return str(complaint.unit) if complaint.unit is not None else ""


def _complainant(complaint: Complaint) -> str:
    word = core_domain.SALUTATION_WORDS.get(complaint.salutation, "")
    return f"{complaint.complainant_name}（{word}）" if word else complaint.complainant_name


_WORKFLOW_EVENTS = {event: action for action, event in ACTION_EVENTS.items()}
# Timeline verbs of the records around a complaint that are not workflow actions.
RECORD_EVENT_LABELS = {
    "complaint.received": _("Complaint registered"),
    "complaint.read_back": _("Read back and confirmed"),
    "complaint.sheet_drafted": _("Contact sheet drafted"),
    "complaint.sheet_approved": _("Contact sheet approved"),
    "complaint.letter_drafted": _("Reply letter drafted"),
    "complaint.letter_signed": _("Reply letter co-signed"),
    "complaint.letter_reviewed": _("Reply letter reviewed by legal"),
    "complaint.letter_returned": _("Reply letter returned by legal"),
    "complaint.letter_revised": _("Reply letter revised"),
    "complaint.letter_issued": _("Reply letter issued"),
    "complaint.analysed": _("Cause analysis recorded"),
    "complaint.closure_approved": _("Closure approved by the chairman"),
    "complaint.penalised": _("Penalty recorded"),
    "complaint.grouped": _("Added to a group issue"),
}


def event_label(action: str) -> str:
    """The printed name of a timeline verb: the screens' registry, then the workflow action,
    then the record verbs above; an unknown verb prints as its code."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    if action in _WORKFLOW_EVENTS:
        return str(_WORKFLOW_EVENTS[action].label)
    return str(RECORD_EVENT_LABELS.get(action, action))


def _state_label(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


def _log(events: Iterable[TimelineEvent]) -> list[LogRow]:
    rows = []
    for event in events:
        change = ""
        if event.from_state and event.to_state and event.from_state != event.to_state:
            change = f"{_state_label(event.from_state)} → {_state_label(event.to_state)}"
        rows.append(
            LogRow(
                at=event.at,
                actor=event.actor_name,
                role=event.actor_role,
                action=event_label(event.action),
                change=change,
                note=event.note,
            )
        )
    return rows


def _first_event(events: Iterable[TimelineEvent], action: str) -> TimelineEvent | None:
    return next((e for e in events if e.action == action), None)


def _last_event(events: Iterable[TimelineEvent], action: str) -> TimelineEvent | None:
    found = None
    for event in events:
        if event.action == action:
            found = event
    return found


def _box(label: Any, event: TimelineEvent | None, text: str = "") -> SignatureBox:
    if event is None:
        return SignatureBox(label=str(label), text=text)
    return SignatureBox(label=str(label), name=event.actor_name, at=event.at, text=text)


# --- the registration form, per the form's name ------------------------------------------------
@dataclass(frozen=True)
class _Facts:
    """What the value functions read: the detail bundle, its policy and the viewer."""

    detail: selectors.ComplaintDetail
    policy: Policy
    actor: Staff
    printed: set[str] = field(default_factory=set)  # personal-data fields the form shows

    @property
    def complaint(self) -> Complaint:
        return self.detail.complaint


def _received_timers(facts: _Facts) -> str:
    """The response times promised at intake (LH 48 h / 72 h reply, PCS 8 h / 24 h first
    response, SO department opinion), each with its due time."""
    keys = {f"complaint.{t.key}" for t in facts.policy.timers if t.starts_on == EVENT_RECEIVED}
    return "；".join(
        f"{d.label} {_local(d.due_at)}" for d in facts.detail.deadlines if d.kind in keys
    )


def _target(facts: _Facts) -> str:
    complaint = facts.complaint
    parts = []
    if complaint.target_department is not None:
        parts.append(complaint.target_department.name)
    if complaint.target_role:
        role = Role.objects.filter(code=complaint.target_role).values_list("name").first()
        parts.append(role[0] if role else complaint.target_role)
    if complaint.target_staff_id:
        staff = Staff.objects.filter(pk=complaint.target_staff_id).values_list("name").first()
        parts.append(staff[0] if staff else "")
    return "、".join(parts)


def _department_opinion(facts: _Facts) -> str:
    """The responsible department's handling opinion (SO R-COMPLAINT-74): its feedback on the
    contact sheets, else the notes of its reported results."""
    answers = [s.feedback for s in facts.detail.sheets if s.feedback]
    if not answers:
        answers = [e.note for e in facts.detail.events if e.action == "complaint.fed_back"]
    return "\n".join(a for a in answers if a)


def _customer_opinion(facts: _Facts) -> str:
    """The customer's opinion at the last revisit, and whether they affirmed or signed."""
    revisits = facts.detail.revisits
    if not revisits:
        return ""
    last = revisits[-1]
    text = Satisfaction(last.satisfaction).label
    parts = [str(text)]
    if last.comments:
        parts.append(last.comments)
    return "：".join(parts)


ValueOf = Callable[[_Facts], str]
FIELD_VALUES: dict[str, ValueOf] = {
    "number": lambda f: f.complaint.number,
    "complainant": lambda f: _complainant(f.complaint),
    "is_owner": lambda f: _yes_no(f.complaint.is_owner),
    "unit": lambda f: _unit(f.complaint),
    "phone": _phone,
    "channel": lambda f: CHANNEL_LABELS.get(f.complaint.channel, f.complaint.channel),  # type: ignore[call-overload]
    "received_at": lambda f: _local(f.complaint.received_at),
    "received_by": lambda f: _name(f.complaint.received_by),
    "working_time": lambda f: str(
        _("Working time") if f.complaint.in_working_time else _("Outside working time")
    ),
    "kind": lambda f: KIND_LABELS.get(f.complaint.kind, f.complaint.kind),  # type: ignore[call-overload]
    "level": lambda f: _level_label(f.policy, f.complaint),
    "subject": lambda f: f.complaint.subject,
    "content": lambda f: f.complaint.content,
    "expectation": lambda f: f.complaint.expectation,
    "location": lambda f: f.complaint.location,
    "occurred_at": lambda f: _local(f.complaint.occurred_at),
    "people_involved": lambda f: f.complaint.people_involved,
    "read_back": lambda f: _yes_no(f.complaint.read_back_confirmed),
    "handler": lambda f: _name(f.complaint.handler),
    "department": lambda f: f.complaint.department.name if f.complaint.department else "",
    "target": _target,
    "response_times": _received_timers,
    "agreed_deadline": lambda f: _local(f.detail.agreed_deadline),
    "rectification_deadline": lambda f: _local(f.complaint.rectification_deadline),
    "department_opinion": _department_opinion,
    "result": lambda f: f.complaint.result,
    "customer_opinion": _customer_opinion,
    "cause_analysis": lambda f: f.complaint.cause_analysis,
    "corrective_action": lambda f: f.complaint.corrective_action,
    "preventive_action": lambda f: f.complaint.preventive_action,
    "decision": lambda f: f.complaint.decision,
    "outcome_reason": lambda f: f.complaint.outcome_reason,
    "archive_target": lambda f: (
        ARCHIVE_TARGET_LABELS.get(f.complaint.archive_target, "")  # type: ignore[call-overload]
        if f.complaint.archive_target
        else ""
    ),
    "closed_at": lambda f: _local(f.complaint.closed_at),
}
# Long texts print across the whole width.
WIDE_FIELDS = frozenset(
    {
        "content",
        "expectation",
        "response_times",
        "department_opinion",
        "result",
        "customer_opinion",
        "cause_analysis",
        "corrective_action",
        "preventive_action",
        "decision",
        "outcome_reason",
        "subject",
    }
)

# Printed only when there is something to print (they apply to some cases only).
OPTIONAL_FIELDS = frozenset({"decision", "outcome_reason"})

# (section title or None, ((field, label), …)) per form name: the fields each seed names.
_Layout = tuple[tuple[Any, tuple[tuple[str, Any], ...]], ...]

_LH_REGISTRATION: _Layout = (
    # R-COMPLAINT-17/18 [S0]: 详细了解客户所反映的问题和预期要求 … 48小时 / 72小时之内给予答复.
    (
        _("Customer"),
        (
            ("complainant", _("Customer's name")),
            ("is_owner", _("Member or owner")),
            ("unit", _("Building and room")),
            ("phone", _("Contact")),
        ),
    ),
    (
        _("Intake"),
        (
            ("number", _("Number")),
            ("received_at", _("Received at")),
            ("channel", _("Channel")),
            ("received_by", _("Received by")),
            ("kind", _("Request type")),
            ("level", _("Complaint level")),
        ),
    ),
    (
        _("Complaint"),
        (
            ("content", _("Problem reported")),
            ("expectation", _("Expected requirement")),
            ("location", _("Place")),
            ("occurred_at", _("Time of occurrence")),
            ("people_involved", _("People involved")),
            ("response_times", _("Reply promised")),
        ),
    ),
)
_PCS_LEDGER: _Layout = (
    # R-COMPLAINT-35..41 [S2]: 人员、地点、预定时间、问题描述 … 复述一遍加以确认; 转给亲情管家.
    (
        _("Intake"),
        (
            ("number", _("Number")),
            ("received_at", _("Received at")),
            ("channel", _("Channel")),
            ("working_time", _("Received in")),
            ("received_by", _("Receptionist")),
            ("kind", _("Category")),
        ),
    ),
    (
        _("Owner"),
        (
            ("complainant", _("Owner's name")),
            ("unit", _("Room")),
            ("phone", _("Contact phone")),
        ),
    ),
    (
        _("Complaint or opinion"),
        (
            ("content", _("Complaint or opinion")),
            ("location", _("Place")),
            ("occurred_at", _("Time of occurrence")),
            ("people_involved", _("People involved")),
            ("expectation", _("Owner's requirement")),
            ("read_back", _("Read back and confirmed")),
            ("handler", _("Passed to butler")),
            ("response_times", _("Handling response due")),
        ),
    ),
)
_CM_RECORD: _Layout = (
    # R-COMPLAINT-54 [S3 2.3.1]: 客户姓名、栋房号、投诉内容、联系方式; 2.4 投诉性质.
    (
        None,
        (
            ("number", _("Number")),
            ("received_at", _("Received at")),
            ("channel", _("Way of complaining")),
            ("received_by", _("Duty officer")),
            ("complainant", _("Customer's name")),
            ("unit", _("Building and room")),
            ("phone", _("Contact")),
            ("level", _("Nature")),
            ("content", _("Complaint content")),
            ("expectation", _("Customer's requirement")),
        ),
    ),
)
_SO_OPINION_FORM: _Layout = (
    # 附表3 [S3 篇3 3.2–3.5]: record, handling opinion, reply, affirmation, cause analysis and
    # corrective measures all on this form (R-COMPLAINT-72..78).
    (
        _("Complaint"),
        (
            ("number", _("Number")),
            ("received_at", _("Received at")),
            ("channel", _("Way of complaining")),
            ("received_by", _("Receptionist")),
            ("complainant", _("Customer's name")),
            ("phone", _("Contact")),
            ("target", _("Complained department or person")),
            ("level", _("Complaint level")),
            ("content", _("Complaint content")),
            ("expectation", _("Customer's requirement")),
            ("agreed_deadline", _("Promised handling time")),
        ),
    ),
    (
        _("Handling"),
        (
            ("department_opinion", _("Department's handling opinion")),
            ("result", _("Reply to the customer")),
            ("customer_opinion", _("Customer's opinion")),
        ),
    ),
    (
        _("Corrective and preventive action"),
        (
            ("cause_analysis", _("Cause analysis")),
            ("corrective_action", _("Corrective measures")),
            ("preventive_action", _("Preventive measures")),
        ),
    ),
)
REGISTRATION_LAYOUTS: dict[str, _Layout] = {
    "客户投诉登记表": _LH_REGISTRATION,
    "投诉/意见接待台帐": _PCS_LEDGER,
    "客户投诉记录表": _CM_RECORD,
    "客户投诉意见处理表": _SO_OPINION_FORM,
}
# A renamed form keeps the layout of the preset its policy was copied from.
PRESET_REGISTRATION = {
    "LH": "客户投诉登记表",
    "PCS": "投诉/意见接待台帐",
    "CM": "客户投诉记录表",
    "SO": "客户投诉意见处理表",
}


def _layout_for(name: str, complaint: Complaint, policy: Policy) -> _Layout:
    if name in REGISTRATION_LAYOUTS:
        return REGISTRATION_LAYOUTS[name]
    preset = PRESET_REGISTRATION.get(policy.code) or PRESET_REGISTRATION.get(
        complaint.policy.based_on
    )
    return REGISTRATION_LAYOUTS[preset or DEFAULT_REGISTRATION_NAME]


def _sections(facts: _Facts, layout: _Layout) -> list[Section]:
    sections = []
    for title, fields in layout:
        lines = []
        for key, label in fields:
            value = FIELD_VALUES[key](facts)
            if value or key not in OPTIONAL_FIELDS:
                lines.append(Line(label=str(label), value=value, wide=key in WIDE_FIELDS))
        sections.append(Section(title=str(title) if title else "", lines=lines))
    return sections


def _registration_signatures(facts: _Facts, name: str) -> list[SignatureBox]:
    events = facts.detail.events
    received = _box(_("Received by"), _first_event(events, "complaint.received"))
    if REGISTRATION_LAYOUTS.get(name) is _SO_OPINION_FORM or (
        name not in REGISTRATION_LAYOUTS and facts.policy.closure.affirmation_required
    ):
        # 部门负责人提出处理意见 → 售楼主管答复客户 → 客户肯定后交销管部 (R-COMPLAINT-74).
        return [
            received,
            _box(_("Head of the complained department"), _last_event(events, "complaint.fed_back")),
            _box(_("Replied by"), _last_event(events, "complaint.replied")),
            _box(_("Closed by"), _last_event(events, "complaint.closed")),
        ]
    return [received]


# --- the forms -------------------------------------------------------------------------------
def _detail(actor: Staff, complaint_id: Any) -> tuple[selectors.ComplaintDetail, Policy]:
    detail = selectors.get_complaint_detail(actor, complaint_id)
    return detail, policy_for(detail.complaint)


def complaint_form(
    *,
    actor: Staff,
    complaint_id: Any,
    form: str,
    context: audit.AccessContext | None = None,
) -> PrintedForm:
    """A complaint form to print: `registration`, `handling` or `record` (COMPLAINT_FORMS).
    NotFound for another project's complaint, an unknown form or one the policy does not use.
    A form that prints the complainant's phone in clear writes one access-log row
    (`complaint_form`, R-GEN-09; the channel is the context's, an export by default)."""
    if form not in COMPLAINT_FORMS:
        raise NotFound()
    detail, policy = _detail(actor, complaint_id)
    if form == FORM_HANDLING and not has_handling_document(policy):
        raise NotFound()
    facts = _Facts(detail=detail, policy=policy, actor=actor)
    complaint = detail.complaint
    name = form_name(policy, form)
    printed = PrintedForm(
        key=form,
        name=name,
        number=complaint.number,
        project=complaint.project,
        record_name=_record_name(complaint.project, DOCUMENT_KEYS[form]),
    )
    printed.extra = {"complaint": complaint, "policy_name": policy.name}
    if form == FORM_REGISTRATION:
        printed.sections = _sections(facts, _layout_for(name, complaint, policy))
        printed.signatures = _registration_signatures(facts, name)
    elif form == FORM_HANDLING:
        _fill_handling(printed, facts)
    else:
        _fill_record(printed, facts)
    if privacy.PHONE in facts.printed:
        privacy.record_complaint_view(
            actor,
            complaint,
            context=context or audit.AccessContext(channel=AccessChannel.EXPORT),
            object_type="complaint_form",
            label=f"{name} {privacy.complaint_label(complaint)}",
        )
    return printed


_HEADER: tuple[tuple[str, Any], ...] = (
    ("number", _("Number")),
    ("received_at", _("Received at")),
    ("complainant", _("Complainant")),
    ("unit", _("Building and room")),
    ("phone", _("Contact phone")),
    ("channel", _("Channel")),
    ("level", _("Complaint level")),
    ("handler", _("Handler")),
)


def _fill_handling(printed: PrintedForm, facts: _Facts) -> None:
    """《投诉处理书》 (PCS, R-COMPLAINT-39/42..50): the complaint, the responsibility and the
    handling by the departments, the result, the revisit, then the owner's signed opinion and
    the CS manager's review (R-COMPLAINT-49); archived to the owner archive."""
    detail = facts.detail
    printed.sections = _sections(
        facts,
        (
            (None, (*_HEADER, ("content", _("Complaint content")))),
            (
                _("Handling"),
                (
                    ("department", _("Responsible department")),
                    ("agreed_deadline", _("Promised reply by")),
                    ("rectification_deadline", _("Rectification deadline")),
                    ("decision", _("Company decision")),
                    ("outcome_reason", _("Explanation")),
                    ("result", _("Handling result")),
                    ("archive_target", _("Filed in")),
                ),
            ),
        ),
    )
    printed.sheets = detail.sheets
    printed.revisits = detail.revisits
    complaint = facts.complaint
    events = detail.events
    # The owner signs their opinion at the satisfied revisit (services.actions.revisit).
    signed_at = next(
        (r for r in reversed(detail.revisits) if r.satisfied),
        None,
    )
    owner = SignatureBox(label=str(_("Owner's opinion and signature")))
    if complaint.customer_signed and signed_at is not None:
        owner = SignatureBox(
            label=owner.label,
            name=complaint.complainant_name,
            at=signed_at.at,
            text=_customer_opinion(facts),
        )
    printed.signatures = [
        owner,
        _box(
            _("Reviewed by the customer-service manager"), _last_event(events, "complaint.reviewed")
        ),
    ]
    printed.extra["customer_signed"] = complaint.customer_signed


def _fill_record(printed: PrintedForm, facts: _Facts) -> None:
    """The handling log (LH 《投诉记录单》 R-COMPLAINT-22, CM 《客户投诉跟进记录表》 R-COMPLAINT-61,
    SO 《投诉处理记录表》 附表4 R-COMPLAINT-78/80): every step of the timeline, the revisits and the
    cause analysis with corrective and preventive measures."""
    detail = facts.detail
    header = [f for f in _HEADER if f[0] != "level"]
    printed.sections = _sections(
        facts,
        ((None, (*header, ("level", _("Nature and level")), ("content", _("Complaint content")))),),
    )
    printed.log = _log(detail.events)
    printed.revisits = detail.revisits
    printed.sheets = detail.sheets
    printed.extra["analysis"] = _sections(
        facts,
        (
            (
                _("Cause analysis and corrective and preventive measures"),
                (
                    ("cause_analysis", _("Cause analysis")),
                    ("corrective_action", _("Corrective measures")),
                    ("preventive_action", _("Preventive measures")),
                ),
            ),
        ),
    )


# --- work contact sheet ------------------------------------------------------------------------
def _role_names(codes: Iterable[str]) -> str:
    names = (
        Role.objects.filter(code__in=list(codes)).order_by("sort").values_list("name", flat=True)
    )
    return "、".join(names)


def contact_sheet_form(*, actor: Staff, sheet_id: Any) -> PrintedForm:
    """《工作联系单》 (R-COMPLAINT-20/21/44/47): number, from and to department, the content and
    requirement, the deadline, the approval the policy demands (LH 营销策划部经理审核), the
    receiving department's confirmation and its feedback."""
    sheet = access.get_for(
        actor,
        ContactSheet.objects.select_related(
            "complaint",
            "complaint__project",
            "complaint__policy",
            "complaint__unit",
            "complaint__unit__building",
            "department",
            "requested_by",
            "approved_by",
            "accepted_by",
            "fed_back_by",
        ),
        sheet_id,
        P.VIEW_COMPLAINTS,
    )
    complaint = sheet.complaint
    policy = policy_for(complaint)
    sender = (
        Membership.objects.filter(
            staff_id=sheet.requested_by_id,
            project_id=sheet.project_id,
            is_active=True,
            department__isnull=False,
        )
        .values_list("department__name", flat=True)
        .first()
    )
    approval_slot = policy.contact_sheet_approval
    approver_role = _role_names(policy.roles_for(approval_slot)) if approval_slot else ""
    signatures = [
        SignatureBox(
            str(_("Issued by")), _name(sheet.requested_by), sheet.issued_at or sheet.created_at
        )
    ]
    if approval_slot is not None:
        signatures.append(
            SignatureBox(
                str(
                    _("Approved by {role}").format(role=approver_role or SLOT_LABELS[approval_slot])
                ),
                _name(sheet.approved_by),
                sheet.approved_at,
            )
        )
    signatures.append(
        SignatureBox(
            str(_("Receipt confirmed by the receiving department")),
            _name(sheet.accepted_by),
            sheet.accepted_at,
        )
    )
    lines = [
        Line(str(_("Number")), sheet.number),
        Line(str(_("Complaint number")), complaint.number),
        Line(str(_("From department")), sender or ""),
        Line(str(_("To department")), sheet.department.name),
        Line(str(_("Customer's name")), _complainant(complaint)),
        Line(str(_("Building and room")), _unit(complaint)),
        Line(str(_("Content")), sheet.content, wide=True),
        Line(str(_("Requirement")), sheet.requirement, wide=True),
        Line(str(_("Handling deadline")), _local(sheet.deadline)),
        Line(str(_("State")), str(sheet.get_state_display())),
    ]
    feedback = [
        Line(str(_("Feedback")), sheet.feedback, wide=True),
        Line(str(_("Fed back by")), _name(sheet.fed_back_by)),
        Line(str(_("Fed back at")), _local(sheet.fed_back_at)),
    ]
    return PrintedForm(
        key="sheet",
        name=policy.forms.get("contact_sheet") or DEFAULT_SHEET_NAME,
        number=sheet.number,
        project=complaint.project,
        record_name=_record_name(complaint.project, SHEET_DOCUMENT_KEY),
        sections=[Section("", lines), Section(str(_("Feedback")), feedback)],
        signatures=signatures,
        extra={"sheet": sheet, "complaint": complaint, "policy_name": policy.name},
    )


# --- reply letter ------------------------------------------------------------------------------
def _slot_label(slot: str) -> str:
    try:
        return SLOT_LABELS[Slot(slot)]
    except ValueError:
        return slot


def reply_letter_form(*, actor: Staff, letter_id: Any) -> PrintedForm:
    """回馈函件 (R-COMPLAINT-23): the letter text, every co-signature the policy requires (name
    and time, blank until signed) and the legal review. A letter not yet issued prints as a
    draft (`extra["draft"]`, watermarked)."""
    letter = access.get_for(
        actor,
        ReplyLetter.objects.select_related(
            "complaint", "complaint__project", "complaint__policy", "legal_reviewed_by"
        ).prefetch_related(
            Prefetch("signatures", queryset=LetterSignature.objects.select_related("staff"))
        ),
        letter_id,
        P.VIEW_COMPLAINTS,
        field="complaint__project_id",
    )
    complaint = letter.complaint
    policy = policy_for(complaint)
    signed = {s.slot: s for s in letter.signatures.all()}
    signatures = []
    for slot in policy.letter_cosign:
        signature = signed.pop(str(slot), None)
        signatures.append(
            SignatureBox(
                _slot_label(slot),
                _name(signature.staff) if signature else "",
                signature.signed_at if signature else None,
            )
        )
    for slot, signature in signed.items():  # a slot the policy no longer asks for: still shown
        signatures.append(
            SignatureBox(_slot_label(slot), _name(signature.staff), signature.signed_at)
        )
    if policy.legal_review or letter.legal_reviewed_by_id:
        signatures.append(
            SignatureBox(
                str(_("Legal review")),
                _name(letter.legal_reviewed_by),
                letter.legal_reviewed_at,
                letter.legal_comments,
            )
        )
    return PrintedForm(
        key="letter",
        name=policy.forms.get("reply_letter") or DEFAULT_LETTER_NAME,
        number=letter.number,
        project=complaint.project,
        record_name=_record_name(complaint.project, LETTER_DOCUMENT_KEY),
        signatures=signatures,
        extra={
            "letter": letter,
            "complaint": complaint,
            "addressee": core_domain.addressed_as(complaint.complainant_name, complaint.salutation),
            "draft": letter.state != LetterState.ISSUED,
            "state_label": letter.get_state_display(),
            "issuer": complaint.project.display_script_name,
            "policy_name": policy.name,
        },
    )


# --- complaint channels notice -----------------------------------------------------------------
@dataclass(frozen=True)
class ChannelLine:
    label: str
    detail: str = ""


def channels_notice(*, actor: Staff, project_id: Any) -> PrintedForm:
    """投诉途径公告 (R-COMPLAINT-04): the channels of the project's current policy, with the
    project's service phone and address, and the response times promised at receipt, to post at
    each building's notice points."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINTS)
    policy = policy_of(
        current_version(project), working_hours=project_settings(project).count_working_hours
    )
    details = {"phone": project.phone, "visit": project.address}
    channels = [
        ChannelLine(CHANNEL_LABELS[channel], details.get(str(channel), "") or "")
        for channel in policy.channels
    ]
    promises = [
        (timer.label, "；".join(rule.note for rule in timer.rules if rule.note))
        for timer in policy.timers
        if timer.starts_on == EVENT_RECEIVED and any(rule.note for rule in timer.rules)
    ]
    return PrintedForm(
        key="channels",
        name=str(_("Notice of complaint channels")),
        number="",
        project=project,
        extra={
            "channels": channels,
            "promises": promises,
            "phone": project.phone,
            "policy_name": policy.name,
        },
    )
