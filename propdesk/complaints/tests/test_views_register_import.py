"""The paper register entered later (纸质登记补录, R-COMPLAINT-01): the Excel template, an upload
that registers every row with consecutive numbers and timers from when each customer reached us,
and an upload with mistakes that names row and column in Chinese and registers nothing."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from propdesk.complaints.models import Complaint
from propdesk.complaints.services import register_import
from propdesk.conftest import login
from propdesk.core.models import Deadline, DocumentCounter
from propdesk.core.tests.factories import BuildingFactory, UnitFactory

pytestmark = pytest.mark.django_db

PAGE = "/complaints/new/register/"
TEMPLATE = "/complaints/new/register/template.xlsx"


def _workbook(rows: list[list[Any]], headers: list[str] | None = None) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["客户投诉登记表 · 纸质登记补录"])  # a title line above the header, as printed
    sheet.append(headers or [c.header for c in register_import.COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("登记表.xlsx", buffer.getvalue())


def _row(**cells: Any) -> list[Any]:
    values = {
        "受理时间": None,
        "类别": "投诉",
        "渠道": "来电",
        "客户姓名": "张三",
        "称呼": "先生",
        "联系电话": 13812345678,  # typed as a number, as Excel keeps it
        "房号": "",
        "是否业主": "是",
        "主题": "",
        "内容": "电梯停运两小时",
        "客户期望": "",
        "发生地点": "",
        "发生时间": None,
        "等级": "",
        "已复述确认": "是",
        **cells,
    }
    return [values[c.header] for c in register_import.COLUMNS]


def _naive(moment: dt.datetime) -> dt.datetime:
    """A time as Excel holds it: the wall time, no zone."""
    return moment.replace(tzinfo=None)


@pytest.fixture
def room(community):
    building = BuildingFactory(project=community, code="3", name="3栋")
    return UnitFactory(building=building, number="1201", floor=12, area=Decimal("120.00"))


def test_template_downloads_with_the_paper_forms_columns(client, pcs_team, community) -> None:
    login(client, pcs_team["butler"])
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    headers = next(r for r in rows if "客户姓名" in r)
    assert headers == [c.header for c in register_import.COLUMNS]
    # the notes list the community policy's levels (PCS) and the labels staff may write
    notes = " ".join(str(c) for r in rows[: rows.index(headers)] for c in r)
    assert "一般性投诉" in notes
    assert "来电" in notes


def test_r_complaint_01_upload_registers_every_row_with_timers_from_when_received(
    client, pcs_team, community, room
) -> None:
    login(client, pcs_team["butler"])
    yesterday_evening = (timezone.localtime() - dt.timedelta(days=1)).replace(
        hour=20, minute=15, second=0, microsecond=0
    )
    upload = _workbook(
        [
            _row(受理时间=_naive(yesterday_evening), 房号="3栋-1201"),
            [None] * len(register_import.COLUMNS),  # a blank line between entries is skipped
            _row(
                受理时间=yesterday_evening.strftime("%Y-%m-%d") + " 21:40",
                类别="咨询性问题",
                渠道="来访",
                客户姓名="李四",
                称呼="女士",
                房号="1201",  # the room number alone is enough when it is unique
                内容="物业费缴纳方式",
            ),
        ]
    )
    page = client.post(PAGE, {"file": upload}, follow=True)
    # redirected to a page listing them: reloading it registers nothing again
    [(url, code)] = page.redirect_chain
    assert code == 302
    assert url.startswith(f"{PAGE}?done=")
    assert page.status_code == 200
    body = page.content.decode()
    first, second = Complaint.objects.order_by("number")
    assert client.get(url).status_code == 200
    assert Complaint.objects.count() == 2
    # consecutive numbers, shown with links, and the success message names them
    assert [first.number[-4:], second.number[-4:]] == ["0001", "0002"]
    assert f"{first.number}" in body
    assert f"/complaints/{second.pk}/" in body
    assert f"已补录2条：{first.number} 至 {second.number}" in body
    # the cells became the intake's fields
    assert (first.kind, first.channel, first.salutation, first.phone) == (
        "complaint",
        "phone",
        "mr",
        "13812345678",
    )
    assert first.unit_id == second.unit_id == room.pk
    assert first.is_owner is True
    assert first.read_back_confirmed is True
    assert (second.kind, second.channel, second.salutation) == ("consultation", "visit", "ms")
    # the clock started when the customer reached us, not when the row was typed in
    assert first.received_at == yesterday_evening
    assert second.received_at == yesterday_evening.replace(minute=40, hour=21)
    timer = Deadline.objects.get(object_id=str(first.pk), kind="complaint.first_response")
    assert timer.starts_at == yesterday_evening


def test_upload_with_mistakes_names_row_and_column_and_registers_nothing(
    client, pcs_team, community, room
) -> None:
    login(client, pcs_team["butler"])
    upload = _workbook(
        [
            _row(),
            _row(联系电话="123", 是否业主="也许"),
            _row(内容="", 房号="9栋-9999", 受理时间="上周"),
            _row(类别="吐槽", 受理时间=_naive(timezone.localtime() - dt.timedelta(days=9))),
        ]
    )
    response = client.post(PAGE, {"file": upload})
    assert response.status_code == 422
    body = response.content.decode()
    problems = re.search(r'id="register-problems".*?</table>', body, re.S)
    assert problems, "no problem table"
    cells = [
        tuple(
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        )
        for r in re.findall(r"<tr>(.*?)</tr>", problems.group(0), re.S)
    ]
    # the cells the reader cannot understand are named first, before any rule is checked
    assert ("4", "是否业主", "请填写“是”或“否”") in cells
    assert ("5", "房号", "本项目没有这个房号（请写成“楼栋-房号”）") in cells
    assert ("5", "受理时间", "时间请写成 2026-12-05 14:30 的格式") in cells
    assert "没有登记任何一条" in body
    assert Complaint.objects.count() == 0
    # once readable, the intake's own rules answer per row and column
    fixed = _workbook(
        [
            _row(),
            _row(联系电话="123"),
            _row(内容=""),
            _row(类别="吐槽", 受理时间=_naive(timezone.localtime() - dt.timedelta(days=9))),
        ]
    )
    response = client.post(PAGE, {"file": fixed})
    assert response.status_code == 422
    body = response.content.decode()
    for row, column, message in (
        ("4", "联系电话", "请输入11位手机号码或固定电话"),
        ("5", "内容", "此项为必填项。"),
        ("6", "类别", "请选择诉求类型"),
        ("6", "受理时间", "纸质登记最迟可在7天内补录"),
    ):
        assert re.search(
            rf"<td[^>]*>{row}</td>\s*<td[^>]*>{column}</td>\s*<td[^>]*>{message}", body
        ), (row, column, message)
    assert Complaint.objects.count() == 0
    assert not DocumentCounter.objects.filter(last_value__gt=0).exists()


def test_upload_that_is_no_workbook_or_lacks_columns_is_refused(
    client, pcs_team, community
) -> None:
    login(client, pcs_team["butler"])
    not_excel = client.post(PAGE, {"file": SimpleUploadedFile("a.xlsx", b"not a workbook")})
    assert not_excel.status_code == 422
    assert "这不是Excel工作簿（.xlsx），请下载模板" in not_excel.content.decode()
    no_content = client.post(
        PAGE, {"file": _workbook([["x"]], headers=["客户姓名", "类别", "渠道"])}
    )
    assert no_content.status_code == 422
    assert "缺少列：内容" in no_content.content.decode()
    empty = client.post(PAGE, {"file": _workbook([])})
    assert "登记表中没有任何一条" in empty.content.decode()
    huge = SimpleUploadedFile("big.xlsx", b"0" * (register_import.MAX_BYTES + 10))
    too_big = client.post(PAGE, {"file": huge})
    assert too_big.status_code == 422
    assert "文件超过2 MB" in too_big.content.decode()
    missing = client.post(PAGE, {})
    assert missing.status_code == 422
    assert Complaint.objects.count() == 0


def test_register_pages_need_a_login(client, community) -> None:
    # every staff role may receive (不得推诿, R-COMPLAINT-02); without a login nothing opens
    assert client.get(PAGE).status_code == 302
    assert client.get(TEMPLATE).status_code == 302
    assert client.post(PAGE, {"file": _workbook([_row()])}).status_code in (302, 403)
    assert Complaint.objects.count() == 0


def test_intake_page_links_to_the_paper_register(client, pcs_team, community) -> None:
    login(client, pcs_team["butler"])
    assert PAGE in client.get("/complaints/new/").content.decode()


def test_result_page_lists_only_complaints_the_user_may_see(
    client, pcs_team, lh_team, sales_centre, receive
) -> None:
    elsewhere = receive(lh_team["club"], sales_centre)
    login(client, pcs_team["butler"])
    page = client.get(f"{PAGE}?done={elsewhere.pk},x,")
    assert page.status_code == 200
    assert elsewhere.number not in page.content.decode()
    assert 'id="register-received"' not in page.content.decode()
