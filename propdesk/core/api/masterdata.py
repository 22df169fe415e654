"""Buildings (楼栋), units (房屋), residents (业主/住户) and their occupancies.

Phones and ID-card numbers of residents are masked unless the actor's role in the resident's
project needs them (R-GEN-09): `access.apply_masking` decides, the schema only shows the result.
Reads showing them in clear (one resident, a page of the list) are logged in the personal-data
access log by the services (`masterdata.view_resident`, `masterdata.show_residents`).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core import access, selectors
from propdesk.core.api.common import (
    ERROR_RESPONSES,
    ActiveQuery,
    InputSchema,
    ListQuery,
    PagePagination,
    actor_of,
    data_of,
)
from propdesk.core.models import AccessChannel, Building, Occupancy, Resident, Unit
from propdesk.core.models.tenancy import OccupancyRole, Salutation, UnitStatus
from propdesk.core.services import audit, masterdata

router = Router(tags=["master data"])


def _actor_in(context: Any) -> Any:
    return context["request"].auth


# --- buildings ----------------------------------------------------------------------------
class BuildingOut(Schema):
    id: int
    project: int
    code: str
    name: str
    floors: int
    delivered_on: dt.date | None
    note: str
    unit_count: int

    @staticmethod
    def resolve_project(obj: Building) -> int:
        return obj.project_id

    @staticmethod
    def resolve_unit_count(obj: Building) -> int:
        count = getattr(obj, "unit_count", None)  # annotated by the list selector
        return obj.units.count() if count is None else count


class BuildingIn(InputSchema):
    project: int
    code: str
    name: str
    floors: int = 1
    delivered_on: dt.date | None = None
    note: str = ""


class BuildingPatch(InputSchema):
    code: str | None = None
    name: str | None = None
    floors: int | None = None
    delivered_on: dt.date | None = None
    note: str | None = None


@router.get("/buildings", response={200: list[BuildingOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_buildings(request: HttpRequest, filters: Query[ListQuery]) -> object:
    return selectors.list_buildings(actor_of(request), q=filters.q, project=filters.project)


@router.get("/buildings/{building_id}", response={200: BuildingOut, **ERROR_RESPONSES})
def get_building(request: HttpRequest, building_id: int) -> Building:
    return masterdata.get_building_for(actor_of(request), building_id)


@router.post("/buildings", response={201: BuildingOut, **ERROR_RESPONSES})
def create_building(request: HttpRequest, payload: BuildingIn) -> Status[Building]:
    building = masterdata.create_building(
        actor=actor_of(request),
        project_id=payload.project,
        data=data_of(payload, exclude=["project"]),
    )
    return Status(201, building)


@router.patch("/buildings/{building_id}", response={200: BuildingOut, **ERROR_RESPONSES})
def update_building(request: HttpRequest, building_id: int, payload: BuildingPatch) -> Building:
    return masterdata.update_building(
        actor=actor_of(request), building_id=building_id, data=data_of(payload)
    )


@router.api_operation(
    ["DELETE"], "/buildings/{building_id}", response={204: None, **ERROR_RESPONSES}
)
def delete_building(request: HttpRequest, building_id: int) -> Status[None]:
    masterdata.delete_building(actor=actor_of(request), building_id=building_id)
    return Status(204, None)


# --- units --------------------------------------------------------------------------------
class BuildingRef(Schema):
    id: int
    code: str
    name: str


class UnitOut(Schema):
    id: int
    project: int
    building: BuildingRef
    number: str
    label: str
    floor: int
    area: Decimal
    handover_date: dt.date | None
    status: UnitStatus
    note: str
    resident_count: int

    @staticmethod
    def resolve_project(obj: Unit) -> int:
        return obj.project_id

    @staticmethod
    def resolve_label(obj: Unit) -> str:
        return str(obj)

    @staticmethod
    def resolve_resident_count(obj: Unit) -> int:
        count = getattr(obj, "resident_count", None)  # annotated by the list selector
        return obj.occupancies.filter(end_date__isnull=True).count() if count is None else count


class UnitIn(InputSchema):
    project: int
    building: int
    number: str
    floor: int
    area: Decimal
    handover_date: dt.date | None = None
    status: UnitStatus = UnitStatus.VACANT
    note: str = ""


class UnitPatch(InputSchema):
    building: int | None = None
    number: str | None = None
    floor: int | None = None
    area: Decimal | None = None
    handover_date: dt.date | None = None
    status: UnitStatus | None = None
    note: str | None = None


class UnitQuery(ListQuery):
    building: int | None = None
    status: UnitStatus | None = None
    floor: int | None = None


@router.get("/units", response={200: list[UnitOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_units(request: HttpRequest, filters: Query[UnitQuery]) -> object:
    return selectors.list_units(actor_of(request), selectors.UnitFilters(**data_of(filters)))


@router.get("/units/{unit_id}", response={200: UnitOut, **ERROR_RESPONSES})
def get_unit(request: HttpRequest, unit_id: int) -> Unit:
    return masterdata.get_unit_for(actor_of(request), unit_id)


@router.post("/units", response={201: UnitOut, **ERROR_RESPONSES})
def create_unit(request: HttpRequest, payload: UnitIn) -> Status[Unit]:
    unit = masterdata.create_unit(
        actor=actor_of(request),
        project_id=payload.project,
        data=data_of(payload, exclude=["project"]),
    )
    return Status(201, unit)


@router.patch("/units/{unit_id}", response={200: UnitOut, **ERROR_RESPONSES})
def update_unit(request: HttpRequest, unit_id: int, payload: UnitPatch) -> Unit:
    return masterdata.update_unit(actor=actor_of(request), unit_id=unit_id, data=data_of(payload))


@router.api_operation(["DELETE"], "/units/{unit_id}", response={204: None, **ERROR_RESPONSES})
def delete_unit(request: HttpRequest, unit_id: int) -> Status[None]:
    masterdata.delete_unit(actor=actor_of(request), unit_id=unit_id)
    return Status(204, None)


# --- residents ----------------------------------------------------------------------------
class ResidentUnitOut(Schema):
    """A current link of a resident to a unit."""

    occupancy: int
    unit: int
    label: str
    role: OccupancyRole
    start_date: dt.date | None


class ResidentOut(Schema):
    id: int
    project: int
    name: str
    name_initials: str
    salutation: Salutation
    addressed_as: str
    mobile: str
    id_number: str
    birthday: dt.date | None
    move_in_date: dt.date | None
    email: str
    note: str
    is_active: bool
    units: list[ResidentUnitOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_project(obj: Resident) -> int:
        return obj.project_id

    @staticmethod
    def resolve_mobile(obj: Resident, context: Any) -> str:
        if not hasattr(obj, "mobile_display"):
            access.apply_masking(_actor_in(context), [obj])
        return str(obj.mobile_display)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_id_number(obj: Resident, context: Any) -> str:
        if not hasattr(obj, "id_number_display"):
            access.apply_masking(_actor_in(context), [obj])
        return str(obj.id_number_display)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_units(obj: Resident) -> list[dict[str, Any]]:
        current = getattr(obj, "current_occupancies", None)  # prefetched by the list selector
        if current is None:
            current = selectors.occupancies_of_resident(obj).filter(end_date__isnull=True)
        return [
            {
                "occupancy": o.pk,
                "unit": o.unit_id,
                "label": str(o.unit),
                "role": o.role,
                "start_date": o.start_date,
            }
            for o in current
        ]


class ResidentIn(InputSchema):
    project: int
    name: str
    salutation: Salutation = Salutation.NONE
    mobile: str = ""
    id_number: str = ""
    birthday: dt.date | None = None
    move_in_date: dt.date | None = None
    email: str = ""
    note: str = ""
    is_active: bool = True


class ResidentPatch(InputSchema):
    name: str | None = None
    salutation: Salutation | None = None
    mobile: str | None = None
    id_number: str | None = None
    birthday: dt.date | None = None
    move_in_date: dt.date | None = None
    email: str | None = None
    note: str | None = None
    is_active: bool | None = None


class ResidentQuery(ActiveQuery):
    building: int | None = None
    unit: int | None = None
    role: OccupancyRole | None = None


def _shown_residents(request: HttpRequest, residents: list[Resident]) -> list[Resident]:
    context = audit.context_of(request, AccessChannel.API)
    return masterdata.show_residents(actor_of(request), residents, context=context)


@router.get("/residents", response={200: list[ResidentOut], **ERROR_RESPONSES})
@paginate(PagePagination, on_page=_shown_residents)
def list_residents(request: HttpRequest, filters: Query[ResidentQuery]) -> object:
    return selectors.list_residents(
        actor_of(request), selectors.ResidentFilters(**data_of(filters))
    )


@router.get("/residents/{resident_id}", response={200: ResidentOut, **ERROR_RESPONSES})
def get_resident(request: HttpRequest, resident_id: int) -> Resident:
    context = audit.context_of(request, AccessChannel.API)
    return masterdata.view_resident(actor_of(request), resident_id, context=context)


@router.post("/residents", response={201: ResidentOut, **ERROR_RESPONSES})
def create_resident(request: HttpRequest, payload: ResidentIn) -> Status[Resident]:
    resident = masterdata.create_resident(
        actor=actor_of(request),
        project_id=payload.project,
        data=data_of(payload, exclude=["project"]),
    )
    return Status(201, resident)


@router.patch("/residents/{resident_id}", response={200: ResidentOut, **ERROR_RESPONSES})
def update_resident(request: HttpRequest, resident_id: int, payload: ResidentPatch) -> Resident:
    return masterdata.update_resident(
        actor=actor_of(request), resident_id=resident_id, data=data_of(payload)
    )


# --- occupancies --------------------------------------------------------------------------
class OccupancyOut(Schema):
    id: int
    resident: int
    unit: int
    label: str
    role: OccupancyRole
    start_date: dt.date | None
    end_date: dt.date | None

    @staticmethod
    def resolve_resident(obj: Occupancy) -> int:
        return obj.resident_id

    @staticmethod
    def resolve_unit(obj: Occupancy) -> int:
        return obj.unit_id

    @staticmethod
    def resolve_label(obj: Occupancy) -> str:
        return str(obj.unit)


class LinkIn(InputSchema):
    unit: int
    role: OccupancyRole
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class EndIn(InputSchema):
    end_date: dt.date


@router.get("/residents/{resident_id}/units", response={200: list[OccupancyOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_resident_units(request: HttpRequest, resident_id: int) -> object:
    """Every link of the resident, current first, ended ones after (the history)."""
    resident = masterdata.get_resident_for(actor_of(request), resident_id)
    return selectors.occupancies_of_resident(resident)


@router.post("/residents/{resident_id}/units", response={201: OccupancyOut, **ERROR_RESPONSES})
def link_resident(request: HttpRequest, resident_id: int, payload: LinkIn) -> Status[Occupancy]:
    occupancy = masterdata.link_resident(
        actor=actor_of(request), resident_id=resident_id, data=data_of(payload)
    )
    return Status(201, occupancy)


@router.post("/occupancies/{occupancy_id}/end", response={200: OccupancyOut, **ERROR_RESPONSES})
def end_occupancy(request: HttpRequest, occupancy_id: int, payload: EndIn) -> Occupancy:
    return masterdata.end_occupancy(
        actor=actor_of(request), occupancy_id=occupancy_id, end_date=payload.end_date
    )
