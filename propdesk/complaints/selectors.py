"""Read-side queries of complaints: lists with filters, the "my work" queue, a department's
contact-sheet inbox and the detail bundle. Each runs a bounded number of queries whatever the
row count (the nearest open deadline is annotated, not fetched per row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from propdesk.complaints.domain import SEVERITY_LABELS, PolicyError, Slot
from propdesk.complaints.models import (
    OPEN_SHEET_STATES,
    Complaint,
    ContactSheet,
    CostEntry,
    LetterSignature,
    PenaltyRecord,
    PolicyVersion,
    ReplyLetter,
    Revisit,
)
from propdesk.complaints.services import actions as complaint_actions
from propdesk.complaints.services import engine, policies
from propdesk.complaints.workflows import OPEN_STATES, AllowedAction
from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.models import Deadline, Membership, Staff, TimelineEvent
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.services.deadlines import deadlines_of
from propdesk.core.services.timeline import timeline_of

DUE_SOON = dt.timedelta(hours=4)  # UI.md: amber when due within the next hours


def _open_deadlines() -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint), state=DeadlineState.OPEN
    )


def with_next_due(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate `next_due_at`, the due time of the nearest open timer, which the queues sort
    and filter by. Its label and overdue flag are read for the rows shown only
    (`attach_next_due`): two more correlated lookups per candidate row cost more than one
    query for a page."""
    nearest = (
        _open_deadlines()
        .filter(object_id=Cast(OuterRef("pk"), output_field=CharField()))
        .order_by("due_at", "id")
    )
    return queryset.annotate(next_due_at=Subquery(nearest.values("due_at")[:1]))


def attach_next_due(complaints: Iterable[Complaint]) -> list[Complaint]:
    """Set `next_due_at` / `next_due_label` / `next_due_overdue` (the overdue mark, or None) on
    the rows of a page from their nearest open timer: one query whatever the page size."""
    rows = list(complaints)
    by_id = {str(c.pk): c for c in rows}
    nearest: dict[str, tuple[Any, str, Any]] = {}
    if by_id:
        timers = (
            _open_deadlines()
            .filter(object_id__in=list(by_id))
            .order_by("due_at", "id")
            .values_list("object_id", "due_at", "label", "overdue_at")
        )
        for object_id, due_at, label, overdue_at in timers:
            nearest.setdefault(object_id, (due_at, label, overdue_at))
    for key, complaint in by_id.items():
        complaint.next_due_at, complaint.next_due_label, complaint.next_due_overdue = nearest.get(
            key, (None, "", None)
        )
    return rows


# What a list row shows (queue page, list APIs, Excel export): a row loads none of the text
# bodies and JSON fields it does not display, nor the project (the page knows it).
LIST_COLUMNS = (
    "id",
    "project_id",
    "number",
    "kind",
    "channel",
    "state",
    "level",
    "severity",
    "complainant_name",
    "phone",
    "subject",
    "received_at",
    "version",
    "handler__name",
    "unit__number",
    "unit__building__name",
    "policy__created_at",
)
LIST_RELATED = ("handler", "unit", "unit__building", "policy")


