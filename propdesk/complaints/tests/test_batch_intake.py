"""A batch intake (受理 of many matters in one request, R-COMPLAINT-01): every item checked as a
single intake, all or nothing, consecutive numbers (R-GEN-03), and a paper register entered
later (补录) whose timers run from when the customer really reached us (R-COMPLAINT-18/34/43)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from propdesk.complaints.models import Complaint
from propdesk.complaints.services import intake
from propdesk.complaints.tests.conftest import TZ, WORKING, at
from propdesk.complaints.tests.test_api_complaints import PROBLEM, Api
from propdesk.core.errors import ValidationFailed
from propdesk.core.models import Deadline, DocumentCounter, Resident, TimelineEvent
from propdesk.core.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _item(**data: Any) -> dict[str, Any]:
    return {
        "kind": "complaint",
        "channel": "phone",
        "complainant_name": "张三",
        "phone": "13812345678",
        "content": "楼上漏水，天花板渗水已经三天",
        **data,
    }


def _timers(complaint: Complaint) -> list[tuple[Any, ...]]:
    return sorted(
        Deadline.objects.filter(object_id=str(complaint.pk)).values_list(
            "kind", "label", "starts_at", "due_at", "remind_at", "explanation",
            "responsible_id", "escalate_to_id", "state",
        )
    )  # fmt: skip


def _received(complaint: Complaint) -> TimelineEvent:
    return TimelineEvent.objects.get(object_id=str(complaint.pk), action="complaint.received")


def test_r_complaint_01_a_batch_is_received_exactly_as_single_intakes(pcs_team, community) -> None:
    butler = pcs_team["butler"]
    items = [
        _item(),
        _item(kind="consultation", channel="visit", complainant_name="李四"),
        _item(major_flags=["compensation"], subject="要求赔偿"),
    ]
    # given the same three matters received one by one in a second, identical project
    twin = ProjectFactory(code="twin", kind="residential", company=community.company)
    for membership in butler.memberships.filter(project=community):
        membership.pk = None
        membership.project = twin
        membership.save()
    singles = [intake.receive(actor=butler, project_id=twin.pk, data=i, at=WORKING) for i in items]
    # when the butler sends them as one batch
    batch = intake.receive_many(actor=butler, project_id=community.pk, items=items, at=WORKING)
    # then each gets the record, timers and timeline a single intake gives it
    assert [c.number[-4:] for c in batch] == ["0001", "0002", "0003"]
    for one, alone in zip(batch, singles, strict=True):
        stored = Complaint.objects.get(pk=one.pk)
        for field in ("kind", "channel", "level", "severity", "state", "in_working_time"):
            assert getattr(stored, field) == getattr(alone, field), field
        assert stored.handler_id == alone.handler_id == butler.pk
        assert [t[:6] + t[8:] for t in _timers(stored)] == [t[:6] + t[8:] for t in _timers(alone)]
        assert _received(stored).data == {**_received(alone).data, "number": stored.number}
        assert (one.next_due_at, one.next_due_label) == (alone.next_due_at, alone.next_due_label)
    # the major one (R-COMPLAINT-08) was raised and escalates as a single one does
    assert batch[2].level == singles[2].level != batch[0].level
    assert _timers(batch[2]) != []
    assert all(t[7] == pcs_team["supervisor"].pk for t in _timers(batch[2]))


def test_r_gen_03_one_bad_item_rejects_the_batch_and_writes_nothing(
    client, pcs_team, community
) -> None:
    other = ProjectFactory(code="other", kind="residential", company=community.company)
    stranger = Resident.objects.create(project=other, name="外人", mobile="13900000000")
    api = Api(client, pcs_team["butler"])
    body = {
        "project": community.pk,
        "items": [_item(), _item(phone="12", content=""), _item(resident_id=stranger.pk)],
    }
    # when one item has a bad phone and no content and another names a stranger's resident
    response = api.post("/complaints/batch", body)
    # then the errors name the item and field, in Chinese, and nothing is stored
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == {
        "items.1.phone": ["请输入11位手机号码或固定电话"],
        "items.1.content": ["此项为必填项。"],
        "items.2.resident_id": ["本项目中不存在"],
    }
    assert Complaint.objects.count() == Deadline.objects.count() == 0
    assert not TimelineEvent.objects.filter(action="complaint.received").exists()
    assert not DocumentCounter.objects.filter(last_value__gt=0).exists()
    # and the corrected batch takes the numbers from 0001, none skipped
    body["items"] = [_item(), _item(phone="0755-12345678"), _item()]
    created = api.post("/complaints/batch", body)
    assert created.status_code == 201
    assert [c["number"][-4:] for c in created.json()] == ["0001", "0002", "0003"]
    assert created.json()[1]["phone"] == "075512345678"  # stored without the dash
    assert all(c["next_due_at"] for c in created.json())


def test_batch_size_is_one_to_a_hundred(client, pcs_team, community) -> None:
    api = Api(client, pcs_team["butler"])
    empty = api.post("/complaints/batch", {"project": community.pk, "items": []})
    too_many = api.post("/complaints/batch", {"project": community.pk, "items": [_item()] * 101})
    assert (empty.status_code, too_many.status_code) == (422, 422)
    assert empty.json()["errors"] == {"items": ["请至少登记一条"]}
    assert too_many.json()["errors"] == {"items": ["一次最多登记100条"]}
    assert Complaint.objects.count() == 0
    hundred = api.post("/complaints/batch", {"project": community.pk, "items": [_item()] * 100})
    assert hundred.status_code == 201
    assert Complaint.objects.count() == 100


def test_batch_outside_ones_projects_is_404_and_writes_nothing(client, lh_team, community) -> None:
    response = Api(client, lh_team["club"]).post(
        "/complaints/batch", {"project": community.pk, "items": [_item()]}
    )
    assert response.status_code == 404
    assert Complaint.objects.count() == 0


def test_r_complaint_34_backfilled_register_runs_its_timers_from_when_received(
    pcs_team, community
) -> None:
    # R-COMPLAINT-34
    butler = pcs_team["butler"]
    # given a call taken on paper on Saturday night during an outage, entered Monday morning
    saturday_night = at(21, 22)
    monday = at(23, 9)
    [late] = intake.receive_many(
        actor=butler,
        project_id=community.pk,
        items=[_item(received_at=saturday_night)],
        at=monday,
    )
    # then it counts as received outside working time, with the 24 h first response from then
    assert late.received_at == saturday_night
    assert late.in_working_time is False
    first = Deadline.objects.get(object_id=str(late.pk), kind="complaint.first_response")
    assert first.starts_at == saturday_night
    assert first.due_at == saturday_night + dt.timedelta(
        hours=24
    )  # already past: the sweep flags it
    assert first.due_at < monday
    # and its timeline says when it was entered
    event = _received(late)
    assert event.at == saturday_night
    assert event.data["entered_at"] == monday.isoformat()


def test_backfill_is_neither_in_the_future_nor_older_than_seven_days(pcs_team, community) -> None:
    butler = pcs_team["butler"]
    now = at(23, 9)
    with pytest.raises(ValidationFailed) as refused:
        intake.receive_many(
            actor=butler,
            project_id=community.pk,
            items=[
                _item(received_at=now - dt.timedelta(days=7, minutes=1)),
                _item(received_at=now + dt.timedelta(hours=1)),
                _item(received_at="yesterday"),
            ],
            at=now,
        )
    assert {k: [str(m) for m in v] for k, v in refused.value.fields.items()} == {
        "items.0.received_at": ["纸质登记最迟可在7天内补录"],
        "items.1.received_at": ["受理时间不能晚于现在"],
        "items.2.received_at": ["请输入有效的日期和时间"],
    }
    assert Complaint.objects.count() == 0


def test_r_gen_03_backfill_across_new_year_numbers_each_year_without_gaps(
    pcs_team, community
) -> None:
    butler = pcs_team["butler"]
    new_year_night = dt.datetime(2027, 1, 1, 1, 0, tzinfo=TZ)
    items = [
        _item(received_at=dt.datetime(2026, 12, 31, 23, 30, tzinfo=TZ)),
        _item(received_at=dt.datetime(2027, 1, 1, 0, 30, tzinfo=TZ)),
        _item(received_at=dt.datetime(2026, 12, 31, 23, 45, tzinfo=TZ)),
    ]
    batch = intake.receive_many(
        actor=butler, project_id=community.pk, items=items, at=new_year_night
    )
    assert [c.number.split("-")[1:] for c in batch] == [
        ["2026", "000001"],
        ["2027", "000001"],
        ["2026", "000002"],
    ]


def test_batch_runs_the_same_number_of_queries_for_5_or_50_items(pcs_team, community) -> None:
    butler = pcs_team["butler"]
    counts = []
    for size in (1, 5, 50):  # the first warms the process-wide caches (content types)
        with CaptureQueriesContext(connection) as queries:
            intake.receive_many(
                actor=butler,
                project_id=community.pk,
                items=[
                    _item(major_flags=["compensation"]) if n % 2 else _item() for n in range(size)
                ],
                at=WORKING,
            )
        counts.append(len(queries))
    # one statement more only where the database caps the rows per INSERT (SQLite: 999 values)
    fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    per_insert = connection.ops.bulk_batch_size(fields, [None] * 50)
    assert counts[2] == counts[1] + (-(-50 // per_insert) - 1)
    assert Complaint.objects.count() == 56
    assert Deadline.objects.filter(kind__startswith="complaint.").count() >= 56
