"""Field validation helpers shared by the services: field-level errors in Chinese, collected
and raised together so the caller can show every problem at once and nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.errors import ValidationFailed

EARLIEST_DATE = dt.date(1900, 1, 1)
Errors = dict[str, list[Any]]


def plain(value: Any) -> Any:
    if isinstance(value, dt.date | Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def apply_changes(
    obj: Any, data: Mapping[str, Any], fields: tuple[str, ...]
) -> dict[str, list[Any]]:
    """Set the given fields, returning {field: [old, new]} for the timeline."""
    changes: dict[str, list[Any]] = {}
    for name in fields:
        if name not in data:
            continue
        try:
            old = getattr(obj, name)
        except ObjectDoesNotExist:  # an unset foreign key on a new object
            old = None
        new = data[name]
        if old != new:
            changes[name] = [plain(old), plain(new)]
            setattr(obj, name, new)
    return changes


def reject_unknown(data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    extra = sorted(set(data) - set(fields))
    if extra:
        raise ValidationFailed(fields={name: [_("Unknown field")] for name in extra})


def check_date(errors: Errors, data: Mapping[str, Any], name: str, *, future_days: int) -> None:
    value = data.get(name)
    if value is None or value == "":
        return
    if not isinstance(value, dt.date):
        errors.setdefault(name, []).append(_("Enter a date like 2026-11-22"))
        return
    latest = timezone.localdate() + dt.timedelta(days=future_days)
    if value < EARLIEST_DATE or value > latest:
        errors.setdefault(name, []).append(
            _("The date must be between {start} and {end}").format(start=EARLIEST_DATE, end=latest)
        )


def check_text(
    errors: Errors, data: Mapping[str, Any], name: str, *, required: bool, max_length: int
) -> None:
    if name not in data:
        if required:
            errors.setdefault(name, []).append(_("This field is required"))
        return
    value = data[name]
    if not isinstance(value, str):
        errors.setdefault(name, []).append(_("Enter text"))
    elif required and not value.strip():
        errors.setdefault(name, []).append(_("This field is required"))
    elif len(value) > max_length:
        errors.setdefault(name, []).append(_("At most {n} characters").format(n=max_length))


def check_choice(errors: Errors, data: Mapping[str, Any], name: str, choices: Any) -> None:
    if name in data and data[name] not in choices.values:
        errors.setdefault(name, []).append(_("Choose one of the listed options"))


def raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationFailed(fields=errors)


def stripped(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
