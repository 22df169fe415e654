"""People pages of the current project: departments and staff with their roles (memberships)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from propdesk.core import access, selectors
from propdesk.core import permissions as P
from propdesk.core.errors import ValidationFailed
from propdesk.core.forms import (
    DepartmentEditForm,
    DepartmentForm,
    DepartmentSearchForm,
    MembershipForm,
    StaffEditForm,
    StaffForm,
    StaffSearchForm,
)
from propdesk.core.models import Department, Membership, Role
from propdesk.core.services import audit, people
from propdesk.core.views.common import can, paginate, render_list, show_errors, staff_view


# --- departments ----------------------------------------------------------------------------
@staff_view
def department_list(request: HttpRequest) -> HttpResponse:
    search = DepartmentSearchForm(request.GET)
    departments = selectors.list_departments(
        request.staff,  # type: ignore[attr-defined]
        q=search.value("q", ""),
        project=request.project.pk,  # type: ignore[attr-defined]
        active=not search.value("inactive", False),
    )
    context = {
        "search": search,
        "page": paginate(request, departments),
        "can_manage": can(request, P.MANAGE_STAFF),
    }
    return render_list(
        request, "core/departments/list.html", "core/departments/_results.html", context
    )


def _department(request: HttpRequest, pk: int) -> Department:
    return access.get_for(request.staff, Department.objects.select_related("project"), pk)  # type: ignore[attr-defined]


@staff_view
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request, pk)
    members = list(
        Membership.objects.filter(department=department, is_active=True)
        .select_related("staff", "role", "post")
        .order_by("staff__name_pinyin", "role__sort")
    )
    context = {
        "department": department,
        "members": members,
        "can_manage": can(request, P.MANAGE_STAFF, department.project_id),
    }
    return render(request, "core/departments/detail.html", context)


@staff_view
def department_create(request: HttpRequest) -> HttpResponse:
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = people.create_department(
                actor=request.staff,  # type: ignore[attr-defined]
                project_id=request.project.pk,  # type: ignore[attr-defined]
                data=form.service_data(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Department saved"))
            return redirect("core:department_detail", pk=department.pk)
    return render(request, "core/departments/form.html", {"form": form})


@staff_view
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request, pk)
    initial = {f: getattr(department, f) for f in people.DEPARTMENT_FIELDS}
    form = DepartmentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            people.update_department(
                actor=request.staff,  # type: ignore[attr-defined]
                department_id=department.pk,
                data=form.service_data(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Department saved"))
            return redirect("core:department_detail", pk=department.pk)
    context = {"form": form, "department": department}
    return render(request, "core/departments/form.html", context)


@require_POST
@staff_view
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        people.delete_department(actor=request.staff, department_id=pk)  # type: ignore[attr-defined]
    except ValidationFailed as exc:
        messages.error(request, next(iter(exc.fields.values()))[0] if exc.fields else exc.message)
        return redirect("core:department_detail", pk=pk)
    messages.success(request, _("Department deleted"))
    return redirect("core:department_list")


# --- staff ----------------------------------------------------------------------------------
@staff_view
def staff_list(request: HttpRequest) -> HttpResponse:
    search = StaffSearchForm(request.GET)
    project = request.project  # type: ignore[attr-defined]
    filters = selectors.StaffFilters(
        q=search.value("q", ""),
        project=project.pk,
        role=search.value("role", ""),
        department=search.value("department"),
        active=not search.value("inactive", False),
    )
    page = paginate(request, selectors.list_staff(request.staff, filters))  # type: ignore[attr-defined]
    page.object_list = people.show_staff(
        request.staff,  # type: ignore[attr-defined]
        page.object_list,
        project_id=project.pk,
        context=audit.context_of(request),
    )
    context = {
        "search": search,
        "page": page,
        "roles": Role.objects.filter(memberships__project=project).distinct(),
        "departments": selectors.list_departments(request.staff, project=project.pk),  # type: ignore[attr-defined]
        "can_manage": can(request, P.MANAGE_STAFF),
    }
    return render_list(request, "core/staff/list.html", "core/staff/_results.html", context)


def _staff_page(
    request: HttpRequest, pk: int, *, form: MembershipForm | None = None, status: int = 200
) -> HttpResponse:
    project = request.project  # type: ignore[attr-defined]
    member = people.view_staff(
        request.staff,  # type: ignore[attr-defined]
        pk,
        project_id=project.pk,
        context=audit.context_of(request),
    )
    can_manage = can(request, P.MANAGE_STAFF)
    memberships = (
        Membership.objects.filter(
            staff=member,
            project_id__in=access.project_ids(request.staff),  # type: ignore[attr-defined]
        )
        .select_related("project", "role", "department", "post")
        .order_by("-is_active", "project__name", "role__sort")
    )
    context = {
        "member": member,
        "memberships": memberships,
        "can_manage": can_manage,
        "membership_form": (form or MembershipForm(project=project)) if can_manage else None,
    }
    return render(request, "core/staff/detail.html", context, status=status)


@staff_view
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_page(request, pk)


@staff_view
def staff_create(request: HttpRequest) -> HttpResponse:
    project = request.project  # type: ignore[attr-defined]
    form = StaffForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            member = people.create_staff(
                actor=request.staff,  # type: ignore[attr-defined]
                project_id=project.pk,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                data=form.service_data(),
                membership=form.membership(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Staff member saved"))
            return redirect("core:staff_detail", pk=member.pk)
    return render(request, "core/staff/form.html", {"form": form})


@staff_view
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = people.view_staff(
        request.staff,  # type: ignore[attr-defined]
        pk,
        project_id=request.project.pk,  # type: ignore[attr-defined]
        context=audit.context_of(request),
        perm=P.MANAGE_STAFF,
    )
    initial = {f: getattr(member, f) for f in people.STAFF_FIELDS}
    # Only a role that sees personal data in clear may see (and so edit) the phone.
    initial["mobile"] = member.mobile_display  # type: ignore[attr-defined]
    form = StaffEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if data.get("mobile") == initial["mobile"] and data["mobile"] != member.mobile:
            del data["mobile"]  # an untouched masked value is not a change
        try:
            people.update_staff(
                actor=request.staff,  # type: ignore[attr-defined]
                staff_id=member.pk,
                data=data,
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Staff member saved"))
            return redirect("core:staff_detail", pk=member.pk)
    return render(request, "core/staff/form.html", {"form": form, "member": member})


@require_POST
@staff_view
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = request.project  # type: ignore[attr-defined]
    form = MembershipForm(request.POST, project=project)
    if form.is_valid():
        try:
            people.add_membership(
                actor=request.staff,  # type: ignore[attr-defined]
                staff_id=pk,
                project_id=project.pk,
                data=form.membership(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Role granted"))
            return redirect("core:staff_detail", pk=pk)
    return _staff_page(request, pk, form=form, status=422)


@require_POST
@staff_view
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = people.end_membership(actor=request.staff, membership_id=pk)  # type: ignore[attr-defined]
    messages.success(request, _("Role revoked"))
    return redirect("core:staff_detail", pk=membership.staff_id)
