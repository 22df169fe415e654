"""LH (龙湖会) complaint services on a real database: R-COMPLAINT-13..32 and SPEC §11.3.

Every refused action is checked to change nothing (`snapshot`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from propdesk.complaints.models import (
    Complaint,
    ContactSheet,
    CostEntry,
    LetterState,
    SheetState,
)
from propdesk.complaints.services import actions, records
from propdesk.complaints.workflows import GuardFailed, State
from propdesk.core.errors import Forbidden, TransitionNotAllowed, ValidationFailed
from propdesk.core.models import Notification, Project, Staff
from propdesk.core.services.timeline import timeline_of

from .conftest import TZ, at
from .test_services_flow import open_timers, snapshot

pytestmark = pytest.mark.django_db

Team = dict[str, Staff]


def _classified(
    team: Team,
    project: Project,
    receive: Callable[..., Complaint],
    *,
    level: str = "general",
    when: dt.datetime | None = None,
    **data: Any,
) -> Complaint:
    when = when or at(17, 9)
    complaint = receive(team["club"], project, when=when, **data)
    actions.classify(
        actor=team["club"],
        complaint_id=complaint.pk,
        level=level,
        at=when + dt.timedelta(minutes=5),
    )
    return Complaint.objects.get(pk=complaint.pk)


def _verified(
    team: Team, project: Project, receive: Callable[..., Complaint], **kw: Any
) -> Complaint:
    complaint = _classified(team, project, receive, **kw)
    actions.verify(actor=team["club"], complaint_id=complaint.pk, at=at(17, 9, 10))
    return Complaint.objects.get(pk=complaint.pk)


# --- R-COMPLAINT-20: the contact sheet needs the 营销策划部经理's approval ---------------------
def test_r_complaint_20_contact_sheet_needs_marketing_manager_approval_before_transfer(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(lh_team, sales_centre, receive)
    engineering = sales_centre.departments.get(code="engineering")
    # Nothing drafted yet: transfer is refused and changes nothing.
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as refused:
        actions.transfer(actor=lh_team["club"], complaint_id=complaint.pk, at=at(17, 9, 20))
    assert refused.value.guards == ("contact_sheet_approved",)
    assert snapshot(complaint) == before

    sheet = actions.draft_contact_sheet(
        actor=lh_team["club"],
        complaint_id=complaint.pk,
        data={"department_id": engineering.pk, "requirement": "三日内查明渗水原因"},
        at=at(17, 9, 15),
    )
    assert sheet.state == SheetState.PENDING_APPROVAL
    assert Notification.objects.filter(
        recipient=lh_team["approver"], event="complaint.sheet_to_approve"
    ).exists()
    # Still awaiting approval: no transfer.
    before = snapshot(complaint)
    with pytest.raises(GuardFailed):
        actions.transfer(actor=lh_team["club"], complaint_id=complaint.pk, at=at(17, 9, 20))
    assert snapshot(complaint) == before
    # Only the policy's approver may approve: not the supervisor, not the department manager.
    for outsider in (lh_team["supervisor"], lh_team["manager"], lh_team["club"]):
        with pytest.raises(Forbidden):
            actions.approve_contact_sheet(actor=outsider, sheet_id=sheet.pk)
    assert snapshot(complaint) == before
    assert ContactSheet.objects.get(pk=sheet.pk).approved_by is None

    actions.approve_contact_sheet(actor=lh_team["approver"], sheet_id=sheet.pk, at=at(17, 9, 30))
    with pytest.raises(TransitionNotAllowed):  # approved once only
        actions.approve_contact_sheet(actor=lh_team["approver"], sheet_id=sheet.pk)
    actions.transfer(actor=lh_team["club"], complaint_id=complaint.pk, at=at(17, 9, 40))

    complaint.refresh_from_db()
    sheet.refresh_from_db()
    assert complaint.state == State.ASSIGNED
    assert complaint.department == engineering
    assert (sheet.state, sheet.approved_by, sheet.issued_at) == (
        SheetState.ISSUED,
        lh_team["approver"],
        at(17, 9, 40),
    )
    assert Notification.objects.filter(
        recipient=lh_team["department"], event="complaint.sheet_issued"
    ).exists()
    actions_seen = list(timeline_of(complaint).values_list("action", flat=True))
    assert actions_seen[-3:] == [
        "complaint.sheet_drafted",
        "complaint.sheet_approved",
        "complaint.transferred",
    ]


# --- R-COMPLAINT-23: reply letters are co-signed, reviewed by legal, then issued ---------------
def test_r_complaint_23_reply_letter_cosigned_then_legal_review_and_reply_refused_until_issued(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(lh_team, sales_centre, receive)
    letter = records.draft_letter(
        actor=lh_team["club"], complaint_id=complaint.pk, body="尊敬的业主：关于渗水问题……"
    )
    assert letter.state == LetterState.COSIGNING
    assert records.required_cosigners(complaint) == ("supervisor", "manager", "department")

    def reply_refused() -> None:
        before = snapshot(complaint)
        with pytest.raises(GuardFailed) as refused:
            actions.reply(actor=lh_team["club"], complaint_id=complaint.pk, result="已答复")
        assert "letter_issued" in refused.value.guards
        assert snapshot(complaint) == before

    def issue_refused() -> None:
        before = snapshot(complaint)
        with pytest.raises(TransitionNotAllowed):
            records.issue_letter(actor=lh_team["club"], letter_id=letter.pk)
        assert snapshot(complaint) == before

    reply_refused()
    issue_refused()
    # Signing needs the slot: the club clerk is no supervisor.
    with pytest.raises(Forbidden):
        records.sign_letter(actor=lh_team["club"], letter_id=letter.pk, slot="supervisor")
    with pytest.raises(ValidationFailed):  # legal does not co-sign under LH
        records.sign_letter(actor=lh_team["legal"], letter_id=letter.pk, slot="legal")
    # Legal review comes after every signature.
    with pytest.raises(TransitionNotAllowed):
        records.review_letter(actor=lh_team["legal"], letter_id=letter.pk, approve=True)

    records.sign_letter(actor=lh_team["supervisor"], letter_id=letter.pk, slot="supervisor")
    with pytest.raises(TransitionNotAllowed):  # one signature per slot
        records.sign_letter(actor=lh_team["supervisor"], letter_id=letter.pk, slot="supervisor")
    records.sign_letter(actor=lh_team["manager"], letter_id=letter.pk, slot="manager")
    # 部门经理 holds the department slot too, but one person signs a letter once.
    with pytest.raises(TransitionNotAllowed):
        records.sign_letter(actor=lh_team["manager"], letter_id=letter.pk, slot="department")
    reply_refused()
    letter = records.sign_letter(
        actor=lh_team["department"], letter_id=letter.pk, slot="department"
    )
    assert letter.state == LetterState.LEGAL_REVIEW
    reply_refused()
    issue_refused()
    # Only legal reviews; sending back needs a comment and restarts the signatures.
    with pytest.raises(Forbidden):
        records.review_letter(actor=lh_team["manager"], letter_id=letter.pk, approve=True)
    with pytest.raises(ValidationFailed):
        records.review_letter(actor=lh_team["legal"], letter_id=letter.pk, approve=False)
    letter = records.review_letter(
        actor=lh_team["legal"], letter_id=letter.pk, approve=False, comments="删去赔偿承诺"
    )
    assert letter.state == LetterState.COSIGNING
    assert letter.signatures.count() == 0
    for person, slot in (
        (lh_team["supervisor"], "supervisor"),
        (lh_team["manager"], "manager"),
        (lh_team["department"], "department"),
    ):
        records.sign_letter(actor=person, letter_id=letter.pk, slot=slot)
    letter = records.review_letter(actor=lh_team["legal"], letter_id=letter.pk, approve=True)
    assert (letter.state, letter.legal_reviewed_by) == (LetterState.READY, lh_team["legal"])
    reply_refused()  # ready is not issued
    letter = records.issue_letter(actor=lh_team["club"], letter_id=letter.pk)
    assert letter.state == LetterState.ISSUED
    with pytest.raises(TransitionNotAllowed):
        records.revise_letter(actor=lh_team["club"], letter_id=letter.pk, body="改")

    actions.reply(actor=lh_team["club"], complaint_id=complaint.pk, result="已发出回馈函件")
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED
    assert "reply" not in open_timers(complaint)


# --- R-COMPLAINT-27 / 90b: major report within 24 h and the escalation chain -------------------
def test_r_complaint_27_major_report_24h_and_escalation_chain_met_hop_by_hop(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    received = at(17, 9)
    complaint = receive(lh_team["club"], sales_centre, when=received)
    assert open_timers(complaint)["reply"].due_at == received + dt.timedelta(hours=72)
    classified = at(17, 10)
    actions.classify(
        actor=lh_team["club"], complaint_id=complaint.pk, major_flags=["media"], at=classified
    )
    complaint.refresh_from_db()
    assert complaint.level == "major"  # 新闻媒体曝光 forces 重大 (R-COMPLAINT-13)
    running = open_timers(complaint)
    assert running["major_report"].due_at == classified + dt.timedelta(hours=24)
    assert running["escalation.1"].due_at == classified + dt.timedelta(hours=24)
    assert running["escalation.2"].due_at == classified + dt.timedelta(hours=24)
    assert running["escalation.3"].due_at == classified + dt.timedelta(hours=48)
    assert running["escalation.2"].label == "上报营销策划部经理"
    # 重大投诉: no fixed reply time (R-COMPLAINT-18) — the 72 h promise of intake is withdrawn.
    assert "reply" not in running
    assert Notification.objects.filter(event="complaint.major", recipient=lh_team["supervisor"])

    # Each report up the chain meets the report timer and the next hop, and tells that leader.
    chain = [
        (lh_team["club"], lh_team["supervisor"], {"major_report", "escalation.1"}),
        (lh_team["supervisor"], lh_team["approver"], {"escalation.2"}),
        (lh_team["supervisor"], lh_team["executive"], {"escalation.3"}),
    ]
    for hop, (reporter, leader, met) in enumerate(chain, start=1):
        still_open = set(open_timers(complaint))
        actions.escalate(
            actor=reporter,
            complaint_id=complaint.pk,
            note=f"第{hop}次上报",
            at=classified + dt.timedelta(hours=hop),
        )
        complaint.refresh_from_db()
        assert complaint.escalation_level == hop
        assert still_open - set(open_timers(complaint)) == met
        notice = Notification.objects.get(
            event="complaint.escalated",
            data__complaint=complaint.pk,
            dedupe_key__contains=f":esc{hop}:",
        )
        assert notice.recipient == leader
    assert not any(key.startswith("escalation.") for key in open_timers(complaint))

    # The customer is answered only after the leaders decide (R-COMPLAINT-27 / 06).
    actions.verify(actor=lh_team["club"], complaint_id=complaint.pk)
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as refused:
        actions.reply(actor=lh_team["club"], complaint_id=complaint.pk, result="赔偿五千元")
    assert refused.value.guards == ("no_promise_freeze",)
    assert snapshot(complaint) == before
    with pytest.raises(Forbidden):  # the clerk does not decide
        actions.decide(actor=lh_team["club"], complaint_id=complaint.pk, decision="赔偿")
    actions.decide(actor=lh_team["executive"], complaint_id=complaint.pk, decision="按合同整改")
    actions.reply(actor=lh_team["club"], complaint_id=complaint.pk, result="按公司决定整改")
    assert Complaint.objects.get(pk=complaint.pk).state == State.RESOLVED


# --- R-COMPLAINT-16: 特别重大 closes only with the chairman's approval -------------------------
def test_r_complaint_16_particularly_major_closure_needs_the_chairman(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(lh_team, sales_centre, receive, level="major")
    actions.upgrade(
        actor=lh_team["executive"],
        complaint_id=complaint.pk,
        level="particularly_major",
        reason="总经理认定为特别重大事项",
    )
    actions.decide(actor=lh_team["chairman"], complaint_id=complaint.pk, decision="全额退房")
    actions.reply(actor=lh_team["supervisor"], complaint_id=complaint.pk, result="已告知决定")
    actions.revisit(
        actor=lh_team["supervisor"],
        complaint_id=complaint.pk,
        method="home_visit",
        satisfaction="satisfied",
    )
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as refused:
        actions.close(actor=lh_team["supervisor"], complaint_id=complaint.pk)
    assert refused.value.guards == ("chairman_approved",)
    for outsider in (lh_team["executive"], lh_team["supervisor"]):
        with pytest.raises(Forbidden):
            records.approve_closure(actor=outsider, complaint_id=complaint.pk)
    assert snapshot(complaint) == before

    records.approve_closure(actor=lh_team["chairman"], complaint_id=complaint.pk, note="同意结案")
    actions.close(actor=lh_team["supervisor"], complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert (complaint.state, complaint.chairman_approved) == (State.CLOSED, True)
    assert complaint.closed_at is not None
    assert open_timers(complaint) == {}


def test_r_complaint_16_a_major_complaint_closes_without_the_chairman(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(lh_team, sales_centre, receive, level="major")
    actions.decide(actor=lh_team["executive"], complaint_id=complaint.pk, decision="维修")
    actions.reply(actor=lh_team["club"], complaint_id=complaint.pk, result="已维修")
    actions.revisit(
        actor=lh_team["club"], complaint_id=complaint.pk, method="phone", satisfaction="fairly"
    )
    actions.close(actor=lh_team["club"], complaint_id=complaint.pk)
    assert Complaint.objects.get(pk=complaint.pk).state == State.CLOSED


# --- R-COMPLAINT-29: legacy issues are reported to the supervisor the same day -----------------
def test_r_complaint_29_legacy_issue_reported_the_same_day(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = receive(lh_team["club"], sales_centre, when=at(17, 15))
    actions.classify(
        actor=lh_team["club"],
        complaint_id=complaint.pk,
        level="general",
        legacy_issue=True,
        at=at(17, 15, 30),
    )
    complaint.refresh_from_db()
    assert complaint.legacy_issue
    timer = open_timers(complaint)["legacy_report"]
    assert timer.due_at == dt.datetime(2026, 11, 18, 0, 0, tzinfo=TZ)  # 当天 = until midnight
    assert "当天" in timer.explanation
    actions.escalate(
        actor=lh_team["club"], complaint_id=complaint.pk, note="已报告主管", at=at(17, 16)
    )
    assert "legacy_report" not in open_timers(Complaint.objects.get(pk=complaint.pk))
    assert Notification.objects.filter(
        event="complaint.escalated", recipient=lh_team["supervisor"]
    ).exists()


# --- R-COMPLAINT-32: praise is verified, reported and commended -------------------------------
def test_r_complaint_32_praise_verify_report_commend(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    praise = receive(lh_team["club"], sales_centre, kind="praise", content="褚工维修及时，特此表扬")
    assert open_timers(praise) == {}  # praise runs no SLA timer
    with pytest.raises(TransitionNotAllowed):  # praise is not classified
        actions.classify(actor=lh_team["club"], complaint_id=praise.pk, level="general")
    before = snapshot(praise)
    with pytest.raises(TransitionNotAllowed):  # not before it is verified and reported
        actions.commend(actor=lh_team["executive"], complaint_id=praise.pk)
    assert snapshot(praise) == before

    actions.verify(actor=lh_team["club"], complaint_id=praise.pk, note="经核实属实")
    actions.report_praise(actor=lh_team["club"], complaint_id=praise.pk)
    praise.refresh_from_db()
    assert praise.state == State.REPORTED
    reported_to = set(
        Notification.objects.filter(event="complaint.praise").values_list("recipient", flat=True)
    )
    assert reported_to == {lh_team["manager"].pk, lh_team["executive"].pk}
    before = snapshot(praise)
    with pytest.raises(Forbidden):  # the clerk does not hand out commendations
        actions.commend(actor=lh_team["club"], complaint_id=praise.pk)
    assert snapshot(praise) == before
    actions.commend(actor=lh_team["executive"], complaint_id=praise.pk, note="通报表扬")
    praise.refresh_from_db()
    assert praise.state == State.COMMENDED
    assert list(timeline_of(praise).values_list("to_state", flat=True)) == [
        "received",
        "verified",
        "reported",
        "commended",
    ]


# --- R-COMPLAINT-18: 48 h for consultations and requests, 72 h general, none for major ---------
@pytest.mark.parametrize(
    ("kind", "data", "hours"),
    [
        ("consultation", {}, 48),
        ("service_request", {}, 48),
        ("complaint", {}, 72),
        ("complaint", {"major_flags": ["government"]}, None),
        ("complaint", {"level": "particularly_major"}, None),
    ],
)
def test_r_complaint_18_reply_timer_by_kind_and_level(
    lh_team: Team,
    sales_centre: Project,
    receive: Callable[..., Complaint],
    kind: str,
    data: dict[str, Any],
    hours: int | None,
) -> None:
    received = at(21, 22)  # a Saturday night: LH counts clock hours either way
    complaint = receive(lh_team["club"], sales_centre, when=received, kind=kind, **data)
    running = open_timers(complaint)
    assert "first_response" not in running  # the 8 h / 24 h timer is PCS's (R-COMPLAINT-90a)
    if hours is None:
        assert "reply" not in running
    else:
        assert running["reply"].due_at == received + dt.timedelta(hours=hours)
        assert f"{hours}小时" in running["reply"].explanation


def test_r_complaint_18_consultation_answered_directly_meets_the_reply_timer(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    consultation = receive(lh_team["club"], sales_centre, kind="consultation")
    actions.reply(actor=lh_team["club"], complaint_id=consultation.pk, result="交房时间为十二月")
    consultation.refresh_from_db()
    assert consultation.state == State.RESOLVED
    assert "reply" not in open_timers(consultation)
    actions.close(actor=lh_team["club"], complaint_id=consultation.pk)
    assert Complaint.objects.get(pk=consultation.pk).state == State.CLOSED


# --- SPEC §11.3: raising the level restarts the new level's timers ---------------------------
def test_upgrade_restarts_the_timers_of_the_new_level(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(lh_team, sales_centre, receive)
    assert "reply" in open_timers(complaint)
    raised = at(18, 11)
    actions.upgrade(
        actor=lh_team["supervisor"],
        complaint_id=complaint.pk,
        level="major",
        reason="业主已向媒体投诉",
        at=raised,
    )
    complaint.refresh_from_db()
    running = open_timers(complaint)
    assert complaint.level == "major"
    assert "reply" not in running  # no fixed reply time at 重大
    assert running["major_report"].due_at == raised + dt.timedelta(hours=24)
    assert running["escalation.3"].due_at == raised + dt.timedelta(hours=48)
    event = timeline_of(complaint).get(action="complaint.upgraded")
    assert (event.data, event.note) == ({"from": "general", "to": "major"}, "业主已向媒体投诉")

    # Not to the same or a lower level, not without a reason, not by the department.
    for level, reason in (("major", "再次"), ("general", "降级"), ("particularly_major", " ")):
        before = snapshot(complaint)
        with pytest.raises(ValidationFailed):
            actions.upgrade(
                actor=lh_team["supervisor"], complaint_id=complaint.pk, level=level, reason=reason
            )
        assert snapshot(complaint) == before
    with pytest.raises(Forbidden):
        actions.upgrade(
            actor=lh_team["department"],
            complaint_id=complaint.pk,
            level="particularly_major",
            reason="升级",
        )
    assert snapshot(complaint) == before


# --- R-COMPLAINT-26: the cost ledger --------------------------------------------------------
def test_r_complaint_26_cost_ledger_validates_and_records_yuan(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(lh_team, sales_centre, receive)
    now = at(18, 10)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"item": "", "amount": "100"}, "item"),
        ({"item": "维修材料", "amount": "0"}, "amount"),
        ({"item": "维修材料", "amount": "-5"}, "amount"),
        ({"item": "维修材料", "amount": "abc"}, "amount"),
        ({"item": "维修材料", "amount": "NaN"}, "amount"),
        ({"item": "维修材料", "amount": "12.345"}, "amount"),  # yuan has two decimals
        ({"item": "维修材料", "amount": "1e12"}, "amount"),
        ({"item": "维修材料", "amount": "10", "spent_on": dt.date(2026, 11, 19)}, "spent_on"),
    ]
    for data, field in bad:
        before = snapshot(complaint)
        with pytest.raises(ValidationFailed) as refused:
            actions.add_cost(actor=lh_team["club"], complaint_id=complaint.pk, at=now, **data)
        assert field in refused.value.fields, data
        assert snapshot(complaint) == before
    with pytest.raises(Forbidden):  # the department does not keep the ledger
        actions.add_cost(
            actor=lh_team["department"], complaint_id=complaint.pk, item="材料", amount="1", at=now
        )

    entry = actions.add_cost(
        actor=lh_team["club"],
        complaint_id=complaint.pk,
        item="更换防水层材料",
        amount="1280.5",
        spent_on=dt.date(2026, 11, 17),
        borne_by="工程部",
        at=now,
    )
    entry.refresh_from_db()
    assert (entry.amount, entry.spent_on, entry.project_id) == (
        Decimal("1280.50"),
        dt.date(2026, 11, 17),
        sales_centre.pk,
    )
    actions.add_cost(
        actor=lh_team["club"],
        complaint_id=complaint.pk,
        item="慰问品",
        amount=Decimal("99.90"),
        at=now,
    )
    assert [e.amount for e in CostEntry.objects.filter(complaint=complaint)] == [
        Decimal("1280.50"),
        Decimal("99.90"),
    ]
    assert timeline_of(complaint).filter(action="complaint.cost_added").count() == 2

    # A closed complaint takes no more costs.
    actions.reply(actor=lh_team["club"], complaint_id=complaint.pk, result="已修复")
    actions.revisit(
        actor=lh_team["club"], complaint_id=complaint.pk, method="phone", satisfaction="satisfied"
    )
    actions.close(actor=lh_team["club"], complaint_id=complaint.pk)
    before = snapshot(complaint)
    with pytest.raises(TransitionNotAllowed):
        actions.add_cost(actor=lh_team["club"], complaint_id=complaint.pk, item="补发", amount="5")
    assert snapshot(complaint) == before


# --- the whole LH path, intake to 一户一档 -----------------------------------------------------
def test_lh_full_path_to_household_file(
    lh_team: Team, sales_centre: Project, receive: Callable[..., Complaint]
) -> None:
    complaint = _verified(lh_team, sales_centre, receive)
    engineering = sales_centre.departments.get(code="engineering")
    sheet = actions.draft_contact_sheet(
        actor=lh_team["club"], complaint_id=complaint.pk, data={"department_id": engineering.pk}
    )
    actions.approve_contact_sheet(actor=lh_team["approver"], sheet_id=sheet.pk)
    actions.transfer(actor=lh_team["club"], complaint_id=complaint.pk, at=at(17, 11))
    actions.accept(
        actor=lh_team["department"],
        complaint_id=complaint.pk,
        rectification_deadline=at(20, 17),
        at=at(17, 12),
    )
    sheet.refresh_from_db()
    assert (sheet.state, sheet.deadline) == (SheetState.ACCEPTED, at(20, 17))
    actions.feedback(
        actor=lh_team["department"], complaint_id=complaint.pk, result="已修复", at=at(19, 10)
    )
    actions.reply(actor=lh_team["club"], complaint_id=complaint.pk, result="已修复", at=at(19, 11))
    complaint.refresh_from_db()
    running = open_timers(complaint)
    assert set(running) == {"revisit"}
    assert running["revisit"].due_at == at(19, 11) + dt.timedelta(days=30)  # A-CMP-15
    # LH closes on a satisfied revisit (R-COMPLAINT-90d): dissatisfied is not enough.
    actions.revisit(
        actor=lh_team["club"],
        complaint_id=complaint.pk,
        method="phone",
        satisfaction="dissatisfied",
        at=at(20, 10),
    )
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as refused:
        actions.close(actor=lh_team["club"], complaint_id=complaint.pk)
    assert "revisit_satisfied" in refused.value.guards
    assert snapshot(complaint) == before
    actions.reopen(
        actor=lh_team["club"],
        complaint_id=complaint.pk,
        rectification_deadline=at(25, 17),
        at=at(20, 11),
    )
    actions.reply(actor=lh_team["club"], complaint_id=complaint.pk, result="已返修", at=at(24, 10))
    actions.revisit(
        actor=lh_team["club"],
        complaint_id=complaint.pk,
        method="phone",
        satisfaction="satisfied",
        at=at(25, 10),
    )
    actions.close(actor=lh_team["club"], complaint_id=complaint.pk, at=at(25, 11))
    actions.archive(actor=lh_team["club"], complaint_id=complaint.pk, at=at(25, 12))
    complaint.refresh_from_db()
    assert (complaint.state, complaint.archive_target) == (State.ARCHIVED, "household_file")
    assert open_timers(complaint) == {}
