"""How a complaint report looks in every format (SPEC §20, UI.md "Reports").

The service returns a report's data (`propdesk.complaints.services.reports`); `layout` turns it
into what the page, the Excel workbook and the PDF all show: figure cards, bar charts and tables
of cells. A cell carries the value written to Excel (numbers stay numbers, dates stay dates) and
the text shown on the page and in the PDF, so the three always agree. Presentation only: no
query, no rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.complaints.domain import CHANNEL_LABELS, KIND_LABELS, PENALTY_LABELS
from propdesk.complaints.models import Satisfaction, SheetState
from propdesk.complaints.services import reports
from propdesk.complaints.services.reports import Period, ReportDef
from propdesk.complaints.workflows import STATE_COLOUR, State
from propdesk.core import domain as core_domain
from propdesk.core import exports
from propdesk.core.models.deadlines import DeadlineState

COLOURS = {
    "grey": "var(--state-new)",
    "blue": "var(--state-progress)",
    "purple": "var(--state-waiting)",
    "green": "var(--state-resolved)",
    "dark": "var(--state-closed)",
    "orange": "var(--state-reopened)",
}
DEFAULT_BAR = "var(--brand)"
ALERT_BAR = "var(--danger)"


# --- layout: what every format shows -----------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """`value` goes to Excel (numbers stay numbers, dates stay dates); `text` is shown."""

    value: Any
    text: str
    num: bool = False
    kind: str = "text"  # the Excel kind: text / int / money / percent / date / datetime

    @property
    def css(self) -> str:
        """Numbers, dates and codes stay on one line; long text gets room to wrap."""
        classes = []
        if self.num:
            classes.append("num")
        if self.kind != "text" or (self.text and len(self.text) <= 16 and " " not in self.text):
            classes.append("nowrap")
        elif len(self.text) > 16:
            classes.append("long")
        return " ".join(classes)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    footer: list[Cell] | None = None
    alert_rows: set[int] = field(default_factory=set)  # row indexes shown in red
    group_first: bool = False  # the first column groups rows (one household per group)
    empty: str = ""

    @property
    def lines(self) -> list[dict[str, Any]]:
        """Rows for the templates: each cell with its column header (phone cards label every
        cell), the alert flag, and the group heading where a new group starts."""
        lines, group = [], None
        for i, row in enumerate(self.rows):
            heading = None
            if self.group_first and row and row[0].text != group:
                group = heading = row[0].text
            lines.append(
                {
                    "cells": list(zip(self.headers, row, strict=False)),
                    "alert": i in self.alert_rows,
                    "group": heading,
                }
            )
        return lines


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int
    text: str
    percent: Decimal
    colour: str


@dataclass
class Chart:
    title: str
    bars: list[Bar]


@dataclass
class Layout:
    title: str
    spec: str
    period: Period
    cards: list[tuple[str, str]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def text(value: Any) -> Cell:
    return Cell("" if value is None else value, "" if value is None else str(value))


def number(value: int | None) -> Cell:
    if value is None:
        return Cell("", "—", num=True)
    return Cell(value, f"{value}", num=True, kind="int")


def money(value: str | Decimal) -> Cell:
    amount = Decimal(str(value))
    return Cell(amount, core_domain.format_money(amount), num=True, kind="money")


def percent(value: str | None) -> Cell:
    """A rate given in percent ("66.7"); Excel gets the fraction with a percent format."""
    if value is None:
        return Cell("", "—", num=True)
    return Cell(Decimal(value) / 100, f"{value}%", num=True, kind="percent")


def local_time(value: str | None) -> dt.datetime | None:
    """The local time of an ISO date-time stored in a report's data."""
    if not value:
        return None
    return timezone.localtime(dt.datetime.fromisoformat(value))


def when(value: str | None) -> Cell:
    """A date and time (2026-11-17 10:00)."""
    moment = local_time(value)
    if moment is None:
        return Cell("", "")
    return Cell(moment.replace(tzinfo=None), f"{moment:%Y-%m-%d %H:%M}", kind="datetime")


def day(value: str | None) -> Cell:
    """A date: an ISO date, or the local date of an ISO date-time."""
    if not value:
        return Cell("", "")
    on = local_time(value).date() if "T" in value else dt.date.fromisoformat(value)
    return Cell(on, on.isoformat(), kind="date")


