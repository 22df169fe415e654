"""Complaints benchmark (not a test): 100,000 complaints across projects, 10,000 of them with a
timer due, then the figures issue 3 asks for, measured in-process.

    .venv/bin/python bench/complaints.py [--count 100000] [--due N] [--projects 10]
                                         [--intake 500] [--iterations 50] [--keep]
                                         [--batch-intake 2000] [--batch-size 100]
                                         [--clients 8] [--no-serve]

Database: the environment's. With DATABASE_URL set (PostgreSQL) that database is used; it must
be empty of complaints (create a fresh one, e.g. `createdb pd_bench`). Without it the embedded
SQLite file under PROPDESK_VAR_DIR is used, or under a temporary directory when PROPDESK_VAR_DIR
is not set (removed at the end unless --keep). `migrate` runs first.

Data: the projects (half communities on PCS/CM, half sales centres on LH/SO), their staff and
the policy versions are made through the normal services; the complaints themselves, their
timers (`Deadline` rows) and their "received" timeline events are written with `bulk_create`
directly — the intake service would need hours for 100,000 records, and the figures measured
afterwards only read those rows. `--due` complaints (default 10 %) are open with a first
response / reply / opinion timer already past its due time and not yet flagged; the other open
complaints have timers due in the coming days; the rest are closed or archived.

Printed figures (wall-clock of one process, Django test client, no network):
- intake throughput through the API: `--intake` POSTs to /api/v1/complaints with a bearer
  token (each one is the real intake service: number, policy, timers, timeline), and
  `--batch-intake` items through /api/v1/complaints/batch in POSTs of `--batch-size` (the same
  rules per item, written in bulk);
- p50 / p95 latency and SQL query count of the queue page (/complaints/), the list API
  (/api/v1/complaints) and the queue API (/api/v1/complaints/queue), as a handler who works in
  every project;
- the deadline sweep over the due timers (items/s), and the same sweep again with nothing due;
- the monthly report (投诉处置情况月表 / monthly statistics) of the largest project for one month,
  when the reports service is installed;
- peak resident memory of the process (generation included) and resident memory after the
  request measurements;
- CPU milliseconds per request of this process and queries per intake POST (figures that a
  busy shared machine distorts less than wall-clock time), and the intake service without HTTP;
- a separate web process (`propdesk serve --no-worker`, uvicorn, skipped with --no-serve):
  intake from `--clients` concurrent HTTP clients, the three GETs over HTTP, and its resident
  memory (VmRSS after start and after the requests, VmHWM peak) read from /proc.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATCH = 5000
BATCH_CLIENTS = 2  # batch POSTs at once against the served process
POLICIES = ("PCS", "LH", "CM", "SO")
HANDLER_ROLE = {"PCS": "butler", "LH": "club_staff", "CM": "dispatch", "SO": "salesperson"}
MANAGER_ROLE = {
    "PCS": "cs_manager",
    "LH": "dept_manager",
    "CM": "cs_manager",
    "SO": "sales_admin_manager",
}
LEVELS = {
    "PCS": ["general", "general", "general", "important", "major"],
    "LH": ["general", "general", "general", "major"],
    "CM": ["valid", "valid", "valid", "invalid", "major"],
    "SO": ["minor", "minor", "important", "major"],
}
# The timer each policy runs from intake (the sweep's work on the due ones).
FIRST_TIMER = {
    "PCS": ("complaint.first_response", "首次回应时限"),
    "LH": ("complaint.reply", "答复客户时限"),
    "CM": ("complaint.reopened_rectification", "限期整改期限"),
    "SO": ("complaint.first_opinion", "部门处理意见时限"),
}
CLOSED_STATES = ("closed", "archived")
OPEN_STATES = ("received", "classified", "verified", "assigned", "in_progress", "resolved")


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _rss_mib() -> float:
    """Current resident set size (Linux /proc), MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- setup ----------------------------------------------------------------------------------
