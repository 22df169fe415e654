"""Printable complaint forms (SPEC §19), under /complaints/print/; names start with `print_`.
Each is an A4 PDF; `?format=html` shows the same form in the browser."""

from django.urls import path

from propdesk.complaints.views import printing

urlpatterns = [
    path("channels/", printing.channels, name="print_channels"),
    path("sheet/<int:sheet_id>/", printing.contact_sheet, name="print_sheet"),
    path("letter/<int:letter_id>/", printing.reply_letter, name="print_letter"),
    path(
        "complaint/<int:complaint_id>/<slug:form>/",
        printing.complaint_form,
        name="print_complaint",
    ),
]