def _list_rows(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return queryset.select_related(*LIST_RELATED).only(*LIST_COLUMNS)


@dataclass(frozen=True)
class ComplaintFilters:
    project: int | None = None
    q: str = ""
    state: str = ""
    kind: str = ""
    level: str = ""
    channel: str = ""
    handler: int | None = None
    open_only: bool = False
    overdue_only: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None


def list_complaints(
    actor: Staff, filters: ComplaintFilters | None = None, *, mine: bool = False
) -> QuerySet[Complaint]:
    """Complaints of the actor's projects, newest first, with their nearest open timer; with
    `mine`, only the actor's own and those waiting on the actor's department (`mine_q`)."""
    f = filters or ComplaintFilters()
    # conditions collected and applied with one filter(): each filter() clones the query
    where: list[Q] = [Q(project_id__in=access.project_ids(actor, P.VIEW_COMPLAINTS))]
    if f.project is not None:
        where.append(Q(project_id=f.project))
    if f.q:
        term = f.q.strip()
        where.append(
            Q(number__icontains=term)
            | Q(subject__icontains=term)
            | Q(complainant_name__icontains=term)
            | Q(phone__endswith=term)
            | Q(resident__name_initials__istartswith=term)
            | Q(unit__number__icontains=term)
        )
    for name in ("state", "kind", "level", "channel"):
        value = getattr(f, name)
        if value:
            where.append(Q(**{name: value}))
    if f.handler is not None:
        where.append(Q(handler_id=f.handler))
    if f.open_only or mine:
        where.append(Q(state__in=[str(s) for s in OPEN_STATES]))
    if f.received_from is not None:
        where.append(Q(received_at__date__gte=f.received_from))
    if f.received_to is not None:
        where.append(Q(received_at__date__lte=f.received_to))
    if mine:
        where.append(mine_q(actor))
    qs = with_next_due(Complaint.objects.filter(*where))
    if f.overdue_only:
        qs = qs.filter(next_due_at__lt=timezone.now())
    return _list_rows(qs).order_by("-received_at", "-id")


def mine_q(actor: Staff) -> Q:
    """The complaints on the actor's desk: those the actor handles, plus those waiting on a
    contact sheet of the actor's department. A subquery, not a join on the sheets: no
    DISTINCT, so counting the queue is a plain COUNT(*) without the timer annotations."""
    departments = Membership.objects.filter(
        staff=actor, is_active=True, department__isnull=False
    ).values("department_id")
    waiting = ContactSheet.objects.filter(
        department_id__in=departments, state__in=OPEN_SHEET_STATES
    ).values("complaint_id")
    return Q(handler=actor) | Q(pk__in=waiting)


def my_queue(actor: Staff, *, project: int | None = None) -> QuerySet[Complaint]:
    """ "My work": open complaints the actor handles or received, plus those waiting on the
    actor's department, nearest due first (no due time last)."""
    return list_complaints(actor, ComplaintFilters(project=project), mine=True).order_by(
        "next_due_at", "-received_at"
    )


def department_inbox(actor: Staff, *, project: int | None = None) -> QuerySet[ContactSheet]:
    """Open contact sheets addressed to the actor's departments (R-COMPLAINT-20/21/44)."""
    departments = Membership.objects.filter(
        staff=actor, is_active=True, department__isnull=False
    ).values("department_id")
    qs = access.scope(actor, ContactSheet.objects.all(), P.VIEW_COMPLAINTS).filter(
        department_id__in=departments, state__in=OPEN_SHEET_STATES
    )
    if project is not None:
        qs = qs.filter(project_id=project)
    return qs.select_related("complaint", "department", "requested_by").order_by(
        "deadline", "issued_at"
    )


def get_complaint(actor: Staff, complaint_id: Any) -> Complaint:
    """One complaint of the actor's projects, else NotFound."""
    return access.get_for(
        actor,
        Complaint.objects.select_related(
            "project",
            "policy",
            "handler",
            "department",
            "received_by",
            "resident",
            "unit",
            "unit__building",
            "target_department",
            "linked",
            "group",
        ),
        complaint_id,
        P.VIEW_COMPLAINTS,
    )


def due_state(due_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "overdue", "soon" or "" for the colour of a due time (UI.md)."""
    if due_at is None:
        return ""
    now = now or timezone.now()
    if due_at <= now:
        return "overdue"
    if due_at - now <= DUE_SOON:
        return "soon"
    return ""


# --- the detail bundle (complaint page, GET /api/v1/complaints/{id}) ----------------------------
# R-COMPLAINT-06: while promises are frozen, only these slots see what was promised.
PROMISE_SLOTS = frozenset({Slot.MANAGER, Slot.EXECUTIVE})
PROMISE_EVENTS = frozenset({"complaint.promise_recorded"})
PROMISE_TIMERS = frozenset({"complaint.promised_reply"})


@dataclass
class ComplaintDetail:
    """Everything the complaint page shows: the allowed actions (the workflow table for this
    actor, with the reason a disabled one is disabled), the timers with their explanations, the
    timeline and the records around the complaint. Attributes not listed here are read from the
    complaint itself, so a schema or template can treat the bundle as the complaint.

    While promises are frozen (R-COMPLAINT-06) and the viewer holds neither the manager's nor the
    executive's slot, `agreed_deadline`, the promise events' notes and the promised-reply timer
    are withheld (`promise_hidden`)."""

    complaint: Complaint
    actions: list[AllowedAction]
    deadlines: list[Deadline]
    events: list[TimelineEvent]
    sheets: list[ContactSheet]
    revisits: list[Revisit]
    letters: list[ReplyLetter]
    costs: list[CostEntry]
    penalties: list[PenaltyRecord]
    letter_cosigners: tuple[Slot, ...]
    promise_frozen: bool
    promise_hidden: bool

    def __getattr__(self, name: str) -> Any:
        if name == "complaint":  # not set yet (copy, pickle): no endless recursion
            raise AttributeError(name)
        return getattr(self.complaint, name)

    @property
    def agreed_deadline(self) -> dt.datetime | None:
        return None if self.promise_hidden else self.complaint.agreed_deadline

    @property
    def next_deadline(self) -> Deadline | None:
        return next((d for d in self.deadlines if d.state == DeadlineState.OPEN), None)


def get_complaint_detail(actor: Staff, complaint_id: Any) -> ComplaintDetail:
    """One complaint of the actor's projects with its page data (NotFound across projects); a
    fixed number of queries whatever the number of events, sheets or letters."""
    complaint = get_complaint(actor, complaint_id)
    policy = engine.policy_for(complaint)
    frozen = complaint_actions.frozen_for(complaint)
    hidden = frozen and not (engine.slots_of(actor, complaint, policy) & PROMISE_SLOTS)
    events = list(timeline_of(complaint))
    deadlines = list(deadlines_of(complaint))
    if hidden:
        deadlines = [d for d in deadlines if d.kind not in PROMISE_TIMERS]
        for event in events:  # display copies, never saved
            if event.action in PROMISE_EVENTS:
                event.note, event.data = "", {}
    letters = complaint.letters.select_related("drafted_by").prefetch_related(
        Prefetch("signatures", queryset=LetterSignature.objects.select_related("staff"))
    )
    return ComplaintDetail(
        complaint=complaint,
        actions=engine.actions_for(actor, complaint),
        deadlines=deadlines,
        events=events,
        sheets=list(
            complaint.sheets.select_related("department", "requested_by").order_by(
                "created_at", "id"
            )
        ),
        revisits=list(complaint.revisits.select_related("by")),
        letters=list(letters),
        costs=list(complaint.costs.select_related("recorded_by")),
        penalties=list(complaint.penalties.select_related("staff", "decided_by")),
        letter_cosigners=tuple(policy.letter_cosign),
        promise_frozen=frozen,
        promise_hidden=hidden,
    )


# --- policies of a project ---------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyOverview:
    """The policy a project runs (R-COMPLAINT-87) and every stored version of its company."""

    project_id: int
    code: str
    count_working_hours: bool
    current_version_id: int | None
    versions: list[PolicyVersion]


def policy_overview(actor: Staff, project_id: Any) -> PolicyOverview:
    """The project's policy settings and the company's policy versions, newest first per code."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINTS)
    versions = policies.list_versions(actor=actor, project_id=project.pk)
    settings = policies.project_settings(project)
    current = max(
        (v for v in versions if v.code == settings.code), key=lambda v: v.version, default=None
    )
    return PolicyOverview(
        project_id=project.pk,
        code=settings.code,
        count_working_hours=settings.count_working_hours,
        current_version_id=current.pk if current else None,
        versions=versions,
    )


# --- web pages: the queue's tabs, level labels, the manager dashboard ---------------------------
QUEUE_TABS = ("mine", "open", "overdue", "all")


def complaint_queue(
    actor: Staff, *, project: int, tab: str = "mine", filters: ComplaintFilters | None = None
) -> QuerySet[Complaint]:
    """The rows of the complaints page (UI.md "工作台"): `mine` is `my_queue`, `open` and
    `overdue` the project's open complaints, `all` every complaint; the search and the filters
    apply to each tab. Open tabs sort by the nearest due time (no timer last), `all` by receipt,
    newest first. One query per page whatever the table size (the due time is annotated)."""
    f = filters or ComplaintFilters()
    f = ComplaintFilters(
        project=project,
        q=f.q,
        state=f.state,
        kind=f.kind,
        level=f.level,
        open_only=tab in ("open", "overdue"),
        overdue_only=tab == "overdue",
    )
    qs = list_complaints(actor, f, mine=tab == "mine")
    if tab == "all":
        return qs
    return qs.order_by(F("next_due_at").asc(nulls_last=True), "-received_at", "-id")


# Level labels per stored policy version, kept for the life of the process: a version never
# changes once stored (R-COMPLAINT-87). The key carries `created_at` so that a test database,
# which may hand out a rolled-back id again, never reads another version's labels.
_LEVEL_LABELS: dict[tuple[int, Any], dict[str, str]] = {}
_LEVEL_LABELS_MAX = 512


def _labels_of(row: PolicyVersion) -> dict[str, str]:
    try:
        levels = policies.policy_of(row).levels
    except PolicyError:  # a version that no longer parses shows its codes
        levels = ()
    return {level.code: level.label for level in levels}


def level_labels(versions: Iterable[PolicyVersion]) -> dict[int, dict[str, str]]:
    """{policy version id: {level code: label}} for the versions of a page of complaints (the
    rows' `policy`, selected with the page, its JSON body may be deferred). At most one query,
    none once the process has seen the versions."""
    rows = {row.pk: row for row in versions}
    labels = {}
    missing = []
    for pk, row in rows.items():
        key = (pk, row.created_at)
        if key not in _LEVEL_LABELS:
            if "data" in row.get_deferred_fields():
                missing.append(pk)
                continue
            _remember(key, _labels_of(row))
        labels[pk] = _LEVEL_LABELS[key]
    if missing:
        for row in PolicyVersion.objects.filter(pk__in=missing).only("id", "created_at", "data"):
            labels[row.pk] = _remember((row.pk, row.created_at), _labels_of(row))
    return labels


def _remember(key: tuple[int, Any], labels: dict[str, str]) -> dict[str, str]:
    if len(_LEVEL_LABELS) >= _LEVEL_LABELS_MAX:
        _LEVEL_LABELS.clear()
    _LEVEL_LABELS[key] = labels
    return labels


def ids_by_number(actor: Staff, project_id: int, numbers: Iterable[str]) -> list[int]:
    """Ids of the project's complaints with these numbers (for linking a group issue)."""
    wanted = [str(n).strip() for n in numbers if str(n).strip()]
    qs = access.scope(actor, Complaint.objects.all(), P.VIEW_COMPLAINTS).filter(
        project_id=project_id, number__in=wanted
    )
    return list(qs.values_list("pk", flat=True))


# Open complaints by age (UI.md "Reports": counts by level and age).
AGE_BUCKETS: tuple[tuple[str, dt.timedelta | None], ...] = (
    ("lt1d", dt.timedelta(days=1)),
    ("d1to3", dt.timedelta(days=3)),
    ("d3to7", dt.timedelta(days=7)),
    ("gt7d", None),
)
TREND_WEEKS = 8
BREACH_LIMIT = 50


@dataclass(frozen=True)
class LevelAgeRow:
    level: str
    label: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Breach:
    """An overdue open timer of a complaint (SLA breach)."""

    deadline: Deadline
    complaint: Complaint | None


@dataclass(frozen=True)
class WeekCount:
    start: dt.date
    received: int
    closed: int


@dataclass
class Dashboard:
    """The manager's dashboard (issue 3 "Interfaces"): open complaints by level and age, the
    overdue timers, and received / closed per week for the last eight weeks."""

    now: dt.datetime
    rows: list[LevelAgeRow]
    totals: list[int]
    breaches: list[Breach]
    breach_count: int
    weeks: list[WeekCount]

    @property
    def open_total(self) -> int:
        return sum(self.totals)

    @property
    def week_max(self) -> int:
        return max([1, *(max(w.received, w.closed) for w in self.weeks)])


def complaint_dashboard(
    actor: Staff, project_id: Any, *, now: dt.datetime | None = None
) -> Dashboard:
    """Figures of the manager dashboard for one project (needs complaints.report); a fixed
    number of queries (counts are aggregated in the database)."""
    project = access.get_project_for(actor, project_id, P.VIEW_COMPLAINT_REPORTS)
    now = now or timezone.now()
    open_states = [str(s) for s in OPEN_STATES]
    # counts by level and age bucket, one grouped query
    aggregates: dict[str, Any] = {}
    newer = None
    for key, age in AGE_BUCKETS:
        cond = Q()
        if age is not None:
            cond &= Q(received_at__gt=now - age)
        if newer is not None:
            cond &= Q(received_at__lte=now - newer)
        aggregates[key] = Count("id", filter=cond)
        newer = age
    grouped = {
        row["level"]: [row[key] for key, _age in AGE_BUCKETS]
        for row in Complaint.objects.filter(project=project, state__in=open_states)
        .values("level")
        .annotate(**aggregates)
        .order_by()
    }
    try:
        policy = policies.policy_of(policies.current_version(project))
        known = [(level.code, level.label) for level in policy.levels]
    except PolicyError:
        known = []
    order = [(code, label) for code, label in known if code in grouped]
    order += [(code, code) for code in sorted(c for c in grouped if c) if code not in dict(known)]
    if "" in grouped:
        order.append(("", SEVERITY_LABELS[0]))
    rows = [LevelAgeRow(level=code, label=label, counts=grouped[code]) for code, label in order]
    totals = [sum(r.counts[i] for r in rows) for i in range(len(AGE_BUCKETS))]
    # overdue open timers, oldest breach first
    overdue = Deadline.objects.filter(
        project=project,
        content_type=ContentType.objects.get_for_model(Complaint),
        state=DeadlineState.OPEN,
        due_at__lt=now,
    )
    breach_count = overdue.count()
    deadlines = list(overdue.select_related("responsible").order_by("due_at", "id")[:BREACH_LIMIT])
    ids = {int(d.object_id) for d in deadlines if d.object_id.isdigit()}
    by_id = {
        c.pk: c
        for c in Complaint.objects.filter(pk__in=ids).only("id", "number", "subject", "state")
    }
    breaches = [
        Breach(d, by_id.get(int(d.object_id)) if d.object_id.isdigit() else None) for d in deadlines
    ]
    # received and closed per week (Monday to Sunday, local time), one query
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=today.weekday() + 7 * (TREND_WEEKS - 1))
    starts = [first + dt.timedelta(weeks=i) for i in range(TREND_WEEKS)]
    bounds = [_local_midnight(day) for day in [*starts, starts[-1] + dt.timedelta(weeks=1)]]
    weekly: dict[str, Any] = {}
    for i in range(TREND_WEEKS):
        low, high = bounds[i], bounds[i + 1]
        weekly[f"r{i}"] = Count("id", filter=Q(received_at__gte=low, received_at__lt=high))
        weekly[f"c{i}"] = Count("id", filter=Q(closed_at__gte=low, closed_at__lt=high))
    figures = Complaint.objects.filter(
        Q(received_at__gte=bounds[0]) | Q(closed_at__gte=bounds[0]), project=project
    ).aggregate(**weekly)
    weeks = [
        WeekCount(start=starts[i], received=figures[f"r{i}"] or 0, closed=figures[f"c{i}"] or 0)
        for i in range(TREND_WEEKS)
    ]
    return Dashboard(
        now=now,
        rows=rows,
        totals=totals,
        breaches=breaches,
        breach_count=breach_count,
        weeks=weeks,
    )


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
