"""Master-data pages of the current project: buildings, units and residents (list, detail,
create, edit, delete, resident ↔ unit links). Views parse, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from propdesk.core import permissions as P
from propdesk.core import selectors
from propdesk.core.errors import ValidationFailed
from propdesk.core.forms import (
    BuildingForm,
    EndLinkForm,
    LinkForm,
    ResidentEditForm,
    ResidentForm,
    ResidentSearchForm,
    SearchForm,
    UnitForm,
    UnitSearchForm,
)
from propdesk.core.models.tenancy import OccupancyRole, UnitStatus
from propdesk.core.services import audit, masterdata
from propdesk.core.views.common import can, masked, paginate, render_list, show_errors, staff_view


def _first_error(exc: ValidationFailed) -> str:
    for messages_ in exc.fields.values():
        if messages_:
            return str(messages_[0])
    return str(exc.message)


# --- buildings ------------------------------------------------------------------------------
@staff_view
def building_list(request: HttpRequest) -> HttpResponse:
    search = SearchForm(request.GET)
    buildings = selectors.list_buildings(
        request.staff,  # type: ignore[attr-defined]
        q=search.value("q", ""),
        project=request.project.pk,  # type: ignore[attr-defined]
    )
    context = {
        "search": search,
        "page": paginate(request, buildings),
        "can_change": can(request, P.CHANGE_MASTERDATA),
    }
    return render_list(request, "core/buildings/list.html", "core/buildings/_results.html", context)


@staff_view
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building = masterdata.get_building_for(request.staff, pk)  # type: ignore[attr-defined]
    units = selectors.list_units(
        request.staff,  # type: ignore[attr-defined]
        selectors.UnitFilters(building=building.pk),
    )
    context = {
        "building": building,
        "units": units,
        "can_change": can(request, P.CHANGE_MASTERDATA, building.project_id),
    }
    return render(request, "core/buildings/detail.html", context)


@staff_view
def building_create(request: HttpRequest) -> HttpResponse:
    form = BuildingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            building = masterdata.create_building(
                actor=request.staff,  # type: ignore[attr-defined]
                project_id=request.project.pk,  # type: ignore[attr-defined]
                data=form.service_data(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Building saved"))
            return redirect("core:building_detail", pk=building.pk)
    return render(request, "core/buildings/form.html", {"form": form})


@staff_view
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    building = masterdata.get_building_for(request.staff, pk)  # type: ignore[attr-defined]
    initial = {f: getattr(building, f) for f in masterdata.BUILDING_FIELDS}
    form = BuildingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            masterdata.update_building(
                actor=request.staff,  # type: ignore[attr-defined]
                building_id=building.pk,
                data=form.service_data(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Building saved"))
            return redirect("core:building_detail", pk=building.pk)
    return render(request, "core/buildings/form.html", {"form": form, "building": building})


@require_POST
@staff_view
def building_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        masterdata.delete_building(actor=request.staff, building_id=pk)  # type: ignore[attr-defined]
    except ValidationFailed as exc:
        messages.error(request, _first_error(exc))
        return redirect("core:building_detail", pk=pk)
    messages.success(request, _("Building deleted"))
    return redirect("core:building_list")


# --- units ----------------------------------------------------------------------------------
@staff_view
def unit_list(request: HttpRequest) -> HttpResponse:
    search = UnitSearchForm(request.GET)
    project = request.project  # type: ignore[attr-defined]
    filters = selectors.UnitFilters(
        q=search.value("q", ""),
        project=project.pk,
        building=search.value("building"),
        status=search.value("status", ""),
    )
    context = {
        "search": search,
        "page": paginate(request, selectors.list_units(request.staff, filters)),  # type: ignore[attr-defined]
        "buildings": selectors.list_buildings(request.staff, project=project.pk),  # type: ignore[attr-defined]
        "statuses": UnitStatus.choices,
        "can_change": can(request, P.CHANGE_MASTERDATA),
    }
    return render_list(request, "core/units/list.html", "core/units/_results.html", context)


@staff_view
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = masterdata.get_unit_for(request.staff, pk)  # type: ignore[attr-defined]
    occupancies = list(selectors.occupancies_of_unit(unit))
    residents = masked(request, [o.resident for o in occupancies])
    audit.record_clear_view(
        actor=request.staff,  # type: ignore[attr-defined]
        objects=residents,
        object_type="unit_residents",
        context=audit.context_of(request),
        single=False,
    )
    context = {
        "unit": unit,
        "occupancies": occupancies,
        "can_change": can(request, P.CHANGE_MASTERDATA, unit.project_id),
    }
    return render(request, "core/units/detail.html", context)


@staff_view
def unit_create(request: HttpRequest) -> HttpResponse:
    project = request.project  # type: ignore[attr-defined]
    form = UnitForm(
        request.POST or None,
        project=project,
        initial={"status": UnitStatus.VACANT, "building": request.GET.get("building")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = masterdata.create_unit(
                actor=request.staff,  # type: ignore[attr-defined]
                project_id=project.pk,
                data=form.service_data(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Unit saved"))
            return redirect("core:unit_detail", pk=unit.pk)
    return render(request, "core/units/form.html", {"form": form})


@staff_view
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = masterdata.get_unit_for(request.staff, pk)  # type: ignore[attr-defined]
    initial = {f: getattr(unit, f) for f in masterdata.UNIT_FIELDS}
    form = UnitForm(request.POST or None, project=unit.project, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            masterdata.update_unit(
                actor=request.staff,  # type: ignore[attr-defined]
                unit_id=unit.pk,
                data=form.service_data(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Unit saved"))
            return redirect("core:unit_detail", pk=unit.pk)
    return render(request, "core/units/form.html", {"form": form, "unit": unit})


@require_POST
@staff_view
def unit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        masterdata.delete_unit(actor=request.staff, unit_id=pk)  # type: ignore[attr-defined]
    except ValidationFailed as exc:
        messages.error(request, _first_error(exc))
        return redirect("core:unit_detail", pk=pk)
    messages.success(request, _("Unit deleted"))
    return redirect("core:unit_list")


# --- residents ------------------------------------------------------------------------------
@staff_view
def resident_list(request: HttpRequest) -> HttpResponse:
    search = ResidentSearchForm(request.GET)
    project = request.project  # type: ignore[attr-defined]
    filters = selectors.ResidentFilters(
        q=search.value("q", ""),
        project=project.pk,
        building=search.value("building"),
        role=search.value("role", ""),
        active=not search.value("inactive", False),
    )
    page = paginate(request, selectors.list_residents(request.staff, filters))  # type: ignore[attr-defined]
    page.object_list = masked(request, page.object_list)
    audit.record_clear_view(
        actor=request.staff,  # type: ignore[attr-defined]
        objects=page.object_list,
        object_type="resident_list",
        context=audit.context_of(request),
        single=False,
    )
    context = {
        "search": search,
        "page": page,
        "buildings": selectors.list_buildings(request.staff, project=project.pk),  # type: ignore[attr-defined]
        "roles": OccupancyRole.choices,
        "can_change": can(request, P.CHANGE_MASTERDATA),
    }
    return render_list(request, "core/residents/list.html", "core/residents/_results.html", context)


def _resident_page(
    request: HttpRequest, resident: Any, *, link_form: LinkForm | None = None, status: int = 200
) -> HttpResponse:
    can_change = can(request, P.CHANGE_MASTERDATA, resident.project_id)
    context = {
        "resident": resident,
        "occupancies": list(selectors.occupancies_of_resident(resident)),
        "can_change": can_change,
        "link_form": (link_form or LinkForm(project=resident.project)) if can_change else None,
        "end_form": EndLinkForm(),
    }
    return render(request, "core/residents/detail.html", context, status=status)


@staff_view
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = masterdata.view_resident(request.staff, pk, context=audit.context_of(request))  # type: ignore[attr-defined]
    return _resident_page(request, resident)


@staff_view
def resident_create(request: HttpRequest) -> HttpResponse:
    form = ResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident = masterdata.create_resident(
                actor=request.staff,  # type: ignore[attr-defined]
                project_id=request.project.pk,  # type: ignore[attr-defined]
                data=form.service_data(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Resident saved"))
            return redirect("core:resident_detail", pk=resident.pk)
    return render(request, "core/residents/form.html", {"form": form})


@staff_view
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = masterdata.view_resident(request.staff, pk, context=audit.context_of(request))  # type: ignore[attr-defined]
    initial = {f: getattr(resident, f) for f in masterdata.RESIDENT_FIELDS}
    # Only a role that sees personal data in clear may see (and so edit) it.
    initial["mobile"] = resident.mobile_display  # type: ignore[attr-defined]
    initial["id_number"] = resident.id_number_display  # type: ignore[attr-defined]
    form = ResidentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        for name in ("mobile", "id_number"):  # an untouched masked value is not a change
            if data.get(name) == initial[name] and data[name] != getattr(resident, name):
                del data[name]
        try:
            masterdata.update_resident(
                actor=request.staff,  # type: ignore[attr-defined]
                resident_id=resident.pk,
                data=data,
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Resident saved"))
            return redirect("core:resident_detail", pk=resident.pk)
    return render(request, "core/residents/form.html", {"form": form, "resident": resident})


@require_POST
@staff_view
def resident_link(request: HttpRequest, pk: int) -> HttpResponse:
    resident = masterdata.get_resident_for(request.staff, pk)  # type: ignore[attr-defined]
    form = LinkForm(request.POST, project=resident.project)
    if form.is_valid():
        try:
            masterdata.link_resident(
                actor=request.staff,  # type: ignore[attr-defined]
                resident_id=resident.pk,
                data=form.service_data(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Linked to the unit"))
            return redirect("core:resident_detail", pk=resident.pk)
    # the page is shown again with the errors: a view of the resident like the detail page
    resident = masterdata.view_resident(request.staff, pk, context=audit.context_of(request))  # type: ignore[attr-defined]
    return _resident_page(request, resident, link_form=form, status=422)


@require_POST
@staff_view
def occupancy_end(request: HttpRequest, pk: int) -> HttpResponse:
    form = EndLinkForm(request.POST)
    resident_id = request.POST.get("resident")
    if form.is_valid():
        try:
            occupancy = masterdata.end_occupancy(
                actor=request.staff,  # type: ignore[attr-defined]
                occupancy_id=pk,
                end_date=form.cleaned_data["end_date"],
            )
        except ValidationFailed as exc:
            messages.error(request, _first_error(exc))
        else:
            messages.success(request, _("The link to the unit has ended"))
            return redirect("core:resident_detail", pk=occupancy.resident_id)
    else:
        messages.error(request, _("Enter the date the link ends"))
    if resident_id and resident_id.isdigit():
        return redirect("core:resident_detail", pk=int(resident_id))
    return redirect("core:resident_list")
