"""Complaint reports and their schedule (SPEC §20 RPT-03/04/07/10/11/12, R-COMPLAINT-12/24/25/26/
66/68/80/91): the catalogue, the periods, access checks, stored runs, the written analysis and
the scheduled job. The figures themselves are computed in `report_data`.

Every report is a read of one project's records for one period, returned as plain JSON data:
codes, counts, money as "123.45", ISO dates and the policy's own Chinese labels. The page, the
Excel download and the PDF are all rendered from that one dict, so they always show the same
numbers (UI.md "Reports"), and a generated report (`ReportRun`) keeps it as it was on the day it
ran.

| key | report | rules |
|---|---|---|
| `monthly_table` | 投诉处置情况月表 + cost ledger (投诉处理费用台帐) | RPT-04, R-COMPLAINT-25/26 |
| `household_file` | work contact sheets consolidated into 一户一档 | RPT-03, R-COMPLAINT-24 |
| `weekly_summary` | received / closed / open by kind and level, overdue list | RPT-07, R-COMPLAINT-51 |
| `revisit_quota` | managers' revisits against their monthly quota | RPT-11, R-COMPLAINT-66 |
| `service_summary` | 客户服务信息统计分析汇总表 | RPT-10, R-COMPLAINT-68 |
| `sales_office_statistics` | SO statistics by level and target, penalties | RPT-12, R-COMPLAINT-79/80 |
| `sla_breaches` | complaint timers flagged overdue, breach rate per timer | R-COMPLAINT-91 |

Periods. On demand, any calendar month or date range (at most 366 days). On schedule, the
policy's calendar decides the day (`domain.reports_due_on`), and the period is:
- a report day inside the month (LH 27th, LH archive 25th): from that day of the previous month
  to the day before, i.e. everything since the previous report (27 Oct – 26 Nov for 27 Nov);
- a month-end day (CM / SO / PCS monthly, the revisit quota): the calendar month;
- the weekly summary (PCS, Mondays): the week before, Monday to Sunday.
A run is stored only once its period has ended, so a month-end report is stored just after
midnight that closes the month, with the whole month in it. The job looks back over the last
`CATCH_UP_DAYS` days, so a day missed while the server was down is made up at the next run; a
report of a project, key and period is stored once (unique constraint), so running the job
again changes nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import (
    REPORT_ARCHIVE,
    REPORT_LABELS,
    REPORT_LEGACY,
    REPORT_MONTHLY,
    REPORT_PROGRESS_LOG,
    REPORT_REVISIT_QUOTA,
    REPORT_WEEKLY,
    Policy,
    reports_due_on,
)
from propdesk.complaints.models import (
    PolicyVersion,
    ProjectPolicy,
    ReportRun,
)
from propdesk.complaints.services import policies
from propdesk.complaints.services.report_data import (
    Period,
    Scope,
    compute_household_file,
    compute_monthly_table,
    compute_revisit_quota,
    compute_sales_office_statistics,
    compute_service_summary,
    compute_sla_breaches,
    compute_weekly_summary,
    iso,
    month_period,
    week_period,
)
from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import NotFound, ValidationFailed, field_error
from propdesk.core.models import Project, Staff
from propdesk.core.services.timeline import record_event

MONTHLY_TABLE: Final = "monthly_table"
HOUSEHOLD_FILE: Final = "household_file"
WEEKLY_SUMMARY: Final = "weekly_summary"
REVISIT_QUOTA: Final = "revisit_quota"
SERVICE_SUMMARY: Final = "service_summary"
SALES_OFFICE_STATISTICS: Final = "sales_office_statistics"
SLA_BREACHES: Final = "sla_breaches"

# Seed form names (tenant wording, not translated): R-COMPLAINT-25 and R-COMPLAINT-68.
MONTHLY_TABLE_FORM: Final = "投诉处置情况月表"
SERVICE_SUMMARY_FORM: Final = "客户服务信息统计分析汇总表"

MONTH: Final = "month"
WEEK: Final = "week"
MAX_PERIOD_DAYS: Final = 366
CATCH_UP_DAYS: Final = 7


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def resolve_period(
    *, key: str, month: str = "", start: str = "", end: str = "", today: dt.date | None = None
) -> Period:
    """The period a report page asks for: a month ("2026-11"), a date range, or by default the
    current month (the current week for the weekly summary). ValidationFailed names the field."""
    definition = report_def(key)
    today = today or timezone.localdate()
    month, start, end = (month or "").strip(), (start or "").strip(), (end or "").strip()
    if month:
        try:
            first = dt.datetime.strptime(month, "%Y-%m").date()  # noqa: DTZ007 - a date only
        except ValueError:
            raise field_error("month", _("Enter a month as YYYY-MM")) from None
        return month_period(first.year, first.month)
    if start or end:
        errors: dict[str, list[Any]] = {}
        first_day, last_day = _parse_date(start), _parse_date(end)
        if first_day is None:
            errors["start"] = [_("Enter a valid date")]
        if last_day is None:
            errors["end"] = [_("Enter a valid date")]
        if first_day and last_day:
            if last_day < first_day:
                errors["end"] = [_("The end date cannot be before the start date")]
            elif (last_day - first_day).days >= MAX_PERIOD_DAYS:
                errors["end"] = [
                    _("A report covers at most {days} days").format(days=MAX_PERIOD_DAYS)
                ]
        if errors or first_day is None or last_day is None:
            raise ValidationFailed(fields=errors)
        return Period(first_day, last_day)
    if definition.period == WEEK:
        return week_period(today)
    return month_period(today.year, today.month)


def _day_in_month(year: int, month: int, day_of_month: int) -> dt.date:
    return dt.date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


def monthly_period(day_of_month: int, due: dt.date) -> Period:
    """The period of a monthly report due on `due` (see the module docstring): the calendar
    month at month end, else from the previous month's report day to the day before `due`."""
    last = calendar.monthrange(due.year, due.month)[1]
    if day_of_month >= last:
        return month_period(due.year, due.month)
    previous = due.replace(day=1) - dt.timedelta(days=1)
    return Period(
        _day_in_month(previous.year, previous.month, day_of_month), due - dt.timedelta(days=1)
    )


