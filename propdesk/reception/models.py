"""The sales-centre floor as stored (SPEC §3.1, §4): visits and their journey, VIP rooms, taxi
requests and intercom calls with their acknowledgements.

The rules are in `propdesk.reception.domain`; these tables keep what the rules decided. The
database guards what must never happen even under concurrency: one visit per VIP room and one
room per visit (R-SITE-17), a free room holds no visit, one open taxi request per visit, one
acknowledgement per post and call. Choice labels are the domain's Chinese labels (seed terms).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import Project, Staff
from propdesk.reception.domain.radio import CALL_STATE_LABELS, CallState
from propdesk.reception.domain.rooms import ROOM_STATE_LABELS, RoomState
from propdesk.reception.domain.visits import (
    STAGE_LABELS,
    TAXI_STATE_LABELS,
    Stage,
    TaxiState,
    VisitCategory,
    VisitMode,
)


def _choices(labels: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(str(key), label) for key, label in labels.items()]


MODE_LABELS = {VisitMode.APPOINTMENT: "预约", VisitMode.WALK_IN: "非预约"}
CATEGORY_LABELS = {VisitCategory.SALES: "参观", VisitCategory.NON_SALES: "非销售接待"}
SALUTATIONS = {"mr": "先生", "miss": "小姐", "ms": "女士"}


class Arrival(models.TextChoices):
    """How the party came (SPEC §3.1): by their own car (L2 guides the parking), by taxi or on
    foot (straight to the door)."""

    SELF_DRIVE = "self_drive", _("By car")  # 自驾
    TAXI = "taxi", _("By taxi")  # 出租车
    ON_FOOT = "on_foot", _("On foot")  # 步行


class Visit(models.Model):
    """A client party's visit (来访接待记录, SPEC §3.1): who they are, how they came, where they
    are on the reception route (`stage`, with one `VisitStage` row per step) and the VIP room
    they use. Numbered per project and year (`LF-2026-000001`, form `visit`). A walk-in the
    sales centre could not receive stays recorded in `gate_declined` (R-RADIO-19)."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project")
    )
    number = models.CharField(_("number"), max_length=30)
    day = models.DateField(_("date"), help_text=_("Local date of the visit"))
    mode = models.CharField(_("mode"), max_length=20, choices=_choices(MODE_LABELS))
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=_choices(CATEGORY_LABELS),
        default=VisitCategory.SALES,
    )
    stage = models.CharField(_("stage"), max_length=20, choices=_choices(STAGE_LABELS))
    stage_at = models.DateTimeField(_("stage since"))
    client_name = models.CharField(_("client name"), max_length=20, blank=True)
    salutation = models.CharField(
        _("salutation"), max_length=10, choices=_choices(SALUTATIONS), default="mr"
    )
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1)
    appearance = models.CharField(_("appearance"), max_length=60, blank=True)
    arrival = models.CharField(
        _("arrived by"), max_length=20, choices=Arrival.choices, default=Arrival.SELF_DRIVE
    )
    plate = models.CharField(_("plate number"), max_length=10, blank=True)
    multi_person_car = models.BooleanField(_("several people in one car"), default=False)
    raining = models.BooleanField(_("raining"), default=False)
    own_umbrella = models.BooleanField(_("has an umbrella"), default=False)
    smoker = models.BooleanField(_("smokes"), default=False)
    expected_at = models.DateTimeField(_("expected at"), null=True, blank=True)
    capacity_answer = models.CharField(_("capacity answer"), max_length=10, blank=True)
    salesperson = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("key-account manager"),
    )
    room = models.ForeignKey(
        "VipRoom",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("VIP room"),
        help_text=_("The room allocated to the visit (kept after departure)"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="visit_number_unique"),
            models.CheckConstraint(
                condition=Q(party_size__gte=1, party_size__lte=99), name="visit_party_size_range"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=[s.value for s in Stage]), name="visit_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(multi_person_car=False) | Q(arrival="self_drive"),
                name="visit_multi_person_car_needs_car",
            ),
        ]
        indexes = [models.Index(fields=["project", "day", "stage"], name="visit_project_day")]

    def __str__(self) -> str:
        return self.number

    @property
    def has_vehicle(self) -> bool:
        """A party that drove here is guided to the car park (R-SITE-02/06)."""
        return self.arrival == Arrival.SELF_DRIVE

    @property
    def salutation_word(self) -> str:
        return SALUTATIONS.get(self.salutation, "先生")

    @property
    def client(self) -> str:
        """'王先生' as the scripts say it ('**先生' while the name is unknown)."""
        return (self.client_name or "**") + self.salutation_word


