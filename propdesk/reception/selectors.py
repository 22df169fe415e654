"""Read queries of the sales-centre floor: a post's screen (incoming calls, what to do next per
visit, one-tap calls), visits, the call log and response-time statistics per post, the VIP room
board. Every query is scoped through `propdesk.core.access` and costs a fixed number of queries
whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import NotFound
from propdesk.core.models import Post, Project, Staff
from propdesk.reception.domain.duties import Duty, duties
from propdesk.reception.domain.radio import (
    BROADCAST,
    POST_NAMES,
    RADIO_NAMES,
    SLOTS,
    TEMPLATE_LIST,
    TEMPLATES,
    CallState,
    ResponseStats,
    Template,
    response_stats_by_post,
    templates_for,
)
from propdesk.reception.domain.visits import ACTION_LABELS, STAGE_LABELS, Stage, effects
from propdesk.reception.models import CallAck, IntercomCall, VipRoom, Visit, VisitStage
from propdesk.reception.services.common import posts_of, radio_settings, site_script, snapshot
from propdesk.reception.services.dispatch import payload

# Slots the system always fills: the caller's own post and name (R-RADIO-01) and the callee.
SYSTEM_SLOTS = frozenset({"caller_post", "callee_post", "caller_name"})
RECENT = dt.timedelta(hours=12)  # calls older than this no longer wait on a screen
# Calls that go with a visit's step or need the visit: they are the duty buttons, not the panel.
VISIT_CALLS = frozenset(
    {
        "arrival_broadcast",
        "capacity_query",
        "walk_in_on_way",
        "appointment_arrived",
        "vip_room_request",
        "vip_room_ready",
        "vip_departure",
        "see_off",
        "taxi_request",
        "taxi_arrived",
    }
)


def _visits_with_steps() -> QuerySet[Visit]:
    return Visit.objects.select_related("salesperson", "room").prefetch_related(
        Prefetch("steps", queryset=VisitStage.objects.order_by("at", "id"))
    )


# --- visits -------------------------------------------------------------------------------
@dataclass(frozen=True)
class VisitFilters:
    project: int | None = None
    day: dt.date | None = None
    stage: str = ""
    mode: str = ""
    open_only: bool = False
    q: str = ""


def list_visits(actor: Staff, filters: VisitFilters | None = None) -> QuerySet[Visit]:
    """Visits of the actor's projects, newest first (3 queries with their steps)."""
    f = filters or VisitFilters()
    qs = access.scope(actor, _visits_with_steps(), P.VIEW_RECEPTION)
    if f.project is not None:
        qs = qs.filter(project_id=f.project)
    if f.day is not None:
        qs = qs.filter(day=f.day)
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.mode:
        qs = qs.filter(mode=f.mode)
    if f.open_only:
        qs = qs.exclude(stage=Stage.DEPARTED)
    if f.q:
        qs = qs.filter(Q(number__icontains=f.q) | Q(client_name__icontains=f.q))
    return qs.order_by("-created_at", "-id")


def get_visit_for(actor: Staff, visit_id: Any) -> Visit:
    return access.get_for(actor, _visits_with_steps(), visit_id, P.VIEW_RECEPTION)


def calls_of_visit(visit: Visit) -> list[IntercomCall]:
    return list(
        IntercomCall.objects.filter(visit=visit)
        .select_related("acknowledged_by")
        .order_by("sent_at", "id")
    )


# --- a post's screen ----------------------------------------------------------------------
@dataclass
class SlotInput:
    key: str
    label: str
    value: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CallButton:
    """A one-tap call: the template, the slots the system filled (hidden) and the few the
    caller still types (`inputs`)."""

    template: Template
    visit_id: int | None
    filled: dict[str, str]
    inputs: list[SlotInput]


@dataclass
class DutyView:
    duty: Duty
    actions: list[tuple[str, str]]  # (action, label)
    call: CallButton | None
    also_calls: list[str] = field(default_factory=list)  # titles of the calls the step sends
    sent_by_step: bool = False  # the duty's call goes out with a step button of this screen


@dataclass
class VisitCard:
    visit: Visit
    stage_label: str
    duties: list[DutyView]


@dataclass
class PostScreen:
    project: Project
    post: str
    post_name: str
    radio_name: str
    holds_post: bool
    incoming: list[dict[str, Any]]
    to_finish: list[dict[str, Any]]
    sent: list[dict[str, Any]]
    visits: list[VisitCard]
    calls: list[CallButton]
    expected: list[Visit]
    ack_timeout: int


