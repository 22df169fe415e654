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

Each row is handled in its own transaction: a conditional UPDATE (`… WHERE reminded_at IS NULL`
/ `overdue_at IS NULL`) marks it, and only the run whose UPDATE changed the row sends the notices.
A crash (or an error) in the middle of a row rolls the mark back together with its notices, so
the next run handles the row again; the dedupe keys of the notices make even a re-run after a
partial commit harmless. Two sweeps running at once therefore never notify twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from propdesk.core.errors import Conflict, ValidationFailed
from propdesk.core.models import Deadline, Staff
from propdesk.core.models.deadlines import DeadlineState
from propdesk.core.models.notifications import Channel
from propdesk.core.services import notifications
from propdesk.core.services.timeline import record_event

logger = logging.getLogger(__name__)

DEFAULT_LEAD_RATIO = 0.2  # R-GEN-08 «reminder.lead = 20% of window»
SWEEP_BATCH = 200
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
) -> Deadline:
    """Start (or restart) the `kind` timer of `entity`: any open deadline of the same entity and
    kind is cancelled and replaced. `remind_at = due_at − lead_ratio × (due_at − starts_at)`.

    Call it inside the transaction of the
    change that starts the timer; it takes part in that transaction.
    """
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
    try:
        with transaction.atomic():
            cancel_deadlines(entity=entity, kinds=[kind])
            return Deadline.objects.create(
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
    except IntegrityError:
        # Another transaction set the same timer at the same moment (one open per kind).
        raise Conflict() from None


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


def _remind(deadline: Deadline, now: dt.datetime) -> bool:
    """(a) One reminder to the responsible person. True when this run sent it."""
    with transaction.atomic():
        marked = Deadline.objects.filter(
            pk=deadline.pk, state=DeadlineState.OPEN, reminded_at__isnull=True
        ).update(reminded_at=now)
        if not marked:
            return False
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
            )
    return True


def _flag_overdue(deadline: Deadline, now: dt.datetime) -> bool:
    """(b) Overdue flag, notice to the responsible person, escalation, timeline event — all or
    nothing. True when this run flagged it."""
    with transaction.atomic():
        marked = Deadline.objects.filter(
            pk=deadline.pk, state=DeadlineState.OPEN, overdue_at__isnull=True
        ).update(overdue_at=now)
        if not marked:
            return False
        data = _notice_data(deadline)
        responsible = deadline.responsible
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
            )
        model = ContentType.objects.get_for_id(deadline.content_type_id).model_class()
        if model is not None:
            # The timeline needs only the entity's type and key: a bare instance saves a query.
            record_event(
                entity=model(pk=deadline.object_id),
                action="deadline.overdue",
                actor=None,
                project_id=deadline.project_id,
                note=deadline.label,
                data={"deadline": deadline.pk, "kind": deadline.kind, "due_at": data["due_at"]},
                at=now,
            )
    return True


def _batch(queryset: models.QuerySet[Deadline], skip: set[int]) -> list[Deadline]:
    return list(
        queryset.exclude(pk__in=skip)
        .select_related("responsible", "escalate_to", "project")
        .order_by("due_at", "id")[:SWEEP_BATCH]
    )


def sweep_deadlines(*, now: dt.datetime | None = None) -> int:
    """Send due reminders and flag overdue deadlines; returns how many rows this run changed.

    Processes in batches of `SWEEP_BATCH`, one short transaction per row. A row whose handling
    raises is rolled back (no mark, no notice), logged, and retried by the next run; the other
    rows are still processed and the sweep then re-raises the first error so its JobRun is marked
    failed. Notice texts are written in the site language (zh-Hans first).
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
            _remind,
        ),
        (
            Deadline.objects.filter(
                state=DeadlineState.OPEN, due_at__lte=now, overdue_at__isnull=True
            ),
            _flag_overdue,
        ),
    )
    with translation.override(settings.LANGUAGE_CODE):
        for queryset, handle in steps:
            # A handled row leaves the queryset (its mark is set); rows that failed or were
            # handled by a concurrent sweep are skipped explicitly, so the loop always ends.
            skip: set[int] = set()
            while batch := _batch(queryset, skip):
                for deadline in batch:
                    try:
                        changed = handle(deadline, now)
                    except Exception as exc:
                        logger.exception("deadline %s: sweep step failed", deadline.pk)
                        failed.append((deadline.pk, exc))
                        changed = False
                    if changed:
                        processed += 1
                    else:
                        skip.add(deadline.pk)
    if failed:
        ids = ", ".join(str(pk) for pk, _exc in failed)
        raise RuntimeError(
            f"deadline sweep: {processed} processed, failed for deadline(s) {ids}"
        ) from failed[0][1]
    return processed
