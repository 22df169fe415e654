"""The sweep registry, its JobRun log, the huey tasks and `propdesk sweep` (issue item 9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from propdesk.core import sweeps, tasks
from propdesk.core.models import Deadline, JobRun, Notification, Project, Staff
from propdesk.core.services.deadlines import set_deadline
from propdesk.core.tests.factories import BuildingFactory

START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
DUE = START + dt.timedelta(hours=10)
CORE_SWEEPS = ["core.deadlines", "core.notifications", "core.job_runs"]


@pytest.fixture
def temporary_sweeps() -> Iterator[list[dt.datetime]]:
    """Two extra sweeps: one that works (and records the clock it got) and one that fails."""
    seen: list[dt.datetime] = []

    @sweeps.register_sweep("test.ok")
    def ok(now: dt.datetime) -> int:
        seen.append(now)
        return 3

    @sweeps.register_sweep("test.broken")
    def broken(now: dt.datetime) -> int:
        raise ZeroDivisionError("broken sweep")

    yield seen
    sweeps.unregister_sweep("test.ok")
    sweeps.unregister_sweep("test.broken")


def _overdue_deadline(project: Project, responsible: Staff) -> Deadline:
    building = BuildingFactory(project=project)
    return set_deadline(
        entity=building,
        project_id=project.pk,
        kind="first_response",
        label="首次响应",
        starts_at=START,
        due_at=DUE,
        responsible=responsible,
    )


def test_core_sweeps_are_registered_at_startup() -> None:
    assert list(sweeps.registered_sweeps())[:3] == CORE_SWEEPS


def test_a_name_cannot_be_taken_by_another_function(temporary_sweeps: list[dt.datetime]) -> None:
    def other(now: dt.datetime) -> int:
        return 0

    with pytest.raises(ValueError, match=r"test\.ok"):
        sweeps.register_sweep("test.ok")(other)


def test_run_all_sweeps_logs_a_job_run_per_sweep_and_survives_a_failure(
    db: None, temporary_sweeps: list[dt.datetime]
) -> None:
    now = timezone.now()
    results = sweeps.run_all_sweeps(now=now)
    # Every registered sweep ran once (packages add their own; the core ones come first).
    assert list(results) == list(sweeps.registered_sweeps())
    assert list(results)[:3] == CORE_SWEEPS
    assert {name: results[name] for name in [*CORE_SWEEPS, "test.ok", "test.broken"]} == {
        "core.deadlines": 0,
        "core.notifications": 0,
        "core.job_runs": 0,
        "test.ok": 3,
        "test.broken": 0,
    }
    assert temporary_sweeps == [now]
    runs = {run.name: run for run in JobRun.objects.all()}
    assert sorted(runs) == sorted(results)
    assert (runs["test.ok"].ok, runs["test.ok"].processed, runs["test.ok"].log) == (True, 3, "")
    broken = runs["test.broken"]
    assert broken.ok is False
    assert "ZeroDivisionError: broken sweep" in broken.log
    assert "Traceback" in broken.log
    assert all(
        run.finished_at is not None and run.finished_at >= run.started_at for run in runs.values()
    )


def test_old_job_runs_are_pruned(db: None) -> None:
    now = timezone.now()
    JobRun.objects.create(name="old", started_at=now - dt.timedelta(days=31))
    JobRun.objects.create(name="recent", started_at=now - dt.timedelta(days=29))
    assert sweeps.prune_job_runs(now) == 1
    assert list(JobRun.objects.values_list("name", flat=True)) == ["recent"]


def test_sweep_command_prints_processed_per_sweep_and_is_idempotent(
    project_a: Project, engineer_a: Staff
) -> None:
    _overdue_deadline(project_a, engineer_a)
    out = StringIO()
    call_command("sweep", "--now", "2026-03-02T19:30", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:3] == ["core.deadlines: 1", "core.notifications: 0", "core.job_runs: 0"]
    assert [line.split(":")[0] for line in lines] == list(sweeps.registered_sweeps())
    again = StringIO()
    call_command("sweep", "--now", "2026-03-02T19:45", stdout=again)
    assert again.getvalue().splitlines()[0] == "core.deadlines: 0"
    assert Notification.objects.filter(event="deadline.overdue").count() == 1
    # --now without an offset is Asia/Shanghai local time
    assert Deadline.objects.get().overdue_at == dt.datetime(2026, 3, 2, 11, 30, tzinfo=dt.UTC)


def test_sweep_command_reports_a_failed_sweep(
    db: None, temporary_sweeps: list[dt.datetime]
) -> None:
    out = StringIO()
    with pytest.raises(CommandError, match=r"1 sweep\(s\) failed: test\.broken"):
        call_command("sweep", stdout=out)
    lines = out.getvalue().splitlines()
    assert "test.ok: 3" in lines
    broken = next(line for line in lines if line.startswith("test.broken"))
    assert "failed" in broken
    assert "ZeroDivisionError: broken sweep" in broken


def test_sweep_command_rejects_a_bad_time(db: None) -> None:
    with pytest.raises(CommandError, match="--now"):
        call_command("sweep", "--now", "yesterday")
    assert JobRun.objects.count() == 0


def test_periodic_task_runs_all_sweeps(project_a: Project, engineer_a: Staff) -> None:
    _overdue_deadline(project_a, engineer_a)
    results = tasks.run_sweeps_periodically.call_local()
    assert results["core.deadlines"] == 1
    assert JobRun.objects.filter(name="core.deadlines", ok=True, processed=1).count() == 1


def test_periodic_task_is_scheduled_every_sweep_interval() -> None:
    task = tasks.run_sweeps_periodically.task_class()
    interval = settings.SWEEP_INTERVAL_MINUTES
    on_the_hour = dt.datetime(2026, 3, 2, 9, 0)
    assert task.validate_datetime(on_the_hour) is True
    assert task.validate_datetime(on_the_hour + dt.timedelta(minutes=interval)) is True
    assert task.validate_datetime(on_the_hour + dt.timedelta(minutes=1)) is (interval == 1)
