"""Fixtures of the rotation tests: the sales centre with two sales groups of three (A: 甲1..甲3,
B: 乙1..乙3), group A's supervisor, and the duty manager on site all day (R-ROTA-04)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from propdesk.core.models import Membership, Project, Role, Staff
from propdesk.core.tests.factories import StaffFactory
from propdesk.reception.services import rotation, rotation_setup
from propdesk.reception.tests.floor import TZ

DAY = dt.date(2026, 11, 17)  # a Tuesday; with the default anchor (2026-01-01) group A visits
MORNING = dt.datetime(2026, 11, 17, 9, 0, tzinfo=TZ)


def minute(n: float, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=TZ) + dt.timedelta(minutes=n)


def member(project: Project, name: str, role: str = "salesperson") -> Staff:
    staff = StaffFactory(name=name, company=project.company)
    Membership.objects.create(staff=staff, project=project, role=Role.objects.get(code=role))
    return staff


@pytest.fixture
def rota(centre: Project, supervisor: Staff) -> dict[str, Any]:
    """Groups A and B, their supervisor 组长 and the duty manager (the `supervisor` fixture)."""
    people = {name: member(centre, name) for name in ("甲1", "甲2", "甲3", "乙1", "乙2", "乙3")}
    lead = member(centre, "钱主管", role="duty_manager")
    rotation.forget_cache()
    group_a = rotation_setup.save_group(
        actor=supervisor,
        project_id=centre.pk,
        code="A",
        name="销售一组",
        members=[people[n].pk for n in ("甲1", "甲2", "甲3")],
        supervisor_id=lead.pk,
        sort=1,
    )
    group_b = rotation_setup.save_group(
        actor=supervisor,
        project_id=centre.pk,
        code="B",
        name="销售二组",
        members=[people[n].pk for n in ("乙1", "乙2", "乙3")],
        sort=2,
    )
    return {
        "project": centre,
        "manager": supervisor,
        "lead": lead,
        "people": people,
        "groups": (group_a, group_b),
    }


def plan(rota: dict[str, Any], day: dt.date = DAY, **extra: Any) -> Any:
    """The day planned with the duty manager on site 09:00–18:00."""
    return rotation_setup.plan_day(
        actor=rota["manager"],
        project_id=rota["project"].pk,
        day=day,
        duty_shifts=[{"staff": rota["manager"].pk, "start": "09:00", "end": "18:00"}],
        **extra,
    )


def open_(rota: dict[str, Any], day: dt.date = DAY, **extra: Any) -> Any:
    plan(rota, day, **extra)
    return rotation.open_rota_day(
        actor=rota["manager"], project_id=rota["project"].pk, day=day, now=minute(0, day)
    )


def who(rota: dict[str, Any], person: str | None) -> str:
    """The fixture name of a staff id string (None → "")."""
    if person is None:
        return ""
    names = {str(s.pk): n for n, s in rota["people"].items()}
    names[str(rota["lead"].pk)] = "钱主管"
    return names[person]


def report(
    rota: dict[str, Any],
    event: str,
    n: float,
    day: dt.date = DAY,
    actor: Staff | None = None,
    **data: Any,
) -> Any:
    return rotation.report(
        actor=actor or rota["manager"],
        project_id=rota["project"].pk,
        event=event,
        data=data,
        now=minute(n, day),
    )
