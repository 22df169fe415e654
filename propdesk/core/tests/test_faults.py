"""Faults (issue 5, "Faults"): many writers at once, a lost database connection, a refusing
mail server and a delivery process killed mid-batch. Everything is real: committed data
(`transaction=True`), one database connection per thread, HTTP through the test client or a
served uvicorn, an aiosmtpd server on a loopback port, SIGKILL of a real process.

The SQLite writer test runs on PostgreSQL too (same guarantees, different locking); the
connection-drop tests need PostgreSQL (`pg_terminate_backend`) and carry the `postgres` marker.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.utils import timezone

from propdesk.complaints.models import Complaint
from propdesk.complaints.services import intake
from propdesk.conftest import free_port, test_database_url
from propdesk.core.channels import message_id
from propdesk.core.models import (
    Department,
    Membership,
    Notification,
    Project,
    Resident,
    Role,
    Staff,
    TimelineEvent,
)
from propdesk.core.models.notifications import DeliveryStatus
from propdesk.core.services import masterdata, tokens
from propdesk.core.services.notifications import CLAIM_LEASE, notify
from propdesk.core.sweeps import run_all_sweeps
from propdesk.core.tests.factories import ProjectFactory, StaffFactory
from propdesk.core.tests.test_notifications import Inbox, SmtpServer, email_settings

ROOT = Path(__file__).resolve().parents[3]
WRITERS = 20
ROUNDS = 3  # per writer and kind of write


def _child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "propdesk.settings",
        "PROPDESK_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    for name in ("PROPDESK_TESTING", "REDIS_URL", "PROPDESK_PORT"):
        env.pop(name, None)
    return env


def _butler(project: Project, name: str) -> Staff:
    staff = StaffFactory(name=name, company=project.company)
    Membership.objects.create(
        staff=staff,
        project=project,
        role=Role.objects.get(code="butler"),
        department=Department.objects.get(project=project, code="cs"),
    )
    return staff


@pytest.fixture
def community(transactional_db: None) -> Project:
    return ProjectFactory(code="cuihu", name="翠湖花园", record_prefix="地王", kind="residential")


# --- 1. twenty writers at once -------------------------------------------------------------------
def test_twenty_concurrent_writers_lose_nothing_and_never_see_database_locked(
    community: Project,
) -> None:
    """SQLite: IMMEDIATE transactions queue writers on the busy timeout (settings.DATABASES), so
    none of 20 threads writing through the services and the API sees "database is locked".
    Each writer: residents (service), complaints (service, numbered from a locked counter),
    complaints over HTTP (token auth, which also writes the token's last use), notices."""
    staff = [_butler(community, f"管家{n}") for n in range(WRITERS)]
    raw_tokens = [tokens.create_token(user=s.user, name="faults")[1] for s in staff]
    start = threading.Barrier(WRITERS)
    errors: list[str] = []
    statuses: list[int] = []

    def writer(n: int) -> None:
        try:
            actor = Staff.objects.select_related("user").get(pk=staff[n].pk)
            client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_tokens[n]}")
            start.wait(timeout=60)
            for r in range(ROUNDS):
                masterdata.create_resident(
                    actor=actor, project_id=community.pk, data={"name": f"业主{n}号{r}"}
                )
                intake.receive(
                    actor=actor,
                    project_id=community.pk,
                    data={
                        "kind": "complaint",
                        "channel": "phone",
                        "complainant_name": f"业主{n}",
                        "content": f"第{r}次来电：楼道灯不亮",
                    },
                )
                response = client.post(
                    "/api/v1/complaints",
                    {
                        "project": community.pk,
                        "kind": "consultation",
                        "channel": "visit",
                        "complainant_name": f"访客{n}",
                        "content": f"第{r}次来访：咨询停车位",
                    },
                    content_type="application/json",
                )
                statuses.append(response.status_code)
                if response.status_code != 201:
                    errors.append(f"writer {n}: HTTP {response.status_code} {response.content!r}")
                notify(
                    recipient=actor,
                    event="fault.test",
                    subject=f"提醒{n}-{r}",
                    project=community,
                    dedupe_key=f"faults:{n}:{r}",
                )
        except Exception as exc:  # handed to the test thread
            errors.append(f"writer {n}: {exc.__class__.__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    assert errors == []
    assert statuses == [201] * (WRITERS * ROUNDS)
    # every write is there, once
    assert Resident.objects.filter(project=community).count() == WRITERS * ROUNDS
    complaints = Complaint.objects.filter(project=community)
    assert complaints.count() == 2 * WRITERS * ROUNDS
    numbers = list(complaints.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    assert Notification.objects.filter(event="fault.test").count() == WRITERS * ROUNDS
    created = Counter(
        TimelineEvent.objects.filter(project_id=community.pk).values_list("action", flat=True)
    )
    assert created["resident.created"] == WRITERS * ROUNDS


sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the writer queue is part of the SQLite backend"
)


@sqlite_only
def test_sqlite_writer_queue_is_released_on_commit_rollback_and_close(
    community: Project,
) -> None:
    """The process-wide writer lock (propdesk/core/sqlite_backend) is held from BEGIN to the end
    of the transaction, however it ends; a writer that cannot get it in time gets the usual
    "database is locked" error, never a hang."""
    lock = connection.writer_lock
    with transaction.atomic():
        Resident.objects.create(project=community, name="甲")
        assert lock.locked()
    assert not lock.locked()

    class Undo(Exception):
        pass

    def undone() -> None:
        with transaction.atomic():
            Resident.objects.create(project=community, name="乙")
            raise Undo

    with pytest.raises(Undo):
        undone()
    assert not lock.locked()
    atomic = transaction.atomic()
    atomic.__enter__()
    Resident.objects.create(project=community, name="丙")
    connection.close()  # e.g. the thread's connection closed mid-transaction
    assert not lock.locked()
    atomic.__exit__(None, None, None)
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["甲"]
    # a writer of another thread waits for the lock no longer than the busy timeout
    outcome: list[BaseException | None] = []

    def writer() -> None:
        try:
            connection.ensure_connection()
            connection.lock_timeout = 0.2
            Resident.objects.create(project=community, name="丁")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            connection.close()

    with lock:
        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], OperationalError)
    assert "database is locked" in str(outcome[0])
    assert not Resident.objects.filter(name="丁").exists()


