"""Stored deadlines of workflow entities and the sweep that reminds and escalates (R-GEN-07/08).

A workflow service that starts a timer calls `set_deadline` (inside its own transaction) with
the due time it computed (clock time per R-GEN-07 or working time from the project calendar)
and a one-sentence explanation; when the work is done it calls `meet_deadline`, and
`cancel_deadlines` when the record is withdrawn. The deadline lives in the database, never only
in memory.

`sweep_deadlines` (registered as the "core.deadlines" sweep) then, for every open deadline:

(a) reminds the responsible person once the reminder time has come (R-GEN-08 lead: 20% of the
    window before expiry), and
(b) at expiry flags it overdue, notifies the responsible person, escalates to `escalate_to` and
    writes "deadline.overdue" on the entity's timeline.

Rows are handled in batches of `SWEEP_BATCH`: the notices and the timeline event of every row
are composed in memory first, then one transaction marks the batch with one conditional UPDATE
(`… WHERE reminded_at IS NULL` / `overdue_at IS NULL` … RETURNING id) and inserts, in bulk,
the notices and events of exactly the rows that this UPDATE changed. A row whose composing
fails is left unmarked (no notice), so the next run handles it again; a crash rolls back the
whole open batch, marks included, which the next run redoes. The dedupe keys of the notices
make even a re-run after a partial commit harmless. Two sweeps running at once therefore never
notify twice: only one of them gets a row back from its UPDATE.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from propdesk.core import bulk
from propdesk.core.errors import Conflict, ValidationFailed
from propdesk.core.models import Deadline, Notification, Staff, TimelineEvent
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.models.notifications import Channel
from propdesk.core.services import notifications

logger = logging.getLogger(__name__)

DEFAULT_LEAD_RATIO = 0.2  # R-GEN-08 «reminder.lead = 20% of window»
# Rows per sweep transaction (PROPDESK_SWEEP_BATCH): larger batches sweep faster, smaller ones
# hold SQLite's single writer lock for less time.
SWEEP_BATCH = int(getattr(settings, "PROPDESK_SWEEP_BATCH", 200))
NOTICE_CHANNELS = (Channel.IN_APP, Channel.EMAIL)


def _entity_filter(entity: models.Model) -> dict[str, Any]:
    return {
        "content_type": ContentType.objects.get_for_model(entity),
        "object_id": str(entity.pk),
    }


def set_deadline(
    *,
    entity: models.Model,
    project_id: int,
    kind: str,
    label: str,
    starts_at: dt.datetime,
    due_at: dt.datetime,
    explanation: str = "",
    responsible: Staff | None = None,
    escalate_to: Staff | None = None,
    lead_ratio: float = DEFAULT_LEAD_RATIO,
    fresh: bool = False,
) -> Deadline:
    """Start (or restart) the `kind` timer of `entity`: any open deadline of the same entity and
    kind is cancelled and replaced. `remind_at = due_at − lead_ratio × (due_at − starts_at)`.

    Call it inside the transaction of the
    change that starts the timer; it takes part in that transaction. `fresh=True` says the
    entity was created in that same transaction (intake), so it has no open timer to cancel and
    no concurrent writer: the row is inserted directly (one statement instead of four).
    """
    row = new_deadline(
        entity=entity,
        project_id=project_id,
        kind=kind,
        label=label,
        starts_at=starts_at,
        due_at=due_at,
        explanation=explanation,
        responsible=responsible,
        escalate_to=escalate_to,
        lead_ratio=lead_ratio,
    )
    if fresh:
        row.save(force_insert=True)
        return row
    try:
        with transaction.atomic():
            cancel_deadlines(entity=entity, kinds=[kind])
            row.save(force_insert=True)
            return row
    except IntegrityError:
        # Another transaction set the same timer at the same moment (one open per kind).
        raise Conflict() from None


def new_deadline(
    *,
    entity: models.Model,
    project_id: int,
    kind: str,
    label: str,
    starts_at: dt.datetime,
    due_at: dt.datetime,
    explanation: str = "",
    responsible: Staff | None = None,
    escalate_to: Staff | None = None,
    lead_ratio: float = DEFAULT_LEAD_RATIO,
) -> Deadline:
    """The checked, unsaved deadline row `set_deadline` stores (a batch intake inserts the rows
    of new entities in one statement)."""
    errors: dict[str, list[Any]] = {}
    for name, value in (("starts_at", starts_at), ("due_at", due_at)):
        if timezone.is_naive(value):
            errors[name] = [_("Enter a date and time with a time zone")]
    if not errors and due_at < starts_at:
        errors["due_at"] = [_("The due time cannot be before the start")]
    if not 0 <= lead_ratio <= 1:
        errors["lead_ratio"] = [_("Enter a share between 0 and 1")]
    if errors:
        raise ValidationFailed(fields=errors)
    remind_at = due_at - (due_at - starts_at) * lead_ratio
    return Deadline(
        project_id=project_id,
        kind=kind,
        label=str(label)[:100],
        starts_at=starts_at,
        due_at=due_at,
        remind_at=remind_at,
        explanation=str(explanation),
        responsible=responsible,
        escalate_to=escalate_to,
        **_entity_filter(entity),
    )


def meet_deadline(
    *, entity: models.Model, kind: str, at: dt.datetime | None = None
) -> Deadline | None:
    """Mark the open `kind` deadline of `entity` met (at `at`, default now); None when there is
    no open one. A met deadline is never reminded nor flagged overdue."""
    at = at or timezone.now()
    with transaction.atomic():
        deadline = (
            Deadline.objects.select_for_update()
            .filter(state=DeadlineState.OPEN, kind=kind, **_entity_filter(entity))
            .first()
        )
        if deadline is None:
            return None
        deadline.state = DeadlineState.MET
        deadline.met_at = at
        deadline.save(update_fields=["state", "met_at"])
    return deadline


def cancel_deadlines(*, entity: models.Model, kinds: Sequence[str] | None = None) -> int:
    """Cancel the entity's open deadlines (of `kinds`, or all); returns how many."""
    open_ones = Deadline.objects.filter(state=DeadlineState.OPEN, **_entity_filter(entity))
    if kinds is not None:
        open_ones = open_ones.filter(kind__in=list(kinds))
    return open_ones.update(state=DeadlineState.CANCELLED)


