"""The figures of the complaint reports (SPEC §20 RPT-03/04/07/10/11/12, R-COMPLAINT-24/25/26/
51/66/68/78/79/80/91): one function per report reading one project's records for one period.

Each returns plain JSON data (codes, counts, money as "123.45", ISO dates, the policy's own
Chinese labels), so the same dict renders the page, the Excel workbook and the PDF and can be
stored as a `ReportRun`. A fixed number of queries per report, whatever the number of rows.
The catalogue, the periods of the schedule, access checks and the job are in `reports`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, DecimalField, F, Max, OuterRef, Prefetch, Q, Subquery, Sum
from django.utils import timezone

from propdesk.complaints.domain import (
    COMPLAINT_KINDS,
    SEVERITY_GENERAL,
    SEVERITY_INTERNAL,
    SEVERITY_MAJOR,
    SEVERITY_NOT_ACCEPTED,
    Kind,
    Policy,
    PolicyError,
    quota_shortfalls,
)
from propdesk.complaints.models import (
    Complaint,
    ContactSheet,
    CostEntry,
    PenaltyRecord,
    PolicyVersion,
    Revisit,
    Satisfaction,
    SheetState,
)
from propdesk.complaints.services import policies
from propdesk.complaints.workflows import TERMINAL_STATES, State
from propdesk.core.models import Deadline, Membership, Project, Role
from propdesk.core.models.deadlines import DeadlineState

TIMER_PREFIX: Final = "complaint."
COMPLAINT_KIND_CODES: Final = tuple(sorted(str(k) for k in COMPLAINT_KINDS))
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")


# --- periods ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """Local dates `start`..`end`, both included."""

    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes [start 00:00, day after end 00:00) in the local time zone."""
        tz = timezone.get_default_timezone()
        return (
            dt.datetime.combine(self.start, dt.time(), tzinfo=tz),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=tz),
        )

    @property
    def is_month(self) -> bool:
        last = calendar.monthrange(self.start.year, self.start.month)[1]
        return self.start.day == 1 and self.end == self.start.replace(day=last)

    @property
    def month(self) -> str:
        """ "2026-11" for a calendar month, else ""."""
        return f"{self.start:%Y-%m}" if self.is_month else ""


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(dt.date(year, month, 1), dt.date(year, month, last))


def week_period(day: dt.date) -> Period:
    monday = day - dt.timedelta(days=day.weekday())
    return Period(monday, monday + dt.timedelta(days=6))


# --- shared helpers --------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """What a report computation reads: one project, its current policy and the period."""

    project: Project
    policy: Policy
    period: Period
    now: dt.datetime
    policy_version_id: int | None = None  # the stored version of `policy`, already loaded

    @property
    def start_at(self) -> dt.datetime:
        return self.period.bounds()[0]

    @property
    def end_at(self) -> dt.datetime:
        return self.period.bounds()[1]


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """Local ISO text of a date or time (JSON-ready)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _money(value: Decimal | None) -> str:
    return str((value or ZERO).quantize(Decimal("0.01")))


class LevelLabels:
    """Level code → the Chinese label of the policy version a complaint was received under; the
    versions are loaded once for the whole report."""

    def __init__(self, scope: Scope, version_ids: Iterable[int]) -> None:
        self.current = scope.policy
        ids = sorted(set(version_ids) - {scope.policy_version_id})
        rows = PolicyVersion.objects.filter(pk__in=ids) if ids else []
        self.by_version = {row.pk: policies.policy_of(row) for row in rows}

    def label(self, version_id: int | None, code: str) -> str:
        if not code:
            return ""
        for policy in (self.by_version.get(version_id or 0), self.current):
            if policy is None:
                continue
            try:
                return policy.level(code).label
            except PolicyError:
                continue
        return code

    def order(self) -> list[str]:
        """Labels in the current policy's order, then those only older versions have."""
        labels = [level.label for level in self.current.levels]
        for policy in self.by_version.values():
            labels += [level.label for level in policy.levels if level.label not in labels]
        return labels


def _ordered_counts(counts: Counter[str], order: Iterable[str]) -> list[list[Any]]:
    """[[label, n], …] in `order`, then any other label; zero rows of `order` are kept."""
    seen = list(order)
    rows = [[label, counts.get(label, 0)] for label in seen]
    rows += [[label, n] for label, n in counts.items() if label not in seen]
    return rows