_OTHER_PROCESS = """
import sys, time
from propdesk.core.sqlite_backend.base import WriterLock
lock = WriterLock(sys.argv[1])
start = time.monotonic()
took = lock.acquire(float(sys.argv[2]))
print("took" if took else "refused", round(time.monotonic() - start, 3))
"""


def test_sqlite_writer_queue_spans_processes(tmp_path: Path) -> None:
    """Several web processes (`propdesk serve --workers 2`) take turns through the file lock
    next to the database: while one holds it, a writer in another process waits, and gets it
    as soon as it is released."""
    from propdesk.core.sqlite_backend.base import WriterLock

    database = str(tmp_path / "propdesk.sqlite3")
    mine = WriterLock(database)

    def other(timeout: float) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", _OTHER_PROCESS, database, str(timeout)],
            stdout=subprocess.PIPE,
            text=True,
        )

    with mine:
        refused = other(0.3).communicate(timeout=60)[0].split()
        waiting = other(30)
        time.sleep(0.5)  # the second process is now polling the file lock
    took = waiting.communicate(timeout=60)[0].split()
    assert refused[0] == "refused"
    assert float(refused[1]) >= 0.3
    assert took[0] == "took"
    assert Path(f"{database}-writer.lock").exists()
    # an in-memory database (the test database) has no file to lock
    assert WriterLock("file:memorydb_default?mode=memory&cache=shared").path is None


# --- 2. PostgreSQL connection dropped -----------------------------------------------------------
APP_NAME = "propdesk-faults-served"  # the served process's connections, as seen by PostgreSQL
STARTUP_SECONDS = 30
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (pg_terminate_backend)"
)


def _admin() -> Any:
    """A psycopg connection of its own (not Django's): it holds locks and kills backends."""
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        host=s.get("HOST") or None,
        port=s.get("PORT") or None,
        autocommit=True,
    )


