"""PDF and Excel helpers (propdesk.core.exports): real WeasyPrint and openpyxl, no stubs.

The PDFs are checked from their bytes: page count from the page tree, fonts from the embedded
font names and the text from the ToUnicode maps of the embedded subsets (a subset only holds the
glyphs drawn, so a character that appears only in the running header or in the page footer proves
that part was laid out). Debian poppler-utils is not installed, so there is no pdftotext here.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zlib
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from openpyxl import load_workbook

from propdesk.core import exports

TEMPLATES_DIR = Path(__file__).parent / "templates"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def sample_templates(settings):  # type: ignore[no-untyped-def]
    """Adds propdesk/core/tests/templates (test-only templates) to the template dirs."""
    engines = [dict(engine) for engine in settings.TEMPLATES]
    engines[0]["DIRS"] = [*engines[0]["DIRS"], TEMPLATES_DIR]
    with override_settings(TEMPLATES=engines):
        yield


# --- reading a PDF back -------------------------------------------------------------------
def _streams(pdf: bytes) -> list[bytes]:
    """Every stream of the PDF, inflated (WeasyPrint compresses content and object streams)."""
    inflated = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            inflated.append(zlib.decompress(raw))
        except zlib.error:
            continue
    return inflated


def _page_count(pdf: bytes) -> int:
    data = b"\n".join([pdf, *_streams(pdf)])
    (count,) = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)
    return int(count)


def _font_names(pdf: bytes) -> set[str]:
    """Embedded font names without the subset tag and separators: NotoSansCJKSC, …"""
    data = b"\n".join([pdf, *_streams(pdf)])
    names = re.findall(rb"/(?:BaseFont|FontName)\s*/(?:[A-Z]{6}\+)?([\w.-]+)", data)
    return {name.decode().replace("-", "") for name in names}


def _mapped_text(pdf: bytes) -> set[str]:
    """The characters the embedded fonts map glyphs back to (ToUnicode): extractable text."""
    chars: set[str] = set()
    for stream in _streams(pdf):
        if b"begincmap" not in stream:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for target in re.findall(rb"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]+)>", block):
                chars.add(bytes.fromhex(target.decode()).decode("utf-16-be"))
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
            for low, high, start in re.findall(
                rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
            ):
                first = ord(bytes.fromhex(start.decode()).decode("utf-16-be"))
                span = int(high, 16) - int(low, 16)
                chars.update(chr(first + i) for i in range(span + 1))
    return chars


# --- PDF ----------------------------------------------------------------------------------
def test_pdf_is_a4_with_noto_cjk_text_header_and_page_numbers(sample_templates: None) -> None:
    # given a form with enough rows for two pages
    lines = [f"楼上漏水 {n}" for n in range(45)]

    # when it is rendered
    pdf = exports.render_pdf("exports/sample.html", {"name": "张三", "lines": lines})

    # then it is a two-page A4 PDF (595 x 842 pt) set in embedded Noto CJK subsets
    assert pdf.startswith(b"%PDF-")
    assert _page_count(pdf) == 2
    data = b"\n".join([pdf, *_streams(pdf)])
    assert len(re.findall(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+\s*\]", data)) == 2
    fonts = _font_names(pdf)
    assert any(name.startswith(("NotoSansCJK", "NotoSerifCJK")) for name in fonts), fonts
    assert not any("DejaVu" in name or "Liberation" in name for name in fonts), fonts
    # and the text maps back to Unicode: the body, the running header (organisation and record
    # number appear nowhere else) and the footer "第 X 页 / 共 Y 页" (the only 第/页/共)
    text = _mapped_text(pdf)
    assert set("张三客户投诉登记表签名日期") <= text
    assert set("翠湖物业地王") <= text
    assert set("第页共") <= text


def test_pdf_loads_local_static_and_refuses_remote_urls(
    sample_templates: None, caplog: pytest.LogCaptureFixture
) -> None:
    # given a form that links the project's stylesheet and a remote image
    context = {"name": "张三", "static_css": True, "remote": "http://example.com/x.png"}

    # when it is rendered
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = exports.render_pdf("exports/sample.html", context)

    # then the document renders offline, one page, without the image
    assert pdf.startswith(b"%PDF-")
    assert _page_count(pdf) == 1
    failures = [r.getMessage() for r in caplog.records if "Failed to load" in r.getMessage()]
    assert len(failures) == 1
    assert "http://example.com/x.png" in failures[0]
    assert "RemoteFetchRefused" in failures[0]
    # the static stylesheet was found locally (its rules were parsed, so no load failure)
    assert not any("app.css" in message for message in failures)
    assert b"/Subtype /Image" not in b"\n".join([pdf, *_streams(pdf)])


def test_url_fetcher_refuses_everything_but_local_files() -> None:
    fetcher = exports.url_fetcher()
    for url in (
        "http://example.com/x.png",
        "https://example.com/style.css",
        "ftp://example.com/x.png",
        "file:///etc/passwd",
        f"file://{django_settings.BASE_DIR}/settings.py",  # source code is not a static file
        "http://example.com/elsewhere/propdesk/app.css",
    ):
        with pytest.raises(exports.RemoteFetchRefused):
            fetcher.fetch(url)
        with pytest.raises(exports.RemoteFetchRefused):
            exports.check_local(url)


def test_url_fetcher_serves_static_urls_from_local_files() -> None:
    css = (Path(django_settings.BASE_DIR) / "static" / "propdesk" / "app.css").resolve()
    fetcher = exports.url_fetcher()
    # `{% static %}` URLs, as a path against the file base or with a host, are local files
    for url in ("file:///static/propdesk/app.css", "http://testserver/static/propdesk/app.css"):
        assert exports.resolve_local(url) == css.as_uri()
        response = fetcher.fetch(url)
        try:
            assert response.url == css.as_uri()
            assert response.read() == css.read_bytes()
        finally:
            response.close()
    # a relative URL resolves against the static directory
    assert exports._base_url() + "propdesk/app.css" == css.as_uri()
    assert exports.resolve_local(css.as_uri()) == css.as_uri()
    # inline data is allowed as is
    inline = fetcher.fetch("data:text/plain;base64,5L2g5aW9")
    assert inline.read().decode() == "你好"


# --- responses ----------------------------------------------------------------------------
def test_pdf_response_has_rfc5987_chinese_filename_and_ascii_fallback() -> None:
    response = exports.pdf_response(b"%PDF-1.7 test", "投诉处置情况月表-2026-10.pdf")

    header = response["Content-Disposition"]
    assert header == (
        "inline; "
        'filename="2026-10.pdf"; '
        "filename*=UTF-8''%E6%8A%95%E8%AF%89%E5%A4%84%E7%BD%AE%E6%83%85%E5%86%B5"
        "%E6%9C%88%E8%A1%A8-2026-10.pdf"
    )
    assert quote("投诉处置情况月表-2026-10.pdf") in header
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == "13"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert exports.pdf_response(b"x", "登记表.pdf", inline=False)["Content-Disposition"].startswith(
        'attachment; filename="document.pdf"; '
    )


def test_xlsx_response_is_an_attachment_with_the_excel_mime_type() -> None:
    response = exports.xlsx_response(b"PK", "投诉台帐 10/2026.xlsx")

    assert response["Content-Type"] == exports.XLSX_MIME
    header = response["Content-Disposition"]
    # the slash cannot become a path; spaces and Chinese are percent-encoded
    assert header == (
        'attachment; filename="10_2026.xlsx"; '
        "filename*=UTF-8''%E6%8A%95%E8%AF%89%E5%8F%B0%E5%B8%90%2010_2026.xlsx"
    )


def test_filename_with_quotes_or_newlines_cannot_break_the_header() -> None:
    header = exports.content_disposition('a"b\r\nc.pdf', inline=True)

    assert "\r" not in header
    assert "\n" not in header
    assert header == "inline; filename=\"a_b__c.pdf\"; filename*=UTF-8''a_b__c.pdf"


# --- Excel --------------------------------------------------------------------------------
def _monthly_sheet() -> exports.Sheet:
    return exports.Sheet(
        title="投诉处置情况月表:2026/10",
        title_line="投诉处置情况月表 2026年10月",
        subtitle_lines=["翠湖花园", "统计期间：2026-10-01 至 2026-10-31"],
        columns=[
            ("编号", "text"),
            ("受理时间", "datetime"),
            ("回复日期", "date"),
            ("处理费用", "money"),
            ("件数", "int"),
            ("及时率", "percent"),
            ("投诉内容", "text"),
            ("备注", "text"),
        ],
        rows=[
            [
                "TS-2026-000001",
                dt.datetime(2026, 10, 8, 1, 30, tzinfo=dt.UTC),  # 09:30 in Shanghai
                dt.datetime(2026, 10, 8, 17, 0, tzinfo=dt.UTC),  # already 10-09 in Shanghai
                Decimal("1234.50"),
                3,
                Decimal("0.667"),
                "楼上漏水楼上漏水",
                "abcdefgh",
            ],
            [
                "TS-2026-000002",
                dt.datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI),
                dt.date(2026, 10, 9),
                Decimal("10.00"),
                1,
                Decimal("1"),
                "=1+1",
                "tab\x07bell",
            ],
        ],
        totals=["合计", None, None, Decimal("1244.50"), 4, None, "", ""],
    )


def test_workbook_layout_title_header_frozen_filter_and_totals() -> None:
    workbook = load_workbook(io.BytesIO(exports.build_xlsx([_monthly_sheet()])))
    ws = workbook.worksheets[0]

    # sheet name sanitised (no : or /), Chinese kept
    assert ws.title == "投诉处置情况月表_2026_10"
    # merged bold title across all eight columns, then the subtitle lines
    assert ws["A1"].value == "投诉处置情况月表 2026年10月"
    assert ws["A1"].font.bold
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:H1"]
    assert ws["A2"].value == "翠湖花园"
    assert ws["A3"].value == "统计期间：2026-10-01 至 2026-10-31"
    # bold shaded header on row 4, panes frozen below it, filter over header + data rows
    assert [c.value for c in ws[4]] == [
        "编号",
        "受理时间",
        "回复日期",
        "处理费用",
        "件数",
        "及时率",
        "投诉内容",
        "备注",
    ]
    assert all(c.font.bold for c in ws[4])
    assert ws["A4"].fill.fgColor.rgb.endswith("DDE6F0")
    assert ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == "A4:H6"
    assert ws.print_title_rows == "$4:$4"
    # the totals row is last, bold, outside the filter
    assert ws.max_row == 7
    assert [c.value for c in ws[7]][:5] == ["合计", None, None, 1244.5, 4]
    assert ws["A7"].font.bold
    assert ws["D7"].font.bold
    assert ws["D7"].number_format == exports.MONEY_FORMAT
    assert not ws["A6"].font.bold


def test_workbook_values_formats_and_local_time() -> None:
    ws = load_workbook(io.BytesIO(exports.build_xlsx([_monthly_sheet()]))).worksheets[0]

    # datetimes become naive Asia/Shanghai wall time
    assert ws["B5"].value == dt.datetime(2026, 10, 8, 9, 30)
    assert ws["B5"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["B6"].value == dt.datetime(2026, 10, 9, 10, 0)
    # a datetime in a date column is the local date
    assert ws["C5"].value == dt.datetime(2026, 10, 9, 0, 0)
    assert ws["C5"].number_format == "yyyy-mm-dd"
    assert ws["C6"].number_format == "yyyy-mm-dd"
    # money in yuan with two places, counts, rates as percentages
    assert ws["D5"].value == 1234.5
    assert ws["D5"].number_format == '"¥"#,##0.00'
    assert ws["E5"].number_format == "#,##0"
    assert ws["F5"].value == pytest.approx(0.667)
    assert ws["F5"].number_format == "0.0%"
    assert ws["A5"].number_format == "General"
    # Chinese text preserved; a leading "=" stays text, never a formula; control chars dropped
    assert ws["G5"].value == "楼上漏水楼上漏水"
    assert ws["G6"].value == "=1+1"
    assert ws["G6"].data_type == "s"
    assert ws["H6"].value == "tabbell"


def test_workbook_column_widths_count_cjk_double() -> None:
    ws = load_workbook(io.BytesIO(exports.build_xlsx([_monthly_sheet()]))).worksheets[0]

    # column G holds 8 CJK characters, column H 8 ASCII ones (headers are 4 and 2 CJK)
    assert ws.column_dimensions["G"].width == 18  # 8 x 2 + 2
    assert ws.column_dimensions["H"].width == 10  # 8 + 2
    assert ws.column_dimensions["G"].width > ws.column_dimensions["H"].width
    # a datetime column is as wide as "2026-10-08 09:30"
    assert ws.column_dimensions["B"].width == 18


def test_workbook_without_title_puts_the_header_on_row_one_and_infers_formats() -> None:
    # given headers without kinds (types decide) and no title: what list exports use
    sheet = exports.Sheet(
        title="台帐",
        headers=["日期", "金额"],
        rows=[[dt.date(2026, 10, 1), Decimal("5.5")]],
    )

    ws = load_workbook(io.BytesIO(exports.build_xlsx([sheet]))).worksheets[0]

    assert [c.value for c in ws[1]] == ["日期", "金额"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:B2"
    assert not list(ws.merged_cells.ranges)
    assert ws["A2"].number_format == exports.DATE_FORMAT
    assert ws["B2"].number_format == "#,##0.00"


def test_sheet_titles_are_valid_and_unique() -> None:
    long_title = "客户服务信息统计分析汇总表" * 3
    sheets = [
        exports.Sheet(title=long_title, headers=["a"]),
        exports.Sheet(title=long_title, headers=["a"]),
        exports.Sheet(title="Report", headers=["a"]),
        exports.Sheet(title="report", headers=["a"]),
        exports.Sheet(title="'[月表]?'", headers=["a"]),
    ]

    titles = load_workbook(io.BytesIO(exports.build_xlsx(sheets))).sheetnames

    assert titles[0] == long_title[:31]
    assert titles[1] == long_title[:28] + "(2)"
    assert titles[2:] == ["Report", "report(2)", "_月表__"]
    assert all(len(title) <= 31 for title in titles)


def test_sheet_rejects_unknown_kinds_and_mismatched_specs() -> None:
    with pytest.raises(ValueError, match="unknown column kind"):
        exports.Sheet(title="x", columns=[("金额", "currency")])
    with pytest.raises(ValueError, match="2 kinds for 1 headers"):
        exports.Sheet(title="x", headers=["金额"], kinds=["money", "int"])
    with pytest.raises(ValueError, match="not both"):
        exports.Sheet(title="x", headers=["金额"], columns=[("金额", "money")])


def test_empty_workbook_still_opens() -> None:
    workbook = load_workbook(io.BytesIO(exports.build_xlsx([])))

    assert workbook.sheetnames == ["Sheet"]
