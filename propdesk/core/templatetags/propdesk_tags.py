"""Template filters and tags of the PropDesk UI (UI.md "Conventions for Chinese users").

Dates `2026-11-22`, weekday dates `11月22日 周日`, 24-hour times, money `¥1,234.50`, areas
`89.50 ㎡`, all in Asia/Shanghai; and the reusable timeline partial of any entity.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core import domain
from propdesk.core.services.timeline import timeline_of

register = template.Library()

WEEKDAYS = [
    _("Mon"),
    _("Tue"),
    _("Wed"),
    _("Thu"),
    _("Fri"),
    _("Sat"),
    _("Sun"),
]

# Labels of timeline actions. Packages add their own verbs with `ACTION_LABELS.update(...)`
# in their AppConfig.ready(); an unknown action is shown as its code.
ACTION_LABELS: dict[str, Any] = {
    "project.created": _("Project created"),
    "project.updated": _("Project settings changed"),
    "building.created": _("Building created"),
    "building.updated": _("Building changed"),
    "building.deleted": _("Building deleted"),
    "unit.created": _("Unit created"),
    "unit.updated": _("Unit changed"),
    "unit.deleted": _("Unit deleted"),
    "resident.created": _("Resident registered"),
    "resident.updated": _("Resident changed"),
    "resident.linked": _("Linked to a unit"),
    "resident.unlinked": _("Link to a unit ended"),
    "department.created": _("Department created"),
    "department.updated": _("Department changed"),
    "department.deleted": _("Department deleted"),
    "staff.created": _("Staff member created"),
    "staff.updated": _("Staff member changed"),
    "staff.role_granted": _("Role granted"),
    "staff.role_revoked": _("Role revoked"),
    "calendar.hours_changed": _("Business hours changed"),
    "calendar.override_set": _("Special day set"),
    "calendar.override_removed": _("Special day removed"),
    "deadline.overdue": _("Overdue"),
    # Complaints (propdesk.complaints): the workflow verbs of `workflows.ACTION_EVENTS` carry
    # their action's label; the records around a complaint their own (as printed).
    "complaint.received": _("Complaint registered"),
    "complaint.read_back": _("Read back and confirmed"),
    "complaint.classified": _("Classify"),
    "complaint.verified": _("Verify"),
    "complaint.transferred": _("Transfer"),
    "complaint.accepted": _("Accept with a deadline"),
    "complaint.fed_back": _("Report result"),
    "complaint.replied": _("Reply to customer"),
    "complaint.revisited": _("Revisit"),
    "complaint.reopened": _("Order rectification"),
    "complaint.reviewed": _("Manager review"),
    "complaint.closed": _("Close case"),
    "complaint.archived": _("File to archive"),
    "complaint.explained": _("Explain"),
    "complaint.declined": _("Decline tactfully"),
    "complaint.answered_on_spot": _("Answer on the spot"),
    "complaint.forwarded": _("Forward out"),
    "complaint.praise_reported": _("Report praise"),
    "complaint.commended": _("Commend"),
    "complaint.chased": _("Chase"),
    "complaint.contacted": _("Contact customer"),
    "complaint.upgraded": _("Raise level"),
    "complaint.escalated": _("Escalate"),
    "complaint.cost_added": _("Add cost"),
    "complaint.promise_recorded": _("Record promise"),
    "complaint.decided": _("Record company decision"),
    "complaint.sheet_drafted": _("Contact sheet drafted"),
    "complaint.sheet_approved": _("Contact sheet approved"),
    "complaint.letter_drafted": _("Reply letter drafted"),
    "complaint.letter_signed": _("Reply letter co-signed"),
    "complaint.letter_reviewed": _("Reply letter reviewed by legal"),
    "complaint.letter_returned": _("Reply letter returned by legal"),
    "complaint.letter_revised": _("Reply letter revised"),
    "complaint.letter_issued": _("Reply letter issued"),
    "complaint.analysed": _("Cause analysis recorded"),
    "complaint.closure_approved": _("Closure approved by the chairman"),
    "complaint.penalised": _("Penalty recorded"),
    "complaint.grouped": _("Added to a group issue"),
}


def _local(value: dt.datetime | dt.date) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def ymd(value: dt.date | dt.datetime | None) -> str:
    """2026-11-22 (Asia/Shanghai for aware datetimes)."""
    if not value:
        return ""
    return f"{_local(value):%Y-%m-%d}"


@register.filter
def hm(value: dt.datetime | dt.time | None) -> str:
    """17:30, 24-hour clock."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value)  # type: ignore[assignment]
    return f"{value:%H:%M}"