def _served_backends(admin: Any, *, waiting_on_lock: bool = False) -> list[int]:
    sql = "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = %s"
    if waiting_on_lock:
        sql += " AND wait_event_type = 'Lock'"
    rows = admin.execute(sql, (APP_NAME, connection.settings_dict["NAME"])).fetchall()
    return [row[0] for row in rows]


def _wait_for(predicate: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Served:
    """`propdesk serve --no-worker` (uvicorn) on the test database, on a free port."""

    def __init__(self, tmp_path: Path, conn_max_age: int, pool: int = 0) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = _child_env(
            tmp_path,
            PGAPPNAME=APP_NAME,
            PROPDESK_DB_CONN_MAX_AGE=str(conn_max_age),
            PROPDESK_DB_POOL=str(pool),
        )
        self.output: list[str] = []
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "propdesk.cli",
                "serve",
                "--no-worker",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(
            target=lambda: self.output.extend(self.process.stdout or []), daemon=True
        ).start()

    def request(
        self, method: str, path: str, token: str, body: dict[str, Any] | None = None
    ) -> tuple[int, str, dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return (
                    response.status,
                    response.headers["Content-Type"],
                    json.loads(response.read()),
                )
        except urllib.error.HTTPError as exc:
            text = exc.read()
            kind = exc.headers["Content-Type"] or ""
            return exc.code, kind, json.loads(text) if "json" in kind else {"html": text[:200]}

    def wait_ready(self) -> None:
        def up() -> bool:
            assert self.process.poll() is None, "".join(self.output)
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):  # noqa: S310
                    return True
            except OSError:
                return False

        _wait_for(up, STARTUP_SECONDS, "propdesk serve")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def clerk_token(community: Project) -> tuple[Staff, str]:
    clerk = StaffFactory(name="王前台", company=community.company)
    Membership.objects.create(
        staff=clerk, project=community, role=Role.objects.get(code="cs_staff")
    )
    return clerk, tokens.create_token(user=clerk.user, name="faults")[1]


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    conn_max_age, pool = getattr(request, "param", (0, 0))
    server = Served(tmp_path, conn_max_age=conn_max_age, pool=pool)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.mark.postgres
@needs_postgres
@pytest.mark.parametrize(
    "served",
    [(0, 0), (60, 0), (0, 4)],
    indirect=True,
    ids=["per-request", "persistent", "pooled"],
)
def test_connection_killed_mid_request_fails_cleanly_and_the_next_request_succeeds(
    community: Project, clerk_token: tuple[Staff, str], served: Served
) -> None:
    clerk, token = clerk_token
    resident = masterdata.create_resident(
        actor=clerk, project_id=community.pk, data={"name": "张三", "note": "原备注"}
    )
    path = f"/api/v1/residents/{resident.pk}"
    assert served.request("GET", path, token)[0] == 200
    admin, locker = _admin(), _admin()
    try:
        # given another session holding the resident's row, so the PATCH waits inside its
        # transaction, mid-request
        locker.autocommit = False
        locker.execute("SELECT id FROM core_resident WHERE id = %s FOR UPDATE", (resident.pk,))
        answer: dict[str, Any] = {}

        def patch() -> None:
            started = time.monotonic()
            answer["result"] = served.request("PATCH", path, token, {"note": "新备注"})
            answer["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=patch)
        thread.start()
        waiting = _wait_for(
            lambda: _served_backends(admin, waiting_on_lock=True), 30, "the PATCH to block"
        )
        # when its database connection is killed
        admin.execute("SELECT pg_terminate_backend(%s)", (waiting[0],))
        locker.rollback()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the request hung after its connection died"
    finally:
        locker.close()
        admin.close()
    # then that request fails cleanly: a problem+json 500, nothing changed
    status, kind, body = answer["result"]
    assert (status, kind, body["code"]) == (500, "application/problem+json", "server_error")
    resident.refresh_from_db()
    assert resident.note == "原备注"
    assert not TimelineEvent.objects.filter(action="resident.updated").exists()
    # and the next requests succeed on a new connection
    status, _, body = served.request("PATCH", path, token, {"note": "新备注"})
    assert (status, body["note"]) == (200, "新备注")
    assert served.request("GET", path, token)[0] == 200
    resident.refresh_from_db()
    assert resident.note == "新备注"


@pytest.mark.postgres
@needs_postgres
@pytest.mark.parametrize("served", [(60, 0), (0, 4)], indirect=True, ids=["persistent", "pooled"])
def test_persistent_connection_killed_between_requests_is_replaced_before_use(
    community: Project, clerk_token: tuple[Staff, str], served: Served
) -> None:
    """With PROPDESK_DB_CONN_MAX_AGE > 0 a connection outlives its request; CONN_HEALTH_CHECKS
    makes the next request test it before use and reconnect, so a database restart or an idle
    connection cut by a firewall costs no failed request. With PROPDESK_DB_POOL the pool checks
    a connection before lending it."""
    _, token = clerk_token
    assert served.request("GET", "/api/v1/residents", token)[0] == 200
    admin = _admin()
    try:
        idle = _wait_for(lambda: _served_backends(admin), 10, "the kept connection")
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (idle,))
        _wait_for(lambda: not set(idle) & set(_served_backends(admin)), 10, "the kill")
    finally:
        admin.close()
    # every following request works (whichever server thread and kept connection serves it)
    answers = [served.request("GET", "/api/v1/residents", token)[:2] for _ in range(5)]
    assert answers == [(200, "application/json; charset=utf-8")] * 5


# --- 3. the mail server refuses ---------------------------------------------------------------
def _mail_notice(recipient: Staff, key: str) -> list[Notification]:
    return notify(
        recipient=recipient,
        event="complaint.overdue",
        subject="投诉 TS-2026-000001 已超时",
        body="请尽快处理",
        dedupe_key=key,
        channels=("email",),
    )


@pytest.fixture
def mail_clerk(make_staff: Callable[..., Staff], project_a: Project) -> Staff:
    return make_staff(project_a, "cs_staff", name="钱客服", email="qian@example.cn")


def test_mail_server_gone_keeps_the_message_and_delivers_it_once_when_back(
    mail_clerk: Staff, django_capture_on_commit_callbacks: Any
) -> None:
    port = free_port()
    with email_settings(port):
        # given a mail server that worked and then went away
        with SmtpServer(port) as before, django_capture_on_commit_callbacks(execute=True):
            _mail_notice(mail_clerk, "before")
        assert before.inbox.message_ids() == [message_id("before:email")]
        # when a notice is written (its immediate delivery after commit is refused) …
        with django_capture_on_commit_callbacks(execute=True):
            row = _mail_notice(mail_clerk, "during")[0]
        row.refresh_from_db()
        # then it stays in the outbox with its attempt count and next retry
        assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
        assert "SMTP" in row.last_error
        retry_at = row.next_attempt_at
        assert retry_at is not None
        assert retry_at > timezone.now()
        # … and the worker's sweep, still with the server down, keeps it there
        run_all_sweeps(now=retry_at)
        row.refresh_from_db()
        assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 2)
        # when the server is back and the backoff has passed, it is delivered exactly once
        with SmtpServer(port) as after:
            run_all_sweeps(now=row.next_attempt_at - dt.timedelta(seconds=1))
            assert after.inbox.messages == []
            run_all_sweeps(now=row.next_attempt_at)
            run_all_sweeps(now=row.next_attempt_at + dt.timedelta(hours=1))
            assert after.inbox.message_ids() == [message_id("during:email")]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 3, "")


