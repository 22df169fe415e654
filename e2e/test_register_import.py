"""The paper register entered later (纸质登记补录) in a real browser: from the intake page the
clerk downloads the template, fills it in (here with openpyxl, as Excel would), uploads it with
one wrong row and sees that row and column named with nothing registered, corrects it and sees
both matters registered with consecutive numbers. The page fits a 360 px phone."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from propdesk.complaints.models import Complaint
from propdesk.complaints.tests.conftest import community, pcs_team, person  # noqa: F401
from propdesk.conftest import log_in_page as log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _filled(template: bytes, rows: list[dict[str, object]]) -> bytes:
    """The downloaded template with `rows` written under its header, by header name."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.active
    header_row = next(
        r for r in sheet.iter_rows(min_row=1, max_row=5) if any(c.value == "客户姓名" for c in r)
    )
    columns = {c.value: c.column for c in header_row if c.value}
    for offset, row in enumerate(rows, start=header_row[0].row + 1):
        for header, value in row.items():
            sheet.cell(row=offset, column=columns[header], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_paper_register_downloaded_filled_and_uploaded(
    desktop,
    live_server,
    pcs_team,  # noqa: F811
    community,  # noqa: F811
    screenshots,
):
    page = desktop
    log_in(page, live_server, pcs_team["butler"])
    page.goto(f"{live_server.url}/complaints/new/")
    page.click("text=纸质登记补录（Excel）")
    page.wait_for_selector("h1:has-text('纸质登记补录')")
    with page.expect_download() as download:
        page.click("text=下载模板（.xlsx）")
    template = Path(download.value.path()).read_bytes()
    taken = (timezone.localtime() - dt.timedelta(days=1)).replace(
        hour=19, minute=5, second=0, microsecond=0, tzinfo=None
    )
    good = {"受理时间": taken, "类别": "投诉", "渠道": "来电", "客户姓名": "王五",
            "联系电话": "13800138000", "内容": "地下车库照明坏了", "已复述确认": "是"}  # fmt: skip
    wrong = {**good, "客户姓名": "赵六", "联系电话": "123", "内容": "门禁卡失灵"}

    page.set_input_files(
        "#id_file",
        {"name": "登记表.xlsx", "mimeType": "application/octet-stream",
         "buffer": _filled(template, [good, wrong])},
    )  # fmt: skip
    page.click("text=上传并登记")
    problems = page.locator("#register-problems")
    problems.wait_for()
    assert "没有登记任何一条" in problems.inner_text()
    row = problems.locator("tbody tr").first
    assert [c.inner_text() for c in row.locator("td").all()] == [
        "5",
        "联系电话",
        "请输入11位手机号码或固定电话",
    ]
    assert Complaint.objects.count() == 0

    page.set_input_files(
        "#id_file",
        {"name": "登记表.xlsx", "mimeType": "application/octet-stream",
         "buffer": _filled(template, [good, {**wrong, "联系电话": "13900139000"}])},
    )  # fmt: skip
    page.click("text=上传并登记")
    page.locator("#register-received").wait_for()
    first, second = Complaint.objects.order_by("number")
    assert page.locator("#register-received tbody tr").count() == 2
    assert f"已补录2条：{first.number} 至 {second.number}" in page.content()
    assert first.received_at == timezone.make_aware(taken)
    page.screenshot(path=str(screenshots / "register-import.png"), full_page=True)
    # the number opens the complaint
    page.click(f"#register-received a:has-text('{second.number}')")
    page.wait_for_url(f"{live_server.url}/complaints/{second.pk}/")


def test_paper_register_page_fits_a_360_px_phone(phone, live_server, pcs_team, community):  # noqa: F811
    log_in(phone, live_server, pcs_team["butler"])
    phone.goto(f"{live_server.url}/complaints/new/register/")
    phone.wait_for_selector("#id_file")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
