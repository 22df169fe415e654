"""The notification outbox (issue item 8): in-app inbox, email over a real SMTP server, signed
webhooks to a real HTTP server, retries with backoff, dedupe and concurrent delivery."""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from propdesk.conftest import free_port
from propdesk.core.channels import message_id
from propdesk.core.errors import NotFound
from propdesk.core.models import Notification, Project, Staff, WebhookEndpoint
from propdesk.core.models.notifications import DeliveryStatus
from propdesk.core.services import notifications
from propdesk.core.services.notifications import (
    backoff,
    deliver_due,
    list_inbox,
    mark_all_read,
    mark_read,
    notify,
    publish_event,
    unread_count,
)

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command


def later(minutes: float = 1) -> dt.datetime:
    """A sweep clock a little ahead of the rows just written (which are due "now")."""
    return timezone.now() + dt.timedelta(minutes=minutes)


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


# --- a real SMTP server (aiosmtpd) ----------------------------------------------------------
@dataclass
class Inbox:
    messages: list[email.message.Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def email_settings(port: int) -> override_settings:
    return override_settings(
        EMAIL_BACKEND=SMTP_BACKEND,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=5,
        PROPDESK_USE_EMAIL=True,
    )


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    port = free_port()
    with SmtpServer(port) as server, email_settings(port):
        yield server


# --- a real HTTP endpoint ---------------------------------------------------------------------
@dataclass
class Received:
    headers: email.message.Message  # case-insensitive, as HTTP header names are
    body: bytes


class WebhookReceiver:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.requests.append(Received(self.headers, self.rfile.read(length)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/propdesk"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server, override_settings(PROPDESK_USE_WEBHOOKS=True):
        yield server


@pytest.fixture
def clerk_with_email(make_staff: Callable[..., Staff], project_a: Project) -> Staff:
    return make_staff(project_a, "cs_staff", name="钱客服", email="qian@example.cn")


def _notice(recipient: Staff, key: str = "complaint:1:assigned", **kw: Any) -> list[Notification]:
    defaults: dict[str, Any] = {
        "event": "complaint.assigned",
        "subject": "投诉 TS-2026-000001 已分派给您",
        "body": "请在2小时内联系业主",
        "url": "/complaints/1/",
        "dedupe_key": key,
    }
    defaults.update(kw)
    return notify(recipient=recipient, **defaults)


# --- notify: in-app, dedupe, channel rules ---------------------------------------------------
def test_in_app_notification_is_sent_when_written(clerk_a: Staff, project_a: Project) -> None:
    rows = _notice(clerk_a, project=project_a)
    assert [(n.channel, n.status) for n in rows] == [("in_app", DeliveryStatus.SENT)]
    row = Notification.objects.get()
    assert row.dedupe_key == "complaint:1:assigned:in_app"
    assert row.sent_at is not None
    assert row.read_at is None
    assert row.project_id == project_a.pk
    assert row.subject == "投诉 TS-2026-000001 已分派给您"


def test_notify_twice_with_one_dedupe_key_creates_one_row(clerk_a: Staff) -> None:
    first = _notice(clerk_a)
    second = _notice(clerk_a, subject="another text")
    assert Notification.objects.count() == 1
    assert [n.pk for n in second] == [n.pk for n in first]
    assert Notification.objects.get().subject == "投诉 TS-2026-000001 已分派给您"


def test_email_row_only_when_email_is_switched_on(clerk_with_email: Staff) -> None:
    with override_settings(PROPDESK_USE_EMAIL=False):
        rows = _notice(clerk_with_email, channels=("in_app", "email"))
    assert [n.channel for n in rows] == ["in_app"]
    assert Notification.objects.filter(channel="email").count() == 0


def test_email_skipped_for_recipient_without_address(clerk_a: Staff) -> None:
    with override_settings(PROPDESK_USE_EMAIL=True):
        rows = _notice(clerk_a, channels=("in_app", "email"))
    assert [n.channel for n in rows] == ["in_app"]


def test_email_row_is_pending_until_delivered(clerk_with_email: Staff) -> None:
    with override_settings(PROPDESK_USE_EMAIL=True):
        rows = _notice(clerk_with_email, channels=("in_app", "email"))
    assert {n.channel: n.status for n in rows} == {
        "in_app": DeliveryStatus.SENT,
        "email": DeliveryStatus.PENDING,
    }


def test_inactive_recipient_gets_nothing(clerk_a: Staff) -> None:
    clerk_a.is_active = False
    clerk_a.save(update_fields=["is_active"])
    assert _notice(clerk_a) == []
    assert Notification.objects.count() == 0


def test_unknown_channel_is_a_programming_error(clerk_a: Staff) -> None:
    with pytest.raises(ValueError, match="webhook"):
        _notice(clerk_a, channels=("webhook",))
    assert Notification.objects.count() == 0


def test_rolled_back_notice_leaves_no_row_and_sends_nothing(
    clerk_with_email: Staff, smtp: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    class Undo(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _notice(clerk_with_email, channels=("in_app", "email"))
                raise Undo
        except Undo:
            pass
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert smtp.inbox.messages == []


# --- email delivery over SMTP ----------------------------------------------------------------
def test_email_is_delivered_once_after_commit(
    clerk_with_email: Staff, smtp: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    # given a notice with email, when its transaction commits (huey runs immediately in tests)
    with django_capture_on_commit_callbacks(execute=True):
        _notice(clerk_with_email, channels=("in_app", "email"))
    # then the SMTP server received exactly one message, with the dedupe-derived Message-ID
    assert smtp.inbox.message_ids() == [message_id("complaint:1:assigned:email")]
    message = smtp.inbox.messages[0]
    assert message["To"] == "qian@example.cn"
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == (
        "投诉 TS-2026-000001 已分派给您"
    )
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode(message.get_content_charset() or "utf-8")
    assert body.replace("\r\n", "\n").strip() == "请在2小时内联系业主\n\n/complaints/1/"
    row = Notification.objects.get(channel="email")
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 1, "")
    # and a later sweep sends nothing again
    assert deliver_due(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert len(smtp.inbox.messages) == 1


def test_smtp_down_retries_later_and_delivers_exactly_once(clerk_with_email: Staff) -> None:
    t0 = later()  # the sweep clock of this test
    # given an SMTP port where nothing listens
    port = free_port()
    with email_settings(port):
        _notice(clerk_with_email, channels=("email",), key="k1")
        # when the sweep runs, the attempt fails and is rescheduled one minute later
        assert deliver_due(now=t0) == 0
        row = Notification.objects.get(channel="email")
        assert row.status == DeliveryStatus.PENDING
        assert row.attempts == 1
        assert row.next_attempt_at == t0 + dt.timedelta(minutes=1)
        assert "SMTP" in row.last_error
        with SmtpServer(port) as server:
            # then the server is up but the retry is not due yet
            assert deliver_due(now=t0 + dt.timedelta(seconds=30)) == 0
            assert server.inbox.messages == []
            # and once due it is delivered, exactly once
            assert deliver_due(now=t0 + dt.timedelta(minutes=2)) == 1
            assert deliver_due(now=t0 + dt.timedelta(minutes=10)) == 0
            assert server.inbox.message_ids() == [message_id("k1:email")]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (
        DeliveryStatus.SENT,
        2,
        t0 + dt.timedelta(minutes=2),
    )


def test_backoff_doubles_from_one_minute_and_is_capped_at_six_hours() -> None:
    minutes = [backoff(n) / dt.timedelta(minutes=1) for n in range(1, 12)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]
    assert backoff(100) == dt.timedelta(hours=6)


def test_stale_sending_claim_is_released_after_the_lease(
    clerk_with_email: Staff, smtp: SmtpServer
) -> None:
    t0 = later()  # the sweep clock of this test
    # given two rows left "sending" by a worker that died, one 20 and one 5 minutes ago
    rows = [_notice(clerk_with_email, channels=("email",), key=key)[0] for key in ("old", "recent")]
    Notification.objects.filter(pk=rows[0].pk).update(
        status=DeliveryStatus.SENDING, claimed_at=t0 - dt.timedelta(minutes=20)
    )
    Notification.objects.filter(pk=rows[1].pk).update(
        status=DeliveryStatus.SENDING, claimed_at=t0 - dt.timedelta(minutes=5)
    )
    # when the sweep runs, only the one past the 15-minute lease is sent (again: at least once)
    assert deliver_due(now=t0) == 1
    assert smtp.inbox.message_ids() == [message_id("old:email")]
    assert Notification.objects.get(pk=rows[1].pk).status == DeliveryStatus.SENDING


# --- webhooks ---------------------------------------------------------------------------------
def _endpoint(project: Project, url: str, **kw: Any) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        project=project, name="ERP", url=url, secret="s3cret-签名", **kw
    )


def test_webhook_is_signed_and_delivered(
    project_a: Project, receiver: WebhookReceiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = _endpoint(project_a, receiver.url)
    payload = {"complaint": "TS-2026-000001", "level": "重大"}
    with django_capture_on_commit_callbacks(execute=True):
        rows = publish_event(
            project=project_a, event="complaint.created", payload=payload, dedupe_key="c1"
        )
    assert [n.dedupe_key for n in rows] == [f"c1:webhook:{endpoint.pk}"]
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    expected = hmac.new(b"s3cret-\xe7\xad\xbe\xe5\x90\x8d", request.body, hashlib.sha256)
    assert request.headers["X-PropDesk-Signature"] == f"sha256={expected.hexdigest()}"
    assert request.headers["X-PropDesk-Delivery"] == f"c1:webhook:{endpoint.pk}"
    assert request.headers["X-PropDesk-Event"] == "complaint.created"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(request.body)
    assert document["event"] == "complaint.created"
    assert document["data"] == payload
    assert document["project"] == project_a.pk
    assert Notification.objects.get().status == DeliveryStatus.SENT


def test_webhook_answering_500_is_retried_then_dead(
    project_a: Project, receiver: WebhookReceiver
) -> None:
    t0 = later()  # the sweep clock of this test
    receiver.status = 500
    _endpoint(project_a, receiver.url)
    with override_settings(NOTIFY_MAX_ATTEMPTS=3):
        publish_event(project=project_a, event="x.happened", payload={}, dedupe_key="x1")
        # attempt 1 at t0 fails -> next at +1 min; attempt 2 fails -> next at +2 min more
        assert deliver_due(now=t0) == 0
        row = Notification.objects.get()
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 500")
        assert deliver_due(now=t0 + dt.timedelta(seconds=59)) == 0
        assert deliver_due(now=t0 + dt.timedelta(minutes=1)) == 0
        row.refresh_from_db()
        assert (row.attempts, row.next_attempt_at) == (2, t0 + dt.timedelta(minutes=3))
        # attempt 3 is the last one allowed: the row is dead and never tried again
        assert deliver_due(now=t0 + dt.timedelta(minutes=3)) == 0
        assert deliver_due(now=t0 + dt.timedelta(days=1)) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("dead", 3, None)
    assert len(receiver.requests) == 3


def test_webhook_redirect_counts_as_failure(project_a: Project, receiver: WebhookReceiver) -> None:
    t0 = later()  # the sweep clock of this test
    receiver.status = 302
    _endpoint(project_a, receiver.url)
    publish_event(project=project_a, event="x.happened", payload={}, dedupe_key="x1")
    assert deliver_due(now=t0) == 0
    assert Notification.objects.get().last_error == "HTTP 302"


def test_publish_event_only_to_active_subscribed_endpoints(
    project_a: Project, project_b: Project
) -> None:
    every = _endpoint(project_a, "http://127.0.0.1:9/every")
    subscribed = _endpoint(project_a, "http://127.0.0.1:9/sub", events=["complaint.created"])
    _endpoint(project_a, "http://127.0.0.1:9/other", events=["repair.created"])
    _endpoint(project_a, "http://127.0.0.1:9/off", is_active=False)
    _endpoint(project_b, "http://127.0.0.1:9/b")
    with override_settings(PROPDESK_USE_WEBHOOKS=True):
        rows = publish_event(
            project=project_a, event="complaint.created", payload={}, dedupe_key="c1"
        )
        again = publish_event(
            project=project_a, event="complaint.created", payload={}, dedupe_key="c1"
        )
    assert sorted(n.webhook_id or 0 for n in rows) == sorted([every.pk, subscribed.pk])
    assert [n.pk for n in again] == [n.pk for n in rows]
    assert Notification.objects.count() == 2


def test_publish_event_does_nothing_while_webhooks_are_off(project_a: Project) -> None:
    _endpoint(project_a, "http://127.0.0.1:9/every")
    with override_settings(PROPDESK_USE_WEBHOOKS=False):
        assert publish_event(project=project_a, event="e", payload={}, dedupe_key="k") == []
    assert Notification.objects.count() == 0


# --- concurrency ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_send_each_message_once(clerk_with_email: Staff) -> None:
    # given 30 emails whose first attempt failed (the SMTP server was down), now due again
    port = free_port()
    with email_settings(port):
        for i in range(30):
            _notice(clerk_with_email, channels=("email",), key=f"bulk:{i}")
    assert Notification.objects.filter(status="pending", attempts=1).count() == 30
    retry_at = later(minutes=2)
    delivered: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait(timeout=30)
            delivered.append(deliver_due(now=retry_at, limit=100))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when two workers run the delivery at the same moment
    with SmtpServer(port) as smtp, email_settings(port):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    # then every message went out exactly once
    assert errors == []
    assert sum(delivered) == 30
    ids = smtp.inbox.message_ids()
    assert len(ids) == 30
    assert sorted(ids) == sorted(message_id(f"bulk:{i}:email") for i in range(30))
    assert Notification.objects.filter(status="sent", attempts=2).count() == 30


def test_claim_is_taken_by_one_worker_only(clerk_with_email: Staff, smtp: SmtpServer) -> None:
    t0 = later()  # the sweep clock of this test
    # a row another worker has just claimed is not sent by this one
    row = _notice(clerk_with_email, channels=("email",))[0]
    Notification.objects.filter(pk=row.pk).update(status=DeliveryStatus.SENDING, claimed_at=t0)
    assert notifications.deliver_one(notification_id=row.pk, now=t0) is False
    assert smtp.inbox.messages == []


# --- in-app inbox -----------------------------------------------------------------------------
def test_inbox_lists_own_in_app_notifications_newest_first(
    clerk_a: Staff, manager_a: Staff, clerk_with_email: Staff
) -> None:
    first = _notice(clerk_a, key="n1")[0]
    second = _notice(clerk_a, key="n2")[0]
    _notice(manager_a, key="n3")
    with override_settings(PROPDESK_USE_EMAIL=True):
        _notice(clerk_with_email, channels=("in_app", "email"), key="n4")
    assert [n.pk for n in list_inbox(actor=clerk_a)] == [second.pk, first.pk]
    assert [n.channel for n in list_inbox(actor=clerk_with_email)] == ["in_app"]
    assert unread_count(actor=clerk_a) == 2


def test_mark_read_is_limited_to_own_notifications(clerk_a: Staff, clerk_b: Staff) -> None:
    mine = _notice(clerk_a, key="n1")[0]
    theirs = _notice(clerk_b, key="n2")[0]
    # another person's notification is NotFound and stays unread
    with pytest.raises(NotFound):
        mark_read(actor=clerk_a, notification_id=theirs.pk)
    with pytest.raises(NotFound):
        mark_read(actor=clerk_a, notification_id="not-a-number")
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    # one's own is marked read once; the first read time is kept
    read = mark_read(actor=clerk_a, notification_id=mine.pk)
    assert read.read_at is not None
    again = mark_read(actor=clerk_a, notification_id=mine.pk)
    assert again.read_at == read.read_at
    assert unread_count(actor=clerk_a) == 0
    assert unread_count(actor=clerk_b) == 1
    assert [n.pk for n in list_inbox(actor=clerk_a, unread_only=True)] == []


def test_mark_all_read_touches_only_the_actor(clerk_a: Staff, clerk_b: Staff) -> None:
    for i in range(3):
        _notice(clerk_a, key=f"a{i}")
    _notice(clerk_b, key="b0")
    assert mark_all_read(actor=clerk_a) == 3
    assert mark_all_read(actor=clerk_a) == 0
    assert unread_count(actor=clerk_a) == 0
    assert unread_count(actor=clerk_b) == 1
