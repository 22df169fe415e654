"""Master-data use cases: projects, buildings, units, residents and their occupancies.

Every function takes the acting staff member, checks access through `propdesk.core.access`,
validates (field-level errors in Chinese, nothing written on failure), writes in one transaction
and records the change (old → new per field) on the entity's timeline (R-GEN-04).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core import access, crypto, domain
from propdesk.core import permissions as P
from propdesk.core.errors import NotFound, ValidationFailed
from propdesk.core.models import Building, Occupancy, Project, Resident, Staff, Unit
from propdesk.core.models.tenancy import OccupancyRole, ProjectKind, Salutation, UnitStatus
from propdesk.core.services import audit
from propdesk.core.services.timeline import record_event
from propdesk.core.services.validation import (
    Errors,
    apply_changes,
    check_choice,
    check_date,
    check_text,
    raise_if,
    reject_unknown,
    stripped,
)

# --- projects -----------------------------------------------------------------------------
PROJECT_FIELDS = (
    "code",
    "name",
    "kind",
    "script_name",
    "record_prefix",
    "address",
    "phone",
    "is_active",
)


def validate_project(data: Mapping[str, Any], *, creating: bool) -> None:
    errors: Errors = {}
    check_text(errors, data, "name", required=creating, max_length=100)
    check_text(errors, data, "code", required=creating, max_length=30)
    if (
        isinstance(data.get("code"), str)
        and data["code"]
        and not data["code"].replace("-", "").replace("_", "").isalnum()
    ):
        errors.setdefault("code", []).append(_("Use letters, digits, - or _"))
    if creating and "kind" not in data:
        errors.setdefault("kind", []).append(_("This field is required"))
    check_choice(errors, data, "kind", ProjectKind)
    for name, length in (
        ("script_name", 100),
        ("record_prefix", 20),
        ("address", 200),
        ("phone", 30),
    ):
        check_text(errors, data, name, required=False, max_length=length)
    raise_if(errors)


def create_project(*, actor: Staff, data: Mapping[str, Any]) -> Project:
    """Create a project in the actor's company with its default calendar, departments, posts
    and form types (R-GEN-01..03). Only company-level administrators may do this."""
    from propdesk.core.services.setup import seed_project_defaults

    if not (actor.user.is_superuser or _is_company_admin(actor)):
        raise NotFound()
    data = stripped(data)
    reject_unknown(data, PROJECT_FIELDS)
    validate_project(data, creating=True)
    project = Project(company_id=actor.company_id)
    apply_changes(project, data, PROJECT_FIELDS)
    try:
        with transaction.atomic():
            project.save()
            seed_project_defaults(project)
            record_event(
                entity=project,
                action="project.created",
                actor=actor,
                project_id=project.pk,
                data={"name": project.name},
            )
    except IntegrityError:
        raise ValidationFailed(fields={"code": [_("This code is already used")]}) from None
    access.forget(actor)
    return project


def _is_company_admin(actor: Staff) -> bool:
    return actor.memberships.filter(is_active=True, role__code="company_admin").exists()


def update_project(*, actor: Staff, project_id: Any, data: Mapping[str, Any]) -> Project:
    """Edit a project's names, script name and record prefix (R-GEN-02/03)."""
    project = access.get_project_for(actor, project_id, P.MANAGE_PROJECT)
    data = stripped(data)
    reject_unknown(data, PROJECT_FIELDS)
    validate_project(data, creating=False)
    try:
        with transaction.atomic():
            project = Project.objects.select_for_update().get(pk=project.pk)
            changes = apply_changes(project, data, PROJECT_FIELDS)
            if changes:
                project.save()
                record_event(
                    entity=project,
                    action="project.updated",
                    actor=actor,
                    project_id=project.pk,
                    data={"changes": changes},
                )
    except IntegrityError:
        raise ValidationFailed(fields={"code": [_("This code is already used")]}) from None
    return project


# --- buildings ----------------------------------------------------------------------------
BUILDING_FIELDS = ("code", "name", "floors", "delivered_on", "note")


def _validate_building(data: Mapping[str, Any], *, creating: bool) -> None:
    errors: Errors = {}
    check_text(errors, data, "code", required=creating, max_length=20)
    check_text(errors, data, "name", required=creating, max_length=50)
    check_text(errors, data, "note", required=False, max_length=200)
    floors = data.get("floors")
    if "floors" in data and (
        not isinstance(floors, int) or isinstance(floors, bool) or not 1 <= floors <= 200
    ):
        errors.setdefault("floors", []).append(_("Enter a number of floors from 1 to 200"))
    check_date(errors, data, "delivered_on", future_days=5 * 366)
    raise_if(errors)