def _environment(args: argparse.Namespace) -> tuple[str, str | None]:
    """Point Django at the database to use; returns (description, temp dir to remove)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "propdesk.settings"
    os.environ.setdefault("PROPDESK_LOG_LEVEL", "WARNING")  # not a log line per request
    sys.path.insert(0, str(ROOT))
    if os.environ.get("DATABASE_URL"):
        return f"DATABASE_URL ({os.environ['DATABASE_URL'].split('@')[-1]})", None
    temp = None
    if not os.environ.get("PROPDESK_VAR_DIR"):
        temp = tempfile.mkdtemp(prefix="propdesk-bench-complaints-")
        os.environ["PROPDESK_VAR_DIR"] = temp
    return f"SQLite in {os.environ['PROPDESK_VAR_DIR']}", temp


def _people(count_projects: int) -> dict[str, Any]:
    """Projects with their policies and staff, through the normal setup services."""
    from django.contrib.auth import get_user_model

    from propdesk.complaints.models import ProjectPolicy
    from propdesk.complaints.services.policies import current_version, policy_of
    from propdesk.core.models import Company, Membership, Project, Role, Staff
    from propdesk.core.services.setup import seed_project_defaults

    company, _created = Company.objects.get_or_create(name="基准测试物业服务有限公司")
    user_model = get_user_model()
    roles = {role.code: role for role in Role.objects.all()}

    def staff(username: str, name: str) -> Staff:
        user = user_model(username=username)
        user.set_unusable_password()  # force_login / tokens only: no slow password hashing
        user.save()
        return Staff.objects.create(user=user, company=company, name=name)

    bench_user = staff("bench", "基准测试员")
    projects = []
    for index in range(count_projects):
        code = POLICIES[index % len(POLICIES)]
        kind = "sales_centre" if code in ("LH", "SO") else "residential"
        project = Project.objects.create(
            company=company, code=f"b{index:02d}", name=f"基准项目{index:02d}", kind=kind
        )
        seed_project_defaults(project)
        ProjectPolicy.objects.update_or_create(project=project, defaults={"code": code})
        handlers = [bench_user] + [
            staff(f"h{index:02d}_{n}", f"处理人{index:02d}-{n}") for n in range(19)
        ]
        for person in handlers:
            Membership.objects.create(staff=person, project=project, role=roles[HANDLER_ROLE[code]])
        manager = staff(f"m{index:02d}", f"经理{index:02d}")
        Membership.objects.create(staff=manager, project=project, role=roles[MANAGER_ROLE[code]])
        version = current_version(project)
        projects.append(
            {
                "project": project,
                "code": code,
                "version": version,
                "policy": policy_of(version),
                "handlers": handlers,
                "manager": manager,
            }
        )
    return {"bench": bench_user, "projects": projects}


def _generate(people: dict[str, Any], count: int, due: int, now: dt.datetime) -> dict[str, int]:
    """bulk_create the complaints, their timers and their 'received' events."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from propdesk.complaints.models import Complaint
    from propdesk.core.models import Deadline, DocumentCounter, DocumentType, TimelineEvent

    rng = random.Random(2026)
    complaint_type = ContentType.objects.get_for_model(Complaint)
    projects = people["projects"]
    year_start = dt.datetime(now.year, 1, 1, tzinfo=now.tzinfo)
    span = (now - dt.timedelta(days=3) - year_start).total_seconds()
    other_open = count * 15 // 100
    sequence = {p["project"].pk: 0 for p in projects}
    by_pk = {p["project"].pk: p for p in projects}
    codes = {
        p["project"].pk: DocumentType.objects.get(project=p["project"], key="complaint")
        for p in projects
    }
    written = {"complaints": 0, "deadlines": 0, "events": 0}
    for start in range(0, count, BATCH):
        rows: list[tuple[Complaint, str]] = []
        for n in range(start, min(count, start + BATCH)):
            entry = projects[n % len(projects)]
            pid = entry["project"].pk
            sequence[pid] += 1
            doc = codes[pid]
            if n < due:
                role = "due"
                received = now - dt.timedelta(hours=rng.uniform(80, 24 * 20))
            elif n < due + other_open:
                role = "open"
                received = now - dt.timedelta(hours=rng.uniform(1, 60))
            else:
                role = "closed"
                received = year_start + dt.timedelta(seconds=rng.uniform(0, span))
            kind = rng.choices(
                ["complaint", "consultation", "service_request", "praise"], [80, 10, 5, 5]
            )[0]
            level = rng.choice(LEVELS[entry["code"]]) if kind == "complaint" else ""
            if role == "closed":
                state = rng.choice(CLOSED_STATES) if kind != "praise" else "commended"
            else:
                state = rng.choice(OPEN_STATES) if kind != "praise" else "received"
            complaint = Complaint(
                project=entry["project"],
                number=f"{doc.code}-{now.year}-{sequence[pid]:0{doc.digits}d}",
                policy=entry["version"],
                kind=kind,
                channel=rng.choice(["phone", "visit", "letter", "online"]),
                state=state,
                level=level,
                severity={"": 0, "invalid": 1, "major": 4, "important": 3}.get(level, 2),
                complainant_name=rng.choice("张王李赵刘陈杨黄周吴")
                + rng.choice("伟芳娜敏静丽强磊"),
                phone=f"139{rng.randrange(10**8):08d}",
                subject=f"基准投诉 {n}",
                content=f"基准投诉内容 {n}：楼道灯不亮、电梯异响或停车位纠纷",
                received_at=received,
                received_by=entry["handlers"][0],
                in_working_time=True,
                read_back_confirmed=True,
                handler=rng.choice(entry["handlers"]),
                closed_at=received + dt.timedelta(days=5) if role == "closed" else None,
                archive_target="owner_archive" if state == "archived" else "",
            )
            rows.append((complaint, role))
        with transaction.atomic():
            saved = Complaint.objects.bulk_create([c for c, _role in rows])
            deadlines = []
            events = []
            for complaint, (_c, role) in zip(saved, rows, strict=True):
                entry = by_pk[complaint.project_id]
                kind_key, label = FIRST_TIMER[entry["code"]]
                if role == "due":
                    due_at = now - dt.timedelta(minutes=rng.uniform(1, 60 * 24))
                    starts = min(complaint.received_at, due_at - dt.timedelta(hours=8))
                    state, met_at = "open", None
                elif role == "open":
                    starts = complaint.received_at
                    due_at = now + dt.timedelta(hours=rng.uniform(12, 96))
                    state, met_at = "open", None
                else:
                    starts = complaint.received_at
                    due_at = starts + dt.timedelta(hours=24)
                    state, met_at = "met", starts + dt.timedelta(hours=3)
                deadlines.append(
                    Deadline(
                        project_id=complaint.project_id,
                        content_type=complaint_type,
                        object_id=str(complaint.pk),
                        kind=kind_key,
                        label=label,
                        starts_at=starts,
                        due_at=due_at,
                        remind_at=due_at - (due_at - starts) * 0.2,
                        reminded_at=due_at - (due_at - starts) * 0.2 if role == "due" else None,
                        explanation=f"{label}：基准数据",
                        responsible_id=complaint.handler_id,
                        escalate_to=entry["manager"],
                        state=state,
                        met_at=met_at,
                    )
                )
                events.append(
                    TimelineEvent(
                        project_id=complaint.project_id,
                        content_type=complaint_type,
                        object_id=str(complaint.pk),
                        actor_id=complaint.received_by_id,
                        actor_name="基准",
                        at=complaint.received_at,
                        action="complaint.received",
                        to_state="received",
                        note=complaint.subject,
                    )
                )
            Deadline.objects.bulk_create(deadlines)
            TimelineEvent.objects.bulk_create(events)
        written["complaints"] += len(saved)
        written["deadlines"] += len(deadlines)
        written["events"] += len(events)
        del rows, saved, deadlines, events
    # Later intake continues the numbering without a collision.
    for pid, last in sequence.items():
        DocumentCounter.objects.update_or_create(
            project_id=pid, key="complaint", year=now.year, defaults={"last_value": last}
        )
    return written


