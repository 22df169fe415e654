"""Appointments (预约接待, R-ROTA-14/15/02): draft → 待确认 → 已确认(内部) → 已与客户确认 → 已到访 /
未到 / 取消; approval by a manager or supervisor runs the day's rules (media open day blocks unless
overridden, more than 2 a day warns and the warning is kept); the final time lies in the opening
hours; every illegal transition is refused in Chinese and changes nothing; the quietest slots
come from booked appointments plus the same weekday's visits of the last 4 weeks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.translation import gettext as _

from propdesk.core.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from propdesk.core.models import TimelineEvent
from propdesk.core.tests.factories import StaffFactory
from propdesk.reception.models import Appointment, RotaDay, Visit
from propdesk.reception.services import appointments as svc
from propdesk.reception.services import cards
from propdesk.reception.tests.floor import TZ, at, place

NOW = at(0)  # Tuesday 2026-11-17 10:00
WED = dt.date(2026, 11, 18)


def when(hour: int, minute: int = 0, day: dt.date = WED) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def sales(centre, floor):
    li = place(StaffFactory(name="李娜", company=centre.company), centre, "X1", "salesperson")
    return {"zhang": floor["X1"], "li": li, "gate": floor["L1"]}


@pytest.fixture
def card(centre, sales):
    data = {"name": "王大明", "salutation": "mr", "mobile": "13800138000", "party_size": 3}
    return cards.create_card(actor=sales["zhang"], project_id=centre.pk, data=data, now=NOW)


def draft(actor, card, hour: int = 14, day: dt.date = WED, **kw) -> Appointment:
    return svc.create_appointment(
        actor=actor, card_id=card.pk, data={"proposed_at": when(hour, day=day)}, now=NOW, **kw
    )


def approved(actor, manager, card, hour: int = 14, **kw) -> Appointment:
    appt = draft(actor, card, hour, submit=True)
    return svc.approve_appointment(actor=manager, appointment_id=appt.pk, now=NOW, **kw)


def test_r_rota_14_draft_submit_approve_confirm_arrive(centre, sales, supervisor, card, walk_in):
    appt = draft(sales["zhang"], card)
    assert (appt.number, appt.state, appt.salesperson, appt.party_size) == (
        "YY-2026-000001",
        "draft",
        sales["zhang"],
        3,
    )
    svc.submit_appointment(actor=sales["zhang"], appointment_id=appt.pk, now=NOW)
    svc.approve_appointment(actor=supervisor, appointment_id=appt.pk, now=NOW)
    appt.refresh_from_db()
    assert (appt.state, appt.approved_by, appt.warnings) == ("approved", supervisor, [])
    # the final time defaults to the proposal
    svc.confirm_appointment(actor=sales["zhang"], appointment_id=appt.pk, now=NOW)
    appt.refresh_from_db()
    assert (appt.state, appt.confirmed_at) == ("confirmed", when(14))
    visit = walk_in(0)
    svc.mark_arrived(actor=sales["gate"], appointment_id=appt.pk, visit_id=visit.pk, now=NOW)
    appt.refresh_from_db()
    assert (appt.state, appt.visit) == ("arrived", visit)
    steps = TimelineEvent.objects.filter(object_id=str(appt.pk), action__startswith="appointment.")
    assert [(e.from_state, e.to_state) for e in steps.order_by("id")] == [
        ("", "draft"),
        ("draft", "pending"),
        ("pending", "approved"),
        ("approved", "confirmed"),
        ("confirmed", "arrived"),
    ]


def test_r_rota_14_only_a_manager_or_supervisor_approves(centre, sales, supervisor, card):
    appt = draft(sales["zhang"], card, submit=True)
    with pytest.raises(Forbidden):
        svc.approve_appointment(actor=sales["zhang"], appointment_id=appt.pk, now=NOW)
    appt.refresh_from_db()
    assert (appt.state, appt.approved_by) == ("pending", None)


def test_r_rota_14_illegal_transitions_are_refused_in_chinese_and_change_nothing(
    centre, sales, supervisor, card
):
    appt = draft(sales["zhang"], card)
    events = TimelineEvent.objects.count()
    for action, kwargs in [
        ("approve", {}),
        ("confirm", {}),
        ("arrive", {}),
        ("no_show", {}),
    ]:
        with pytest.raises(TransitionNotAllowed) as caught:
            svc.ACTIONS[action](actor=supervisor, appointment_id=appt.pk, now=NOW, **kwargs)
        assert "草拟" in str(caught.value.message) or "Draft" in str(caught.value.message)
    svc.cancel_appointment(actor=sales["zhang"], appointment_id=appt.pk, reason="客户改期", now=NOW)
    with pytest.raises(TransitionNotAllowed):
        svc.submit_appointment(actor=sales["zhang"], appointment_id=appt.pk, now=NOW)
    appt.refresh_from_db()
    assert (appt.state, appt.cancel_reason) == ("cancelled", "客户改期")
    assert TimelineEvent.objects.count() == events + 1


def test_cancelling_needs_a_reason(centre, sales, card):
    appt = draft(sales["zhang"], card)
    with pytest.raises(ValidationFailed) as caught:
        svc.cancel_appointment(actor=sales["zhang"], appointment_id=appt.pk, reason=" ", now=NOW)
    assert caught.value.fields == {"reason": [_("This field is required")]}
    appt.refresh_from_db()
    assert appt.state == "draft"


def test_another_salesperson_may_not_move_the_appointment(centre, sales, card):
    appt = draft(sales["zhang"], card)
    with pytest.raises(Forbidden):
        svc.submit_appointment(actor=sales["li"], appointment_id=appt.pk, now=NOW)
    appt.refresh_from_db()
    assert appt.state == "draft"


def test_r_rota_15_a_media_open_day_blocks_unless_a_manager_overrides(
    centre, sales, supervisor, card
):
    # R-ROTA-15
    RotaDay.objects.create(
        project=centre,
        day=WED,
        open_from=dt.time(9),
        open_until=dt.time(18),
        media_open_day=True,
    )
    with pytest.raises(ValidationFailed) as caught:
        draft(sales["zhang"], card)
    assert caught.value.fields == {
        "proposed_at": ["媒体开放日原则上不接待客户,如需预约请由经理确认"]
    }
    with pytest.raises(Forbidden):
        draft(sales["zhang"], card, manager_override=True)
    assert not Appointment.objects.exists()
    appt = draft(supervisor, card, manager_override=True, submit=True)
    svc.approve_appointment(actor=supervisor, appointment_id=appt.pk, now=NOW)
    appt.refresh_from_db()
    assert appt.state == "approved"
    assert appt.warnings == ["媒体开放日原则上不接待客户,已由经理确认预约"]


def test_r_rota_15_approval_on_a_day_that_became_a_media_day_needs_the_override(
    centre, sales, supervisor, card
):
    appt = draft(sales["zhang"], card, submit=True)
    RotaDay.objects.create(
        project=centre, day=WED, open_from=dt.time(9), open_until=dt.time(18), media_open_day=True
    )
    with pytest.raises(ValidationFailed) as caught:
        svc.approve_appointment(actor=supervisor, appointment_id=appt.pk, now=NOW)
    assert list(caught.value.fields) == ["day"]
    appt.refresh_from_db()
    assert appt.state == "pending"
    svc.approve_appointment(
        actor=supervisor, appointment_id=appt.pk, manager_override=True, now=NOW
    )
    appt.refresh_from_db()
    assert (appt.state, appt.media_override) == ("approved", True)


def test_r_rota_02_a_third_appointment_a_day_warns_and_the_warning_is_kept(
    centre, sales, supervisor, card
):
    # R-ROTA-02
    approved(sales["zhang"], supervisor, card, 10)
    approved(sales["zhang"], supervisor, card, 11)
    third = approved(sales["zhang"], supervisor, card, 15)
    assert third.state == "approved"  # warned, not blocked
    assert third.warnings == ["当天预约接待将达3组,超过原则建议的每天2组"]
    third.refresh_from_db()
    assert third.warnings == ["当天预约接待将达3组,超过原则建议的每天2组"]


def test_r_rota_02_the_guideline_is_the_project_parameter(centre, sales, supervisor, card):
    centre.params = {**(centre.params or {}), "rota.appointments_per_day": 1}
    centre.save()
    approved(sales["zhang"], supervisor, card, 10)
    assert approved(sales["zhang"], supervisor, card, 11).warnings == [
        "当天预约接待将达2组,超过原则建议的每天1组"
    ]


def test_r_rota_14_the_final_time_must_lie_within_the_opening_hours(
    centre, sales, supervisor, card
):
    RotaDay.objects.create(project=centre, day=WED, open_from=dt.time(10), open_until=dt.time(17))
    appt = approved(sales["zhang"], supervisor, card, 14)
    for late in (when(17), when(9, 30), when(20)):
        with pytest.raises(ValidationFailed) as caught:
            svc.confirm_appointment(
                actor=sales["zhang"], appointment_id=appt.pk, confirmed_at=late, now=NOW
            )
        assert caught.value.fields == {
            "confirmed_at": [
                _("Choose a time within the opening hours {start}–{end}").format(
                    start="10:00", end="17:00"
                )
            ]
        }
    appt.refresh_from_db()
    assert (appt.state, appt.confirmed_at) == ("approved", None)
    svc.confirm_appointment(
        actor=sales["zhang"], appointment_id=appt.pk, confirmed_at=when(16, 30), now=NOW
    )
    appt.refresh_from_db()
    assert (appt.state, appt.slot) == ("confirmed", when(16, 30))


def test_a_proposal_in_the_past_is_refused(centre, sales, card):
    with pytest.raises(ValidationFailed) as caught:
        draft(sales["zhang"], card, hour=9, day=NOW.date())
    assert list(caught.value.fields) == ["proposed_at"]


def test_no_show_and_arrival_with_a_visit_of_another_project(
    centre, other_centre, sales, supervisor, card
):
    appt = approved(sales["zhang"], supervisor, card)
    svc.confirm_appointment(actor=sales["zhang"], appointment_id=appt.pk, now=NOW)
    foreign = Visit.objects.create(
        project=other_centre,
        number="LF-2026-000001",
        day=WED,
        mode="walk_in",
        stage="at_gate",
        stage_at=NOW,
        created_at=NOW,
    )
    with pytest.raises(ValidationFailed) as caught:
        svc.mark_arrived(actor=sales["gate"], appointment_id=appt.pk, visit_id=foreign.pk)
    assert list(caught.value.fields) == ["visit"]
    svc.mark_no_show(actor=sales["zhang"], appointment_id=appt.pk, now=NOW)
    appt.refresh_from_db()
    assert (appt.state, appt.visit) == ("no_show", None)


def test_r_rota_14_quiet_slots_count_bookings_and_the_same_weekday_visits(
    centre, sales, supervisor, card
):
    RotaDay.objects.create(project=centre, day=WED, open_from=dt.time(9), open_until=dt.time(11))
    # two approved appointments at 09:00, one at 10:00
    approved(sales["zhang"], supervisor, card, 9)
    approved(sales["zhang"], supervisor, card, 9)
    approved(sales["zhang"], supervisor, card, 10)
    # the previous four Wednesdays: 4 visits began 09:30–10:00 (1 a week), 8 in 10:30–11:00
    for week in range(1, 5):
        day = WED - dt.timedelta(weeks=week)
        for minute, count in ((9 * 60 + 40, 1), (10 * 60 + 35, 2)):
            for _n in range(count):
                started = when(minute // 60, minute % 60, day)
                Visit.objects.create(
                    project=centre,
                    number=f"LF-{day}-{minute}-{_n}",
                    day=day,
                    mode="walk_in",
                    stage="departed",
                    stage_at=started,
                    created_at=started,
                )
    # a Tuesday visit does not count for a Wednesday
    tue = when(10, 5, WED - dt.timedelta(days=1))
    Visit.objects.create(
        project=centre,
        number="LF-x",
        day=tue.date(),
        mode="walk_in",
        stage="departed",
        stage_at=tue,
        created_at=tue,
    )
    loads = {s.label: (s.booked, s.forecast) for s in svc.day_slots(centre.pk, WED, now=NOW)}
    assert loads == {
        "09:00": (2, 0.0),
        "09:30": (0, 1.0),
        "10:00": (1, 0.0),
        "10:30": (0, 2.0),
    }
    quiet = svc.suggest_slots(sales["gate"], centre.pk, WED, now=NOW)
    assert [s.label for s in quiet] == ["09:30", "10:00", "09:00"]


def test_today_slots_already_begun_are_not_suggested(centre, sales):
    labels = [s.label for s in svc.day_slots(centre.pk, NOW.date(), now=NOW)]
    assert labels[0] == "10:00"
    assert labels[-1] == "17:30"
