"""The complaints landing page ("my work" queue), the department inbox and the manager dashboard:
contents in Chinese, nearest due first with due colours, tabs and filters, permissions and
bounded queries (issue 3: the queue page stays within a fixed number of queries at any size)."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from propdesk.complaints.services import actions
from propdesk.conftest import login

pytestmark = pytest.mark.django_db

QUEUE = "/complaints/"
# the shell (session, user, staff, permissions, project, the project switcher) + count + page +
# level labels: a fixed number whatever the number of complaints
QUEUE_QUERIES = 8  # issue 3 "Performance": ≤ 8 queries at any table size


def html(response) -> str:
    return response.content.decode()


def numbers(page: str) -> list[str]:
    return re.findall(r'<a href="/complaints/\d+/">(TS-\d{4}-\d+)</a>', page)


def test_queue_lists_my_open_complaints_nearest_due_first_with_colours(
    client, pcs_team, community, receive
) -> None:
    butler = pcs_team["butler"]
    now = timezone.now()
    late = receive(butler, community, when=now - dt.timedelta(hours=30), content="早先漏水")
    fresh = receive(butler, community, when=now - dt.timedelta(minutes=10), content="刚刚漏水")
    praise = receive(butler, community, when=now, kind="praise", content="管家服务周到")
    # a complaint handled by someone else is not "mine"
    other = receive(
        pcs_team["supervisor"],
        community,
        when=now,
        content="别人的",
        handler_id=pcs_team["supervisor"].pk,
    )
    login(client, butler)
    response = client.get(QUEUE)
    assert response.status_code == 200
    page = html(response)
    assert numbers(page) == [late.number, fresh.number, praise.number]  # no timer last
    assert other.number not in page
    assert "已超时" in page
    assert "还剩" in page
    row = rf'<tr class="overdue">\s*<td[^>]*><a href="/complaints/{late.pk}/"'
    assert re.search(row, page)
    assert "已受理" in page
    assert "一般性投诉" in page
    assert "表扬" in page
    # the open tab shows everyone's open complaints
    assert other.number in html(client.get(QUEUE, {"tab": "open"}))
    # the overdue tab only the late one
    assert numbers(html(client.get(QUEUE, {"tab": "overdue"}))) == [late.number]


def test_queue_search_and_filters_apply_to_every_tab(client, pcs_team, community, receive) -> None:
    butler = pcs_team["butler"]
    water = receive(butler, community, content="楼上漏水", complainant_name="张三")
    noise = receive(
        butler, community, content="夜间噪音", complainant_name="李四", phone="13900001111"
    )
    consult = receive(
        butler, community, kind="consultation", content="物业费发票", complainant_name="王五"
    )
    actions.classify(actor=butler, complaint_id=noise.pk, level="important")
    login(client, butler)
    assert numbers(html(client.get(QUEUE, {"q": "李四"}))) == [noise.number]
    assert numbers(html(client.get(QUEUE, {"q": "1111", "tab": "all"}))) == [noise.number]
    assert numbers(html(client.get(QUEUE, {"kind": "consultation", "tab": "open"}))) == [
        consult.number
    ]
    assert numbers(html(client.get(QUEUE, {"level": "important"}))) == [noise.number]
    assert numbers(html(client.get(QUEUE, {"state": "classified", "tab": "all"}))) == [noise.number]
    assert water.number in html(client.get(QUEUE, {"q": water.number, "tab": "all"}))
    # HTMX live search swaps only the results
    partial = html(client.get(QUEUE, {"q": "李四"}, headers={"HX-Request": "true"}))
    assert "<html" not in partial
    assert noise.number in partial


def test_empty_queue_says_what_to_do_next(client, pcs_team, community) -> None:
    login(client, pcs_team["butler"])
    page = html(client.get(QUEUE))
    assert 'class="empty"' in page
    assert reverse("complaints:new") in page


def test_queue_queries_stay_bounded_at_any_size(
    client, pcs_team, community, receive, django_assert_max_num_queries
) -> None:
    butler = pcs_team["butler"]
    login(client, butler)
    tabs = ("mine", "open", "overdue", "all")

    def counts() -> dict[str, int]:
        found = {}
        for tab in tabs:
            with CaptureQueriesContext(connection) as ctx:
                client.get(QUEUE, {"tab": tab, "q": "漏水"})
            found[tab] = len(ctx)
        return found

    for i in range(3):
        receive(butler, community, content=f"漏水{i}")
    client.get(QUEUE)  # warm the per-process caches (content types, parsed policies)
    small = counts()
    for i in range(30):
        receive(butler, community, content=f"又漏水{i}", when=timezone.now())
    assert counts() == small  # one more page of rows costs no query
    for tab in tabs:
        with django_assert_max_num_queries(QUEUE_QUERIES):
            client.get(QUEUE, {"tab": tab, "page": 2})


def test_inbox_lists_my_departments_open_sheets_only(client, pcs_team, community, receive) -> None:
    butler = pcs_team["butler"]
    engineering = community.departments.get(code="engineering")
    security = community.departments.get(code="security")
    mine = receive(butler, community, content="漏水")
    theirs = receive(butler, community, content="停车")
    for complaint, dept in ((mine, engineering), (theirs, security)):
        actions.classify(actor=butler, complaint_id=complaint.pk, level="general")
        actions.verify(actor=butler, complaint_id=complaint.pk)
        actions.transfer(
            actor=butler,
            complaint_id=complaint.pk,
            data={"department_id": dept.pk, "requirement": f"{dept.name}处理"},
        )
    login(client, pcs_team["engineer"])
    page = html(client.get(reverse("complaints:inbox")))
    assert mine.number in page
    assert "工程部处理" in page
    assert theirs.number not in page
    assert 'name="rectification_deadline"' in page
    assert "受理并承诺时限" in page
    assert "反馈结果" in page


def test_dashboard_counts_open_by_level_and_age_and_lists_breaches(
    client, pcs_team, community, receive
) -> None:
    butler = pcs_team["butler"]
    now = timezone.now()
    receive(butler, community, when=now - dt.timedelta(hours=2))
    receive(butler, community, when=now - dt.timedelta(days=2))
    receive(butler, community, when=now - dt.timedelta(days=10))
    major = receive(
        butler, community, when=now - dt.timedelta(days=5), major_flags=["compensation"]
    )
    closed = receive(
        butler, community, when=now - dt.timedelta(days=1, hours=1), kind="consultation"
    )
    actions.answer_on_spot(actor=butler, complaint_id=closed.pk, result="已当场解答")
    login(client, pcs_team["manager"])
    response = client.get(reverse("complaints:dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    by_level = {row.level: row.counts for row in data.rows}
    assert by_level["general"] == [1, 1, 0, 1]
    assert by_level["major"] == [0, 0, 1, 0]
    assert by_level[""] == [0, 1, 0, 0]  # answered on the spot is still open until closed
    assert data.open_total == 5
    page = html(response)
    assert "一般性投诉" in page
    assert "重大投诉" in page
    # first-response timers of the 10-day-old and 5-day-old complaints are breached
    breached = {b.complaint.number for b in data.breaches}
    assert major.number in breached
    assert "首次回应时限" in page
    assert sum(w.received for w in data.weeks) == 5
    assert len(data.weeks) == 8


def test_dashboard_and_policies_need_their_permissions(client, pcs_team, community) -> None:
    login(client, pcs_team["engineer"])
    assert client.get(reverse("complaints:dashboard")).status_code == 403
    assert client.get(reverse("complaints:policies")).status_code == 403
    page = html(client.get(QUEUE))
    assert reverse("complaints:policies") not in page
    assert reverse("complaints:dashboard") not in page
    login(client, pcs_team["butler"])
    assert client.get(reverse("complaints:policies")).status_code == 403
    login(client, pcs_team["manager"])
    page = html(client.get(QUEUE))
    assert reverse("complaints:policies") in page
    assert reverse("complaints:dashboard") in page


def test_excel_export_of_the_filtered_list_masks_phones_for_other_roles(
    client, pcs_team, community, receive
) -> None:
    butler = pcs_team["butler"]
    water = receive(butler, community, content="楼上漏水", complainant_name="张三")
    receive(butler, community, content="夜间噪音", complainant_name="李四")
    login(client, butler)
    page = html(client.get(QUEUE, {"q": "张三", "tab": "all"}))
    assert "/complaints/export.xlsx?q=%E5%BC%A0%E4%B8%89&amp;tab=all" in page
    response = client.get(reverse("complaints:export"), {"q": "张三", "tab": "all"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    numbers_in_sheet = [row[0] for row in values[2:]]
    assert numbers_in_sheet == [water.number]
    assert values[2][5] == "张三"
    assert values[2][6] == "13812345678"
    login(client, pcs_team["engineer"])
    response = client.get(reverse("complaints:export"), {"q": "张三", "tab": "all"})
    sheet = load_workbook(BytesIO(response.content)).active
    row = list(sheet.iter_rows(values_only=True))[2]
    assert row[6] == "138****5678"