PROPOSED_INDEXES = (
    # The nearest open timer of a complaint (selectors.with_next_due): without it SQLite's
    # planner walks the (state, due_at) index over every open deadline for each complaint.
    "CREATE INDEX bench_deadline_entity_open ON core_deadline "
    "(content_type_id, object_id, state, due_at)",
    # The list's order (-received_at, -id): lets the database stop after one page instead of
    # computing the timer subqueries for every complaint and sorting them all.
    "CREATE INDEX bench_complaint_received ON complaints_complaint (received_at DESC, id DESC)",
)


def _create_proposed_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in PROPOSED_INDEXES:
            cursor.execute(statement)
    print("created the proposed indexes:", "; ".join(PROPOSED_INDEXES))


def _analyze() -> None:
    """Table statistics for the query planner (SQLite has none until ANALYZE runs; PostgreSQL's
    autovacuum would collect them after a while)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"ANALYZE in {time.perf_counter() - started:.1f} s")


# --- measurements -----------------------------------------------------------------------------
BUDGET_S = 60.0  # per case: slow cases are timed fewer times (at least 3)


def _measure(name: str, call: Callable[[], Any], iterations: int) -> dict[str, Any]:
    """Warm up, then time up to `iterations` calls (fewer when a call is slow, so one case
    stays within BUDGET_S); the query count is that of the last timed call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    if first * 3 < BUDGET_S / 10:
        call()
        call()
    iterations = max(3, min(iterations, int(BUDGET_S / max(first, 1e-6))))
    times = []
    cpu = []
    for _ in range(iterations - 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    with CaptureQueriesContext(connection) as queries:  # the last timed call is counted
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "name": name,
        "n": iterations,
        "cpu": statistics.median(cpu) if cpu else float("nan"),
        "p50": statistics.median(times),
        "p95": _percentile(times, 95),
        "max": max(times),
        "queries": len(queries.captured_queries),
    }


