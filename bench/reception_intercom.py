"""Intercom benchmark (not a test): call-to-screen latency with many open screens, and how many
visits a day one host carries through the services (issue 4 "Performance").

    .venv/bin/python bench/reception_intercom.py [--screens 50] [--calls 200] [--visits 200]
                                                 [--redis URL] [--keep]

Setup: a temporary directory with its own SQLite database (migrated) holding one sales centre,
its posts and VIP rooms and one person per post; nothing touches `var/` or DATABASE_URL.

1. Call-to-screen: the real server — uvicorn on `propdesk.asgi:application`, one process, as
   `propdesk serve` runs it — in a child process. `--screens` server-sent-event connections are
   opened on the butler's post (`/reception/stream/?post=G1`, logged-in sessions), then
   `--calls` calls R-RADIO-11 (X1 → G1) are sent one after another through the API
   (POST /api/v1/reception/calls, bearer token). For each call and each screen the time from
   just before the POST is written to the moment that screen has read the `call` event is one
   sample; p50 / p95 / max over all samples are printed, with the POST's own round trip. With
   `--redis` the server publishes through Redis pub/sub instead of in-process.
2. Visits/day: `--visits` walk-ins taken through every step of the journey with the services in
   this process (gate → capacity question and answer → car park → door → reception area →
   model area → VIP room request and ready → room → see-off → departure → clean-up call and
   cleaning), each step one transaction with its calls; the throughput × 86,400 s is the
   ceiling one process sustains (a sales centre receives tens of parties a day).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POSTS = {
    "L1": "周礼宾",
    "L2": "吴礼宾",
    "X1": "张伟",
    "G1": "王管家",
    "S1": "李水吧",
    "CENTRE": "陈前台",
}


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _setup(var_dir: Path) -> dict[str, Any]:
    os.environ["PROPDESK_VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from propdesk.core.models import Company, Membership, Post, Project, Role, Staff
    from propdesk.core.services.setup import seed_project_defaults
    from propdesk.core.services.tokens import create_token
    from propdesk.reception.models import VipRoom

    company = Company.objects.create(name="基准物业")
    project = Project.objects.create(
        company=company,
        code="bench",
        name="加州1885售楼处",
        script_name="加州1885",
        kind="sales_centre",
    )
    seed_project_defaults(project)
    for i in range(1, 6):
        VipRoom.objects.create(project=project, number=str(i), sort=i)
    from django.contrib.auth import get_user_model

    people = {}
    for post, name in POSTS.items():
        user = get_user_model().objects.create_user(username=f"bench-{post.lower()}")
        staff = Staff.objects.create(user=user, company=company, name=name)
        role = "salesperson" if post == "X1" else "reception_staff"
        Membership.objects.create(
            staff=staff,
            project=project,
            role=Role.objects.get(code=role),
            post=Post.objects.get(project=project, code=post),
        )
        people[post] = staff
    sessions = []
    butler = people["G1"].user
    for _ in range(2):  # a few sessions are enough: screens may share one
        session = SessionStore()
        session[SESSION_KEY] = str(butler.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the model backend
        session[HASH_SESSION_KEY] = butler.get_session_auth_hash()
        session.save()
        sessions.append(session.session_key)
    token = create_token(user=people["X1"].user)[1]
    return {"project": project, "people": people, "sessions": sessions, "token": token}


# --- 1. call-to-screen ------------------------------------------------------------------------
async def _screen(
    port: int,
    session: str,
    ready: asyncio.Event,
    counter: list[int],
    arrivals: dict[int, list[float]],
    total: int,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            "GET /reception/stream/?post=G1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: sessionid={session}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    event = ""
    while True:
        line = (await reader.readline()).decode("utf-8", "replace")
        if not line:
            return
        line = line.rstrip("\r\n")
        if line.startswith("event: "):
            event = line[7:]
            if event == "hello":
                counter[0] += 1
                if counter[0] == total:
                    ready.set()
        elif line.startswith("data: ") and event == "call":
            arrivals.setdefault(json.loads(line[6:])["id"], []).append(time.perf_counter())


def _post_call(port: int, token: str, project: int) -> tuple[int, float, float]:
    body = json.dumps({"project": project, "template": "id_copy", "slots": {"room": "3"}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/reception/calls",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        payload = json.loads(response.read())
    return int(payload["id"]), started, time.perf_counter() - started


async def _latency(port: int, data: dict[str, Any], screens: int, calls: int) -> dict[str, Any]:
    ready = asyncio.Event()
    counter = [0]
    arrivals: dict[int, list[float]] = {}
    tasks = [
        asyncio.create_task(
            _screen(
                port, data["sessions"][i % len(data["sessions"])], ready, counter, arrivals, screens
            )
        )
        for i in range(screens)
    ]
    await asyncio.wait_for(ready.wait(), 30)
    loop = asyncio.get_running_loop()
    sent: dict[int, float] = {}
    round_trips = []
    for _ in range(calls):
        call_id, started, took = await loop.run_in_executor(
            None, _post_call, port, data["token"], data["project"].pk
        )
        sent[call_id] = started
        round_trips.append(took)
        deadline = time.perf_counter() + 5
        while len(arrivals.get(call_id, [])) < screens and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
    samples = [
        (at - sent[call_id]) * 1000
        for call_id, times in arrivals.items()
        if call_id in sent
        for at in times
    ]
    for task in tasks:
        task.cancel()
    missing = calls * screens - len(samples)
    return {"samples": samples, "missing": missing, "round_trips": [t * 1000 for t in round_trips]}


def call_to_screen(
    data: dict[str, Any], var_dir: Path, screens: int, calls: int, redis: str
) -> None:
    port = _free_port()
    env = {**os.environ, "PROPDESK_VAR_DIR": str(var_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    server = subprocess.Popen(  # noqa: S603 - our own server
        [
            sys.executable,
            "-m",
            "uvicorn",
            "propdesk.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "1",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("uvicorn did not start") from None
                time.sleep(0.2)
        result = asyncio.run(_latency(port, data, screens, calls))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    samples = result["samples"]
    print(
        f"call-to-screen ({screens} screens, {calls} calls, {'Redis' if redis else 'in-process'}):"
    )
    print(
        f"  p50 {statistics.median(samples):.1f} ms  p95 {_percentile(samples, 95):.1f} ms  "
        f"max {max(samples):.1f} ms  over {len(samples)} deliveries, {result['missing']} missing"
    )
    trips = result["round_trips"]
    print(
        f"  POST /api/v1/reception/calls round trip: p50 {statistics.median(trips):.1f} ms  "
        f"p95 {_percentile(trips, 95):.1f} ms"
    )


# --- 2. visits per day ------------------------------------------------------------------------
def visits_per_day(data: dict[str, Any], count: int) -> None:
    from propdesk.reception import realtime
    from propdesk.reception.models import IntercomCall
    from propdesk.reception.services import calls, visits

    realtime.use_broker(realtime.InProcessBroker())
    people, project = data["people"], data["project"]

    def step(visit: Any, action: str, post: str) -> None:
        visits.advance_visit(actor=people[post], visit_id=visit.pk, action=action)

    started = time.perf_counter()
    for n in range(count):
        visit = visits.start_visit(
            actor=people["L1"],
            project_id=project.pk,
            details={"client_name": f"客{n}", "party_size": 2, "appearance": "灰色西装"},
        )
        step(visit, "ask_capacity", "L1")
        step(visit, "admit", "CENTRE")
        step(visit, "to_parking", "L1")
        step(visit, "to_door", "L2")
        step(visit, "to_reception_area", "X1")
        step(visit, "to_model_area", "X1")
        calls.send_call(
            actor=people["X1"],
            project_id=project.pk,
            template="vip_room_request",
            visit_id=visit.pk,
        )
        calls.send_call(
            actor=people["G1"], project_id=project.pk, template="vip_room_ready", visit_id=visit.pk
        )
        step(visit, "to_vip_room", "X1")
        step(visit, "announce_leaving", "X1")
        step(visit, "depart", "X1")
        cleanup = calls.send_call(
            actor=people["G1"], project_id=project.pk, template="room_cleanup", visit_id=visit.pk
        )
        calls.complete_call(actor=people["S1"], call_id=cleanup.pk)
    took = time.perf_counter() - started
    per_visit = took / count
    calls_made = IntercomCall.objects.count()
    print(f"visits through the services ({count} full journeys, {calls_made} calls, SQLite):")
    print(
        f"  {per_visit * 1000:.1f} ms per visit ({per_visit * 1000 / 14:.1f} ms per step), "
        f"{count / took:.1f} visits/s ≈ {int(count / took * 86400):,} visits/day in one process"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--redis", default="", help="REDIS_URL for the server's push channel")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="propdesk-bench-reception-"))
    try:
        data = _setup(var_dir)
        print(f"host: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        call_to_screen(data, var_dir, args.screens, args.calls, args.redis)
        visits_per_day(data, args.visits)
    finally:
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