def deadlines_of(entity: models.Model) -> models.QuerySet[Deadline]:
    """All deadlines of the entity (open, met, cancelled), soonest due first."""
    return Deadline.objects.filter(**_entity_filter(entity)).order_by("due_at", "id")


# --- the sweep ----------------------------------------------------------------------------
def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _notice_data(deadline: Deadline) -> dict[str, Any]:
    content_type = ContentType.objects.get_for_id(deadline.content_type_id)
    return {
        "deadline": deadline.pk,
        "kind": deadline.kind,
        "entity": f"{content_type.app_label}.{content_type.model}",
        "object_id": deadline.object_id,
        "due_at": deadline.due_at.isoformat(),
    }


# What one row contributes to its batch: the notices and timeline events to insert in bulk.
Writes = tuple[list[Notification], list[TimelineEvent]]


def _reminder_writes(deadline: Deadline, now: dt.datetime) -> Writes:
    """(a) One reminder to the responsible person (composed, not yet written)."""
    notices: list[Notification] = []
    if deadline.responsible is not None:
        notifications.notify(
            recipient=deadline.responsible,
            event="deadline.reminder",
            subject=_("{label} is due at {due}").format(
                label=deadline.label, due=_local(deadline.due_at)
            ),
            body=deadline.explanation,
            project=deadline.project,
            dedupe_key=f"deadline:{deadline.pk}:reminder",
            channels=NOTICE_CHANNELS,
            data=_notice_data(deadline),
            outbox=notices,
        )
    return notices, []


def _overdue_writes(deadline: Deadline, now: dt.datetime) -> Writes:
    """(b) Notice to the responsible person, escalation and the timeline event of an overdue
    deadline (composed, not yet written)."""
    data = _notice_data(deadline)
    responsible = deadline.responsible
    notices: list[Notification] = []
    if responsible is not None:
        notifications.notify(
            recipient=responsible,
            event="deadline.overdue",
            subject=_("{label} is overdue").format(label=deadline.label),
            body=deadline.explanation,
            project=deadline.project,
            dedupe_key=f"deadline:{deadline.pk}:overdue",
            channels=NOTICE_CHANNELS,
            data=data,
            outbox=notices,
        )
    if deadline.escalate_to is not None:
        notifications.notify(
            recipient=deadline.escalate_to,
            event="deadline.escalated",
            subject=_("{label} is overdue; responsible: {name}").format(
                label=deadline.label,
                name=responsible.name if responsible is not None else "-",
            ),
            body=deadline.explanation,
            project=deadline.project,
            dedupe_key=f"deadline:{deadline.pk}:escalated",
            channels=NOTICE_CHANNELS,
            data=data,
            outbox=notices,
        )
    events = []
    if ContentType.objects.get_for_id(deadline.content_type_id).model_class() is not None:
        # The same row `timeline.record_event` writes for a system actor, built here so the
        # batch inserts all its events in one statement.
        events.append(
            TimelineEvent(
                project_id=deadline.project_id,
                content_type_id=deadline.content_type_id,
                object_id=deadline.object_id,
                actor=None,
                actor_name="系统",
                actor_role="",
                at=now,
                action="deadline.overdue",
                note=deadline.label,
                data={"deadline": deadline.pk, "kind": deadline.kind, "due_at": data["due_at"]},
            )
        )
    return notices, events


