"""Intercom calls: the log with filters, one call, sending a standard call, 收到, completion, the
catalogue of standard calls and the response-time statistics per post (SPEC §4)."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core.api.common import ERROR_RESPONSES, PagePagination, ProblemOut, actor_of
from propdesk.reception import selectors, services
from propdesk.reception.api.schemas import (
    AckIn,
    CallIn,
    CallOut,
    CallStateName,
    CompleteIn,
    StatsOut,
    TemplateName,
    TemplateOut,
)
from propdesk.reception.domain.radio import TEMPLATE_LIST, templates_for
from propdesk.reception.models import IntercomCall

router = Router(tags=["reception"])
ACTED = {**ERROR_RESPONSES, 409: ProblemOut}


class CallQuery(Schema):
    project: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    post: str = Field("", description="Calls from, to or answered by this post")
    state: CallStateName | None = None
    template: TemplateName | None = None
    visit: int | None = None


class StatsQuery(Schema):
    project: int
    since: dt.datetime | None = Field(None, description="Default: today 00:00")
    until: dt.datetime | None = Field(None, description="Default: since + 1 day")


class TemplateQuery(Schema):
    post: str = Field("", description="Only the calls this post may send")


def _fresh(call: IntercomCall, request: HttpRequest) -> IntercomCall:
    return selectors.get_call_for(actor_of(request), call.pk)


@router.get("/reception/calls", response={200: list[CallOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_calls(request: HttpRequest, filters: Query[CallQuery]) -> object:
    """The call log of your projects, newest first."""
    return selectors.call_log(
        actor_of(request),
        selectors.CallFilters(
            project=filters.project,
            since=filters.since,
            until=filters.until,
            post=filters.post.upper(),
            state=filters.state or "",
            template=filters.template or "",
            visit=filters.visit,
        ),
    )


@router.get("/reception/calls/stats", response={200: list[StatsOut], **ERROR_RESPONSES})
def call_stats(request: HttpRequest, query: Query[StatsQuery]) -> list[dict[str, object]]:
    """Response times per post (p50/p95/mean in seconds) for supervisors."""
    since = query.since or timezone.make_aware(
        dt.datetime.combine(timezone.localdate(), dt.time.min)
    )
    until = query.until or since + dt.timedelta(days=1)
    rows = selectors.response_statistics(actor_of(request), query.project, since=since, until=until)

    def seconds(value: dt.timedelta | None) -> float | None:
        return None if value is None else round(value.total_seconds(), 3)

    return [
        {
            "post": row.post,
            "post_name": row.post_name,
            "calls": row.stats.calls,
            "answered": row.stats.answered,
            "unanswered": row.stats.unanswered,
            "p50_seconds": seconds(row.stats.p50),
            "p95_seconds": seconds(row.stats.p95),
            "mean_seconds": seconds(row.stats.mean),
        }
        for row in rows
    ]


@router.get("/reception/call-templates", response={200: list[TemplateOut], **ERROR_RESPONSES})
def list_call_templates(
    request: HttpRequest, query: Query[TemplateQuery]
) -> list[dict[str, object]]:
    """The standard calls of SPEC §4.2 (verbatim, with their slots)."""
    templates = templates_for(query.post.upper()) if query.post else TEMPLATE_LIST
    return [
        {
            "key": t.key,
            "rule": t.rule,
            "title": t.title,
            "text": t.text,
            "slots": list(t.slots),
            "recorded": list(t.recorded),
            "callers": sorted(t.callers),
            "callees": sorted(t.callees),
            "replies": list(t.replies),
            "completion": t.completion,
        }
        for t in templates
    ]


@router.post("/reception/calls", response={201: CallOut, **ACTED})
def send_call(request: HttpRequest, payload: CallIn) -> Status[IntercomCall]:
    """Send a standard call from your post; the callee screens show it at once."""
    call = services.send_call(
        actor=actor_of(request),
        project_id=payload.project,
        template=payload.template,
        post=payload.post,
        callee_post=payload.callee_post,
        visit_id=payload.visit,
        slots=payload.slots,
    )
    return Status(201, _fresh(call, request))


@router.get("/reception/calls/{call_id}", response={200: CallOut, **ERROR_RESPONSES})
def get_call(request: HttpRequest, call_id: int) -> IntercomCall:
    return selectors.get_call_for(actor_of(request), call_id)


@router.post("/reception/calls/{call_id}/acknowledge", response={200: CallOut, **ACTED})
def acknowledge_call(request: HttpRequest, call_id: int, payload: AckIn) -> IntercomCall:
    """收到 (R-RADIO-02); for the capacity question 可以接待 / 无法接待."""
    call = services.acknowledge_call(
        actor=actor_of(request), call_id=call_id, reply=payload.reply, post=payload.post
    )
    return _fresh(call, request)


@router.post("/reception/calls/{call_id}/complete", response={200: CallOut, **ACTED})
def complete_call(request: HttpRequest, call_id: int, payload: CompleteIn) -> IntercomCall:
    """The service is done (R-RADIO-20): delivered, cleaned, ready, taxi 叫到 (with the plate)."""
    call = services.complete_call(
        actor=actor_of(request), call_id=call_id, post=payload.post, plate=payload.plate
    )
    return _fresh(call, request)
