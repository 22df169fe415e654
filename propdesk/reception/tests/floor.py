"""Fixtures of the sales-centre floor tests: a sales centre (加州1885) with three VIP rooms and one
person at each post, plus helpers to walk a visit. Test modules import the fixtures they use
(`from propdesk.reception.tests.floor import centre, floor, ...`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from propdesk.core.models import Membership, Post, Project, Role, Staff
from propdesk.core.tests.factories import ProjectFactory, StaffFactory
from propdesk.reception.models import VipRoom, Visit
from propdesk.reception.services import visits as visit_services

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 17, 10, 0, tzinfo=TZ)  # a Tuesday morning

# post -> (person's name, role)
PEOPLE = {
    "L1": ("周礼宾", "reception_staff"),
    "L2": ("吴礼宾", "reception_staff"),
    "Y1": ("郑迎宾", "reception_staff"),
    "X1": ("张伟", "salesperson"),
    "G1": ("王管家", "reception_staff"),
    "S1": ("李水吧", "reception_staff"),
    "CENTRE": ("陈前台", "reception_staff"),
    "PANTRY": ("孙操作", "reception_staff"),
}


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def place(staff: Staff, project: Project, post: str, role: str = "reception_staff") -> Staff:
    """Give `staff` a membership at `post` in `project`."""
    Membership.objects.create(
        staff=staff,
        project=project,
        role=Role.objects.get(code=role),
        post=Post.objects.get(project=project, code=post),
    )
    return staff


@pytest.fixture
def centre(db: None) -> Project:
    project = ProjectFactory(
        code="jiazhou", name="加州1885售楼处", script_name="加州1885", kind="sales_centre"
    )
    for i, number in enumerate(("1", "2", "3")):
        VipRoom.objects.create(project=project, number=number, sort=i)
    return project


@pytest.fixture
def other_centre(db: None, centre: Project) -> Project:
    project = ProjectFactory(
        code="huijin", name="升龙汇金中心", kind="sales_centre", company=centre.company
    )
    VipRoom.objects.create(project=project, number="1")
    return project


@pytest.fixture
def floor(centre: Project) -> dict[str, Staff]:
    """One person at each post of the centre, keyed by post code."""
    return {
        post: place(StaffFactory(name=name, company=centre.company), centre, post, role)
        for post, (name, role) in PEOPLE.items()
    }


@pytest.fixture
def supervisor(centre: Project) -> Staff:
    """The duty manager (值班经理): supervises the floor, holds no post."""
    staff = StaffFactory(name="赵经理", company=centre.company)
    Membership.objects.create(
        staff=staff, project=centre, role=Role.objects.get(code="duty_manager")
    )
    return staff


@pytest.fixture
def walk_in(floor: dict[str, Staff], centre: Project) -> Callable[..., Visit]:
    def make(minute: float = 0, **details: Any) -> Visit:
        data = {
            "client_name": "王",
            "salutation": "mr",
            "party_size": 3,
            "appearance": "灰色西装",
            "arrival": "self_drive",
            **details,
        }
        return visit_services.start_visit(
            actor=floor["L1"], project_id=centre.pk, details=data, now=at(minute)
        )

    return make


def step(floor: dict[str, Staff], visit: Visit, action: str, post: str, minute: float) -> Visit:
    return visit_services.advance_visit(
        actor=floor[post], visit_id=visit.pk, action=action, now=at(minute)
    )


def to_reception_area(floor: dict[str, Staff], visit: Visit) -> Visit:
    """Gate → capacity 可以接待 → parking → door → reception area, minutes 1..5."""
    step(floor, visit, "ask_capacity", "L1", 1)
    step(floor, visit, "admit", "CENTRE", 2)
    step(floor, visit, "to_parking", "L1", 3)
    step(floor, visit, "to_door", "L2", 4)
    return step(floor, visit, "to_reception_area", "X1", 5)
