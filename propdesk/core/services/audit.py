"""The personal-data access log (个人信息查阅记录), R-GEN-09 and PIPL: every view of unmasked
personal data — a resident's detail page or API read, an owner archive, a list or an export that
shows phones or ID-card numbers in clear — writes one `PersonalDataAccess` row (who, role,
project, when, what object, which fields, request id, IP). Managers holding `audit.view` review
and export it (`list_personal_data_access`).

Callers mask first with `access.apply_masking`, which notes on each object the fields it shows
in clear; `record_clear_view` then writes one row per detail view, or one row per project for a
list (all in one INSERT), so a page costs one query at most whatever its length. Complaints (the
complainant's `phone`) and reception's client cards log through the same functions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.models import AccessChannel, PersonalDataAccess, Staff

FIELD_ORDER = ("mobile", "id_number")


@dataclass(frozen=True)
class AccessContext:
    """Where a view happened: the channel, the request id and the client address."""

    channel: str = AccessChannel.PAGE
    request_id: str = ""
    ip: str | None = None
    path: str = ""


def context_of(request: Any, channel: str = AccessChannel.PAGE) -> AccessContext:
    """The context of an HTTP request, for views and API handlers to pass to services (services
    never read the request). The address is REMOTE_ADDR: behind nginx, set it from the proxy
    (uvicorn `--proxy-headers`), never from a client-supplied header."""
    meta = getattr(request, "META", {})
    ip = meta.get("REMOTE_ADDR") or None
    return AccessContext(
        channel=str(channel),
        request_id=str(getattr(request, "request_id", "") or "")[:128],
        ip=ip,
        path=str(getattr(request, "path", ""))[:200],
    )


def _roles(actor: Staff, project_id: int) -> str:
    text = "、".join(access.role_names(actor, project_id))
    if not text and actor.user.is_superuser:
        text = "superuser"
    return text[:200]


def _entry(
    *,
    actor: Staff,
    project_id: int,
    object_type: str,
    fields: Iterable[str],
    context: AccessContext,
    object_id: int | None = None,
    object_label: str = "",
    row_count: int = 1,
) -> PersonalDataAccess | None:
    """An unsaved access-log row, or None when no field was shown in clear."""
    given = set(fields)
    shown = [f for f in FIELD_ORDER if f in given] + sorted(given - set(FIELD_ORDER))
    if not shown or row_count < 1:
        return None
    return PersonalDataAccess(
        staff=actor,
        roles=_roles(actor, project_id),
        project_id=project_id,
        channel=context.channel,
        object_type=object_type[:40],
        object_id=object_id,
        object_label=object_label[:100],
        fields=shown,
        row_count=row_count,
        request_id=context.request_id,
        ip=context.ip,
        path=context.path,
    )


def record_personal_data_access(
    *,
    actor: Staff,
    project_id: int,
    object_type: str,
    fields: Iterable[str],
    context: AccessContext,
    object_id: int | None = None,
    object_label: str = "",
    row_count: int = 1,
) -> PersonalDataAccess | None:
    """Write one access-log row (R-GEN-09). Nothing is written when no field was shown in clear.
    Use it directly for views outside core (an owner archive, a complaint export with clear
    phones); `record_clear_view` covers objects masked with `access.apply_masking`."""
    entry = _entry(
        actor=actor,
        project_id=project_id,
        object_type=object_type,
        fields=fields,
        context=context,
        object_id=object_id,
        object_label=object_label,
        row_count=row_count,
    )
    if entry is not None:
        entry.save(force_insert=True)
    return entry


def _name_of(obj: Any) -> str:
    return str(getattr(obj, "name", "") or obj)


def record_clear_view(
    *,
    actor: Staff,
    objects: Sequence[Any],
    object_type: str,
    context: AccessContext,
    single: bool | None = None,
    fields: Collection[str] | None = None,
    label: Callable[[Any], str] | None = None,
) -> list[PersonalDataAccess]:
    """Log the objects (already passed through `access.apply_masking`, or carrying
    `clear_personal_fields` and `project_id` like it) that showed personal data in clear: one row
    for a single object (its id and name), one row per project for a list (the number of people
    shown), all of a list's rows in one INSERT. Objects shown masked are not logged.

    `fields` limits the log to the fields the view shows (a list showing phones only); `label`
    names an object in the log (default: its `name`)."""
    name_of = label or _name_of

    def shown(obj: Any) -> list[str]:
        in_clear = getattr(obj, "clear_personal_fields", None) or []
        return [f for f in in_clear if fields is None or f in fields]

    clear = [(o, f) for o, f in ((o, shown(o)) for o in objects) if f]
    if not clear:
        return []
    if single if single is not None else len(objects) == 1:
        obj, obj_fields = clear[0]
        row = record_personal_data_access(
            actor=actor,
            project_id=obj.project_id,
            object_type=object_type,
            fields=obj_fields,
            context=context,
            object_id=obj.pk,
            object_label=name_of(obj),
        )
        return [row] if row else []
    by_project: dict[int, list[tuple[Any, list[str]]]] = defaultdict(list)
    for obj, obj_fields in clear:
        by_project[obj.project_id].append((obj, obj_fields))
    rows = []
    for project_id, items in sorted(by_project.items()):
        row = _entry(
            actor=actor,
            project_id=project_id,
            object_type=object_type,
            fields=[f for _o, obj_fields in items for f in obj_fields],
            context=context,
            object_label="、".join(name_of(o) for o, _f in items[:5])
            + ("…" if len(items) > 5 else ""),
            row_count=len(items),
        )
        if row:
            rows.append(row)
    # one statement whatever the number of projects: a list costs one query for its log
    return PersonalDataAccess.objects.bulk_create(rows) if rows else []


@dataclass(frozen=True)
class AccessLogFilters:
    q: str = ""  # staff name or object (resident) name
    staff: int | None = None
    object_type: str = ""
    object_id: int | None = None
    channel: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def list_personal_data_access(
    actor: Staff, project_id: Any, filters: AccessLogFilters | None = None
) -> QuerySet[PersonalDataAccess]:
    """The project's access log, newest first, for holders of `audit.view` (2 queries a page)."""
    project = access.get_project_for(actor, project_id, P.VIEW_AUDIT)
    f = filters or AccessLogFilters()
    qs = PersonalDataAccess.objects.filter(project=project)
    if f.q:
        q = f.q.strip()
        qs = qs.filter(
            Q(staff__name__icontains=q) | Q(object_label__icontains=q) | Q(roles__icontains=q)
        )
    if f.staff is not None:
        qs = qs.filter(staff_id=f.staff)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id is not None:
        qs = qs.filter(object_id=f.object_id)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    tz = timezone.get_current_timezone()
    if f.date_from is not None:
        qs = qs.filter(at__gte=dt.datetime.combine(f.date_from, dt.time.min, tzinfo=tz))
    if f.date_to is not None:
        end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        qs = qs.filter(at__lt=end)
    return qs.select_related("staff").order_by("-at", "-id")


__all__ = [
    "AccessContext",
    "AccessLogFilters",
    "context_of",
    "list_personal_data_access",
    "record_clear_view",
    "record_personal_data_access",
]
