"""The personal-data access log (个人信息查阅记录): who saw whose unmasked personal data, when and
how (PIPL 个人信息保护法; R-GEN-09, ARCHITECTURE "every view of a full owner archive is logged")."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.models.people import Staff
from propdesk.core.models.tenancy import Project


class AccessChannel(models.TextChoices):
    PAGE = "page", _("Web page")  # a detail or list page, an edit form
    API = "api", _("API")
    EXPORT = "export", _("Export")  # an Excel/PDF download with clear personal data


class PersonalDataAccess(models.Model):
    """One view of unmasked personal data: a resident's detail page or API read, an owner archive,
    a list or an export showing phones or ID-card numbers in clear. Written by
    `propdesk.core.services.audit.record_personal_data_access`; rows are never changed."""

    at = models.DateTimeField(_("time"), default=timezone.now)
    staff = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
        verbose_name=_("staff"),
    )
    roles = models.CharField(_("roles"), max_length=200, blank=True)  # as held at that moment
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
        verbose_name=_("project"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=AccessChannel.choices)
    object_type = models.CharField(_("object type"), max_length=40)  # "resident", "complaint" …
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    object_label = models.CharField(_("object"), max_length=100, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)  # ["mobile", "id_number"]
    row_count = models.PositiveIntegerField(_("rows"), default=1)  # people shown (lists, exports)
    request_id = models.CharField(_("request id"), max_length=128, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data accesses")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["project", "-at"], name="pda_project_at"),
            models.Index(fields=["project", "staff", "-at"], name="pda_project_staff_at"),
            models.Index(fields=["project", "object_type", "object_id"], name="pda_project_object"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=["page", "api", "export"]), name="pda_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.object_type}:{self.object_id} @ {self.at:%Y-%m-%d %H:%M}"
