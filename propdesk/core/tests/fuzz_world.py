"""A small but complete world for the API fuzz, permission-matrix and isolation tests: two sales
centres (A and B) of one company, each with one object of every kind the API reaches (buildings,
units, residents, occupancies, departments, staff, memberships, tokens, calendar overrides,
notifications, complaints, contact sheets, reply letters, complaint groups, visits, intercom
calls, VIP rooms). Built once per test module (see `world_fixture`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from propdesk.complaints.models import (
    Complaint,
    ComplaintGroup,
    ContactSheet,
    LetterState,
    ReplyLetter,
    SheetState,
)
from propdesk.complaints.services import intake
from propdesk.core.models import (
    CalendarOverride,
    Department,
    Membership,
    Notification,
    Occupancy,
    Post,
    Project,
    Role,
    Staff,
)
from propdesk.core.services import tokens
from propdesk.core.tests.factories import (
    BuildingFactory,
    CompanyFactory,
    ProjectFactory,
    ResidentFactory,
    StaffFactory,
    UnitFactory,
)
from propdesk.reception.models import VipRoom
from propdesk.reception.services import calls as call_services
from propdesk.reception.services import visits as visit_services

TZ = ZoneInfo("Asia/Shanghai")

# An API path parameter → the kind of object of the world it names (`world[...][kind]` ids).
PATH_PARAMS = {
    "project_id": "project",
    "building_id": "building",
    "unit_id": "unit",
    "resident_id": "resident",
    "occupancy_id": "occupancy",
    "department_id": "department",
    "staff_id": "staff",
    "membership_id": "membership",
    "override_id": "override",
    "complaint_id": "complaint",
    "sheet_id": "sheet",
    "letter_id": "letter",
    "group_id": "group",
    "visit_id": "visit",
    "call_id": "call",
    "room_id": "room",
    "notification_id": "notification",
    "token_id": "token",
}
T0 = dt.datetime(2026, 11, 17, 10, 0, tzinfo=TZ)  # a Tuesday morning


def _member(project: Project, role: str, name: str, post: str = "", dept: str = "") -> Staff:
    staff = StaffFactory(name=name, company=project.company)
    Membership.objects.create(
        staff=staff,
        project=project,
        role=Role.objects.get(code=role),
        post=Post.objects.get(project=project, code=post) if post else None,
        department=Department.objects.get(project=project, code=dept) if dept else None,
    )
    return staff


def build_project(code: str, name: str, company: Any) -> dict[str, Any]:
    """One sales centre with one object of every kind; returns {kind: pk} plus the project and
    its project manager (who may do everything there) under "project" / "manager"."""
    project = ProjectFactory(code=code, name=name, kind="sales_centre", company=company)
    manager = _member(project, "project_manager", f"{name}经理", dept="cs")
    gate = _member(project, "reception_staff", f"{name}门岗", post="L1")
    building = BuildingFactory(project=project, code="1", name="1栋")
    unit = UnitFactory(building=building, number="0101")
    resident = ResidentFactory(project=project, name="张三", mobile="13812345678")
    occupancy = Occupancy.objects.create(unit=unit, resident=resident, role="owner")
    room = VipRoom.objects.create(project=project, number="1", sort=0)
    complaint = intake.receive(
        actor=manager,
        project_id=project.pk,
        data={
            "kind": "complaint",
            "channel": "visit",
            "complainant_name": "张三",
            "phone": "13812345678",
            "content": "楼上漏水，天花板渗水已经三天",
        },
        at=T0,
    )
    sheet = ContactSheet.objects.create(
        complaint=complaint,
        project=project,
        number=f"{code}-S1",
        department=Department.objects.get(project=project, code="cs"),
        content="请工程部上门查看",
        state=SheetState.ISSUED,
        requested_by=manager,
    )
    letter = ReplyLetter.objects.create(
        complaint=complaint,
        number=f"{code}-L1",
        body="您好,您反映的问题已处理。",
        state=LetterState.DRAFT,
        drafted_by=manager,
    )
    group = ComplaintGroup.objects.create(project=project, title="漏水批量问题")
    Complaint.objects.filter(pk=complaint.pk).update(group=group)
    visit = visit_services.start_visit(
        actor=gate,
        project_id=project.pk,
        details={
            "client_name": "王",
            "salutation": "mr",
            "party_size": 2,
            "appearance": "灰色西装",
            "arrival": "on_foot",
        },
        now=T0,
    )
    call = call_services.send_call(
        actor=gate, project_id=project.pk, template="hail", callee_post="CENTRE", now=T0
    )
    override = CalendarOverride.objects.create(
        project=project, date=dt.date(2026, 12, 24), kind="holiday", note="平安夜"
    )
    notification = Notification.objects.create(
        project=project,
        recipient=manager,
        channel="in_app",
        event="test",
        subject="提醒",
        dedupe_key=f"fuzz-{code}",
    )
    token, _ = tokens.create_token(user=manager.user)
    return {
        "project_obj": project,
        "manager": manager,
        "project": project.pk,
        "building": building.pk,
        "unit": unit.pk,
        "resident": resident.pk,
        "occupancy": occupancy.pk,
        "department": Department.objects.get(project=project, code="engineering").pk,
        "staff": gate.pk,
        "membership": Membership.objects.get(staff=gate).pk,
        "token": token.pk,
        "override": override.pk,
        "notification": notification.pk,
        "complaint": complaint.pk,
        "sheet": sheet.pk,
        "letter": letter.pk,
        "group": group.pk,
        "visit": visit.pk,
        "call": call.pk,
        "room": room.pk,
    }


def build_world() -> dict[str, dict[str, Any]]:
    company = CompanyFactory()
    return {
        "A": build_project("a", "加州1885", company),
        "B": build_project("b", "升龙汇金", company),
    }


def world_fixture() -> Callable[..., Iterator[dict[str, dict[str, Any]]]]:
    """A module-scoped fixture: the world is built once inside a transaction that is rolled back
    after the module; each test runs in a savepoint of it (pytest-django's `db`)."""

    @pytest.fixture(scope="module")
    def fixture(
        django_db_setup: Any, django_db_blocker: Any
    ) -> Iterator[dict[str, dict[str, Any]]]:
        with django_db_blocker.unblock(), transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)

    return fixture
