"""Defaults every new project starts with (R-GEN-01..03, R-GEN-06)."""

from __future__ import annotations

import datetime as dt

from propdesk.core.models import BusinessHours, Department, DocumentType, Post, Project
from propdesk.core.models.tenancy import ProjectKind
from propdesk.core.permissions import DEFAULT_DEPARTMENTS, DEFAULT_POSTS, SALES_DEPARTMENTS
from propdesk.core.register import FORM_REGISTER

DEFAULT_OPENS = dt.time(8, 30)
DEFAULT_CLOSES = dt.time(17, 30)


def seed_project_defaults(project: Project) -> None:
    """Business hours 08:30–17:30 every day, the standard departments, the sales-centre posts
    and the form register. Idempotent: existing rows are kept as configured."""
    BusinessHours.objects.bulk_create(
        [
            BusinessHours(project=project, weekday=d, opens=DEFAULT_OPENS, closes=DEFAULT_CLOSES)
            for d in range(7)
        ],
        ignore_conflicts=True,
    )
    departments = list(DEFAULT_DEPARTMENTS)
    if project.kind == ProjectKind.SALES_CENTRE:
        departments += SALES_DEPARTMENTS
    Department.objects.bulk_create(
        [Department(project=project, code=code, name=name) for code, name in departments],
        ignore_conflicts=True,
    )
    if project.kind == ProjectKind.SALES_CENTRE:
        Post.objects.bulk_create(
            [
                Post(project=project, code=code, name=name, duty=duty, sort=i)
                for i, (code, name, duty) in enumerate(DEFAULT_POSTS)
            ],
            ignore_conflicts=True,
        )
    prefix = project.display_record_prefix
    DocumentType.objects.bulk_create(
        [
            DocumentType(
                project=project,
                key=key,
                name=name,
                code=code,
                record_name=f"{prefix}/{suffix}" if suffix else "",
            )
            for key, name, code, suffix, kinds in FORM_REGISTER
            if project.kind in kinds
        ],
        ignore_conflicts=True,
    )


def ensure_default_roles(**_kwargs: object) -> None:
    """Create the SPEC §1 roles that do not exist yet; never overwrite an edited role."""
    from propdesk.core.models import Role
    from propdesk.core.permissions import DEFAULT_ROLES

    Role.objects.bulk_create(
        [
            Role(code=code, name=name, name_en=name_en, org_unit=unit, permissions=perms, sort=i)
            for i, (code, name, name_en, unit, perms) in enumerate(DEFAULT_ROLES)
        ],
        ignore_conflicts=True,
    )


def bootstrap_project(*, company_name: str, data: dict[str, str]) -> Project:
    """First project of a new installation (the `createproject` command): creates the company
    if needed and the project with its defaults. Runs without an actor: it is the bootstrap
    path for an empty database, before anyone can log in (R-GEN-01)."""
    from django.db import IntegrityError, transaction
    from django.utils.translation import gettext_lazy as _

    from propdesk.core.errors import ValidationFailed
    from propdesk.core.models import Company
    from propdesk.core.services.masterdata import PROJECT_FIELDS, validate_project
    from propdesk.core.services.timeline import record_event
    from propdesk.core.services.validation import apply_changes, reject_unknown, stripped

    data = stripped(data)
    reject_unknown(data, PROJECT_FIELDS)
    validate_project(data, creating=True)
    if not company_name.strip():
        raise ValidationFailed(fields={"company": [_("This field is required")]})
    try:
        with transaction.atomic():
            company, _created = Company.objects.get_or_create(name=company_name.strip())
            project = Project(company=company)
            apply_changes(project, data, PROJECT_FIELDS)
            project.save()
            seed_project_defaults(project)
            record_event(
                entity=project,
                action="project.created",
                actor=None,
                project_id=project.pk,
                data={"name": project.name},
            )
    except IntegrityError:
        raise ValidationFailed(fields={"code": [_("This code is already used")]}) from None
    return project
