"""The caller's in-app notification inbox: list (all or unread), unread count, mark read."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from propdesk.core.api.common import ERROR_RESPONSES, PagePagination, actor_of
from propdesk.core.models import Notification
from propdesk.core.services import notifications

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    event: str
    subject: str
    body: str
    url: str
    project: int | None
    data: dict[str, Any]
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_project(obj: Notification) -> int | None:
        return obj.project_id


class InboxQuery(Schema):
    unread: bool = False


class CountOut(Schema):
    count: int


@router.get("/notifications", response={200: list[NotificationOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_inbox(request: HttpRequest, filters: Query[InboxQuery]) -> object:
    """Newest first; `?unread=true` for the unread ones only."""
    return notifications.list_inbox(actor=actor_of(request), unread_only=filters.unread)


@router.get("/notifications/unread-count", response={200: CountOut, **ERROR_RESPONSES})
def unread_count(request: HttpRequest) -> dict[str, int]:
    return {"count": notifications.unread_count(actor=actor_of(request))}


@router.post(
    "/notifications/{notification_id}/read", response={200: NotificationOut, **ERROR_RESPONSES}
)
def mark_read(request: HttpRequest, notification_id: int) -> Notification:
    return notifications.mark_read(actor=actor_of(request), notification_id=notification_id)


@router.post("/notifications/read-all", response={200: CountOut, **ERROR_RESPONSES})
def mark_all_read(request: HttpRequest) -> dict[str, int]:
    """Mark every unread notification read; `count` is how many changed."""
    return {"count": notifications.mark_all_read(actor=actor_of(request))}
