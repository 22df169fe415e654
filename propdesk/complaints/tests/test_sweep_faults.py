"""The sweeps are idempotent and crash-safe (ARCHITECTURE "every deadline lives in a database
column"; issue 3 "Correctness under pressure"): the core deadline sweep and
`complaints.auto_upgrade` run twice, fail on one row, or are killed midway, and still flag,
notify and upgrade every due item exactly once.

Faults are injected by monkeypatching one function to raise for one row (never the ORM), and
by SIGKILL-ing a real `manage.py sweep` process working on a committed database.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from propdesk.complaints.models import Complaint
from propdesk.complaints.services import actions, intake, timers
from propdesk.complaints.services.policies import choose_policy, current_version
from propdesk.conftest import test_database_url
from propdesk.core.models import Deadline, JobRun, Notification, Project, Staff, TimelineEvent
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.services import notifications
from propdesk.core.sweeps import run_all_sweeps

from .conftest import TZ, WORKING, at

ROOT = Path(__file__).resolve().parents[3]
NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=TZ)  # every first response of WORKING is overdue


def _so_project(community: Project, person: Callable[..., Staff]) -> tuple[Project, Staff]:
    from propdesk.core.tests.factories import ProjectFactory

    office = ProjectFactory(
        code="so", name="滨江售楼部", kind="sales_centre", company=community.company
    )
    director = person(office, "sales_director", "售楼处经理")
    choose_policy(actor=director, project_id=office.pk, code="SO")
    person(office, "sales_supervisor", "售楼主管")
    person(office, "deputy_gm", "副总经理")
    return office, person(office, "salesperson", "置业顾问")


def _overdue_notices() -> Counter[str]:
    """(event, deadline) of every deadline notice, counted."""
    return Counter(
        f"{n.event}:{n.data.get('deadline')}:{n.recipient_id}:{n.channel}"
        for n in Notification.objects.filter(event__startswith="deadline.")
    )


def _overdue_events() -> Counter[Any]:
    return Counter(
        TimelineEvent.objects.filter(action="deadline.overdue").values_list(
            "data__deadline", flat=True
        )
    )


def _scene(
    pcs_team: dict[str, Staff],
    community: Project,
    person: Callable[..., Staff],
    receive: Callable[..., Complaint],
) -> dict[str, Any]:
    """Three PCS complaints with first responses due (one answered in time) and two SO
    complaints past their one month."""
    butler = pcs_team["butler"]
    late = [receive(butler, community, when=WORKING) for _ in range(3)]
    answered = receive(butler, community, when=WORKING)
    actions.contact(actor=butler, complaint_id=answered.pk, note="已回应", at=at(17, 11))
    office, seller = _so_project(community, person)
    so = [
        intake.receive(
            actor=seller,
            project_id=office.pk,
            data={
                "kind": "complaint",
                "channel": "visit",
                "complainant_name": "客户",
                "content": c,
            },
            at=at(1, 10, month=10),
        )
        for c in ("样板间不符", "价格说明不清")
    ]
    return {"late": late, "answered": answered, "so": so}


# --- run twice ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_sweeps_run_twice_notify_and_upgrade_once(pcs_team, community, person, receive) -> None:
    scene = _scene(pcs_team, community, person, receive)
    first = run_all_sweeps(now=NOW)
    assert first["complaints.auto_upgrade"] == 2
    assert first["core.deadlines"] > 0
    notices, events = _overdue_notices(), _overdue_events()
    upgraded = TimelineEvent.objects.filter(action="complaint.upgraded").count()
    assert upgraded == 2
    assert max(notices.values()) == 1
    assert max(events.values()) == 1

    second = run_all_sweeps(now=NOW + dt.timedelta(minutes=1))
    assert (second["core.deadlines"], second["complaints.auto_upgrade"]) == (0, 0)
    assert _overdue_notices() == notices
    assert _overdue_events() == events
    assert TimelineEvent.objects.filter(action="complaint.upgraded").count() == upgraded
    for complaint in scene["late"]:
        first_response = Deadline.objects.get(
            object_id=str(complaint.pk), kind="complaint.first_response"
        )
        assert first_response.overdue_at == NOW
        assert notices[f"deadline.overdue:{first_response.pk}:{pcs_team['butler'].pk}:in_app"] == 1
    answered = Deadline.objects.get(
        object_id=str(scene["answered"].pk), kind="complaint.first_response"
    )
    assert (answered.state, answered.overdue_at) == (DeadlineState.MET, None)
    for complaint in scene["so"]:
        complaint.refresh_from_db()
        assert complaint.level == "major"
    runs = JobRun.objects.filter(name__in=["core.deadlines", "complaints.auto_upgrade"])
    assert [run.ok for run in runs] == [True] * 4  # two sweeps, two runs each


# --- a crash on one row -----------------------------------------------------------------------
@pytest.mark.django_db
def test_a_row_that_fails_is_retried_next_run_and_nothing_is_lost_or_doubled(
    monkeypatch: pytest.MonkeyPatch, pcs_team, community, person, receive
) -> None:
    scene = _scene(pcs_team, community, person, receive)
    victim = Deadline.objects.get(
        object_id=str(scene["late"][1].pk), kind="complaint.first_response"
    )
    so_victim = scene["so"][0]
    real_notify = notifications.notify
    real_restart = timers.restart_on_upgrade

    def failing_notify(**kwargs: Any) -> Any:
        if kwargs["dedupe_key"] == f"deadline:{victim.pk}:overdue":
            raise ConnectionError("mail relay down")
        return real_notify(**kwargs)

    def failing_restart(complaint: Complaint, *args: Any, **kwargs: Any) -> Any:
        if complaint.pk == so_victim.pk:
            raise ConnectionError("crash while restarting timers")
        return real_restart(complaint, *args, **kwargs)

    monkeypatch.setattr(notifications, "notify", failing_notify)
    monkeypatch.setattr(timers, "restart_on_upgrade", failing_restart)
    results = run_all_sweeps(now=NOW)
    runs = {run.name: run for run in JobRun.objects.all()}
    assert runs["core.deadlines"].ok is False
    assert f"deadline(s) {victim.pk}" in runs["core.deadlines"].log
    assert runs["complaints.auto_upgrade"].ok is False
    assert results["complaints.auto_upgrade"] == 0  # a failed sweep reports 0; its work stays
    # The failing rows were rolled back whole: no mark, no notice, no event, no upgrade …
    victim.refresh_from_db()
    assert victim.overdue_at is None
    assert not Notification.objects.filter(data__deadline=victim.pk).exists()
    assert victim.pk not in _overdue_events()
    so_victim.refresh_from_db()
    assert (so_victim.level, so_victim.version) == ("minor", 1)
    assert (
        Deadline.objects.get(object_id=str(so_victim.pk), kind="complaint.auto_upgrade").state
        == DeadlineState.OPEN
    )
    # … while the other rows were done.
    other = scene["so"][1]
    other.refresh_from_db()
    assert other.level == "major"
    flagged = Deadline.objects.filter(overdue_at__isnull=False).exclude(pk=victim.pk)
    assert flagged.exists()
    notices_before, events_before = _overdue_notices(), _overdue_events()

    # The fault is gone: the next run does exactly the missing work.
    monkeypatch.setattr(notifications, "notify", real_notify)
    monkeypatch.setattr(timers, "restart_on_upgrade", real_restart)
    again = run_all_sweeps(now=NOW + dt.timedelta(minutes=1))
    assert again["complaints.auto_upgrade"] == 1
    victim.refresh_from_db()
    assert victim.overdue_at == NOW + dt.timedelta(minutes=1)
    notices, events = _overdue_notices(), _overdue_events()
    assert max(notices.values()) == 1
    assert max(events.values()) == 1
    assert events[victim.pk] == 1
    assert {k: v for k, v in notices.items() if k not in notices_before} == {
        f"deadline.overdue:{victim.pk}:{pcs_team['butler'].pk}:in_app": 1,
        f"deadline.escalated:{victim.pk}:{victim.escalate_to_id}:in_app": 1,
    }
    assert set(events) - set(events_before) == {victim.pk}
    so_victim.refresh_from_db()
    assert so_victim.level == "major"
    upgraded = Counter(
        TimelineEvent.objects.filter(action="complaint.upgraded").values_list(
            "object_id", flat=True
        )
    )
    assert upgraded == {str(so_victim.pk): 1, str(other.pk): 1}


# --- a real process killed midway ------------------------------------------------------------


def _many_overdue(project: Project, staff: Staff, leader: Staff, count: int) -> list[int]:
    """`count` complaints, each with an overdue first response, written with bulk_create (the
    intake service would take minutes for thousands; the sweep only reads the stored rows)."""
    version = current_version(project)
    received = WORKING - dt.timedelta(days=1)
    complaints = Complaint.objects.bulk_create(
        Complaint(
            project=project,
            number=f"BULK-{n:06d}",
            policy=version,
            kind="complaint",
            channel="phone",
            level="general",
            severity=2,
            complainant_name=f"业主{n}",
            subject=f"批量投诉{n}",
            content=f"批量投诉{n}",
            received_at=received,
            received_by=staff,
            handler=staff,
        )
        for n in range(count)
    )
    complaint_type = ContentType.objects.get_for_model(Complaint)
    rows = Deadline.objects.bulk_create(
        Deadline(
            project=project,
            content_type=complaint_type,
            object_id=str(c.pk),
            kind="complaint.first_response",
            label="首次回应时限",
            starts_at=received,
            due_at=received + dt.timedelta(hours=8),
            remind_at=received + dt.timedelta(hours=6),
            explanation="首次回应时限（工作时间内受理8小时）",
            responsible=staff,
            escalate_to=leader,
        )
        for c in complaints
    )
    return [row.pk for row in rows]


@pytest.mark.django_db(transaction=True)
def test_sweep_killed_midway_then_run_again_flags_every_deadline_exactly_once(
    tmp_path: Path, pcs_team, community
) -> None:
    count = 2000
    ids = _many_overdue(community, pcs_team["butler"], pcs_team["manager"], count)
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "propdesk.settings",
        "PROPDESK_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        # batches of 20: the run spans 100 transactions, so the kill after the first few lands
        # mid-run however fast the machine (with 200 a fast sweep sometimes finished first)
        "PROPDESK_SWEEP_BATCH": "20",
    }
    env.pop("PROPDESK_TESTING", None)
    flagged = Deadline.objects.filter(pk__in=ids, overdue_at__isnull=False)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "sweep",
            "--skip-checks",
            "--now",
            NOW.isoformat(),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while flagged.count() < 50:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "the sweep did not start"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    done_before = flagged.count()
    assert 50 <= done_before < count, "killed too late to test a partial run"
    # What the killed run committed is complete per row: a mark always comes with its notices.
    marked = set(flagged.values_list("pk", flat=True))
    assert set(_overdue_events()) == marked
    notified = {
        n.data["deadline"]
        for n in Notification.objects.filter(event="deadline.overdue").only("data")
    }
    assert notified == marked

    results = run_all_sweeps(now=NOW + dt.timedelta(minutes=1))
    assert results["core.deadlines"] == count - done_before
    assert flagged.count() == count
    events = _overdue_events()
    assert set(events) == set(ids)
    assert set(events.values()) == {1}
    notices = Counter(
        (n.event, n.data["deadline"])
        for n in Notification.objects.filter(event__in=["deadline.overdue", "deadline.escalated"])
    )
    assert len(notices) == 2 * count
    assert set(notices.values()) == {1}
    assert timezone.is_aware(Deadline.objects.get(pk=ids[0]).overdue_at)
