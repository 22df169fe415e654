"""The demo data set includes complaints taken through the real services."""

from __future__ import annotations

from propdesk.complaints.models import Complaint
from propdesk.core.models import TimelineEvent


def test_demo_data_includes_complaints_in_many_states(db: None) -> None:
    from propdesk.core import demo

    summary = demo.load_demo(seed=7)
    assert summary.counts["complaints"] == 90
    states = set(Complaint.objects.values_list("state", flat=True))
    assert {"received", "verified", "in_progress", "closed"} <= states
    # every complaint was numbered through the register and has its timeline
    assert Complaint.objects.filter(number="").count() == 0
    assert TimelineEvent.objects.filter(action="complaint.received").count() == 90
