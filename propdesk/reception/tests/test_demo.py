"""The demo data gives each sales centre its VIP rooms."""

from __future__ import annotations

from propdesk.core import demo
from propdesk.reception.models import VipRoom


def test_demo_sales_centre_has_three_free_vip_rooms(db: None) -> None:
    summary = demo.load_demo(seed=3)
    assert summary.counts["VIP rooms"] == 3
    rooms = VipRoom.objects.filter(project__kind="sales_centre").order_by("sort")
    assert [(r.number, r.state) for r in rooms] == [("1", "free"), ("2", "free"), ("3", "free")]
