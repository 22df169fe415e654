"""Report pages over HTTP: index, every report for a period, Excel and PDF downloads, stored
runs, the written analysis, permissions and project isolation (SPEC §20, UI.md "Reports")."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from propdesk.complaints.models import ReportRun
from propdesk.complaints.services import actions, reports
from propdesk.complaints.services.reports import Period

from .conftest import TZ, at

pytestmark = pytest.mark.django_db

NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
# Report pages: a fixed number of queries whatever the number of complaints (session, user,
# staff, project, permissions, policy, the report's own reads, the stored run).
MAX_QUERIES = 16


@pytest.fixture
def lh_data(lh_team, sales_centre, receive) -> dict[str, Any]:
    club = lh_team["club"]
    made = []
    for day in range(2, 8):
        complaint = receive(club, sales_centre, when=at(day), complainant_name=f"业主{day}")
        actions.classify(actor=club, complaint_id=complaint.pk, at=at(day, 11))
        actions.add_cost(
            actor=club,
            complaint_id=complaint.pk,
            item="维修材料",
            amount="100.25",
            spent_on=dt.date(2026, 11, day),
            at=at(day, 12),
        )
        made.append(complaint)
    return {"complaints": made}


def client_for(staff: Any) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def report_url(key: str, suffix: str = "", **query: str) -> str:
    name = {"": "report_detail", "xlsx": "report_xlsx", "pdf": "report_pdf"}[suffix]
    url = reverse(f"complaints:{name}", args=[key])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_index_lists_the_policys_scheduled_reports_and_stored_runs(
    lh_team, sales_centre, lh_data, django_assert_max_num_queries
) -> None:
    reports.generate_report(
        actor=lh_team["supervisor"],
        project_id=sales_centre.pk,
        key="monthly_table",
        period=NOVEMBER,
    )
    client = client_for(lh_team["supervisor"])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("complaints:report_index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "投诉处置情况月表" in html
    assert "工作联系单汇总归档（一户一档）" in html
    assert reverse("complaints:report_detail", args=["monthly_table"]) in html
    assert reverse("complaints:report_detail", args=["sla_breaches"]) in html
    run = ReportRun.objects.get()
    assert reverse("complaints:report_run", args=[run.pk]) in html


@pytest.mark.parametrize("key", list(reports.REPORTS))
def test_every_report_page_renders_with_bounded_queries(
    key, lh_team, sales_centre, lh_data, django_assert_max_num_queries
) -> None:
    client = client_for(lh_team["supervisor"])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(report_url(key, month="2026-11"))
    assert response.status_code == 200
    assert "2026-11-01" in response.content.decode()


def test_monthly_table_page_shows_rows_charts_and_cost_total(
    lh_team, sales_centre, lh_data, receive, django_assert_max_num_queries
) -> None:
    client = client_for(lh_team["supervisor"])
    with django_assert_max_num_queries(MAX_QUERIES) as few:
        client.get(report_url("monthly_table", month="2026-11"))
    # Twice the complaints, the same number of queries.
    for day in range(10, 16):
        receive(lh_team["club"], sales_centre, when=at(day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(report_url("monthly_table", month="2026-11"))
    html = response.content.decode()
    for complaint in lh_data["complaints"]:
        assert complaint.number in html
    assert "¥601.50" in html  # six costs of ¥100.25
    assert 'class="bars"' in html


def test_bad_period_shows_the_error_and_the_default_period(lh_team, sales_centre) -> None:
    response = client_for(lh_team["supervisor"]).get(report_url("monthly_table", month="2026-13"))
    assert response.status_code == 200
    assert response.context["period_errors"]["month"]
    assert response.context["period"].start.day == 1


def test_r_complaint_25_monthly_table_excel_has_headers_and_values(
    lh_team, sales_centre, lh_data
) -> None:
    # R-COMPLAINT-25
    response = client_for(lh_team["supervisor"]).get(
        report_url("monthly_table", "xlsx", month="2026-11")
    )
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[1]  # the complaints; the first sheet is the summary
    header = [cell.value for cell in sheet[1]]
    assert len(header) == 11
    assert header[1] == "编号" or header[1] == "Number"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    numbers = [row[1] for row in rows[:-1]]
    assert numbers == [c.number for c in lh_data["complaints"]]
    assert rows[0][6] == "一般投诉"
    assert Decimal(str(rows[0][10])) == Decimal("100.25")
    assert Decimal(str(rows[-1][10])) == Decimal("601.50")  # the total row
    ledger = book.worksheets[-1]
    ledger_rows = list(ledger.iter_rows(min_row=2, values_only=True))
    assert len(ledger_rows) == 7  # six costs and the total
    assert Decimal(str(ledger_rows[-1][3])) == Decimal("601.50")


def test_excel_headers_follow_the_language(lh_team, sales_centre, lh_data) -> None:
    client = client_for(lh_team["supervisor"])
    english = client.get(
        report_url("sla_breaches", "xlsx", month="2026-11"), HTTP_ACCEPT_LANGUAGE="en"
    )
    book = openpyxl.load_workbook(io.BytesIO(english.content))
    assert [c.value for c in book.worksheets[1][1]] == [
        "Timer",
        "Due in the period",
        "Breached",
        "Breach rate",
    ]


def test_r_complaint_25_monthly_table_pdf(lh_team, sales_centre, lh_data) -> None:
    reports.save_analysis(
        actor=lh_team["supervisor"],
        project_id=sales_centre.pk,
        key="monthly_table",
        period=NOVEMBER,
        analysis="本月投诉以工程质量为主",
    )
    response = client_for(lh_team["supervisor"]).get(
        report_url("monthly_table", "pdf", month="2026-11")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_analysis_is_saved_from_the_page(lh_team, sales_centre, lh_data) -> None:
    client = client_for(lh_team["supervisor"])
    response = client.post(
        reverse("complaints:report_analysis", args=["monthly_table"]),
        {"month": "2026-11", "analysis": "工程质量问题集中在6号楼"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?month=2026-11")
    run = ReportRun.objects.get(project=sales_centre, report="monthly_table")
    assert run.analysis == "工程质量问题集中在6号楼"
    assert run.analysis_by == lh_team["supervisor"]
    page = client.get(response["Location"])
    assert "工程质量问题集中在6号楼" in page.content.decode()


def test_stored_run_page_and_downloads(lh_team, sales_centre, lh_data, receive) -> None:
    client = client_for(lh_team["supervisor"])
    response = client.post(
        reverse("complaints:report_generate", args=["monthly_table"]), {"month": "2026-11"}
    )
    run = ReportRun.objects.get()
    assert response["Location"] == reverse("complaints:report_run", args=[run.pk])
    # A complaint received after the run was stored does not change it.
    late = receive(lh_team["club"], sales_centre, when=at(20))
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert lh_data["complaints"][0].number in page.content.decode()
    assert late.number not in page.content.decode()
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("complaints:report_run_xlsx", args=[run.pk])).content)
    )
    assert book.worksheets[1].max_row == 1 + 6 + 1
    pdf = client.get(reverse("complaints:report_run_pdf", args=[run.pk]))
    assert pdf.content.startswith(b"%PDF")


def test_reports_need_the_report_permission(lh_team, sales_centre, lh_data) -> None:
    club = client_for(lh_team["club"])  # handles complaints, no complaints.report
    assert club.get(reverse("complaints:report_index")).status_code == 403
    assert club.get(report_url("monthly_table", month="2026-11")).status_code == 403
    assert club.get(report_url("monthly_table", "xlsx", month="2026-11")).status_code == 403
    response = club.post(
        reverse("complaints:report_analysis", args=["monthly_table"]),
        {"month": "2026-11", "analysis": "x"},
    )
    assert response.status_code == 403
    assert ReportRun.objects.count() == 0


def test_stored_run_of_another_project_is_not_found(
    lh_team, sales_centre, lh_data, pcs_team, community
) -> None:
    run = reports.generate_report(
        actor=lh_team["supervisor"],
        project_id=sales_centre.pk,
        key="monthly_table",
        period=NOVEMBER,
    )
    other = client_for(pcs_team["manager"])
    for name in ("report_run", "report_run_xlsx", "report_run_pdf"):
        assert other.get(reverse(f"complaints:{name}", args=[run.pk])).status_code == 404
    # The other project's own report shows none of this project's complaints.
    html = other.get(report_url("monthly_table", month="2026-11")).content.decode()
    assert lh_data["complaints"][0].number not in html


def test_unknown_report_is_not_found(lh_team, sales_centre) -> None:
    assert client_for(lh_team["supervisor"]).get("/complaints/reports/nonsense/").status_code == 404


def test_weekly_summary_defaults_to_the_current_week(pcs_team, community) -> None:
    response = client_for(pcs_team["manager"]).get(
        reverse("complaints:report_detail", args=["weekly_summary"])
    )
    period = response.context["period"]
    assert period.start.weekday() == 0
    assert (period.end - period.start).days == 6
    assert dt.datetime.now(TZ).date() - period.start < dt.timedelta(days=7)


def test_refused_analysis_stores_nothing_and_says_why(lh_team, sales_centre) -> None:
    client = client_for(lh_team["supervisor"])
    url = reverse("complaints:report_analysis", args=["monthly_table"])
    too_long = client.post(url, {"month": "2026-11", "analysis": "析" * 20001}, follow=True)
    bad_month = client.post(url, {"month": "2026-13", "analysis": "本月无投诉"}, follow=True)
    assert ReportRun.objects.count() == 0
    for response in (too_long, bad_month):
        assert response.redirect_chain[0][1] == 302
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