def create_building(*, actor: Staff, project_id: Any, data: Mapping[str, Any]) -> Building:
    """Add a building (楼栋) to a project."""
    project = access.get_project_for(actor, project_id, P.CHANGE_MASTERDATA)
    data = stripped(data)
    reject_unknown(data, BUILDING_FIELDS)
    _validate_building(data, creating=True)
    building = Building(project=project)
    apply_changes(building, data, BUILDING_FIELDS)
    try:
        with transaction.atomic():
            building.save()
            record_event(
                entity=building,
                action="building.created",
                actor=actor,
                project_id=project.pk,
                data={"name": building.name},
            )
    except IntegrityError:
        raise ValidationFailed(
            fields={
                "code": [
                    _("Building {code} already exists in this project").format(code=building.code)
                ]
            }
        ) from None
    return building


def update_building(*, actor: Staff, building_id: Any, data: Mapping[str, Any]) -> Building:
    building = access.get_for(actor, Building.objects.all(), building_id, P.CHANGE_MASTERDATA)
    data = stripped(data)
    reject_unknown(data, BUILDING_FIELDS)
    _validate_building(data, creating=False)
    try:
        with transaction.atomic():
            building = Building.objects.select_for_update().get(pk=building.pk)
            changes = apply_changes(building, data, BUILDING_FIELDS)
            if changes:
                building.save()
                record_event(
                    entity=building,
                    action="building.updated",
                    actor=actor,
                    project_id=building.project_id,
                    data={"changes": changes},
                )
    except IntegrityError:
        raise ValidationFailed(
            fields={
                "code": [
                    _("Building {code} already exists in this project").format(
                        code=data.get("code")
                    )
                ]
            }
        ) from None
    return building


def delete_building(*, actor: Staff, building_id: Any) -> None:
    """Delete an empty building; one with units is refused (its history must stay)."""
    building = access.get_for(actor, Building.objects.all(), building_id, P.CHANGE_MASTERDATA)
    with transaction.atomic():
        if Unit.objects.filter(building=building).exists():
            raise ValidationFailed(
                _("The building still has units; remove them first"),
                fields={"building": [_("The building still has units; remove them first")]},
            )
        record_event(
            entity=building,
            action="building.deleted",
            actor=actor,
            project_id=building.project_id,
            data={"name": building.name},
        )
        building.delete()


# --- units --------------------------------------------------------------------------------
UNIT_FIELDS = ("building", "number", "floor", "area", "handover_date", "status", "note")


def _coerce_area(errors: Errors, data: dict[str, Any]) -> None:
    if "area" not in data:
        return
    try:
        area = Decimal(str(data["area"]))
    except (InvalidOperation, ValueError):
        errors.setdefault("area", []).append(_("Enter an area in square metres, e.g. 89.50"))
        return
    if not area.is_finite() or area <= 0 or area >= domain.AREA_MAX:
        errors.setdefault("area", []).append(_("The area must be above 0 and below 100000 m²"))
        return
    data["area"] = domain.quantize_area(area)


def _resolve_building(errors: Errors, data: dict[str, Any], project_id: int) -> None:
    """A unit's building must belong to the same project; another project's id is 'not found'."""
    if "building" not in data:
        return
    value = data["building"]
    building_id = value.pk if isinstance(value, Building) else value
    building = (
        Building.objects.filter(pk=building_id, project_id=project_id).first()
        if str(building_id).isdigit()
        else None
    )
    if building is None:
        errors.setdefault("building", []).append(_("Building not found in this project"))
    else:
        data["building"] = building


def _validate_unit(data: dict[str, Any], project_id: int, *, creating: bool) -> None:
    errors: Errors = {}
    if creating:
        for name in ("building", "number", "floor", "area"):
            if name not in data or data[name] in (None, ""):
                errors.setdefault(name, []).append(_("This field is required"))
    _resolve_building(errors, data, project_id)
    check_text(errors, data, "number", required=creating, max_length=20)
    check_text(errors, data, "note", required=False, max_length=200)
    floor = data.get("floor")
    if "floor" in data and (
        not isinstance(floor, int) or isinstance(floor, bool) or not -5 <= floor <= 200
    ):
        errors.setdefault("floor", []).append(_("Enter a floor from -5 to 200"))
    _coerce_area(errors, data)
    check_date(errors, data, "handover_date", future_days=5 * 366)
    check_choice(errors, data, "status", UnitStatus)
    raise_if(errors)


