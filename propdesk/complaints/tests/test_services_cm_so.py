"""CM (小区, R-COMPLAINT-52..68) and SO (售楼部, R-COMPLAINT-69..80) complaint services on a real
database, and group issues (批量问题, R-COMPLAINT-29/65).

Every refused action is checked to change nothing (`snapshot`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from propdesk.complaints.models import Complaint, ComplaintGroup, PenaltyRecord
from propdesk.complaints.services import actions, intake, records, timers
from propdesk.complaints.services.policies import choose_policy
from propdesk.complaints.workflows import GuardFailed, State
from propdesk.core.errors import Forbidden, NotFound, TransitionNotAllowed, ValidationFailed
from propdesk.core.models import Notification, Project, Staff
from propdesk.core.services.timeline import timeline_of
from propdesk.core.tests.factories import ProjectFactory

from .conftest import WORKING, at
from .test_services_flow import open_timers, snapshot

pytestmark = pytest.mark.django_db

Team = dict[str, Staff]


# --- fixtures ------------------------------------------------------------------------------
@pytest.fixture
def cm(community: Project, person: Callable[..., Staff]) -> tuple[Project, Team]:
    """A community running CM (R-COMPLAINT-52..68) with its duty officer and managers."""
    team = {
        "duty": person(community, "dispatch", "值班员", "cs"),
        "assistant": person(community, "cs_staff", "客户助理", "cs"),
        "manager": person(community, "cs_manager", "客服中心经理", "cs"),
        "gpm": person(community, "gpm", "总物业经理"),
        "engineer": person(community, "engineering_head", "工程主管", "engineering"),
    }
    choose_policy(actor=team["manager"], project_id=community.pk, code="CM")
    return community, team


@pytest.fixture
def so(community: Project, person: Callable[..., Staff]) -> tuple[Project, Team]:
    """A sales office running SO (R-COMPLAINT-69..80)."""
    office = ProjectFactory(
        code="shouloubu", name="滨江售楼部", kind="sales_centre", company=community.company
    )
    team = {
        "seller": person(office, "salesperson", "置业顾问甲"),
        "seller2": person(office, "salesperson", "置业顾问乙"),
        "supervisor": person(office, "sales_supervisor", "售楼主管"),
        "admin": person(office, "sales_admin_manager", "销管部经理", "sales_admin"),
        "deputy": person(office, "deputy_gm", "副总经理"),
        "pm": person(office, "project_manager", "项目经理"),
        "director": person(office, "sales_director", "售楼处经理"),
    }
    choose_policy(actor=team["director"], project_id=office.pk, code="SO")
    return office, team


def _intake(actor: Staff, project: Project, when: dt.datetime = WORKING, **data: Any) -> Complaint:
    payload: dict[str, Any] = {
        "kind": "complaint",
        "channel": "visit",
        "complainant_name": "王先生",
        "phone": "13900001111",
        "content": "样板间介绍与合同不符",
        **data,
    }
    return intake.receive(actor=actor, project_id=project.pk, data=payload, at=when)


# --- SO: routing by level and target (R-COMPLAINT-70, 73, 76) ------------------------------
@pytest.mark.parametrize(
    ("target", "level", "handler", "hours", "auto_upgrade"),
    [
        (None, "minor", "supervisor", 72, True),
        ("salesperson", "important", "admin", 48, True),
        ("project_manager", "major", "deputy", 24, False),
    ],
)
def test_r_complaint_70_so_routes_by_level_and_target(
    so: tuple[Project, Team],
    target: str | None,
    level: str,
    handler: str,
    hours: int,
    auto_upgrade: bool,
) -> None:
    office, team = so
    data: dict[str, Any] = {"level": "minor"}
    if target == "salesperson":
        data |= {"target_role": "salesperson", "target_staff_id": team["seller2"].pk}
    elif target == "project_manager":
        data |= {"target_role": "project_manager", "target_staff_id": team["pm"].pk}
    complaint = _intake(team["seller"], office, **data)
    assert complaint.level == level
    assert complaint.handler == team[handler]
    running = open_timers(complaint)
    assert running["first_opinion"].due_at == WORKING + dt.timedelta(hours=hours)  # A-CMP-6
    assert running["first_opinion"].responsible == team[handler]
    assert ("auto_upgrade" in running) is auto_upgrade


def test_r_complaint_77_nobody_handles_a_complaint_about_themselves(
    so: tuple[Project, Team],
) -> None:
    # R-COMPLAINT-77
    office, team = so
    with pytest.raises(ValidationFailed) as refused:
        _intake(
            team["seller"],
            office,
            target_role="salesperson",
            target_staff_id=team["seller2"].pk,
            handler_id=team["seller2"].pk,
        )
    assert list(refused.value.fields) == ["handler_id"]
    assert Complaint.objects.count() == 0
    # Received by the person complained about: it still goes to 销管部.
    own = _intake(
        team["seller2"], office, target_role="salesperson", target_staff_id=team["seller2"].pk
    )
    assert own.handler == team["admin"]


# --- SO: internal complaints (R-COMPLAINT-75/77) ----------------------------------------------
def test_r_complaint_77_internal_complaint_in_writing_to_the_competent_department(
    so: tuple[Project, Team],
) -> None:
    office, team = so
    with pytest.raises(ValidationFailed) as refused:
        _intake(team["seller"], office, level="internal", channel="visit")
    assert list(refused.value.fields) == ["channel"]
    assert Complaint.objects.count() == 0

    internal = _intake(
        team["seller"],
        office,
        level="internal",
        channel="letter",
        content="售楼主管分工不合理",
        target_role="sales_supervisor",
        target_staff_id=team["supervisor"].pk,
    )
    assert (internal.level, internal.severity) == ("internal", -1)
    assert internal.handler == team["admin"]  # not the supervisor complained about
    assert "auto_upgrade" not in open_timers(internal)  # outside the customer scale

    # A spoken complaint cannot be classified as internal either.
    spoken = _intake(team["seller"], office)
    before = snapshot(spoken)
    with pytest.raises(ValidationFailed) as refused:
        actions.classify(actor=team["supervisor"], complaint_id=spoken.pk, level="internal")
    assert list(refused.value.fields) == ["level"]
    assert snapshot(spoken) == before


# --- SO: closure needs the customer's affirmation and the cause analysis (R-74/78) -----------
def test_r_complaint_74_78_so_closure_needs_affirmation_and_cause_analysis(
    so: tuple[Project, Team],
) -> None:
    # R-COMPLAINT-74
    office, team = so
    complaint = _intake(team["seller"], office)
    supervisor = team["supervisor"]
    actions.classify(actor=supervisor, complaint_id=complaint.pk, level="minor")
    actions.verify(actor=supervisor, complaint_id=complaint.pk)
    actions.reply(actor=supervisor, complaint_id=complaint.pk, result="已向客户说明并更正资料")
    assert "first_opinion" not in open_timers(complaint)
    actions.revisit(
        actor=supervisor, complaint_id=complaint.pk, method="phone", satisfaction="satisfied"
    )
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as refused:
        actions.close(actor=supervisor, complaint_id=complaint.pk)
    assert refused.value.guards == ("customer_affirmed", "cause_analysis_done")
    assert snapshot(complaint) == before

    actions.revisit(
        actor=supervisor,
        complaint_id=complaint.pk,
        method="phone",
        satisfaction="satisfied",
        customer_affirmed=True,
    )
    assert Complaint.objects.get(pk=complaint.pk).customer_affirmed
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as refused:
        actions.close(actor=supervisor, complaint_id=complaint.pk)
    assert refused.value.guards == ("cause_analysis_done",)
    with pytest.raises(ValidationFailed) as missing:
        records.record_analysis(
            actor=supervisor,
            complaint_id=complaint.pk,
            cause_analysis="样板间说明牌未更新",
            corrective_action=" ",
        )
    assert list(missing.value.fields) == ["corrective_action"]
    with pytest.raises(Forbidden):  # the project manager is a department, not a handler
        records.record_analysis(
            actor=team["pm"], complaint_id=complaint.pk, cause_analysis="x", corrective_action="y"
        )
    assert snapshot(complaint) == before

    records.record_analysis(
        actor=supervisor,
        complaint_id=complaint.pk,
        cause_analysis="样板间说明牌未随设计变更更新",
        corrective_action="更换说明牌，售楼员重新培训",
        preventive_action="设计变更后三日内核对销售资料",
    )
    actions.close(actor=supervisor, complaint_id=complaint.pk)
    actions.archive(actor=supervisor, complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert (complaint.state, complaint.archive_target) == (State.ARCHIVED, "cs_archive")
    assert open_timers(complaint) == {}


def test_r_complaint_74_dissatisfied_revisit_does_not_record_affirmation(
    so: tuple[Project, Team],
) -> None:
    office, team = so
    complaint = _intake(team["seller"], office)
    supervisor = team["supervisor"]
    actions.classify(actor=supervisor, complaint_id=complaint.pk, level="minor")
    actions.verify(actor=supervisor, complaint_id=complaint.pk)
    actions.reply(actor=supervisor, complaint_id=complaint.pk, result="已说明")
    actions.revisit(
        actor=supervisor,
        complaint_id=complaint.pk,
        method="phone",
        satisfaction="dissatisfied",
        customer_affirmed=True,
    )
    assert not Complaint.objects.get(pk=complaint.pk).customer_affirmed


# --- SO: penalties per level (R-COMPLAINT-79) ---------------------------------------------
@pytest.mark.parametrize(
    ("data", "allowed", "refused"),
    [
        ({"level": "minor"}, ["warning", "written_self_criticism"], ["yellow_card", "red_card"]),
        (
            {"level": "important"},
            ["yellow_card", "circulated_criticism", "written_self_criticism"],
            ["warning", "red_card", "black_card"],
        ),
        ({"level": "major"}, ["red_card", "black_card"], ["yellow_card", "warning"]),
        ({"level": "internal", "channel": "letter"}, ["warning"], ["yellow_card"]),
    ],
)
def test_r_complaint_79_penalties_follow_the_level(
    so: tuple[Project, Team], data: dict[str, Any], allowed: list[str], refused: list[str]
) -> None:
    office, team = so
    complaint = _intake(team["supervisor"], office, **data)
    for penalty in refused:
        before = snapshot(complaint)
        with pytest.raises(ValidationFailed) as error:
            records.add_penalty(
                actor=team["admin"],
                complaint_id=complaint.pk,
                staff_id=team["seller"].pk,
                penalty=penalty,
            )
        assert list(error.value.fields) == ["penalty"]
        assert snapshot(complaint) == before
    for penalty in allowed:
        records.add_penalty(
            actor=team["deputy"],
            complaint_id=complaint.pk,
            staff_id=team["seller"].pk,
            penalty=penalty,
            note="经原因分析认定",
        )
    assert sorted(PenaltyRecord.objects.values_list("penalty", flat=True)) == sorted(allowed)
    assert timeline_of(complaint).filter(action="complaint.penalised").count() == len(allowed)


def test_r_complaint_79_penalties_are_decided_by_management_on_project_staff(
    so: tuple[Project, Team], pcs_team: Team
) -> None:
    office, team = so
    complaint = _intake(team["seller"], office)
    before = snapshot(complaint)
    for actor in (team["seller"], team["supervisor"]):
        with pytest.raises(Forbidden):
            records.add_penalty(
                actor=actor,
                complaint_id=complaint.pk,
                staff_id=team["seller2"].pk,
                penalty="warning",
            )
    with pytest.raises(ValidationFailed) as outsider:  # not a member of the sales office
        records.add_penalty(
            actor=team["admin"],
            complaint_id=complaint.pk,
            staff_id=pcs_team["butler"].pk,
            penalty="warning",
        )
    assert list(outsider.value.fields) == ["staff_id"]
    assert snapshot(complaint) == before


# --- SO: the one-month auto-upgrade (R-COMPLAINT-76) --------------------------------------
def test_r_complaint_76_only_valid_open_complaints_are_upgraded(so: tuple[Project, Team]) -> None:
    office, team = so
    received = at(1, 10, month=9)
    waiting = _intake(team["seller"], office, when=received)
    explained = _intake(team["seller"], office, when=received)
    actions.classify(actor=team["supervisor"], complaint_id=explained.pk, level="minor")
    actions.explain(
        actor=team["supervisor"], complaint_id=explained.pk, reason="属开发商设计，已向客户解释"
    )
    assert timers.sweep_auto_upgrade(at(1, 10, month=10)) == 1
    waiting.refresh_from_db()
    explained.refresh_from_db()
    # Raised to 重大 and re-routed to the deputy GM, whose 24 h opinion timer starts now.
    assert (waiting.level, waiting.handler) == ("major", team["deputy"])
    assert "unresolved_month" in waiting.major_flags
    assert Notification.objects.filter(
        event="complaint.assigned", recipient=team["deputy"]
    ).exists()
    assert explained.level == "minor"
    assert "auto_upgrade" not in open_timers(explained)  # met without upgrading
    assert timeline_of(waiting).filter(action="complaint.upgraded", actor=None).exists()
    assert open_timers(waiting)["first_opinion"].due_at == at(2, 10, month=10)


# --- CM: nature classes (R-COMPLAINT-57..60) ------------------------------------------------
def test_r_complaint_59_invalid_complaint_is_explained_and_closed(cm: tuple[Project, Team]) -> None:
    # R-COMPLAINT-59
    community, team = cm
    complaint = _intake(team["duty"], community, channel="phone", read_back_confirmed=True)
    assert complaint.policy.code == "CM"
    # 无效投诉 is not forced to 重大 by a major criterion (重大 ⊂ 有效).
    actions.classify(
        actor=team["duty"],
        complaint_id=complaint.pk,
        level="invalid",
        major_flags=["higher_authority"],
    )
    complaint.refresh_from_db()
    assert (complaint.level, complaint.severity) == ("invalid", 1)
    before = snapshot(complaint)
    with pytest.raises(GuardFailed):
        actions.explain(actor=team["duty"], complaint_id=complaint.pk, reason="")
    assert snapshot(complaint) == before
    actions.explain(
        actor=team["duty"], complaint_id=complaint.pk, reason="市政停水，不属管理处责任"
    )
    actions.close(actor=team["duty"], complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert (complaint.state, complaint.outcome_reason) == (State.CLOSED, "市政停水，不属管理处责任")


def test_r_complaint_60_64_major_goes_to_the_gpm_and_is_revisited_at_home(
    cm: tuple[Project, Team],
) -> None:
    # R-COMPLAINT-60
    community, team = cm
    complaint = _intake(team["duty"], community, major_flags=["higher_authority"])
    assert (complaint.level, complaint.handler) == ("major", team["gpm"])
    classified = at(17, 10, 30)
    actions.classify(actor=team["duty"], complaint_id=complaint.pk, at=classified)
    running = open_timers(Complaint.objects.get(pk=complaint.pk))
    assert running["escalation.1"].due_at == classified + dt.timedelta(hours=1)
    assert running["escalation.2"].due_at == classified + dt.timedelta(hours=4)
    actions.escalate(actor=team["duty"], complaint_id=complaint.pk, note="已报告客服中心经理")
    assert Notification.objects.get(event="complaint.escalated").recipient == team["manager"]
    actions.verify(actor=team["gpm"], complaint_id=complaint.pk)
    actions.decide(actor=team["gpm"], complaint_id=complaint.pk, decision="总物业经理亲自处理")
    actions.reply(actor=team["gpm"], complaint_id=complaint.pk, result="已处理并答复")
    before = snapshot(complaint)
    with pytest.raises(ValidationFailed) as refused:
        actions.revisit(
            actor=team["manager"],
            complaint_id=complaint.pk,
            method="phone",
            satisfaction="satisfied",
        )
    assert list(refused.value.fields) == ["method"]
    assert snapshot(complaint) == before
    actions.revisit(
        actor=team["manager"],
        complaint_id=complaint.pk,
        method="home_visit",
        satisfaction="satisfied",
    )
    actions.close(actor=team["manager"], complaint_id=complaint.pk)
    assert Complaint.objects.get(pk=complaint.pk).state == State.CLOSED


def test_r_complaint_64_valid_complaint_may_be_revisited_by_phone(
    cm: tuple[Project, Team],
) -> None:
    # R-COMPLAINT-64
    community, team = cm
    complaint = _intake(team["duty"], community)
    actions.classify(actor=team["duty"], complaint_id=complaint.pk, level="valid")
    actions.verify(actor=team["duty"], complaint_id=complaint.pk)
    actions.reply(actor=team["duty"], complaint_id=complaint.pk, result="已修复")
    actions.revisit(
        actor=team["assistant"],
        complaint_id=complaint.pk,
        method="phone",
        satisfaction="fairly",
    )
    actions.close(actor=team["duty"], complaint_id=complaint.pk)
    assert Complaint.objects.get(pk=complaint.pk).state == State.CLOSED


def test_r_complaint_58_unclassifiable_is_reported_to_the_manager(
    cm: tuple[Project, Team],
) -> None:
    # R-COMPLAINT-58
    community, team = cm
    complaint = _intake(team["duty"], community)
    actions.escalate(actor=team["duty"], complaint_id=complaint.pk, note="无法判别性质，请经理定性")
    assert Notification.objects.get(event="complaint.escalated").recipient == team["manager"]
    actions.classify(actor=team["manager"], complaint_id=complaint.pk, level="valid")
    assert Complaint.objects.get(pk=complaint.pk).state == State.CLASSIFIED


# --- group issues: one decision for every open complaint (R-COMPLAINT-29/65) ---------------
def test_r_complaint_65_group_decision_applies_to_every_open_complaint(
    cm: tuple[Project, Team], lh_team: Team
) -> None:
    # R-COMPLAINT-65
    community, team = cm
    complaints = [_intake(team["duty"], community, content=f"电梯故障{n}") for n in range(3)]
    closed = _intake(team["duty"], community, content="电梯故障（已结）")
    actions.classify(actor=team["duty"], complaint_id=closed.pk, level="invalid")
    actions.explain(actor=team["duty"], complaint_id=closed.pk, reason="已解释")
    actions.close(actor=team["duty"], complaint_id=closed.pk)
    ids = [c.pk for c in [*complaints, closed]]
    with pytest.raises(ValidationFailed):  # at least two, all of this project
        records.group_complaints(
            actor=team["duty"], project_id=community.pk, title="电梯", complaint_ids=ids[:1]
        )
    group = records.group_complaints(
        actor=team["duty"], project_id=community.pk, title="3号楼电梯频繁故障", complaint_ids=ids
    )
    assert (
        records.suggestion_for(Complaint.objects.get(pk=complaints[0].pk))
        == "召集投诉者座谈会，或在小区公布处理情况"
    )

    # A duty officer may not decide for the company: nothing changes for any of them.
    before = [snapshot(c) for c in complaints]
    with pytest.raises(Forbidden):
        records.decide_group(actor=team["duty"], group_id=group.pk, decision="更换主板")
    assert [snapshot(c) for c in complaints] == before
    assert ComplaintGroup.objects.get(pk=group.pk).decision == ""
    with pytest.raises(NotFound):  # and nobody outside the project
        records.decide_group(actor=lh_team["executive"], group_id=group.pk, decision="x")
    assert [snapshot(c) for c in complaints] == before

    decided_at = at(20, 16)
    records.decide_group(
        actor=team["gpm"], group_id=group.pk, decision="统一更换电梯主板并公示", at=decided_at
    )
    for complaint in complaints:
        complaint.refresh_from_db()
        assert (complaint.decision, complaint.decided_at) == ("统一更换电梯主板并公示", decided_at)
        assert timeline_of(complaint).filter(action="complaint.decided").count() == 1
    closed.refresh_from_db()
    assert (closed.decision, closed.decided_at) == ("", None)
    group.refresh_from_db()
    assert (group.decision, group.decided_by) == ("统一更换电梯主板并公示", team["gpm"])


def test_r_complaint_29_lh_legacy_group_decision_lifts_the_freeze_for_all(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    club = lh_team["club"]
    complaints = []
    for n in range(2):
        complaint = receive(club, sales_centre, content=f"三证办理延误{n}")
        actions.classify(
            actor=club, complaint_id=complaint.pk, major_flags=["wide_scope"], legacy_issue=True
        )
        complaints.append(complaint)
    group = records.group_complaints(
        actor=club,
        project_id=sales_centre.pk,
        title="三证办理延误",
        complaint_ids=[c.pk for c in complaints],
    )
    assert "统一的处理办法" in (
        records.suggestion_for(Complaint.objects.get(pk=complaints[0].pk)) or ""
    )
    for complaint in complaints:
        assert actions.frozen_for(Complaint.objects.get(pk=complaint.pk))
    records.decide_group(actor=lh_team["executive"], group_id=group.pk, decision="统一延期补偿")
    for complaint in complaints:
        assert not actions.frozen_for(Complaint.objects.get(pk=complaint.pk))
    praise = receive(club, sales_centre, kind="praise")
    with pytest.raises(TransitionNotAllowed):  # praise cannot be decided
        actions.decide(actor=lh_team["executive"], complaint_id=praise.pk, decision="x")
