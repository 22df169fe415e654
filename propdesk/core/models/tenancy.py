"""Tenancy and property master data: Company → Project → Building → Unit → Resident (SPEC §1, R-GEN-01/02)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.core.models.fields import ClearTailField, EncryptedCharField, LookupHashField


class Company(models.Model):
    """A property-management company (物业公司); the tenant boundary above projects."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectKind(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential community")  # 小区
    SALES_CENTRE = "sales_centre", _("Sales centre")  # 案场/售楼处


class Project(models.Model):
    """A project (项目): a residential community or a sales centre with its own calendar,
    parameters, posts and staff (R-GEN-01). `script_name` is the name said in standard phrases and
    intercom scripts (R-GEN-02); `record_prefix` prefixes form record names (R-GEN-03)."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="projects", verbose_name=_("company")
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ProjectKind.choices)
    script_name = models.CharField(
        _("name used in scripts"),
        max_length=100,
        blank=True,
        help_text=_("Filled into standard phrases, e.g. 欢迎光临{name}"),
    )
    record_prefix = models.CharField(
        _("record prefix"),
        max_length=20,
        blank=True,
        help_text=_("Prefix of form record names, e.g. 地王 in 地王/客服记录-01"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("service phone"), max_length=30, blank=True)
    params = models.JSONField(
        _("parameters"), default=dict, blank=True, help_text=_("Overrides of SPEC §21 parameters")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["company_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="project_code_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["residential", "sales_centre"]), name="project_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_script_name(self) -> str:
        return self.script_name or self.name

    @property
    def display_record_prefix(self) -> str:
        return self.record_prefix or self.name


class Building(models.Model):
    """A building (楼栋) of a project. `delivered_on` starts warranty periods (A-REPAIR-1)."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("project")
    )
    code = models.CharField(_("building number"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("floors above ground"), default=1)
    delivered_on = models.DateField(_("delivery date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["project_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="building_code_unique"),
            models.CheckConstraint(condition=Q(floors__gte=1), name="building_floors_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class UnitStatus(models.TextChoices):
    UNSOLD = "unsold", _("Unsold")  # 未售
    VACANT = "vacant", _("Vacant")  # 已交付未入住
    OCCUPIED = "occupied", _("Occupied")  # 已入住
    DECORATING = "decorating", _("Decorating")  # 装修中
    RENTED = "rented", _("Rented")  # 出租


class Unit(models.Model):
    """A unit (房屋/房号) in a building. The project is stored too so every query can be scoped to
    the actor's projects with one indexed filter."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="units", verbose_name=_("project")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building")
    )
    number = models.CharField(_("unit number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"))
    area = models.DecimalField(_("floor area (m²)"), max_digits=8, decimal_places=2)
    handover_date = models.DateField(_("handover date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.VACANT
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_number_unique"),
            models.CheckConstraint(condition=Q(area__gt=0), name="unit_area_positive"),
        ]
        indexes = [models.Index(fields=["project", "number"], name="unit_project_number")]

    def __str__(self) -> str:
        return f"{self.building.name}-{self.number}" if self.building_id else self.number


class Salutation(models.TextChoices):
    MR = "mr", _("Mr")  # 先生
    MS = "ms", _("Ms")  # 女士
    MISS = "miss", _("Miss")  # 小姐
    NONE = "", _("(none)")


class Resident(models.Model):
    """An owner, tenant or family member (业主/住户) of a project. Personal data (phone, ID-card
    number) is masked for roles that do not need it (R-GEN-09); the ID-card number is encrypted
    at rest (docs/personal-data.md)."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="residents", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True, editable=False)
    name_initials = models.CharField(
        _("pinyin initials"), max_length=50, blank=True, editable=False
    )
    salutation = models.CharField(
        _("salutation"), max_length=10, choices=Salutation.choices, blank=True
    )
    mobile = models.CharField(_("mobile phone"), max_length=11, blank=True)
    # Encrypted at rest; `id_number_hash` serves exact lookup and uniqueness, `id_number_tail`
    # (the last four characters, shown in every masked display anyway) the suffix search.
    id_number = EncryptedCharField(_("ID-card number"), max_length=200, blank=True)
    id_number_hash = LookupHashField(_("ID-card number lookup hash"), source="id_number")
    id_number_tail = ClearTailField(
        _("last four characters of the ID-card number"), source="id_number"
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    move_in_date = models.DateField(_("move-in date"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["project_id", "name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "id_number_hash"],
                condition=~Q(id_number_hash=""),
                name="resident_id_number_hash_unique",
            )
        ]
        indexes = [
            models.Index(fields=["project", "name_initials"], name="resident_initials"),
            models.Index(fields=["project", "mobile"], name="resident_mobile"),
            models.Index(fields=["project", "id_number_tail"], name="resident_id_tail"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The hash and tail are derived from the number on save: keep them in step when only
        # some fields are saved.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "id_number_hash", "id_number_tail"}
        super().save(*args, **kwargs)

    @property
    def addressed_as(self) -> str:
        """Surname + salutation as the seeds address people (张先生, 李女士)."""
        suffix = {"mr": "先生", "ms": "女士", "miss": "小姐"}.get(self.salutation, "")
        return f"{self.name[:1]}{suffix}" if suffix else self.name


class OccupancyRole(models.TextChoices):
    OWNER = "owner", _("Owner")  # 业主
    TENANT = "tenant", _("Tenant")  # 租户
    FAMILY = "family", _("Family member")  # 家庭成员


class Occupancy(models.Model):
    """A resident's link to a unit with a role and dates (业主/租户/家庭成员)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("unit")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("resident")
    )
    role = models.CharField(_("role"), max_length=10, choices=OccupancyRole.choices)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        ordering = ["unit_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "resident", "role"],
                condition=Q(end_date__isnull=True),
                name="occupancy_current_unique",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="occupancy_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.unit_id} ({self.role})"
