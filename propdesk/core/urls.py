from django.urls import path

from propdesk.core.views import audit, calendar, inbox, masterdata, people, settings, shell

app_name = "core"
urlpatterns = [
    path("", shell.workbench, name="workbench"),
    path("switch-project/", shell.switch_project, name="switch_project"),
    path("reports/", shell.reports, name="reports"),
    # master data of the current project
    path("masterdata/buildings/", masterdata.building_list, name="building_list"),
    path("masterdata/buildings/new/", masterdata.building_create, name="building_create"),
    path("masterdata/buildings/<int:pk>/", masterdata.building_detail, name="building_detail"),
    path("masterdata/buildings/<int:pk>/edit/", masterdata.building_edit, name="building_edit"),
    path(
        "masterdata/buildings/<int:pk>/delete/", masterdata.building_delete, name="building_delete"
    ),
    path("masterdata/units/", masterdata.unit_list, name="unit_list"),
    path("masterdata/units/new/", masterdata.unit_create, name="unit_create"),
    path("masterdata/units/<int:pk>/", masterdata.unit_detail, name="unit_detail"),
    path("masterdata/units/<int:pk>/edit/", masterdata.unit_edit, name="unit_edit"),
    path("masterdata/units/<int:pk>/delete/", masterdata.unit_delete, name="unit_delete"),
    path("masterdata/residents/", masterdata.resident_list, name="resident_list"),
    path("masterdata/residents/new/", masterdata.resident_create, name="resident_create"),
    path("masterdata/residents/<int:pk>/", masterdata.resident_detail, name="resident_detail"),
    path("masterdata/residents/<int:pk>/edit/", masterdata.resident_edit, name="resident_edit"),
    path("masterdata/residents/<int:pk>/link/", masterdata.resident_link, name="resident_link"),
    path("masterdata/occupancies/<int:pk>/end/", masterdata.occupancy_end, name="occupancy_end"),
    path("masterdata/departments/", people.department_list, name="department_list"),
    path("masterdata/departments/new/", people.department_create, name="department_create"),
    path("masterdata/departments/<int:pk>/", people.department_detail, name="department_detail"),
    path("masterdata/departments/<int:pk>/edit/", people.department_edit, name="department_edit"),
    path(
        "masterdata/departments/<int:pk>/delete/",
        people.department_delete,
        name="department_delete",
    ),
    path("masterdata/staff/", people.staff_list, name="staff_list"),
    path("masterdata/staff/new/", people.staff_create, name="staff_create"),
    path("masterdata/staff/<int:pk>/", people.staff_detail, name="staff_detail"),
    path("masterdata/staff/<int:pk>/edit/", people.staff_edit, name="staff_edit"),
    path("masterdata/staff/<int:pk>/roles/", people.membership_add, name="membership_add"),
    path("masterdata/memberships/<int:pk>/end/", people.membership_end, name="membership_end"),
    # settings
    path("settings/", settings.settings_index, name="settings"),
    path("settings/document-types/", settings.document_types, name="document_types"),
    path("settings/roles/", settings.roles, name="roles"),
    path("settings/access-log/", audit.access_log, name="access_log"),
    path("settings/access-log/export/", audit.access_log_export, name="access_log_export"),
    path("settings/calendar/", calendar.calendar, name="calendar"),
    path("settings/calendar/hours/<int:weekday>/", calendar.business_hours, name="business_hours"),
    path("settings/calendar/overrides/", calendar.override_add, name="override_add"),
    path(
        "settings/calendar/overrides/<int:pk>/remove/",
        calendar.override_remove,
        name="override_remove",
    ),
    # inbox
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", inbox.inbox_read, name="inbox_read"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox_read_all"),
]