class RefusingInbox(Inbox):
    """A server that answers but refuses the first `refusals` messages with a temporary error
    (451, e.g. greylisting or a full spool)."""

    def __init__(self, refusals: int) -> None:
        super().__init__()
        self.refusals = refusals
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refused < self.refusals:
            self.refused += 1
            return "451 4.3.0 Temporarily unable to accept the message"
        return await super().handle_DATA(server, session, envelope)


def test_mail_server_refusing_with_451_is_retried_with_backoff_and_accepts_once(
    mail_clerk: Staff,
) -> None:
    port = free_port()
    server = SmtpServer(port)
    server.inbox = RefusingInbox(refusals=2)
    server.controller.handler = server.inbox
    with server, email_settings(port):
        row = _mail_notice(mail_clerk, "greylisted")[0]
        t0 = timezone.now() + dt.timedelta(minutes=1)
        run_all_sweeps(now=t0)  # refused: retry after 1 minute
        row.refresh_from_db()
        assert (row.status, row.attempts, row.next_attempt_at) == (
            DeliveryStatus.PENDING,
            1,
            t0 + dt.timedelta(minutes=1),
        )
        assert "451" in row.last_error
        run_all_sweeps(now=t0 + dt.timedelta(minutes=1))  # refused: retry after 2 more
        row.refresh_from_db()
        assert (row.attempts, row.next_attempt_at) == (2, t0 + dt.timedelta(minutes=3))
        run_all_sweeps(now=t0 + dt.timedelta(minutes=3))  # accepted
        run_all_sweeps(now=t0 + dt.timedelta(minutes=30))
        assert server.inbox.refused == 2
        assert server.inbox.message_ids() == [message_id("greylisted:email")]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 3)


