"""Rotation queue benchmark (not a test): decision latency of the pure engine
`propdesk.reception.domain.rotation.decide` over simulated days on a sales floor.

    .venv/bin/python bench/reception_rotation.py [--events 100000] [--seed 2026] [--group-size 6]

No Django and no database: a day's roster (two sales groups alternating phone/visit duty, a
supervisor, a duty manager) is built with `make_day_roster`, and each simulated day plays a
random but valid mix of events against the current state — walk-ins (with market research,
friends and non-sales parties), appointments, designated salespeople, returning registered clients
(sometimes with the original away), receptions ending, answered and unanswered calls, people leaving
and coming back, phone-group support — until `--events` decisions have been made. Unused credits
and skip flags carry over to the next day. Each `decide` call is timed with
`time.perf_counter_ns`; the script prints p50 / p90 / p99 / max latency and the throughput.
Goal (issue 4): p99 ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from propdesk.reception.domain import (  # noqa: E402 - after the path set-up
    Carry,
    CheckIn,
    CheckOut,
    DutyShift,
    IncomingCall,
    RotationError,
    RotationState,
    SalesGroup,
    SupportEnded,
    SupportRequested,
    VisitArrived,
    VisitEnded,
    VisitPurpose,
    alternate_duties,
    close_day,
    decide,
    make_day_roster,
    open_day,
)
from propdesk.reception.domain.rotation_model import RotationEvent  # noqa: E402

EVENTS_PER_DAY = 400


def _percentile(ordered: list[int], pct: float) -> float:
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index] / 1e6  # ms


def _event(rng: random.Random, state: RotationState, at: dt.datetime, n: int) -> RotationEvent:
    roster = state.roster
    sales = list(roster.visit_order) + list(roster.phone_order)
    away = [p for p in roster.on_duty if p not in state.present]
    busy = state.busy()
    roll = rng.random()
    if roll < 0.20:
        purpose = rng.choices(list(VisitPurpose), weights=[80, 8, 6, 6])[0]
        return VisitArrived(at, f"V{n}", purpose=purpose)
    if roll < 0.22:
        return VisitArrived(at, f"V{n}", appointment_with=rng.choice(sales))
    if roll < 0.24:
        return VisitArrived(at, f"V{n}", designated=rng.choice(sales))
    if roll < 0.28:
        return VisitArrived(
            at,
            f"V{n}",
            registered_owner=rng.choice(sales),
            owner_available=rng.random() > 0.2,
        )
    if roll < 0.60 and state.receptions:
        ref = rng.choice(state.receptions).ref
        return VisitEnded(at, ref, completed=rng.random() > 0.05)
    if roll < 0.86:
        designated = rng.choice(roster.phone_order) if rng.random() < 0.05 else None
        return IncomingCall(at, f"C{n}", answered=rng.random() > 0.08, designated=designated)
    if roll < 0.89 and away:
        return CheckIn(at, sorted(away)[rng.randrange(len(away))])
    if roll < 0.92:
        free = [p for p in sales if p in state.present and p not in busy]
        free = [p for p in free if p not in state.supporting]
        if len(free) > 4:
            return CheckOut(at, rng.choice(free))
    if roll < 0.96 and state.standby_low and len(state.supporting) < 2:
        return SupportRequested(at, "d")
    idle = [p for p in state.supporting if p not in busy]
    if idle:
        return SupportEnded(at, rng.choice(idle))
    return VisitArrived(at, f"V{n}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="decisions to time")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--group-size", type=int, default=6, help="salespeople per group")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    size = args.group_size
    groups = [
        SalesGroup("A", "一组", tuple(f"a{i}" for i in range(size))),
        SalesGroup("B", "二组", tuple(f"b{i}" for i in range(size))),
    ]
    anchor = dt.date(2026, 1, 1)
    carry = Carry()
    timings: list[int] = []
    refused = days = 0
    perf = time.perf_counter_ns
    started = perf()
    while len(timings) < args.events:
        day = anchor + dt.timedelta(days=days)
        roster = make_day_roster(
            day=day,
            groups=groups,
            duties=alternate_duties(["A", "B"], day=day, anchor_day=anchor),
            supervisors=["s"],
            department_managers=["m"],
            duty_shifts=[DutyShift("d", dt.time(9), dt.time(18))],
        )
        state = open_day(roster, carry=carry)
        clock = dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC)
        for n in range(EVENTS_PER_DAY):
            if len(timings) >= args.events:
                break
            clock += dt.timedelta(seconds=60)
            event = _event(rng, state, clock, n)
            t0 = perf()
            try:
                outcome = decide(state, event)
            except RotationError:
                refused += 1
                continue
            timings.append(perf() - t0)
            state = outcome.state
        carry = close_day(state, carry)
        days += 1
    total_s = (perf() - started) / 1e9

    ordered = sorted(timings)
    print(f"rotation queue decision latency ({len(timings):,} decisions, {days} simulated days)")
    print(f"  python {platform.python_version()} on {platform.machine()}, seed {args.seed}")
    print(f"  groups of {size}; {refused:,} refused events not timed")
    print(f"  p50  {_percentile(ordered, 50):.4f} ms")
    print(f"  p90  {_percentile(ordered, 90):.4f} ms")
    print(f"  p99  {_percentile(ordered, 99):.4f} ms   (goal ≤ 5 ms)")
    print(f"  max  {ordered[-1] / 1e6:.4f} ms")
    print(f"  mean {statistics.fmean(ordered) / 1e6:.4f} ms")
    print(f"  {len(timings) / total_s:,.0f} decisions/s including event generation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
