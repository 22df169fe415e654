"""Visit services against the database (SPEC §3, R-SITE-01..20; R-RADIO-05/05a/06/16/19/21):
each test takes a visit through the services and checks what is stored, which calls went out
and what was refused."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext_lazy as _

from propdesk.core.errors import Forbidden, NotFound, TransitionNotAllowed, ValidationFailed
from propdesk.core.models import Staff, TimelineEvent
from propdesk.core.tests.factories import ProjectFactory, StaffFactory, grant
from propdesk.reception.models import IntercomCall, VipRoom, Visit, VisitStage
from propdesk.reception.services import calls, visits
from propdesk.reception.tests.floor import T0, at, place, step, to_reception_area

ALL_BUT_L1 = ["L2", "Y1", "Y2", "X1", "G1", "S1", "PATROL", "PANTRY", "CENTRE"]


def sent(visit: Visit) -> list[tuple[str, str, list[str]]]:
    return [
        (c.template, c.text, c.callee_posts)
        for c in IntercomCall.objects.filter(visit=visit).order_by("id")
    ]


def test_r_site_01_a_walk_in_is_opened_at_the_gate_with_a_number_and_its_first_stage(
    floor, centre, walk_in
):
    visit = walk_in(raining=True, own_umbrella=False, plate="粤b·12345")

    visit.refresh_from_db()
    assert (visit.number, visit.stage, visit.mode, visit.category) == (
        "LF-2026-000001",
        "at_gate",
        "walk_in",
        "sales",
    )
    assert (visit.client, visit.party_size, visit.appearance, visit.plate) == (
        "王先生",
        3,
        "灰色西装",
        "粤B12345",
    )
    assert (visit.raining, visit.own_umbrella, visit.day, visit.created_by) == (
        True,
        False,
        T0.date(),
        floor["L1"],
    )
    assert list(visit.steps.values_list("stage", "action", "post", "at")) == [
        ("at_gate", "create", "L1", T0)
    ]
    assert (
        TimelineEvent.objects.filter(action="visit.started", object_id=str(visit.pk)).count() == 1
    )
    assert walk_in(minute=1).number == "LF-2026-000002"


def test_r_site_03_a_walk_in_needs_the_name_and_appearance_said_in_the_broadcast(floor, centre):
    # R-SITE-03
    with pytest.raises(ValidationFailed) as error:
        visits.start_visit(
            actor=floor["L1"], project_id=centre.pk, details={"party_size": 2}, now=at(0)
        )
    assert set(error.value.fields) == {"client_name", "appearance"}
    assert not Visit.objects.exists()


def test_r_site_04_only_l1_opens_a_walk_in(floor, centre):
    # R-SITE-04
    with pytest.raises(Forbidden) as error:
        visits.start_visit(
            actor=floor["X1"],
            project_id=centre.pk,
            details={"client_name": "王", "appearance": "红衣"},
            now=at(0),
        )
    assert error.value.message == "非预约客户由门岗礼宾(L1)登记"
    assert not Visit.objects.exists()


def test_r_site_04_and_r_radio_05_the_capacity_question_goes_to_the_sales_centre(
    floor, centre, walk_in
):
    visit = walk_in()

    # when L1 cannot let a walk-in on before asking
    with pytest.raises(TransitionNotAllowed) as refused:
        step(floor, visit, "to_parking", "L1", 1)
    assert refused.value.message == "非预约客户须先询问销售中心能否接待"

    # then asking sends the standard question to the sales centre only
    step(floor, visit, "ask_capacity", "L1", 1)
    visit.refresh_from_db()
    assert visit.stage == "capacity_check"
    assert sent(visit) == [
        (
            "capacity_query",
            "我是L1岗,呼叫销售中心,目前有一组客户要来参观,现在是否能接待,收到请回答。",
            ["CENTRE"],
        )
    ]


def test_r_radio_05a_after_can_receive_l1_announces_the_party_and_broadcasts(
    floor, centre, walk_in
):
    # R-RADIO-05a
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)
    visits.answer_capacity(actor=floor["CENTRE"], visit_id=visit.pk, reply="可以接待", now=at(2))
    question = IntercomCall.objects.get(visit=visit, template="capacity_query")
    assert (question.state, question.reply, question.acknowledged_post) == (
        "acknowledged",
        "可以接待",
        "CENTRE",
    )

    step(floor, visit, "to_parking", "L1", 3)

    visit.refresh_from_db()
    assert (visit.stage, visit.capacity_answer) == ("parking", "可以接待")
    assert sent(visit)[1:] == [
        (
            "walk_in_on_way",
            "我是L1岗,呼叫接待中心,王先生一行3人已前往展示中心,收到请回答。",
            ["CENTRE"],
        ),
        (
            "arrival_broadcast",
            "我是L1岗,呼叫各岗位,客户王先生到访,共3人,请各岗位做好接待工作,"
            "体貌特征:灰色西装,收到请回答。",
            ALL_BUT_L1,
        ),
    ]


def test_r_radio_19_a_declined_walk_in_is_recorded_and_can_be_asked_about_again(
    floor, centre, walk_in
):
    # R-RADIO-19
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)

    step(floor, visit, "decline", "CENTRE", 2)

    visit.refresh_from_db()
    assert (visit.stage, visit.capacity_answer) == ("gate_declined", "无法接待")
    with pytest.raises(TransitionNotAllowed):
        step(floor, visit, "to_door", "L1", 3)
    assert IntercomCall.objects.filter(visit=visit, template="walk_in_on_way").count() == 0
    # the party agreed to wait: L1 asks again, a new question goes out
    step(floor, visit, "ask_capacity", "L1", 10)
    visit.refresh_from_db()
    assert (visit.stage, visit.capacity_answer) == ("capacity_check", "")
    assert IntercomCall.objects.filter(visit=visit, template="capacity_query").count() == 2
    assert Visit.objects.filter(stage="gate_declined").count() == 0
    assert list(visit.steps.values_list("stage", flat=True)) == [
        "at_gate",
        "capacity_check",
        "gate_declined",
        "capacity_check",
    ]


def test_r_site_04_only_the_sales_centre_answers_the_capacity_question(floor, centre, walk_in):
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)

    with pytest.raises(Forbidden):
        visits.answer_capacity(actor=floor["L1"], visit_id=visit.pk, reply="可以接待", now=at(2))
    with pytest.raises(ValidationFailed) as error:
        visits.answer_capacity(actor=floor["CENTRE"], visit_id=visit.pk, reply="好的", now=at(2))
    assert error.value.fields == {"reply": ["请答复:可以接待 / 无法接待"]}
    visit.refresh_from_db()
    assert visit.stage == "capacity_check"


def test_r_site_05_a_non_sales_visitor_skips_the_question_and_leaves_without_calls(floor, centre):
    # R-SITE-05
    visit = visits.start_visit(
        actor=floor["L1"],
        project_id=centre.pk,
        details={"client_name": "刘"},
        visiting_display_centre=False,
        now=at(0),
    )
    assert visit.category == "non_sales"
    with pytest.raises(TransitionNotAllowed):
        step(floor, visit, "ask_capacity", "L1", 1)

    step(floor, visit, "leave", "L1", 2)

    visit.refresh_from_db()
    assert (visit.stage, visit.departed_at) == ("departed", at(2))
    assert sent(visit) == []


def test_r_site_02_and_06_a_party_on_foot_goes_to_the_door_not_the_car_park(floor, centre, walk_in):
    # R-SITE-02
    visit = walk_in(arrival="on_foot", plate="")
    step(floor, visit, "ask_capacity", "L1", 1)
    step(floor, visit, "admit", "CENTRE", 2)

    with pytest.raises(TransitionNotAllowed) as refused:
        step(floor, visit, "to_parking", "L1", 3)
    assert refused.value.message == "客户没有开车,请直接指引客户前往展示中心"
    step(floor, visit, "to_door", "L1", 3)
    visit.refresh_from_db()
    assert visit.stage == "at_door"


def test_r_site_07_several_people_in_one_car_is_kept_only_for_a_party_by_car(
    floor, centre, walk_in
):
    # R-SITE-07
    by_car = walk_in(multi_person_car=True)
    by_taxi = walk_in(minute=1, arrival="taxi", multi_person_car=True)

    by_car.refresh_from_db()
    by_taxi.refresh_from_db()
    assert (by_car.multi_person_car, by_car.has_vehicle) == (True, True)
    assert (by_taxi.multi_person_car, by_taxi.has_vehicle) == (False, False)


def test_r_site_08_l2_hands_over_at_the_door_only_from_the_car_park(floor, centre, walk_in):
    # R-SITE-08
    visit = walk_in()
    step(floor, visit, "ask_capacity", "L1", 1)
    step(floor, visit, "admit", "CENTRE", 2)
    step(floor, visit, "to_parking", "L1", 3)

    with pytest.raises(Forbidden):
        step(floor, visit, "to_door", "L1", 4)
    step(floor, visit, "to_door", "L2", 4)
    visit.refresh_from_db()
    assert visit.stage == "at_door"


def test_r_site_10_the_key_account_manager_who_greets_takes_the_visit(floor, centre, walk_in):
    # R-SITE-10
    visit = to_reception_area(floor, walk_in())

    visit.refresh_from_db()
    assert (visit.stage, visit.salesperson) == ("reception_area", floor["X1"])


def test_a_visit_keeps_a_timestamp_per_stage_from_gate_to_departure(floor, centre, walk_in):
    visit = to_reception_area(floor, walk_in())
    step(floor, visit, "to_model_area", "X1", 6)
    calls.send_call(
        actor=floor["X1"],
        project_id=centre.pk,
        template="vip_room_request",
        visit_id=visit.pk,
        now=at(7),
    )
    calls.send_call(
        actor=floor["G1"],
        project_id=centre.pk,
        template="vip_room_ready",
        visit_id=visit.pk,
        now=at(8),
    )
    step(floor, visit, "to_vip_room", "X1", 9)
    step(floor, visit, "announce_leaving", "X1", 30)
    step(floor, visit, "depart", "X1", 32)

    visit.refresh_from_db()
    assert list(visit.steps.order_by("at", "id").values_list("stage", "post", "at")) == [
        ("at_gate", "L1", at(0)),
        ("capacity_check", "L1", at(1)),
        ("at_gate", "CENTRE", at(2)),
        ("parking", "L1", at(3)),
        ("at_door", "L2", at(4)),
        ("reception_area", "X1", at(5)),
        ("model_area", "X1", at(6)),
        ("vip_room", "X1", at(9)),
        ("leaving", "X1", at(30)),
        ("departed", "X1", at(32)),
    ]
    assert (visit.stage, visit.stage_at, visit.departed_at) == ("departed", at(32), at(32))
    assert VisitStage.objects.count() == 10


def test_r_site_18_departure_closes_the_visit_and_the_room_waits_for_cleaning(
    floor, centre, walk_in
):
    # R-SITE-18
    visit = to_reception_area(floor, walk_in())
    calls.send_call(
        actor=floor["X1"],
        project_id=centre.pk,
        template="vip_room_request",
        visit_id=visit.pk,
        now=at(6),
    )
    calls.send_call(
        actor=floor["G1"],
        project_id=centre.pk,
        template="vip_room_ready",
        visit_id=visit.pk,
        now=at(7),
    )
    step(floor, visit, "to_vip_room", "X1", 8)
    room = VipRoom.objects.get(current_visit=visit)
    assert room.state == "occupied"

    step(floor, visit, "announce_leaving", "X1", 20)
    step(floor, visit, "depart", "L1", 22)

    room.refresh_from_db()
    assert (room.state, room.current_visit_id) == ("to_clean", visit.pk)
    # R-RADIO-16: a walk-in's see-off goes to the reception centre
    see_off = IntercomCall.objects.get(visit=visit, template="see_off")
    assert (
        see_off.text == "我是大客户经理张伟,呼叫接待中心,王先生即将离场,请做好送客准备,收到请回答。"
    )
    # the clean-up call is the butler's (R-RADIO-14), not sent by L1's step
    assert not IntercomCall.objects.filter(visit=visit, template="room_cleanup").exists()


def test_r_radio_21_an_appointment_in_a_vip_room_is_seen_off_with_r_radio_09(floor, centre):
    # R-RADIO-21
    visit = visits.start_visit(
        actor=floor["CENTRE"],
        project_id=centre.pk,
        mode="appointment",
        details={"client_name": "李", "salutation": "miss", "party_size": 2},
        now=at(0),
    )
    assert (visit.stage, visit.number) == ("expected", "LF-2026-000001")

    # R-RADIO-06: L1 marks the arrival, noting the appearance, and tells the reception centre
    visits.advance_visit(
        actor=floor["L1"],
        visit_id=visit.pk,
        action="arrive",
        details={"appearance": "白色外套"},
        now=at(1),
    )
    step(floor, visit, "to_parking", "L1", 2)
    assert sent(visit)[0] == (
        "appointment_arrived",
        "我是L1岗,呼叫接待中心,李小姐一行2人已经抵达,请做好接待准备,收到请回答。",
        ["CENTRE"],
    )
    assert "预约客户李小姐到访" in sent(visit)[1][1]
    step(floor, visit, "to_door", "L2", 3)
    step(floor, visit, "to_model_area", "X1", 4)
    calls.send_call(
        actor=floor["X1"],
        project_id=centre.pk,
        template="vip_room_request",
        visit_id=visit.pk,
        now=at(5),
    )
    calls.send_call(
        actor=floor["G1"],
        project_id=centre.pk,
        template="vip_room_ready",
        visit_id=visit.pk,
        now=at(6),
    )
    step(floor, visit, "to_vip_room", "X1", 7)

    step(floor, visit, "announce_leaving", "X1", 30)

    departure = IntercomCall.objects.get(visit=visit, template="vip_departure")
    assert departure.text == (
        "我是大客户经理张伟,呼叫接待中心,VIP1室李小姐即将离场请做好准备,收到请回话。"
    )
    # A-RADIO-1: answered by the reception centre or the butler
    assert departure.callee_posts == ["G1", "CENTRE"]


def test_a_step_of_another_post_is_forbidden_and_writes_nothing(floor, centre, walk_in):
    visit = walk_in()
    with pytest.raises(Forbidden) as error:
        step(floor, visit, "ask_capacity", "X1", 1)
    assert error.value.message == "大客户经理不能执行“询问能否接待”,应由门岗礼宾操作"
    visit.refresh_from_db()
    assert visit.stage == "at_gate"
    assert VisitStage.objects.filter(visit=visit).count() == 1
    assert not IntercomCall.objects.exists()


def test_a_person_without_the_post_cannot_act_at_it_unless_supervising(
    floor, centre, walk_in, supervisor
):
    visit = walk_in()
    with pytest.raises(Forbidden):
        visits.advance_visit(
            actor=floor["X1"], visit_id=visit.pk, action="ask_capacity", post="L1", now=at(1)
        )
    # the duty manager covers the gate for a moment
    visits.advance_visit(
        actor=supervisor, visit_id=visit.pk, action="ask_capacity", post="L1", now=at(1)
    )
    visit.refresh_from_db()
    assert visit.stage == "capacity_check"
    # without a post named, someone with several or no posts is asked to choose
    with pytest.raises(ValidationFailed) as error:
        visits.advance_visit(actor=supervisor, visit_id=visit.pk, action="admit", now=at(2))
    assert list(error.value.fields) == ["post"]
    visit.refresh_from_db()
    assert visit.stage == "capacity_check"


def test_a_person_at_two_posts_names_the_post_they_act_at(floor, centre, walk_in):
    double: Staff = floor["L2"]
    place(double, centre, "L1", role="salesperson")
    visit = walk_in()
    with pytest.raises(ValidationFailed) as error:
        visits.advance_visit(actor=double, visit_id=visit.pk, action="ask_capacity", now=at(1))
    assert list(error.value.fields) == ["post"]
    visits.advance_visit(
        actor=double, visit_id=visit.pk, action="ask_capacity", post="l1", now=at(1)
    )
    visit.refresh_from_db()
    assert visit.stage == "capacity_check"


def test_r_gen_01_a_visit_of_another_project_is_not_found(floor, centre, walk_in, other_centre):
    # R-GEN-01
    stranger = place(StaffFactory(name="外人", company=centre.company), other_centre, "L1")
    visit = walk_in()
    with pytest.raises(NotFound):
        visits.advance_visit(actor=stranger, visit_id=visit.pk, action="ask_capacity", now=at(1))
    with pytest.raises(NotFound):
        visits.start_visit(
            actor=stranger,
            project_id=centre.pk,
            details={"client_name": "王", "appearance": "灰"},
            now=at(1),
        )


def test_only_a_sales_centre_receives_visits(floor, centre):
    community = ProjectFactory(code="c1", name="翠湖", company=centre.company)
    grant(floor["L1"], community, "duty_manager")
    with pytest.raises(ValidationFailed) as error:
        visits.start_visit(
            actor=floor["L1"],
            project_id=community.pk,
            post="L1",
            details={"client_name": "王", "appearance": "灰"},
            now=at(0),
        )
    assert str(error.value.message) == str(_("Only a sales centre receives visits"))
    assert not Visit.objects.exists()


def test_details_are_corrected_with_the_slot_rules(floor, centre, walk_in):
    visit = walk_in()
    visits.update_visit(
        actor=floor["L1"], visit_id=visit.pk, details={"party_size": 5, "salutation": "女士"}
    )
    visit.refresh_from_db()
    assert (visit.party_size, visit.client) == (5, "王女士")

    with pytest.raises(ValidationFailed) as error:
        visits.update_visit(actor=floor["L1"], visit_id=visit.pk, details={"party_size": 120})
    assert error.value.fields == {"party_size": ["“人数”必须是1到99之间的整数"]}
    with pytest.raises(ValidationFailed) as bad_name:
        visits.update_visit(actor=floor["L1"], visit_id=visit.pk, details={"client_name": "王 五"})
    assert bad_name.value.fields == {"client_name": ["“客户姓名”不能包含空格或标点"]}
    visit.refresh_from_db()
    assert (visit.party_size, visit.client_name) == (5, "王")