# --- 4. the delivery process killed mid-batch ---------------------------------------------------
class SlowInbox(Inbox):
    """Takes a moment per message, like a real relay, so a batch is still running when killed."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def _sweep_process(tmp_path: Path, port: int, now: dt.datetime) -> subprocess.Popen[bytes]:
    env = _child_env(tmp_path, PROPDESK_EMAIL_HOST="127.0.0.1", PROPDESK_EMAIL_PORT=str(port))
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "sweep",
            "--skip-checks",
            "--now",
            now.isoformat(),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.django_db(transaction=True)
def test_delivery_killed_mid_batch_then_restarted_loses_nothing_and_doubles_nothing(
    tmp_path: Path, mail_clerk: Staff
) -> None:
    count = 60
    # given a backlog of emails from a mail outage (first attempts refused)
    closed = free_port()
    with email_settings(closed):
        for n in range(count):
            _mail_notice(mail_clerk, f"backlog:{n}")
    outbox = Notification.objects.filter(channel="email")
    assert outbox.filter(status=DeliveryStatus.PENDING, attempts=1).count() == count
    flush_at = timezone.now() + dt.timedelta(minutes=2)
    port = free_port()
    server = SmtpServer(port)
    server.inbox = SlowInbox()
    server.controller.handler = server.inbox
    with server:
        # when the real `propdesk sweep` process flushing it is SIGKILLed midway
        process = _sweep_process(tmp_path, port, flush_at)
        try:
            _wait_for(
                lambda: process.poll() is not None or len(server.inbox.message_ids()) >= 10,
                120,
                "the delivery to start",
            )
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == -signal.SIGKILL
        arrived = len(server.inbox.message_ids())
        sent_before = outbox.filter(status=DeliveryStatus.SENT).count()
        in_flight = set(
            outbox.filter(status=DeliveryStatus.SENDING).values_list("dedupe_key", flat=True)
        )
        assert sent_before < count, "killed too late to test a partial batch"
        # every message that arrived is marked sent, except at most the one in flight: the
        # server had it, the kill came before its row was marked
        assert arrived - 1 <= sent_before <= arrived
        assert sent_before >= 9
        assert len(in_flight) <= 1  # one message at a time is claimed
        # and restarted after the claim lease, it sends the rest
        restarted = _sweep_process(tmp_path, port, flush_at + CLAIM_LEASE + dt.timedelta(minutes=1))
        out, _ = restarted.communicate(timeout=300)
        assert restarted.returncode == 0, out.decode()
        received = Counter(server.inbox.message_ids())
    # then every message arrived; only the one in flight at the kill may arrive twice, under
    # the same Message-ID, so the receiving side can drop the copy
    assert set(received) == {message_id(f"backlog:{n}:email") for n in range(count)}
    doubled = {mid for mid, times in received.items() if times > 1}
    assert doubled <= {message_id(key) for key in in_flight}
    assert all(times <= 2 for times in received.values())
    assert outbox.filter(status=DeliveryStatus.SENT).count() == count
