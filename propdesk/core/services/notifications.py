"""The notification outbox (issue item 8): in-app inbox, email and webhooks.

Writing a notice and delivering it are two steps:

1. `notify` / `publish_event` write one `Notification` row per channel inside the caller's
   transaction. The row's `dedupe_key` is unique, so the code that raises a notice (a service, a
   sweep) can run again after a crash without creating a second one. In-app rows are delivered
   by being written (status `sent`); email and webhook rows start `pending` and a huey task to
   deliver them is enqueued with `transaction.on_commit`, so it never runs before the row exists
   (and never for a rolled-back notice).
2. `deliver_due` (the "core.notifications" sweep) and the `deliver_notification` task claim
   pending rows one at a time with a conditional UPDATE (`… WHERE status='pending'`): only the
   worker whose UPDATE changed the row sends it, so two workers never both send one row. Sending
   happens outside any transaction. A failure schedules the next attempt with exponential
   backoff (1, 2, 4 … minutes, capped at 6 hours); after `NOTIFY_MAX_ATTEMPTS` the row is `dead`.

At-least-once edge: a worker that dies between the remote side accepting a message and the row
being marked `sent` leaves the row in `sending`; after `CLAIM_LEASE` it goes back to `pending`
and is sent again. Email carries a Message-ID and webhooks an `X-PropDesk-Delivery` header, both
derived from the `dedupe_key`, so the receiver can recognise the duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from propdesk.core import bulk
from propdesk.core.channels import DeliveryFailed, channel_for
from propdesk.core.errors import NotFound
from propdesk.core.models import Notification, Project, Staff, WebhookEndpoint
from propdesk.core.models.notifications import Channel, DeliveryStatus

logger = logging.getLogger(__name__)

CLAIM_LEASE = dt.timedelta(minutes=15)
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
SUBJECT_MAX = 200  # Notification.subject max_length
DEDUPE_KEY_MAX = 200  # Notification.dedupe_key max_length
RECIPIENT_CHANNELS = (Channel.IN_APP, Channel.EMAIL)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt `attempts + 1`: 1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd …
    failure, never more than 6 hours."""
    exponent = max(attempts - 1, 0)
    if exponent >= 16:  # 2**16 minutes is far beyond the cap; avoid huge intermediate values
        return BACKOFF_CAP
    return min(BACKOFF_BASE * (1 << exponent), BACKOFF_CAP)


def _checked_key(key: str) -> str:
    if not key or len(key) > DEDUPE_KEY_MAX:
        raise ValueError(f"dedupe_key must be 1..{DEDUPE_KEY_MAX} characters: {key!r}")
    return key


def _write_outbox(rows: list[Notification]) -> list[Notification]:
    """Insert the rows whose dedupe_key is new, enqueue delivery of the new pending ones after
    commit, and return the stored rows for all keys (new and already existing), in input order.
    A concurrent writer of the same key makes our insert a no-op (ignore_conflicts)."""
    keys = [row.dedupe_key for row in rows]
    existing = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    new_rows = [row for row in rows if row.dedupe_key not in existing]
    if new_rows:
        Notification.objects.bulk_create(new_rows, ignore_conflicts=True)
    stored = {n.dedupe_key: n for n in Notification.objects.filter(dedupe_key__in=keys)}
    to_deliver = [
        stored[row.dedupe_key].pk
        for row in new_rows
        if row.status == DeliveryStatus.PENDING and row.dedupe_key in stored
    ]
    if to_deliver:
        transaction.on_commit(lambda: _enqueue_delivery(to_deliver))
    return [stored[key] for key in keys if key in stored]


def _enqueue_delivery(notification_ids: list[int]) -> None:
    from propdesk.core.tasks import deliver_notification

    for notification_id in notification_ids:
        deliver_notification(notification_id)


