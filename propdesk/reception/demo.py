"""Demo data for the sales-centre floor: the VIP rooms of each sales centre (VIP1室 … VIP3室), two
sales groups of the centre's salespeople, today's plan opened with a few visitors and calls
already decided, and client cards with a confirmed appointment, so the room board, the rotation
console, the TV board and the daily report show something right after `propdesk demo`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from propdesk.core import permissions as P
from propdesk.core.models import Membership, Project, Staff
from propdesk.core.models.tenancy import ProjectKind
from propdesk.core.services.numbering import next_number
from propdesk.reception.models import Appointment, ClientCard, VipRoom
from propdesk.reception.services import rotation, rotation_setup

CLIENTS = (("王", "先生", "13800138001"), ("李", "女士", "13900139002"), ("陈", "先生", ""))


def extend_demo(projects: dict[str, Project], *, seed: int) -> dict[str, int]:
    now = timezone.now()
    centres = [p for p in projects.values() if p.kind == ProjectKind.SALES_CENTRE]
    rooms = [
        VipRoom(project=project, number=str(n), sort=n, state_at=now)
        for project in centres
        for n in (1, 2, 3)
    ]
    VipRoom.objects.bulk_create(rooms)
    counts = {"VIP rooms": len(rooms), "sales groups": 0, "turn records": 0, "client cards": 0}
    for project in centres:
        made = _rotation(project, now)
        for key, value in made.items():
            counts[key] += value
    return counts


def _floor_people(project: Project) -> tuple[list[Staff], Staff | None]:
    """The centre's salespeople (by id) and a manager of the floor."""
    members = Membership.objects.filter(project=project, is_active=True).select_related(
        "staff", "role"
    )
    sales = sorted({m.staff for m in members if m.role.code == "salesperson"}, key=lambda s: s.pk)
    managers = [m.staff for m in members if P.SUPERVISE_RECEPTION in (m.role.permissions or [])]
    return sales, (min(managers, key=lambda s: s.pk) if managers else None)


@transaction.atomic
def _rotation(project: Project, now: dt.datetime) -> dict[str, int]:
    sales, manager = _floor_people(project)
    if manager is None or len(sales) < 4:
        return {}
    half = len(sales) // 2
    for code, name, members in (("A", "销售一组", sales[:half]), ("B", "销售二组", sales[half:])):
        rotation_setup.save_group(
            actor=manager,
            project_id=project.pk,
            code=code,
            name=name,
            members=[s.pk for s in members],
            sort=ord(code),
        )
    cards = []
    for i, (name, salutation, mobile) in enumerate(CLIENTS):
        owner = sales[i % len(sales)]
        cards.append(
            ClientCard.objects.create(
                project=project,
                number=next_number(project=project, key="vip_card"),
                name=name,
                salutation=salutation,
                mobile=mobile,
                party_size=2,
                owner=owner,
                registered_at=now - dt.timedelta(days=7 + i),
                registered_by=owner,
            )
        )
    slot = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)
    Appointment.objects.create(
        project=project,
        number=next_number(project=project, key="appointment"),
        card=cards[0],
        salesperson=cards[0].owner,
        state="confirmed",
        state_at=now,
        proposed_at=slot,
        confirmed_at=slot,
        party_size=2,
        approved_by=manager,
        approved_at=now,
        created_by=cards[0].owner,
        created_at=now - dt.timedelta(days=1),
    )
    today = timezone.localdate(now)
    rotation_setup.plan_day(
        actor=manager,
        project_id=project.pk,
        day=today,
        duty_shifts=[{"staff": manager.pk, "start": "00:00", "end": "23:59"}],
        open_from=dt.time(0, 0),
        open_until=dt.time(23, 59),
    )
    rotation.open_rota_day(actor=manager, project_id=project.pk, day=today, now=now)
    first = rotation.report(actor=manager, project_id=project.pk, event="visit", now=now)
    rotation.report(actor=manager, project_id=project.pk, event="call", now=now)
    rotation.report(
        actor=manager, project_id=project.pk, event="visit", data={"card": cards[1].pk}, now=now
    )
    rotation.report(
        actor=manager,
        project_id=project.pk,
        event="visit_ended",
        data={"ref": first.decision.ref},
        now=now,
    )
    rotation.report(
        actor=manager, project_id=project.pk, event="call", data={"answered": False}, now=now
    )
    return {"sales groups": 2, "turn records": 5, "client cards": len(cards)}
