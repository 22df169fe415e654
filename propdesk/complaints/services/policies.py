"""Complaint policies stored per company and version (R-COMPLAINT-87/88).

The four presets are written as version 1 of their code the first time a company needs them. A
project runs one policy code (`ProjectPolicy`); new complaints take its newest version, and each
complaint keeps the version it was received under. Editing a policy saves the next version.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import (
    PRESETS,
    Policy,
    PolicyError,
    count_in_working_hours,
    policy_from_dict,
    policy_to_dict,
    validate_policy,
)
from propdesk.complaints.models import PolicyVersion, ProjectPolicy
from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import Conflict, ValidationFailed, field_error
from propdesk.core.models import Project, Role, Staff
from propdesk.core.models.tenancy import ProjectKind
from propdesk.core.services.timeline import record_event

# Timers counted in working hours when a project switches A-CMP-7 on (the first response and
# reply timers are the ones the seeds count "within 8/24/48/72 hours").
WORKING_HOUR_TIMERS = ("first_response", "reply", "first_opinion")


def default_code(project: Project) -> str:
    """R-COMPLAINT-87: sales centres run LH by default, communities PCS."""
    return "LH" if project.kind == ProjectKind.SALES_CENTRE else "PCS"


def _ensure_preset(company_id: int, code: str) -> PolicyVersion | None:
    preset = PRESETS.get(code)
    if preset is None:
        return None
    try:
        with transaction.atomic():
            row, _created = PolicyVersion.objects.get_or_create(
                company_id=company_id,
                code=code,
                version=preset.version,
                defaults={"name": preset.name, "data": policy_to_dict(preset), "based_on": code},
            )
    except IntegrityError:  # another request wrote it at the same moment
        row = PolicyVersion.objects.get(company_id=company_id, code=code, version=preset.version)
    return row


def latest_version(company_id: int, code: str) -> PolicyVersion:
    """The newest stored version of `code` (a preset is stored on first use)."""
    row = (
        PolicyVersion.objects.filter(company_id=company_id, code=code).order_by("-version").first()
    )
    if row is None:
        row = _ensure_preset(company_id, code)
    if row is None:
        raise field_error("policy", _("Unknown complaint policy"))
    return row


def project_settings(project: Project) -> ProjectPolicy:
    row = ProjectPolicy.objects.filter(project=project).first()
    if row is None:
        row = ProjectPolicy(project=project, code=default_code(project))
    return row


def current_version(project: Project) -> PolicyVersion:
    """The policy version a complaint received now in `project` runs under."""
    return latest_version(project.company_id, project_settings(project).code)


@lru_cache(maxsize=64)
def _parse(text: str) -> Policy:
    return policy_from_dict(json.loads(text))


def policy_of(row: PolicyVersion, *, working_hours: bool = False) -> Policy:
    """The `Policy` of a stored version (parsed once per distinct content). With
    `working_hours` the response timers count working hours (A-CMP-7)."""
    policy = _parse(json.dumps(row.data, sort_keys=True))
    if working_hours:
        for key in WORKING_HOUR_TIMERS:
            if any(t.key == key for t in policy.timers):
                policy = count_in_working_hours(policy, key=key)
    return policy


def list_versions(*, actor: Staff, project_id: Any) -> list[PolicyVersion]:
    """Every policy code of the actor's company with its newest version first; presets are
    listed even before their first use."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINTS)
    for code in PRESETS:
        latest_version(project.company_id, code)
    return list(PolicyVersion.objects.filter(company_id=project.company_id))


def choose_policy(
    *, actor: Staff, project_id: Any, code: str, count_working_hours: bool = False
) -> ProjectPolicy:
    """Set the policy the project runs (R-COMPLAINT-87). Running complaints keep theirs."""
    project = access.get_project_for(actor, project_id, P.MANAGE_COMPLAINT_POLICY)
    known = PolicyVersion.objects.filter(company_id=project.company_id, code=code).exists()
    if not known and code not in PRESETS:
        raise field_error("code", _("Unknown complaint policy"))
    with transaction.atomic():
        latest_version(project.company_id, code)
        row, _created = ProjectPolicy.objects.update_or_create(
            project=project,
            defaults={"code": code, "count_working_hours": bool(count_working_hours)},
        )
        record_event(
            entity=project,
            action="complaints.policy_chosen",
            actor=actor,
            project_id=project.pk,
            note=code,
            data={"code": code, "count_working_hours": bool(count_working_hours)},
        )
    return row


def save_policy(
    *, actor: Staff, project_id: Any, code: str, data: dict[str, Any], name: str = ""
) -> PolicyVersion:
    """Save an edited policy as the next version of `code` (a new code copies a preset). The
    dict is `policy_to_dict` layout; it is checked with `validate_policy` against the company's
    roles and refused with every problem listed (R-COMPLAINT-88)."""
    project = access.get_project_for(actor, project_id, P.MANAGE_COMPLAINT_POLICY)
    code = (code or "").strip()
    if not code or len(code) > 30:
        raise field_error("code", _("Enter a code of at most 30 characters"))
    try:
        policy = policy_from_dict({**data, "code": code, "name": name or data.get("name", code)})
    except PolicyError as exc:
        raise field_error("data", str(exc)) from None
    known_roles = set(Role.objects.values_list("code", flat=True))
    problems = validate_policy(policy, known_roles=known_roles)
    if problems:
        raise ValidationFailed(fields={"data": problems})
    with transaction.atomic():
        last = (
            PolicyVersion.objects.select_for_update()
            .filter(company_id=project.company_id, code=code)
            .order_by("-version")
            .first()
        )
        if last is None and code in PRESETS:
            last = _ensure_preset(project.company_id, code)
        version = (last.version + 1) if last else 1
        policy = policy_from_dict({**policy_to_dict(policy), "version": version})
        try:
            row = PolicyVersion.objects.create(
                company_id=project.company_id,
                code=code,
                name=policy.name,
                version=version,
                data=policy_to_dict(policy),
                based_on=(last.based_on if last else str(data.get("code", ""))[:10]),
                created_by=actor,
            )
        except IntegrityError:
            raise Conflict() from None
        record_event(
            entity=row,
            action="complaints.policy_saved",
            actor=actor,
            project_id=project.pk,
            note=f"{code} v{version}",
        )
    return row


def copy_policy(
    *, actor: Staff, project_id: Any, source_code: str, code: str, name: str
) -> PolicyVersion:
    """Copy a preset or policy under a new code, to be edited (R-COMPLAINT-87)."""
    project = access.get_project_for(actor, project_id, P.MANAGE_COMPLAINT_POLICY)
    if PolicyVersion.objects.filter(company_id=project.company_id, code=code).exists():
        raise field_error("code", _("A policy with this code already exists"))
    source = latest_version(project.company_id, source_code)
    data = dict(source.data)
    return save_policy(actor=actor, project_id=project.pk, code=code, data=data, name=name)
