"""The rotation queue through its services (SPEC §5): groups, rest days, day plans, opening a
day, reporting the floor's events, the stored turn records, carrying credits and skip flags to
the next day, and what a refused event leaves behind (nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from propdesk.core.errors import Forbidden, NotFound, TransitionNotAllowed, ValidationFailed
from propdesk.core.tests.factories import StaffFactory
from propdesk.reception.models import (
    Appointment,
    ClientCard,
    RestDayState,
    RotaDay,
    RotaDayState,
    TurnRecord,
)
from propdesk.reception.services import rotation, rotation_setup
from propdesk.reception.tests.rota import DAY, minute, open_, plan, report, who

pytestmark = pytest.mark.django_db


def test_r_rota_01_groups_alternate_visit_and_phone_duty_every_other_day(rota: dict[str, Any]):
    # R-ROTA-01
    today = plan(rota)
    tomorrow = plan(rota, DAY + dt.timedelta(days=1))
    assert today.duties == {"A": "visit", "B": "phone"}
    assert tomorrow.duties == {"A": "phone", "B": "visit"}


def test_r_rota_03_a_person_belongs_to_one_group(rota: dict[str, Any]):
    # R-ROTA-03
    with pytest.raises(ValidationFailed) as err:
        rotation_setup.save_group(
            actor=rota["manager"],
            project_id=rota["project"].pk,
            code="C",
            name="三组",
            members=[rota["people"]["甲1"].pk],
        )
    assert "销售一组" in str(err.value.fields["members"][0])


def test_r_rota_04_a_day_without_a_duty_manager_on_site_is_refused(rota: dict[str, Any]):
    # R-ROTA-04
    with pytest.raises(ValidationFailed) as err:
        rotation_setup.plan_day(
            actor=rota["manager"],
            project_id=rota["project"].pk,
            day=DAY,
            duty_shifts=[{"staff": rota["manager"].pk, "start": "09:00", "end": "12:00"}],
        )
    assert err.value.fields["roster"] == ["12:00至18:00没有值班经理在岗"]
    assert not RotaDay.objects.exists()


def test_r_rota_04_a_rest_day_takes_effect_only_once_a_manager_approves_it(rota: dict[str, Any]):
    people, manager = rota["people"], rota["manager"]
    with pytest.raises(Forbidden):  # a salesperson asks only for his or her own rest day
        rotation_setup.request_rest_day(
            actor=people["甲1"],
            project_id=rota["project"].pk,
            staff_id=people["甲2"].pk,
            day=DAY,
            now=minute(-600),
        )
    asked = rotation_setup.request_rest_day(
        actor=people["甲1"],
        project_id=rota["project"].pk,
        staff_id=people["甲1"].pk,
        day=DAY,
        now=minute(-600),
    )
    with pytest.raises(Forbidden):  # … and cannot approve it
        rotation_setup.decide_rest_day(actor=people["甲1"], rest_id=asked.pk, approve=True)
    pending = open_(rota)
    assert str(people["甲1"].pk) in pending.roster["groups"][0]["members"]
    view = rotation.day_view(actor=manager, project_id=rota["project"].pk, day=DAY)
    assert [w.message for w in view.roster.warnings] == ["轮休未经部门经理确认,不生效"]
    assert str(people["甲1"].pk) in view.roster.visit_order

    next_day = DAY + dt.timedelta(days=2)  # group A visits again
    later = rotation_setup.request_rest_day(
        actor=people["甲1"],
        project_id=rota["project"].pk,
        staff_id=people["甲1"].pk,
        day=next_day,
        now=minute(-600),
    )
    approved = rotation_setup.decide_rest_day(actor=manager, rest_id=later.pk, approve=True)
    assert approved.state == RestDayState.APPROVED
    open_(rota, next_day)
    view = rotation.day_view(actor=manager, project_id=rota["project"].pk, day=next_day)
    assert [who(rota, p) for p in view.roster.visit_order] == ["甲2", "甲3"]
    with pytest.raises(TransitionNotAllowed):
        rotation_setup.decide_rest_day(actor=manager, rest_id=later.pk, approve=False)


def test_r_rota_16_each_visitor_goes_to_the_next_free_salesperson_and_is_recorded(
    rota: dict[str, Any],
):
    # R-ROTA-16
    open_(rota)
    first = report(rota, "visit", 1)
    second = report(rota, "visit", 2)
    assert (who(rota, first.decision.assignee), who(rota, second.decision.assignee)) == (
        "甲1",
        "甲2",
    )
    report(rota, "visit_ended", 3, ref=first.decision.ref)
    third = report(rota, "visit", 4)
    fourth = report(rota, "visit", 5)  # 甲1 is free again but the pointer is at 甲3
    assert [who(rota, r.decision.assignee) for r in (third, fourth)] == ["甲3", "甲1"]
    records = list(TurnRecord.objects.order_by("seq").values_list("seq", "event", "reason_code"))
    assert records == [
        (1, "visit", "normal"),
        (2, "visit", "normal"),
        (3, "visit_ended", "normal"),
        (4, "visit", "normal"),
        (5, "visit", "normal"),
    ]
    stored = TurnRecord.objects.get(seq=4)
    assert stored.counts_as_turn
    assert stored.assignee.name == "甲3"
    assert stored.explanation == third.decision.explanation_zh != ""
    assert RotaDay.objects.get().seq == 5


def test_r_rota_16_a_replay_gives_the_same_decisions_as_were_recorded(rota: dict[str, Any]):
    open_(rota)
    for n in range(1, 6):
        report(rota, "visit", n)
        report(rota, "call", n + 0.5, answered=n % 2 == 0)
    rotation.forget_cache()
    view = rotation.day_view(actor=rota["manager"], project_id=rota["project"].pk, day=DAY)
    assert [d.to_record() for d in view.decisions] == list(
        TurnRecord.objects.order_by("seq").values_list("record", flat=True)
    )


def test_r_rota_13_an_unanswered_call_is_no_turn(rota: dict[str, Any]):
    # R-ROTA-13
    open_(rota)
    missed = report(rota, "call", 1, answered=False)
    answered = report(rota, "call", 2)
    assert (missed.record.counts_as_turn, missed.record.reason_code) == (False, "unanswered")
    assert (who(rota, answered.decision.assignee), answered.record.reason_code) == ("乙1", "normal")


def test_r_rota_06_an_appointment_client_earns_a_make_up_visit_turn(rota: dict[str, Any]):
    # R-ROTA-06
    people, project = rota["people"], rota["project"]
    card = ClientCard.objects.create(
        project=project,
        number="VIP-2026-000001",
        name="王",
        owner=people["甲3"],
        registered_at=minute(-600),
        registered_by=people["甲3"],
    )
    appointment = Appointment.objects.create(
        project=project,
        number="YY-2026-000001",
        card=card,
        salesperson=people["甲3"],
        state="confirmed",
        state_at=minute(-60),
        proposed_at=minute(30),
        created_by=people["甲3"],
        created_at=minute(-600),
    )
    open_(rota)
    came = report(rota, "visit", 1, appointment=appointment.pk)
    assert (who(rota, came.decision.assignee), came.record.reason_code) == ("甲3", "appointment")
    assert came.record.counts_as_turn is False
    report(rota, "visit_ended", 2, ref=came.decision.ref)
    assert [(who(rota, s.person), s.credits) for s in came.board.visit.seats if s.credits] == []
    after = rotation.day_view(actor=rota["manager"], project_id=project.pk, day=DAY).board
    assert [(who(rota, s.person), s.credits) for s in after.visit.seats if s.credits] == [
        ("甲3", 1)
    ]


def test_r_rota_08_a_returning_registered_client_goes_to_the_original_salesperson(
    rota: dict[str, Any],
):
    # R-ROTA-08
    people, project = rota["people"], rota["project"]
    card = ClientCard.objects.create(
        project=project,
        number="VIP-2026-000002",
        name="李",
        owner=people["甲2"],
        registered_at=minute(-6000),
        registered_by=people["甲2"],
    )
    open_(rota)
    back = report(rota, "visit", 1, card=card.pk)
    assert (who(rota, back.decision.assignee), back.record.reason_code) == (
        "甲2",
        "returning_client",
    )
    assert back.record.counts_as_turn is True
    assert who(rota, back.decision.on_duty) == "甲1"  # the on-duty salesperson keeps the turn
    assert who(rota, report(rota, "visit", 2).decision.assignee) == "甲1"


def test_r_rota_10_designated_skip_flag_carries_over_to_the_next_day(rota: dict[str, Any]):
    # R-ROTA-10
    people, manager, _project = rota["people"], rota["manager"], rota["project"]
    rota_day = open_(rota)
    asked = report(rota, "visit", 1, designated=people["甲3"].pk)
    assert asked.record.reason_code == "designated"
    assert [s.skips for s in asked.board.visit.seats] == [0, 0, 1]
    closed = rotation.close_rota_day(actor=manager, rota_day_id=rota_day.pk, now=minute(600))
    assert closed.carry_out == {
        "credits": [],
        "skips": [{"person": str(people["甲3"].pk), "duty": "visit"}],
    }
    day3 = DAY + dt.timedelta(days=2)
    opened = open_(rota, day3)
    assert opened.carry_in == closed.carry_out
    first = report(rota, "visit", 1, day3)
    second = report(rota, "visit", 2, day3)
    report(rota, "visit_ended", 3, day3, ref=first.decision.ref)
    third = report(rota, "visit", 4, day3)
    turns = [who(rota, r.decision.assignee) for r in (first, second, third)]
    assert turns == ["甲1", "甲2", "甲1"]  # 甲3's next regular turn is skipped (轮空)
    assert [who(rota, m.person) for m in third.decision.skips_consumed] == ["甲3"]


def test_refused_event_changes_nothing(rota: dict[str, Any]):
    rota_day = open_(rota)
    report(rota, "visit", 1)
    with pytest.raises(ValidationFailed) as err:
        report(rota, "visit_ended", 2, ref="V-nobody")
    assert err.value.fields
    with pytest.raises(ValidationFailed):
        report(rota, "visit", 3, purpose="sightseeing")
    rota_day.refresh_from_db()
    assert (rota_day.seq, TurnRecord.objects.count()) == (1, 1)


def test_reporting_needs_an_open_day(rota: dict[str, Any]):
    with pytest.raises(TransitionNotAllowed):
        report(rota, "visit", 1)
    plan(rota)
    with pytest.raises(TransitionNotAllowed):
        report(rota, "visit", 1)


def test_a_salesperson_checks_only_himself_in_and_out(rota: dict[str, Any]):
    people = rota["people"]
    open_(rota)
    out = report(rota, "check_out", 1, actor=people["甲1"])
    assert out.record.kind == "checked_out"
    with pytest.raises(Forbidden):
        report(rota, "check_out", 2, actor=people["甲1"], person=people["甲2"].pk)
    with pytest.raises(Forbidden):
        report(rota, "support_requested", 2, actor=people["甲1"])
    assert who(rota, report(rota, "visit", 3).decision.assignee) == "甲2"


def test_r_rota_05_standby_below_two_alerts_and_support_is_arranged(rota: dict[str, Any]):
    # R-ROTA-05
    open_(rota)
    report(rota, "visit", 1)
    second = report(rota, "visit", 2)
    assert second.board.standby_low is True
    assert "standby_low" in [n.code for n in second.decision.warnings]
    support = report(rota, "support_requested", 3)
    assert who(rota, support.decision.assignee) == "乙1"
    assert support.board.standby == 2


def test_other_projects_cannot_see_or_touch_the_day(rota: dict[str, Any], other_centre):
    rota_day = open_(rota)
    stranger = StaffFactory(name="外人", company=rota["project"].company)
    from propdesk.core.models import Membership, Role

    Membership.objects.create(
        staff=stranger, project=other_centre, role=Role.objects.get(code="duty_manager")
    )
    with pytest.raises(NotFound):
        rotation.close_rota_day(actor=stranger, rota_day_id=rota_day.pk)
    with pytest.raises((NotFound, Forbidden)):
        rotation.report(actor=stranger, project_id=rota["project"].pk, event="visit", data={})
    assert RotaDay.objects.get(pk=rota_day.pk).state == RotaDayState.OPEN


def test_an_opened_day_keeps_its_roster_when_groups_change(rota: dict[str, Any]):
    people, manager = rota["people"], rota["manager"]
    open_(rota)
    rotation_setup.save_group(
        actor=manager,
        project_id=rota["project"].pk,
        code="A",
        name="销售一组",
        members=[people["甲3"].pk, people["甲1"].pk],
        group_id=rota["groups"][0].pk,
    )
    rotation.forget_cache()
    assert who(rota, report(rota, "visit", 1).decision.assignee) == "甲1"
    with pytest.raises(TransitionNotAllowed):
        plan(rota)


def test_r_rota_06_a_departing_visit_ends_its_reception_in_the_queue(rota: dict[str, Any]):
    """The gate's journey and the queue meet: the visit reported to the queue gets its
    salesperson, and its departure (R-SITE-19) frees him and books the appointment credit."""
    from propdesk.reception.models import Visit

    people, project = rota["people"], rota["project"]
    open_(rota)
    visit = Visit.objects.create(
        project=project,
        number="LF-2026-000777",
        day=DAY,
        mode="appointment",
        stage="leaving",
        stage_at=minute(1),
        created_at=minute(1),
    )
    card = ClientCard.objects.create(
        project=project,
        number="VIP-2026-000009",
        name="赵",
        owner=people["甲2"],
        registered_at=minute(-600),
        registered_by=people["甲2"],
    )
    appointment = Appointment.objects.create(
        project=project,
        number="YY-2026-000009",
        card=card,
        salesperson=people["甲2"],
        state="confirmed",
        state_at=minute(-60),
        proposed_at=minute(30),
        created_by=people["甲2"],
        created_at=minute(-600),
    )
    came = report(rota, "visit", 2, visit=visit.pk, appointment=appointment.pk)
    visit.refresh_from_db()
    assert (came.decision.ref, visit.salesperson.name) == ("LF-2026-000777", "甲2")
    locked = Visit.objects.get(pk=visit.pk)
    rotation.visit_departed(locked, actor=rota["manager"], now=minute(50))
    last = TurnRecord.objects.order_by("-seq").first()
    assert (last.event, last.ref, last.kind) == ("visit_ended", "LF-2026-000777", "completed")
    board = rotation.day_view(actor=rota["manager"], project_id=project.pk, day=DAY).board
    assert [(who(rota, s.person), s.credits) for s in board.visit.seats if s.credits] == [
        ("甲2", 1)
    ]
    rotation.visit_departed(locked, actor=rota["manager"], now=minute(51))  # no second end
    assert TurnRecord.objects.count() == 2


def test_r_rota_10_a_day_left_open_is_closed_when_the_next_opens(rota: dict[str, Any]):
    people = rota["people"]
    first = open_(rota)
    report(rota, "visit", 1, designated=people["甲3"].pk)
    later = open_(rota, DAY + dt.timedelta(days=2))
    first.refresh_from_db()
    assert first.state == RotaDayState.CLOSED
    assert later.carry_in["skips"] == [{"person": str(people["甲3"].pk), "duty": "visit"}]
