"""Sales-centre floor benchmark (not a test): every figure issue 4 asks for, in one run.

    .venv/bin/python bench/reception.py [--events 100000] [--persisted 2000] [--screens 50]
                                        [--calls 200] [--visits 200] [--redis URL] [--keep]

1. Queue decision latency of the pure engine over `--events` simulated events
   (`bench/reception_rotation.py`, no database). Goal: p99 ≤ 5 ms.
2. Queue decisions as the floor makes them: `--persisted` events reported through
   `services.rotation.report` on a temporary SQLite database (lock the day's row, decide over the
   cached state, append the turn record, publish) — p50/p99 per decision — and the cold replay of
   the whole day (what a process that did not make the previous decision pays once).
3. Intercom call-to-screen latency p95 with `--screens` open screens, and visits/day one process
   carries through the services (`bench/reception_intercom.py`). Goal: p95 ≤ 200 ms.

Everything runs in a throw-away directory; nothing touches `var/` or DATABASE_URL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import reception_intercom  # noqa: E402 - after the path set-up


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def engine(events: int) -> None:
    print(f"== 1. engine: {events:,} decisions (pure Python, no database)", flush=True)
    subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(BENCH / "reception_rotation.py"), "--events", str(events)],
        check=True,
    )


def persisted(data: dict[str, Any], count: int) -> None:
    """Decisions through the service layer, each in its own transaction, as the console does."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from propdesk.core.models import Membership, Role, Staff
    from propdesk.reception import realtime
    from propdesk.reception.models import RotaDay
    from propdesk.reception.services import rotation, rotation_setup

    realtime.use_broker(realtime.InProcessBroker())
    project = data["project"]
    manager_user = get_user_model().objects.create_user(username="bench-manager")
    manager = Staff.objects.create(user=manager_user, company=project.company, name="值班经理")
    Membership.objects.create(
        staff=manager, project=project, role=Role.objects.get(code="duty_manager")
    )
    people = []
    for n in range(12):
        user = get_user_model().objects.create_user(username=f"bench-sales-{n}")
        staff = Staff.objects.create(user=user, company=project.company, name=f"销售{n + 1}")
        Membership.objects.create(
            staff=staff, project=project, role=Role.objects.get(code="salesperson")
        )
        people.append(staff)
    for code, members in (("A", people[:6]), ("B", people[6:])):
        rotation_setup.save_group(
            actor=manager,
            project_id=project.pk,
            code=code,
            name=f"{code}组",
            members=[s.pk for s in members],
        )
    today = timezone.localdate()
    rotation_setup.plan_day(
        actor=manager,
        project_id=project.pk,
        day=today,
        duty_shifts=[{"staff": manager.pk, "start": "00:00", "end": "23:59"}],
        open_from=dt.time(0, 0),
        open_until=dt.time(23, 59),
    )
    rotation.open_rota_day(actor=manager, project_id=project.pk, day=today)
    rng = random.Random(2026)
    open_refs: list[str] = []
    took: list[float] = []
    for _ in range(count):
        roll = rng.random()
        if open_refs and (roll < 0.35 or len(open_refs) >= 5):
            event, payload = "visit_ended", {"ref": open_refs.pop(rng.randrange(len(open_refs)))}
        elif roll < 0.7:
            event, payload = "visit", {}
        else:
            event, payload = "call", {"answered": rng.random() > 0.1}
        started = time.perf_counter()
        reported = rotation.report(actor=manager, project_id=project.pk, event=event, data=payload)
        took.append((time.perf_counter() - started) * 1000)
        if event == "visit" and reported.decision.assignee:
            open_refs.append(reported.decision.ref)
    print(f"== 2. persisted decisions: {count:,} events through services.rotation.report (SQLite)")
    print(
        f"  p50 {statistics.median(took):.2f} ms, p99 {_pct(took, 99):.2f} ms, "
        f"max {max(took):.2f} ms, {count / (sum(took) / 1000):.0f} decisions/s"
    )
    day = RotaDay.objects.get(project=project, day=today)
    rotation.forget_cache()
    started = time.perf_counter()
    rotation.replay_day(day)
    print(
        f"  cold replay of the day ({day.seq:,} turn records): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--persisted", type=int, default=2_000)
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--redis", default="", help="REDIS_URL for the server's push channel")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(f"host: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", flush=True)
    engine(args.events)
    var_dir = Path(tempfile.mkdtemp(prefix="propdesk-bench-reception-"))
    try:
        data = reception_intercom._setup(var_dir)
        persisted(data, args.persisted)
        print("== 3. intercom and visits", flush=True)
        reception_intercom.call_to_screen(data, var_dir, args.screens, args.calls, args.redis)
        reception_intercom.visits_per_day(data, args.visits)
    finally:
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
