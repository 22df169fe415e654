"""Gap-free document numbers per project, form type and year (R-GEN-03, SPEC §19).

A number looks like `TS-2026-000123`: the form's code, the year, and a sequence padded to the
form's `digits`. The counter row (`DocumentCounter`) is locked with SELECT … FOR UPDATE inside the
transaction that creates the record, so:

- two clerks never get the same number (the second waits for the first to commit), and
- a rolled-back record gives its number back: the counter's increment rolls back with it, so the
  next record gets the same number and the sequence has no gaps.

The price is that records of one form type and project are numbered one transaction at a time;
keep the numbering transaction short (number last, just before saving the record).

On SQLite there are no row locks, but every transaction starts with BEGIN IMMEDIATE (settings),
which takes the database write lock at once and serialises writers the same way.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.errors import ValidationFailed
from propdesk.core.models import DocumentCounter, DocumentType, Project


def _document_type(project: Project, key: str) -> DocumentType:
    try:
        return DocumentType.objects.get(project=project, key=key)
    except DocumentType.DoesNotExist:
        raise ValidationFailed(
            _("Unknown form type: {key}").format(key=key),
            fields={"key": [_("This form type is not configured for the project")]},
        ) from None


def format_number(*, code: str, year: int, seq: int, digits: int) -> str:
    """`TS`, 2026, 123, 6 → `TS-2026-000123`."""
    return f"{code}-{year}-{seq:0{digits}d}"


def next_number(*, project: Project, key: str, on: dt.date | None = None) -> str:
    """Issue the next number of form `key` in `project` for the year of `on` (the local
    Asia/Shanghai date; default today).

    Must be called inside the caller's `transaction.atomic()` that also saves the record: the
    counter stays locked until that transaction ends, and rolls back with it. Unknown `key` →
    ValidationFailed.
    """
    return next_numbers(project=project, key=key, on=on, count=1)[0]


def next_numbers(*, project: Project, key: str, count: int, on: dt.date | None = None) -> list[str]:
    """`count` consecutive numbers of form `key` (a batch intake numbers its records in the
    order given): one locked counter update for all of them, same rules as `next_number`."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "next_number() must run inside the transaction that saves the numbered record"
        )
    if count < 1:
        return []
    doc_type = _document_type(project, key)
    year = (on or timezone.localdate()).year
    counters = DocumentCounter.objects.select_for_update(no_key=True).filter(
        project=project, key=key, year=year
    )
    counter = counters.first()
    if counter is None:
        # First number of the year: create the row race-free (a concurrent creator makes this a
        # no-op; on PostgreSQL the INSERT waits for the other transaction), then lock it.
        DocumentCounter.objects.bulk_create(
            [DocumentCounter(project=project, key=key, year=year, last_value=0)],
            ignore_conflicts=True,
        )
        counter = counters.get()
    first = counter.last_value + 1
    counter.last_value += count  # safe read-modify-write: the row is locked until commit
    counter.save(update_fields=["last_value"])
    return [
        format_number(code=doc_type.code, year=year, seq=seq, digits=doc_type.digits)
        for seq in range(first, counter.last_value + 1)
    ]


def record_name(*, project: Project, key: str) -> str:
    """The record name the procedures print on the form, e.g. `地王/客服记录-17` (empty for
    forms without one). Unknown `key` → ValidationFailed."""
    return _document_type(project, key).record_name
