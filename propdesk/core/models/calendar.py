"""Per-project working-time calendar data (R-GEN-06): business hours per weekday and override days.

Statutory holidays and adjusted working days come from `chinese-calendar`; the rules that combine
the three live in `propdesk.core.worktime` (pure Python).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.core.models.tenancy import Project


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessHours(models.Model):
    """Opening hours of one weekday for a project (default 08:30–17:30 every day, R-GEN-06)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="business_hours", verbose_name=_("project")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"), default=dt.time(8, 30))
    closes = models.TimeField(_("closes"), default=dt.time(17, 30))
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["project_id", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["project", "weekday"], name="business_hours_unique"),
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="hours_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OverrideKind(models.TextChoices):
    WORKDAY = "workday", _("Working day")  # 加班/调班: open although normally closed
    HOLIDAY = "holiday", _("Day off")  # 停业: closed although normally open


class CalendarOverride(models.Model):
    """A project's own exception for one date, stronger than the statutory calendar."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="calendar_overrides",
        verbose_name=_("project"),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=OverrideKind.choices)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["project_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["project", "date"], name="calendar_override_unique"),
            models.CheckConstraint(
                condition=Q(opens__isnull=True)
                | Q(closes__isnull=True)
                | Q(closes__gt=models.F("opens")),
                name="override_hours_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
