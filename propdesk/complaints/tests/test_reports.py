"""Complaint reports computed from complaints taken through the services (SPEC §20 RPT-03/04/07/
10/11/12, R-COMPLAINT-24/25/26/66/68/79/80/91) and their schedule (idempotent job)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from propdesk.complaints.models import Complaint, PenaltyRecord, ReportRun
from propdesk.complaints.services import actions, records, reports
from propdesk.complaints.services.policies import choose_policy
from propdesk.complaints.services.reports import Period
from propdesk.core.errors import Forbidden, NotFound, ValidationFailed
from propdesk.core.services import deadlines

from .conftest import TZ, at

pytestmark = pytest.mark.django_db

NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def to_resolved(actor: Any, complaint: Complaint, when: dt.datetime, level: str = "") -> None:
    """Classify, verify and answer the customer (no contact sheet)."""
    kw = {"level": level} if level else {}
    actions.classify(actor=actor, complaint_id=complaint.pk, at=when, **kw)
    actions.verify(actor=actor, complaint_id=complaint.pk, at=when + dt.timedelta(minutes=5))
    actions.reply(
        actor=actor,
        complaint_id=complaint.pk,
        result="已处理并告知客户",
        at=when + dt.timedelta(minutes=10),
    )


def lh_close_with_sheet(
    team: dict[str, Any], project: Any, complaint: Complaint, when: dt.datetime
) -> None:
    """LH: sheet approved by 营销策划部经理, department answers, reply, revisit, close."""
    club = team["club"]
    step = dt.timedelta(hours=1)
    engineering = project.departments.get(code="engineering")
    actions.classify(actor=club, complaint_id=complaint.pk, at=when)
    actions.verify(actor=club, complaint_id=complaint.pk, at=when + step)
    sheet = actions.draft_contact_sheet(
        actor=club,
        complaint_id=complaint.pk,
        data={"department_id": engineering.pk, "requirement": "三日内处理"},
        at=when + 2 * step,
    )
    actions.approve_contact_sheet(actor=team["approver"], sheet_id=sheet.pk, at=when + 2 * step)
    actions.transfer(actor=club, complaint_id=complaint.pk, at=when + 3 * step)
    actions.accept(
        actor=team["department"],
        complaint_id=complaint.pk,
        rectification_deadline=when + dt.timedelta(days=3),
        at=when + 4 * step,
    )
    actions.feedback(
        actor=team["department"], complaint_id=complaint.pk, result="已修复", at=when + 5 * step
    )
    actions.reply(actor=club, complaint_id=complaint.pk, result="已修复并告知", at=when + 6 * step)
    actions.revisit(
        actor=club,
        complaint_id=complaint.pk,
        method="phone",
        satisfaction="satisfied",
        at=when + 7 * step,
    )
    actions.close(actor=club, complaint_id=complaint.pk, at=when + 8 * step)


# --- 1. 投诉处置情况月表 -------------------------------------------------------------------------
@pytest.fixture
def lh_month(lh_team, sales_centre, receive) -> dict[str, Complaint]:
    club = lh_team["club"]
    general = receive(club, sales_centre, when=at(3), complainant_name="张三")
    actions.classify(actor=club, complaint_id=general.pk, level="general", at=at(3, 11))
    actions.add_cost(
        actor=club,
        complaint_id=general.pk,
        item="上门维修材料",
        amount="200",
        spent_on=dt.date(2026, 11, 5),
        at=at(5),
    )
    actions.add_cost(
        actor=club,
        complaint_id=general.pk,
        item="赠送物业费",
        amount="50.5",
        spent_on=dt.date(2026, 11, 6),
        at=at(6),
    )
    major = receive(club, sales_centre, when=at(10), complainant_name="李四", major_flags=["media"])
    receive(club, sales_centre, when=at(12), kind="consultation", complainant_name="王五")
    october = receive(club, sales_centre, when=at(30, month=10), complainant_name="赵六")
    actions.add_cost(
        actor=club,
        complaint_id=october.pk,
        item="交通费",
        amount="30",
        spent_on=dt.date(2026, 11, 2),
        at=at(2),
    )
    return {"general": general, "major": major, "october": october}


def test_r_complaint_25_monthly_table_lists_the_months_complaints_with_totals(
    lh_team, sales_centre, lh_month
) -> None:
    # R-COMPLAINT-25
    data = reports.report_for(
        actor=lh_team["supervisor"],
        project_id=sales_centre.pk,
        key="monthly_table",
        period=NOVEMBER,
        now=at(28),
    )
    # Only complaints received in November; the consultation is no complaint.
    assert [r["number"] for r in data["rows"]] == [
        lh_month["general"].number,
        lh_month["major"].number,
    ]
    first = data["rows"][0]
    assert first["complainant"] == "张三"
    assert first["level"] == "一般投诉"
    assert first["state"] == "classified"
    assert first["costs"] == "250.50"
    assert data["rows"][1]["level"] == "重大投诉"  # media exposure forces 重大 (R-COMPLAINT-13)
    assert data["rows"][1]["costs"] == "0.00"
    assert data["total"] == 2
    assert data["by_level"] == [["一般投诉", 1], ["重大投诉", 1], ["特别重大投诉", 0]]
    assert data["by_state"] == [["received", 1], ["classified", 1]]


def test_r_complaint_26_cost_ledger_of_the_month_with_its_sum(
    lh_team, sales_centre, lh_month
) -> None:
    # R-COMPLAINT-26
    data = reports.report_for(
        actor=lh_team["supervisor"],
        project_id=sales_centre.pk,
        key="monthly_table",
        period=NOVEMBER,
    )
    # The ledger holds every cost spent in November, also on October's complaint.
    assert [(c["spent_on"], c["item"], c["amount"]) for c in data["costs"]] == [
        ("2026-11-02", "交通费", "30.00"),
        ("2026-11-05", "上门维修材料", "200.00"),
        ("2026-11-06", "赠送物业费", "50.50"),
    ]
    assert data["costs"][0]["number"] == lh_month["october"].number
    assert data["costs"][0]["recorded_by"] == "吴会员专员"
    assert data["costs_total"] == "280.50"


def test_monthly_table_of_another_month_is_empty(lh_team, sales_centre, lh_month) -> None:
    data = reports.report_for(
        actor=lh_team["supervisor"],
        project_id=sales_centre.pk,
        key="monthly_table",
        period=Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
    )
    assert data["rows"] == []
    assert data["costs"] == []
    assert data["costs_total"] == "0.00"


def test_r_complaint_25_written_analysis_is_kept_with_the_period(
    lh_team, sales_centre, lh_month
) -> None:
    supervisor = lh_team["supervisor"]
    run = reports.save_analysis(
        actor=supervisor,
        project_id=sales_centre.pk,
        key="monthly_table",
        period=NOVEMBER,
        analysis="本月重大投诉一件，源于媒体曝光。",
    )
    assert run.analysis == "本月重大投诉一件，源于媒体曝光。"
    assert run.analysis_by == supervisor
    assert not run.scheduled
    assert len(run.data["rows"]) == 2
    # Editing again keeps the one run of the period.
    reports.save_analysis(
        actor=supervisor,
        project_id=sales_centre.pk,
        key="monthly_table",
        period=NOVEMBER,
        analysis="修订后的分析",
    )
    assert ReportRun.objects.filter(project=sales_centre).count() == 1
    assert ReportRun.objects.get().analysis == "修订后的分析"


def test_report_permission_and_isolation(
    lh_team, sales_centre, pcs_team, community, lh_month
) -> None:
    with pytest.raises(Forbidden):  # 龙湖会工作人员 may handle but not read reports
        reports.report_for(
            actor=lh_team["club"],
            project_id=sales_centre.pk,
            key="monthly_table",
            period=NOVEMBER,
        )
    with pytest.raises(NotFound):  # another project's reports do not exist for this actor
        reports.report_for(
            actor=pcs_team["manager"],
            project_id=sales_centre.pk,
            key="monthly_table",
            period=NOVEMBER,
        )
    with pytest.raises(Forbidden):
        reports.save_analysis(
            actor=lh_team["club"],
            project_id=sales_centre.pk,
            key="monthly_table",
            period=NOVEMBER,
            analysis="x",
        )
    assert ReportRun.objects.count() == 0


# --- 2. contact sheets into 一户一档 --------------------------------------------------------------
def test_r_complaint_24_contact_sheets_of_closed_complaints_grouped_by_household(
    lh_team, sales_centre, receive
) -> None:
    first = receive(lh_team["club"], sales_centre, when=at(2), complainant_name="钱七")
    second = receive(lh_team["club"], sales_centre, when=at(3), complainant_name="孙八")
    still_open = receive(lh_team["club"], sales_centre, when=at(4), complainant_name="钱七")
    lh_close_with_sheet(lh_team, sales_centre, first, at(2, 9))
    lh_close_with_sheet(lh_team, sales_centre, second, at(3, 9))
    actions.classify(actor=lh_team["club"], complaint_id=still_open.pk, at=at(4, 11))
    data = reports.compute(
        sales_centre, "household_file", Period(dt.date(2026, 10, 25), dt.date(2026, 11, 24))
    )
    assert data["household_count"] == 2
    assert data["complaint_count"] == 2
    assert data["sheet_count"] == 2
    assert [h["household"] for h in data["households"]] == ["孙八", "钱七"]
    sheet = data["households"][1]["sheets"][0]
    first.refresh_from_db()
    assert sheet["complaint"] == first.number
    assert sheet["number"] == first.sheets.get().number
    assert sheet["department"] == "工程部"
    assert sheet["feedback"] == "已修复"
    assert sheet["state"] == "answered"
    # A complaint closed outside the period is not filed in it.
    later = reports.compute(
        sales_centre, "household_file", Period(dt.date(2026, 11, 25), dt.date(2026, 12, 24))
    )
    assert later["sheet_count"] == 0


# --- 3. weekly summary -----------------------------------------------------------------------------
def test_r_complaint_51_weekly_summary_by_kind_and_level_with_overdue(
    pcs_team, community, receive
) -> None:
    # R-COMPLAINT-51
    butler = pcs_team["butler"]
    week = Period(dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    before = receive(butler, community, when=at(10))  # open all week
    closed = receive(butler, community, when=at(11))
    to_resolved(butler, closed, at(11, 11))
    actions.revisit(
        actor=butler,
        complaint_id=closed.pk,
        method="phone",
        satisfaction="satisfied",
        customer_signed=True,
        at=at(12),
    )
    actions.review(actor=pcs_team["manager"], complaint_id=closed.pk, at=at(17, 9))
    actions.close(actor=pcs_team["manager"], complaint_id=closed.pk, at=at(17, 9, 30))
    new = receive(butler, community, when=at(17))  # first response due 18:00, never answered
    actions.classify(actor=butler, complaint_id=new.pk, level="important", at=at(17, 10, 5))
    consultation = receive(butler, community, when=at(18), kind="consultation")
    actions.answer_on_spot(
        actor=butler, complaint_id=consultation.pk, result="已解答", at=at(18, 10, 5)
    )
    actions.close(actor=butler, complaint_id=consultation.pk, at=at(18, 10, 10))
    receive(butler, community, when=at(23))  # the next week

    data = reports.compute(community, "weekly_summary", week, now=at(24))
    kinds = {k: (r, c, o) for k, r, c, o in data["by_kind"]}
    assert kinds["complaint"] == (1, 1, 2)  # new received; closed closed; before + new open
    assert kinds["consultation"] == (1, 1, 0)
    assert kinds["praise"] == (0, 0, 0)
    levels = {label: (r, c, o) for label, r, c, o in data["by_level"]}
    assert levels["一般性投诉"] == (0, 1, 1)
    assert levels["重要投诉"] == (1, 0, 1)
    assert (data["received"], data["closed"], data["open"]) == (2, 2, 2)
    overdue = {(o["number"], o["label"]) for o in data["overdue"]}
    assert (new.number, "首次回应时限") in overdue
    assert (before.number, "首次回应时限") in overdue
    assert all(o["state"] == "open" for o in data["overdue"])
    assert closed.number not in {o["number"] for o in data["overdue"]}


# --- 4. manager revisit quotas (CM) ----------------------------------------------------------------
@pytest.fixture
def cm_community(pcs_team, community) -> Any:
    choose_policy(actor=pcs_team["manager"], project_id=community.pk, code="CM")
    return community


def test_r_complaint_66_revisit_quota_shortfall_is_flagged(pcs_team, cm_community, receive) -> None:
    # R-COMPLAINT-66
    manager, gpm = pcs_team["manager"], pcs_team["gpm"]
    for day in (3, 9):
        complaint = receive(manager, cm_community, when=at(day))
        to_resolved(manager, complaint, at(day, 11))
        actions.revisit(
            actor=manager,
            complaint_id=complaint.pk,
            method="home_visit",
            satisfaction="satisfied",
            at=at(day + 1),
        )
    by_gpm = receive(manager, cm_community, when=at(5), handler_id=gpm.pk)
    to_resolved(gpm, by_gpm, at(5, 11))
    actions.revisit(
        actor=gpm, complaint_id=by_gpm.pk, method="phone", satisfaction="fairly", at=at(6)
    )
    october = receive(manager, cm_community, when=at(20, month=10))
    to_resolved(manager, october, at(20, 11, month=10))
    actions.revisit(
        actor=manager,
        complaint_id=october.pk,
        method="phone",
        satisfaction="satisfied",
        at=at(21, month=10),
    )

    data = reports.compute(cm_community, "revisit_quota", NOVEMBER)
    rows = {r["role"]: (r["staff"], r["quota"], r["done"], r["shortfall"]) for r in data["rows"]}
    assert rows["物业客服经理"] == ("赵经理", 3, 2, 1)
    assert rows["总物业经理"] == ("钱总", 1, 1, 0)
    assert data["shortfalls"] == 1


def test_revisit_quota_without_quotas_in_the_policy(pcs_team, community) -> None:
    data = reports.compute(community, "revisit_quota", NOVEMBER)
    assert data == {
        **{k: data[k] for k in ("key", "start", "end", "computed_at")},
        "has_quotas": False,
        "rows": [],
        "shortfalls": 0,
    }


# --- 5. 客户服务信息统计分析汇总表 ------------------------------------------------------------------
def test_r_complaint_68_service_summary_counts_and_satisfaction_rate(
    pcs_team, cm_community, receive
) -> None:
    # R-COMPLAINT-68
    manager = pcs_team["manager"]
    valid = receive(manager, cm_community, when=at(2), channel="phone")
    to_resolved(manager, valid, at(2, 11))
    actions.revisit(
        actor=manager, complaint_id=valid.pk, method="phone", satisfaction="satisfied", at=at(3)
    )
    major = receive(manager, cm_community, when=at(4), major_flags=["higher_authority"])
    actions.decide(actor=manager, complaint_id=major.pk, decision="上门维修", at=at(4, 10, 30))
    to_resolved(manager, major, at(4, 11))
    actions.revisit(
        actor=manager,
        complaint_id=major.pk,
        method="home_visit",
        satisfaction="dissatisfied",
        at=at(5),
    )
    invalid = receive(manager, cm_community, when=at(6), channel="letter")
    actions.classify(actor=manager, complaint_id=invalid.pk, level="invalid", at=at(6, 11))
    receive(manager, cm_community, when=at(7), kind="consultation", channel="phone")
    receive(manager, cm_community, when=at(8), kind="praise")
    receive(manager, cm_community, when=at(9), kind="special_service")
    receive(manager, cm_community, when=at(1, month=12))

    data = reports.compute(cm_community, "service_summary", NOVEMBER)
    assert data["total"] == 6
    assert dict(data["by_kind"]) == {
        "consultation": 1,
        "service_request": 0,
        "opinion": 0,
        "complaint": 3,
        "praise": 1,
        "special_service": 1,
    }
    assert data["by_channel"] == [["visit", 3], ["phone", 2], ["letter", 1]]
    nature = data["nature"]
    assert (nature["total"], nature["valid"], nature["invalid"], nature["major"]) == (4, 3, 1, 1)
    assert data["satisfaction"]["rows"] == [["satisfied", 1], ["fairly", 0], ["dissatisfied", 1]]
    assert data["satisfaction"]["rate"] == "50.0"


# --- 6. SO monthly statistics ----------------------------------------------------------------------
def test_r_complaint_80_sales_office_statistics_by_level_target_and_penalties(
    pcs_team, community, person, receive
) -> None:
    # R-COMPLAINT-80
    choose_policy(actor=pcs_team["manager"], project_id=community.pk, code="SO")
    seller = person(community, "salesperson", "周售楼员")
    admin = person(community, "sales_admin_manager", "吴销管")
    minor = receive(seller, community, when=at(3))
    against_seller = receive(
        seller, community, when=at(4), target_role="salesperson", target_staff_id=seller.pk
    )
    receive(seller, community, when=at(5), major_flags=["loss_or_injury"])
    records.record_analysis(
        actor=admin,
        complaint_id=against_seller.pk,
        cause_analysis="接待不到位",
        corrective_action="加强接待培训",
    )
    records.add_penalty(
        actor=admin, complaint_id=against_seller.pk, staff_id=seller.pk, penalty="yellow_card"
    )
    records.add_penalty(actor=admin, complaint_id=minor.pk, staff_id=seller.pk, penalty="warning")
    # Penalties are dated when they are recorded; date them inside the reported month.
    PenaltyRecord.objects.update(decided_at=at(20))

    data = reports.compute(community, "sales_office_statistics", NOVEMBER)
    assert data["by_level"] == [["轻微投诉", 1], ["重要投诉", 1], ["重大投诉", 1], ["内部投诉", 0]]
    assert data["by_target_role"] == [["置业顾问", 1]]
    row = next(r for r in data["rows"] if r["number"] == against_seller.number)
    assert (row["level"], row["target_staff"]) == ("重要投诉", "周售楼员")
    assert (row["cause_analysis"], row["corrective_action"]) == ("接待不到位", "加强接待培训")
    assert [(p["penalty"], p["staff"], p["level"]) for p in data["penalties"]] == [
        ("yellow_card", "周售楼员", "重要投诉"),
        ("warning", "周售楼员", "轻微投诉"),
    ]
    assert dict(data["by_penalty"]) == {"yellow_card": 1, "warning": 1}


# --- 7. SLA breaches -------------------------------------------------------------------------------
def test_r_complaint_91_sla_breaches_late_and_open_with_breach_rate(
    pcs_team, community, receive
) -> None:
    # R-COMPLAINT-91
    butler = pcs_team["butler"]
    late = receive(butler, community, when=at(17))  # first response due 18:00
    deadlines.sweep_deadlines(now=at(17, 19))
    actions.contact(actor=butler, complaint_id=late.pk, note="已致电业主", at=at(17, 20))
    still_open = receive(butler, community, when=at(18))
    deadlines.sweep_deadlines(now=at(18, 19))
    on_time = receive(butler, community, when=at(19))
    actions.contact(actor=butler, complaint_id=on_time.pk, note="已回应", at=at(19, 11))
    deadlines.sweep_deadlines(now=at(19, 19))

    data = reports.compute(community, "sla_breaches", NOVEMBER, now=at(20, 10))
    rows = {r["number"]: r for r in data["rows"]}
    assert set(rows) == {late.number, still_open.number}
    assert rows[late.number]["state"] == "met"
    assert rows[late.number]["late_minutes"] == 120  # met at 20:00, due 18:00
    assert rows[late.number]["label"] == "首次回应时限"
    assert rows[late.number]["responsible"] == "王管家"
    assert rows[still_open.number]["state"] == "open"
    assert rows[still_open.number]["late_minutes"] == 40 * 60  # 18 Nov 18:00 → 20 Nov 10:00
    assert data["still_open"] == 1
    first_response = next(t for t in data["by_timer"] if t["timer"] == "first_response")
    assert (first_response["due"], first_response["breached"]) == (3, 2)
    assert first_response["rate"] == "66.7"
    # Flagged in another month: not in December's report.
    december = reports.compute(
        community, "sla_breaches", Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    )
    assert december["rows"] == []


# --- periods ------------------------------------------------------------------------------------------
def test_resolve_period_month_range_default_and_errors() -> None:
    assert reports.resolve_period(key="monthly_table", month="2026-02") == Period(
        dt.date(2026, 2, 1), dt.date(2026, 2, 28)
    )
    assert reports.resolve_period(
        key="sla_breaches", start="2026-11-05", end="2026-11-09"
    ) == Period(dt.date(2026, 11, 5), dt.date(2026, 11, 9))
    today = dt.date(2026, 11, 18)  # a Wednesday
    assert reports.resolve_period(key="weekly_summary", today=today) == Period(
        dt.date(2026, 11, 16), dt.date(2026, 11, 22)
    )
    assert reports.resolve_period(key="monthly_table", today=today) == NOVEMBER
    with pytest.raises(ValidationFailed) as bad_month:
        reports.resolve_period(key="monthly_table", month="2026-13")
    assert "month" in bad_month.value.fields
    with pytest.raises(ValidationFailed) as reversed_range:
        reports.resolve_period(key="monthly_table", start="2026-11-09", end="2026-11-01")
    assert "end" in reversed_range.value.fields
    with pytest.raises(ValidationFailed) as too_long:
        reports.resolve_period(key="monthly_table", start="2025-01-01", end="2026-11-01")
    assert "end" in too_long.value.fields
    with pytest.raises(NotFound):
        reports.resolve_period(key="nonsense")


@pytest.mark.parametrize(
    ("day_of_month", "due", "expected"),
    [
        pytest.param(
            27, dt.date(2026, 11, 27), (dt.date(2026, 10, 27), dt.date(2026, 11, 26)), id="lh_27th"
        ),
        pytest.param(
            25, dt.date(2026, 3, 25), (dt.date(2026, 2, 25), dt.date(2026, 3, 24)), id="lh_25th"
        ),
        pytest.param(
            31,
            dt.date(2026, 2, 28),
            (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
            id="month_end_february",
        ),
        pytest.param(
            30,
            dt.date(2026, 3, 30),
            (dt.date(2026, 2, 28), dt.date(2026, 3, 29)),
            id="day_30_after_february",
        ),
    ],
)
def test_monthly_period_since_the_previous_report(day_of_month, due, expected) -> None:
    period = reports.monthly_period(day_of_month, due)
    assert (period.start, period.end) == expected


# --- the schedule ----------------------------------------------------------------------------------
def test_r_complaint_25_job_stores_lh_monthly_table_on_the_27th_not_the_26th(
    lh_team, sales_centre, lh_month, pcs_team, community
) -> None:
    on_26th = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
    reports.generate_due_reports(on_26th)
    assert not ReportRun.objects.filter(report="monthly_table").exists()
    # The 25th's contact-sheet consolidation (LH) and Monday's weekly summary (PCS) are done.
    assert set(ReportRun.objects.values_list("project_id", "report")) == {
        (sales_centre.pk, "household_file"),
        (community.pk, "weekly_summary"),
    }
    on_27th = dt.datetime(2026, 11, 27, 0, 5, tzinfo=TZ)
    assert reports.generate_due_reports(on_27th) == 1
    run = ReportRun.objects.get(report="monthly_table")
    assert run.project == sales_centre
    assert (run.period_start, run.period_end) == (dt.date(2026, 10, 27), dt.date(2026, 11, 26))
    assert run.scheduled
    # October 30's complaint and November's two are in the period since the last report.
    assert [r["number"] for r in run.data["rows"]] == [
        lh_month["october"].number,
        lh_month["general"].number,
        lh_month["major"].number,
    ]
    # Idempotent: running again, later the same day or the next day, stores nothing more.
    count = ReportRun.objects.count()
    assert reports.generate_due_reports(on_27th + dt.timedelta(hours=6)) == 0
    assert reports.generate_due_reports(on_27th + dt.timedelta(days=1)) == 0
    assert ReportRun.objects.count() == count


def test_month_end_report_is_stored_once_the_month_is_over(pcs_team, cm_community, receive) -> None:
    receive(pcs_team["manager"], cm_community, when=at(30, 20))
    last_day = dt.datetime(2026, 11, 30, 23, 0, tzinfo=TZ)
    reports.generate_due_reports(last_day)
    assert not ReportRun.objects.filter(report="service_summary").exists()
    reports.generate_due_reports(dt.datetime(2026, 12, 1, 0, 5, tzinfo=TZ))
    summary = ReportRun.objects.get(report="service_summary")
    assert (summary.period_start, summary.period_end) == (NOVEMBER.start, NOVEMBER.end)
    assert summary.data["total"] == 1  # includes the complaint of the month's last evening
    quota = ReportRun.objects.get(report="revisit_quota")
    assert (quota.period_start, quota.period_end) == (NOVEMBER.start, NOVEMBER.end)


def test_job_makes_up_a_missed_day(lh_team, sales_centre) -> None:
    """The server was down on the 27th: the next run stores the monthly table all the same."""
    assert reports.generate_due_reports(dt.datetime(2026, 11, 29, 8, 0, tzinfo=TZ)) >= 1
    assert ReportRun.objects.filter(
        project=sales_centre, report="monthly_table", period_end=dt.date(2026, 11, 26)
    ).exists()


def test_on_demand_store_returns_the_stored_run(lh_team, sales_centre, lh_month) -> None:
    supervisor = lh_team["supervisor"]
    first = reports.generate_report(
        actor=supervisor, project_id=sales_centre.pk, key="monthly_table", period=NOVEMBER
    )
    again = reports.generate_report(
        actor=supervisor, project_id=sales_centre.pk, key="monthly_table", period=NOVEMBER
    )
    assert again.pk == first.pk
    assert first.generated_by == supervisor
    assert Decimal(first.data["costs_total"]) == Decimal("280.50")
