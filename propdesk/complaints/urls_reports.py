"""Complaint reports (SPEC §20), under /complaints/reports/; names start with `report_`."""

from django.urls import path

from propdesk.complaints.views import reports

urlpatterns = [
    path("", reports.index, name="report_index"),
    path("runs/<int:run_id>/", reports.run_detail, name="report_run"),
    path("runs/<int:run_id>/export.xlsx", reports.run_xlsx, name="report_run_xlsx"),
    path("runs/<int:run_id>/export.pdf", reports.run_pdf, name="report_run_pdf"),
    path("<slug:key>/", reports.detail, name="report_detail"),
    path("<slug:key>/export.xlsx", reports.detail_xlsx, name="report_xlsx"),
    path("<slug:key>/export.pdf", reports.detail_pdf, name="report_pdf"),
    path("<slug:key>/generate/", reports.generate, name="report_generate"),
    path("<slug:key>/analysis/", reports.analysis, name="report_analysis"),
]
