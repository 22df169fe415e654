"""`core.bulk.insert_rows`: the sweep's prepared INSERT stores exactly what `bulk_create` would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from propdesk.core import bulk
from propdesk.core.models import Notification, Project, Resident, Staff, TimelineEvent
from propdesk.core.models.notifications import Channel, DeliveryStatus

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 10, 8, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _notice(project: Project, staff: Staff, key: str, **kw: object) -> Notification:
    fields: dict[str, object] = {
        "project": project,
        "recipient": staff,
        "channel": Channel.IN_APP,
        "event": "deadline.overdue",
        "subject": "首次响应已超时",
        "body": "国庆假期顺延",
        "data": {"deadline": 7, "due_at": AT.isoformat(), "名称": "投诉"},
        "dedupe_key": key,
        "status": DeliveryStatus.SENT,
        "sent_at": AT,
        **kw,
    }
    return Notification(**fields)


def test_rows_read_back_as_bulk_create_writes_them(project_a: Project, clerk_a: Staff) -> None:
    ours = _notice(project_a, clerk_a, "k:ours")
    theirs = _notice(project_a, clerk_a, "k:theirs")
    bulk.insert_rows(Notification, [ours])
    Notification.objects.bulk_create([theirs])
    fields = [f.attname for f in Notification._meta.concrete_fields if f.attname != "id"]
    got = Notification.objects.filter(dedupe_key="k:ours").values(*fields).get()
    want = Notification.objects.filter(dedupe_key="k:theirs").values(*fields).get()
    assert got["created_at"] is not None  # auto_now_add is stamped
    for row in (got, want):
        row.pop("dedupe_key")
        row.pop("created_at")
    assert got == want
    assert got["sent_at"] == AT
    assert got["data"]["名称"] == "投诉"
    assert got["status"] == "sent"


def test_ignore_conflicts_skips_existing_keys_only(project_a: Project, clerk_a: Staff) -> None:
    bulk.insert_rows(Notification, [_notice(project_a, clerk_a, "k:1")])
    bulk.insert_rows(
        Notification,
        [_notice(project_a, clerk_a, "k:1", subject="重复"), _notice(project_a, clerk_a, "k:2")],
        ignore_conflicts=True,
    )
    assert sorted(Notification.objects.values_list("dedupe_key", "subject")) == [
        ("k:1", "首次响应已超时"),
        ("k:2", "首次响应已超时"),
    ]


def test_timeline_events_with_null_actor(project_a: Project) -> None:
    resident = Resident.objects.create(project=project_a, name="张三")
    kind = ContentType.objects.get_for_model(Resident)
    events = [
        TimelineEvent(
            project_id=project_a.pk,
            content_type_id=kind.pk,
            object_id=str(resident.pk),
            actor=None,
            actor_name="系统",
            at=AT + dt.timedelta(minutes=n),
            action="deadline.overdue",
            data={"n": n},
        )
        for n in range(3)
    ]
    bulk.insert_rows(TimelineEvent, events)
    bulk.insert_rows(TimelineEvent, [])  # nothing to do
    stored = list(TimelineEvent.objects.filter(action="deadline.overdue").order_by("at"))
    assert [(e.actor_id, e.actor_name, e.data["n"]) for e in stored] == [
        (None, "系统", 0),
        (None, "系统", 1),
        (None, "系统", 2),
    ]
    assert stored[1].at == AT + dt.timedelta(minutes=1)
