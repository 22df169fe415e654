"""Insert many new rows of one model with a single prepared statement (`executemany`).

`QuerySet.bulk_create` prepares every value of every row through the field's full conversion
chain and builds one SQL text per ~50 rows on SQLite; for the deadline sweep's notices and
timeline events (thousands per run, ~20 columns each) that was ~45 % of the sweep's time.
Here the conversion is chosen once per field: plain attributes (text, numbers, foreign-key ids)
go as they are, date-times through the backend's adapter, anything else (JSON …) through the
field's own `get_db_prep_save`. `auto_now_add` fields get the insert time, as with `save()`.

Rows are not read back (no primary keys are set on the objects). `ignore_conflicts` skips rows
that would violate a unique constraint, like `bulk_create(ignore_conflicts=True)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.constants import OnConflict
from django.utils import timezone

# Exact classes only: a subclass (an encrypted field …) keeps its own conversion.
_TEXT = {models.CharField, models.TextField, models.SlugField}
_NUMBER = {
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveBigIntegerField,
}


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a Python value of `field` becomes a query parameter (None: as it is)."""
    kind = type(field)
    if kind is models.ForeignKey or kind is models.BooleanField:
        return None
    if kind in _TEXT:  # str(): a TextChoices member goes as its plain value
        return lambda value: None if value is None else str(value)
    if kind in _NUMBER:
        return lambda value: None if value is None else int(value)
    if kind is models.DateTimeField:
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: None if value is None else adapt(value)
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(
    model: type[models.Model], objs: Sequence[models.Model], *, ignore_conflicts: bool = False
) -> None:
    """INSERT `objs` (new, unsaved instances of `model`) in one `executemany`."""
    if not objs:
        return
    meta = model._meta
    # not the auto-increment key (the database numbers the rows)
    fields = [f for f in meta.concrete_fields if not getattr(f, "db_returning", False)]
    converters = [_converter(f) for f in fields]
    now = timezone.now()
    stamped = [f.attname for f in fields if getattr(f, "auto_now_add", False)]
    qn = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = "{} {} ({}) VALUES ({}){}".format(
        connection.ops.insert_statement(on_conflict=on_conflict),
        qn(meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        " " + connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
        if on_conflict
        else "",
    )
    params = []
    for obj in objs:
        for attname in stamped:
            if getattr(obj, attname) is None:
                setattr(obj, attname, now)
        row = []
        for field, convert in zip(fields, converters, strict=True):
            value = getattr(obj, field.attname)
            row.append(value if convert is None else convert(value))
        params.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
