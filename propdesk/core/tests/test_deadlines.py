"""Stored deadlines and their sweep (R-GEN-07/08): reminder before expiry, overdue flag and
escalation at expiry, each exactly once — also across crashes and concurrent sweeps."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from propdesk.core.errors import ValidationFailed
from propdesk.core.models import Building, Deadline, Notification, Project, Staff
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.services import deadlines as deadline_service
from propdesk.core.services import notifications
from propdesk.core.services.deadlines import (
    cancel_deadlines,
    deadlines_of,
    meet_deadline,
    set_deadline,
    sweep_deadlines,
)
from propdesk.core.services.timeline import timeline_of
from propdesk.core.tests.factories import BuildingFactory

# 2026-03-02 09:00 Asia/Shanghai; a 10-hour window ends 19:00, the reminder (20%) is due 17:00.
START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
DUE = START + dt.timedelta(hours=10)
REMIND = START + dt.timedelta(hours=8)


@pytest.fixture
def building(project_a: Project) -> Building:
    return BuildingFactory(project=project_a, code="7", name="7栋")


def _set(
    entity: Any,
    *,
    kind: str = "first_response",
    label: str = "7栋外墙渗水首次响应",
    due: dt.datetime = DUE,
    responsible: Staff | None = None,
    escalate_to: Staff | None = None,
) -> Deadline:
    return set_deadline(
        entity=entity,
        project_id=entity.project_id,
        kind=kind,
        label=label,
        starts_at=START,
        due_at=due,
        explanation="受理后10小时内响应(按自然时间计算)",
        responsible=responsible,
        escalate_to=escalate_to,
    )


def _notices() -> list[tuple[str, int, str]]:
    return sorted(
        Notification.objects.values_list("event", "recipient_id", "dedupe_key").order_by("id")
    )


# --- setting, meeting, cancelling ------------------------------------------------------------
def test_r_gen_08_reminder_time_is_twenty_percent_before_expiry(building: Building) -> None:
    # R-GEN-08
    deadline = _set(building)
    assert (deadline.starts_at, deadline.due_at, deadline.remind_at) == (START, DUE, REMIND)
    assert deadline.state == DeadlineState.OPEN
    assert deadline.project_id == building.project_id
    assert (deadline.content_type.model, deadline.object_id) == ("building", str(building.pk))


def test_lead_ratio_is_configurable(building: Building) -> None:
    deadline = set_deadline(
        entity=building,
        project_id=building.project_id,
        kind="k",
        label="l",
        starts_at=START,
        due_at=DUE,
        lead_ratio=0.5,
    )
    assert deadline.remind_at == START + dt.timedelta(hours=5)


@pytest.mark.parametrize(
    ("starts_at", "due_at", "lead_ratio", "field"),
    [
        (START, START - dt.timedelta(minutes=1), 0.2, "due_at"),
        (START.replace(tzinfo=None), DUE, 0.2, "starts_at"),
        (START, DUE, 1.5, "lead_ratio"),
    ],
    ids=["due_before_start_case", "naive_time_case", "ratio_above_one_case"],
)
def test_invalid_deadline_is_rejected_and_writes_nothing(
    building: Building, starts_at: dt.datetime, due_at: dt.datetime, lead_ratio: float, field: str
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        set_deadline(
            entity=building,
            project_id=building.project_id,
            kind="k",
            label="l",
            starts_at=starts_at,
            due_at=due_at,
            lead_ratio=lead_ratio,
        )
    assert list(excinfo.value.fields) == [field]
    assert Deadline.objects.count() == 0


def test_setting_a_deadline_again_cancels_the_open_one(building: Building) -> None:
    first = _set(building)
    other_kind = _set(building, kind="handling")
    second = _set(building, due=DUE + dt.timedelta(hours=2))
    states = {d.pk: d.state for d in deadlines_of(building)}
    assert states == {
        first.pk: DeadlineState.CANCELLED,
        other_kind.pk: DeadlineState.OPEN,
        second.pk: DeadlineState.OPEN,
    }


def test_database_allows_one_open_deadline_per_entity_and_kind(building: Building) -> None:
    first = _set(building)
    duplicate = Deadline(
        project_id=first.project_id,
        content_type=first.content_type,
        object_id=first.object_id,
        kind=first.kind,
        label="duplicate",
        starts_at=START,
        due_at=DUE,
        remind_at=REMIND,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    duplicate.state = DeadlineState.CANCELLED
    duplicate.save()
    assert deadlines_of(building).count() == 2


def test_deadlines_of_lists_only_the_entity(project_a: Project, building: Building) -> None:
    other = BuildingFactory(project=project_a, code="8", name="8栋")
    mine = _set(building)
    _set(other)
    assert [d.pk for d in deadlines_of(building)] == [mine.pk]


def test_meet_deadline_marks_the_open_one(building: Building) -> None:
    deadline = _set(building)
    met = meet_deadline(entity=building, kind="first_response", at=REMIND)
    assert met is not None
    assert met.pk == deadline.pk
    deadline.refresh_from_db()
    assert (deadline.state, deadline.met_at) == (DeadlineState.MET, REMIND)
    assert meet_deadline(entity=building, kind="first_response") is None


def test_cancel_deadlines_by_kind(building: Building) -> None:
    _set(building, kind="a")
    _set(building, kind="b")
    _set(building, kind="c")
    assert cancel_deadlines(entity=building, kinds=["a", "b"]) == 2
    assert cancel_deadlines(entity=building) == 1
    assert cancel_deadlines(entity=building) == 0
    assert set(deadlines_of(building).values_list("state", flat=True)) == {"cancelled"}


# --- the sweep --------------------------------------------------------------------------------
def test_r_gen_08_sweep_when_nothing_is_due_does_nothing(
    building: Building, engineer_a: Staff, django_assert_max_num_queries: Any
) -> None:
    _set(building, responsible=engineer_a)
    with django_assert_max_num_queries(2):
        assert sweep_deadlines(now=REMIND - dt.timedelta(minutes=1)) == 0
    assert Notification.objects.count() == 0
    deadline = Deadline.objects.get()
    assert (deadline.reminded_at, deadline.overdue_at) == (None, None)


def test_r_gen_08_reminder_is_sent_once_across_two_sweeps(
    building: Building, engineer_a: Staff
) -> None:
    deadline = _set(building, responsible=engineer_a)
    assert sweep_deadlines(now=REMIND + dt.timedelta(minutes=5)) == 1
    assert sweep_deadlines(now=REMIND + dt.timedelta(minutes=10)) == 0
    assert _notices() == [
        ("deadline.reminder", engineer_a.pk, f"deadline:{deadline.pk}:reminder:in_app")
    ]
    notice = Notification.objects.get()
    # the text names the deadline and its local (Asia/Shanghai) due time
    assert "7栋外墙渗水首次响应" in notice.subject
    assert "2026-03-02 19:00" in notice.subject
    assert notice.body == "受理后10小时内响应(按自然时间计算)"
    assert notice.data["deadline"] == deadline.pk
    assert notice.project_id == building.project_id
    deadline.refresh_from_db()
    assert deadline.reminded_at == REMIND + dt.timedelta(minutes=5)
    assert deadline.overdue_at is None


def test_r_gen_08_overdue_flag_and_escalation_happen_once(
    building: Building, engineer_a: Staff, manager_a: Staff
) -> None:
    deadline = _set(building, responsible=engineer_a, escalate_to=manager_a)
    assert sweep_deadlines(now=REMIND) == 1
    assert sweep_deadlines(now=DUE) == 1
    assert sweep_deadlines(now=DUE + dt.timedelta(hours=1)) == 0
    assert _notices() == sorted(
        [
            ("deadline.reminder", engineer_a.pk, f"deadline:{deadline.pk}:reminder:in_app"),
            ("deadline.overdue", engineer_a.pk, f"deadline:{deadline.pk}:overdue:in_app"),
            ("deadline.escalated", manager_a.pk, f"deadline:{deadline.pk}:escalated:in_app"),
        ]
    )
    escalation = Notification.objects.get(event="deadline.escalated")
    assert "7栋外墙渗水首次响应" in escalation.subject
    assert engineer_a.name in escalation.subject
    deadline.refresh_from_db()
    assert (deadline.state, deadline.overdue_at) == (DeadlineState.OPEN, DUE)
    events = [(e.action, e.actor_id, e.actor_name, e.at) for e in timeline_of(building)]
    assert events == [("deadline.overdue", None, "系统", DUE)]


def test_r_gen_08_first_sweep_after_expiry_flags_overdue_without_late_reminder(
    building: Building, engineer_a: Staff
) -> None:
    deadline = _set(building, responsible=engineer_a)
    assert sweep_deadlines(now=DUE + dt.timedelta(minutes=1)) == 1
    assert [e for e, _r, _k in _notices()] == ["deadline.overdue"]
    deadline.refresh_from_db()
    assert deadline.reminded_at is None


def test_r_gen_08_met_deadline_is_never_reminded_or_flagged(
    building: Building, engineer_a: Staff, manager_a: Staff
) -> None:
    _set(building, responsible=engineer_a, escalate_to=manager_a)
    meet_deadline(entity=building, kind="first_response", at=REMIND - dt.timedelta(hours=1))
    assert sweep_deadlines(now=REMIND) == 0
    assert sweep_deadlines(now=DUE + dt.timedelta(days=1)) == 0
    assert Notification.objects.count() == 0
    assert list(timeline_of(building)) == []


def test_r_gen_08_replaced_deadline_is_not_swept(building: Building, engineer_a: Staff) -> None:
    old = _set(building, responsible=engineer_a)
    new = _set(building, responsible=engineer_a, due=DUE + dt.timedelta(days=1))
    assert sweep_deadlines(now=DUE) == 0
    old.refresh_from_db()
    assert (old.state, old.overdue_at) == (DeadlineState.CANCELLED, None)
    assert Notification.objects.count() == 0
    assert sweep_deadlines(now=new.due_at) == 1


def test_deadline_without_people_is_flagged_without_notices(building: Building) -> None:
    _set(building)
    assert sweep_deadlines(now=DUE) == 1
    assert Notification.objects.count() == 0
    assert [e.action for e in timeline_of(building)] == ["deadline.overdue"]


def test_reminder_also_goes_by_email_when_switched_on(
    building: Building, make_staff: Any, project_a: Project
) -> None:
    tech = make_staff(project_a, "engineer", name="吴工程", email="wu@example.cn")
    _set(building, responsible=tech)
    with override_settings(PROPDESK_USE_EMAIL=True):
        assert sweep_deadlines(now=REMIND) == 1
    assert sorted(Notification.objects.values_list("channel", "status")) == [
        ("email", "pending"),
        ("in_app", "sent"),
    ]


def test_sweep_processes_more_rows_than_one_batch(
    project_a: Project, engineer_a: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deadline_service, "SWEEP_BATCH", 2)
    for i in range(5):
        _set(BuildingFactory(project=project_a, code=f"b{i}"), responsible=engineer_a)
    assert sweep_deadlines(now=DUE) == 5
    assert Notification.objects.filter(event="deadline.overdue").count() == 5


# --- crash safety -----------------------------------------------------------------------------
class Crash(BaseException):
    """Stands for the process dying (not an ordinary error the sweep could catch)."""


def _three_overdue(project: Project, responsible: Staff) -> list[Deadline]:
    return [
        _set(
            BuildingFactory(project=project, code=f"c{i}"),
            responsible=responsible,
            due=DUE + dt.timedelta(minutes=i),
        )
        for i in range(3)
    ]


def _notify_failing_for(
    monkeypatch: pytest.MonkeyPatch, deadline: Deadline, exc: BaseException
) -> None:
    real_notify = notifications.notify

    def notify(**kwargs: Any) -> list[Notification]:
        if kwargs["dedupe_key"].startswith(f"deadline:{deadline.pk}:"):
            raise exc
        return real_notify(**kwargs)

    monkeypatch.setattr(notifications, "notify", notify)


def test_r_gen_08_crash_midway_loses_and_duplicates_nothing(
    project_a: Project, engineer_a: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three overdue deadlines and a sweep that dies while handling the second
    first, second, third = _three_overdue(project_a, engineer_a)
    _notify_failing_for(monkeypatch, second, Crash())
    with pytest.raises(Crash):
        sweep_deadlines(now=DUE + dt.timedelta(hours=1))
    # then the first is fully done and the second rolled back (no flag, no notice)
    flagged = dict(Deadline.objects.values_list("pk", "overdue_at"))
    assert flagged[first.pk] is not None
    assert flagged[second.pk] is None
    assert flagged[third.pk] is None
    assert [k for _e, _r, k in _notices()] == [f"deadline:{first.pk}:overdue:in_app"]
    # when the sweep runs again healthy, it completes the rest, each notice exactly once
    monkeypatch.undo()
    assert sweep_deadlines(now=DUE + dt.timedelta(hours=1, minutes=1)) == 2
    assert sorted(k for _e, _r, k in _notices()) == sorted(
        f"deadline:{d.pk}:overdue:in_app" for d in (first, second, third)
    )
    assert Deadline.objects.filter(overdue_at__isnull=True).count() == 0


def test_r_gen_08_failing_row_does_not_block_the_others(
    project_a: Project, engineer_a: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a row whose notice fails with an ordinary error
    first, second, third = _three_overdue(project_a, engineer_a)
    _notify_failing_for(monkeypatch, second, RuntimeError("mail template broken"))
    # when the sweep runs, the others are handled and the sweep still reports the failure
    with pytest.raises(RuntimeError, match=f"failed for deadline\\(s\\) {second.pk}"):
        sweep_deadlines(now=DUE + dt.timedelta(hours=1))
    assert sorted(
        Deadline.objects.filter(overdue_at__isnull=False).values_list("pk", flat=True)
    ) == [
        first.pk,
        third.pk,
    ]
    # then the next healthy run handles only the failed row
    monkeypatch.undo()
    assert sweep_deadlines(now=DUE + dt.timedelta(hours=2)) == 1
    assert Notification.objects.filter(event="deadline.overdue").count() == 3


@pytest.mark.django_db(transaction=True)
def test_r_gen_08_concurrent_sweeps_notify_each_deadline_once(
    project_a: Project, engineer_a: Staff, manager_a: Staff
) -> None:
    # given 12 deadlines, half due for a reminder and half overdue
    for i in range(12):
        _set(
            BuildingFactory(project=project_a, code=f"s{i}"),
            responsible=engineer_a,
            escalate_to=manager_a,
            due=DUE if i % 2 else DUE + dt.timedelta(hours=2),
        )
    now = DUE + dt.timedelta(minutes=30)  # reminders of the later ones fall due at DUE + 24 min
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def sweeper() -> None:
        try:
            start.wait(timeout=30)
            results.append(sweep_deadlines(now=now))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when three sweeps run at the same moment
    threads = [threading.Thread(target=sweeper) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then each deadline was handled by exactly one of them
    assert errors == []
    assert sum(results) == 12
    events = list(Notification.objects.values_list("event", flat=True))
    assert sorted(events) == sorted(
        ["deadline.reminder"] * 6 + ["deadline.overdue"] * 6 + ["deadline.escalated"] * 6
    )