def duration(minutes: int | None) -> Cell:
    """Overdue by: 2 d 3 h / 3 h 15 min / 35 min (UI.md relative times)."""
    if minutes is None:
        return Cell("", "—", num=True)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        shown = _("{days} d {hours} h").format(days=days, hours=hours)
    elif hours:
        shown = _("{hours} h {minutes} min").format(hours=hours, minutes=mins)
    else:
        shown = _("{minutes} min").format(minutes=mins)
    return Cell(shown, shown, num=True)


def state_label(code: str) -> str:
    try:
        return str(State(code).label)
    except ValueError:
        return code


def _label(labels: Any, code: str) -> str:
    for key, label in labels.items():
        if str(key) == code:
            return str(label)
    return code


def chart(
    title: str,
    pairs: Iterable[tuple[str, Any]],
    *,
    colour: Callable[[str], str] | None = None,
    suffix: str = "",
    scale: Decimal | None = None,
) -> Chart:
    """A bar chart of (label, value) pairs; bars are sized against the largest value (or
    `scale`, e.g. 100 for percentages)."""
    items = [(label, Decimal(str(value))) for label, value in pairs]
    top = scale or max((v for _l, v in items), default=Decimal(0)) or Decimal(1)
    bars = [
        Bar(
            label=label,
            value=value,
            text=f"{value.normalize():f}{suffix}" if value else f"0{suffix}",
            percent=(value * 100 / top).quantize(Decimal("0.1")),
            colour=colour(label) if colour else DEFAULT_BAR,
        )
        for label, value in items
    ]
    return Chart(title, bars)


def counts_table(title: str, header: str, pairs: Iterable[tuple[str, int]]) -> Table:
    rows = [[text(label), number(n)] for label, n in pairs]
    return Table(
        title,
        [header, _("Count")],
        rows,
        footer=[text(_("Total")), number(sum(r[1].value for r in rows))],
    )


def _monthly_table(data: dict[str, Any]) -> Layout:
    states = [(state_label(code), n) for code, n in data["by_state"]]
    state_colour = {
        state_label(code): COLOURS[STATE_COLOUR[State(code)]] for code, _n in data["by_state"]
    }
    rows = data["rows"]
    layout = Layout("", "", _period(data))
    layout.cards = [
        (_("Complaints"), str(data["total"])),
        (_("Handling costs of the period"), core_domain.format_money(Decimal(data["costs_total"]))),
    ]
    layout.charts = [
        chart(_("By level"), data["by_level"]),
        chart(_("By state"), states, colour=lambda label: state_colour.get(label, DEFAULT_BAR)),
    ]
    layout.tables = [
        Table(
            _("Complaints of the period"),
            [
                _("No."),
                _("Number"),
                _("Received at"),
                _("Complainant"),
                _("Unit"),
                _("Summary"),
                _("Level"),
                _("Responsible department"),
                _("Handling result"),
                _("State"),
                _("Costs (yuan)"),
            ],
            [
                [
                    number(i),
                    text(r["number"]),
                    when(r["received_at"]),
                    text(r["complainant"]),
                    text(r["unit"]),
                    text(r["summary"]),
                    text(r["level"]),
                    text(r["department"]),
                    text(r["result"]),
                    text(state_label(r["state"])),
                    money(r["costs"]),
                ]
                for i, r in enumerate(rows, start=1)
            ],
            footer=[
                text(_("Total")),
                number(len(rows)),
                *[text("")] * 8,
                money(sum((Decimal(r["costs"]) for r in rows), Decimal("0.00"))),
            ],
            empty=_("No complaint was received in this period."),
        ),
        counts_table(_("Totals by level"), _("Level"), data["by_level"]),
        counts_table(_("Totals by state"), _("State"), states),
        Table(
            _("Complaint cost ledger"),
            [
                _("Date"),
                _("Complaint number"),
                _("Item"),
                _("Amount (yuan)"),
                _("Borne by"),
                _("Recorded by"),
            ],
            [
                [
                    day(c["spent_on"]),
                    text(c["number"]),
                    text(c["item"]),
                    money(c["amount"]),
                    text(c["borne_by"]),
                    text(c["recorded_by"]),
                ]
                for c in data["costs"]
            ],
            footer=[
                text(_("Total")),
                *[text("")] * 2,
                money(data["costs_total"]),
                text(""),
                text(""),
            ],
            empty=_("No handling cost was recorded in this period."),
        ),
    ]
    return layout


