"""Encryption at rest and keyed lookup hashes for personal data (PIPL 个人信息保护法, R-GEN-09).

- `encrypt` / `decrypt`: authenticated encryption (Fernet: AES-128-CBC + HMAC-SHA256) under the
  keys of `PROPDESK_PII_KEYS` (comma-separated, newest first). New values are encrypted with the
  first key; every listed key still decrypts, so a key rotation is "add the new key in front, run
  `propdesk rotate-pii-key`, then drop the old key" (docs/personal-data.md).
- `lookup_hash`: HMAC-SHA256 of the normalised value under `PROPDESK_PII_HASH_KEY`, stored beside
  the ciphertext for exact lookup and the per-project uniqueness check, since ciphertexts of one
  value differ every time.

Without the environment variables both keys are derived from SECRET_KEY. That keeps development
and tests working with no set-up, but it ties the data to SECRET_KEY: production must set both,
and `propdesk check --deploy` warns when it does not (`check_pii_keys`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Labels keep the two derived keys independent of each other and of Django's own uses.
_ENCRYPTION_LABEL = b"propdesk.pii.encryption.v1"
_HASH_LABEL = b"propdesk.pii.lookup-hash.v1"


class UndecryptableValue(ImproperlyConfigured):
    """A stored value none of the configured keys can decrypt: a key was dropped before
    `propdesk rotate-pii-key` re-encrypted the rows under the new one, or the data was altered."""


def _derived(label: bytes) -> bytes:
    return hmac.new(str(settings.SECRET_KEY).encode(), label, hashlib.sha256).digest()


def _configured_keys() -> tuple[str, ...]:
    keys = getattr(settings, "PII_KEYS", None) or ()
    return tuple(k.strip() for k in keys if k and k.strip())


def encryption_keys() -> tuple[str, ...]:
    """The Fernet keys, current first; one derived from SECRET_KEY when none is configured."""
    return _configured_keys() or (base64.urlsafe_b64encode(_derived(_ENCRYPTION_LABEL)).decode(),)


def encryption_key_is_derived() -> bool:
    return not _configured_keys()


def hash_key_is_derived() -> bool:
    return not (getattr(settings, "PII_HASH_KEY", "") or "").strip()


def _hash_key() -> bytes:
    configured = (getattr(settings, "PII_HASH_KEY", "") or "").strip()
    return configured.encode() if configured else _derived(_HASH_LABEL)


def generate_key() -> str:
    """A new random key for PROPDESK_PII_KEYS (also fine as PROPDESK_PII_HASH_KEY)."""
    return Fernet.generate_key().decode()


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, binascii.Error) as exc:
        raise ImproperlyConfigured(
            "PROPDESK_PII_KEYS: every key must be 32 url-safe base64-encoded bytes "
            "(make one with `propdesk rotate-pii-key --generate`)"
        ) from exc


def encrypt(value: str) -> str:
    """A Fernet token (ASCII) for `value`; the empty string stays empty."""
    if not value:
        return ""
    return _fernet(encryption_keys()).encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The clear text of a token made by `encrypt` under any configured key."""
    if not token:
        return ""
    try:
        return _fernet(encryption_keys()).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        raise UndecryptableValue(
            "A personal-data value cannot be decrypted with the keys in PROPDESK_PII_KEYS; "
            "put the previous key back (after the current one) and run `propdesk rotate-pii-key`"
        ) from None


def is_current(token: str) -> bool:
    """Whether `token` is already encrypted under the current (first) key."""
    if not token:
        return True
    try:
        Fernet(encryption_keys()[0]).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def rotate(token: str) -> str:
    """The same clear text re-encrypted under the current key (raises like `decrypt`)."""
    if not token:
        return ""
    try:
        return _fernet(encryption_keys()).rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise UndecryptableValue(
            "A personal-data value cannot be decrypted with the keys in PROPDESK_PII_KEYS"
        ) from None


def normalise_id_number(value: str) -> str:
    """The form every ID-card number is hashed in: no blanks or hyphens, upper-case X."""
    return "".join((value or "").split()).replace("-", "").upper()


def lookup_hash(value: str) -> str:
    """HMAC-SHA256 (hex) of the normalised ID-card number; "" for an empty value."""
    normalised = normalise_id_number(value)
    if not normalised:
        return ""
    return hmac.new(_hash_key(), normalised.encode(), hashlib.sha256).hexdigest()


@checks.register(checks.Tags.security, deploy=True)
def check_pii_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`propdesk check --deploy`: production must not derive the personal-data keys."""
    messages: list[checks.CheckMessage] = []
    if encryption_key_is_derived():
        messages.append(
            checks.Warning(
                "PROPDESK_PII_KEYS is not set: ID-card numbers are encrypted with a key derived "
                "from the SECRET_KEY.",
                hint="Set PROPDESK_PII_KEYS to a key made with `propdesk rotate-pii-key "
                "--generate` and keep it apart from the database backups "
                "(docs/personal-data.md).",
                id="propdesk_pii.W001",
            )
        )
    else:
        try:
            _fernet(encryption_keys())
        except ImproperlyConfigured as exc:
            messages.append(checks.Error(str(exc), id="propdesk_pii.E001"))
    if hash_key_is_derived():
        messages.append(
            checks.Warning(
                "PROPDESK_PII_HASH_KEY is not set: the lookup hash of ID-card numbers uses a key "
                "derived from the SECRET_KEY.",
                hint="Set PROPDESK_PII_HASH_KEY to a long random value (docs/personal-data.md).",
                id="propdesk_pii.W002",
            )
        )
    return messages