def monthly_report_for(policy: Policy) -> str:
    """Which report is the policy's monthly report (R-COMPLAINT-25/68/80): LH's monthly table,
    SO's statistics (the policy with penalties), else the CS statistics summary (CM, and PCS by
    A-CMP-11)."""
    form = policy.forms.get("monthly_report", "")
    if form == MONTHLY_TABLE_FORM:
        return MONTHLY_TABLE
    if form != SERVICE_SUMMARY_FORM and any(level.penalties for level in policy.levels):
        return SALES_OFFICE_STATISTICS
    return SERVICE_SUMMARY


def due_runs(policy: Policy, day: dt.date) -> list[tuple[str, Period]]:
    """The reports the policy stores for its due day `day`, with their periods. The daily
    progress log (RPT-02) and the legacy-issue summary (RPT-09) are read on the complaint pages
    and are not stored."""
    runs: list[tuple[str, Period]] = []
    for due in reports_due_on(policy, day):
        if due == REPORT_MONTHLY and policy.reports.report_day is not None:
            runs.append(
                (monthly_report_for(policy), monthly_period(policy.reports.report_day, day))
            )
        elif due == REPORT_ARCHIVE and policy.reports.archive_day is not None:
            runs.append((HOUSEHOLD_FILE, monthly_period(policy.reports.archive_day, day)))
        elif due == REPORT_WEEKLY:
            runs.append((WEEKLY_SUMMARY, week_period(day - dt.timedelta(days=7))))
        elif due == REPORT_REVISIT_QUOTA:
            runs.append((REVISIT_QUOTA, month_period(day.year, day.month)))
    return runs


# --- the catalogue ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportDef:
    """One report: its key (URL and `ReportRun.report`), title, SPEC references, default period
    shape (a month or a week) and the function computing its data."""

    key: str
    title: Any
    spec: str
    period: str
    compute: Callable[[Scope], dict[str, Any]]


REPORTS: Final[dict[str, ReportDef]] = {
    d.key: d
    for d in (
        ReportDef(
            MONTHLY_TABLE,
            MONTHLY_TABLE_FORM,
            "RPT-04 · R-COMPLAINT-25/26",
            MONTH,
            compute_monthly_table,
        ),
        ReportDef(
            HOUSEHOLD_FILE,
            REPORT_LABELS[REPORT_ARCHIVE],
            "RPT-03 · R-COMPLAINT-24",
            MONTH,
            compute_household_file,
        ),
        ReportDef(
            WEEKLY_SUMMARY,
            REPORT_LABELS[REPORT_WEEKLY],
            "RPT-07 · R-COMPLAINT-51",
            WEEK,
            compute_weekly_summary,
        ),
        ReportDef(
            REVISIT_QUOTA,
            REPORT_LABELS[REPORT_REVISIT_QUOTA],
            "RPT-11 · R-COMPLAINT-66",
            MONTH,
            compute_revisit_quota,
        ),
        ReportDef(
            SERVICE_SUMMARY,
            SERVICE_SUMMARY_FORM,
            "RPT-10 · R-COMPLAINT-68",
            MONTH,
            compute_service_summary,
        ),
        ReportDef(
            SALES_OFFICE_STATISTICS,
            _("Sales-office complaint statistics"),
            "RPT-12 · R-COMPLAINT-79/80",
            MONTH,
            compute_sales_office_statistics,
        ),
        ReportDef(
            SLA_BREACHES, _("Deadline breaches"), "R-COMPLAINT-91", MONTH, compute_sla_breaches
        ),
    )
}