def _mark(ids: list[int], column: str, now: dt.datetime) -> set[int]:
    """Set `column` (reminded_at / overdue_at) to `now` on those of `ids` that are still open
    and unmarked; returns the ids this statement changed. One conditional UPDATE … RETURNING
    for the batch (PostgreSQL; SQLite ≥ 3.35): of two sweeps racing for a row exactly one
    gets it back. Without RETURNING, one conditional UPDATE per row."""
    if not connection.features.can_return_columns_from_insert:
        return {
            pk
            for pk in ids
            if Deadline.objects.filter(
                pk=pk, state=DeadlineState.OPEN, **{f"{column}__isnull": True}
            ).update(**{column: now})
        }
    if column not in ("reminded_at", "overdue_at"):
        raise ValueError(column)
    qn = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(ids))
    # Only quoted names from the model go into the text; every value is a parameter.
    table, col, pk, state = (qn(n) for n in (Deadline._meta.db_table, column, "id", "state"))
    sql = f"UPDATE {table} SET {col} = %s WHERE {pk} IN ({placeholders}) AND {state} = %s AND {col} IS NULL RETURNING {pk}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [connection.ops.adapt_datetimefield_value(now), *ids, DeadlineState.OPEN]
        )
        return {row[0] for row in cursor.fetchall()}


# The columns composing a notice reads (a deferred one would cost a query per row; the query
# bound test catches that): loading whole staff and project rows was ~15 % of the sweep.
_STAFF_COLUMNS = ("id", "name", "email", "is_active")
BATCH_COLUMNS = (
    "id",
    "project__id",
    "content_type_id",
    "object_id",
    "kind",
    "label",
    "due_at",
    "explanation",
    *(f"responsible__{c}" for c in _STAFF_COLUMNS),
    *(f"escalate_to__{c}" for c in _STAFF_COLUMNS),
)


def _batch(queryset: models.QuerySet[Deadline], skip: set[int]) -> list[Deadline]:
    return list(
        queryset.exclude(pk__in=skip)
        .select_related("responsible", "escalate_to", "project")
        .only(*BATCH_COLUMNS)
        .order_by("due_at", "id")[:SWEEP_BATCH]
    )


def _handle_batch(
    batch: list[Deadline],
    compose: Any,
    column: str,
    now: dt.datetime,
    failed: list[tuple[int, Exception]],
) -> tuple[int, set[int]]:
    """One batch: compose every row's notices and event in memory, then in one transaction
    mark the rows (one conditional UPDATE) and insert the notices and events of the rows this
    run marked; returns (rows changed, ids to skip).

    A row whose composing raises is left out (no mark, no notice), logged, and retried by the
    next run. An interrupt (KeyboardInterrupt, SystemExit …) stops composing; the rows composed
    before it are still marked and written, then it propagates. A killed process loses the
    open transaction, marks included, so the next run redoes that batch whole.
    """
    composed: dict[int, Writes] = {}
    interrupt: BaseException | None = None
    skip: set[int] = set()
    for deadline in batch:
        try:
            composed[deadline.pk] = compose(deadline, now)
        except Exception as exc:
            logger.exception("deadline %s: sweep step failed", deadline.pk)
            failed.append((deadline.pk, exc))
            skip.add(deadline.pk)
        except BaseException as exc:
            interrupt = exc
            break
    marked: set[int] = set()
    if composed:
        with transaction.atomic():
            marked = _mark(list(composed), column, now)
            notices = [n for pk in marked for n in composed[pk][0]]
            events = [e for pk in marked for e in composed[pk][1]]
            notifications.write_outbox(notices)
            bulk.insert_rows(TimelineEvent, events)
    if interrupt is not None:
        raise interrupt
    skip |= set(composed) - marked  # handled by a concurrent sweep
    return len(marked), skip


def sweep_deadlines(*, now: dt.datetime | None = None) -> int:
    """Send due reminders and flag overdue deadlines (R-GEN-07/08); returns how many rows this
    run changed.

    Processes `SWEEP_BATCH` rows per transaction (`_handle_batch`): one conditional UPDATE
    marks the batch's rows and tells which ones this run changed, so two runs never notify
    twice, and the marks commit together with their notices and timeline events, so none is
    lost. A row whose handling raises
    is rolled back (no mark, no notice), logged, and retried by the next run; the other rows are
    still processed and the sweep then re-raises the first error so its JobRun is marked failed.
    Notice texts are written in the site language (zh-Hans first).
    """
    now = now or timezone.now()
    processed = 0
    failed: list[tuple[int, Exception]] = []
    steps = (
        (
            Deadline.objects.filter(
                state=DeadlineState.OPEN,
                remind_at__lte=now,
                due_at__gt=now,
                reminded_at__isnull=True,
            ),
            _reminder_writes,
            "reminded_at",
        ),
        (
            Deadline.objects.filter(
                state=DeadlineState.OPEN, due_at__lte=now, overdue_at__isnull=True
            ),
            _overdue_writes,
            "overdue_at",
        ),
    )
    with translation.override(settings.LANGUAGE_CODE):
        for queryset, compose, column in steps:
            # A handled row leaves the queryset (its mark is set); rows that failed or were
            # handled by a concurrent sweep are skipped explicitly, so the loop always ends.
            skip: set[int] = set()
            while batch := _batch(queryset, skip):
                changed, skipped = _handle_batch(batch, compose, column, now, failed)
                processed += changed
                skip |= skipped
    if failed:
        ids = ", ".join(str(pk) for pk, _exc in failed)
        raise RuntimeError(
            f"deadline sweep: {processed} processed, failed for deadline(s) {ids}"
        ) from failed[0][1]
    return processed
