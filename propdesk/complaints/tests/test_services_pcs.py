"""PCS (物业客服部) complaint services on a real database: R-COMPLAINT-33..52, the PCS → LH and
PCS → 地产客服 forwarding of R-COMPLAINT-15/47/90f, and the working-hours switch of A-CMP-7.

Every refused action is checked to change nothing (`snapshot`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from propdesk.complaints.models import Complaint, ContactSheet, SheetState
from propdesk.complaints.services import actions, intake
from propdesk.complaints.services.policies import choose_policy
from propdesk.complaints.workflows import GuardFailed, State
from propdesk.core.errors import Forbidden, NotFound, ValidationFailed
from propdesk.core.models import Notification, Project, Staff
from propdesk.core.services.timeline import timeline_of
from propdesk.core.tests.factories import CompanyFactory, ProjectFactory

from .conftest import TZ, WORKING, at
from .test_services_flow import open_timers, snapshot

pytestmark = pytest.mark.django_db

Team = dict[str, Staff]


def _verified(
    team: Team,
    project: Project,
    receive: Callable[..., Complaint],
    *,
    level: str = "general",
    when: dt.datetime = WORKING,
    **data: Any,
) -> Complaint:
    complaint = receive(team["butler"], project, when=when, **data)
    actions.classify(
        actor=team["butler"],
        complaint_id=complaint.pk,
        level=level,
        at=when + dt.timedelta(minutes=5),
    )
    actions.verify(
        actor=team["butler"], complaint_id=complaint.pk, at=when + dt.timedelta(minutes=10)
    )
    return Complaint.objects.get(pk=complaint.pk)


def _transferred(team: Team, project: Project, complaint: Complaint, when: dt.datetime) -> None:
    engineering = project.departments.get(code="engineering")
    actions.transfer(
        actor=team["butler"],
        complaint_id=complaint.pk,
        data={"department_id": engineering.pk},
        at=when,
    )


# --- R-COMPLAINT-47: forwarded to 地产客服, proposal within a week ------------------------------
def test_r_complaint_47_developer_forwarding_proposal_7_days_and_feedback_returns_it(
    pcs_team: Team, community: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(pcs_team, community, receive)
    forwarded = at(17, 11)
    actions.forward(
        actor=pcs_team["butler"], complaint_id=complaint.pk, to="地产客服", at=forwarded
    )
    complaint.refresh_from_db()
    assert (complaint.state, complaint.forwarded_to, complaint.linked) == (
        State.FORWARDED,
        "地产客服",
        None,
    )
    running = open_timers(complaint)
    proposal = running["developer_proposal"]
    assert proposal.due_at == forwarded + dt.timedelta(days=7)
    assert "一周" in proposal.explanation
    # "remind the people concerned in advance of the feedback time": the sweep reminds at 80 %.
    assert proposal.remind_at == forwarded + dt.timedelta(days=7) * 0.8
    assert running["chase"].due_at == forwarded + dt.timedelta(hours=84)  # general: 2 per week

    # Only the CS side records the developer's proposal; the engineer is no handler.
    before = snapshot(complaint)
    with pytest.raises(Forbidden):
        actions.feedback(actor=pcs_team["engineer"], complaint_id=complaint.pk, result="方案")
    with pytest.raises(ValidationFailed):
        actions.feedback(actor=pcs_team["butler"], complaint_id=complaint.pk, result="  ")
    assert snapshot(complaint) == before

    actions.feedback(
        actor=pcs_team["butler"],
        complaint_id=complaint.pk,
        result="地产客服提交方案：十日内更换外墙防水",
        at=at(20, 15),
    )
    complaint.refresh_from_db()
    assert complaint.state == State.IN_PROGRESS
    assert "developer_proposal" not in open_timers(complaint)
    assert (
        timeline_of(complaint)
        .filter(action="complaint.fed_back", from_state="forwarded", to_state="in_progress")
        .exists()
    )
    actions.reply(actor=pcs_team["butler"], complaint_id=complaint.pk, result="已告知业主方案")
    assert Complaint.objects.get(pk=complaint.pk).state == State.RESOLVED


# --- R-COMPLAINT-15: PCS → LH creates a linked complaint at the sales centre -------------------
def test_r_complaint_15_forward_to_lh_links_a_complaint_and_closes_after_it(
    pcs_team: Team,
    lh_team: Team,
    community: Project,
    sales_centre: Project,
    receive: Callable[..., Complaint],
) -> None:
    source = receive(pcs_team["butler"], community, content="购房合同约定的车位未交付")
    actions.classify(actor=pcs_team["butler"], complaint_id=source.pk, level="general")
    actions.forward(
        actor=pcs_team["butler"],
        complaint_id=source.pk,
        to="龙湖会",
        target_project_id=sales_centre.pk,
        note="商品房买卖合同纠纷，转龙湖会",
    )
    source.refresh_from_db()
    linked = source.linked
    assert linked is not None
    assert source.state == State.FORWARDED  # kept as 已转出
    assert (linked.project, linked.policy.code, linked.channel, linked.linked) == (
        sales_centre,
        "LH",
        "company_forwarded",
        source,
    )
    assert linked.state == State.RECEIVED
    assert linked.content == "购房合同约定的车位未交付"
    assert linked.number.startswith("TS-")
    # The club's designated handler takes it over; the butler is no member of the sales centre.
    assert linked.handler == lh_team["club"]
    assert linked.received_by == pcs_team["butler"]
    assert "reply" in open_timers(linked)  # each side keeps its own timers (R-COMPLAINT-90f)
    with pytest.raises(NotFound):
        actions.classify(actor=pcs_team["butler"], complaint_id=linked.pk, level="general")

    # The PCS record closes only after the linked LH complaint has closed.
    before = snapshot(source)
    with pytest.raises(GuardFailed) as refused:
        actions.close(actor=pcs_team["butler"], complaint_id=source.pk)
    assert refused.value.guards == ("linked_case_closed",)
    assert snapshot(source) == before

    club = lh_team["club"]
    actions.classify(actor=club, complaint_id=linked.pk, level="general")
    actions.verify(actor=club, complaint_id=linked.pk)
    actions.reply(actor=club, complaint_id=linked.pk, result="车位将于下月交付")
    actions.revisit(actor=club, complaint_id=linked.pk, method="phone", satisfaction="satisfied")
    with pytest.raises(GuardFailed):  # resolved is not closed
        actions.close(actor=pcs_team["butler"], complaint_id=source.pk)
    actions.close(actor=club, complaint_id=linked.pk)

    actions.close(actor=pcs_team["butler"], complaint_id=source.pk)
    source.refresh_from_db()
    assert source.state == State.CLOSED
    assert open_timers(source) == {}


def test_r_complaint_15_forward_target_must_be_another_project_of_the_company(
    pcs_team: Team, community: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = receive(pcs_team["butler"], community)
    elsewhere = ProjectFactory(company=CompanyFactory(name="别家物业"), kind="sales_centre")
    for target in (community.pk, elsewhere.pk, 999999, "x"):
        before = snapshot(complaint)
        with pytest.raises(ValidationFailed) as refused:
            actions.forward(
                actor=pcs_team["butler"],
                complaint_id=complaint.pk,
                to="龙湖会",
                target_project_id=target,
            )
        assert list(refused.value.fields) == ["target_project_id"]
        assert snapshot(complaint) == before
    assert Complaint.objects.count() == 1


# --- R-COMPLAINT-48: chase daily (important), twice a week (general), before an agreed date ---
@pytest.mark.parametrize(("level", "gap"), [("important", 24), ("major", 24), ("general", 84)])
def test_r_complaint_48_chase_schedule_by_level(
    pcs_team: Team, community: Project, receive: Callable[..., Complaint], level: str, gap: int
) -> None:
    complaint = _verified(pcs_team, community, receive, level=level)
    sent = at(17, 10, 30)
    _transferred(pcs_team, community, complaint, sent)
    chase = open_timers(complaint)["chase"]
    assert chase.due_at == sent + dt.timedelta(hours=gap)
    assert chase.responsible == pcs_team["butler"]
    chased = at(18, 11)
    actions.chase(
        actor=pcs_team["butler"], complaint_id=complaint.pk, note="工程部称明日上门", at=chased
    )
    after = open_timers(complaint)["chase"]
    assert after.pk != chase.pk
    assert after.due_at == chased + dt.timedelta(hours=gap)
    assert complaint.version < Complaint.objects.get(pk=complaint.pk).version
    # A chase is logged and needs its note; the engineer does not chase.
    before = snapshot(complaint)
    with pytest.raises(ValidationFailed):
        actions.chase(actor=pcs_team["butler"], complaint_id=complaint.pk, note="")
    with pytest.raises(Forbidden):
        actions.chase(actor=pcs_team["engineer"], complaint_id=complaint.pk, note="催")
    assert snapshot(complaint) == before


def test_r_complaint_48_chase_one_day_before_an_agreed_deadline(
    pcs_team: Team, community: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(pcs_team, community, receive)
    _transferred(pcs_team, community, complaint, at(17, 10, 30))
    agreed = at(30, 17)
    actions.record_promise(
        actor=pcs_team["butler"],
        complaint_id=complaint.pk,
        promise="外墙维修需待天晴，业主同意月底前完成",
        deadline=agreed,
        at=at(17, 11),
    )
    complaint.refresh_from_db()
    running = open_timers(complaint)
    assert running["promised_reply"].due_at == agreed
    assert running["chase"].due_at == agreed - dt.timedelta(days=1)
    assert "约定期限前" in running["chase"].explanation
    # After that chase the twice-weekly rhythm resumes.
    chased = at(29, 17, 5)
    actions.chase(actor=pcs_team["butler"], complaint_id=complaint.pk, note="已催", at=chased)
    assert open_timers(complaint)["chase"].due_at == chased + dt.timedelta(hours=84)
    # Replying stops chasing.
    actions.accept(
        actor=pcs_team["engineer"],
        complaint_id=complaint.pk,
        rectification_deadline=at(30, 12),
        at=at(29, 18),
    )
    actions.feedback(actor=pcs_team["engineer"], complaint_id=complaint.pk, result="已完工")
    actions.reply(
        actor=pcs_team["butler"], complaint_id=complaint.pk, result="已完工", at=at(30, 9)
    )
    assert "chase" not in open_timers(complaint)


# --- R-COMPLAINT-45: the department cannot solve it: same-day report ---------------------------
def test_r_complaint_45_department_unable_starts_a_same_day_report(
    pcs_team: Team, community: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(pcs_team, community, receive)
    _transferred(pcs_team, community, complaint, at(17, 10, 30))
    unable_at = at(17, 15)
    actions.feedback(
        actor=pcs_team["engineer"],
        complaint_id=complaint.pk,
        result="外墙属开发商保修范围，我部无法解决",
        unable=True,
        at=unable_at,
    )
    complaint.refresh_from_db()
    assert complaint.state == State.ASSIGNED  # the handler has to find another way
    assert ContactSheet.objects.get(complaint=complaint).state == SheetState.ANSWERED
    report = open_timers(complaint)["unable_report"]
    assert report.due_at == dt.datetime(2026, 11, 18, 0, 0, tzinfo=TZ)
    assert "当日" in report.explanation
    assert Notification.objects.filter(
        event="complaint.fed_back", recipient=pcs_team["butler"]
    ).exists()
    actions.escalate(
        actor=pcs_team["butler"],
        complaint_id=complaint.pk,
        note="工程部无法解决，请经理协调技术支持",
        at=at(17, 16),
    )
    complaint.refresh_from_db()
    assert "unable_report" not in open_timers(complaint)
    # The PCS chain: 亲情管家 → 物业客服经理 (R-COMPLAINT-46), then 总物业经理.
    notice = Notification.objects.get(event="complaint.escalated")
    assert notice.recipient == pcs_team["manager"]
    actions.escalate(actor=pcs_team["manager"], complaint_id=complaint.pk, note="请总经理决定")
    assert Notification.objects.filter(
        event="complaint.escalated", recipient=pcs_team["gpm"]
    ).exists()


# --- transfer needs a sheet ----------------------------------------------------------------
def test_r_complaint_43_transfer_needs_the_responsible_department(
    pcs_team: Team, community: Project, receive: Callable[..., Complaint]
) -> None:
    # R-COMPLAINT-43
    complaint = _verified(pcs_team, community, receive)
    before = snapshot(complaint)
    for data in (None, {}, {"department_id": 999999}):
        with pytest.raises(ValidationFailed) as refused:
            actions.transfer(actor=pcs_team["butler"], complaint_id=complaint.pk, data=data)
        assert "department_id" in refused.value.fields
        assert snapshot(complaint) == before
    classified = open_timers(complaint)["transfer"]
    assert classified.due_at == WORKING + dt.timedelta(minutes=25)  # 20 min after 定性
    _transferred(pcs_team, community, complaint, WORKING + dt.timedelta(minutes=20))
    assert "transfer" not in open_timers(complaint)


# --- A-CMP-7: the project may count the 8 h / 24 h in working hours ---------------------------
def test_a_cmp_7_working_hours_switch_changes_the_first_response_due_time(
    pcs_team: Team, community: Project, receive: Callable[..., Complaint]
) -> None:
    clock = receive(pcs_team["butler"], community, when=WORKING)
    assert open_timers(clock)["first_response"].due_at == WORKING + dt.timedelta(hours=8)

    choose_policy(
        actor=pcs_team["manager"], project_id=community.pk, code="PCS", count_working_hours=True
    )
    # Tuesday 10:00 + 8 working hours (08:30–17:30): 7.5 h today, 0.5 h on Wednesday.
    working = receive(pcs_team["butler"], community, when=WORKING)
    due = open_timers(working)["first_response"]
    assert due.due_at == dt.datetime(2026, 11, 18, 9, 0, tzinfo=TZ)
    assert "工作" in due.explanation
    # The complaint received before the switch keeps its due time.
    assert open_timers(clock)["first_response"].due_at == WORKING + dt.timedelta(hours=8)

    # Before National Day 2026: Wednesday 30 Sep 16:00, 1.5 h left that day, the holiday
    # (1–7 Oct) is skipped, and the rest runs on Thursday 8 Oct.
    holiday = receive(
        pcs_team["butler"], community, when=dt.datetime(2026, 9, 30, 16, 0, tzinfo=TZ)
    )
    assert open_timers(holiday)["first_response"].due_at == dt.datetime(
        2026, 10, 8, 15, 0, tzinfo=TZ
    )


# --- R-COMPLAINT-02 / 35 / 39: another receiver hands over to the 亲情管家 ----------------------
def test_r_complaint_02_a_receiver_who_is_not_the_butler_hands_over(
    pcs_team: Team, community: Project, person: Callable[..., Staff]
) -> None:
    # R-COMPLAINT-35 (the receiver records, the 亲情管家 handles), R-COMPLAINT-39
    guard = person(community, "security", "秩序维护员甲", "security")
    complaint = intake.receive(
        actor=guard,
        project_id=community.pk,
        data={
            "kind": "complaint",
            "channel": "visit",
            "complainant_name": "李四",
            "content": "夜间噪音",
        },
        at=WORKING,
    )
    assert (complaint.received_by, complaint.handler) == (guard, pcs_team["butler"])
    assert open_timers(complaint)["first_response"].responsible == pcs_team["butler"]