def _household_file(data: dict[str, Any]) -> Layout:
    layout = Layout("", "", _period(data))
    layout.cards = [
        (_("Households"), str(data["household_count"])),
        (_("Complaints closed"), str(data["complaint_count"])),
        (_("Work contact sheets"), str(data["sheet_count"])),
    ]
    layout.charts = [
        chart(
            _("Sheets per household"),
            [(h["household"], len(h["sheets"])) for h in data["households"]],
        )
    ]
    rows = []
    for household in data["households"]:
        for s in household["sheets"]:
            rows.append(
                [
                    text(household["household"]),
                    text(s["complaint"]),
                    text(s["complainant"]),
                    text(s["number"]),
                    text(s["department"]),
                    text(s["content"]),
                    when(s["deadline"]),
                    text(s["feedback"]),
                    when(s["fed_back_at"]),
                    text(_label({c.value: c.label for c in SheetState}, s["state"])),
                    day(s["closed_at"]),
                ]
            )
    layout.tables = [
        Table(
            _("Work contact sheets by household"),
            [
                _("Household"),
                _("Complaint number"),
                _("Complainant"),
                _("Sheet number"),
                _("Responsible department"),
                _("Content"),
                _("Handling deadline"),
                _("Feedback"),
                _("Fed back at"),
                _("Sheet state"),
                _("Closed on"),
            ],
            rows,
            group_first=True,
            empty=_("No complaint with work contact sheets was closed in this period."),
        )
    ]
    return layout


def _weekly_summary(data: dict[str, Any]) -> Layout:
    layout = Layout("", "", _period(data))
    layout.cards = [
        (_("Received"), str(data["received"])),
        (_("Cases closed"), str(data["closed"])),
        (_("Open at the end"), str(data["open"])),
        (_("Overdue"), str(len(data["overdue"]))),
    ]
    kinds = [(_label(KIND_LABELS, k), received) for k, received, _c, _o in data["by_kind"]]
    layout.charts = [
        chart(_("Received by kind"), kinds),
        chart(
            _("Received by level"),
            [(label, received) for label, received, _c, _o in data["by_level"]],
        ),
    ]
    headers = [_("Received"), _("Cases closed"), _("Open at the end")]

    def rows_of(items: list[list[Any]], labels: Any = None) -> list[list[Cell]]:
        return [
            [text(_label(labels, name) if labels else name), number(a), number(b), number(c)]
            for name, a, b, c in items
        ]

    def footer(items: list[list[Any]]) -> list[Cell]:
        return [text(_("Total")), *[number(sum(row[i] for row in items)) for i in (1, 2, 3)]]

    layout.tables = [
        Table(
            _("By kind"),
            [_("Kind"), *headers],
            rows_of(data["by_kind"], KIND_LABELS),
            footer(data["by_kind"]),
        ),
        Table(
            _("By level"),
            [_("Level"), *headers],
            rows_of(data["by_level"]),
            footer(data["by_level"]),
        ),
        Table(
            _("Overdue at the end of the period"),
            [_("Complaint number"), _("Timer"), _("Responsible"), _("Due at"), _("Outcome")],
            [
                [
                    text(o["number"]),
                    text(o["label"]),
                    text(o["responsible"]),
                    when(o["due_at"]),
                    text(_("Still open") if o["state"] == DeadlineState.OPEN else _("Met late")),
                ]
                for o in data["overdue"]
            ],
            alert_rows={
                i for i, o in enumerate(data["overdue"]) if o["state"] == DeadlineState.OPEN
            },
            empty=_("Nothing was overdue at the end of the period."),
        ),
    ]
    return layout


def _revisit_quota(data: dict[str, Any]) -> Layout:
    layout = Layout("", "", _period(data))
    if not data["has_quotas"]:
        layout.notes = [_("This project's policy sets no revisit quotas for managers.")]
        return layout
    rows = data["rows"]
    layout.cards = [
        (_("Managers with a quota"), str(len(rows))),
        (_("Short of their quota"), str(data["shortfalls"])),
    ]
    layout.charts = [
        chart(
            _("Revisits done"),
            [(f"{r['staff'] or _('(nobody)')} · {r['role']}", r["done"]) for r in rows],
            colour=lambda label: DEFAULT_BAR,
        )
    ]
    layout.tables = [
        Table(
            _("Revisits against the monthly quota"),
            [_("Staff member"), _("Role"), _("Quota"), _("Revisits done"), _("Short by")],
            [
                [
                    text(r["staff"] or _("(nobody holds this role)")),
                    text(r["role"]),
                    number(r["quota"]),
                    number(r["done"]),
                    number(r["shortfall"]),
                ]
                for r in rows
            ],
            alert_rows={i for i, r in enumerate(rows) if r["shortfall"] > 0},
        )
    ]
    return layout


