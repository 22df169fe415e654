"""Complaint report pages (SPEC §20, UI.md "Reports"): the index, each report for any period with
its charts above the tables, its Excel and PDF downloads, stored runs and the written analysis.
Handlers parse the period, call one service and render `report_layout.layout` of its data.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from propdesk.complaints.models import ReportRun
from propdesk.complaints.services import reports
from propdesk.complaints.services.reports import Period, ReportDef
from propdesk.complaints.views.report_layout import Layout, layout, local_time, xlsx_sheets
from propdesk.core import exports
from propdesk.core.errors import ValidationFailed
from propdesk.core.views.common import staff_view


# --- requests --------------------------------------------------------------------------------
def _period_from(request: HttpRequest, key: str) -> tuple[Period, dict[str, list[str]]]:
    """The period asked for, or the default one with the errors to show beside the picker."""
    try:
        period = reports.resolve_period(
            key=key,
            month=request.GET.get("month", ""),
            start=request.GET.get("start", ""),
            end=request.GET.get("end", ""),
        )
    except ValidationFailed as exc:
        return reports.resolve_period(key=key), exc.fields
    return period, {}


def period_query(period: Period) -> str:
    if period.is_month:
        return urlencode({"month": period.month})
    return urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})


def _filename(built: Layout, ext: str) -> str:
    return f"{built.title}-{built.period.start:%Y%m%d}-{built.period.end:%Y%m%d}.{ext}"


@require_GET
@staff_view
def index(request: HttpRequest) -> HttpResponse:
    """The reports of the project's policy with their days, the others, the latest runs."""
    overview = reports.report_index(actor=request.staff, project_id=request.project.pk)  # type: ignore[attr-defined]
    titles = {key: str(d.title) for key, d in reports.REPORTS.items()}
    runs = [(run, titles.get(run.report, run.report)) for run in overview.runs]
    return render(request, "complaints/reports/index.html", {"overview": overview, "runs": runs})


def _live(
    request: HttpRequest, key: str
) -> tuple[ReportDef, Period, dict[str, Any], ReportRun | None, dict[str, list[str]]]:
    definition = reports.report_def(key)
    period, errors = _period_from(request, key)
    data, run = reports.report_page(
        actor=request.staff,  # type: ignore[attr-defined]
        project_id=request.project.pk,  # type: ignore[attr-defined]
        key=key,
        period=period,
    )
    return definition, period, data, run, errors


@require_GET
@staff_view
def detail(request: HttpRequest, key: str) -> HttpResponse:
    """One report for the period asked for (live figures), with its stored run if any."""
    definition, period, data, run, errors = _live(request, key)
    return render(
        request,
        "complaints/reports/report.html",
        {
            "definition": definition,
            "report": layout(definition, data),
            "period": period,
            "period_errors": errors,
            "query": period_query(period),
            "run": run,
            "live": True,
            "computed_at": local_time(data["computed_at"]),
        },
    )


@require_GET
@staff_view
def detail_xlsx(request: HttpRequest, key: str) -> HttpResponse:
    definition, _period, data, run, _errors = _live(request, key)
    built = layout(definition, data)
    workbook = exports.build_xlsx(
        xlsx_sheets(
            built,
            project_name=request.project.name,  # type: ignore[attr-defined]
            analysis=run.analysis if run else "",
        )
    )
    return exports.xlsx_response(workbook, _filename(built, "xlsx"))


def _pdf(
    request: HttpRequest, definition: ReportDef, data: dict[str, Any], run: ReportRun | None
) -> HttpResponse:
    built = layout(definition, data)
    project = run.project if run is not None else request.project  # type: ignore[attr-defined]
    document = exports.render_pdf(
        "complaints/reports/report_pdf.html",
        {
            "report": built,
            "project": project,
            "record_name": f"{project.display_record_prefix}/{built.title}",
            "run": run,
            "computed_at": local_time(data["computed_at"]),
        },
        request=request,
    )
    return exports.pdf_response(document, _filename(built, "pdf"))


@require_GET
@staff_view
def detail_pdf(request: HttpRequest, key: str) -> HttpResponse:
    definition, _period, data, run, _errors = _live(request, key)
    return _pdf(request, definition, data, run)


def _run(request: HttpRequest, run_id: int) -> tuple[ReportRun, ReportDef]:
    run = reports.get_run(actor=request.staff, run_id=run_id)  # type: ignore[attr-defined]
    return run, reports.report_def(run.report)


@require_GET
@staff_view
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """A stored run, as generated on its day."""
    run, definition = _run(request, run_id)
    period = Period(run.period_start, run.period_end)
    return render(
        request,
        "complaints/reports/report.html",
        {
            "definition": definition,
            "report": layout(definition, run.data),
            "period": period,
            "query": period_query(period),
            "run": run,
            "live": False,
            "computed_at": local_time(run.data.get("computed_at")),
        },
    )


@require_GET
@staff_view
def run_xlsx(request: HttpRequest, run_id: int) -> HttpResponse:
    run, definition = _run(request, run_id)
    built = layout(definition, run.data)
    workbook = exports.build_xlsx(
        xlsx_sheets(built, project_name=run.project.name, analysis=run.analysis)
    )
    return exports.xlsx_response(workbook, _filename(built, "xlsx"))


@require_GET
@staff_view
def run_pdf(request: HttpRequest, run_id: int) -> HttpResponse:
    run, definition = _run(request, run_id)
    return _pdf(request, definition, run.data, run)


def _posted_period(request: HttpRequest, key: str) -> Period:
    return reports.resolve_period(
        key=key,
        month=request.POST.get("month", ""),
        start=request.POST.get("start", ""),
        end=request.POST.get("end", ""),
    )


def _refused(request: HttpRequest, key: str, exc: ValidationFailed) -> HttpResponse:
    """Back to the report with the service's messages (bad period, analysis too long)."""
    for messages_ in exc.fields.values():
        for message in messages_:
            messages.error(request, message)
    if not exc.fields:
        messages.error(request, str(exc.message))
    return HttpResponseRedirect(reverse("complaints:report_detail", args=[key]))


@require_POST
@staff_view
def generate(request: HttpRequest, key: str) -> HttpResponse:
    """Store the report of the period now (on demand); an already stored period is opened."""
    try:
        period = _posted_period(request, key)
    except ValidationFailed as exc:
        return _refused(request, key, exc)
    run = reports.generate_report(
        actor=request.staff,  # type: ignore[attr-defined]
        project_id=request.project.pk,  # type: ignore[attr-defined]
        key=key,
        period=period,
    )
    return HttpResponseRedirect(reverse("complaints:report_run", args=[run.pk]))


@require_POST
@staff_view
def analysis(request: HttpRequest, key: str) -> HttpResponse:
    """Save the written analysis of the period's report (R-COMPLAINT-25)."""
    try:
        period = _posted_period(request, key)
        run = reports.save_analysis(
            actor=request.staff,  # type: ignore[attr-defined]
            project_id=request.project.pk,  # type: ignore[attr-defined]
            key=key,
            period=period,
            analysis=request.POST.get("analysis", ""),
        )
    except ValidationFailed as exc:
        return _refused(request, key, exc)
    messages.success(request, _("The analysis was saved."))
    if request.POST.get("next") == "run":
        return HttpResponseRedirect(reverse("complaints:report_run", args=[run.pk]))
    url = reverse("complaints:report_detail", args=[key])
    return HttpResponseRedirect(f"{url}?{period_query(period)}")
