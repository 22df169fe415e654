"""Domain errors of PropDesk. Services raise them; the API maps them to application/problem+json
and the views show them beside the fields. Messages are lazily translated (zh-Hans first)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    INVALID = "invalid", _("Invalid input")
    NOT_FOUND = "not_found", _("Not found")
    FORBIDDEN = "forbidden", _("Permission denied")
    # the role lacks the permission itself (core.access), as opposed to a refusal of one step:
    # not the post, not one's slot on the complaint, not one's client (code "forbidden")
    PERMISSION_MISSING = "permission_missing", _("Your role does not include this permission")
    CONFLICT = "conflict", _("Conflict")
    TRANSITION_NOT_ALLOWED = "transition_not_allowed", _("Action not allowed in this state")


class DomainError(Exception):
    """Base class: a `code`, a human message and optional field-level messages."""

    status = 400
    default_code = ErrorCode.INVALID
    default_message: Any = _("Invalid input")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[Any]] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.code = code or str(self.default_code)
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    status = 422
    default_message = _("Please correct the highlighted fields")


class NotFound(DomainError):
    """Also raised for objects of projects the actor may not see: their existence is not revealed."""

    status = 404
    default_code = ErrorCode.NOT_FOUND
    default_message = _("Not found")


class Forbidden(DomainError):
    status = 403
    default_code = ErrorCode.FORBIDDEN
    default_message = _("You do not have permission to do this")


class Conflict(DomainError):
    status = 409
    default_code = ErrorCode.CONFLICT
    default_message = _("The record was changed by someone else; please reload")


class TransitionNotAllowed(DomainError):
    status = 409
    default_code = ErrorCode.TRANSITION_NOT_ALLOWED
    default_message = _("This action is not allowed in the current state")


def field_error(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(fields={field: [message]})
