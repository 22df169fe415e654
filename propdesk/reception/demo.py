"""Demo data for the sales-centre floor: the VIP rooms of each sales centre (VIP1室 … VIP3室), so
the room board and the X1 → G1 room request work right after `propdesk demo`."""

from __future__ import annotations

from django.utils import timezone

from propdesk.core.models import Project
from propdesk.core.models.tenancy import ProjectKind
from propdesk.reception.models import VipRoom


def extend_demo(projects: dict[str, Project], *, seed: int) -> dict[str, int]:
    now = timezone.now()
    rooms = [
        VipRoom(project=project, number=str(n), sort=n, state_at=now)
        for project in projects.values()
        if project.kind == ProjectKind.SALES_CENTRE
        for n in (1, 2, 3)
    ]
    VipRoom.objects.bulk_create(rooms)
    return {"VIP rooms": len(rooms)}
