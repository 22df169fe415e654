"""The paper register entered later (纸质登记补录, R-COMPLAINT-01): matters taken on the paper
客户投诉登记表 while the system was out of reach, typed into the Excel template and received in
one batch (`intake.receive_many`), each with the time the customer really reached us.

This module only reads the workbook: the template's Chinese column headers to intake fields, the
labels staff write (投诉, 来电, 先生, 是 …) to codes, a room written as 楼栋-房号 (or a room
number unique in the project) to its unit. Every rule is the intake's; its messages come back
per row and column (`problems`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.complaints.domain import CHANNEL_LABELS, KIND_LABELS, Policy
from propdesk.complaints.models import Complaint
from propdesk.complaints.services import intake
from propdesk.core import exports
from propdesk.core.errors import ValidationFailed
from propdesk.core.models import Staff, Unit
from propdesk.core.models.tenancy import Salutation


class Column(NamedTuple):
    header: str  # as printed on the template (the paper form's words)
    field: str  # the intake field
    kind: str = "text"  # text / datetime / yes_no / kind / channel / salutation / level / room


COLUMNS = (
    Column("受理时间", "received_at", "datetime"),
    Column("类别", "kind", "kind"),
    Column("渠道", "channel", "channel"),
    Column("客户姓名", "complainant_name"),
    Column("称呼", "salutation", "salutation"),
    Column("联系电话", "phone"),
    Column("房号", "unit_id", "room"),
    Column("是否业主", "is_owner", "yes_no"),
    Column("主题", "subject"),
    Column("内容", "content"),
    Column("客户期望", "expectation"),
    Column("发生地点", "location"),
    Column("发生时间", "occurred_at", "datetime"),
    Column("等级", "level", "level"),
    Column("已复述确认", "read_back_confirmed", "yes_no"),
)
REQUIRED = ("类别", "渠道", "客户姓名", "内容")
HEADER_BY_FIELD = {c.field: c.header for c in COLUMNS}
SALUTATIONS = {
    "先生": Salutation.MR.value,
    "女士": Salutation.MS.value,
    "小姐": Salutation.MISS.value,
}
YES = {"是", "y", "yes", "√", "✓", "1", "true"}
NO = {"否", "n", "no", "×", "0", "false", ""}
DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d %H:%M")
MAX_BYTES = 2 * 1024 * 1024
HEADER_SEARCH_ROWS = 5  # the header row may sit under a title line


@dataclass(frozen=True)
class Problem:
    row: int  # the worksheet row (1-based, as Excel shows it); 0 for the file itself
    column: str  # the column header; empty for the row or file as a whole
    messages: tuple[str, ...]


class RegisterRefused(ValidationFailed):
    """The workbook was refused: nothing was received. `problems` name row and column."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            fields={
                (f"row.{p.row}.{p.column}" if p.row else "file"): list(p.messages) for p in problems
            }
        )


def template_workbook(policy: Policy) -> bytes:
    """The empty register with its headers and one example row (deleted or overwritten)."""
    levels = "/".join(level.label for level in policy.levels)
    sheet = exports.Sheet(
        title="补录登记",
        title_line=f"客户投诉登记表 · 纸质登记补录（一次最多{intake.BATCH_MAX}行，表头请勿修改）",
        subtitle_lines=[
            f"类别：{'/'.join(KIND_LABELS.values())}；渠道：{'/'.join(CHANNEL_LABELS.values())}；"
            f"等级：{levels}；是否业主、已复述确认：是/否；"
            f"受理时间：最早{intake.BACKFILL_WINDOW.days}天前",
        ],
        headers=[c.header for c in COLUMNS],
        rows=[],
    )
    return exports.build_xlsx([sheet])


def read(
    content: bytes, *, project_id: int, policy: Policy
) -> tuple[list[int], list[dict[str, Any]]]:
    """The worksheet rows (their numbers and intake items) of an uploaded register;
    RegisterRefused when the file cannot be read or a cell cannot be understood."""
    rows = _rows(content)
    header_at, columns = _header(rows)
    numbers: list[int] = []
    raw: list[dict[str, Any]] = []
    for number, cells in enumerate(rows[header_at + 1 :], start=header_at + 2):
        values = {
            column.field: _text_or_value(cells[index]) if index < len(cells) else None
            for index, column in columns
        }
        if all(v in (None, "") for v in values.values()):
            continue  # a blank line between entries
        numbers.append(number)
        raw.append(values)
    if not raw:
        raise RegisterRefused([Problem(0, "", (str(_("The register has no entries")),))])
    if len(raw) > intake.BATCH_MAX:
        message = _("At most %(n)s rows at a time") % {"n": intake.BATCH_MAX}
        raise RegisterRefused([Problem(0, "", (str(message),))])
    units = _units(project_id, (item.get("unit_id") for item in raw))
    problems: list[Problem] = []
    items = []
    for number, values in zip(numbers, raw, strict=True):
        item: dict[str, Any] = {}
        for column in COLUMNS:
            if column.field not in values:
                continue
            try:
                item[column.field] = _convert(column, values[column.field], policy, units)
            except ValueError as exc:
                problems.append(Problem(number, column.header, (str(exc),)))
        items.append({k: v for k, v in item.items() if v not in (None, "")})
    if problems:
        raise RegisterRefused(problems)
    return numbers, items


