"""Documents for download: PDF forms and reports (WeasyPrint, Noto CJK) and Excel workbooks
(openpyxl). Presentation only: callers pass ready values; no business rule lives here.

- `render_pdf(template_name, context, request=None)` renders a Django template (usually extending
  `print/base.html`: A4, running header, "第 X 页 / 共 Y 页") to PDF bytes. Only local files are
  fetched: static files (`{% static %}` URLs), media files and `data:` URLs. Anything else is
  refused, so rendering a document never reaches the network.
- `build_xlsx([Sheet(...), ...])` writes one worksheet per `Sheet`: an optional merged title row
  and subtitle lines, a bold shaded header row frozen under the panes, an auto-filter, dates and
  money in Chinese formats, an optional bold totals row and column widths from the content (CJK
  characters count double).
- `pdf_response` / `xlsx_response` send them with an RFC 5987 UTF-8 filename, e.g.
  `投诉处置情况月表-2026-10.pdf`, and an ASCII fallback for old clients.

How to use them: docs/development/exports.md.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import Promise

PDF_MIME = "application/pdf"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Excel number formats. Excel stores no time zone: datetimes are written as local wall time.
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = '"¥"#,##0.00'  # a column whose kind is "money" (yuan, two places)
DECIMAL_FORMAT = "#,##0.00"  # a Decimal in a column without a kind
INT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"  # values are fractions: 0.667 shows as 66.7%

KINDS = ("text", "int", "money", "date", "datetime", "percent")

_MAX_SHEET_TITLE = 31
_INVALID_SHEET_CHARS = set("[]:*?/\\")
_MIN_WIDTH, _MAX_WIDTH = 8, 60


# --- PDF ----------------------------------------------------------------------------------
class RemoteFetchRefused(ValueError):
    """A document tried to load something that is not a local static/media file or data URL."""


def _path_under(url_path: str, prefix: str | None) -> str | None:
    """The rest of `url_path` when it starts with the URL prefix (e.g. "/static/"), else None."""
    if not prefix:
        return None
    prefix_path = urlsplit(prefix).path or "/"
    if not prefix_path.endswith("/"):
        prefix_path += "/"
    if url_path.startswith(prefix_path) and len(url_path) > len(prefix_path):
        return url_path[len(prefix_path) :]
    return None


def _allowed_roots() -> list[Path]:
    """Directories whose files a document may embed: static sources, collected static and
    uploaded media."""
    roots: list[Path] = []
    for entry in settings.STATICFILES_DIRS:
        roots.append(Path(entry[1] if isinstance(entry, tuple | list) else entry))
    roots += [Path(app.path) / "static" for app in apps.get_app_configs()]
    for setting in (settings.STATIC_ROOT, settings.MEDIA_ROOT):
        if setting:
            roots.append(Path(setting))
    return [root.resolve() for root in roots]


def _inside_roots(path: Path) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root) for root in _allowed_roots())


def _static_file(relative: str) -> Path | None:
    found = finders.find(relative)
    if isinstance(found, list):  # finders.find(..., find_all=True) shape, for safety
        found = found[0] if found else None
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        collected = Path(settings.STATIC_ROOT) / relative
        if collected.is_file():
            return collected
    return None


def resolve_local(url: str) -> str:
    """The local URL to fetch for `url` (a `file:` or `data:` URL), or RemoteFetchRefused.

    - `data:` URLs are inline and returned unchanged.
    - Static URLs (`/static/…`, as `{% static %}` writes them, whether they arrive as a file
      path or with a host) are looked up with the staticfiles finders; media URLs under
      MEDIA_ROOT. Neither is ever fetched over the network.
    - Other `file:` URLs must lie inside the static or media directories.
    - Everything else (http, https, ftp, files elsewhere) is refused.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme == "data":
        return url
    if scheme not in {"file", "http", "https"}:
        raise RemoteFetchRefused(f"refused to fetch {url!r}: documents use local files only")
    path = unquote(urlsplit(url).path)
    static_rest = _path_under(path, settings.STATIC_URL)
    if static_rest is not None:
        found = _static_file(static_rest)
        if found is not None and _inside_roots(found):
            return found.resolve().as_uri()
    media_rest = _path_under(path, settings.MEDIA_URL)
    if media_rest is not None and settings.MEDIA_ROOT:
        candidate = Path(settings.MEDIA_ROOT) / media_rest
        if candidate.is_file() and _inside_roots(candidate):
            return candidate.resolve().as_uri()
    if scheme == "file":
        candidate = Path(url2pathname(path))
        if candidate.is_absolute() and _inside_roots(candidate):
            return candidate.resolve().as_uri()
    raise RemoteFetchRefused(f"refused to fetch {url!r}: documents use local files only")


def check_local(url: str) -> None:
    """Raise RemoteFetchRefused unless `url` resolves to a local file or is a data URL."""
    resolve_local(url)