def _inputs(template: Template, filled: Mapping[str, Any], post: str) -> list[SlotInput]:
    needed = [k for k in template.required if k not in SYSTEM_SLOTS and k not in filled]
    inputs = []
    if len(template.callees) > 1 and BROADCAST not in template.callees:
        choices = [(str(p), POST_NAMES[p]) for p in TEMPLATE_ORDER if p != post]
        inputs.append(SlotInput("callee_post", SLOTS["callee_post"].label, choices=choices))
    for key in needed:
        value = ""
        if key == "salutation":
            choices = [("先生", "先生"), ("小姐", "小姐"), ("女士", "女士")]
            inputs.append(SlotInput(key, SLOTS[key].label, "先生", choices))
            continue
        if key == "mode":
            choices = [("walk_in", "非预约"), ("appointment", "预约")]
            inputs.append(SlotInput(key, SLOTS[key].label, "walk_in", choices))
            continue
        inputs.append(SlotInput(key, SLOTS[key].label, value))
    return inputs


TEMPLATE_ORDER = [p for p in POST_NAMES if p not in (BROADCAST, "SYSTEM")]


def _button(
    template_key: str, post: str, visit_id: int | None, slots: Mapping[str, Any]
) -> CallButton:
    template = TEMPLATES[template_key]
    filled = {
        k: str(v) for k, v in slots.items() if k in template.required and k not in SYSTEM_SLOTS
    }
    return CallButton(template, visit_id, filled, _inputs(template, filled, post))


def floor_visits(project_id: int, today: dt.date) -> list[Visit]:
    """Today's visits still on the floor, and earlier ones whose room still waits for cleaning."""
    return list(
        _visits_with_steps()
        .select_related("current_room")
        .filter(project_id=project_id)
        .filter((Q(day=today) & ~Q(stage=Stage.DEPARTED)) | Q(current_room__isnull=False))
        .order_by("created_at", "id")
    )


def _pending(project_id: int, post: str, since: dt.datetime) -> list[IntercomCall]:
    return list(
        IntercomCall.objects.filter(project_id=project_id, sent_at__gte=since)
        .exclude(state=CallState.DONE)
        .filter(screens__contains=f",{post},")
        .select_related("project")
        .prefetch_related(Prefetch("acks", queryset=CallAck.objects.only("call_id", "post")))
        .order_by("sent_at", "id")
    )


def post_screen(
    actor: Staff, project_id: int, post: str, *, now: dt.datetime | None = None
) -> PostScreen:
    """Everything one post's screen shows (a fixed number of queries): calls waiting for its 收到,
    calls it acknowledged and must still finish, its own recent calls, and per visit on the
    floor only what this post must do next with the standard phrase (`domain.duties`)."""
    project = access.get_project_for(actor, project_id, P.VIEW_RECEPTION)
    code = str(post).upper()
    if not Post.objects.filter(project=project, code=code).exists():
        raise NotFound()
    at = now or timezone.now()
    since = at - RECENT
    incoming, to_finish = [], []
    for call in _pending(project.pk, code, since):
        acked = [a.post for a in call.acks.all()]
        data = payload(call, acked_posts=acked)
        if code not in acked and (call.acknowledged_at is None or call.callee_post == BROADCAST):
            incoming.append(data)
        elif call.state == CallState.ACKNOWLEDGED and code in data["completers"]:
            to_finish.append(data)
    sent = [
        payload(call)
        for call in IntercomCall.objects.filter(
            project=project, caller_post=code, sent_at__gte=since
        )
        .select_related("project")
        .order_by("-sent_at", "-id")[:8]
    ]
    script = site_script(project)
    asked = {c["visit"] for c in incoming if c["template"] == "capacity_query"}
    cards: list[VisitCard] = []
    expected: list[Visit] = []
    today = timezone.localdate(at)
    for visit in floor_visits(project.pk, today):
        snap = snapshot(visit)
        cleaned = visit.stage == Stage.DEPARTED and not _holds_room(visit)
        found = duties(snap, code, script, room_cleaned=cleaned)
        if not found:
            continue
        if visit.stage == Stage.EXPECTED:
            expected.append(visit)
        # The capacity question already waits on this screen with its two answers.
        found = tuple(d for d in found if not (d.replies and visit.pk in asked))
        if not found:
            continue
        # Calls a step button of this screen sends by itself (e.g. the arrival broadcast goes
        # with "指引去停车场"): shown as part of the step, never as a second button.
        by_step = {
            action: [t for t in effects(snap, action).calls if code in TEMPLATES[t].callers]
            for d in found
            for action in d.actions
        }
        sent_with_steps = {t for templates in by_step.values() for t in templates}
        views = [
            DutyView(
                duty=d,
                actions=[(a, ACTION_LABELS.get(a, a)) for a in d.actions],
                call=(
                    _button(d.call, code, visit.pk, d.call_slots)
                    if d.call and not d.actions and d.call not in sent_with_steps
                    else None
                ),
                also_calls=[TEMPLATES[t].title for a in d.actions for t in by_step[a]],
                sent_by_step=bool(d.call) and not d.actions and d.call in sent_with_steps,
            )
            for d in found
        ]
        cards.append(VisitCard(visit, STAGE_LABELS[Stage(visit.stage)], views))
    buttons = [
        _button(t.key, code, None, {}) for t in templates_for(code) if t.key not in VISIT_CALLS
    ]
    return PostScreen(
        project=project,
        post=code,
        post_name=POST_NAMES.get(code, code),
        radio_name=RADIO_NAMES.get(code, code),
        holds_post=code in posts_of(actor, project.pk)
        or access.has_perm(actor, project.pk, P.SUPERVISE_RECEPTION),
        incoming=incoming,
        to_finish=to_finish,
        sent=sent,
        visits=cards,
        calls=buttons,
        expected=expected,
        ack_timeout=int(radio_settings(project).ack_timeout.total_seconds()),
    )


