"""API bearer tokens (`Authorization: Bearer pd_…`): create, revoke, authenticate.

Only the SHA-256 hash of a token is stored, with its first 8 characters as a recognisable prefix;
the token itself is shown once, when it is created. Creating and revoking are recorded on the
token's timeline (R-GEN-04).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.errors import NotFound, ValidationFailed
from propdesk.core.models import ApiToken, Staff
from propdesk.core.services.timeline import record_event
from propdesk.core.services.validation import Errors, check_text, raise_if

TOKEN_PREFIX = "pd_"  # noqa: S105 - the public marker of our tokens, not a secret
PREFIX_LENGTH = 8
# A token used again within this window does not rewrite `last_used_at`: no write per request.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _staff_of(user: Any) -> Staff | None:
    try:
        staff: Staff = user.staff
    except Staff.DoesNotExist:
        return None
    return staff


def create_token(
    *, user: User, name: str = "", expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns the stored row and the raw token (shown once)."""
    errors: Errors = {}
    check_text(errors, {"name": name}, "name", required=False, max_length=60)
    if expires_at is not None and (timezone.is_naive(expires_at) or expires_at <= timezone.now()):
        errors.setdefault("expires_at", []).append(_("The expiry must be in the future"))
    raise_if(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=raw[:PREFIX_LENGTH],
        key_hash=hash_token(raw),
        expires_at=expires_at,
    )
    with transaction.atomic():
        token.save()
        record_event(
            entity=token,
            action="token.created",
            actor=_staff_of(user),
            project_id=None,
            data={"prefix": token.prefix, "name": token.name},
        )
    return token, raw


def revoke_token(*, user: User | None, token_id: Any = None, prefix: str = "") -> ApiToken:
    """Revoke one of `user`'s tokens, found by id or prefix. `user=None` (the command line, run by
    an operator) may revoke anyone's token. Revoking twice keeps the first revocation time."""
    tokens = ApiToken.objects.select_related("user")
    if user is not None:
        tokens = tokens.filter(user=user)
    if token_id is not None:
        if not str(token_id).isdigit():
            raise NotFound()
        tokens = tokens.filter(pk=int(token_id))
    elif prefix:
        tokens = tokens.filter(prefix=prefix, revoked_at__isnull=True)
    else:
        raise ValidationFailed(fields={"prefix": [_("This field is required")]})
    with transaction.atomic():
        found = list(tokens.select_for_update(of=("self",))[:2])
        if not found:
            raise NotFound()
        if len(found) > 1:
            raise ValidationFailed(
                fields={"prefix": [_("Several tokens start like this; use the token id")]}
            )
        token = found[0]
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_event(
                entity=token,
                action="token.revoked",
                actor=_staff_of(token.user) if user is not None else None,
                project_id=None,
                data={"prefix": token.prefix},
            )
    return token


def authenticate_token(raw: str) -> Staff | None:
    """The active staff member a raw token belongs to, or None (unknown, revoked, expired, or the
    user or staff member deactivated). One query; `last_used_at` is written at most once a
    minute."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user__staff__company")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = token.user
    staff = _staff_of(user)
    if not user.is_active or staff is None or not staff.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return staff


def list_tokens(*, user: User | None) -> Any:
    """Tokens of one user (or of everyone for `user=None`), newest first; never the secret."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    return tokens if user is None else tokens.filter(user=user)