def _unit_number_taken(data: Mapping[str, Any], building: Building) -> ValidationFailed:
    return ValidationFailed(
        fields={
            "number": [
                _("Unit {number} already exists in {building}").format(
                    number=data.get("number"), building=building.name
                )
            ]
        }
    )


def create_unit(*, actor: Staff, project_id: Any, data: Mapping[str, Any]) -> Unit:
    """Add a unit (房屋) to a building of the project; numbers are unique per building."""
    project = access.get_project_for(actor, project_id, P.CHANGE_MASTERDATA)
    data = stripped(data)
    reject_unknown(data, UNIT_FIELDS)
    _validate_unit(data, project.pk, creating=True)
    unit = Unit(project=project)
    apply_changes(unit, data, UNIT_FIELDS)
    try:
        with transaction.atomic():
            unit.save()
            record_event(
                entity=unit,
                action="unit.created",
                actor=actor,
                project_id=project.pk,
                data={"number": unit.number, "building": unit.building.name},
            )
    except IntegrityError:
        raise _unit_number_taken(data, unit.building) from None
    return unit


def update_unit(*, actor: Staff, unit_id: Any, data: Mapping[str, Any]) -> Unit:
    unit = access.get_for(actor, Unit.objects.all(), unit_id, P.CHANGE_MASTERDATA)
    data = stripped(data)
    reject_unknown(data, UNIT_FIELDS)
    _validate_unit(data, unit.project_id, creating=False)
    try:
        with transaction.atomic():
            unit = Unit.objects.select_for_update().select_related("building").get(pk=unit.pk)
            old_status = unit.status
            changes = apply_changes(unit, data, UNIT_FIELDS)
            if changes:
                unit.save()
                record_event(
                    entity=unit,
                    action="unit.updated",
                    actor=actor,
                    project_id=unit.project_id,
                    from_state=old_status,
                    to_state=unit.status,
                    data={"changes": changes},
                )
    except IntegrityError:
        raise _unit_number_taken(data, unit.building) from None
    return unit


def delete_unit(*, actor: Staff, unit_id: Any) -> None:
    """Delete a unit that never had residents; otherwise its history must stay."""
    unit = access.get_for(actor, Unit.objects.all(), unit_id, P.CHANGE_MASTERDATA)
    with transaction.atomic():
        if Occupancy.objects.filter(unit=unit).exists():
            raise ValidationFailed(
                fields={"unit": [_("The unit has residents on record and cannot be deleted")]}
            )
        record_event(
            entity=unit,
            action="unit.deleted",
            actor=actor,
            project_id=unit.project_id,
            data={"number": unit.number},
        )
        unit.delete()


# --- residents ----------------------------------------------------------------------------
RESIDENT_FIELDS = (
    "name",
    "salutation",
    "mobile",
    "id_number",
    "birthday",
    "move_in_date",
    "email",
    "note",
    "is_active",
)


def _validate_resident(
    data: dict[str, Any], project_id: int, *, creating: bool, exclude_id: int | None = None
) -> None:
    errors: Errors = {}
    today = timezone.localdate()
    check_text(errors, data, "name", required=creating, max_length=50)
    check_choice(errors, data, "salutation", Salutation)
    check_text(errors, data, "note", required=False, max_length=200)
    check_text(errors, data, "email", required=False, max_length=254)
    if data.get("mobile"):
        mobile = domain.normalise_mobile(str(data["mobile"]))
        if domain.is_valid_mobile(mobile):
            data["mobile"] = mobile
        else:
            errors.setdefault("mobile", []).append(
                _("Enter an 11-digit mainland mobile number, e.g. 13800138000")
            )
    if data.get("id_number"):
        check = domain.check_id_number(str(data["id_number"]), today=today)
        if check.ok:
            data["id_number"] = check.number
            # Ciphertexts differ on every save: compare the keyed hash (docs/personal-data.md).
            taken = Resident.objects.filter(
                project_id=project_id, id_number_hash=crypto.lookup_hash(check.number)
            )
            if exclude_id:
                taken = taken.exclude(pk=exclude_id)
            if taken.exists():
                errors.setdefault("id_number", []).append(
                    _("A resident with this ID-card number already exists in this project")
                )
        else:
            errors.setdefault("id_number", []).append(
                {
                    "format": _("An ID-card number has 18 characters: 17 digits and a digit or X"),
                    "checksum": _(
                        "The check digit of the ID-card number is wrong; please check it"
                    ),
                    "birth_date": _("The birth date inside the ID-card number is not valid"),
                    "region": _(
                        "The region code (first six digits) of the ID-card number is unknown"
                    ),
                }[check.reason]
            )
    check_date(errors, data, "birthday", future_days=0)
    check_date(errors, data, "move_in_date", future_days=366)
    raise_if(errors)