def report_def(key: str) -> ReportDef:
    definition = REPORTS.get(key)
    if definition is None:
        raise NotFound()
    return definition


def _policy_of_project(project: Project) -> tuple[Policy, int]:
    """The policy the project runs now and the id of its stored version."""
    settings = policies.project_settings(project)
    row = policies.latest_version(project.company_id, settings.code)
    return policies.policy_of(row, working_hours=settings.count_working_hours), row.pk


def compute(
    project: Project,
    key: str,
    period: Period,
    *,
    policy: Policy | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The report's data (no permission check: for the job and the functions below)."""
    definition = report_def(key)
    now = now or timezone.now()
    version_id = None
    if policy is None:
        policy, version_id = _policy_of_project(project)
    scope = Scope(project, policy, period, now, version_id)
    return {
        "key": key,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "computed_at": iso(now),
        **definition.compute(scope),
    }


# --- what the pages call -------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportEntry:
    """A report on the index page: when the project's policy runs it (None = on demand)."""

    key: str
    title: Any
    spec: str
    schedule: Any


def _schedule_text(policy: Policy, key: str) -> Any:
    schedule = policy.reports
    if key == monthly_report_for(policy) and schedule.report_day is not None:
        return _day_text(schedule.report_day)
    if key == HOUSEHOLD_FILE and schedule.archive_day is not None:
        return _day_text(schedule.archive_day)
    if key == WEEKLY_SUMMARY and schedule.weekly_summary_weekday is not None:
        return _("Every week, covering the week before")
    if key == REVISIT_QUOTA and policy.revisit_quotas:
        return _("Every month end")
    return None


def _day_text(day: int) -> Any:
    if day >= 28:
        return _("Every month end")
    return _("Every month on day {day}").format(day=day)


@dataclass(frozen=True)
class ReportIndex:
    policy_name: str
    scheduled: list[ReportEntry]
    on_demand: list[ReportEntry]
    schedule_labels: list[str]
    runs: list[ReportRun]


def report_index(*, actor: Staff, project_id: Any, limit: int = 20) -> ReportIndex:
    """The reports of the project's policy with their days (REPORT_LABELS / ReportSchedule), the
    others on demand, and the latest generated runs."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINT_REPORTS)
    policy, _version_id = _policy_of_project(project)
    entries = [
        ReportEntry(d.key, d.title, d.spec, _schedule_text(policy, d.key)) for d in REPORTS.values()
    ]
    schedule = policy.reports
    labels = []
    if schedule.daily_progress_log:
        labels.append(REPORT_PROGRESS_LOG)
    if schedule.archive_day is not None:
        labels.append(REPORT_ARCHIVE)
    if schedule.report_day is not None:
        labels.append(REPORT_MONTHLY)
        if schedule.legacy_summary_monthly:
            labels.append(REPORT_LEGACY)
    if schedule.weekly_summary_weekday is not None:
        labels.append(REPORT_WEEKLY)
    if policy.revisit_quotas:
        labels.append(REPORT_REVISIT_QUOTA)
    runs = list(
        ReportRun.objects.filter(project=project)
        .defer("data")
        .select_related("generated_by")
        .order_by("-generated_at", "-id")[:limit]
    )
    return ReportIndex(
        policy_name=policy.name,
        scheduled=[e for e in entries if e.schedule is not None],
        on_demand=[e for e in entries if e.schedule is None],
        schedule_labels=[REPORT_LABELS[k] for k in labels if k in REPORT_LABELS],
        runs=runs,
    )


def report_for(
    *, actor: Staff, project_id: Any, key: str, period: Period, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The report's live data for any period (complaints.report)."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINT_REPORTS)
    return compute(project, key, period, now=now)


def report_page(
    *, actor: Staff, project_id: Any, key: str, period: Period, now: dt.datetime | None = None
) -> tuple[dict[str, Any], ReportRun | None]:
    """What a report page shows: the live data for the period and its stored run, if any."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINT_REPORTS)
    data = compute(project, key, period, now=now)
    return data, _stored(project, key, period)


def _stored(project: Project, key: str, period: Period) -> ReportRun | None:
    return (
        ReportRun.objects.filter(
            project=project, report=key, period_start=period.start, period_end=period.end
        )
        .select_related("analysis_by", "generated_by")
        .first()
    )


def run_for_period(*, actor: Staff, project_id: Any, key: str, period: Period) -> ReportRun | None:
    """The stored run of this report and period, if one was generated."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINT_REPORTS)
    report_def(key)
    return _stored(project, key, period)


def get_run(*, actor: Staff, run_id: Any) -> ReportRun:
    """One stored run of the actor's projects (NotFound across projects)."""
    return access.get_for(
        actor,
        ReportRun.objects.select_related("project", "analysis_by", "generated_by"),
        run_id,
        P.VIEW_COMPLAINT_REPORTS,
    )


def _store(
    project: Project,
    key: str,
    period: Period,
    *,
    policy: Policy | None = None,
    actor: Staff | None = None,
    scheduled: bool,
    now: dt.datetime,
) -> tuple[ReportRun, bool]:
    """Store the run once (unique per project, key and period): (run, created)."""
    lookup = {
        "project": project,
        "report": key,
        "period_start": period.start,
        "period_end": period.end,
    }
    existing = ReportRun.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    data = compute(project, key, period, policy=policy, now=now)
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(
                **lookup, generated_at=now, scheduled=scheduled, generated_by=actor, data=data
            )
    except IntegrityError:  # generated at the same moment by another process
        return ReportRun.objects.get(**lookup), False
    record_event(
        entity=run,
        action="complaints.report_generated",
        actor=actor,
        project_id=project.pk,
        note=f"{key} {period.start}..{period.end}",
        at=now,
    )
    return run, True


def generate_report(
    *, actor: Staff, project_id: Any, key: str, period: Period, now: dt.datetime | None = None
) -> ReportRun:
    """Store the report of a period on demand; a period already stored is returned unchanged."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINT_REPORTS)
    report_def(key)
    run, _created = _store(
        project, key, period, actor=actor, scheduled=False, now=now or timezone.now()
    )
    return run


ANALYSIS_LIMIT: Final = 20000


@transaction.atomic
def save_analysis(
    *,
    actor: Staff,
    project_id: Any,
    key: str,
    period: Period,
    analysis: str,
    now: dt.datetime | None = None,
) -> ReportRun:
    """The written summary and analysis of a report (书面的总结分析, R-COMPLAINT-25): kept on the
    period's run, which is stored first when the period has none yet."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINT_REPORTS)
    report_def(key)
    text = str(analysis or "").strip()
    if len(text) > ANALYSIS_LIMIT:
        raise field_error("analysis", _("Enter at most {n} characters").format(n=ANALYSIS_LIMIT))
    now = now or timezone.now()
    run, _created = _store(project, key, period, actor=actor, scheduled=False, now=now)
    run = ReportRun.objects.select_for_update().get(pk=run.pk)
    run.analysis = text
    run.analysis_by = actor
    run.analysis_at = now
    run.save(update_fields=["analysis", "analysis_by", "analysis_at"])
    record_event(
        entity=run,
        action="complaints.report_analysed",
        actor=actor,
        project_id=project.pk,
        note=text[:200],
        at=now,
    )
    return run


# --- the scheduled job -----------------------------------------------------------------------------
def _project_policies() -> list[tuple[Project, Policy]]:
    """Every active project with the policy it runs now (a few queries whatever the count)."""
    projects = list(Project.objects.filter(is_active=True).order_by("pk"))
    settings = {row.project_id: row for row in ProjectPolicy.objects.all()}
    versions: dict[tuple[int, str], PolicyVersion] = {}
    result = []
    for project in projects:
        row = settings.get(project.pk)
        code = row.code if row else policies.default_code(project)
        wanted = (project.company_id, code)
        if wanted not in versions:
            versions[wanted] = policies.latest_version(*wanted)
        working = bool(row and row.count_working_hours)
        result.append((project, policies.policy_of(versions[wanted], working_hours=working)))
    return result


def generate_due_reports(now: dt.datetime | None = None) -> int:
    """The scheduled job (sweep "complaints.reports"): store every report due by the policies'
    calendars in the last CATCH_UP_DAYS days whose period has ended; returns how many runs it
    stored. Idempotent: a stored period is never stored again."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    wanted: list[tuple[Project, Policy, str, Period]] = []
    for project, policy in _project_policies():
        for back in range(CATCH_UP_DAYS + 1):
            for key, period in due_runs(policy, today - dt.timedelta(days=back)):
                if period.end < today:
                    wanted.append((project, policy, key, period))
    if not wanted:
        return 0
    stored = set(
        ReportRun.objects.filter(
            project_id__in={p.pk for p, *_rest in wanted},
            period_end__gte=min(w[3].end for w in wanted),
        ).values_list("project_id", "report", "period_start", "period_end")
    )
    made = 0
    for project, policy, key, period in wanted:
        if (project.pk, key, period.start, period.end) in stored:
            continue
        _run, created = _store(project, key, period, policy=policy, scheduled=True, now=now)
        stored.add((project.pk, key, period.start, period.end))
        made += int(created)
    return made
