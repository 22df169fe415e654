"""End-to-end service flows of the four policies on a real database (SPEC §11.3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from propdesk.complaints.models import Complaint, ContactSheet, SheetState
from propdesk.complaints.services import actions, intake, timers
from propdesk.complaints.workflows import GuardFailed, State
from propdesk.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from propdesk.core.models import Deadline, TimelineEvent
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.services.deadlines import deadlines_of

from .conftest import NIGHT, TZ, WORKING, at

pytestmark = pytest.mark.django_db


def open_timers(complaint: Complaint) -> dict[str, Deadline]:
    return {
        d.kind.removeprefix("complaint."): d
        for d in deadlines_of(complaint).filter(state=DeadlineState.OPEN)
    }


def test_r_complaint_01_intake_numbers_and_timeline(
    pcs_team: dict[str, Any], community, receive
) -> None:
    # R-COMPLAINT-01
    first = receive(pcs_team["butler"], community)
    second = receive(pcs_team["butler"], community)
    assert first.number.endswith("0001")
    assert second.number.endswith("0002")
    assert first.state == State.RECEIVED
    assert first.policy.code == "PCS"
    events = TimelineEvent.objects.filter(object_id=str(first.pk), action="complaint.received")
    assert events.count() == 1


def test_r_complaint_34_first_response_8h_in_working_time_24h_outside(
    pcs_team, community, receive
) -> None:
    # R-COMPLAINT-34
    day = receive(pcs_team["butler"], community, when=WORKING)
    night = receive(pcs_team["butler"], community, when=NIGHT)
    due_day = open_timers(day)["first_response"]
    due_night = open_timers(night)["first_response"]
    assert due_day.due_at == WORKING + dt.timedelta(hours=8)
    assert due_night.due_at == NIGHT + dt.timedelta(hours=24)
    assert "8小时" in due_day.explanation
    assert "24小时" in due_night.explanation
    assert day.in_working_time
    assert not night.in_working_time


def test_r_complaint_41_phone_intake_must_be_read_back(pcs_team, community, receive) -> None:
    # R-COMPLAINT-41
    complaint = receive(pcs_team["butler"], community, channel="phone")
    with pytest.raises(GuardFailed):
        actions.classify(actor=pcs_team["butler"], complaint_id=complaint.pk, level="general")
    complaint.refresh_from_db()
    assert complaint.state == State.RECEIVED
    intake.confirm_read_back(actor=pcs_team["butler"], complaint_id=complaint.pk)
    actions.classify(actor=pcs_team["butler"], complaint_id=complaint.pk, level="general")
    complaint.refresh_from_db()
    assert complaint.state == State.CLASSIFIED


def test_pcs_full_path_to_archive(pcs_team, community, receive) -> None:
    butler, engineer, manager = pcs_team["butler"], pcs_team["engineer"], pcs_team["manager"]
    complaint = receive(butler, community, when=at(17, 9))
    actions.classify(actor=butler, complaint_id=complaint.pk, level="general", at=at(17, 9, 5))
    assert "transfer" in open_timers(complaint)
    actions.verify(actor=butler, complaint_id=complaint.pk, at=at(17, 9, 10))
    engineering = community.departments.get(code="engineering")
    actions.transfer(
        actor=butler,
        complaint_id=complaint.pk,
        data={"department_id": engineering.pk, "requirement": "今日上门查看"},
        at=at(17, 9, 20),
    )
    complaint.refresh_from_db()
    assert complaint.state == State.ASSIGNED
    assert open_timers(complaint).get("transfer") is None  # met
    sheet = ContactSheet.objects.get(complaint=complaint)
    assert sheet.state == SheetState.ISSUED
    assert sheet.number
    # The customer cannot be answered while the department owes its result (R-COMPLAINT-21).
    actions.accept(
        actor=engineer,
        complaint_id=complaint.pk,
        rectification_deadline=at(19, 17),
        at=at(17, 10),
    )
    with pytest.raises(GuardFailed):
        actions.reply(actor=butler, complaint_id=complaint.pk, result="已修复", at=at(17, 11))
    actions.feedback(
        actor=engineer, complaint_id=complaint.pk, result="已更换楼上防水层", at=at(18, 15)
    )
    actions.reply(actor=butler, complaint_id=complaint.pk, result="已修复并告知业主", at=at(18, 16))
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED
    assert "revisit" in open_timers(complaint)
    # PCS closure: revisit with the owner's signature, then the manager's review (R-COMPLAINT-49).
    with pytest.raises(GuardFailed):
        actions.review(actor=manager, complaint_id=complaint.pk, at=at(18, 17))
    actions.revisit(
        actor=butler,
        complaint_id=complaint.pk,
        method="phone",
        satisfaction="satisfied",
        customer_signed=True,
        at=at(19, 10),
    )
    with pytest.raises(GuardFailed):  # manager review comes first under PCS
        actions.close(actor=butler, complaint_id=complaint.pk, at=at(19, 11))
    actions.review(actor=manager, complaint_id=complaint.pk, at=at(19, 11))
    actions.close(actor=manager, complaint_id=complaint.pk, at=at(19, 12))
    actions.archive(actor=pcs_team["archivist"], complaint_id=complaint.pk, at=at(19, 13))
    complaint.refresh_from_db()
    assert complaint.state == State.ARCHIVED
    assert complaint.archive_target == "owner_archive"
    assert open_timers(complaint) == {}


def test_r_complaint_10_dissatisfied_revisit_reopens_with_deadline(
    pcs_team, community, receive
) -> None:
    # R-COMPLAINT-10; the same engine rule serves CM's R-COMPLAINT-67
    butler = pcs_team["butler"]
    complaint = receive(butler, community, kind="complaint")
    actions.classify(actor=butler, complaint_id=complaint.pk, level="general")
    actions.verify(actor=butler, complaint_id=complaint.pk)
    actions.reply(actor=butler, complaint_id=complaint.pk, result="已处理")
    actions.revisit(
        actor=butler, complaint_id=complaint.pk, method="phone", satisfaction="dissatisfied"
    )
    with pytest.raises(GuardFailed) as missing:
        actions.reopen(actor=butler, complaint_id=complaint.pk, rectification_deadline=None)
    assert missing.value.status == 422
    deadline = dt.datetime.now(TZ) + dt.timedelta(days=3)
    actions.reopen(actor=butler, complaint_id=complaint.pk, rectification_deadline=deadline)
    complaint.refresh_from_db()
    assert complaint.state == State.REOPENED
    assert open_timers(complaint)["reopened_rectification"].due_at == deadline


def test_illegal_action_is_refused_and_changes_nothing(pcs_team, community, receive) -> None:
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    before = (complaint.state, complaint.version)
    with pytest.raises(TransitionNotAllowed):
        actions.close(actor=butler, complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert (complaint.state, complaint.version) == before


def test_r_complaint_19_decline_needs_a_reason(pcs_team, community, receive) -> None:
    # R-COMPLAINT-19
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    actions.classify(actor=butler, complaint_id=complaint.pk, level="general")
    with pytest.raises(GuardFailed) as failed:
        actions.decline(actor=butler, complaint_id=complaint.pk, reason="  ")
    assert "reason" in failed.value.fields
    actions.decline(actor=butler, complaint_id=complaint.pk, reason="合同已明确约定，缺乏事实依据")
    complaint.refresh_from_db()
    assert complaint.state == State.DECLINED
    assert complaint.severity == 1


def test_stale_version_is_a_conflict(pcs_team, community, receive) -> None:
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    with pytest.raises(Conflict):
        actions.classify(
            actor=butler,
            complaint_id=complaint.pk,
            level="general",
            expected_version=complaint.version + 1,
        )


def test_other_project_cannot_act(pcs_team, community, sales_centre, lh_team, receive) -> None:
    complaint = receive(pcs_team["butler"], community)
    with pytest.raises(NotFound):
        actions.classify(actor=lh_team["club"], complaint_id=complaint.pk, level="general")


def test_engineer_cannot_classify(pcs_team, community, receive) -> None:
    complaint = receive(pcs_team["butler"], community)
    with pytest.raises(Forbidden):
        actions.classify(actor=pcs_team["engineer"], complaint_id=complaint.pk, level="general")


def test_r_complaint_06_major_compensation_freezes_promises_until_decided(
    pcs_team, community, receive
) -> None:
    # R-COMPLAINT-06
    butler = pcs_team["butler"]
    complaint = receive(butler, community, major_flags=["compensation"])
    assert complaint.level == "major"
    actions.classify(actor=butler, complaint_id=complaint.pk)
    later = dt.datetime.now(TZ) + dt.timedelta(days=2)
    with pytest.raises(GuardFailed):
        actions.record_promise(
            actor=butler, complaint_id=complaint.pk, promise="赔偿", deadline=later
        )
    actions.decide(actor=pcs_team["manager"], complaint_id=complaint.pk, decision="按实际损失赔偿")
    actions.record_promise(
        actor=butler, complaint_id=complaint.pk, promise="三日内赔付", deadline=later
    )
    assert "promised_reply" in open_timers(Complaint.objects.get(pk=complaint.pk))


def test_intake_validation_is_field_level_and_writes_nothing(pcs_team, community) -> None:
    with pytest.raises(ValidationFailed) as failed:
        intake.receive(
            actor=pcs_team["butler"],
            project_id=community.pk,
            data={
                "kind": "rant",
                "channel": "pigeon",
                "complainant_name": "",
                "content": "",
                "phone": "12",
            },
        )
    assert set(failed.value.fields) >= {"kind", "channel", "complainant_name", "content", "phone"}
    assert Complaint.objects.count() == 0


def test_r_complaint_76_so_auto_upgrade_sweep_runs_once(community, person, receive) -> None:
    # R-COMPLAINT-76
    from propdesk.complaints.services.policies import choose_policy

    manager = person(community, "cs_manager", "经理")
    choose_policy(actor=manager, project_id=community.pk, code="SO")
    seller = person(community, "salesperson", "售楼员")
    complaint = receive(seller, community, when=at(1, 10, month=9), level="minor")
    assert "auto_upgrade" in open_timers(complaint)
    assert timers.sweep_auto_upgrade(at(30, 10, month=9)) == 0
    assert timers.sweep_auto_upgrade(at(1, 10, month=10)) == 1
    assert timers.sweep_auto_upgrade(at(2, 10, month=10)) == 0
    complaint.refresh_from_db()
    assert complaint.level == "major"
    assert "unresolved_month" in complaint.major_flags
    assert "first_opinion" in open_timers(complaint)


def test_queue_lists_my_open_complaints_nearest_due_first(
    pcs_team, community, receive, django_assert_max_num_queries
) -> None:
    from propdesk.complaints.selectors import my_queue

    butler = pcs_team["butler"]
    day = receive(butler, community, when=WORKING)  # due 18:00 the same day
    night = receive(butler, community, when=NIGHT)  # due the next night
    supervisor = pcs_team["supervisor"]
    receive(supervisor, community, handler_id=supervisor.pk)  # someone else's
    with django_assert_max_num_queries(3):
        rows = list(my_queue(butler))
    assert [c.pk for c in rows] == [day.pk, night.pk]
    assert rows[0].next_due_at == WORKING + dt.timedelta(hours=8)


# --- helpers shared by the per-policy service tests (test_services_*.py) ------------------------
def snapshot(complaint: Complaint) -> tuple[Any, ...]:
    """Everything a refused action must leave as it was: the complaint row (every editable field,
    version included), its timers, timeline, contact sheets, letters, costs, revisits, penalties,
    and the notification outbox."""
    from django.forms.models import model_to_dict

    from propdesk.complaints.models import ReplyLetter
    from propdesk.core.models import Notification
    from propdesk.core.services.timeline import timeline_of

    row = Complaint.objects.get(pk=complaint.pk)
    return (
        model_to_dict(row),
        list(deadlines_of(row).values_list("kind", "state", "due_at")),
        list(timeline_of(row).values_list("action", flat=True)),
        list(row.sheets.order_by("pk").values_list("state", "department_id")),
        list(
            ReplyLetter.objects.filter(complaint=row)
            .order_by("pk")
            .values_list("state", "legal_reviewed_by")
        ),
        list(row.costs.values_list("amount", flat=True)),
        row.revisits.count(),
        row.penalties.count(),
        Notification.objects.count(),
    )


def test_r_complaint_07_every_contact_with_the_complainant_is_logged(
    pcs_team, community, receive
) -> None:
    # R-COMPLAINT-07: until closure the handler keeps in touch; each contact is on the timeline
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    # a contact without saying what was said is refused and logs nothing
    with pytest.raises(ValidationFailed) as refused:
        actions.contact(actor=butler, complaint_id=complaint.pk, note="  ", at=at(17, 11))
    assert set(refused.value.fields) == {"note"}
    assert not TimelineEvent.objects.filter(
        object_id=str(complaint.pk), action="complaint.contacted"
    ).exists()
    # two calls to the owner, each logged with who, when and what
    actions.contact(
        actor=butler, complaint_id=complaint.pk, note="已致电业主，约明早上门", at=at(17, 11)
    )
    actions.contact(actor=butler, complaint_id=complaint.pk, note="告知维修进度", at=at(18, 9))
    logged = list(
        TimelineEvent.objects.filter(object_id=str(complaint.pk), action="complaint.contacted")
        .order_by("at")
        .values_list("actor_id", "at", "note")
    )
    assert logged == [
        (butler.pk, at(17, 11), "已致电业主，约明早上门"),
        (butler.pk, at(18, 9), "告知维修进度"),
    ]
    # the first contact answered the first-response timer (R-COMPLAINT-34)
    first = Deadline.objects.get(object_id=str(complaint.pk), kind="complaint.first_response")
    assert (first.state, first.met_at) == (DeadlineState.MET, at(17, 11))
