"""The demo data gives each sales centre its VIP rooms."""

from __future__ import annotations

from propdesk.core import demo
from propdesk.reception.models import VipRoom


def test_demo_sales_centre_has_three_free_vip_rooms(db: None) -> None:
    summary = demo.load_demo(seed=3)
    assert summary.counts["VIP rooms"] == 3
    rooms = VipRoom.objects.filter(project__kind="sales_centre").order_by("sort")
    assert [(r.number, r.state) for r in rooms] == [("1", "free"), ("2", "free"), ("3", "free")]


def test_demo_sales_centre_has_its_rotation_open_with_decisions(db: None) -> None:
    from propdesk.reception.models import RotaDay, SalesGroup, TurnRecord

    summary = demo.load_demo(seed=3)
    assert summary.counts["sales groups"] == 2
    assert SalesGroup.objects.get(code="A").members.count() >= 2
    day = RotaDay.objects.get()
    assert (day.state, day.seq) == ("open", 5)
    reasons = list(TurnRecord.objects.order_by("seq").values_list("reason_code", flat=True))
    assert reasons == ["normal", "normal", "returning_client", "normal", "unanswered"]
