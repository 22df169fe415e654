"""Complaints, requests and praise (客户诉求, SPEC §11.2) and the records around them.

One `Complaint` row per incoming matter, whatever the policy; the policy version it was received
under is kept (`policy`), so editing a policy never changes a running case (R-COMPLAINT-87).
States and actions are those of `propdesk.complaints.workflows`; the services move a complaint
only through that table.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import (
    ARCHIVE_TARGET_LABELS,
    CHANNEL_LABELS,
    KIND_LABELS,
    PENALTY_LABELS,
    REVISIT_METHOD_LABELS,
)
from propdesk.complaints.workflows import State
from propdesk.core.models import Company, Department, Project, Resident, Staff, Unit


def _choices(labels: object) -> list[tuple[str, str]]:
    return [(str(k), v) for k, v in labels.items()]  # type: ignore[attr-defined]


class PolicyVersion(models.Model):
    """One stored version of a complaint policy (投诉处理方案) of a company: a shipped preset or an
    edited copy (R-COMPLAINT-87/88). Versions are never changed once a complaint uses them; an
    edit saves the next version."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("policy"))
    based_on = models.CharField(_("based on preset"), max_length=10, blank=True)
    created_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint policy version")
        verbose_name_plural = _("complaint policy versions")
        ordering = ["company_id", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code", "version"], name="policy_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ProjectPolicy(models.Model):
    """Which policy a project runs (R-COMPLAINT-87: sales centres default to LH, communities to
    PCS); new complaints take the newest version of that code."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("policy"), max_length=30)
    count_working_hours = models.BooleanField(
        _("count response times in working hours"),
        default=False,
        help_text=_("Clock hours by default (A-CMP-7)"),
    )

    class Meta:
        verbose_name = _("project complaint policy")
        verbose_name_plural = _("project complaint policies")

    def __str__(self) -> str:
        return f"{self.project_id}:{self.code}"


class ComplaintGroup(models.Model):
    """A group issue (批量问题, R-COMPLAINT-29/65): one decision applied to many complaints."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    decision = models.TextField(_("decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group issue")
        verbose_name_plural = _("group issues")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Complaint(models.Model):
    """A complaint, consultation, service request, opinion or praise (SPEC §11.2)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="complaints")
    number = models.CharField(_("number"), max_length=40)
    policy = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="complaints")
    kind = models.CharField(_("kind"), max_length=20, choices=_choices(KIND_LABELS))
    channel = models.CharField(_("channel"), max_length=20, choices=_choices(CHANNEL_LABELS))
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.RECEIVED
    )
    level = models.CharField(_("level"), max_length=30, blank=True)
    severity = models.SmallIntegerField(_("severity"), default=0)
    major_flags = models.JSONField(_("major criteria"), default=list, blank=True)
    # The complainant (投诉人).
    complainant_name = models.CharField(_("complainant"), max_length=50)
    salutation = models.CharField(_("salutation"), max_length=10, blank=True)
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_owner = models.BooleanField(_("owner or member"), default=False)
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    # What was said (投诉内容 …)
    subject = models.CharField(_("subject"), max_length=200)
    content = models.TextField(_("content"))
    expectation = models.TextField(_("customer's expectation"), blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("time of occurrence"), null=True, blank=True)
    people_involved = models.CharField(_("people involved"), max_length=200, blank=True)
    target_department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_role = models.CharField(_("complained role"), max_length=40, blank=True)
    target_staff = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Intake
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    in_working_time = models.BooleanField(_("received in working time"), default=True)
    read_back_confirmed = models.BooleanField(_("read back and confirmed"), default=False)
    steps_checked = models.JSONField(_("steps checked"), default=list, blank=True)
    # Handling
    handler = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agreed_deadline = models.DateTimeField(_("agreed deadline"), null=True, blank=True)
    rectification_deadline = models.DateTimeField(
        _("rectification deadline"), null=True, blank=True
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    legacy_issue = models.BooleanField(_("development legacy issue"), default=False)
    group = models.ForeignKey(
        ComplaintGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    linked = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="linked_from"
    )
    forwarded_to = models.CharField(_("forwarded to"), max_length=100, blank=True)
    decision = models.TextField(_("company decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome_reason = models.TextField(_("reason / explanation"), blank=True)
    result = models.TextField(_("handling result"), blank=True)
    # Closure evidence
    customer_signed = models.BooleanField(_("customer signed"), default=False)
    customer_affirmed = models.BooleanField(_("customer affirmed"), default=False)
    cause_analysis = models.TextField(_("cause analysis"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    preventive_action = models.TextField(_("preventive action"), blank=True)
    chairman_approved = models.BooleanField(_("chairman approved"), default=False)
    archive_target = models.CharField(
        _("archived to"), max_length=20, blank=True, choices=_choices(ARCHIVE_TARGET_LABELS)
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Optimistic version: every change bumps it; a stale form is refused (Conflict).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="complaint_number_unique")
        ]
        indexes = [
            models.Index(fields=["project", "state"], name="complaint_project_state"),
            models.Index(fields=["project", "received_at"], name="complaint_project_received"),
            # The list's order (newest first) across the actor's projects.
            models.Index(fields=["-received_at", "-id"], name="complaint_received_desc"),
            models.Index(fields=["handler", "state"], name="complaint_handler_state"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


class SheetState(models.TextChoices):
    """Work contact sheet states (SPEC §11.2)."""

    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    ISSUED = "issued", _("Issued")
    ACCEPTED = "accepted", _("Accepted")
    ANSWERED = "answered", _("Answered")
    CANCELLED = "cancelled", _("Cancelled")


# Sheets a department still owes an answer on (R-COMPLAINT-21).
OPEN_SHEET_STATES = (SheetState.ISSUED, SheetState.ACCEPTED)
DRAFT_SHEET_STATES = (SheetState.PENDING_APPROVAL, SheetState.APPROVED)


class ContactSheet(models.Model):
    """A work contact sheet (工作联系单) to a responsible department (R-COMPLAINT-20/21/43/44)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="sheets")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("number"), max_length=40)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    content = models.TextField(_("content"))
    requirement = models.TextField(_("requirement"), blank=True)
    deadline = models.DateTimeField(_("handling deadline"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=SheetState.choices, default=SheetState.ISSUED
    )
    requested_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    fed_back_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fed_back_at = models.DateTimeField(_("fed back at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("work contact sheet")
        verbose_name_plural = _("work contact sheets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="contact_sheet_number_unique"
            )
        ]
        indexes = [models.Index(fields=["department", "state"], name="sheet_department_state")]

    def __str__(self) -> str:
        return self.number


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIRLY = "fairly", _("Fairly satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Revisit(models.Model):
    """A revisit (回访, R-COMPLAINT-09): method, time, person, satisfaction, comments."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="revisits")
    method = models.CharField(_("method"), max_length=20, choices=_choices(REVISIT_METHOD_LABELS))
    at = models.DateTimeField(_("revisited at"))
    by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices)
    comments = models.TextField(_("customer's comments"), blank=True)

    class Meta:
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.at:%Y-%m-%d}"

    @property
    def satisfied(self) -> bool:
        return self.satisfaction != Satisfaction.DISSATISFIED


class LetterState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COSIGNING = "cosigning", _("Being co-signed")
    LEGAL_REVIEW = "legal_review", _("Legal review")
    READY = "ready", _("Ready to issue")
    ISSUED = "issued", _("Issued")


class ReplyLetter(models.Model):
    """A written reply (回馈函件, R-COMPLAINT-23): co-signed by the policy's roles and reviewed by
    legal before it is issued."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="letters")
    number = models.CharField(_("number"), max_length=40)
    body = models.TextField(_("letter text"))
    state = models.CharField(
        _("state"), max_length=20, choices=LetterState.choices, default=LetterState.DRAFT
    )
    drafted_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    legal_reviewed_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    legal_reviewed_at = models.DateTimeField(_("reviewed by legal at"), null=True, blank=True)
    legal_comments = models.TextField(_("legal comments"), blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply letter")
        verbose_name_plural = _("reply letters")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.number


class LetterSignature(models.Model):
    """One co-signature of a reply letter by the holder of a policy slot (会签)."""

    letter = models.ForeignKey(ReplyLetter, on_delete=models.CASCADE, related_name="signatures")
    slot = models.CharField(_("signing as"), max_length=20)
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("co-signature")
        verbose_name_plural = _("co-signatures")
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "slot"], name="letter_slot_signed_once")
        ]

    def __str__(self) -> str:
        return f"{self.letter_id}:{self.slot}"


class CostEntry(models.Model):
    """A line of the complaint cost ledger (投诉处理费用台帐, R-COMPLAINT-26)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="costs")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    spent_on = models.DateField(_("date"))
    item = models.CharField(_("item"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    borne_by = models.CharField(_("borne by"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint cost")
        verbose_name_plural = _("complaint costs")
        ordering = ["spent_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="complaint_cost_positive")
        ]

    def __str__(self) -> str:
        return f"{self.item} ¥{self.amount}"


class PenaltyRecord(models.Model):
    """A penalty decided on a complaint (罚则, R-COMPLAINT-79)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="penalties")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    penalty = models.CharField(_("penalty"), max_length=30, choices=_choices(PENALTY_LABELS))
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.staff_id}:{self.penalty}"


class ReportRun(models.Model):
    """One generated complaint report (SPEC §20 RPT-03/04/07/10/11/12): the figures of one report
    of one project for one period, stored as computed when it ran (on its day by the scheduled
    job, or on demand) and rendered as a page, Excel or PDF from `data` whenever it is opened.

    A report of a project, key and period is generated once (unique constraint): the job may run
    any number of times. `analysis` holds the manager's written summary and analysis
    (书面的总结分析, R-COMPLAINT-25)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    report = models.CharField(_("report"), max_length=40)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    generated_at = models.DateTimeField(_("generated at"))
    scheduled = models.BooleanField(_("generated by schedule"), default=False)
    generated_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(_("figures"), default=dict)
    analysis = models.TextField(_("written analysis"), blank=True)
    analysis_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    analysis_at = models.DateTimeField(_("analysis written at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint report")
        verbose_name_plural = _("complaint reports")
        ordering = ["-period_end", "-generated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "report", "period_start", "period_end"],
                name="report_run_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="report_run_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.period_start}..{self.period_end}"
