"""Complaint pages. Each area has its own URL module (names share the `complaints:` namespace):
work pages (`urls_pages`), reports (`urls_reports`, under reports/) and printable forms
(`urls_print`, under print/)."""

from django.urls import include, path

app_name = "complaints"
urlpatterns = [
    path("reports/", include("propdesk.complaints.urls_reports")),
    path("print/", include("propdesk.complaints.urls_print")),
    path("", include("propdesk.complaints.urls_pages")),
]
