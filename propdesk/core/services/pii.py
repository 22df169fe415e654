"""Key rotation for personal data encrypted at rest (docs/personal-data.md, R-GEN-09).

`rotate_pii_key` re-encrypts every resident's ID-card number under the current (first) key of
PROPDESK_PII_KEYS and recomputes its lookup hash under the current PROPDESK_PII_HASH_KEY. It runs
in batches, each its own short transaction with the rows locked, so it is safe beside a running
server and can be run again after an interruption: a row already under the current key is simply
written again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction
from django.db.models.functions import Cast

from propdesk.core import crypto
from propdesk.core.models import Resident

BATCH = 500
_TOKEN_FIELDS = ["id_number", "id_number_hash", "id_number_tail"]


@dataclass(frozen=True)
class RotationResult:
    rows: int  # rows with a number, all written again
    were_stale: int  # of those, encrypted under an older key before


def _raw_tokens(ids: list[int] | None = None) -> list[tuple[int, str]]:
    """(pk, stored token) without decrypting: a cast to a plain CharField skips the converter."""
    qs = Resident.objects.exclude(id_number_hash="")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    raw = Cast("id_number", output_field=models.CharField(max_length=200))
    return list(qs.annotate(raw=raw).order_by("pk").values_list("pk", "raw"))


def stale_rows() -> int:
    """Rows still encrypted under an older key: 0 means the old key may be dropped."""
    return sum(1 for _pk, token in _raw_tokens() if token and not crypto.is_current(token))


def rotate_pii_key(*, batch_size: int = BATCH) -> RotationResult:
    """Re-encrypt all ID-card numbers under the current key and rehash them (see module doc)."""
    ids = [pk for pk, token in _raw_tokens() if token]
    rows = stale = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        with transaction.atomic():
            # Locked, then read: an edit made meanwhile by a clerk is not overwritten.
            residents = list(Resident.objects.select_for_update().filter(pk__in=chunk))
            tokens = dict(_raw_tokens([r.pk for r in residents]))
            stale += sum(1 for r in residents if not crypto.is_current(tokens.get(r.pk, "")))
            for resident in residents:
                # Loading decrypted it with whichever key fits; saving encrypts with the first.
                resident.id_number_hash = crypto.lookup_hash(resident.id_number)
                resident.id_number_tail = crypto.normalise_id_number(resident.id_number)[-4:]
            Resident.objects.bulk_update(residents, _TOKEN_FIELDS)
            rows += len(residents)
    return RotationResult(rows=rows, were_stale=stale)