def _get(client: Any, url: str, **headers: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return call


def _intake(client: Any, token: str, project_id: int, count: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    probe = client.post("/api/v1/complaints", {}, content_type="application/json", headers=headers)
    if probe.status_code == 404:
        return {"note": "skipped: /api/v1/complaints is not mounted"}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started, cpu_started = time.perf_counter(), time.process_time()
    for n in range(count):
        if n == count - 1:  # the last POST is counted
            counting = CaptureQueriesContext(connection)
            counting.__enter__()
        response = client.post(
            "/api/v1/complaints",
            {
                "project": project_id,
                "kind": "complaint",
                "channel": "visit",
                "complainant_name": "基准业主",
                "phone": "13912345678",
                "content": f"基准接口受理 {n}：楼上漏水",
            },
            content_type="application/json",
            headers=headers,
        )
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/v1/complaints answered {response.status_code}")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    counting.__exit__(None, None, None)
    return {
        "count": count,
        "seconds": elapsed,
        "per_second": count / elapsed,
        "cpu_per_second": count / cpu if cpu else float("inf"),
        "queries": len(counting.captured_queries),
    }


def _batch_body(project_id: int, first: int, size: int) -> dict[str, Any]:
    return {
        "project": project_id,
        "items": [
            {
                "kind": "complaint",
                "channel": "phone",
                "complainant_name": "基准业主",
                "phone": "13912345678",
                "content": f"基准批量受理 {first + i}：楼上漏水",
            }
            for i in range(size)
        ],
    }


def _intake_batch(
    client: Any, token: str, project_id: int, count: int, size: int
) -> dict[str, Any]:
    """`count` intakes as POST /api/v1/complaints/batch of `size` items each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"Authorization": f"Bearer {token}"}
    batches = max(1, count // size)
    started, cpu_started = time.perf_counter(), time.process_time()
    for n in range(batches):
        with CaptureQueriesContext(connection) as counting:
            response = client.post(
                "/api/v1/complaints/batch",
                _batch_body(project_id, n * size, size),
                content_type="application/json",
                headers=headers,
            )
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/v1/complaints/batch answered {response.status_code}")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    items = batches * size
    return {
        "items": items,
        "size": size,
        "seconds": elapsed,
        "per_second": items / elapsed,
        "cpu_per_second": items / cpu if cpu else float("inf"),
        "queries": len(counting.captured_queries),
    }


def _intake_service(people: dict[str, Any], count: int) -> dict[str, Any]:
    """The intake service itself (validation, number, policy, timers, timeline), no HTTP."""
    from propdesk.complaints.services import intake

    entry = people["projects"][1]
    started, cpu_started = time.perf_counter(), time.process_time()
    for n in range(count):
        intake.receive(
            actor=people["bench"],
            project_id=entry["project"].pk,
            data={
                "kind": "complaint",
                "channel": "visit",
                "complainant_name": "基准业主",
                "phone": "13912345678",
                "content": f"基准服务受理 {n}：楼上漏水",
            },
        )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"count": count, "per_second": count / elapsed, "cpu_per_second": count / cpu}


# --- a real web process -----------------------------------------------------------------------
def _http(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - localhost
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _proc_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _served(
    raw_token: str,
    session: str,
    project_id: int,
    intake: int,
    clients: int,
    iterations: int,
    batch_intake: int,
    batch_size: int,
) -> dict[str, Any]:
    """Start `propdesk serve --no-worker` (uvicorn, one process) on this database, time intake
    with `clients` concurrent HTTP clients and the three list GETs over HTTP, and read the
    process's resident memory (VmRSS now, VmHWM peak) from /proc."""
    import json
    import signal
    import socket
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "propdesk.settings", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
        [
            sys.executable,
            "-m",
            "propdesk.cli",
            "serve",
            "--no-worker",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        limit = time.monotonic() + 60
        while True:
            try:
                if _http(f"{base}/healthz")[0] in (200, 503):
                    break
            except OSError:
                pass
            if time.monotonic() > limit or process.poll() is not None:
                return {"note": "the web process did not start"}
            time.sleep(0.2)
        rss_idle = _proc_mib(process.pid, "VmRSS")
        api = {"Authorization": f"Bearer {raw_token}"}
        web = {"Cookie": f"sessionid={session}"}

        def post(n: int) -> int:
            body = json.dumps(
                {
                    "project": project_id,
                    "kind": "complaint",
                    "channel": "visit",
                    "complainant_name": "基准业主",
                    "phone": "13912345678",
                    "content": f"基准HTTP受理 {n}：楼上漏水",
                }
            ).encode()
            headers = {**api, "Content-Type": "application/json"}
            return _http(f"{base}/api/v1/complaints", data=body, headers=headers)[0]

        post(-1)
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            statuses = list(pool.map(post, range(intake)))
        intake_s = time.perf_counter() - started
        results: dict[str, Any] = {
            "intake": intake,
            "clients": clients,
            "intake_per_second": intake / intake_s,
            "intake_errors": sum(1 for s in statuses if s != 201),
            "cases": [],
        }
        for name, url, headers in (
            ("queue page /complaints/", "/complaints/", web),
            ("list API /api/v1/complaints", "/api/v1/complaints", api),
            ("queue API /api/v1/complaints/queue", "/api/v1/complaints/queue", api),
        ):
            status = _http(base + url, headers=headers)[0]  # warm-up
            if status != 200:
                results["cases"].append({"name": name, "note": f"answered {status}"})
                continue
            times = []
            for _ in range(iterations):
                started = time.perf_counter()
                _http(base + url, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
            results["cases"].append(
                {"name": name, "p50": statistics.median(times), "p95": _percentile(times, 95)}
            )
        results["rss_idle"] = rss_idle
        results["rss"] = _proc_mib(process.pid, "VmRSS")
        results["hwm"] = _proc_mib(process.pid, "VmHWM")

        # Then the batch API, from BATCH_CLIENTS at once (a hotline hand-over and a paper
        # register), its memory read separately.
        def post_batch(n: int) -> int:
            body = json.dumps(_batch_body(project_id, n * batch_size, batch_size)).encode()
            headers = {**api, "Content-Type": "application/json"}
            return _http(f"{base}/api/v1/complaints/batch", data=body, headers=headers)[0]

        batches = max(1, batch_intake // batch_size)
        started = time.perf_counter()
        with ThreadPoolExecutor(BATCH_CLIENTS) as pool:
            batch_statuses = list(pool.map(post_batch, range(batches)))
        batch_s = time.perf_counter() - started
        results["batch_items"] = batches * batch_size
        results["batch_per_second"] = batches * batch_size / batch_s
        results["batch_errors"] = sum(1 for s in batch_statuses if s != 201)
        results["batch_rss"] = _proc_mib(process.pid, "VmRSS")
        results["batch_hwm"] = _proc_mib(process.pid, "VmHWM")
        return results
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _sweep(now: dt.datetime) -> dict[str, Any]:
    from propdesk.core.models import Deadline
    from propdesk.core.services.deadlines import sweep_deadlines

    due = Deadline.objects.filter(state="open", due_at__lte=now, overdue_at__isnull=True).count()
    remind = Deadline.objects.filter(
        state="open", remind_at__lte=now, due_at__gt=now, reminded_at__isnull=True
    ).count()
    started = time.perf_counter()
    processed = sweep_deadlines(now=now)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = sweep_deadlines(now=now)
    idle = time.perf_counter() - started
    return {
        "due": due,
        "remind": remind,
        "processed": processed,
        "seconds": elapsed,
        "per_second": processed / elapsed if elapsed else float("inf"),
        "idle_seconds": idle,
        "idle_processed": again,
    }


def _report(entry: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    try:
        from propdesk.complaints.services import reports
    except ImportError:
        return {"note": "skipped: propdesk.complaints.services.reports is not installed"}
    month = (now.replace(day=1) - dt.timedelta(days=1)).date()
    period = reports.month_period(month.year, month.month)
    key = reports.monthly_report_for(entry["policy"])
    started = time.perf_counter()
    data = reports.compute(entry["project"], key, period, policy=entry["policy"], now=now)
    elapsed = time.perf_counter() - started
    return {"key": key, "month": f"{month:%Y-%m}", "seconds": elapsed, "size": len(str(data))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="complaints to generate")
    parser.add_argument("--due", type=int, default=None, help="of which with a due timer (10 %%)")
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("--intake", type=int, default=500, help="API POSTs to time")
    parser.add_argument(
        "--batch-intake", type=int, default=2000, help="items to receive through the batch API"
    )
    parser.add_argument("--batch-size", type=int, default=100, help="items per batch POST")
    parser.add_argument("--iterations", type=int, default=50, help="timed GETs per case")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="create the two indexes docs/performance.md proposes and ANALYZE after generating",
    )
    parser.add_argument(
        "--clients", type=int, default=8, help="concurrent HTTP clients for the web process"
    )
    parser.add_argument(
        "--no-serve", action="store_true", help="skip the separate web process measurements"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    due = args.count // 10 if args.due is None else min(args.due, args.count)
    where, temp = _environment(args)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client
        from django.utils import timezone

        from propdesk.complaints.models import Complaint
        from propdesk.core.services.tokens import create_token

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - started
        if Complaint.objects.exists():
            print(f"{where} already holds complaints: the benchmark needs a fresh database.")
            return 2
        if args.proposed_indexes:
            _create_proposed_indexes()
        now = timezone.now()
        started = time.perf_counter()
        people = _people(args.projects)
        written = _generate(people, args.count, due, now)
        generate_s = time.perf_counter() - started
        if args.proposed_indexes:
            _analyze()
        else:
            # What the periodic job does on SQLite (the "complaints.sqlite_optimize" sweep):
            # the first run gathers the planner's statistics.
            from propdesk.core.sweeps import registered_sweeps

            optimize = registered_sweeps().get("complaints.sqlite_optimize")
            if optimize is None:
                print("no periodic optimize sweep in this code (planner without statistics)")
            else:
                started = time.perf_counter()
                optimize(timezone.now())
                print(f"periodic optimize sweep in {time.perf_counter() - started:.1f} s")
        gc.collect()
        from django.db import connection

        print(f"PropDesk complaints benchmark — {where}, {connection.vendor}")
        print(
            f"migrate {migrate_s:.1f} s; generated {written['complaints']:,} complaints "
            f"({due:,} due), {written['deadlines']:,} timers, {written['events']:,} events "
            f"across {args.projects} projects in {generate_s:.1f} s (bulk_create)"
        )

        bench = people["bench"]
        _token, raw = create_token(user=bench.user, name="bench")
        api = Client()
        web = Client()
        web.force_login(bench.user)

        intake = _intake(api, raw, people["projects"][0]["project"].pk, args.intake)
        if "note" in intake:
            print(f"intake via API: {intake['note']}")
        else:
            print(
                f"intake via API: {intake['count']} POSTs in {intake['seconds']:.2f} s = "
                f"{intake['per_second']:.0f}/s (per CPU second of this process "
                f"{intake['cpu_per_second']:.0f}/s), {intake['queries']} queries per POST"
            )
            service = _intake_service(people, args.intake)
            print(
                f"intake service without HTTP: {service['per_second']:.0f}/s "
                f"(per CPU second {service['cpu_per_second']:.0f}/s)"
            )
            batch = _intake_batch(
                api, raw, people["projects"][0]["project"].pk, args.batch_intake, args.batch_size
            )
            print(
                f"intake via the batch API: {batch['items']} items in batches of "
                f"{batch['size']} in {batch['seconds']:.2f} s = {batch['per_second']:.0f}/s "
                f"(per CPU second {batch['cpu_per_second']:.0f}/s), {batch['queries']} queries "
                f"per batch"
            )

        auth = {"Authorization": f"Bearer {raw}"}
        cases = [
            _measure("queue page /complaints/", _get(web, "/complaints/"), args.iterations),
            _measure(
                "list API /api/v1/complaints",
                _get(api, "/api/v1/complaints", **auth),
                args.iterations,
            ),
            _measure(
                "list API, page 20",
                _get(api, "/api/v1/complaints?page=20", **auth),
                args.iterations,
            ),
            _measure(
                "queue API /api/v1/complaints/queue",
                _get(api, "/api/v1/complaints/queue", **auth),
                args.iterations,
            ),
        ]
        print(
            f"{'case':<40} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} {'cpu ms':>8} "
            f"{'queries':>8}"
        )
        for case in cases:
            print(
                f"{case['name']:<40} {case['n']:>4} {case['p50']:>9.2f} {case['p95']:>9.2f} "
                f"{case['max']:>9.2f} {case['cpu']:>8.2f} {case['queries']:>8}"
            )
        rss_after_requests = _rss_mib()
        if not args.no_serve:
            served = _served(
                raw,
                web.cookies["sessionid"].value,
                people["projects"][0]["project"].pk,
                args.intake,
                args.clients,
                args.iterations,
                args.batch_intake,
                args.batch_size,
            )
            if "note" in served:
                print(f"web process: {served['note']}")
            else:
                print(
                    f"web process (propdesk serve --no-worker, uvicorn): intake "
                    f"{served['intake']} POSTs from {served['clients']} clients = "
                    f"{served['intake_per_second']:.0f}/s ({served['intake_errors']} errors)"
                )
                for case in served["cases"]:
                    if "note" in case:
                        print(f"  {case['name']:<38} {case['note']}")
                    else:
                        print(
                            f"  {case['name']:<38} over HTTP p50 {case['p50']:.2f} ms, "
                            f"p95 {case['p95']:.2f} ms"
                        )
                print(
                    f"  web process memory: RSS {served['rss_idle']:.0f} MiB started, "
                    f"{served['rss']:.0f} MiB after the requests, peak {served['hwm']:.0f} MiB"
                )
                print(
                    f"  then the batch API from {BATCH_CLIENTS} clients: "
                    f"{served['batch_items']} items = {served['batch_per_second']:.0f}/s "
                    f"({served['batch_errors']} errors); RSS {served['batch_rss']:.0f} MiB "
                    f"after, peak {served['batch_hwm']:.0f} MiB"
                )

        sweep = _sweep(now + dt.timedelta(seconds=1))
        print(
            f"deadline sweep: {sweep['processed']:,} rows ({sweep['due']:,} overdue + "
            f"{sweep['remind']:,} reminders) in "
            f"{sweep['seconds']:.2f} s = {sweep['per_second']:,.0f}/s; "
            f"again with nothing due: {sweep['idle_processed']} in {sweep['idle_seconds']:.3f} s"
        )
        seen: set[str] = set()
        for entry in people["projects"]:  # one project of each policy
            if entry["code"] in seen:
                continue
            seen.add(entry["code"])
            report = _report(entry, now)
            if "note" in report:
                print(f"monthly report: {report['note']}")
                break
            total = Complaint.objects.filter(project=entry["project"]).count()
            print(
                f"monthly report {entry['code']} ({report['key']}, {entry['project'].name}, "
                f"{total:,} complaints, {report['month']}): {report['seconds']:.2f} s"
            )
        print(
            f"memory: peak RSS {_peak_mib():.0f} MiB (generation included); "
            f"RSS after the request cases {rss_after_requests:.0f} MiB"
        )
    finally:
        if temp and not args.keep:
            shutil.rmtree(temp, ignore_errors=True)
        elif temp:
            print(f"kept {temp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