def url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that only reads local files (see `resolve_local`).

    WeasyPrint logs a refused resource as a warning and renders the document without it."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint < 66 takes a fetcher function
        from weasyprint import default_url_fetcher

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            return default_url_fetcher(resolve_local(url), *args, **kwargs)

        return fetch

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            return super().fetch(resolve_local(url), headers)

    return LocalOnlyFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def _base_url() -> str:
    """Relative URLs in a document resolve against the project's static directory."""
    return Path(settings.BASE_DIR, "static").resolve().as_uri() + "/"


def render_pdf(
    template_name: str, context: dict[str, Any], *, request: HttpRequest | None = None
) -> bytes:
    """The template rendered to PDF bytes (A4 when it extends `print/base.html`).

    CJK text uses the system's Noto Sans/Serif CJK SC (Debian fonts-noto-cjk) through
    fontconfig, embedded as subsets. `request` only feeds the template's context processors."""
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    document = HTML(string=html, base_url=_base_url(), url_fetcher=url_fetcher())
    return document.write_pdf()  # type: ignore[no-any-return]


# --- HTTP responses -----------------------------------------------------------------------
def _safe_filename(filename: str) -> str:
    """No path separators, quotes or control characters (they would break the header)."""
    cleaned = "".join(
        "_" if c in '/\\"' or unicodedata.category(c).startswith("C") else c for c in filename
    )
    return cleaned.strip() or "document"


def _ascii_fallback(filename: str) -> str:
    """An ASCII name for clients without RFC 5987: 投诉处置情况月表-2026-10.pdf → 2026-10.pdf."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""

    def ascii_only(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in plain)

    ascii_stem = ascii_only(stem).strip("-_. ") or "document"
    ascii_ext = ascii_only(ext).strip("-_. ")
    return f"{ascii_stem}.{ascii_ext}" if ascii_ext else ascii_stem


def content_disposition(filename: str, *, inline: bool) -> str:
    """`inline|attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266/5987)."""
    name = _safe_filename(filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def _document_response(data: bytes, content_type: str, disposition: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = disposition
    response["Content-Length"] = str(len(data))
    # Forms and reports carry personal data (PIPL): no shared or stored copies in caches.
    patch_cache_control(response, private=True, no_store=True)
    return response


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """A PDF shown in the browser (inline) or downloaded, under its Chinese filename."""
    return _document_response(data, PDF_MIME, content_disposition(filename, inline=inline))


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """An Excel workbook as a download under its Chinese filename."""
    return _document_response(data, XLSX_MIME, content_disposition(filename, inline=False))


# --- Excel --------------------------------------------------------------------------------
class Column(NamedTuple):
    """A column spec: its header and its kind (one of KINDS)."""

    header: str
    kind: str = "text"


@dataclass
class Sheet:
    """One worksheet.

    Give the columns either as `columns=[("编号", "text"), ("费用", "money"), …]` or as
    `headers` plus optional `kinds` (one per header). Kinds: text / int / money / date / datetime /
    percent (a fraction: 0.5 shows as 50.0%). Without a kind a value's type decides: dates and
    datetimes get date formats, a Decimal gets `#,##0.00`.

    `title_line`: a merged, bold title row above the header; `subtitle_lines`: one row each
    under it (period, project, filters); `totals`: an optional last row, bold, outside the
    auto-filter. Without a title or subtitles the header is row 1.
    """

    title: str
    headers: Sequence[str] = ()
    rows: Iterable[Sequence[Any]] = ()
    kinds: Sequence[str] | None = None
    title_line: str = ""
    subtitle_lines: Sequence[str] = field(default_factory=tuple)
    totals: Sequence[Any] | None = None
    columns: Sequence[tuple[str, str]] | None = None

    def __post_init__(self) -> None:
        if self.columns is not None:
            if self.headers or self.kinds is not None:
                raise ValueError("give either columns or headers/kinds, not both")
            self.headers = [header for header, _kind in self.columns]
            self.kinds = [kind for _header, kind in self.columns]
        if self.kinds is not None:
            unknown = sorted({kind for kind in self.kinds if kind not in KINDS})
            if unknown:
                raise ValueError(f"unknown column kind(s) {unknown}; use one of {KINDS}")
            if len(self.kinds) != len(self.headers):
                raise ValueError(
                    f"{len(self.kinds)} kinds for {len(self.headers)} headers in {self.title!r}"
                )


XlsxSheet = Sheet


def sheet_title(title: str, used: set[str] | None = None) -> str:
    """A valid worksheet name: ≤ 31 characters, none of []:*?/\\, not starting or ending with
    an apostrophe, and unique (case-insensitively, as Excel compares) among `used`."""
    text = str(title)
    clean = "".join(
        "_" if c in _INVALID_SHEET_CHARS or unicodedata.category(c).startswith("C") else c
        for c in text
    )
    clean = clean.strip().strip("'").strip()[:_MAX_SHEET_TITLE] or "Sheet"
    if clean.casefold() == "history":  # reserved by Excel
        clean = f"{clean}_"
    if used is not None:
        taken = {name.casefold() for name in used}
        base, n = clean, 2
        while clean.casefold() in taken:
            suffix = f"({n})"
            clean = base[: _MAX_SHEET_TITLE - len(suffix)] + suffix
            n += 1
        used.add(clean)
    return clean


def _text_width(text: str) -> int:
    """Display width in Excel character units: wide (CJK) characters count double."""
    return max(
        (
            sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
            for line in text.splitlines() or [""]
        ),
        default=0,
    )


def _shown(value: Any, kind: str | None) -> str:
    """Roughly the text Excel shows for the value, to size the column."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return "0000-00-00" if kind == "date" else "0000-00-00 00:00"
    if isinstance(value, dt.date):
        return "0000-00-00"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if kind == "money":
        return f"¥{value:,.2f}"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "int":
        return f"{value:,.0f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _local_naive(value: dt.datetime) -> dt.datetime:
    """Excel has no time zone: aware datetimes become wall time in settings.TIME_ZONE (Asia/
    Shanghai); naive ones are taken as already local."""
    if timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return value.replace(tzinfo=None)


