"""Stored deadlines of workflow entities (R-GEN-07/08): the sweep reminds and flags from here."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from propdesk.core.models.people import Staff
from propdesk.core.models.tenancy import Project


class DeadlineState(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")


class Deadline(models.Model):
    """One timer of one entity, e.g. a complaint's first response. `remind_at` is computed when
    the deadline is set (R-GEN-08 lead = 20% of the window); `reminded_at` and `overdue_at` are set
    once, by a conditional UPDATE, so a sweep run twice never notifies twice."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deadlines")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=40)
    kind = models.CharField(_("kind"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))
    due_at = models.DateTimeField(_("due at"))
    remind_at = models.DateTimeField(_("remind at"))
    explanation = models.TextField(_("explanation"), blank=True)
    responsible = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="deadlines"
    )
    escalate_to = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["state", "remind_at"], name="deadline_remind"),
            models.Index(fields=["state", "due_at"], name="deadline_due"),
            models.Index(fields=["content_type", "object_id"], name="deadline_entity"),
            # "Nearest open timer of this entity" (list and queue annotations).
            models.Index(
                fields=["content_type", "object_id", "state", "due_at"],
                name="deadline_entity_open_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_at__gte=models.F("starts_at")), name="deadline_after_start"
            ),
            # One running timer per entity and kind: set_deadline replaces, never duplicates.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=models.Q(state="open"),
                name="deadline_one_open_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} @ {self.due_at:%Y-%m-%d %H:%M}"