def notify(
    *,
    recipient: Staff,
    event: str,
    subject: str,
    body: str = "",
    url: str = "",
    project: Project | None = None,
    dedupe_key: str,
    channels: Sequence[str] = (Channel.IN_APP,),
    data: dict[str, Any] | None = None,
    outbox: list[Notification] | None = None,
) -> list[Notification]:
    """Send one notice to one staff member on each of `channels` ("in_app", "email").

    Idempotent per `dedupe_key`: the rows are keyed `"{dedupe_key}:{channel}"`, so a second call
    creates nothing and returns the stored rows. In-app rows are sent at once. Email rows exist
    only when `PROPDESK_USE_EMAIL` is on and the recipient has an address (otherwise the channel is
    skipped, which is not an error). An inactive recipient gets nothing. Call it inside the
    transaction of the change it reports: the notice then exists exactly when the change does.

    With `outbox` (a list) the composed rows are appended to it unsaved and returned; the caller
    writes many at once with `write_outbox` in the same transaction (the deadline sweep).
    """
    unknown = [c for c in channels if c not in RECIPIENT_CHANNELS]
    if unknown:
        raise ValueError(f"unknown notification channel(s) {unknown}; webhooks: publish_event")
    if not recipient.is_active:
        return []
    now = timezone.now()
    rows = []
    for channel in dict.fromkeys(channels):
        if channel == Channel.EMAIL and not (settings.PROPDESK_USE_EMAIL and recipient.email):
            continue
        in_app = channel == Channel.IN_APP
        rows.append(
            Notification(
                project=project,
                recipient=recipient,
                channel=channel,
                event=event,
                subject=str(subject)[:SUBJECT_MAX],
                body=str(body),
                url=url,
                data=data or {},
                dedupe_key=_checked_key(f"{dedupe_key}:{channel}"),
                status=DeliveryStatus.SENT if in_app else DeliveryStatus.PENDING,
                sent_at=now if in_app else None,
                next_attempt_at=None if in_app else now,
            )
        )
    if not rows:
        return []
    if outbox is not None:
        outbox.extend(rows)
        return rows
    return _write_outbox(rows)


def write_outbox(rows: Sequence[Notification]) -> int:
    """Insert rows composed with `notify(outbox=…)` in one prepared statement
    (`core.bulk.insert_rows`), without reading them back; returns how many were given. A key that already exists is skipped (ignore_conflicts),
    so the dedupe guarantee holds. Pending (email) rows are looked up once by key and enqueued
    after commit; enqueuing a row twice is harmless because `deliver_one` claims it."""
    if not rows:
        return 0
    bulk.insert_rows(Notification, rows, ignore_conflicts=True)
    pending = [row.dedupe_key for row in rows if row.status == DeliveryStatus.PENDING]
    if pending:
        ids = list(
            Notification.objects.filter(
                dedupe_key__in=pending, status=DeliveryStatus.PENDING
            ).values_list("pk", flat=True)
        )
        if ids:
            transaction.on_commit(lambda: _enqueue_delivery(ids))
    return len(rows)


def publish_event(
    *, project: Project, event: str, payload: dict[str, Any], dedupe_key: str
) -> list[Notification]:
    """Queue `event` for every active webhook endpoint of the project that subscribes to it
    (an empty `events` list means all events). Nothing is queued while `PROPDESK_USE_WEBHOOKS`
    is off. Idempotent per `dedupe_key` and endpoint."""
    if not settings.PROPDESK_USE_WEBHOOKS:
        return []
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(project=project, is_active=True)
        if not endpoint.events or event in endpoint.events
    ]
    if not endpoints:
        return []
    now = timezone.now()
    rows = [
        Notification(
            project=project,
            webhook=endpoint,
            channel=Channel.WEBHOOK,
            event=event,
            subject=event[:SUBJECT_MAX],
            data=payload,
            dedupe_key=_checked_key(f"{dedupe_key}:webhook:{endpoint.pk}"),
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    ]
    return _write_outbox(rows)


# --- delivery -----------------------------------------------------------------------------
def _due(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING) & (
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
    )


def release_stale_claims(*, now: dt.datetime | None = None) -> int:
    """Rows left in `sending` longer than the lease (the worker died mid-send) become pending
    again. This is the at-least-once edge described in the module docstring."""
    now = now or timezone.now()
    return Notification.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE
    ).update(status=DeliveryStatus.PENDING, claimed_at=None, next_attempt_at=now)


