# mypy: disable-error-code="type-arg"
"""Django admin for every core model: support and configuration screens. Foreign keys use
autocomplete or raw ids so the pages stay fast with many rows. Day-to-day changes go through
the PropDesk pages (services + timeline); the admin is for support staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from propdesk.core import access, domain
from propdesk.core.models import (
    ApiToken,
    Building,
    BusinessHours,
    CalendarOverride,
    Company,
    Deadline,
    Department,
    DocumentCounter,
    DocumentType,
    JobRun,
    Membership,
    Notification,
    Occupancy,
    PersonalDataAccess,
    Post,
    Project,
    Resident,
    Role,
    Staff,
    TimelineEvent,
    Unit,
    WebhookEndpoint,
)
from propdesk.core.services import audit


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "created_at")
    search_fields = ("name", "short_name")


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "company", "record_prefix", "is_active")
    list_filter = ("kind", "is_active", "company")
    search_fields = ("name", "code", "script_name")
    list_select_related = ("company",)
    inlines = [BusinessHoursInline]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "project", "floors", "delivered_on")
    list_filter = ("project",)
    search_fields = ("name", "code")
    autocomplete_fields = ("project",)
    list_select_related = ("project",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("__str__", "project", "floor", "area", "status", "handover_date")
    list_filter = ("status", "project")
    search_fields = ("number", "building__name")
    autocomplete_fields = ("project", "building")
    list_select_related = ("project", "building")


class OccupancyInline(admin.TabularInline):
    model = Occupancy
    extra = 0
    raw_id_fields = ("unit",)


class PersonalDataAdmin(admin.ModelAdmin):
    """A change form that shows phones or ID-card numbers in clear (R-GEN-09, PIPL): each time
    it is shown, one row goes to the personal-data access log (docs/personal-data.md). The log
    names a person, so a login without a staff record cannot open it."""

    personal_fields: tuple[str, ...] = ()
    object_type = ""

    def project_of(self, obj: Any) -> int | None:
        return getattr(obj, "project_id", None)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        actor = access.staff_for_user(request.user)
        if actor is None:
            raise PermissionDenied(_("Personal data is shown only to logins with a staff record."))
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original")
        project_id = self.project_of(obj) if obj is not None else None
        if response.status_code == 200 and project_id is not None:
            audit.record_personal_data_access(
                actor=actor,
                project_id=project_id,
                object_type=self.object_type,
                fields=[f for f in self.personal_fields if getattr(obj, f, "")],
                context=audit.context_of(request),
                object_id=obj.pk,
                object_label=str(getattr(obj, "name", "") or obj),
            )
        return response


@admin.register(Resident)
class ResidentAdmin(PersonalDataAdmin):
    personal_fields = ("mobile", "id_number")
    object_type = "resident"
    list_display = ("name", "salutation", "project", "masked_mobile", "is_active", "created_at")
    list_filter = ("is_active", "salutation", "project")
    search_fields = ("name", "name_initials", "name_pinyin", "mobile")
    autocomplete_fields = ("project",)
    readonly_fields = ("name_pinyin", "name_initials", "created_at", "updated_at")
    list_select_related = ("project",)
    inlines = [OccupancyInline]

    @admin.display(description=_("mobile phone"))
    def masked_mobile(self, obj: Resident) -> str:
        return domain.mask_mobile(obj.mobile) if obj.mobile else ""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Keep the pinyin search keys in step with the name, as the services do.
        obj.name_pinyin, obj.name_initials = domain.pinyin_keys(obj.name)
        super().save_model(request, obj, form, change)


@admin.register(Occupancy)
class OccupancyAdmin(admin.ModelAdmin):
    list_display = ("resident", "unit", "role", "start_date", "end_date")
    list_filter = ("role",)
    search_fields = ("resident__name", "unit__number")
    raw_id_fields = ("resident", "unit")
    list_select_related = ("resident", "unit__building")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "org_unit", "sort")
    list_filter = ("org_unit",)
    search_fields = ("code", "name", "name_en")


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "project", "sort")
    list_filter = ("project",)
    search_fields = ("code", "name")
    autocomplete_fields = ("project",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "project", "phone", "is_active")
    list_filter = ("is_active", "project")
    search_fields = ("name", "code")
    autocomplete_fields = ("project",)
    list_select_related = ("project",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("project", "role", "department")
    raw_id_fields = ("post",)


@admin.register(Staff)
class StaffAdmin(PersonalDataAdmin):
    personal_fields = ("mobile",)
    object_type = "staff"
    list_display = ("name", "user", "employee_no", "company", "is_active")
    list_filter = ("is_active", "company")
    search_fields = ("name", "name_initials", "name_pinyin", "employee_no", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("name_pinyin", "name_initials", "created_at")
    list_select_related = ("user", "company")
    inlines = [MembershipInline]

    def project_of(self, obj: Any) -> int | None:
        # staff belong to the company; the log files the view under their first project
        return (
            Membership.objects.filter(staff=obj, is_active=True)
            .order_by("project_id")
            .values_list("project_id", flat=True)
            .first()
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.name_pinyin, obj.name_initials = domain.pinyin_keys(obj.name)
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("staff", "project", "role", "department", "post", "is_active")
    list_filter = ("is_active", "role", "project")
    search_fields = ("staff__name", "role__name", "role__code")
    autocomplete_fields = ("staff", "project", "role", "department")
    raw_id_fields = ("post",)
    list_select_related = ("staff", "project", "role", "department", "post")


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "actor_name", "actor_role", "from_state", "to_state", "project")
    list_filter = ("action", "project")
    search_fields = ("action", "actor_name", "object_id", "note")
    raw_id_fields = ("actor", "project")
    date_hierarchy = "at"
    list_select_related = ("project",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the history is append-only (R-GEN-04)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ("project", "weekday", "opens", "closes", "is_open")
    list_filter = ("weekday", "is_open", "project")
    autocomplete_fields = ("project",)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "project", "opens", "closes", "note")
    list_filter = ("kind", "project")
    search_fields = ("note",)
    autocomplete_fields = ("project",)
    date_hierarchy = "date"


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "code", "record_name", "digits", "project")
    list_filter = ("project",)
    search_fields = ("name", "key", "code", "record_name")
    autocomplete_fields = ("project",)


@admin.register(DocumentCounter)
class DocumentCounterAdmin(admin.ModelAdmin):
    list_display = ("project", "key", "year", "last_value")
    list_filter = ("year", "project")
    search_fields = ("key",)
    raw_id_fields = ("project",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "event", "subject", "recipient", "status", "attempts")
    list_filter = ("channel", "status", "event")
    search_fields = ("subject", "event", "dedupe_key")
    raw_id_fields = ("project", "recipient", "webhook")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "project", "is_active")
    list_filter = ("is_active", "project")
    search_fields = ("name", "url")
    autocomplete_fields = ("project",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ("label", "kind", "due_at", "state", "project", "responsible")
    list_filter = ("state", "kind", "project")
    search_fields = ("label", "kind", "object_id")
    raw_id_fields = ("project", "responsible", "escalate_to")
    date_hierarchy = "due_at"
    list_select_related = ("project", "responsible")


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "started_at", "finished_at", "ok", "processed")
    list_filter = ("ok", "name")
    search_fields = ("name", "log")
    date_hierarchy = "started_at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "name",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "staff", "roles", "project", "channel", "object_type", "object_id")
    list_filter = ("channel", "object_type", "project")
    search_fields = ("staff__name", "object_label", "request_id", "ip")
    raw_id_fields = ("staff", "project")
    date_hierarchy = "at"
    list_select_related = ("staff", "project")

    # The personal-data access log is evidence (PIPL): written by the services, never edited.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