@register.filter
def ymd_hm(value: dt.datetime | None) -> str:
    """2026-11-22 17:30 (Asia/Shanghai)."""
    if not value:
        return ""
    return f"{_local(value):%Y-%m-%d %H:%M}"


@register.filter
def weekday(value: dt.date | dt.datetime | None) -> str:
    """周日 / Sun."""
    if not value:
        return ""
    return str(WEEKDAYS[_local(value).weekday()])


@register.filter
def md_weekday(value: dt.date | dt.datetime | None) -> str:
    """11月22日 周日 (Chinese) / Nov 22 Sun (English)."""
    if not value:
        return ""
    local = _local(value)
    return str(_("{month}/{day} {weekday}")).format(
        month=local.month, day=local.day, weekday=WEEKDAYS[local.weekday()]
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value: Any) -> str:
    """¥1,234.50."""
    number = _decimal(value)
    return "" if number is None else domain.format_money(number)


@register.filter
def area(value: Any) -> str:
    """89.50 ㎡."""
    number = _decimal(value)
    return "" if number is None else f"{domain.quantize_area(number):,.2f} ㎡"


def _duration(seconds: int) -> str:
    """2天3小时 / 2小时15分 / 35分 (largest two units)."""
    minutes = max(seconds, 0) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return str(_("{days} d {hours} h")).format(days=days, hours=hours)
    if hours:
        return str(_("{hours} h {minutes} min")).format(hours=hours, minutes=mins)
    return str(_("{minutes} min")).format(minutes=mins)


@register.simple_tag
def deadline_state(
    starts_at: dt.datetime, due_at: dt.datetime, now: dt.datetime | None = None
) -> dict[str, str]:
    """UI.md deadlines: more than 25% of the window left — neutral; less — amber; overdue — red
    with the overdue duration. Returns {"css", "text"}; `now` is for tests."""
    now = now or timezone.now()
    left = int((due_at - now).total_seconds())
    window = max(int((due_at - starts_at).total_seconds()), 1)
    if left < 0:
        text = str(_("Overdue by {duration}")).format(duration=_duration(-left))
        return {"css": "overdue", "text": text}
    text = str(_("{duration} left")).format(duration=_duration(left))
    return {"css": "due-soon" if left < window / 4 else "due-ok", "text": text}


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _choice_label(model: type[models.Model] | None, field_name: str, value: Any) -> str:
    """The display label of a stored choice value ('vacant' → 已交付未入住), else the value."""
    if value is None or value == "":
        return "—"
    if model is not None:
        try:
            field = model._meta.get_field(field_name)
        except FieldDoesNotExist:  # a renamed or removed field: show the raw value
            return str(value)
        choices = dict(getattr(field, "flatchoices", None) or [])
        if value in choices:
            return str(choices[value])
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    return str(value)


def _field_label(model: type[models.Model] | None, name: str) -> str:
    if model is not None:
        try:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
        except FieldDoesNotExist:  # a key that is not a field
            return name
    return name


@register.inclusion_tag("core/partials/timeline.html")
def timeline(entity: models.Model, state_field: str = "status") -> dict[str, Any]:
    """The entity's timeline (R-GEN-04): time, actor + role, action, from → to, note and the
    changed fields (old → new). Usage: `{% timeline object %}`; one query."""
    model = type(entity)
    rows = []
    for event in timeline_of(entity):
        changes = (event.data or {}).get("changes") or {}
        rows.append(
            {
                "event": event,
                "label": action_label(event.action),
                "from": _choice_label(model, state_field, event.from_state)
                if event.from_state
                else "",
                "to": _choice_label(model, state_field, event.to_state) if event.to_state else "",
                "changes": [
                    {
                        "field": _field_label(model, name),
                        "old": _choice_label(model, name, pair[0]),
                        "new": _choice_label(model, name, pair[1]),
                    }
                    for name, pair in changes.items()
                    if isinstance(pair, list | tuple) and len(pair) == 2
                ],
            }
        )
    return {"rows": rows}


@register.simple_tag(takes_context=True)
def nav_active(context: template.Context, *prefixes: str) -> str:
    """'is-active' when the current URL name starts with one of the prefixes."""
    match = getattr(context.get("request"), "resolver_match", None)
    name = match.view_name if match else ""
    return "is-active" if any(name.startswith(p) for p in prefixes) else ""