def _service_summary(data: dict[str, Any]) -> Layout:
    layout = Layout("", "", _period(data))
    nature = data["nature"]
    satisfaction = data["satisfaction"]
    layout.cards = [
        (_("Received"), str(data["total"])),
        (_("Complaints"), str(nature["total"])),
        (_("Satisfaction rate"), f"{satisfaction['rate']}%" if satisfaction["rate"] else "—"),
    ]
    kinds = [(_label(KIND_LABELS, k), n) for k, n in data["by_kind"]]
    channels = [(_label(CHANNEL_LABELS, c), n) for c, n in data["by_channel"]]
    natures = [
        (_("Valid complaints"), nature["valid"]),
        (_("Invalid complaints"), nature["invalid"]),
        (_("Major complaints"), nature["major"]),
    ]
    if nature["internal"]:
        natures.append((_("Internal complaints"), nature["internal"]))
    satisfactions = [(str(Satisfaction(s).label), n) for s, n in satisfaction["rows"]]
    departments = [(name or _("Not assigned"), n) for name, n in data["by_department"]]
    layout.charts = [
        chart(_("By kind"), kinds),
        chart(_("By channel"), channels),
        chart(_("Complaints by nature"), natures),
        chart(_("Revisit satisfaction"), satisfactions),
    ]
    satisfaction_table = counts_table(_("Revisit satisfaction"), _("Satisfaction"), satisfactions)
    satisfaction_table.footer = [text(_("Satisfaction rate")), percent(satisfaction["rate"])]
    satisfaction_table.rows.append([text(_("Revisits")), number(satisfaction["total"])])
    layout.tables = [
        counts_table(_("By kind"), _("Kind"), kinds),
        counts_table(_("By channel"), _("Channel"), channels),
        Table(
            _("Complaints by nature"),
            [_("Nature"), _("Count")],
            [[text(label), number(n)] for label, n in natures]
            + [[text(_("All complaints")), number(nature["total"])]],
        ),
        counts_table(_("Complaints by responsible department"), _("Department"), departments),
        satisfaction_table,
    ]
    layout.notes = [
        _(
            "Valid complaints include the major ones. The satisfaction rate counts satisfied and "
            "fairly satisfied revisits of the period."
        )
    ]
    return layout


def _sales_office_statistics(data: dict[str, Any]) -> Layout:
    layout = Layout("", "", _period(data))
    penalties = [(_label(PENALTY_LABELS, p), n) for p, n in data["by_penalty"]]
    layout.cards = [
        (_("Complaints"), str(data["total"])),
        (_("Penalties issued"), str(len(data["penalties"]))),
    ]
    layout.charts = [
        chart(_("By level"), data["by_level"]),
        chart(_("By complained role"), data["by_target_role"]),
        chart(_("Penalties issued"), penalties, colour=lambda label: ALERT_BAR),
    ]
    layout.tables = [
        counts_table(_("By level"), _("Level"), data["by_level"]),
        counts_table(_("By complained role"), _("Complained role"), data["by_target_role"]),
        counts_table(
            _("By complained department"), _("Complained department"), data["by_target_department"]
        ),
        Table(
            _("Complaints of the period"),
            [
                _("Number"),
                _("Received at"),
                _("Level"),
                _("Complained role"),
                _("Complained department"),
                _("Complained person"),
                _("Summary"),
                _("State"),
                _("Cause analysis"),
                _("Corrective action"),
            ],
            [
                [
                    text(r["number"]),
                    when(r["received_at"]),
                    text(r["level"]),
                    text(r["target_role"]),
                    text(r["target_department"]),
                    text(r["target_staff"]),
                    text(r["summary"]),
                    text(state_label(r["state"])),
                    text(r["cause_analysis"]),
                    text(r["corrective_action"]),
                ]
                for r in data["rows"]
            ],
            empty=_("No complaint was received in this period."),
        ),
        Table(
            _("Penalties issued"),
            [
                _("Date"),
                _("Person"),
                _("Penalty"),
                _("Complaint number"),
                _("Level"),
                _("Decided by"),
                _("Note"),
            ],
            [
                [
                    day(p["decided_at"]),
                    text(p["staff"]),
                    text(_label(PENALTY_LABELS, p["penalty"])),
                    text(p["number"]),
                    text(p["level"]),
                    text(p["decided_by"]),
                    text(p["note"]),
                ]
                for p in data["penalties"]
            ],
            empty=_("No penalty was issued in this period."),
        ),
        counts_table(_("Penalties by type"), _("Penalty"), penalties),
    ]
    return layout