def _most_common(values: Iterable[str]) -> list[list[Any]]:
    """[[value, n], …] most frequent first, empty values left out."""
    counts = Counter(v for v in values if v)
    return [[value, n] for value, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


def _state_counts(states: Iterable[str]) -> list[list[Any]]:
    counts = Counter(states)
    return [[state.value, counts[state.value]] for state in State if counts.get(state.value)]


def _complaint_ct() -> ContentType:
    return ContentType.objects.get_for_model(Complaint)


def _in_period(scope: Scope, field: str) -> Q:
    return Q(**{f"{field}__gte": scope.start_at, f"{field}__lt": scope.end_at})


# --- 1. 投诉处置情况月表 (LH RPT-04, R-COMPLAINT-25/26) ----------------------------------------
def compute_monthly_table(scope: Scope) -> dict[str, Any]:
    """Every complaint received in the period with its handling, totals by level and state, and
    the cost ledger (投诉处理费用台帐) of the period with its sum (R-COMPLAINT-25/26)."""
    cost_total = (
        CostEntry.objects.filter(complaint=OuterRef("pk"))
        .values("complaint")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    sheets = ContactSheet.objects.exclude(state=SheetState.CANCELLED).select_related("department")
    complaints = list(
        Complaint.objects.filter(
            _in_period(scope, "received_at"),
            project=scope.project,
            kind__in=COMPLAINT_KIND_CODES,
        )
        .select_related("unit__building", "department")
        .annotate(cost_total=Subquery(cost_total, output_field=MONEY_FIELD))
        .prefetch_related(Prefetch("sheets", queryset=sheets.order_by("created_at", "id")))
        .order_by("received_at", "id")
    )
    labels = LevelLabels(scope, (c.policy_id for c in complaints))
    rows = []
    for c in complaints:
        departments = [c.department.name] if c.department else []
        for sheet in c.sheets.all():
            if sheet.department.name not in departments:
                departments.append(sheet.department.name)
        rows.append(
            {
                "id": c.pk,
                "number": c.number,
                "received_at": iso(c.received_at),
                "complainant": c.complainant_name,
                "unit": str(c.unit) if c.unit else "",
                "summary": c.subject,
                "level": labels.label(c.policy_id, c.level),
                "department": "、".join(departments),
                "result": c.result or c.outcome_reason,
                "state": c.state,
                "costs": _money(c.cost_total),
            }
        )
    ledger = list(
        CostEntry.objects.filter(
            project=scope.project, spent_on__gte=scope.period.start, spent_on__lte=scope.period.end
        )
        .select_related("complaint", "recorded_by")
        .order_by("spent_on", "id")
    )
    return {
        "rows": rows,
        "total": len(rows),
        "by_level": _ordered_counts(Counter(r["level"] for r in rows), labels.order()),
        "by_state": _state_counts(r["state"] for r in rows),
        "costs": [
            {
                "spent_on": iso(entry.spent_on),
                "number": entry.complaint.number,
                "item": entry.item,
                "amount": _money(entry.amount),
                "borne_by": entry.borne_by,
                "recorded_by": entry.recorded_by.name,
            }
            for entry in ledger
        ],
        "costs_total": _money(sum((e.amount for e in ledger), ZERO)),
    }


# --- 2. contact sheets into 一户一档 (LH RPT-03, R-COMPLAINT-24) ----------------------------------
def compute_household_file(scope: Scope) -> dict[str, Any]:
    """The work contact sheets of the complaints whose handling ended (closed) in the period,
    grouped by household: the unit when known, else the resident, else the complainant."""
    sheets = (
        ContactSheet.objects.filter(
            _in_period(scope, "complaint__closed_at"), project=scope.project
        )
        .exclude(state=SheetState.CANCELLED)
        .select_related("complaint__unit__building", "complaint__resident", "department")
        .order_by("complaint__received_at", "complaint_id", "created_at", "id")
    )
    households: dict[tuple[int, str], dict[str, Any]] = {}
    for sheet in sheets:
        c = sheet.complaint
        if c.unit is not None:
            key, label, has_unit = (0, str(c.unit)), str(c.unit), True
        elif c.resident is not None:
            key, label, has_unit = (1, f"r{c.resident_id}"), c.resident.name, False
        else:
            key, label, has_unit = (1, f"n{c.complainant_name}"), c.complainant_name, False
        group = households.setdefault(
            key, {"household": label, "has_unit": has_unit, "complaints": [], "sheets": []}
        )
        if c.number not in group["complaints"]:
            group["complaints"].append(c.number)
        group["sheets"].append(
            {
                "complaint": c.number,
                "complainant": c.complainant_name,
                "number": sheet.number,
                "department": sheet.department.name,
                "content": sheet.content,
                "deadline": iso(sheet.deadline),
                "feedback": sheet.feedback,
                "fed_back_at": iso(sheet.fed_back_at),
                "state": sheet.state,
                "closed_at": iso(c.closed_at),
            }
        )
    ordered = [
        households[k] for k in sorted(households, key=lambda k: (k[0], households[k]["household"]))
    ]
    return {
        "households": ordered,
        "household_count": len(ordered),
        "complaint_count": sum(len(h["complaints"]) for h in ordered),
        "sheet_count": sum(len(h["sheets"]) for h in ordered),
    }


# --- 3. weekly summary (PCS RPT-07, R-COMPLAINT-51) -----------------------------------------------
def _overdue_at_end(scope: Scope) -> list[dict[str, Any]]:
    """Complaint timers that were overdue and still running at the end of the period."""
    deadlines = list(
        Deadline.objects.filter(
            project=scope.project,
            content_type=_complaint_ct(),
            kind__startswith=TIMER_PREFIX,
            due_at__lt=min(scope.end_at, scope.now),
        )
        .filter(Q(state=DeadlineState.OPEN) | Q(state=DeadlineState.MET, met_at__gte=scope.end_at))
        .select_related("responsible")
        .order_by("due_at", "id")
    )
    numbers = dict(
        Complaint.objects.filter(pk__in=[int(d.object_id) for d in deadlines]).values_list(
            "pk", "number"
        )
    )
    return [
        {
            "complaint_id": int(d.object_id),
            "number": numbers.get(int(d.object_id), ""),
            "label": d.label,
            "responsible": d.responsible.name if d.responsible else "",
            "due_at": iso(d.due_at),
            "state": d.state,
        }
        for d in deadlines
    ]


def compute_weekly_summary(scope: Scope) -> dict[str, Any]:
    """Received, closed and still open (at the end of the period) by kind and by level, and the
    timers overdue at its end (R-COMPLAINT-51)."""
    start, end = scope.start_at, scope.end_at
    rows = list(
        Complaint.objects.filter(project=scope.project, received_at__lt=end)
        .filter(Q(received_at__gte=start) | Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .values_list("kind", "level", "policy_id", "received_at", "closed_at", "state")
    )
    labels = LevelLabels(scope, (r[2] for r in rows))
    terminal = {s.value for s in TERMINAL_STATES}
    by_kind: dict[str, list[int]] = {k.value: [0, 0, 0] for k in Kind}
    by_level: dict[str, list[int]] = {label: [0, 0, 0] for label in labels.order()}
    for kind, level, version, received_at, closed_at, state in rows:
        counts = [
            int(received_at >= start),
            int(closed_at is not None and start <= closed_at < end),
            int(closed_at >= end if closed_at is not None else state not in terminal),
        ]
        for i, n in enumerate(counts):
            by_kind.setdefault(kind, [0, 0, 0])[i] += n
            if kind in COMPLAINT_KIND_CODES and level:
                by_level.setdefault(labels.label(version, level), [0, 0, 0])[i] += n
    totals = [sum(v[i] for v in by_kind.values()) for i in range(3)]
    return {
        "by_kind": [[k, *v] for k, v in by_kind.items()],
        "by_level": [[label, *v] for label, v in by_level.items()],
        "received": totals[0],
        "closed": totals[1],
        "open": totals[2],
        "overdue": _overdue_at_end(scope),
    }


# --- 4. manager revisit quotas (CM RPT-11, R-COMPLAINT-66) --------------------------------------
def compute_revisit_quota(scope: Scope) -> dict[str, Any]:
    """Revisits done in the period by each holder of a quota role (CM: 客户服务中心经理 ≥ 3,
    总物业经理 ≥ 1 per month) against the quota, with the shortfall (`domain.quota_shortfalls`)."""
    quotas = dict(scope.policy.revisit_quotas)
    if not quotas:
        return {"has_quotas": False, "rows": [], "shortfalls": 0}
    members = list(
        Membership.objects.filter(
            project=scope.project,
            is_active=True,
            staff__is_active=True,
            role__code__in=list(quotas),
        )
        .select_related("staff", "role")
        .order_by("role__sort", "staff__name", "staff_id")
    )
    done = dict(
        Revisit.objects.filter(
            _in_period(scope, "at"),
            complaint__project=scope.project,
            by_id__in=[m.staff_id for m in members],
        )
        .values("by_id")
        .annotate(n=Count("id"))
        .values_list("by_id", "n")
    )
    role_names = dict(Role.objects.filter(code__in=list(quotas)).values_list("code", "name"))
    rows = []
    for member in members:
        role = member.role.code
        count = done.get(member.staff_id, 0)
        rows.append(
            {
                "staff": member.staff.name,
                "role": member.role.name,
                "quota": quotas[role],
                "done": count,
                "shortfall": quota_shortfalls(scope.policy, done={role: count}).get(role, 0),
            }
        )
    held = {m.role.code for m in members}
    for role, quota in quotas.items():
        if role not in held:  # nobody holds the role: the whole quota is missing
            rows.append(
                {
                    "staff": "",
                    "role": role_names.get(role, role),
                    "quota": quota,
                    "done": 0,
                    "shortfall": quota_shortfalls(scope.policy, done={}).get(role, 0),
                }
            )
    return {
        "has_quotas": True,
        "rows": rows,
        "shortfalls": sum(1 for r in rows if r["shortfall"] > 0),
    }


# --- 5. 客户服务信息统计分析汇总表 (CM RPT-10, R-COMPLAINT-52/68) --------------------------------
def _satisfaction(scope: Scope) -> dict[str, Any]:
    counts = dict(
        Revisit.objects.filter(_in_period(scope, "at"), complaint__project=scope.project)
        .values("satisfaction")
        .annotate(n=Count("id"))
        .values_list("satisfaction", "n")
    )
    total = sum(counts.values())
    satisfied = counts.get(Satisfaction.SATISFIED, 0) + counts.get(Satisfaction.FAIRLY, 0)
    rate = None
    if total:
        rate = str((Decimal(satisfied * 100) / total).quantize(Decimal("0.1")))
    return {
        "rows": [[s.value, counts.get(s.value, 0)] for s in Satisfaction],
        "total": total,
        "rate": rate,
    }


def compute_service_summary(scope: Scope) -> dict[str, Any]:
    """Everything received in the period counted by kind (咨询/服务/意见/投诉/表扬/特约服务), by
    channel, complaints by nature (有效/无效/重大, R-COMPLAINT-57 on the unified severity of
    R-COMPLAINT-89) and by responsible department, and the satisfaction rate of the period's
    revisits (satisfied or fairly satisfied over all revisits)."""
    groups = (
        Complaint.objects.filter(_in_period(scope, "received_at"), project=scope.project)
        .values("kind", "channel", "severity", "department__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    kinds: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    departments: Counter[str] = Counter()
    nature = {"total": 0, "valid": 0, "invalid": 0, "major": 0, "internal": 0}
    for group in groups:
        n = group["n"]
        kinds[group["kind"]] += n
        channels[group["channel"]] += n
        if group["kind"] not in COMPLAINT_KIND_CODES:
            continue
        severity = group["severity"]
        departments[group["department__name"] or ""] += n
        nature["total"] += n
        nature["valid"] += n if severity >= SEVERITY_GENERAL else 0
        nature["invalid"] += n if severity == SEVERITY_NOT_ACCEPTED else 0
        nature["major"] += n if severity >= SEVERITY_MAJOR else 0
        nature["internal"] += n if severity == SEVERITY_INTERNAL else 0
    return {
        "total": sum(kinds.values()),
        "by_kind": [[k.value, kinds.get(k.value, 0)] for k in Kind],
        "by_channel": [[c, n] for c, n in sorted(channels.items(), key=lambda i: (-i[1], i[0]))],
        "nature": nature,
        "by_department": [
            [name, n] for name, n in sorted(departments.items(), key=lambda i: (-i[1], i[0]))
        ],
        "satisfaction": _satisfaction(scope),
    }


# --- 6. SO monthly statistics (RPT-12, R-COMPLAINT-78/79/80) --------------------------------------
def compute_sales_office_statistics(scope: Scope) -> dict[str, Any]:
    """Complaints received in the period by level (重大/重要/轻微/内部), by complained role and
    department, with their cause analysis and corrective action (R-COMPLAINT-78), and the
    penalties issued in the period (R-COMPLAINT-79)."""
    complaints = list(
        Complaint.objects.filter(
            _in_period(scope, "received_at"), project=scope.project, kind__in=COMPLAINT_KIND_CODES
        )
        .select_related("target_department", "target_staff")
        .order_by("received_at", "id")
    )
    labels = LevelLabels(scope, (c.policy_id for c in complaints))
    role_codes = {c.target_role for c in complaints if c.target_role}
    penalties = list(
        PenaltyRecord.objects.filter(_in_period(scope, "decided_at"), project=scope.project)
        .select_related("staff", "decided_by", "complaint")
        .order_by("decided_at", "id")
    )
    role_codes |= {p.complaint.target_role for p in penalties if p.complaint.target_role}
    role_names = dict(Role.objects.filter(code__in=role_codes).values_list("code", "name"))
    version_labels = LevelLabels(scope, (p.complaint.policy_id for p in penalties))
    rows = [
        {
            "id": c.pk,
            "number": c.number,
            "received_at": iso(c.received_at),
            "level": labels.label(c.policy_id, c.level),
            "target_role": role_names.get(c.target_role, c.target_role),
            "target_department": c.target_department.name if c.target_department else "",
            "target_staff": c.target_staff.name if c.target_staff else "",
            "summary": c.subject,
            "state": c.state,
            "cause_analysis": c.cause_analysis,
            "corrective_action": c.corrective_action,
        }
        for c in complaints
    ]
    penalty_rows = [
        {
            "decided_at": iso(p.decided_at),
            "staff": p.staff.name,
            "penalty": p.penalty,
            "number": p.complaint.number,
            "level": version_labels.label(p.complaint.policy_id, p.complaint.level),
            "decided_by": p.decided_by.name,
            "note": p.note,
        }
        for p in penalties
    ]
    return {
        "rows": rows,
        "total": len(rows),
        "by_level": _ordered_counts(Counter(r["level"] for r in rows), labels.order()),
        "by_target_role": _most_common(r["target_role"] for r in rows),
        "by_target_department": _most_common(r["target_department"] for r in rows),
        "penalties": penalty_rows,
        "by_penalty": _most_common(p["penalty"] for p in penalty_rows),
    }


# --- 7. SLA breaches (R-COMPLAINT-91) ---------------------------------------------------------------
def compute_sla_breaches(scope: Scope) -> dict[str, Any]:
    """Complaint timers flagged overdue in the period (the deadline sweep's `overdue_at`): which
    timer, whose, due when, overdue by how long, met late or still open; and per timer the
    breach rate of the timers that fell due in the period."""
    base = Deadline.objects.filter(
        project=scope.project, content_type=_complaint_ct(), kind__startswith=TIMER_PREFIX
    )
    flagged = list(
        base.filter(_in_period(scope, "overdue_at"))
        .select_related("responsible")
        .order_by("overdue_at", "id")
    )
    numbers = dict(
        Complaint.objects.filter(pk__in=[int(d.object_id) for d in flagged]).values_list(
            "pk", "number"
        )
    )
    rows = []
    for d in flagged:
        if d.state == DeadlineState.MET and d.met_at is not None:
            late = d.met_at - d.due_at
        elif d.state == DeadlineState.OPEN:
            late = scope.now - d.due_at
        else:
            late = None
        rows.append(
            {
                "timer": d.kind.removeprefix(TIMER_PREFIX),
                "label": d.label,
                "complaint_id": int(d.object_id),
                "number": numbers.get(int(d.object_id), ""),
                "responsible": d.responsible.name if d.responsible else "",
                "due_at": iso(d.due_at),
                "overdue_at": iso(d.overdue_at),
                "met_at": iso(d.met_at),
                "state": d.state,
                "late_minutes": max(int(late.total_seconds() // 60), 0) if late else None,
            }
        )
    breached = (
        Q(overdue_at__isnull=False)
        | Q(met_at__gt=F("due_at"))
        | Q(state=DeadlineState.OPEN, due_at__lt=scope.now)
    )
    per_kind = (
        base.filter(_in_period(scope, "due_at"))
        .exclude(state=DeadlineState.CANCELLED, overdue_at__isnull=True)
        .values("kind")
        .annotate(due=Count("id"), breached=Count("id", filter=breached), label=Max("label"))
        .order_by("kind")
    )
    by_timer = []
    for row in per_kind:
        rate = (Decimal(row["breached"] * 100) / row["due"]).quantize(Decimal("0.1"))
        by_timer.append(
            {
                "timer": row["kind"].removeprefix(TIMER_PREFIX),
                "label": row["label"],
                "due": row["due"],
                "breached": row["breached"],
                "rate": str(rate),
            }
        )
    return {
        "rows": rows,
        "total": len(rows),
        "still_open": sum(1 for r in rows if r["state"] == DeadlineState.OPEN),
        "by_timer": by_timer,
    }
