"""The one event log of every workflow entity and every master-data change (R-GEN-04)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from propdesk.core.models.people import Staff
from propdesk.core.models.tenancy import Project


class TimelineEvent(models.Model):
    """One row per action on an entity: who (and in which role), when, what, from which state to
    which, with a note and structured data (for master data: the changed fields, old and new)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("project")
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=40)
    actor = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor"), max_length=50, blank=True)
    actor_role = models.CharField(_("role"), max_length=50, blank=True)
    at = models.DateTimeField(_("time"), db_index=True)
    action = models.CharField(_("action"), max_length=60)
    from_state = models.CharField(_("from"), max_length=40, blank=True)
    to_state = models.CharField(_("to"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="timeline_entity")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