def _outcome(state: str) -> str:
    if state == DeadlineState.OPEN:
        return _("Still open")
    if state == DeadlineState.MET:
        return _("Met late")
    return _("Stopped")


def _sla_breaches(data: dict[str, Any]) -> Layout:
    layout = Layout("", "", _period(data))
    rows = data["rows"]
    layout.cards = [
        (_("Breaches"), str(data["total"])),
        (_("Still open"), str(data["still_open"])),
    ]
    layout.charts = [
        chart(
            _("Breach rate by timer"),
            [(t["label"], t["rate"]) for t in data["by_timer"]],
            colour=lambda label: ALERT_BAR,
            suffix="%",
            scale=Decimal(100),
        )
    ]
    layout.tables = [
        Table(
            _("Breach rate by timer"),
            [_("Timer"), _("Due in the period"), _("Breached"), _("Breach rate")],
            [
                [text(t["label"]), number(t["due"]), number(t["breached"]), percent(t["rate"])]
                for t in data["by_timer"]
            ],
            empty=_("No timer fell due in this period."),
        ),
        Table(
            _("Timers flagged overdue"),
            [
                _("Timer"),
                _("Complaint number"),
                _("Responsible"),
                _("Due at"),
                _("Flagged at"),
                _("Overdue by"),
                _("Outcome"),
            ],
            [
                [
                    text(r["label"]),
                    text(r["number"]),
                    text(r["responsible"]),
                    when(r["due_at"]),
                    when(r["overdue_at"]),
                    duration(r["late_minutes"]),
                    text(_outcome(r["state"])),
                ]
                for r in rows
            ],
            alert_rows={i for i, r in enumerate(rows) if r["state"] == DeadlineState.OPEN},
            empty=_("No timer was flagged overdue in this period."),
        ),
    ]
    return layout


LAYOUTS: dict[str, Callable[[dict[str, Any]], Layout]] = {
    reports.MONTHLY_TABLE: _monthly_table,
    reports.HOUSEHOLD_FILE: _household_file,
    reports.WEEKLY_SUMMARY: _weekly_summary,
    reports.REVISIT_QUOTA: _revisit_quota,
    reports.SERVICE_SUMMARY: _service_summary,
    reports.SALES_OFFICE_STATISTICS: _sales_office_statistics,
    reports.SLA_BREACHES: _sla_breaches,
}


def _period(data: dict[str, Any]) -> Period:
    return Period(dt.date.fromisoformat(data["start"]), dt.date.fromisoformat(data["end"]))


def layout(definition: ReportDef, data: dict[str, Any]) -> Layout:
    built = LAYOUTS[definition.key](data)
    built.title = str(definition.title)
    built.spec = definition.spec
    return built


# --- Excel -----------------------------------------------------------------------------------
def _kinds(table: Table) -> list[str]:
    """Each column's Excel kind, from the first row (or the footer) that has a value there."""
    kinds = ["text"] * len(table.headers)
    for row in [*table.rows, table.footer or []]:
        for i, cell in enumerate(row[: len(kinds)]):
            if kinds[i] == "text" and cell.value != "" and cell.kind != "text":
                kinds[i] = cell.kind
    return kinds


def xlsx_sheets(built: Layout, *, project_name: str, analysis: str = "") -> list[exports.Sheet]:
    """A summary sheet (title, period, figures, chart data, analysis), then one sheet per table
    with the same rows and totals as the page."""
    period = _("Period: {start} – {end}").format(start=built.period.start, end=built.period.end)
    summary_rows: list[list[Any]] = [[label, value] for label, value in built.cards]
    for chart_ in built.charts:
        summary_rows.append(["", ""])
        summary_rows.append([chart_.title, ""])
        summary_rows += [[bar.label, bar.value] for bar in chart_.bars]
    summary_rows += [[note, ""] for note in built.notes]
    if analysis:
        summary_rows += [["", ""], [_("Written analysis"), analysis]]
    sheets = [
        exports.Sheet(
            title=built.title,
            headers=[_("Item"), _("Value")],
            rows=summary_rows,
            kinds=["text", "int"],
            title_line=f"{project_name} {built.title}",
            subtitle_lines=[period],
        )
    ]
    for table in built.tables:
        sheets.append(
            exports.Sheet(
                title=table.title,
                headers=table.headers,
                rows=[[cell.value for cell in row] for row in table.rows],
                kinds=_kinds(table),
                totals=[cell.value for cell in table.footer] if table.footer else None,
            )
        )
    return sheets
