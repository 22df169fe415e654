"""Load benchmark (not a test): a realistic mix of concurrent users against a served instance
(issue 5 "Load"). Prints throughput, p50/p95/p99 latency per endpoint and the errors.

    .venv/bin/python bench/load.py [--seconds 120] [--users 50] [--think 1.0]
                                   [--database-url postgres://…] [--redis-url redis://…]
                                   [--workers N] [--db-pool N] [--no-worker] [--keep]
                                   [--var-dir DIR]

Setup: a fresh temporary var dir; the database is an SQLite file in it, or the (empty)
PostgreSQL database given with `--database-url` (create it first, e.g. `createdb pd_load`).
`propdesk migrate` and `propdesk demo --if-empty` load the demo company (2,000 units, ~3,100 residents,
staff in every role and sales-centre post); API tokens and browser sessions for the users below
are written in this process. Then `propdesk serve` (uvicorn + the huey worker, as in
production on one machine) starts on a free port in a child process.

Users: `--users` threads, each a person who does one thing, waits `--think` seconds on average
(uniform 0.5×–1.5×), and does the next, for `--seconds` (after a 5 s warm-up that is not
counted). What they do, by weight (the operation names are the rows of the printed table):

- complaint desk (guanjia 管家, kefu 前台, jingli 经理, in 地王国际花园 / 翠湖花园):
  intake POST /api/v1/complaints, the queue page /complaints/, the list and queue APIs,
  the contact action on a complaint taken in this run, the residents API and page;
- sales-centre floor (xiaoshou X1 and the G1 butler daguanjia, 加州1885销售中心): intercom calls
  POST /api/v1/reception/calls (X1 → G1 "复印身份证"), G1 acknowledging them
  (POST …/acknowledge, each call once), and the calls list the screens refresh.

Every response that is not the expected status (201 for creations, 200 otherwise) counts as an
error and is printed (the first few bodies). The request clock is the client's: it includes
the HTTP round trip on loopback and the client's own (Python) overhead.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WARMUP_SECONDS = 5
DESK_USERS = ("guanjia", "kefu", "jingli")
CALLER, CALLEE = "xiaoshou", "daguanjia"


# --- setup (in this process, against the same database) ------------------------------------------
def _env(var_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "PROPDESK_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "propdesk.settings",
            "PYTHONPATH": str(ROOT),
            "PROPDESK_DEBUG": "false",
        }
    )
    env.pop("PROPDESK_TESTING", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _propdesk(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "propdesk.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"propdesk {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _credentials(env: dict[str, str]) -> dict[str, Any]:
    """Tokens and sessions for the users, and the ids the mix needs, written in-process."""
    os.environ.update(env)
    for name in ("DATABASE_URL", "REDIS_URL"):
        if name not in env:
            os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from propdesk.core.models import Project
    from propdesk.core.services.tokens import create_token

    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=[*DESK_USERS, CALLER, CALLEE])
    }
    tokens = {name: create_token(user=user, name="load")[1] for name, user in users.items()}
    sessions = {}
    for name in DESK_USERS:
        session = SessionStore()
        session[SESSION_KEY] = str(users[name].pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the model backend
        session[HASH_SESSION_KEY] = users[name].get_session_auth_hash()
        session.save()
        sessions[name] = session.session_key
    projects = dict(Project.objects.values_list("code", "pk"))
    info = {
        "tokens": tokens,
        "sessions": sessions,
        "cookie": settings.SESSION_COOKIE_NAME,
        "communities": [projects["diwang"], projects["cuihu"]],
        "centre": projects["jiazhou1885"],
        "vendor": connection.vendor,
        "db_version": ".".join(map(str, connection.Database.sqlite_version_info))
        if connection.vendor == "sqlite"
        else str(connection.cursor().connection.info.server_version),
    }
    connection.close()
    return info


# --- the users --------------------------------------------------------------------------------
@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    counting: bool = False

    def record(self, name: str, seconds: float, ok: bool, detail: str) -> None:
        with self.lock:
            if not self.counting:
                return
            self.latencies[name].append(seconds * 1000)
            if not ok:
                self.errors[name] += 1
                if self.errors[name] <= 2:  # the first two of each endpoint
                    self.samples.append(f"{name}: {detail[:300]}")


class Client:
    """One keep-alive HTTP/1.1 connection per user, as a browser or an app holds one."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(
        self, method: str, path: str, headers: dict[str, str], body: Any = None
    ) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            headers = {**headers, "Content-Type": "application/json"}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # the server closed an idle keep-alive connection: reconnect once
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class Mix:
    def __init__(self, info: dict[str, Any], stats: Stats) -> None:
        self.info = info
        self.stats = stats
        self.complaints: dict[int, list[int]] = {pk: [] for pk in info["communities"]}
        self.calls: queue.Queue[int] = queue.Queue()
        self.lock = threading.Lock()
        self.operations = [
            ("POST /api/v1/complaints (intake)", 10, self.intake),
            ("GET /complaints/ (queue page)", 10, self.queue_page),
            ("GET /api/v1/complaints", 8, self.list_api),
            ("GET /api/v1/complaints/queue", 6, self.queue_api),
            ("POST /api/v1/complaints/{id}/contact", 8, self.contact),
            ("GET /api/v1/residents?q=zs", 6, self.residents_api),
            ("GET /residents/ (page)", 4, self.residents_page),
            ("POST /api/v1/reception/calls", 12, self.send_call),
            ("POST /api/v1/reception/calls/{id}/acknowledge", 12, self.acknowledge),
            ("GET /api/v1/reception/calls", 10, self.calls_list),
        ]

    def pick(self, rng: random.Random) -> tuple[str, Any]:
        name, _, op = rng.choices(self.operations, weights=[w for _, w, _ in self.operations])[0]
        return name, op

    def _bearer(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.info['tokens'][user]}"}

    def _cookie(self, user: str) -> dict[str, str]:
        return {"Cookie": f"{self.info['cookie']}={self.info['sessions'][user]}"}

    def _timed(
        self,
        name: str,
        client: Client,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any = None,
        expect: int = 200,
    ) -> bytes | None:
        started = time.perf_counter()
        try:
            status, payload = client.call(method, path, headers, body)
        except OSError as exc:
            self.stats.record(name, time.perf_counter() - started, False, repr(exc))
            return None
        ok = status == expect
        self.stats.record(
            name, time.perf_counter() - started, ok, f"HTTP {status} {payload[:300]!r}"
        )
        return payload if ok else None

    def intake(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        payload = self._timed(
            name,
            client,
            "POST",
            "/api/v1/complaints",
            self._bearer(user),
            {
                "project": rng.choice(self._projects(user)),
                "kind": rng.choice(["complaint", "consultation", "service_request"]),
                "channel": rng.choice(["phone", "visit", "online"]),
                "complainant_name": rng.choice(["张先生", "李女士", "王阿姨", "陈业主"]),
                "phone": f"139{rng.randrange(10**8):08d}",
                "content": rng.choice(
                    ["楼上漏水，天花板渗水", "电梯经常停运", "小区门口垃圾未清运", "咨询停车位办理"]
                ),
            },
            expect=201,
        )
        if payload is not None:
            created = json.loads(payload)
            with self.lock:
                self.complaints[created["project"]].append(created["id"])

    def _projects(self, user: str) -> list[int]:
        # guanjia works in 地王国际花园 only; kefu and jingli in both communities
        return self.info["communities"][: 1 if user == "guanjia" else 2]

    def queue_page(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        self._timed(name, client, "GET", "/complaints/", self._cookie(user))

    def list_api(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        self._timed(name, client, "GET", "/api/v1/complaints?page_size=20", self._bearer(user))

    def queue_api(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        self._timed(name, client, "GET", "/api/v1/complaints/queue", self._bearer(user))

    def contact(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        with self.lock:
            pool = [pk for project in self._projects(user) for pk in self.complaints[project]]
            target = rng.choice(pool) if pool else None
        if target is None:
            self.intake("POST /api/v1/complaints (intake)", client, rng, user)
            return
        self._timed(
            name,
            client,
            "POST",
            f"/api/v1/complaints/{target}/contact",
            self._bearer(user),
            {"note": "已电话联系业主，约定明天上门"},
        )

    def residents_api(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        self._timed(name, client, "GET", "/api/v1/residents?q=zs", self._bearer(user))

    def residents_page(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        self._timed(name, client, "GET", "/residents/", self._cookie(user))

    def send_call(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        payload = self._timed(
            name,
            client,
            "POST",
            "/api/v1/reception/calls",
            self._bearer(CALLER),
            {
                "project": self.info["centre"],
                "template": "id_copy",
                "slots": {"room": str(rng.randint(1, 5))},
            },
            expect=201,
        )
        if payload is not None:
            self.calls.put(json.loads(payload)["id"])

    def acknowledge(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        try:
            call_id = self.calls.get_nowait()
        except queue.Empty:
            self.send_call("POST /api/v1/reception/calls", client, rng, user)
            return
        self._timed(
            name,
            client,
            "POST",
            f"/api/v1/reception/calls/{call_id}/acknowledge",
            self._bearer(CALLEE),
            {},
        )

    def calls_list(self, name: str, client: Client, rng: random.Random, user: str) -> None:
        self._timed(
            name,
            client,
            "GET",
            f"/api/v1/reception/calls?project={self.info['centre']}",
            self._bearer(CALLEE),
        )


def _user(n: int, mix: Mix, port: int, stop: threading.Event, think: float, seed: int) -> None:
    rng = random.Random(seed * 1000 + n)
    user = DESK_USERS[n % len(DESK_USERS)]
    client = Client(port)
    time.sleep(rng.uniform(0, think))  # users do not all start in the same instant
    while not stop.is_set():
        name, op = mix.pick(rng)
        op(name, client, rng, user)
        stop.wait(rng.uniform(0.5 * think, 1.5 * think))
    client.conn.close()


# --- run -------------------------------------------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its waited-for children (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:13]) / os.sysconf("SC_CLK_TCK")


def _web_cpu_seconds(pid: int) -> float:
    """CPU of the serving process and its web children (uvicorn's workers), not the huey worker."""
    total = _cpu_seconds(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"worker" not in cmdline.split(b"\0")[-1] and b"resource_tracker" not in cmdline:
            total += _cpu_seconds(int(child))
    return total


def _report(
    stats: Stats, seconds: float, args: argparse.Namespace, info: dict[str, Any], server: str
) -> None:
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(stats.errors.values())
    print(
        f"\n{args.users} users, think {args.think:.1f} s, {seconds:.0f} s measured, "
        f"{info['vendor']} {info['db_version']}, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}"
    )
    print(server)
    print(f"throughput: {total / seconds:.1f} requests/s ({total} requests), errors: {errors}")
    every = [ms for v in stats.latencies.values() for ms in v]
    rows = [("all", every, errors)] + [
        (name, stats.latencies[name], stats.errors.get(name, 0))
        for name in sorted(stats.latencies, key=lambda n: -_pct(stats.latencies[n], 95))
    ]
    print("\n| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, values, errs in rows:
        if not values:
            continue
        print(
            f"| {name} | {len(values)} | {len(values) / seconds:.1f} | "
            f"{statistics.median(values):.0f} | {_pct(values, 95):.0f} | {_pct(values, 99):.0f} | "
            f"{max(values):.0f} | {errs} |"
        )
    if stats.samples:
        print("\nfirst errors:")
        for line in stats.samples:
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between actions")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database")
    parser.add_argument("--redis-url", default="", help="job queue and cache on Redis")
    parser.add_argument("--no-worker", action="store_true", help="serve without the huey worker")
    parser.add_argument(
        "--workers", type=int, default=1, help="web processes (`propdesk serve --workers`)"
    )
    parser.add_argument(
        "--db-pool", type=int, default=0, help="PROPDESK_DB_POOL for the server (PostgreSQL)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir")
    parser.add_argument(
        "--var-dir", default="", help="reuse this var dir (kept by --keep) instead of a new one"
    )
    args = parser.parse_args()
    if args.var_dir:
        var_dir, args.keep = Path(args.var_dir), True
    else:
        var_dir = Path(tempfile.mkdtemp(prefix="propdesk-bench-load-"))
    env = _env(var_dir, args.database_url, args.redis_url)
    env["PROPDESK_DB_POOL"] = str(args.db_pool)
    server = None
    try:
        started = time.perf_counter()
        _propdesk(env, "migrate", "--noinput", "-v", "0")
        _propdesk(env, "demo", "--if-empty", "--seed", str(args.seed))
        info = _credentials(env)
        print(f"migrate + demo + credentials: {time.perf_counter() - started:.1f} s")
        port = _free_port()
        command = [sys.executable, "-m", "propdesk.cli", "serve", "--port", str(port)]
        if args.no_worker:
            command.append("--no-worker")
        command += ["--workers", str(args.workers)]
        log = (var_dir / "serve.log").open("w")
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("propdesk serve did not start; see serve.log") from None
                time.sleep(0.2)
        stats = Stats()
        mix = Mix(info, stats)
        stop = threading.Event()
        users = [
            threading.Thread(
                target=_user, args=(n, mix, port, stop, args.think, args.seed), daemon=True
            )
            for n in range(args.users)
        ]
        for thread in users:
            thread.start()
        time.sleep(WARMUP_SECONDS)
        cpu_before = _web_cpu_seconds(server.pid)
        client_before = time.process_time()
        stats.counting = True
        measure_start = time.perf_counter()
        time.sleep(args.seconds)
        with stats.lock:
            stats.counting = False
        measured = time.perf_counter() - measure_start
        # the web processes' CPU share tells whether the (GIL-bound) server processes saturated
        busy = (_web_cpu_seconds(server.pid) - cpu_before) / measured
        client = (time.process_time() - client_before) / measured
        load = os.getloadavg()
        server_line = (
            f"web CPU ({args.workers} process(es), db pool {args.db_pool}): {busy:.0%} of one core; "
            f"this client: "
            f"{client:.0%}; machine load average (1/5/15 min) "
            f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
        )
        stop.set()
        for thread in users:
            thread.join(timeout=60)
        _report(stats, measured, args, info, server_line)
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
