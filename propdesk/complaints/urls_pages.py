"""Complaint work pages (names in the `complaints:` namespace): the queue is the module's landing
page (`index`), then intake, one complaint with its action forms, the department inbox, the
policy settings and the manager dashboard."""

from django.urls import path

from propdesk.complaints.views import backfill, handling, pages, policies

urlpatterns = [
    path("", pages.queue, name="index"),
    path("export.xlsx", pages.queue_xlsx, name="export"),
    path("new/", pages.intake_view, name="new"),
    path("new/complainants/", pages.complainant_search, name="complainant_search"),
    path("new/complainant/", pages.complainant_pick, name="complainant_pick"),
    path("new/register/", backfill.register_upload, name="register_upload"),
    path("new/register/template.xlsx", backfill.register_template, name="register_template"),
    path("sheets/", pages.inbox, name="inbox"),
    path("sheets/<int:sheet_id>/approve/", handling.sheet_approve, name="sheet_approve"),
    path("letters/<int:letter_id>/<slug:op>/", handling.letter_act, name="letter_act"),
    path("policies/", policies.policy_list, name="policies"),
    path("policies/choose/", policies.policy_choose, name="policy_choose"),
    path("policies/copy/", policies.policy_copy, name="policy_copy"),
    path("policies/<str:code>/edit/", policies.policy_edit, name="policy_edit"),
    path("dashboard/", pages.dashboard, name="dashboard"),
    path("<int:pk>/", pages.detail, name="detail"),
    path("<int:pk>/read-back/", handling.read_back, name="read_back"),
    path("<int:pk>/sheets/new/", handling.sheet_draft, name="sheet_draft"),
    path("<int:pk>/letters/new/", handling.letter_draft, name="letter_draft"),
    path("<int:pk>/analysis/", handling.analysis, name="analysis"),
    path("<int:pk>/penalties/new/", handling.penalty, name="penalty"),
    path("<int:pk>/approve-closure/", handling.approve_closure, name="approve_closure"),
    path("<int:pk>/group/", handling.group, name="group"),
    path("<int:pk>/group/decide/", handling.group_decide, name="group_decide"),
    path("<int:pk>/<slug:action>/", handling.act, name="act"),
]
