"""Writing the timeline (R-GEN-04). Called by every service inside its own transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from propdesk.core import access
from propdesk.core.models import Staff, TimelineEvent


def _role_name(actor: Staff | None, project_id: int | None) -> str:
    if actor is None:
        return ""
    if actor.user.is_superuser and project_id is None:
        return "管理员"
    names = access.role_names(actor, project_id, in_role_order=True)  # loaded with permissions
    return "、".join(names)[:50] or ("管理员" if actor.user.is_superuser else "")


def record_event(
    *,
    entity: models.Model,
    action: str,
    actor: Staff | None,
    project_id: int | None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> TimelineEvent:
    """Append one event to `entity`'s timeline (actor, role, time, action, from → to, note, data)."""
    event = new_event(
        entity=entity,
        action=action,
        actor=actor,
        project_id=project_id,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data,
        at=at,
    )
    event.save(force_insert=True)
    return event


def new_event(
    *,
    entity: models.Model,
    action: str,
    actor: Staff | None,
    project_id: int | None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> TimelineEvent:
    """The unsaved event `record_event` appends (a batch intake inserts many in one statement)."""
    return TimelineEvent(
        project_id=project_id,
        content_type=ContentType.objects.get_for_model(entity),
        object_id=str(entity.pk),
        actor=actor,
        actor_name=actor.name if actor else "系统",
        actor_role=_role_name(actor, project_id),
        at=at or timezone.now(),
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )


def timeline_of(entity: models.Model) -> models.QuerySet[TimelineEvent]:
    """The entity's events, oldest first (one query)."""
    return TimelineEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(entity), object_id=str(entity.pk)
    ).order_by("at", "id")