def _cell_value(value: Any, kind: str | None) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, Promise):  # lazy translations
        value = str(value)
    if isinstance(value, dt.datetime):
        value = _local_naive(value)
        return value.date() if kind == "date" else value
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _number_format(value: Any, kind: str | None) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return DATETIME_FORMAT
    if isinstance(value, dt.date):
        return DATE_FORMAT
    if not isinstance(value, int | float | Decimal):
        return None
    if kind == "money":
        return MONEY_FORMAT
    if kind == "percent":
        return PERCENT_FORMAT
    if kind == "int":
        return INT_FORMAT
    if isinstance(value, Decimal):
        return DECIMAL_FORMAT
    return None


def build_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """The workbook as bytes, one worksheet per `Sheet`, in order."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    workbook.properties.creator = "PropDesk"
    used: set[str] = set()
    bold = Font(bold=True)
    thin = Side(style="thin", color="808080")
    grid = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    totals_fill = PatternFill("solid", fgColor="F2F2F2")
    for spec in sheets:
        ws = workbook.create_sheet(sheet_title(spec.title, used))
        headers = [str(header) for header in spec.headers]
        kinds = list(spec.kinds) if spec.kinds is not None else [None] * len(headers)
        columns = max(len(headers), 1)
        row = 1
        if spec.title_line:
            cell = ws.cell(row=row, column=1, value=_cell_value(spec.title_line, None))
            cell.font = Font(bold=True, size=14)
            cell.alignment = Alignment(horizontal="center", vertical="center")
            if columns > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
            ws.row_dimensions[row].height = 24
            row += 1
        for line in spec.subtitle_lines:
            ws.cell(row=row, column=1, value=_cell_value(line, None))
            row += 1
        header_row = row
        widths = [_text_width(header) for header in headers]
        for col, header in enumerate(headers, start=1):
            cell = ws.cell(row=row, column=col, value=_cell_value(header, None))
            cell.font = bold
            cell.fill = header_fill
            cell.border = grid
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        body = [list(values) for values in spec.rows]
        data_rows = len(body)
        if spec.totals is not None:
            body.append(list(spec.totals))
        for index, values in enumerate(body):
            row += 1
            is_totals = spec.totals is not None and index == data_rows
            for col, raw in enumerate(values, start=1):
                kind = kinds[col - 1] if col - 1 < len(kinds) else None
                value = _cell_value(raw, kind)
                cell = ws.cell(row=row, column=col, value=value)
                if isinstance(value, str) and value.startswith("="):
                    # Text, never a formula: a complainant's "=HYPERLINK(…)" stays text.
                    cell.data_type = "s"
                fmt = _number_format(value, kind)
                if fmt:
                    cell.number_format = fmt
                cell.border = grid
                width = _text_width(_shown(value, kind))
                if width > _MAX_WIDTH - 2 or (isinstance(value, str) and "\n" in value):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if is_totals:
                    cell.font = bold
                    cell.fill = totals_fill
                if col - 1 < len(widths):
                    widths[col - 1] = max(widths[col - 1], width)
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = min(
                max(width + 2, _MIN_WIDTH), _MAX_WIDTH
            )
        if headers:
            last = get_column_letter(len(headers))
            ws.freeze_panes = f"A{header_row + 1}"
            ws.auto_filter.ref = f"A{header_row}:{last}{header_row + data_rows}"
            ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        if sum(widths) > 110:
            ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
