"""Complaint fixtures: a community running PCS and a sales centre running LH, with staff in the
policy roles (butler, supervisor, manager, engineering, legal …)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from propdesk.complaints.models import Complaint
from propdesk.complaints.services import intake
from propdesk.core.models import Department, Membership, Project, Role, Staff
from propdesk.core.tests.factories import ProjectFactory, StaffFactory

TZ = ZoneInfo("Asia/Shanghai")
# A Tuesday in working time (2026-11-17 10:00) and a Saturday night.
WORKING = dt.datetime(2026, 11, 17, 10, 0, tzinfo=TZ)
NIGHT = dt.datetime(2026, 11, 21, 22, 0, tzinfo=TZ)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def community(db: None) -> Project:
    return ProjectFactory(code="cuihu", name="翠湖花园", record_prefix="地王", kind="residential")


@pytest.fixture
def sales_centre(db: None, community: Project) -> Project:
    return ProjectFactory(
        code="jiazhou", name="加州1885", kind="sales_centre", company=community.company
    )


@pytest.fixture
def person(db: None) -> Callable[..., Staff]:
    def make(project: Project, role: str, name: str, department: str = "") -> Staff:
        staff = StaffFactory(name=name, company=project.company)
        dept = Department.objects.get(project=project, code=department) if department else None
        Membership.objects.create(
            staff=staff, project=project, role=Role.objects.get(code=role), department=dept
        )
        return staff

    return make


@pytest.fixture
def pcs_team(community: Project, person: Callable[..., Staff]) -> dict[str, Staff]:
    """PCS roles of R-COMPLAINT-33..50 in the community."""
    return {
        "butler": person(community, "butler", "王管家", "cs"),
        "supervisor": person(community, "cs_supervisor", "李主管", "cs"),
        "manager": person(community, "cs_manager", "赵经理", "cs"),
        "engineer": person(community, "engineering_head", "孙工", "engineering"),
        "gpm": person(community, "gpm", "钱总"),
        "archivist": person(community, "archivist", "周档案"),
    }


@pytest.fixture
def lh_team(sales_centre: Project, person: Callable[..., Staff]) -> dict[str, Staff]:
    """LH roles of R-COMPLAINT-13..32 in the sales centre."""
    return {
        "club": person(sales_centre, "club_staff", "吴会员专员", "club"),
        "supervisor": person(sales_centre, "club_supervisor", "郑主管", "club"),
        "manager": person(sales_centre, "dept_manager", "冯经理", "club"),
        "approver": person(sales_centre, "marketing_manager", "陈策划经理", "marketing"),
        "department": person(sales_centre, "engineering_head", "褚工", "engineering"),
        "legal": person(sales_centre, "legal", "卫法务", "legal"),
        "executive": person(sales_centre, "deputy_gm", "蒋副总"),
        "chairman": person(sales_centre, "chairman", "沈董事长"),
    }


@pytest.fixture
def receive() -> Callable[..., Complaint]:
    def make(actor: Staff, project: Project, when: dt.datetime = WORKING, **data: Any) -> Complaint:
        payload: dict[str, Any] = {
            "kind": "complaint",
            "channel": "visit",
            "complainant_name": "张三",
            "phone": "13812345678",
            "content": "楼上漏水，天花板渗水已经三天",
            **data,
        }
        return intake.receive(actor=actor, project_id=project.pk, data=payload, at=when)

    return make
