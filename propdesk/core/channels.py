"""Delivery channels of the notification outbox: email (SMTP) and signed webhooks.

Each channel has one method, `send(notification)`, which either returns (delivered) or raises
`DeliveryFailed` with a short reason that the outbox stores in `last_error`. The outbox
(`propdesk.core.services.notifications`) decides about claiming, retries and backoff; a channel
only talks to the outside world. In-app notifications need no channel: they are "sent" when the
row is written.

Delivery is at least once: a worker that dies after the remote side accepted a message but before
the row was marked sent will have the message sent again after the claim lease expires. Both
channels therefore carry an identifier derived from the notification's `dedupe_key`, so the
receiver can drop the duplicate: email `Message-ID`, webhook header `X-PropDesk-Delivery`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import urllib.error
import urllib.request
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from propdesk.core.models import Notification
from propdesk.core.models.notifications import Channel as ChannelName

SIGNATURE_HEADER = "X-PropDesk-Signature"
DELIVERY_HEADER = "X-PropDesk-Delivery"
EVENT_HEADER = "X-PropDesk-Event"


class DeliveryFailed(Exception):
    """The channel could not deliver the message this time; the outbox retries later."""


class Channel(Protocol):
    def send(self, notification: Notification) -> None: ...


def message_id(dedupe_key: str) -> str:
    """A stable RFC 5322 Message-ID for one notification: a resend carries the same id."""
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@propdesk.notifications>"


def sign(body: bytes, secret: str) -> str:
    """The value of `X-PropDesk-Signature`: `sha256=` + hex HMAC-SHA256 of the raw body."""
    mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


class EmailChannel:
    """Sends through Django's SMTP backend with the `EMAIL_*` settings."""

    def send(self, notification: Notification) -> None:
        recipient = notification.recipient
        address = recipient.email if recipient is not None else ""
        if not address:
            raise DeliveryFailed("recipient has no email address")
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{notification.url}" if body else notification.url
        message = EmailMessage(
            subject=notification.subject,
            body=body,
            to=[address],
            headers={"Message-ID": message_id(notification.dedupe_key)},
            connection=get_connection(fail_silently=False),
        )
        try:
            sent = message.send()
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP: {exc.__class__.__name__}: {exc}") from exc
        if sent != 1:
            raise DeliveryFailed("SMTP: message not accepted")


def webhook_body(notification: Notification) -> bytes:
    """The JSON document POSTed to an endpoint (UTF-8, Chinese kept readable)."""
    document = {
        "event": notification.event,
        "delivery": notification.dedupe_key,
        "project": notification.project_id,
        "created_at": notification.created_at.isoformat() if notification.created_at else None,
        "data": notification.data,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx, hence a failure: urllib would otherwise turn the
    POST into a GET without body on 301/302/303 and report success."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class WebhookChannel:
    """POSTs the event as JSON with an HMAC-SHA256 signature; any non-2xx answer (redirects
    included) is a failure."""

    def send(self, notification: Notification) -> None:
        endpoint = notification.webhook
        if endpoint is None:
            raise DeliveryFailed("webhook endpoint was removed")
        if urlsplit(endpoint.url).scheme not in {"http", "https"}:
            raise DeliveryFailed("webhook URL must be http or https")
        body = webhook_body(notification)
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            endpoint.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "PropDesk-Webhook/1",
                SIGNATURE_HEADER: sign(body, endpoint.secret),
                DELIVERY_HEADER: notification.dedupe_key,
                EVENT_HEADER: notification.event,
            },
        )
        try:
            with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(f"HTTP {exc.code}") from exc
        except OSError as exc:  # URLError, timeouts and refused connections
            raise DeliveryFailed(f"{exc.__class__.__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status}")


CHANNELS: dict[str, Channel] = {
    ChannelName.EMAIL: EmailChannel(),
    ChannelName.WEBHOOK: WebhookChannel(),
}


def channel_for(name: str) -> Channel:
    try:
        return CHANNELS[name]
    except KeyError:
        raise DeliveryFailed(f"no sender for channel {name!r}") from None
