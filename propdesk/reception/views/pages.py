"""Pages of the sales-centre floor: the post picker, one post's screen (and its live part for
refreshes), the supervisors' console (call log and response times per post), the VIP room board
and the visits of a day. Views parse, call one selector and render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from propdesk.core import permissions as P
from propdesk.core.views.common import can, paginate, staff_view
from propdesk.reception import selectors
from propdesk.reception.domain.radio import CALL_STATE_LABELS, POST_NAMES, CallState
from propdesk.reception.domain.rooms import ROOM_STATE_LABELS, RoomState
from propdesk.reception.domain.visits import STAGE_LABELS, Stage
from propdesk.reception.services import rotation_setup


def _staff(request: HttpRequest) -> Any:
    return request.staff  # type: ignore[attr-defined]


def _project_id(request: HttpRequest) -> int:
    return int(request.project.pk)  # type: ignore[attr-defined]


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


@staff_view
def index(request: HttpRequest) -> HttpResponse:
    """岗位选择: tap your post (your own posts first)."""
    posts = selectors.post_choices(_staff(request), _project_id(request))
    context = {"posts": posts, "can_supervise": can(request, P.SUPERVISE_RECEPTION)}
    return render(request, "reception/index.html", context)


def _screen_context(request: HttpRequest, code: str) -> dict[str, Any]:
    screen = selectors.post_screen(_staff(request), _project_id(request), code)
    gate = screen.post in ("L1", "L2")
    return {
        "screen": screen,
        "media_open_day": gate
        and rotation_setup.is_media_open_day(_project_id(request), timezone.localdate()),
        "can_operate": screen.holds_post and can(request, P.OPERATE_RECEPTION),
        "salutations": [("mr", "先生"), ("miss", "小姐"), ("ms", "女士")],
    }


@staff_view
def post_screen(request: HttpRequest, code: str) -> HttpResponse:
    """One post's screen: calls waiting for its 收到 at the top, then per visit only what this
    post must do next with the phrase to say, then its one-tap calls."""
    return render(request, "reception/post.html", _screen_context(request, code))


@staff_view
def post_live(request: HttpRequest, code: str) -> HttpResponse:
    """The live part of a post's screen, re-read by the page after an event or a reconnect."""
    return render(request, "reception/_live.html", _screen_context(request, code))


@staff_view
def console(request: HttpRequest) -> HttpResponse:
    """Supervisors: the day's call log (who, to whom, sentence, sent, acknowledged, response
    time) and the response times per post (p50/p95)."""
    day = _day(request)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    post = request.GET.get("post", "").upper()
    filters = selectors.CallFilters(project=_project_id(request), since=start, until=end, post=post)
    calls = selectors.call_log(_staff(request), filters)
    stats = selectors.response_statistics(
        _staff(request), _project_id(request), since=start, until=end
    )
    page = paginate(request, calls, per_page=50)
    for call in page.object_list:
        took = call.acknowledged_at - call.sent_at if call.acknowledged_at else None
        call.response_seconds = round(took.total_seconds(), 1) if took is not None else None
    context = {
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "post": post,
        "posts": [(code, POST_NAMES[code]) for code in POST_NAMES if code not in ("SYSTEM",)],
        "page": page,
        "stats": stats,
        "state_labels": {str(k): v for k, v in CALL_STATE_LABELS.items()},
        "unanswered": CallState.UNANSWERED,
    }
    return render(request, "reception/console.html", context)


@staff_view
def room_board(request: HttpRequest) -> HttpResponse:
    """VIP室 board: every room with its state and the party in it."""
    rooms = selectors.room_board(_staff(request), _project_id(request))
    context = {
        "rooms": rooms,
        "labels": {str(k): v for k, v in ROOM_STATE_LABELS.items()},
        "states": {state.name: state.value for state in RoomState},
        "can_supervise": can(request, P.SUPERVISE_RECEPTION),
        "can_operate": can(request, P.OPERATE_RECEPTION),
    }
    return render(request, "reception/rooms.html", context)


@staff_view
def visit_list(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    visits = selectors.list_visits(
        _staff(request),
        selectors.VisitFilters(project=_project_id(request), day=day, q=request.GET.get("q", "")),
    )
    context = {
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "page": paginate(request, visits),
        "stage_labels": {str(k): v for k, v in STAGE_LABELS.items()},
    }
    return render(request, "reception/visits.html", context)


@staff_view
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.get_visit_for(_staff(request), pk)
    context = {
        "visit": visit,
        "stage_label": STAGE_LABELS[Stage(visit.stage)],
        "steps": [(s, STAGE_LABELS[Stage(s.stage)]) for s in visit.steps.all()],
        "calls": selectors.calls_of_visit(visit),
        "state_labels": {str(k): v for k, v in CALL_STATE_LABELS.items()},
    }
    return render(request, "reception/visit_detail.html", context)
