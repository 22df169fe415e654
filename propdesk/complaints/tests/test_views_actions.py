"""The complaint page and its action forms (SPEC §11.3, UI.md "only the actions the current user
may take"): every main action posted through the UI changes the state through its service; bad
input shows field errors and changes nothing; a stale form is a conflict; other projects' complaints
are 404."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from propdesk.complaints.models import Complaint, ContactSheet, LetterState, SheetState
from propdesk.complaints.services import actions, intake
from propdesk.complaints.workflows import State
from propdesk.conftest import login
from propdesk.core.models import TimelineEvent

from .test_services_flow import snapshot

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def detail_url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def act_url(complaint: Complaint, action: str) -> str:
    return reverse("complaints:act", args=[complaint.pk, action])


def post_action(client, complaint: Complaint, action: str, **data: Any):
    complaint.refresh_from_db()
    return client.post(act_url(complaint, action), {"version": complaint.version, **data})


def state_of(complaint: Complaint) -> str:
    return Complaint.objects.values_list("state", flat=True).get(pk=complaint.pk)


def field_errors(page: str, field: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert match, f"no errors beside {field}"
    return match.group(1)


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


# --- the page ---------------------------------------------------------------------------------
def test_complaint_page_shows_header_timers_actions_and_history_in_chinese(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community, when=timezone.now())
    login(client, pcs_team["butler"])
    response = client.get(detail_url(complaint))
    assert response.status_code == 200
    page = html(response)
    assert complaint.number in page
    assert 'class="badge state-grey" id="state-badge">已受理<' in page
    assert "一般性投诉" in page  # the level's label from the policy
    assert "物业客服部客户投诉处理规程 v1" in page  # policy name and version
    assert "13812345678" in page  # the butler sees personal data
    # timers with the countdown and the explanation one tap away
    assert "首次回应时限" in page
    assert "还剩" in page
    # received "now": the rule that applies depends on the hour the test runs (R-COMPLAINT-34)
    if complaint.in_working_time:
        assert "工作时间内受理8小时" in page
    else:
        assert "非工作时间受理24小时" in page
    # allowed actions only: a butler classifies, but does not review (manager) nor accept
    assert f'href="{act_url(complaint, "classify")}"' in page
    assert act_url(complaint, "review") not in page
    assert act_url(complaint, "accept") not in page
    assert "分类" in page
    # the history uses the screens' labels
    assert "受理" in page
    assert "楼上漏水" in page


def test_phone_is_masked_for_a_role_without_personal_data(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)
    login(client, pcs_team["engineer"])
    page = html(client.get(detail_url(complaint)))
    assert "138****5678" in page
    assert "13812345678" not in page


def test_other_projects_complaints_are_404(
    client, pcs_team, community, sales_centre, person, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)
    outsider = person(sales_centre, "engineering_head", "褚工", "engineering")
    login(client, outsider)
    before = snapshot(complaint)
    assert client.get(detail_url(complaint)).status_code == 404
    assert client.get(act_url(complaint, "classify")).status_code == 404
    response = client.post(act_url(complaint, "classify"), {"version": complaint.version})
    assert response.status_code == 404
    assert client.post(reverse("complaints:read_back", args=[complaint.pk])).status_code == 404
    assert snapshot(complaint) == before


def test_an_action_not_offered_is_404_on_its_form(client, pcs_team, community, receive) -> None:
    complaint = receive(pcs_team["butler"], community)
    login(client, pcs_team["butler"])
    assert client.get(act_url(complaint, "close")).status_code == 404
    assert client.get(act_url(complaint, "no-such-verb")).status_code == 404


def test_action_form_loads_inline_for_htmx_and_as_a_page_without(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community)
    login(client, pcs_team["butler"])
    partial = html(client.get(act_url(complaint, "contact"), headers={"HX-Request": "true"}))
    assert "<html" not in partial
    assert f'name="version" value="{complaint.version}"' in partial
    assert "联系客户" in partial
    page = html(client.get(act_url(complaint, "contact")))
    assert "<html" in page
    assert complaint.number in page


# --- R-COMPLAINT-41 through the UI --------------------------------------------------------------
def test_r_complaint_41_unconfirmed_phone_intake_shows_why_classify_is_disabled(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community, channel="phone")
    login(client, pcs_team["butler"])
    page = html(client.get(detail_url(complaint)))
    assert "请先向来电人复述要点并确认" in page
    assert re.search(r'<button type="button" disabled data-action="classify"', page)
    # the form itself says why and offers no submit
    form = html(client.get(act_url(complaint, "classify")))
    assert "请先向来电人复述要点并确认" in form
    assert 'type="submit" class="primary">分类<' not in form
    # posting anyway is refused by the service and changes nothing
    before = snapshot(complaint)
    response = post_action(client, complaint, "classify", level="general")
    assert response.status_code == 409
    assert "请先向来电人复述要点并确认" in html(response)
    assert snapshot(complaint) == before
    # read back, then classify
    response = client.post(
        reverse("complaints:read_back", args=[complaint.pk]), {"version": complaint.version}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.read_back_confirmed
    assert post_action(client, complaint, "classify", level="general").status_code == 302
    assert state_of(complaint) == State.CLASSIFIED


# --- the PCS path through the screens -------------------------------------------------------
def test_pcs_complaint_walks_from_classification_to_closure_through_the_ui(
    client, pcs_team, community, receive
) -> None:
    butler, engineer, manager = pcs_team["butler"], pcs_team["engineer"], pcs_team["manager"]
    complaint = receive(butler, community, when=timezone.now() - dt.timedelta(minutes=5))
    engineering = community.departments.get(code="engineering")
    login(client, butler)
    response = post_action(
        client, complaint, "classify", level="general", department=engineering.pk, note="服务质量"
    )
    assert response.status_code == 302
    assert response.url == detail_url(complaint)
    assert state_of(complaint) == State.CLASSIFIED
    assert post_action(client, complaint, "verify").status_code == 302
    assert state_of(complaint) == State.VERIFIED
    deadline = timezone.now() + dt.timedelta(days=2)
    response = post_action(
        client,
        complaint,
        "transfer",
        department_id=engineering.pk,
        content="卫生间天花板渗水",
        requirement="今日上门查看",
        deadline=local(deadline),
    )
    assert response.status_code == 302
    assert state_of(complaint) == State.ASSIGNED
    sheet = ContactSheet.objects.get(complaint=complaint)
    assert (sheet.state, sheet.department_id, sheet.requirement) == (
        SheetState.ISSUED,
        engineering.pk,
        "今日上门查看",
    )

    # the engineering head accepts and reports from the department inbox
    login(client, engineer)
    inbox = reverse("complaints:inbox")
    page = html(client.get(inbox))
    assert sheet.number in page
    assert "今日上门查看" in page
    complaint.refresh_from_db()
    response = client.post(
        act_url(complaint, "accept"),
        {
            "version": complaint.version,
            "sheet_id": sheet.pk,
            "rectification_deadline": local(deadline),
            "next": inbox,
        },
    )
    assert response.status_code == 302
    assert response.url == inbox
    assert state_of(complaint) == State.IN_PROGRESS
    complaint.refresh_from_db()
    response = client.post(
        act_url(complaint, "feedback"),
        {
            "version": complaint.version,
            "sheet_id": sheet.pk,
            "result": "已更换防水层",
            "next": inbox,
        },
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.state, sheet.feedback) == (SheetState.ANSWERED, "已更换防水层")
    assert sheet.number not in html(client.get(inbox))  # answered: off the inbox

    # the butler replies and revisits; the manager reviews and closes
    login(client, butler)
    assert post_action(client, complaint, "reply", result="已修复并告知业主").status_code == 302
    assert state_of(complaint) == State.RESOLVED
    response = post_action(
        client,
        complaint,
        "revisit",
        method="phone",
        satisfaction="satisfied",
        comments="满意",
        customer_signed="on",
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.customer_signed
    login(client, manager)
    assert post_action(client, complaint, "review", note="同意结案").status_code == 302
    assert state_of(complaint) == State.REVIEWED
    assert post_action(client, complaint, "close").status_code == 302
    assert state_of(complaint) == State.CLOSED
    page = html(client.get(detail_url(complaint)))
    assert "已结案" in page
    assert "经理审核" in page  # the timeline label of complaint.reviewed
    actions_logged = list(
        TimelineEvent.objects.filter(object_id=str(complaint.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions_logged == [
        "complaint.received",
        "complaint.classified",
        "complaint.verified",
        "complaint.transferred",
        "complaint.accepted",
        "complaint.fed_back",
        "complaint.replied",
        "complaint.revisited",
        "complaint.reviewed",
        "complaint.closed",
    ]


def test_accept_without_a_deadline_shows_the_field_error_and_changes_nothing(
    client, pcs_team, community, receive
) -> None:
    butler, engineer = pcs_team["butler"], pcs_team["engineer"]
    complaint = receive(butler, community, when=timezone.now() - dt.timedelta(minutes=5))
    engineering = community.departments.get(code="engineering")
    actions.classify(actor=butler, complaint_id=complaint.pk, level="general")
    actions.verify(actor=butler, complaint_id=complaint.pk)
    actions.transfer(
        actor=butler, complaint_id=complaint.pk, data={"department_id": engineering.pk}
    )
    login(client, engineer)
    before = snapshot(complaint)
    response = post_action(client, complaint, "accept", rectification_deadline="")
    assert response.status_code == 422
    assert "请设定整改期限" in field_errors(html(response), "rectification_deadline")
    assert snapshot(complaint) == before
    response = post_action(client, complaint, "accept", rectification_deadline="2020-01-01T10:00")
    assert response.status_code == 422
    assert "期限须晚于当前时间" in field_errors(html(response), "rectification_deadline")
    assert snapshot(complaint) == before


def test_transfer_without_a_department_is_a_field_error(
    client, pcs_team, community, receive
) -> None:
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    actions.classify(actor=butler, complaint_id=complaint.pk, level="general")
    actions.verify(actor=butler, complaint_id=complaint.pk)
    login(client, butler)
    before = snapshot(complaint)
    response = post_action(client, complaint, "transfer", department_id="", requirement="尽快")
    assert response.status_code == 422
    assert "此项为必填项" in field_errors(html(response), "department_id")
    assert 'value="尽快"' in html(response) or "尽快</textarea>" in html(response)
    assert snapshot(complaint) == before


def test_r_complaint_19_decline_needs_a_reason_beside_the_field(
    client, pcs_team, community, receive
) -> None:
    # R-COMPLAINT-19
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    actions.classify(actor=butler, complaint_id=complaint.pk, level="general")
    login(client, butler)
    before = snapshot(complaint)
    response = post_action(client, complaint, "decline", reason="  ")
    assert response.status_code == 422
    assert "请填写原因或解释" in field_errors(html(response), "reason")
    assert snapshot(complaint) == before
    assert post_action(client, complaint, "decline", reason="无事实依据").status_code == 302
    assert state_of(complaint) == State.DECLINED


def test_a_stale_form_is_refused_as_changed_by_someone_else(
    client, pcs_team, community, receive
) -> None:
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    stale = complaint.version
    actions.contact(actor=butler, complaint_id=complaint.pk, note="已电话联系")  # someone else
    login(client, butler)
    before = snapshot(complaint)
    response = client.post(act_url(complaint, "classify"), {"version": stale, "level": "general"})
    assert response.status_code == 409
    assert "已被他人修改" in html(response)
    assert snapshot(complaint) == before


def test_cost_amount_is_validated_by_the_service(client, pcs_team, community, receive) -> None:
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    login(client, butler)
    before = snapshot(complaint)
    response = post_action(client, complaint, "add_cost", item="维修材料", amount="12.345")
    assert response.status_code == 422
    assert "<li>" in field_errors(html(response), "amount")
    assert snapshot(complaint) == before
    assert (
        post_action(client, complaint, "add_cost", item="维修材料", amount="120.50").status_code
        == 302
    )
    page = html(client.get(detail_url(complaint)))
    assert "¥120.50" in page
    assert "维修材料" in page


def test_engineer_sees_no_handling_actions(client, pcs_team, community, receive) -> None:
    complaint = receive(pcs_team["butler"], community)
    login(client, pcs_team["engineer"])
    page = html(client.get(detail_url(complaint)))
    for verb in ("classify", "explain", "decline", "forward"):
        assert act_url(complaint, verb) not in page
    before = snapshot(complaint)
    response = post_action(client, complaint, "classify", level="general")
    assert response.status_code == 403
    assert snapshot(complaint) == before


# --- LH: contact sheet approval and reply letters -------------------------------------------
def _lh_verified(lh_team, sales_centre, receive) -> Complaint:
    complaint = receive(lh_team["club"], sales_centre, when=timezone.now())
    actions.classify(actor=lh_team["club"], complaint_id=complaint.pk, level="general")
    actions.verify(actor=lh_team["club"], complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


def _in(client, staff, project) -> None:
    login(client, staff)
    client.post(reverse("core:switch_project"), {"project": project.pk})


def test_r_complaint_20_lh_sheet_drafted_approved_then_transferred_through_the_ui(
    client, lh_team, sales_centre, receive
) -> None:
    # R-COMPLAINT-20
    complaint = _lh_verified(lh_team, sales_centre, receive)
    engineering = sales_centre.departments.get(code="engineering")
    _in(client, lh_team["club"], sales_centre)
    page = html(client.get(detail_url(complaint)))
    assert reverse("complaints:sheet_draft", args=[complaint.pk]) in page
    assert "工作联系单须审批后方可发出" in page  # transfer disabled with its reason
    response = client.post(
        reverse("complaints:sheet_draft", args=[complaint.pk]),
        {"version": complaint.version, "department_id": engineering.pk, "requirement": "三日内"},
    )
    assert response.status_code == 302
    sheet = ContactSheet.objects.get(complaint=complaint)
    assert sheet.state == SheetState.PENDING_APPROVAL
    # the clerk cannot approve; the marketing manager can
    approve = reverse("complaints:sheet_approve", args=[sheet.pk])
    assert approve not in html(client.get(detail_url(complaint)))
    client.post(approve)
    sheet.refresh_from_db()
    assert sheet.state == SheetState.PENDING_APPROVAL
    _in(client, lh_team["approver"], sales_centre)
    assert approve in html(client.get(detail_url(complaint)))
    assert client.post(approve).status_code == 302
    sheet.refresh_from_db()
    assert sheet.state == SheetState.APPROVED
    _in(client, lh_team["club"], sales_centre)
    assert post_action(client, complaint, "transfer").status_code == 302
    sheet.refresh_from_db()
    assert (state_of(complaint), sheet.state) == (State.ASSIGNED, SheetState.ISSUED)


def test_r_complaint_23_letter_cosigned_reviewed_and_issued_through_the_ui(
    client, lh_team, sales_centre, receive
) -> None:
    # R-COMPLAINT-23
    complaint = _lh_verified(lh_team, sales_centre, receive)
    _in(client, lh_team["club"], sales_centre)
    response = client.post(
        reverse("complaints:letter_draft", args=[complaint.pk]),
        {"version": complaint.version, "body": "尊敬的业主：关于渗水问题……"},
    )
    assert response.status_code == 302
    letter = complaint.letters.get()
    assert letter.state == LetterState.COSIGNING
    sign = reverse("complaints:letter_act", args=[letter.pk, "sign"])
    # the clerk holds no signing slot: no button, and a post is refused
    assert sign not in html(client.get(detail_url(complaint)))
    client.post(sign, {"slot": "supervisor"})
    assert letter.signatures.count() == 0
    for who, slot in (
        ("supervisor", "supervisor"),
        ("manager", "manager"),
        ("department", "department"),
    ):
        _in(client, lh_team[who], sales_centre)
        page = html(client.get(detail_url(complaint)))
        assert f'name="slot" value="{slot}"' in page
        assert client.post(sign, {"slot": slot}).status_code == 302
    letter.refresh_from_db()
    assert letter.state == LetterState.LEGAL_REVIEW
    _in(client, lh_team["legal"], sales_centre)
    assert (
        client.post(
            reverse("complaints:letter_act", args=[letter.pk, "return"]), {"comments": ""}
        ).status_code
        == 302
    )
    letter.refresh_from_db()
    assert letter.state == LetterState.LEGAL_REVIEW  # returning needs a comment
    client.post(reverse("complaints:letter_act", args=[letter.pk, "approve"]), {"comments": "同意"})
    letter.refresh_from_db()
    assert letter.state == LetterState.READY
    _in(client, lh_team["club"], sales_centre)
    page = html(client.get(detail_url(complaint)))
    assert reverse("complaints:print_letter", args=[letter.pk]) in page
    client.post(reverse("complaints:letter_act", args=[letter.pk, "issue"]))
    letter.refresh_from_db()
    assert letter.state == LetterState.ISSUED
    assert post_action(client, complaint, "reply", result="已发出回馈函件").status_code == 302
    assert state_of(complaint) == State.RESOLVED


def test_read_back_after_the_fact_keeps_the_version_check(
    client, pcs_team, community, receive
) -> None:
    complaint = receive(pcs_team["butler"], community, channel="phone")
    login(client, pcs_team["butler"])
    intake.confirm_read_back(actor=pcs_team["butler"], complaint_id=complaint.pk)
    response = client.post(
        reverse("complaints:read_back", args=[complaint.pk]), {"version": complaint.version}
    )
    assert response.status_code == 409
    assert TimelineEvent.objects.filter(action="complaint.read_back").count() == 1


def test_complaint_page_queries_do_not_grow_with_its_history(
    client, pcs_team, community, receive, django_assert_max_num_queries
) -> None:
    butler = pcs_team["butler"]
    complaint = receive(butler, community)
    login(client, butler)
    client.get(detail_url(complaint))  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        client.get(detail_url(complaint))
    for i in range(8):
        actions.contact(actor=butler, complaint_id=complaint.pk, note=f"第{i}次联系")
        actions.add_cost(actor=butler, complaint_id=complaint.pk, item="材料", amount="10")
    with django_assert_max_num_queries(len(few)):
        page = html(client.get(detail_url(complaint)))
    assert page.count("第7次联系") == 1
    assert "¥80.00" in page
