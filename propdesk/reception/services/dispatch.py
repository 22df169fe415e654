"""The intercom's bookkeeping (SPEC §4, R-RADIO-01..04, 18, 20): compose and log a call, log a
post's answer, mark a call done — each pushed to the screens after commit. The callers hold the
locks and have checked access; the use cases with their side effects (a room made ready, a taxi
叫到, a visit admitted) are in `calls`, `rooms` and `visits`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.errors import Forbidden
from propdesk.core.models import Project, Staff
from propdesk.core.services.timeline import record_event
from propdesk.reception import realtime
from propdesk.reception.domain.radio import (
    ACK,
    ACKNOWLEDGE,
    BROADCAST,
    CALL_STATE_LABELS,
    COMPLETE,
    POST_NAMES,
    TEMPLATES,
    CallState,
    compose,
    get_template,
    next_call_state,
)
from propdesk.reception.models import CallAck, IntercomCall, Visit
from propdesk.reception.services.common import domain_errors, project_posts, radio_settings

OPEN_STATES = (CallState.CALLED, CallState.UNANSWERED)


def screens_for(
    template_key: str, caller_post: str, callee_posts: frozenset[str], project_id: int
) -> list[str]:
    """The posts whose screens show the call and may answer it: the addressed post(s) plus the
    template's extra acknowledgers (A-RADIO-1), limited to the project's posts; a broadcast goes
    to every post but the caller's (R-SITE-03)."""
    template = get_template(template_key)
    wanted = set(callee_posts) | set(template.acknowledgers)
    wanted.discard(caller_post)
    return [code for code in project_posts(project_id) if code in wanted]


def payload(call: IntercomCall, *, acked_posts: list[str] | None = None) -> dict[str, Any]:
    """What a screen needs to show a call (the push event and the page's first render)."""
    template = TEMPLATES.get(call.template)
    timeout = radio_settings(call.project).ack_timeout if call.project_id else None
    due = call.announced_at + timeout if timeout and call.acknowledged_at is None else None
    return {
        "id": call.pk,
        "template": call.template,
        "title": template.title if template else call.template,
        "rule": call.rule,
        "text": call.text,
        "caller_post": call.caller_post,
        "caller_post_name": POST_NAMES.get(call.caller_post, call.caller_post),
        "caller_name": call.caller_name,
        "callee_post": call.callee_post,
        "callee_post_name": POST_NAMES.get(call.callee_post, call.callee_post),
        "screens": list(call.callee_posts),
        "state": call.state,
        "state_label": CALL_STATE_LABELS.get(CallState(call.state), call.state),
        "sent_at": call.sent_at.isoformat(),
        "sent_time": timezone.localtime(call.sent_at).strftime("%H:%M:%S"),
        "due_at": due.isoformat() if due else None,
        "replies": list(template.replies) if template else [ACK],
        "completion": template.completion if template else "",
        "completers": sorted(template.completers) if template else [],
        "needs_plate": call.template == "taxi_request",
        "visit": call.visit_id,
        "reannounced_count": call.reannounced_count,
        "acknowledged_post": call.acknowledged_post,
        "reply": call.reply,
        "acked_posts": acked_posts if acked_posts is not None else [],
    }


def _posts_to_tell(call: IntercomCall) -> list[str]:
    return [*call.callee_posts, call.caller_post]


def send(
    *,
    project: Project,
    actor: Staff | None,
    caller_post: str,
    template: str,
    callee_post: str | None = None,
    slots: Mapping[str, object] | None = None,
    visit: Visit | None = None,
    now: dt.datetime,
) -> IntercomCall:
    """Render the standard sentence (the caller's post and name first, R-RADIO-01/03), log the
    call with its answer deadline and push it to the callee screens after commit."""
    settings = radio_settings(project)
    with domain_errors():
        dispatch = compose(
            template,
            caller_post=caller_post,
            caller_name=actor.name if actor else "",
            callee_post=callee_post,
            slots=slots or {},
            normalize_ending=settings.normalize_ending,
        )
    callee = (
        BROADCAST
        if BROADCAST in get_template(template).callees
        else next(iter(dispatch.callee_posts))
    )
    screens = screens_for(template, caller_post, dispatch.callee_posts, project.pk)
    call = IntercomCall.objects.create(
        project=project,
        template=dispatch.template,
        rule=dispatch.rule,
        text=dispatch.text,
        caller_post=caller_post,
        caller=actor,
        caller_name=actor.name if actor else "",
        callee_post=callee,
        screens=IntercomCall.screens_value(screens),
        slots=dict(dispatch.slots),
        state=CallState.CALLED,
        visit=visit,
        needs_review=dispatch.needs_review,
        sent_at=now,
        announced_at=now,
        reannounce_at=now + settings.ack_timeout,
    )
    record_event(
        entity=call,
        action="call.sent",
        actor=actor,
        project_id=project.pk,
        to_state=CallState.CALLED,
        note=call.text,
        data={"template": call.template, "caller_post": caller_post, "callee_post": callee},
        at=now,
    )
    realtime.publish_on_commit(project.pk, _posts_to_tell(call), "call", payload(call))
    return call


