"""The personal-data access log of the current project (个人信息查阅记录, R-GEN-09): a filterable
list for holders of `audit.view` and its Excel export. Views parse, call the service, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from propdesk.core import exports
from propdesk.core.forms import SearchForm
from propdesk.core.models import AccessChannel, PersonalDataAccess
from propdesk.core.services import audit
from propdesk.core.views.common import paginate, render_list, staff_view

EXPORT_LIMIT = 10_000
FIELD_LABELS = {
    "mobile": _("Mobile phone"),
    "id_number": _("ID-card number"),
    "phone": _("Contact phone"),  # a complainant's phone
}
# Every `object_type` the services log (docs/personal-data.md "The access log").
OBJECT_LABELS = {
    "resident": _("Resident"),
    "resident_list": _("Resident list"),
    "unit_residents": _("Residents of a unit"),
    "complainant_search": _("Complainant search"),
    "staff": _("Staff member"),
    "staff_list": _("Staff list"),
    "complaint": _("Complaint"),
    "complaint_list": _("Complaint list"),
    "complaint_export": _("Complaint export"),
    "complaint_form": _("Printed complaint form"),
    "client_card": _("Client card"),
    "client_card_list": _("Client card list"),
}


class AccessLogSearchForm(SearchForm):
    channel = forms.ChoiceField(required=False, choices=[("", ""), *AccessChannel.choices])
    object_type = forms.CharField(required=False, max_length=40)
    object_id = forms.IntegerField(required=False, min_value=1)
    staff = forms.IntegerField(required=False, min_value=1)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)

    def filters(self) -> audit.AccessLogFilters:
        return audit.AccessLogFilters(
            q=self.value("q", ""),
            staff=self.value("staff"),
            object_type=self.value("object_type", ""),
            object_id=self.value("object_id"),
            channel=self.value("channel", ""),
            date_from=self.value("date_from"),
            date_to=self.value("date_to"),
        )


def _fields_text(entry: PersonalDataAccess) -> str:
    return "、".join(str(FIELD_LABELS.get(f, f)) for f in entry.fields or [])


def _decorate(entries: Any) -> list[PersonalDataAccess]:
    items = list(entries)
    for entry in items:
        entry.fields_text = _fields_text(entry)  # type: ignore[attr-defined]
        entry.object_text = str(  # type: ignore[attr-defined]
            OBJECT_LABELS.get(entry.object_type, entry.object_type)
        )
    return items


@staff_view
def access_log(request: HttpRequest) -> HttpResponse:
    """Who saw which personal data in clear, newest first (403 without `audit.view`)."""
    search = AccessLogSearchForm(request.GET)
    entries = audit.list_personal_data_access(
        request.staff,  # type: ignore[attr-defined]
        request.project.pk,  # type: ignore[attr-defined]
        search.filters(),
    )
    page = paginate(request, entries)
    page.object_list = _decorate(page.object_list)
    context = {"search": search, "page": page, "channels": AccessChannel.choices}
    return render_list(
        request, "core/settings/access_log.html", "core/settings/_access_log_results.html", context
    )


@staff_view
def access_log_export(request: HttpRequest) -> HttpResponse:
    """The filtered access log as an Excel workbook (at most EXPORT_LIMIT rows)."""
    search = AccessLogSearchForm(request.GET)
    entries = audit.list_personal_data_access(
        request.staff,  # type: ignore[attr-defined]
        request.project.pk,  # type: ignore[attr-defined]
        search.filters(),
    )
    rows = _decorate(entries[: EXPORT_LIMIT + 1])
    truncated = len(rows) > EXPORT_LIMIT
    channels = dict(AccessChannel.choices)
    sheet = exports.Sheet(
        title=str(_("Personal-data access log")),
        title_line=f"{request.project.name} {_('Personal-data access log')}",  # type: ignore[attr-defined]
        subtitle_lines=[str(_("Only the first {n} rows")).format(n=EXPORT_LIMIT)]
        if truncated
        else [],
        columns=[
            (str(capfirst(_("time"))), "datetime"),
            (str(capfirst(_("staff"))), "text"),
            (str(capfirst(_("roles"))), "text"),
            (str(capfirst(_("channel"))), "text"),
            (str(capfirst(_("object type"))), "text"),
            (str(capfirst(_("object id"))), "int"),
            (str(capfirst(_("object"))), "text"),
            (str(capfirst(_("fields"))), "text"),
            (str(capfirst(_("rows"))), "int"),
            (str(capfirst(_("IP address"))), "text"),
            (str(capfirst(_("request id"))), "text"),
            (str(capfirst(_("address"))), "text"),
        ],
        rows=[
            [
                e.at,
                e.staff.name,
                e.roles,
                str(channels.get(e.channel, e.channel)),
                e.object_text,  # type: ignore[attr-defined]
                e.object_id,
                e.object_label,
                e.fields_text,  # type: ignore[attr-defined]
                e.row_count,
                e.ip or "",
                e.request_id,
                e.path,
            ]
            for e in rows[:EXPORT_LIMIT]
        ],
    )
    filename = f"{_('Personal-data access log')}-{timezone.localdate():%Y%m%d}.xlsx"
    return exports.xlsx_response(exports.build_xlsx([sheet]), filename)
