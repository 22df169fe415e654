"""The daily rotation report (接待轮次日报, RPT-01, R-ROTA-17): per salesperson the visits and calls
counted as turns, the receptions not counted with their reasons, make-up credits earned and used
and skip flags; the day's totals; and the turn records in order (the audit trail, R-ROTA-16).
Read from the day's stored events (`services.rotation.day_view`); as a page, JSON and Excel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from propdesk.core.errors import NotFound
from propdesk.core.exports import Sheet, build_xlsx, xlsx_response
from propdesk.core.models import Staff
from propdesk.reception.domain.rotation_model import REASON_LABELS
from propdesk.reception.domain.rotation_report import DaySummary, via_label
from propdesk.reception.domain.rotation_roster import DUTY_LABELS
from propdesk.reception.services.rotation import DayView, day_view

TITLE = "接待轮次日报"


def _view(actor: Staff, project_id: Any, day: dt.date | None) -> DayView:
    view = day_view(actor=actor, project_id=project_id, day=day or timezone.localdate())
    if view is None:
        raise NotFound()
    return view


def summary_data(summary: DaySummary) -> dict[str, Any]:
    """The summary as JSON-ready values (the API's answer)."""
    return {
        "day": summary.day,
        "people": [
            {
                "person": p.person,
                "name": p.name,
                "visit_turns": p.visit_turns,
                "phone_turns": p.phone_turns,
                "not_counted": p.not_counted_text,
                "visit_credits_earned": p.visit_credits_earned,
                "visit_credits_used": p.visit_credits_used,
                "phone_credits_earned": p.phone_credits_earned,
                "phone_credits_used": p.phone_credits_used,
                "skips_set": p.skips_set,
                "skips_consumed": p.skips_consumed,
            }
            for p in summary.people
        ],
        "visits_received": summary.visits_received,
        "visits_unassigned": summary.visits_unassigned,
        "appointments": summary.appointments,
        "walk_ins": summary.walk_ins,
        "calls_answered": summary.calls_answered,
        "calls_unanswered": summary.calls_unanswered,
        "standby_alerts": summary.standby_alerts,
    }


def report_data(*, actor: Staff, project_id: Any, day: dt.date | None = None) -> dict[str, Any]:
    """RPT-01 for one opened day (NotFound while the day has not opened)."""
    return summary_data(_view(actor, project_id, day).summary)


def report_xlsx(*, actor: Staff, project_id: Any, day: dt.date | None = None) -> HttpResponse:
    """RPT-01 as a workbook: the per-person table with totals, then every turn record."""
    view = _view(actor, project_id, day)
    summary, roster = view.summary, view.roster
    project_name = view.rota_day.project.name
    people = Sheet(
        title=TITLE,
        title_line=f"{project_name} {TITLE}",
        subtitle_lines=[f"日期:{summary.day:%Y年%m月%d日}"],
        columns=[
            ("销售员", "text"),
            ("接访计轮", "int"),
            ("接电计轮", "int"),
            ("合计", "int"),
            ("不计轮次(原因)", "text"),
            ("补充接访机会 获得", "int"),
            ("补充接访机会 使用", "int"),
            ("补充接电机会 获得", "int"),
            ("补充接电机会 使用", "int"),
            ("轮空 标记", "int"),
            ("轮空 执行", "int"),
        ],
        rows=[
            [
                p.name,
                p.visit_turns,
                p.phone_turns,
                p.turns,
                p.not_counted_text,
                p.visit_credits_earned,
                p.visit_credits_used,
                p.phone_credits_earned,
                p.phone_credits_used,
                p.skips_set,
                p.skips_consumed,
            ]
            for p in summary.people
        ],
        totals=[
            "合计",
            sum(p.visit_turns for p in summary.people),
            sum(p.phone_turns for p in summary.people),
            sum(p.turns for p in summary.people),
            f"来访{summary.visits_received}组(预约{summary.appointments}、常态{summary.walk_ins})"
            f",来电接听{summary.calls_answered}、未接{summary.calls_unanswered}",
            *[""] * 6,
        ],
    )
    tz = timezone.get_current_timezone()
    records = Sheet(
        title="轮次明细",
        columns=[
            ("序号", "int"),
            ("时间", "datetime"),
            ("类别", "text"),
            ("接待人", "text"),
            ("原因", "text"),
            ("计轮", "text"),
            ("方式", "text"),
            ("说明", "text"),
        ],
        rows=[
            [
                d.seq,
                d.at.astimezone(tz).replace(tzinfo=None),
                DUTY_LABELS.get(d.duty, "") if d.duty else "",
                roster.name(d.assignee),
                REASON_LABELS.get(d.reason_code, "") if d.reason_code else "",
                "是" if d.counts_as_turn else "否",
                via_label(d.via),
                d.explanation_zh,
            ]
            for d in view.decisions
        ],
    )
    data = build_xlsx([people, records])
    return xlsx_response(data, f"{TITLE}-{summary.day:%Y%m%d}.xlsx")