def acknowledge(
    call: IntercomCall,
    *,
    actor: Staff | None,
    post: str,
    reply: str | None = None,
    now: dt.datetime,
) -> IntercomCall:
    """`post` answers the (locked) call: 收到, or the capacity answer (R-RADIO-02/05). The first
    answer acknowledges the call and stops its timeout; the arrival broadcast takes one answer
    per post. A post answering again changes nothing (two screens of one post)."""
    acked = list(call.acks.values_list("post", flat=True))
    if post in acked:
        return call
    if post not in call.callee_posts:
        raise Forbidden(_("This call is not addressed to your post"))
    template = get_template(call.template)
    answer = ACK if reply in (None, "") and ACK in template.replies else reply
    with domain_errors():
        if call.acknowledged_at is None or call.callee_post != BROADCAST:
            state = next_call_state(call.template, call.state, ACKNOWLEDGE, post=post, reply=answer)
        else:  # a further post answers the broadcast: the call's state stays
            state = CallState(call.state)
            next_call_state(call.template, CallState.CALLED, ACKNOWLEDGE, post=post, reply=answer)
    previous = call.state
    if call.acknowledged_at is None:
        call.state = state
        call.acknowledged_at = now
        call.acknowledged_by = actor
        call.acknowledged_post = post
        call.reply = str(answer)
        call.reannounce_at = None
        call.save(
            update_fields=[
                "state",
                "acknowledged_at",
                "acknowledged_by",
                "acknowledged_post",
                "reply",
                "reannounce_at",
            ]
        )
    CallAck.objects.create(
        call=call,
        post=post,
        staff=actor,
        staff_name=actor.name if actor else "",
        reply=str(answer),
        at=now,
    )
    record_event(
        entity=call,
        action="call.acknowledged",
        actor=actor,
        project_id=call.project_id,
        from_state=previous,
        to_state=call.state,
        note=str(answer),
        data={"post": post, "reply": str(answer)},
        at=now,
    )
    data = payload(call, acked_posts=[*acked, post])
    data["by_post"] = post
    data["by_name"] = actor.name if actor else ""
    realtime.publish_on_commit(call.project_id, _posts_to_tell(call), "ack", data)
    return call


def complete(
    call: IntercomCall, *, actor: Staff | None, post: str, now: dt.datetime
) -> IntercomCall:
    """The service the (locked) call asked for is done (R-RADIO-20: 已送达, 已打扫 …). Finishing
    a call not yet answered answers it first: doing it is the acknowledgement."""
    if call.state in OPEN_STATES and post in call.callee_posts:
        acknowledge(call, actor=actor, post=post, now=now)
    with domain_errors():
        state = next_call_state(call.template, call.state, COMPLETE, post=post)
    previous = call.state
    call.state = state
    call.completed_at = now
    call.completed_by = actor
    call.save(update_fields=["state", "completed_at", "completed_by"])
    record_event(
        entity=call,
        action="call.completed",
        actor=actor,
        project_id=call.project_id,
        from_state=previous,
        to_state=state,
        note=get_template(call.template).completion,
        data={"post": post},
        at=now,
    )
    data = payload(call)
    data["by_post"] = post
    realtime.publish_on_commit(call.project_id, _posts_to_tell(call), "done", data)
    return call


def open_call(visit: Visit, template: str) -> IntercomCall | None:
    """The visit's latest call of `template` not yet done, locked."""
    return (
        IntercomCall.objects.select_for_update()
        .select_related("project")
        .filter(visit=visit, template=template)
        .exclude(state=CallState.DONE)
        .order_by("-sent_at", "-id")
        .first()
    )
