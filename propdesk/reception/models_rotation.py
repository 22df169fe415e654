"""The rotation queue as stored (接待规则, SPEC §5.1): sales groups and their duty order, rest days,
the day's duty plan (值班安排), the turn records (接待轮次) and the client cards and appointments
(R-ROTA-14).

A rotation day is event-sourced: `TurnRecord` keeps every event the floor reported (a visitor, a
call, a check-in …) in order, together with the decision the engine (`domain.rotation`) took for
it. The queue state is never stored; it is rebuilt by replaying the day's events over the roster
frozen when the day was opened (`RotaDay.roster`). The same events always give the same
decisions, so a record can be audited at any time (R-ROTA-16).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propdesk.core.models import Project, Staff
from propdesk.reception.domain.rotation_model import REASON_LABELS
from propdesk.reception.domain.rotation_roster import DUTY_LABELS

DUTY_CHOICES = [(str(k), v) for k, v in DUTY_LABELS.items()]
REASON_CHOICES = [(str(k), v) for k, v in REASON_LABELS.items()]


class SalesGroup(models.Model):
    """A sales group (销售组) with its members in the group's own duty order (R-ROTA-03) and its
    supervisor (主管, who may substitute for an absent original salesperson, R-ROTA-09)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=40)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)
    supervisor = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervisor"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sales group")
        verbose_name_plural = _("sales groups")
        ordering = ["sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="salesgroup_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class SalesGroupMember(models.Model):
    """One salesperson in a group, at position `sort` of the group's duty order."""

    group = models.ForeignKey(SalesGroup, on_delete=models.CASCADE, related_name="members")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["group", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "staff"], name="salesgroup_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.staff_id}"


class RestDayState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("rest day", "Awaiting approval")  # 待确认
    APPROVED = "approved", pgettext_lazy("rest day", "Approved")  # 已确认
    REJECTED = "rejected", pgettext_lazy("rest day", "Rejected")  # 未批准


class RestDay(models.Model):
    """A rest day (轮休) of one salesperson. It takes effect only once a department manager has
    approved it (报部门经理确认后执行, R-ROTA-04)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("date"))
    state = models.CharField(
        _("state"), max_length=10, choices=RestDayState.choices, default=RestDayState.PENDING
    )
    note = models.CharField(_("note"), max_length=100, blank=True)
    requested_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rest day")
        verbose_name_plural = _("rest days")
        ordering = ["day", "staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "staff", "day"], name="restday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id}@{self.day:%Y-%m-%d}"


class RotaDayState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("rotation day", "Planned")  # 已排班
    OPEN = "open", pgettext_lazy("rotation day", "Open")  # 营业中
    CLOSED = "closed", pgettext_lazy("rotation day", "Closed")  # 已结束


class RotaDay(models.Model):
    """One day of the floor (值班安排, SPEC §5.1): which group has which duty, the duty managers'
    shifts, the opening hours and the media-open-day flag (媒体开放日, R-ROTA-15), planned ahead.

    Opening the day freezes the roster (`roster`: the inputs of `make_day_roster`, so later edits
    of the groups do not rewrite history) and the credits and skip flags carried in from the last
    closed day (`carry_in`); closing it stores what carries on (`carry_out`). `seq` is the number
    of turn records so far: the row is locked while one is added, which serialises the floor's
    decisions (two visitors at the same instant never get the same salesperson).
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("date"))
    state = models.CharField(
        _("state"), max_length=10, choices=RotaDayState.choices, default=RotaDayState.PLANNED
    )
    duties = models.JSONField(
        _("duties"), default=dict, help_text=_("Group code → visit or phone duty")
    )
    duty_shifts = models.JSONField(
        _("duty managers"),
        default=list,
        help_text=_("The duty managers on site: staff id, from, until"),
    )
    open_from = models.TimeField(_("opens at"))
    open_until = models.TimeField(_("closes at"))
    media_open_day = models.BooleanField(_("media open day"), default=False)
    roster = models.JSONField(_("roster"), default=dict, blank=True)
    carry_in = models.JSONField(_("carried in"), default=dict, blank=True)
    carry_out = models.JSONField(_("carried out"), default=dict, blank=True)
    seq = models.PositiveIntegerField(_("turn records"), default=0)
    planned_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rotation day")
        verbose_name_plural = _("rotation days")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["project", "day"], name="rotaday_unique")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"