def deliver_one(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Claim one due row and send it; True when this call delivered it.

    The claim is a conditional UPDATE: of two workers racing for the row exactly one changes it;
    the other sees rowcount 0 and leaves it alone. No transaction is held while sending.
    """
    now = now or timezone.now()
    claimed = (
        Notification.objects.filter(_due(now), pk=notification_id)
        .exclude(channel=Channel.IN_APP)
        .update(status=DeliveryStatus.SENDING, claimed_at=now)
    )
    if claimed != 1:
        return False
    notification = Notification.objects.select_related("recipient", "webhook").get(
        pk=notification_id
    )
    mine = Notification.objects.filter(
        pk=notification_id, status=DeliveryStatus.SENDING, claimed_at=now
    )
    try:
        channel_for(notification.channel).send(notification)
    except DeliveryFailed as exc:
        _record_failure(mine, notification, now, str(exc))
        return False
    except Exception as exc:
        # A programming or configuration error in a channel must not leave the row stuck in
        # `sending` until the lease expires; count it as a failed attempt and keep going.
        logger.exception("notification %s: unexpected error while sending", notification_id)
        _record_failure(mine, notification, now, f"{exc.__class__.__name__}: {exc}")
        return False
    mine.update(
        status=DeliveryStatus.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        last_error="",
        claimed_at=None,
    )
    return True


def _record_failure(
    mine: QuerySet[Notification], notification: Notification, now: dt.datetime, error: str
) -> None:
    attempts = notification.attempts + 1
    if attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        logger.warning(
            "notification %s is dead after %s attempts: %s", notification.pk, attempts, error
        )
        mine.update(
            status=DeliveryStatus.DEAD,
            attempts=attempts,
            last_error=error[:2000],
            next_attempt_at=None,
            claimed_at=None,
        )
        return
    mine.update(
        status=DeliveryStatus.PENDING,
        attempts=attempts,
        last_error=error[:2000],
        next_attempt_at=now + backoff(attempts),
        claimed_at=None,
    )


def deliver_due(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Send up to `limit` due email/webhook rows, oldest due first; returns how many were
    delivered. Safe to run in several workers at once (see `deliver_one`)."""
    now = now or timezone.now()
    release_stale_claims(now=now)
    due_ids = list(
        Notification.objects.filter(_due(now))
        .exclude(channel=Channel.IN_APP)
        .order_by(F("next_attempt_at").asc(nulls_first=True), "id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(deliver_one(notification_id=pk, now=now) for pk in due_ids)


# --- in-app inbox -------------------------------------------------------------------------
def list_inbox(*, actor: Staff, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's in-app notifications, newest first."""
    inbox = Notification.objects.filter(recipient=actor, channel=Channel.IN_APP).select_related(
        "project"
    )
    if unread_only:
        inbox = inbox.filter(read_at__isnull=True)
    return inbox.order_by("-created_at", "-id")


def mark_read(*, actor: Staff, notification_id: Any) -> Notification:
    """Mark one of the actor's in-app notifications read (idempotent: the first read time is
    kept). Another person's notification is NotFound. Reading is personal inbox state, not a
    change of a record, so no timeline event is written."""
    try:
        pk = int(notification_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    with transaction.atomic():
        try:
            notification = Notification.objects.select_for_update().get(
                pk=pk, recipient=actor, channel=Channel.IN_APP
            )
        except Notification.DoesNotExist:
            raise NotFound() from None
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, actor: Staff) -> int:
    """Mark all of the actor's unread in-app notifications read; returns how many changed."""
    return Notification.objects.filter(
        recipient=actor, channel=Channel.IN_APP, read_at__isnull=True
    ).update(read_at=timezone.now())


def unread_count(*, actor: Staff) -> int:
    return Notification.objects.filter(
        recipient=actor, channel=Channel.IN_APP, read_at__isnull=True
    ).count()