def _set_pinyin(resident: Resident | Staff) -> None:
    resident.name_pinyin, resident.name_initials = domain.pinyin_keys(resident.name)


def create_resident(*, actor: Staff, project_id: Any, data: Mapping[str, Any]) -> Resident:
    """Register an owner, tenant or family member (业主/住户). The ID-card number is checked with
    its check digit; the phone must be a mainland mobile number (R-GEN-11)."""
    project = access.get_project_for(actor, project_id, P.CHANGE_MASTERDATA)
    data = stripped(data)
    reject_unknown(data, RESIDENT_FIELDS)
    _validate_resident(data, project.pk, creating=True)
    resident = Resident(project=project)
    apply_changes(resident, data, RESIDENT_FIELDS)
    _set_pinyin(resident)
    try:
        with transaction.atomic():
            resident.save()
            record_event(
                entity=resident,
                action="resident.created",
                actor=actor,
                project_id=project.pk,
                data={"name": resident.name},
            )
    except IntegrityError:
        raise ValidationFailed(
            fields={
                "id_number": [
                    _("A resident with this ID-card number already exists in this project")
                ]
            }
        ) from None
    return resident


def update_resident(*, actor: Staff, resident_id: Any, data: Mapping[str, Any]) -> Resident:
    resident = access.get_for(actor, Resident.objects.all(), resident_id, P.CHANGE_MASTERDATA)
    data = stripped(data)
    reject_unknown(data, RESIDENT_FIELDS)
    _validate_resident(data, resident.project_id, creating=False, exclude_id=resident.pk)
    try:
        with transaction.atomic():
            resident = Resident.objects.select_for_update().get(pk=resident.pk)
            changes = apply_changes(resident, data, RESIDENT_FIELDS)
            if changes:
                _set_pinyin(resident)
                resident.save()
                record_event(
                    entity=resident,
                    action="resident.updated",
                    actor=actor,
                    project_id=resident.project_id,
                    data={"changes": _masked_changes(changes)},
                )
    except IntegrityError:
        raise ValidationFailed(
            fields={
                "id_number": [
                    _("A resident with this ID-card number already exists in this project")
                ]
            }
        ) from None
    return resident