class TurnRecord(models.Model):
    """One event of a rotation day and the engine's decision (接待轮次, SPEC §5.1).

    `event` / `event_data` are what the floor reported; the rest is the `Decision`: the duty, the
    receiver (`assignee`), the reason code and whether it counts as a turn, how the receiver was
    chosen, and everything else of `Decision.to_record()` in `record` (credits, skips, the people
    passed over and why, warnings, the Chinese explanation)."""

    rota_day = models.ForeignKey(RotaDay, on_delete=models.CASCADE, related_name="records")
    seq = models.PositiveIntegerField(_("number"))
    at = models.DateTimeField(_("time"))
    event = models.CharField(_("event"), max_length=20)
    event_data = models.JSONField(_("event data"), default=dict)
    actor = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("decision"), max_length=20)
    ref = models.CharField(_("reference"), max_length=40, blank=True)
    duty = models.CharField(_("duty"), max_length=10, choices=DUTY_CHOICES, blank=True)
    assignee = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiver"),
    )
    reason_code = models.CharField(_("reason"), max_length=20, choices=REASON_CHOICES, blank=True)
    counts_as_turn = models.BooleanField(_("counts as a turn"), default=False)
    via = models.CharField(_("chosen by"), max_length=10, blank=True)
    visit = models.ForeignKey(
        "reception.Visit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    explanation = models.CharField(_("explanation"), max_length=300, blank=True)
    record = models.JSONField(_("decision"), default=dict)

    class Meta:
        verbose_name = _("turn record")
        verbose_name_plural = _("turn records")
        ordering = ["rota_day", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["rota_day", "seq"], name="turnrecord_seq_unique")
        ]
        indexes = [models.Index(fields=["rota_day", "ref"], name="turnrecord_ref")]

    def __str__(self) -> str:
        return f"{self.rota_day_id}#{self.seq}"


class ClientCard(models.Model):
    """A registered client (客户资料卡; the card's name is the project setting
    `reception.card_name`, 《加州1885VIP资料卡》 by default). The card makes the client registered
    and owned by the salesperson who filled it in (R-ROTA-08, R-ROTA-14)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=30)
    name = models.CharField(_("client name"), max_length=20)
    # Search keys (张三 → zhangsan / zs), set by the cards service (R-ROTA-08 lookup).
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True, editable=False)
    name_initials = models.CharField(
        _("pinyin initials"), max_length=50, blank=True, editable=False
    )
    salutation = models.CharField(_("salutation"), max_length=10, blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=11, blank=True)
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1)
    source = models.CharField(_("how they heard of us"), max_length=40, blank=True)
    interest = models.CharField(_("interest"), max_length=200, blank=True)
    owner = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("salesperson")
    )
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("client card")
        verbose_name_plural = _("client cards")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="clientcard_number_unique"),
            models.UniqueConstraint(
                fields=["project", "mobile"],
                condition=~Q(mobile=""),
                name="clientcard_mobile_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class AppointmentState(models.TextChoices):
    """R-ROTA-14: 草拟 → 待确认 → 已确认(内部) → 已与客户确认 → 已到访 / 未到 / 取消."""

    DRAFT = "draft", pgettext_lazy("appointment", "Draft")  # 草拟
    PENDING = "pending", pgettext_lazy("appointment", "Awaiting approval")  # 待确认
    APPROVED = "approved", pgettext_lazy("appointment", "Approved")  # 已确认(内部)
    CONFIRMED = "confirmed", pgettext_lazy("appointment", "Confirmed with the client")
    ARRIVED = "arrived", pgettext_lazy("appointment", "Arrived")  # 已到访
    NO_SHOW = "no_show", pgettext_lazy("appointment", "No-show")  # 未到
    CANCELLED = "cancelled", pgettext_lazy("appointment", "Cancelled")  # 取消


class Appointment(models.Model):
    """An appointment (预约接待, R-ROTA-14): a client card, the salesperson, the proposed slot and,
    once agreed with the client, the confirmed slot; confirmed internally by a department manager
    or supervisor. `warnings` keeps what the checks said when it was approved (R-ROTA-02/15)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=30)
    card = models.ForeignKey(ClientCard, on_delete=models.PROTECT, related_name="appointments")
    salesperson = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=AppointmentState.choices,
        default=AppointmentState.DRAFT,
    )
    state_at = models.DateTimeField(_("state since"))
    proposed_at = models.DateTimeField(_("proposed time"))
    confirmed_at = models.DateTimeField(_("confirmed time"), null=True, blank=True)
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1)
    note = models.CharField(_("note"), max_length=200, blank=True)
    approved_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    media_override = models.BooleanField(_("manager override on a media open day"), default=False)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    visit = models.ForeignKey(
        "reception.Visit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="appointment_number_unique")
        ]
        indexes = [models.Index(fields=["project", "state", "proposed_at"], name="appt_state")]

    def __str__(self) -> str:
        return self.number

    @property
    def slot(self):
        """The time the client is expected: the confirmed one once agreed, else the proposal."""
        return self.confirmed_at or self.proposed_at