def receive(
    *, actor: Staff, project_id: int, policy: Policy, content: bytes, at: dt.datetime | None = None
) -> list[Complaint]:
    """Receive every entry of the uploaded register (`intake.receive_many`): all or nothing;
    RegisterRefused names each problem's row and column."""
    if len(content) > MAX_BYTES:
        message = _("The file is larger than %(n)s MB") % {"n": MAX_BYTES // (1024 * 1024)}
        raise RegisterRefused([Problem(0, "", (str(message),))])
    numbers, items = read(content, project_id=project_id, policy=policy)
    try:
        return intake.receive_many(actor=actor, project_id=project_id, items=items, at=at)
    except ValidationFailed as exc:
        if isinstance(exc, RegisterRefused):
            raise
        raise RegisterRefused(_problems(exc.fields, numbers)) from None


def _problems(fields: dict[str, list[str]], numbers: list[int]) -> list[Problem]:
    """`items.<n>.<field>` of the batch intake as worksheet row and column header."""
    problems = []
    for key, messages in fields.items():
        match = re.fullmatch(r"items\.(\d+)\.(\w+)", key)
        if match is None:
            problems.append(Problem(0, "", tuple(messages)))
            continue
        index, field = int(match[1]), match[2]
        problems.append(Problem(numbers[index], HEADER_BY_FIELD.get(field, field), tuple(messages)))
    return sorted(problems, key=lambda p: (p.row, p.column))


def _rows(content: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        book.close()
    except Exception:  # any unreadable upload: openpyxl raises many kinds
        message = _("This is not an Excel workbook (.xlsx); download the template")
        raise RegisterRefused([Problem(0, "", (str(message),))]) from None
    return rows


def _header(rows: list[tuple[Any, ...]]) -> tuple[int, list[tuple[int, Column]]]:
    """The header row's position and which column holds which field."""
    by_header = {c.header: c for c in COLUMNS}
    for at, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [str(cell).strip() if cell is not None else "" for cell in cells]
        if "客户姓名" not in names:
            continue
        missing = [h for h in REQUIRED if h not in names]
        if missing:
            missing_text = _("Columns missing: %(c)s") % {"c": "、".join(missing)}
            raise RegisterRefused([Problem(0, "", (str(missing_text),))])
        return at, [(i, by_header[name]) for i, name in enumerate(names) if name in by_header]
    message = _("The header row of the template was not found; download the template")
    raise RegisterRefused([Problem(0, "", (str(message),))])


def _text_or_value(cell: Any) -> Any:
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a phone typed as a number
    if isinstance(cell, int) and not isinstance(cell, bool):
        return str(cell)
    return cell


def _units(project_id: int, rooms: Iterable[Any]) -> dict[str, int | None]:
    """Room as written → unit id (None when it names no unit, or several)."""
    wanted = {str(room).strip() for room in rooms if room not in (None, "")}
    numbers = {room.rsplit("-", 1)[-1] for room in wanted}
    if not numbers:
        return {}
    found = Unit.objects.filter(project_id=project_id, number__in=numbers).values_list(
        "pk", "number", "building__name"
    )
    by_full = {f"{building}-{number}": pk for pk, number, building in found}
    by_number: dict[str, list[int]] = {}
    for pk, number, _building in found:
        by_number.setdefault(number, []).append(pk)
    resolved: dict[str, int | None] = {}
    for room in wanted:
        only = by_number.get(room, [])
        resolved[room] = by_full.get(room) or (only[0] if len(only) == 1 else None)
    return resolved


def _convert(column: Column, value: Any, policy: Policy, units: dict[str, int | None]) -> Any:
    """One cell as the intake field's value; ValueError with the message for the cell."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if column.kind == "datetime":
        parsed = value if isinstance(value, dt.datetime) else _parsed(text)
        if parsed is None:
            raise ValueError(_("Write the time as 2026-12-05 14:30"))
        return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
    if column.kind == "yes_no":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValueError(_("Write 是 or 否"))
    labels: dict[str, str] = {}
    if column.kind == "kind":
        labels = {label: str(code) for code, label in KIND_LABELS.items()}
    elif column.kind == "channel":
        labels = {label: str(code) for code, label in CHANNEL_LABELS.items()}
    elif column.kind == "salutation":
        labels = SALUTATIONS
    elif column.kind == "level":
        labels = {str(level.label): level.code for level in policy.levels}
    elif column.kind == "room":
        unit = units.get(text)
        if unit is None:
            raise ValueError(_("No such room in this project (write it as 楼栋-房号)"))
        return unit
    return labels.get(text, text)  # a code typed instead of its label is taken as it is


def _parsed(text: str) -> dt.datetime | None:
    """A time written as text in one of DATETIME_FORMATS; the register's wall time is the
    project's (Asia/Shanghai)."""
    for form in DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, form).replace(tzinfo=timezone.get_current_timezone())
        except ValueError:
            continue
    return None
