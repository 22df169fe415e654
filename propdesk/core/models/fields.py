"""Model fields for personal data kept encrypted at rest (PIPL, R-GEN-09).

`EncryptedCharField` holds clear text in Python and a Fernet token in the database, so code that
reads `resident.id_number` keeps working. A token differs on every save, so the field refuses
comparisons (`filter(id_number=…)` raises FieldError): look values up through a
`LookupHashField`, which fills itself from its source field on every save and bulk_create.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from propdesk.core import crypto


class EncryptedCharField(models.CharField):  # type: ignore[type-arg]
    """A string stored as a Fernet token (`propdesk.core.crypto`); "" is stored as ""."""

    # Only "is it set?" can be asked of a ciphertext; everything else must go through a hash.
    _ALLOWED_LOOKUPS = frozenset({"isnull"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)  # an 18-character number makes a 120-char token
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in self._ALLOWED_LOOKUPS:
            return None  # Django then raises FieldError "Unsupported lookup"
        return super().get_lookup(lookup_name)


class DerivedField(models.CharField):  # type: ignore[type-arg]
    """A column computed on save from another field's clear value (`source`), never edited."""

    default_length = 64

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", self.default_length)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def derive(self, clear: str) -> str:
        raise NotImplementedError

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.derive(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


class LookupHashField(DerivedField):
    """HMAC-SHA256 (hex) of another field's normalised clear value, computed on save."""

    def derive(self, clear: str) -> str:
        return crypto.lookup_hash(clear)


class ClearTailField(DerivedField):
    """The last `max_length` characters of another field in clear, computed on save: the part a
    masked display already shows to every role (110***********1234), kept for suffix search."""

    default_length = 4

    def derive(self, clear: str) -> str:
        number = crypto.normalise_id_number(clear)
        return number[-self.max_length :] if number and self.max_length else ""
