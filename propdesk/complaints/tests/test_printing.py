"""Printable complaint forms (SPEC §19): each policy's registration form with the fields its seed
names, the PCS 《投诉处理书》 with the owner's signature and the manager's review, the handling
log, the work contact sheet, the reply letter with its draft watermark and the notice of
complaint channels; access, project isolation and phone masking.

Content is checked through the HTML preview (`?format=html`); a few tests render the PDF itself
(WeasyPrint is slow)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import unescape
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext

from propdesk.complaints.domain import PRESETS
from propdesk.complaints.models import Complaint, ContactSheet, ReplyLetter
from propdesk.complaints.services import actions, printing, records
from propdesk.complaints.services.policies import choose_policy
from propdesk.complaints.services.printing import Line, PrintedForm, Section
from propdesk.complaints.workflows import Action
from propdesk.core.errors import NotFound
from propdesk.core.models import Project, Staff

from .conftest import at

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED = "138****5678"


def client_for(staff: Staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def preview(staff: Staff, url: str) -> str:
    response = client_for(staff).get(url, {"format": "html"})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def form_url(complaint: Complaint, form: str) -> str:
    return reverse("complaints:print_complaint", args=[complaint.pk, form])


def cells(html: str) -> list[str]:
    """The text of every table cell, whitespace squeezed (label and value cells alike)."""
    found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html, flags=re.S)
    return [unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()) for c in found]


def label_of(html: str, value: str) -> str:
    """The label cell printed just before the value cell `value`."""
    found = cells(html)
    return found[found.index(value) - 1]


def watermark(html: str) -> list[str]:
    return re.findall(r'<div class="pf-watermark"[^>]*>(.*?)</div>', html, flags=re.S)


# --- fixtures -------------------------------------------------------------------------------
@pytest.fixture
def lh_case(lh_team: dict[str, Staff], sales_centre: Project, receive: Callable[..., Complaint]):
    """An LH complaint classified, verified, sent to engineering on an approved contact sheet
    (营销策划部经理审核), answered by the department and replied to."""
    club = lh_team["club"]
    complaint = receive(
        club,
        sales_centre,
        when=at(17, 9),
        complainant_name="张三",
        salutation="mr",
        expectation="三日内修好并赔偿损失",
        location="3栋1单元大堂",
    )
    actions.classify(actor=club, complaint_id=complaint.pk, level="general", at=at(17, 9, 30))
    actions.verify(actor=club, complaint_id=complaint.pk, note="现场核实属实", at=at(17, 10))
    engineering = sales_centre.departments.get(code="engineering")
    sheet = actions.draft_contact_sheet(
        actor=club,
        complaint_id=complaint.pk,
        data={"department_id": engineering.pk, "requirement": "三日内整改完毕"},
        at=at(17, 10, 10),
    )
    actions.approve_contact_sheet(actor=lh_team["approver"], sheet_id=sheet.pk, at=at(17, 11))
    actions.transfer(actor=club, complaint_id=complaint.pk, at=at(17, 11, 30))
    actions.accept(
        actor=lh_team["department"],
        complaint_id=complaint.pk,
        rectification_deadline=at(20, 17),
        at=at(17, 14),
    )
    actions.feedback(
        actor=lh_team["department"],
        complaint_id=complaint.pk,
        result="已更换大堂顶棚防水层",
        at=at(18, 15),
    )
    complaint.refresh_from_db()
    return {"complaint": complaint, "sheet": ContactSheet.objects.get(pk=sheet.pk)}


def pcs_to_review(pcs_team: dict[str, Staff], community: Project, receive) -> Complaint:
    """A PCS complaint handled to the owner's signature and the CS manager's review."""
    butler, engineer = pcs_team["butler"], pcs_team["engineer"]
    complaint = receive(butler, community, when=at(17, 9), complainant_name="李四")
    actions.classify(actor=butler, complaint_id=complaint.pk, level="general", at=at(17, 9, 5))
    actions.verify(actor=butler, complaint_id=complaint.pk, at=at(17, 9, 10))
    engineering = community.departments.get(code="engineering")
    actions.transfer(
        actor=butler,
        complaint_id=complaint.pk,
        data={"department_id": engineering.pk, "requirement": "今日上门查看"},
        at=at(17, 9, 20),
    )
    actions.accept(
        actor=engineer, complaint_id=complaint.pk, rectification_deadline=at(19, 17), at=at(17, 10)
    )
    actions.feedback(
        actor=engineer, complaint_id=complaint.pk, result="已更换楼上防水层", at=at(18, 15)
    )
    actions.reply(actor=butler, complaint_id=complaint.pk, result="已修复并告知业主", at=at(18, 16))
    complaint.refresh_from_db()
    return complaint


# --- the policy's form names -------------------------------------------------------------------
def test_form_names_follow_each_policy() -> None:
    names = {code: dict(printing.available_forms(policy)) for code, policy in PRESETS.items()}
    assert names["LH"] == {"registration": "客户投诉登记表", "record": "投诉记录单"}
    assert names["PCS"] == {
        "registration": "投诉/意见接待台帐",
        "handling": "投诉处理书",
        "record": "投诉处理记录表",
    }
    assert names["CM"] == {"registration": "客户投诉记录表", "record": "客户投诉跟进记录表"}
    assert names["SO"] == {"registration": "客户投诉意见处理表", "record": "投诉处理记录表"}


def test_filename_is_the_form_name_and_number_without_path_separators(community) -> None:
    form = PrintedForm(
        key="registration", name="投诉/意见接待台帐", number="TS-2026-000001", project=community
    )
    assert form.filename == "投诉-意见接待台帐-TS-2026-000001.pdf"


def test_section_rows_pair_short_lines_and_give_long_text_its_own_row() -> None:
    short = [Line("a", "1"), Line("b", "2"), Line("c", "3")]
    wide = Line("w", "long text", wide=True)
    section = Section("", [*short[:1], wide, *short[1:]])
    assert [[line.label for line in row] for row in section.rows] == [["a"], ["w"], ["b", "c"]]


# --- 1. registration forms ------------------------------------------------------------------------
def test_r_complaint_01_lh_registration_form_shows_the_seed_fields(lh_case, lh_team) -> None:
    # R-COMPLAINT-01
    complaint = lh_case["complaint"]
    html = preview(lh_team["club"], form_url(complaint, "registration"))
    assert "<h1>客户投诉登记表</h1>" in html
    assert complaint.number in html
    found = cells(html)
    assert "张三（先生）" in found
    assert complaint.content in found  # 所反映的问题
    assert label_of(html, "三日内修好并赔偿损失") == gettext("Expected requirement")
    assert "3栋1单元大堂" in found
    assert "来访" in found  # channel
    assert "投诉" in found  # request type
    assert "一般投诉" in found  # level
    assert PHONE in found  # club staff may see personal data
    # The reply promised at intake (R-COMPLAINT-18): 72 hours for a general complaint.
    due = timezone.localtime(complaint.received_at + dt.timedelta(hours=72))
    assert any(c.startswith("答复客户时限") and f"{due:%Y-%m-%d %H:%M}" in c for c in found)
    # The receiver's box carries the receiver and the time of intake.
    assert "吴会员专员" in html


def test_r_complaint_41_pcs_ledger_as_a_one_record_sheet(pcs_team, community, receive) -> None:
    # R-COMPLAINT-41
    butler = pcs_team["butler"]
    complaint = receive(
        butler, community, channel="phone", when=at(17, 9), people_involved="保洁员小王"
    )
    html = preview(butler, form_url(complaint, "registration"))
    assert "<h1>投诉/意见接待台帐</h1>" in html
    assert complaint.number in html
    found = cells(html)
    assert "来电" in found
    assert "保洁员小王" in found
    assert "首次回应时限 2026-11-17 17:00" in found  # 8 hours in working time (R-COMPLAINT-34)
    assert "王管家" in found


def test_r_complaint_54_cm_record_form_has_name_room_content_contact(
    pcs_team, community, person, receive
) -> None:
    # R-COMPLAINT-54
    choose_policy(actor=pcs_team["manager"], project_id=community.pk, code="CM")
    duty = person(community, "dispatch", "刘值班")
    complaint = receive(duty, community, when=at(17, 9))
    html = preview(duty, form_url(complaint, "registration"))
    assert "<h1>客户投诉记录表</h1>" in html
    # 客户姓名、栋房号、投诉内容、联系方式 (all four on the form), the duty officer, the nature.
    assert label_of(html, complaint.content) == gettext("Complaint content")
    assert label_of(html, "张三") == gettext("Customer's name")
    assert label_of(html, PHONE) == gettext("Contact")
    assert gettext("Building and room") in cells(html)
    assert label_of(html, "刘值班") == gettext("Duty officer")
    assert label_of(html, "有效投诉") == gettext("Nature")


def test_r_complaint_78_so_opinion_form_carries_opinion_reply_and_cause_analysis(
    pcs_team, community, person, receive
) -> None:
    choose_policy(actor=pcs_team["manager"], project_id=community.pk, code="SO")
    seller = person(community, "salesperson", "周售楼员")
    admin = person(community, "sales_admin_manager", "吴销管")
    complaint = receive(
        seller, community, when=at(17, 9), target_role="salesperson", target_staff_id=seller.pk
    )
    records.record_analysis(
        actor=admin,
        complaint_id=complaint.pk,
        cause_analysis="接待不到位",
        corrective_action="加强接待培训",
        preventive_action="每月抽查接待录音",
    )
    html = preview(admin, form_url(complaint, "registration"))
    assert "<h1>客户投诉意见处理表</h1>" in html
    found = cells(html)
    assert "置业顾问、周售楼员" in found  # the complained person (R-COMPLAINT-70)
    assert "重要投诉" in found  # routed as important because it is against a sales clerk
    assert {"接待不到位", "加强接待培训", "每月抽查接待录音"} <= set(found)


# --- 2. the PCS handling document -------------------------------------------------------------------
def test_r_complaint_49_handling_document_owner_signature_and_manager_review(
    pcs_team, community, receive
) -> None:
    # R-COMPLAINT-49
    complaint = pcs_to_review(pcs_team, community, receive)
    butler, manager = pcs_team["butler"], pcs_team["manager"]
    url = form_url(complaint, "handling")
    # Before the revisit the owner's box and the manager's box are blank.
    before = printing.complaint_form(actor=butler, complaint_id=complaint.pk, form="handling")
    assert [(b.name, b.at) for b in before.signatures] == [("", None), ("", None)]
    actions.revisit(
        actor=butler,
        complaint_id=complaint.pk,
        method="phone",
        satisfaction="satisfied",
        comments="维修及时，满意",
        customer_signed=True,
        at=at(19, 10),
    )
    actions.review(actor=manager, complaint_id=complaint.pk, at=at(19, 11))

    html = preview(butler, url)
    assert "<h1>投诉处理书</h1>" in html
    assert complaint.number in html
    found = cells(html)
    assert "已修复并告知业主" in found  # the handling result
    assert "已更换楼上防水层" in found  # the department's feedback on its sheet
    assert "工程部" in found
    after = printing.complaint_form(actor=butler, complaint_id=complaint.pk, form="handling")
    owner, review = after.signatures
    assert (owner.name, owner.at) == ("李四", at(19, 10))
    assert "维修及时，满意" in owner.text
    assert (review.name, review.at) == ("赵经理", at(19, 11))
    assert "维修及时，满意" in html
    assert "赵经理" in html
    assert "2026-11-19 11:00" in html


def test_handling_document_is_only_for_policies_that_need_it(lh_case, lh_team) -> None:
    complaint = lh_case["complaint"]
    response = client_for(lh_team["club"]).get(form_url(complaint, "handling"), {"format": "html"})
    assert response.status_code == 404
    response = client_for(lh_team["club"]).get(form_url(complaint, "unknown"), {"format": "html"})
    assert response.status_code == 404


# --- 4. handling log ------------------------------------------------------------------------------
def test_r_complaint_61_cm_follow_up_record_carries_the_nature_classification(
    pcs_team, community, person, receive
) -> None:
    # R-COMPLAINT-61: the nature found on classification goes on 《客户投诉跟进记录表》
    choose_policy(actor=pcs_team["manager"], project_id=community.pk, code="CM")
    duty = person(community, "dispatch", "刘值班")
    complaint = receive(duty, community, when=at(17, 9))
    actions.classify(actor=duty, complaint_id=complaint.pk, level="invalid", at=at(17, 10))
    printed = printing.complaint_form(actor=duty, complaint_id=complaint.pk, form="record")
    assert printed.name == "客户投诉跟进记录表"
    lines = {line.label: line.value for section in printed.sections for line in section.lines}
    assert lines["性质及级别"] == "无效投诉"
    classified = [
        row for row in printed.log if row.action == printing.event_label("complaint.classified")
    ]
    assert [(row.actor, row.change) for row in classified] == [("刘值班", "已受理 → 已分类")]
    html = preview(duty, form_url(complaint, "record"))
    assert "<h1>客户投诉跟进记录表</h1>" in html
    assert "无效投诉" in cells(html)


def test_r_complaint_22_lh_record_sheet_lists_every_step_of_the_timeline(lh_case, lh_team) -> None:
    # R-COMPLAINT-22
    complaint = lh_case["complaint"]
    club = lh_team["club"]
    actions.reply(actor=club, complaint_id=complaint.pk, result="已答复客户", at=at(18, 16))
    actions.revisit(
        actor=club,
        complaint_id=complaint.pk,
        method="home_visit",
        satisfaction="fairly",
        comments="基本满意",
        at=at(19, 10),
    )
    records.record_analysis(
        actor=club,
        complaint_id=complaint.pk,
        cause_analysis="防水层老化",
        corrective_action="更换防水层",
    )
    printed = printing.complaint_form(actor=club, complaint_id=complaint.pk, form="record")
    assert printed.name == "投诉记录单"
    assert printing.event_label("complaint.verified") == str(Action.VERIFY.label)
    logged = [(row.actor, row.action, row.note) for row in printed.log]
    label = printing.event_label
    assert logged[0] == ("吴会员专员", label("complaint.received"), complaint.content)
    assert ("吴会员专员", label("complaint.verified"), "现场核实属实") in logged
    assert ("陈策划经理", label("complaint.sheet_approved"), lh_case["sheet"].number) in logged
    assert ("褚工", label("complaint.fed_back"), "已更换大堂顶棚防水层") in logged
    assert [row.action for row in printed.log].count(label("complaint.revisited")) == 1
    assert len(printed.log) == 11

    html = preview(club, form_url(complaint, "record"))
    assert "<h1>投诉记录单</h1>" in html
    assert complaint.number in html
    found = cells(html)
    assert "现场核实属实" in found
    assert "已更换大堂顶棚防水层" in found
    assert "基本满意" in found  # the revisit's comments
    assert {"防水层老化", "更换防水层"} <= set(found)  # R-COMPLAINT-78
    assert "2026-11-17 10:00" in found


def test_record_form_reads_a_fixed_number_of_queries(
    lh_case, lh_team, django_assert_max_num_queries
) -> None:
    complaint = lh_case["complaint"]
    club = client_for(lh_team["club"])
    url = form_url(complaint, "record")
    with CaptureQueriesContext(connection) as few_events:
        assert club.get(url, {"format": "html"}).status_code == 200
    for i in range(5):
        actions.contact(actor=lh_team["club"], complaint_id=complaint.pk, note=f"电话沟通{i}")
    # five more timeline rows: not one more query
    with django_assert_max_num_queries(len(few_events)):
        response = club.get(url, {"format": "html"})
    assert response.status_code == 200
    assert "电话沟通4" in response.content.decode()


# --- 3. work contact sheet -----------------------------------------------------------------------
def test_r_complaint_20_contact_sheet_with_approval_receipt_and_feedback(lh_case, lh_team) -> None:
    # R-COMPLAINT-20
    sheet, complaint = lh_case["sheet"], lh_case["complaint"]
    html = preview(lh_team["club"], reverse("complaints:print_sheet", args=[sheet.pk]))
    assert "<h1>工作联系单</h1>" in html
    assert sheet.number in html
    assert "加州1885/客服记录-17" in html  # the record name of the form register
    found = cells(html)
    assert complaint.number in found
    assert "龙湖会" in found  # from the club
    assert "工程部" in found  # to engineering
    assert "三日内整改完毕" in found
    assert "2026-11-20 17:00" in found  # the deadline the department accepted
    assert "已更换大堂顶棚防水层" in found
    printed = printing.contact_sheet_form(actor=lh_team["club"], sheet_id=sheet.pk)
    boxes = {b.label: (b.name, b.at) for b in printed.signatures}
    approval = next(label for label in boxes if "营销策划部经理" in label)
    assert boxes[approval] == ("陈策划经理", at(17, 11))
    assert ("褚工", at(17, 14)) in boxes.values()  # receipt confirmed by the department
    assert "陈策划经理" in html
    assert "褚工" in html


def test_r_complaint_47_pcs_sheet_uses_the_policy_name_and_record_name(
    pcs_team, community, receive
) -> None:
    # R-COMPLAINT-47
    complaint = pcs_to_review(pcs_team, community, receive)
    sheet = complaint.sheets.get()
    html = preview(pcs_team["butler"], reverse("complaints:print_sheet", args=[sheet.pk]))
    assert "<h1>物业客服工作联系单</h1>" in html
    assert "地王/客服记录-17" in html
    assert "客服部" in cells(html)  # sent by the butler's department


# --- 5. reply letter -----------------------------------------------------------------------------
def _sign_all(letter: ReplyLetter, lh_team: dict[str, Staff]) -> None:
    for who in ("supervisor", "manager", "department"):
        records.sign_letter(actor=lh_team[who], letter_id=letter.pk, slot=who)
    records.review_letter(actor=lh_team["legal"], letter_id=letter.pk, approve=True)


def test_r_complaint_23_letter_draft_has_watermark_issued_has_none(lh_case, lh_team) -> None:
    # R-COMPLAINT-23
    complaint, club = lh_case["complaint"], lh_team["club"]
    letter = records.draft_letter(
        actor=club,
        complaint_id=complaint.pk,
        body="尊敬的张先生：\n您反映的大堂漏水问题已处理完毕。",
    )
    url = reverse("complaints:print_letter", args=[letter.pk])
    with translation.override("zh-hans"):
        word = pgettext("letter watermark", "DRAFT")
    draft_html = preview(club, url)
    assert "<h1>回馈函件</h1>" in draft_html
    assert letter.number in draft_html
    assert "您反映的大堂漏水问题已处理完毕。" in draft_html
    assert [w.strip() for w in watermark(draft_html)] == [word]
    records.sign_letter(actor=lh_team["supervisor"], letter_id=letter.pk, slot="supervisor")
    partly = printing.reply_letter_form(actor=club, letter_id=letter.pk)
    assert [(b.label, b.name) for b in partly.signatures[:3]] == [
        ("主管", "郑主管"),
        ("经理", ""),
        ("责任部门", ""),
    ]
    assert (partly.signatures[3].name, partly.signatures[3].at) == ("", None)  # legal review

    records.sign_letter(actor=lh_team["manager"], letter_id=letter.pk, slot="manager")
    records.sign_letter(actor=lh_team["department"], letter_id=letter.pk, slot="department")
    records.review_letter(
        actor=lh_team["legal"], letter_id=letter.pk, approve=True, comments="无异议"
    )
    still_draft = preview(club, url)
    assert len(watermark(still_draft)) == 1  # ready but not issued: still a draft
    records.issue_letter(actor=club, letter_id=letter.pk)
    issued_html = preview(club, url)
    assert watermark(issued_html) == []
    assert "data-watermark" not in issued_html
    for name in ("郑主管", "冯经理", "褚工", "卫法务", "无异议"):
        assert name in issued_html
    issued = printing.reply_letter_form(actor=club, letter_id=letter.pk)
    assert all(box.name and box.at for box in issued.signatures)
    assert issued.extra["addressee"] == "张先生"


# --- 6. complaint channels notice ------------------------------------------------------------------
def test_r_complaint_04_channels_notice_lists_the_policys_channels_and_phone(
    pcs_team, community
) -> None:
    # R-COMPLAINT-04
    community.phone = "0755-88886666"
    community.address = "翠湖花园管理中心一楼"
    community.save()
    html = preview(pcs_team["butler"], reverse("complaints:print_channels"))
    assert "翠湖花园" in html
    items = [re.sub(r"\s+", " ", i).strip() for i in re.findall(r"<li>(.*?)</li>", html, re.S)]
    assert items[:6] == [
        "物业客服部",
        "管理中心其他部门",
        "信箱",
        "公司接收转回",
        "来电：0755-88886666",
        "来访：翠湖花园管理中心一楼",
    ]
    assert "首次回应时限：工作时间内受理8小时；非工作时间受理24小时" in items


def test_channels_notice_of_a_sales_centre_follows_lh(lh_team, sales_centre) -> None:
    html = preview(lh_team["club"], reverse("complaints:print_channels"))
    assert "加州1885" in html
    assert "答复客户时限：咨询性问题、服务性请求48小时；一般性问题72小时" in html
    assert "信箱" not in html


# --- access and masking ---------------------------------------------------------------------------
def test_other_projects_forms_are_not_found(lh_case, lh_team, pcs_team, community, receive) -> None:
    complaint = pcs_to_review(pcs_team, community, receive)
    sheet = complaint.sheets.get()
    letter = records.draft_letter(
        actor=pcs_team["butler"], complaint_id=complaint.pk, body="尊敬的业主："
    )
    club = client_for(lh_team["club"])
    urls = [
        form_url(complaint, "registration"),
        form_url(complaint, "handling"),
        form_url(complaint, "record"),
        reverse("complaints:print_sheet", args=[sheet.pk]),
        reverse("complaints:print_letter", args=[letter.pk]),
    ]
    for url in urls:
        assert club.get(url, {"format": "html"}).status_code == 404, url
        assert club.get(url).status_code == 404, url
    with pytest.raises(NotFound):
        printing.complaint_form(actor=lh_team["club"], complaint_id=complaint.pk, form="record")
    # the butler of the project itself gets every one of them
    butler = client_for(pcs_team["butler"])
    assert [butler.get(url, {"format": "html"}).status_code for url in urls] == [200] * 5


def test_anonymous_is_sent_to_log_in(lh_case) -> None:
    response = Client().get(form_url(lh_case["complaint"], "registration"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_r_gen_09_phone_masked_for_roles_without_personal_data(
    pcs_team, community, receive
) -> None:
    # R-GEN-09
    complaint = pcs_to_review(pcs_team, community, receive)
    sheet = complaint.sheets.get()
    engineer = pcs_team["engineer"]  # 工程部主管: may view complaints, not personal data
    for form in ("registration", "handling", "record"):
        html = preview(engineer, form_url(complaint, form))
        assert MASKED in html, form
        assert PHONE not in html, form
        clear = preview(pcs_team["butler"], form_url(complaint, form))
        assert PHONE in clear, form
    assert PHONE not in preview(engineer, reverse("complaints:print_sheet", args=[sheet.pk]))


# --- PDF ------------------------------------------------------------------------------------------
def test_registration_pdf_is_an_a4_document_named_after_the_form(lh_case, lh_team) -> None:
    complaint = lh_case["complaint"]
    response = client_for(lh_team["club"]).get(form_url(complaint, "registration"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert quote(f"客户投诉登记表-{complaint.number}.pdf") in disposition


def test_letter_and_sheet_pdfs_render(lh_case, lh_team) -> None:
    club = lh_team["club"]
    letter = records.draft_letter(
        actor=club, complaint_id=lh_case["complaint"].pk, body="尊敬的张先生：……"
    )
    client = client_for(club)
    for url in (
        reverse("complaints:print_letter", args=[letter.pk]),
        reverse("complaints:print_sheet", args=[lh_case["sheet"].pk]),
        reverse("complaints:print_channels"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content.startswith(b"%PDF"), url