def _holds_room(visit: Visit) -> bool:
    try:
        return visit.current_room is not None
    except VipRoom.DoesNotExist:
        return False


def post_choices(actor: Staff, project_id: int) -> list[dict[str, Any]]:
    """The project's posts for the picker, the actor's own first."""
    project = access.get_project_for(actor, project_id, P.VIEW_RECEPTION)
    mine = posts_of(actor, project.pk)
    posts = list(Post.objects.filter(project=project).order_by("sort", "code"))
    rows = [{"code": p.code, "name": p.name, "duty": p.duty, "mine": p.code in mine} for p in posts]
    return sorted(rows, key=lambda r: not r["mine"])


# --- call log and statistics --------------------------------------------------------------
@dataclass(frozen=True)
class CallFilters:
    project: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    post: str = ""  # caller or callee
    state: str = ""
    template: str = ""
    visit: int | None = None


def call_log(actor: Staff, filters: CallFilters | None = None) -> QuerySet[IntercomCall]:
    """Every call (who, to whom, sentence, sent, acknowledged, response time), newest first."""
    f = filters or CallFilters()
    qs = access.scope(
        actor, IntercomCall.objects.select_related("acknowledged_by", "visit"), P.VIEW_RECEPTION
    )
    if f.project is not None:
        qs = qs.filter(project_id=f.project)
    if f.since is not None:
        qs = qs.filter(sent_at__gte=f.since)
    if f.until is not None:
        qs = qs.filter(sent_at__lt=f.until)
    if f.post:
        qs = qs.filter(Q(caller_post=f.post) | Q(callee_post=f.post) | Q(acknowledged_post=f.post))
    if f.state:
        qs = qs.filter(state=f.state)
    if f.template:
        qs = qs.filter(template=f.template)
    if f.visit is not None:
        qs = qs.filter(visit_id=f.visit)
    return qs.prefetch_related("acks").order_by("-sent_at", "-id")


def get_call_for(actor: Staff, call_id: Any) -> IntercomCall:
    qs = IntercomCall.objects.select_related(
        "acknowledged_by", "visit", "project"
    ).prefetch_related("acks")
    return access.get_for(actor, qs, call_id, P.VIEW_RECEPTION)


def response_rows(
    calls: Iterable[IntercomCall],
) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
    """(post, sent_at, acknowledged_at) per answer: a call to one post counts for the post that
    answered (or the callee when nobody did); the broadcast once per answering post."""
    rows: list[tuple[str, dt.datetime, dt.datetime | None]] = []
    for call in calls:
        if call.callee_post == BROADCAST:
            acks = list(call.acks.all())
            rows.extend((a.post, call.sent_at, a.at) for a in acks)
            if not acks:
                rows.append((BROADCAST, call.sent_at, None))
            continue
        post = call.acknowledged_post or call.callee_post
        rows.append((post, call.sent_at, call.acknowledged_at))
    return rows


@dataclass(frozen=True)
class PostStats:
    post: str
    post_name: str
    stats: ResponseStats


def response_statistics(
    actor: Staff, project_id: int, *, since: dt.datetime, until: dt.datetime
) -> list[PostStats]:
    """Response times per post over a period (domain `response_stats_by_post`, p50/p95)."""
    access.require(actor, int(project_id), P.SUPERVISE_RECEPTION)
    calls = (
        IntercomCall.objects.filter(project_id=project_id, sent_at__gte=since, sent_at__lt=until)
        .only("id", "callee_post", "acknowledged_post", "sent_at", "acknowledged_at")
        .prefetch_related(Prefetch("acks", queryset=CallAck.objects.only("call_id", "post", "at")))
    )
    stats = response_stats_by_post(response_rows(calls))
    return [PostStats(p, POST_NAMES.get(p, p), s) for p, s in stats.items()]


def room_board(actor: Staff, project_id: int) -> list[VipRoom]:
    access.require(actor, int(project_id), P.VIEW_RECEPTION)
    return list(
        VipRoom.objects.filter(project_id=project_id, is_active=True)
        .select_related("current_visit")
        .order_by("sort", "number")
    )


def list_rooms(actor: Staff, project: int | None = None) -> QuerySet[VipRoom]:
    qs = access.scope(actor, VipRoom.objects.select_related("current_visit"), P.VIEW_RECEPTION)
    if project is not None:
        qs = qs.filter(project_id=project)
    return qs.order_by("project_id", "sort", "number")


ALL_TEMPLATES = TEMPLATE_LIST
