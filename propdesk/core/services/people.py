"""People use cases: departments, staff (with their Django user) and project memberships (SPEC §1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from propdesk.core import access, domain
from propdesk.core import permissions as P
from propdesk.core.errors import ValidationFailed
from propdesk.core.models import Department, Membership, Post, Role, Staff
from propdesk.core.services import audit
from propdesk.core.services.timeline import record_event
from propdesk.core.services.validation import (
    Errors,
    apply_changes,
    check_text,
    raise_if,
    reject_unknown,
    stripped,
)

DEPARTMENT_FIELDS = ("code", "name", "phone", "is_active")


def _validate_department(data: Mapping[str, Any], *, creating: bool) -> None:
    errors: Errors = {}
    check_text(errors, data, "code", required=creating, max_length=40)
    check_text(errors, data, "name", required=creating, max_length=50)
    check_text(errors, data, "phone", required=False, max_length=30)
    raise_if(errors)


def create_department(*, actor: Staff, project_id: Any, data: Mapping[str, Any]) -> Department:
    """Add a department (部门) to a project; code and name are unique within the project."""
    project = access.get_project_for(actor, project_id, P.MANAGE_STAFF)
    data = stripped(data)
    reject_unknown(data, DEPARTMENT_FIELDS)
    _validate_department(data, creating=True)
    department = Department(project=project)
    apply_changes(department, data, DEPARTMENT_FIELDS)
    try:
        with transaction.atomic():
            department.save()
            record_event(
                entity=department,
                action="department.created",
                actor=actor,
                project_id=project.pk,
                data={"name": department.name},
            )
    except IntegrityError:
        raise ValidationFailed(
            fields={"name": [_("A department with this code or name already exists")]}
        ) from None
    return department


def update_department(*, actor: Staff, department_id: Any, data: Mapping[str, Any]) -> Department:
    department = access.get_for(actor, Department.objects.all(), department_id, P.MANAGE_STAFF)
    data = stripped(data)
    reject_unknown(data, DEPARTMENT_FIELDS)
    _validate_department(data, creating=False)
    try:
        with transaction.atomic():
            department = Department.objects.select_for_update().get(pk=department.pk)
            changes = apply_changes(department, data, DEPARTMENT_FIELDS)
            if changes:
                department.save()
                record_event(
                    entity=department,
                    action="department.updated",
                    actor=actor,
                    project_id=department.project_id,
                    data={"changes": changes},
                )
    except IntegrityError:
        raise ValidationFailed(
            fields={"name": [_("A department with this code or name already exists")]}
        ) from None
    return department


def delete_department(*, actor: Staff, department_id: Any) -> None:
    department = access.get_for(actor, Department.objects.all(), department_id, P.MANAGE_STAFF)
    with transaction.atomic():
        if Membership.objects.filter(department=department).exists():
            raise ValidationFailed(
                fields={
                    "department": [
                        _("Staff still belong to this department; deactivate it instead")
                    ]
                }
            )
        record_event(
            entity=department,
            action="department.deleted",
            actor=actor,
            project_id=department.project_id,
            data={"name": department.name},
        )
        department.delete()


STAFF_FIELDS = ("name", "employee_no", "mobile", "email", "is_active")


def _validate_staff(data: dict[str, Any], *, creating: bool) -> None:
    errors: Errors = {}
    check_text(errors, data, "name", required=creating, max_length=50)
    check_text(errors, data, "employee_no", required=False, max_length=30)
    check_text(errors, data, "email", required=False, max_length=254)
    if data.get("mobile"):
        mobile = domain.normalise_mobile(str(data["mobile"]))
        if domain.is_valid_mobile(mobile):
            data["mobile"] = mobile
        else:
            errors.setdefault("mobile", []).append(
                _("Enter an 11-digit mainland mobile number, e.g. 13800138000")
            )
    raise_if(errors)


def _membership_from(
    actor: Staff, project_id: Any, data: Mapping[str, Any], errors: Errors
) -> Membership | None:
    """Resolve role, department and post of a membership inside one project."""
    project = access.get_project_for(actor, project_id, P.MANAGE_STAFF)
    role = Role.objects.filter(code=data.get("role")).first()
    if role is None:
        errors.setdefault("role", []).append(_("Choose one of the listed options"))
    department = None
    if data.get("department"):
        department = Department.objects.filter(
            pk=data["department"] if str(data["department"]).isdigit() else None, project=project
        ).first()
        if department is None:
            errors.setdefault("department", []).append(_("Department not found in this project"))
    post = None
    if data.get("post"):
        post = Post.objects.filter(code=data["post"], project=project).first()
        if post is None:
            errors.setdefault("post", []).append(_("Post not found in this project"))
    if errors or role is None:
        return None
    if role.code in {"company_admin", "general_manager"} and not (
        actor.user.is_superuser
        or actor.memberships.filter(is_active=True, role__code="company_admin").exists()
    ):
        errors.setdefault("role", []).append(_("Only a company administrator may grant this role"))
        return None
    return Membership(project=project, role=role, department=department, post=post)


def create_staff(
    *,
    actor: Staff,
    project_id: Any,
    username: str,
    password: str,
    data: Mapping[str, Any],
    membership: Mapping[str, Any],
) -> Staff:
    """Create a staff member (员工) with a login and a first membership in the project."""
    data = stripped(data)
    reject_unknown(data, STAFF_FIELDS)
    reject_unknown(membership, ("role", "department", "post"))
    errors: Errors = {}
    try:
        _validate_staff(data, creating=True)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    username = (username or "").strip()
    user_model = get_user_model()
    if not username or len(username) > 150:
        errors.setdefault("username", []).append(_("This field is required"))
    elif user_model.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(_("This login name is already taken"))
    try:
        validate_password(password or "", user=user_model(username=username))
    except DjangoValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    member = _membership_from(actor, project_id, membership, errors)
    raise_if(errors)
    assert member is not None  # noqa: S101 - narrowed by the error check above
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(
                username=username, password=password, email=data.get("email", "")
            )
            staff = Staff(user=user, company_id=actor.company_id)
            apply_changes(staff, data, STAFF_FIELDS)
            staff.name_pinyin, staff.name_initials = domain.pinyin_keys(staff.name)
            staff.save()
            member.staff = staff
            member.save()
            record_event(
                entity=staff,
                action="staff.created",
                actor=actor,
                project_id=member.project_id,
                data={"name": staff.name, "role": member.role.code},
            )
    except IntegrityError:
        raise ValidationFailed(
            fields={"employee_no": [_("This employee number is already used")]}
        ) from None
    return staff


def get_staff_for(actor: Staff, staff_id: Any, perm: str = P.VIEW_MASTERDATA) -> Staff:
    """A staff member visible to the actor: one who holds a membership in one of the actor's
    projects where the actor has `perm`."""
    from propdesk.core.errors import NotFound

    visible = Staff.objects.filter(
        company_id=actor.company_id,
        memberships__project_id__in=access.project_ids(actor, perm),
    ).distinct()
    try:
        return visible.select_related("user").get(pk=int(staff_id))
    except (TypeError, ValueError, Staff.DoesNotExist):
        raise NotFound() from None


def show_staff(
    actor: Staff,
    staff: Iterable[Staff],
    *,
    project_id: int,
    context: audit.AccessContext,
    single: bool = False,
) -> list[Staff]:
    """Staff for display on a project's pages: their phones in clear only where the actor's role
    in that project sees personal data (R-GEN-09), like residents' phones. A view in clear is
    logged: one row for one staff member (`staff`), one row for a list (`staff_list`)."""
    items = list(staff)
    for member in items:
        member.project_id = project_id  # type: ignore[attr-defined]  # staff belong to no project
    access.apply_masking(actor, items)
    audit.record_clear_view(
        actor=actor,
        objects=items,
        object_type="staff" if single else "staff_list",
        context=context,
        single=single,
    )
    return items


def view_staff(
    actor: Staff,
    staff_id: Any,
    *,
    project_id: int,
    context: audit.AccessContext,
    perm: str = P.VIEW_MASTERDATA,
) -> Staff:
    """A staff member for display (detail page, edit form), masked and logged as `show_staff`."""
    member = get_staff_for(actor, staff_id, perm)
    show_staff(actor, [member], project_id=project_id, context=context, single=True)
    return member


def update_staff(*, actor: Staff, staff_id: Any, data: Mapping[str, Any]) -> Staff:
    staff = get_staff_for(actor, staff_id, P.MANAGE_STAFF)
    data = stripped(data)
    reject_unknown(data, STAFF_FIELDS)
    _validate_staff(data, creating=False)
    try:
        with transaction.atomic():
            staff = Staff.objects.select_for_update().get(pk=staff.pk)
            changes = apply_changes(staff, data, STAFF_FIELDS)
            if changes:
                staff.name_pinyin, staff.name_initials = domain.pinyin_keys(staff.name)
                staff.save()
                if "is_active" in changes:
                    type(staff.user).objects.filter(pk=staff.user_id).update(
                        is_active=staff.is_active
                    )
                project_id = access.project_ids(actor, P.MANAGE_STAFF)[0]
                record_event(
                    entity=staff,
                    action="staff.updated",
                    actor=actor,
                    project_id=project_id,
                    data={"changes": changes},
                )
    except IntegrityError:
        raise ValidationFailed(
            fields={"employee_no": [_("This employee number is already used")]}
        ) from None
    return staff


def add_membership(
    *, actor: Staff, staff_id: Any, project_id: Any, data: Mapping[str, Any]
) -> Membership:
    """Give a staff member the actor may manage a role (and post/department) in a project. A staff
    member of another project is "not found": a guessed id never recruits a stranger."""
    staff: Staff | None = get_staff_for(actor, staff_id, P.MANAGE_STAFF)
    errors: Errors = {}
    if staff is None:
        errors["staff"] = [_("Not found")]
    reject_unknown(data, ("role", "department", "post"))
    member = _membership_from(actor, project_id, data, errors)
    raise_if(errors)
    assert member is not None  # noqa: S101 - narrowed by raise_if above
    assert staff is not None  # noqa: S101
    member.staff = staff
    try:
        with transaction.atomic():
            member.save()
            record_event(
                entity=staff,
                action="staff.role_granted",
                actor=actor,
                project_id=member.project_id,
                data={"role": member.role.code},
            )
    except IntegrityError:
        raise ValidationFailed(
            fields={"role": [_("The staff member already holds this role in this project")]}
        ) from None
    access.forget(staff)
    return member


def end_membership(*, actor: Staff, membership_id: Any) -> Membership:
    member = access.get_for(
        actor, Membership.objects.select_related("role", "staff"), membership_id, P.MANAGE_STAFF
    )
    with transaction.atomic():
        member = (
            Membership.objects.select_for_update().select_related("role", "staff").get(pk=member.pk)
        )
        if member.is_active:
            member.is_active = False
            member.save(update_fields=["is_active"])
            record_event(
                entity=member.staff,
                action="staff.role_revoked",
                actor=actor,
                project_id=member.project_id,
                data={"role": member.role.code},
            )
    return member
