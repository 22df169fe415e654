"""People: roles, sales-centre posts, departments, staff and their project memberships (SPEC §1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.core.models.tenancy import Company, Project


class OrgUnit(models.TextChoices):
    PROPERTY = "property", _("Property management")  # 物业
    SALES = "sales", _("Sales organisation")  # 销售
    DEVELOPER = "developer", _("Developer")  # 地产
    COMPANY = "company", _("Company")


class Role(models.Model):
    """A configurable role record (SPEC §1: code, Chinese name, English label, organisation unit).
    `permissions` lists the permission codes of `propdesk.core.permissions` the role grants."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English label"), max_length=80)
    org_unit = models.CharField(_("organisation unit"), max_length=20, choices=OrgUnit.choices)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A sales-centre reception post (岗位: L1, L2, G1, Y1, Y2, X1, S1 …), per project (R-GEN-01)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="posts", verbose_name=_("project")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    duty = models.CharField(_("duty"), max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["project_id", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="post_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Department(models.Model):
    """A department (部门) of a project: 客服部, 工程部, 秩序维护部, 环境部, 财务部, 法务 …"""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="departments", verbose_name=_("project")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["project_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="department_code_unique"),
            models.UniqueConstraint(fields=["project", "name"], name="department_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    """An employee (员工) linked to a Django user. What they may do, and where, comes from their
    memberships; one person may hold several roles (SPEC §1)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("user"),
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="staff", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True, editable=False)
    name_initials = models.CharField(
        _("pinyin initials"), max_length=50, blank=True, editable=False
    )
    employee_no = models.CharField(_("employee number"), max_length=30, blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=11, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["company_id", "name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "employee_no"],
                condition=~Q(employee_no=""),
                name="staff_employee_no_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A staff member's role in one project, optionally at a post and in a department. A user acts
    only inside projects they hold an active membership of."""

    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("staff member")
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("project")
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("role")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("department"),
    )
    post = models.ForeignKey(
        Post,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("post"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["project_id", "staff_id", "role__sort"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "project", "role"], name="membership_role_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_id}@{self.project_id}:{self.role_id}"