class VisitStage(models.Model):
    """One step of a visit's route (接待动线): the stage entered, when, by which action, at which
    post and by whom — the timestamp per stage of SPEC §3.2."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="steps", verbose_name=_("visit")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=_choices(STAGE_LABELS))
    action = models.CharField(_("action"), max_length=30)
    post = models.CharField(_("post"), max_length=20)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("visit stage")
        verbose_name_plural = _("visit stages")
        ordering = ["visit_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.stage}@{self.at:%H:%M:%S}"


class VipRoom(models.Model):
    """A VIP room (VIP室) of a sales centre: free → preparing → ready → occupied → to-clean →
    free. `current_visit` is the visit holding it; the one-to-one column makes "one visit per
    room, one room per visit" a database rule (R-SITE-17), and a free room holds no visit."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project")
    )
    number = models.CharField(_("room number"), max_length=6)
    state = models.CharField(
        _("state"), max_length=20, choices=_choices(ROOM_STATE_LABELS), default=RoomState.FREE
    )
    current_visit = models.OneToOneField(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="current_room",
        verbose_name=_("current visit"),
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    state_at = models.DateTimeField(_("state since"), null=True, blank=True)

    class Meta:
        verbose_name = _("VIP room")
        verbose_name_plural = _("VIP rooms")
        ordering = ["project_id", "sort", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="vip_room_number_unique"),
            models.CheckConstraint(
                condition=(Q(state=RoomState.FREE) & Q(current_visit__isnull=True))
                | (~Q(state=RoomState.FREE) & Q(current_visit__isnull=False)),
                name="vip_room_free_iff_no_visit",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"VIP{self.number}"


class TaxiRequest(models.Model):
    """A taxi called for a client (叫出租车, R-SITE-19, R-RADIO-17/17a): requested by X1, 叫到
    only with the plate number recorded by L1."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="taxis", verbose_name=_("visit")
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=_choices(TAXI_STATE_LABELS),
        default=TaxiState.REQUESTED,
    )
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    plate = models.CharField(_("plate number"), max_length=10, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("taxi request")
        verbose_name_plural = _("taxi requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit"], condition=Q(state="requested"), name="taxi_one_open_per_visit"
            ),
            models.CheckConstraint(
                condition=Q(state="requested") | ~Q(plate=""), name="taxi_arrived_needs_plate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.state}"


class IntercomCall(models.Model):
    """One intercom call (对讲机呼叫, SPEC §4): the standard template, the exact sentence said,
    who called from which post, which posts it was addressed to, the slots, and what became of
    it — acknowledged (收到, or 可以接待/无法接待), done (R-RADIO-20), or unanswered after
    `radio.ack_timeout` and re-announced. `reannounce_at` is the stored deadline the sweep
    selects on (null once acknowledged)."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project")
    )
    template = models.CharField(_("script"), max_length=30)
    rule = models.CharField(_("rule"), max_length=20)
    text = models.CharField(_("sentence"), max_length=300)
    caller_post = models.CharField(_("caller post"), max_length=20)
    caller = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caller"),
    )
    caller_name = models.CharField(_("caller"), max_length=50)
    callee_post = models.CharField(_("called post"), max_length=20)
    screens = models.CharField(
        _("screens"),
        max_length=200,
        help_text=_("The posts whose screens show the call, e.g. ,G1,X1,"),
    )
    slots = models.JSONField(_("slots"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=_choices(CALL_STATE_LABELS), default=CallState.CALLED
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("visit"),
    )
    needs_review = models.BooleanField(_("free text to review"), default=False)
    sent_at = models.DateTimeField(_("sent at"))
    announced_at = models.DateTimeField(_("last announced at"))
    reannounce_at = models.DateTimeField(_("re-announce at"), null=True, blank=True)
    reannounced_count = models.PositiveSmallIntegerField(_("re-announcements"), default=0)
    unanswered_at = models.DateTimeField(_("flagged unanswered at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_post = models.CharField(_("acknowledged by post"), max_length=20, blank=True)
    reply = models.CharField(_("reply"), max_length=20, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("intercom call")
        verbose_name_plural = _("intercom calls")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in CallState]), name="call_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(reannounce_at__isnull=True),
                name="call_acknowledged_not_due",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "sent_at"], name="call_project_sent"),
            models.Index(fields=["reannounce_at"], name="call_reannounce_due"),
            models.Index(fields=["project", "state", "sent_at"], name="call_project_state"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def callee_posts(self) -> list[str]:
        """The posts whose screens show the call and may answer it."""
        return [code for code in self.screens.split(",") if code]

    @staticmethod
    def screens_value(posts: list[str]) -> str:
        """`[G1, X1]` → `,G1,X1,` (searchable with `screens__contains=",G1,"` everywhere)."""
        return "," + ",".join(posts) + "," if posts else ""


class CallAck(models.Model):
    """One post's answer to a call (收到, or the capacity answer). A call to one post has one;
    the arrival broadcast (R-SITE-03) gets one from every post that answers. The first answer
    also fills the call's `acknowledged_*` columns."""

    call = models.ForeignKey(
        IntercomCall, on_delete=models.CASCADE, related_name="acks", verbose_name=_("call")
    )
    post = models.CharField(_("post"), max_length=20)
    staff = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    staff_name = models.CharField(_("name"), max_length=50)
    reply = models.CharField(_("reply"), max_length=20)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("call acknowledgement")
        verbose_name_plural = _("call acknowledgements")
        ordering = ["call_id", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "post"], name="call_ack_one_per_post")
        ]

    def __str__(self) -> str:
        return f"{self.call_id}:{self.post}:{self.reply}"


# The rotation queue, client cards and appointments (SPEC §5) live in their own module.
from propdesk.reception.models_rotation import (  # noqa: E402
    Appointment as Appointment,
)
from propdesk.reception.models_rotation import (  # noqa: E402
    AppointmentState as AppointmentState,
)
from propdesk.reception.models_rotation import ClientCard as ClientCard  # noqa: E402
from propdesk.reception.models_rotation import RestDay as RestDay  # noqa: E402
from propdesk.reception.models_rotation import RestDayState as RestDayState  # noqa: E402
from propdesk.reception.models_rotation import RotaDay as RotaDay  # noqa: E402
from propdesk.reception.models_rotation import RotaDayState as RotaDayState  # noqa: E402
from propdesk.reception.models_rotation import SalesGroup as SalesGroup  # noqa: E402
from propdesk.reception.models_rotation import (  # noqa: E402
    SalesGroupMember as SalesGroupMember,
)
from propdesk.reception.models_rotation import TurnRecord as TurnRecord  # noqa: E402