def _masked_changes(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Personal data is kept out of the history in clear (R-GEN-09)."""
    maskers: dict[str, Callable[[str], str]] = {
        "mobile": domain.mask_mobile,
        "id_number": domain.mask_id_number,
    }
    return {
        name: [maskers[name](v or "") for v in pair] if name in maskers else pair
        for name, pair in changes.items()
    }


OCCUPANCY_FIELDS = ("unit", "role", "start_date", "end_date")


def link_resident(*, actor: Staff, resident_id: Any, data: Mapping[str, Any]) -> Occupancy:
    """Link a resident to a unit of the same project as owner, tenant or family member."""
    resident = access.get_for(actor, Resident.objects.all(), resident_id, P.CHANGE_MASTERDATA)
    data = dict(data)
    reject_unknown(data, OCCUPANCY_FIELDS)
    errors: Errors = {}
    unit_value = data.get("unit")
    unit_id = unit_value.pk if isinstance(unit_value, Unit) else unit_value
    unit = (
        Unit.objects.filter(pk=unit_id, project_id=resident.project_id)
        .select_related("building")
        .first()
        if str(unit_id).isdigit()
        else None
    )
    if unit is None:
        errors["unit"] = [_("Unit not found in this project")]
    if data.get("role") not in OccupancyRole.values:
        errors["role"] = [_("Choose one of the listed options")]
    check_date(errors, data, "start_date", future_days=366)
    check_date(errors, data, "end_date", future_days=20 * 366)
    start, end = data.get("start_date"), data.get("end_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors.setdefault("end_date", []).append(_("The end date is before the start date"))
    raise_if(errors)
    assert unit is not None  # noqa: S101 - narrowed by the error check above
    occupancy = Occupancy(
        resident=resident, unit=unit, role=data["role"], start_date=start, end_date=end
    )
    try:
        with transaction.atomic():
            occupancy.save()
            record_event(
                entity=resident,
                action="resident.linked",
                actor=actor,
                project_id=resident.project_id,
                data={"unit": str(unit), "role": occupancy.role},
            )
    except IntegrityError:
        raise ValidationFailed(
            fields={"unit": [_("The resident is already linked to this unit in this role")]}
        ) from None
    return occupancy


def end_occupancy(*, actor: Staff, occupancy_id: Any, end_date: dt.date) -> Occupancy:
    """Close a resident's link to a unit (moved out, sold, lease ended)."""
    occupancy = access.get_for(
        actor,
        Occupancy.objects.select_related("resident", "unit"),
        occupancy_id,
        P.CHANGE_MASTERDATA,
        field="unit__project_id",
    )
    errors: Errors = {}
    check_date(errors, {"end_date": end_date}, "end_date", future_days=366)
    if occupancy.start_date and end_date < occupancy.start_date:
        errors.setdefault("end_date", []).append(_("The end date is before the start date"))
    raise_if(errors)
    with transaction.atomic():
        occupancy = Occupancy.objects.select_for_update().get(pk=occupancy.pk)
        if occupancy.end_date is not None:
            raise ValidationFailed(fields={"end_date": [_("This link has already ended")]})
        occupancy.end_date = end_date
        occupancy.save(update_fields=["end_date"])
        record_event(
            entity=occupancy.resident,
            action="resident.unlinked",
            actor=actor,
            project_id=occupancy.unit.project_id,
            data={"unit": str(occupancy.unit), "end_date": str(end_date)},
        )
    return occupancy


def get_resident_for(actor: Staff, resident_id: Any) -> Resident:
    return access.get_for(actor, Resident.objects.select_related("project"), resident_id)


def view_resident(
    actor: Staff, resident_id: Any, *, context: audit.AccessContext | None = None
) -> Resident:
    """A resident for display (detail page, edit form, API read): phone and ID-card number
    masked unless the actor's role needs them (R-GEN-09); a view in clear writes one row to the
    personal-data access log (docs/personal-data.md)."""
    resident = get_resident_for(actor, resident_id)
    access.apply_masking(actor, [resident])
    audit.record_clear_view(
        actor=actor,
        objects=[resident],
        object_type="resident",
        context=context or audit.AccessContext(),
        single=True,
    )
    return resident


def show_residents(
    actor: Staff,
    residents: Iterable[Resident],
    *,
    context: audit.AccessContext,
    object_type: str = "resident_list",
    fields: Collection[str] | None = None,
    single: bool = False,
) -> list[Resident]:
    """Residents for display outside their own page (the API list, the complainant search and
    pick of the complaint intake): phones and ID-card numbers masked per project as the actor's
    role requires (R-GEN-09); those shown in clear are logged (docs/personal-data.md) as one
    access-log row per project, or one row for a `single` resident. `fields` names what the view
    shows when it is not both (a list of phones). No query but that one INSERT."""
    items = access.apply_masking(actor, residents)
    audit.record_clear_view(
        actor=actor,
        objects=items,
        object_type=object_type,
        context=context,
        single=single,
        fields=fields,
    )
    return items


def get_unit_for(actor: Staff, unit_id: Any) -> Unit:
    return access.get_for(actor, Unit.objects.select_related("project", "building"), unit_id)


def get_building_for(actor: Staff, building_id: Any) -> Building:
    return access.get_for(actor, Building.objects.select_related("project"), building_id)


__all__ = [
    "NotFound",
    "create_building",
    "create_project",
    "create_resident",
    "create_unit",
    "delete_building",
    "delete_unit",
    "end_occupancy",
    "get_building_for",
    "get_resident_for",
    "get_unit_for",
    "link_resident",
    "show_residents",
    "update_building",
    "update_project",
    "update_resident",
    "update_unit",
    "view_resident",
]
