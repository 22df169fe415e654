"""The push channel of one post's screens: `GET /reception/stream/?post=G1` answers with
server-sent events (`text/event-stream`) — `call` (a new or re-announced call), `ack`, `done`,
`visit`, `room` — and a keep-alive comment every 15 s. `?post=console` is the supervisors'
channel (every call of the project).

Under ASGI (uvicorn, `propdesk serve`) the response streams from an async iterator on the event
loop: an open screen costs a queue, not a thread. Under a WSGI server (`runserver`, Django's
test live server) the same endpoint streams from a blocking iterator, one thread per screen.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.models import Post
from propdesk.reception import realtime


def _channels(staff: Any, project_id: int, post: str) -> list[str] | None:
    """The channels the screen may listen to, or None (not allowed / no such post)."""
    if post == realtime.CONSOLE:
        allowed = access.has_perm(staff, project_id, P.SUPERVISE_RECEPTION)
    elif post == realtime.ROTATION:  # the rotation console and TV board
        allowed = access.has_perm(staff, project_id, P.VIEW_RECEPTION)
    else:
        allowed = access.has_perm(staff, project_id, P.VIEW_RECEPTION) and (
            Post.objects.filter(project_id=project_id, code=post).exists()
        )
    return [realtime.channel(project_id, post)] if allowed else None


def _release_connection() -> None:
    """A WSGI thread may stream for hours: give its database connection back now (not inside a
    test's transaction, whose connection the test still needs)."""
    if not connection.in_atomic_block:
        connection.close()


@require_GET
async def stream(request: HttpRequest) -> HttpResponse:
    staff = getattr(request, "staff", None)
    project = getattr(request, "project", None)
    if staff is None or project is None:
        return HttpResponse(status=403)
    post = request.GET.get("post", "").strip()
    post = post if post == realtime.CONSOLE else post.upper()
    channels = await sync_to_async(_channels)(staff, project.pk, post)
    if channels is None:
        return HttpResponse(status=404)
    # The subscription opens when the response starts streaming (first frame: hello).
    if isinstance(request, ASGIRequest):
        content: Any = realtime.stream_async(channels)
    else:
        await sync_to_async(_release_connection)()
        content = realtime.stream_sync(channels)
    response = StreamingHttpResponse(content, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
