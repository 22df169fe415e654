"""Document types and their gap-free counters (R-GEN-03, §19)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.core.models.tenancy import Project


class DocumentType(models.Model):
    """A form type of a project: its number code (e.g. `TS` → `TS-2026-000123`) and its record name
    as the procedures print it (e.g. `地王/客服记录-17`). Both are configurable per project."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="document_types", verbose_name=_("project")
    )
    key = models.SlugField(_("form key"), max_length=40)
    name = models.CharField(_("form name"), max_length=100)
    code = models.CharField(_("number code"), max_length=20)
    record_name = models.CharField(_("record name"), max_length=60, blank=True)
    digits = models.PositiveSmallIntegerField(_("digits"), default=6)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["project_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="document_type_key_unique"),
            models.CheckConstraint(condition=Q(digits__gte=3, digits__lte=10), name="digits_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class DocumentCounter(models.Model):
    """The last number issued per project, form and year. Locked with SELECT … FOR UPDATE inside
    the transaction that creates the record, so a rollback returns the number (gap-free)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "key", "year"], name="document_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}/{self.year}: {self.last_value}"
