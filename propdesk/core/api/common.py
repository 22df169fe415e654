"""What every API module shares: authentication (bearer token or session + CSRF), errors as
`application/problem+json` (RFC 9457) with field messages in the request's language, page
pagination, and the small helpers that turn request schemas into service arguments.

Handlers receive the acting `Staff` as `request.auth`.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import ConfigDict, field_validator

from propdesk.core import access
from propdesk.core.errors import DomainError, ErrorCode
from propdesk.core.models import Staff
from propdesk.core.services import tokens

logger = logging.getLogger("propdesk.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"


# --- authentication -----------------------------------------------------------------------
class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer pd_…` (tokens from `propdesk token create` or POST /tokens)."""

    def authenticate(self, request: HttpRequest, token: str) -> Staff | None:
        return tokens.authenticate_token(token.strip())


class StaffSessionAuth(APIKeyCookie):
    """The browser's Django session. Unsafe methods need the CSRF token (X-CSRFToken header),
    exactly as for the web UI; a request without a logged-in session is simply not authenticated
    by this scheme (so it ends as 401, not as a CSRF error)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Staff | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed()
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None) -> Staff | None:
        staff = getattr(request, "staff", None)  # set by CurrentProjectMiddleware
        return staff if staff is not None else access.staff_for_user(request.user)


AUTH = [BearerTokenAuth(), StaffSessionAuth()]


def actor_of(request: HttpRequest) -> Staff:
    staff: Staff = request.auth  # type: ignore[attr-defined]
    return staff


# --- problem+json -------------------------------------------------------------------------
class ProblemOut(Schema):
    """An error (RFC 9457 problem details) with PropDesk's `code` and field messages."""

    type: str = Field(examples=["urn:propdesk:error:invalid"])
    title: str
    status: int
    detail: str
    code: str
    errors: dict[str, list[str]] = Field(
        default_factory=dict, examples=[{"mobile": ["请输入11位手机号码,例如13800138000"]}]
    )


ERROR_RESPONSES: dict[int, type[Schema]] = {
    401: ProblemOut,
    403: ProblemOut,
    404: ProblemOut,
    422: ProblemOut,
}


def problem(
    *,
    status: int,
    code: str,
    title: Any,
    detail: Any = "",
    errors: Mapping[str, Iterable[Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body = {
        "type": f"urn:propdesk:error:{code}",
        "title": str(title),
        "status": status,
        "detail": str(detail or title),
        "code": code,
        "errors": {field: [str(m) for m in messages] for field, messages in (errors or {}).items()},
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _title_for(exc: DomainError) -> Any:
    for code in (str(exc.code), str(type(exc).default_code)):
        if code in ErrorCode.values:
            return ErrorCode(code).label
    return exc.default_message


def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem(
        status=exc.status,
        code=exc.code,
        title=_title_for(exc),
        detail=exc.message,
        errors=exc.fields,
    )


def not_found(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    return problem(status=404, code=ErrorCode.NOT_FOUND, title=ErrorCode.NOT_FOUND.label)


def not_authenticated(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    return problem(
        status=401,
        code="not_authenticated",
        title=_("Authentication required"),
        detail=_("Log in, or send an API token in the header Authorization: Bearer pd_…"),
        headers={"WWW-Authenticate": 'Bearer realm="propdesk"'},
    )


def csrf_failed(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    return problem(
        status=403,
        code="csrf_failed",
        title=ErrorCode.FORBIDDEN.label,
        detail=_("The CSRF check failed: send the csrftoken cookie's value as X-CSRFToken"),
    )


def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own HTTP errors; in practice a body that is not JSON (400)."""
    codes = {403: ErrorCode.FORBIDDEN, 404: ErrorCode.NOT_FOUND, 409: ErrorCode.CONFLICT}
    code = codes.get(exc.status_code, ErrorCode.INVALID)
    detail = _("The request body is not valid JSON") if exc.status_code == 400 else code.label
    return problem(status=exc.status_code, code=code, title=code.label, detail=detail)


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    return problem(
        status=405,
        code="method_not_allowed",
        title=_("Method not allowed"),
        detail=_("Use one of: {methods}").format(methods=allowed),
        headers={"Allow": allowed},
    )


def number_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """An integer beyond 64 bits in a filter or id reaches SQLite's parameter binding as an
    OverflowError (found by the API fuzz): the client's input is wrong, not the server."""
    return problem(
        status=422,
        code=ErrorCode.INVALID,
        title=ErrorCode.INVALID.label,
        detail=_("A number in the request is too large"),
    )


def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem(
        status=500,
        code="server_error",
        title=_("Server error"),
        detail=_("Something went wrong on our side; the error has been logged"),
    )


# Pydantic error types → the same messages the services use, so a field reads alike whether the
# schema or the service caught it. Placeholders are filled from the error's context.
_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required"),
    "int_parsing": _("Enter a whole number"),
    "int_type": _("Enter a whole number"),
    "int_from_float": _("Enter a whole number"),
    "float_parsing": _("Enter a number"),
    "float_type": _("Enter a number"),
    "decimal_parsing": _("Enter a number"),
    "decimal_type": _("Enter a number"),
    "decimal_max_digits": _("Enter a number"),
    "decimal_max_places": _("At most {decimal_places} decimal places"),
    "date_parsing": _("Enter a valid date like 2026-11-22"),
    "date_from_datetime_parsing": _("Enter a valid date like 2026-11-22"),
    "date_from_datetime_inexact": _("Enter a valid date like 2026-11-22"),
    "date_type": _("Enter a valid date like 2026-11-22"),
    "datetime_parsing": _("Enter a valid date and time like 2026-11-22T17:30:00+08:00"),
    "datetime_from_date_parsing": _("Enter a valid date and time like 2026-11-22T17:30:00+08:00"),
    "datetime_type": _("Enter a valid date and time like 2026-11-22T17:30:00+08:00"),
    "time_parsing": _("Enter a valid time like 17:30"),
    "time_type": _("Enter a valid time like 17:30"),
    "bool_parsing": _("Enter true or false"),
    "bool_type": _("Enter true or false"),
    "string_type": _("Enter text"),
    "string_too_long": _("At most {max_length} characters"),
    "string_too_short": _("At least {min_length} characters"),
    "greater_than_equal": _("Enter a value of at least {ge}"),
    "greater_than": _("Enter a value above {gt}"),
    "less_than_equal": _("Enter a value of at most {le}"),
    "less_than": _("Enter a value below {lt}"),
    "enum": _("Choose one of the listed options"),
    "literal_error": _("Choose one of the listed options"),
    "extra_forbidden": _("Unknown field"),
    "json_invalid": _("The request body is not valid JSON"),
    "model_attributes_type": _("Send a JSON object"),
    "model_type": _("Send a JSON object"),
    "dict_type": _("Send a JSON object"),
    "list_type": _("Send a list"),
}


def _message(error: Mapping[str, Any]) -> str:
    template = _MESSAGES.get(str(error.get("type")), _("Enter a valid value"))
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return str(template).format(**ctx)
    except (KeyError, IndexError):
        return str(_("Enter a valid value"))


def _field_key(loc: Iterable[Any]) -> str:
    """('body', 'payload', 'mobile') → 'mobile'; ('query', 'floor') → 'floor';
    ('path', 'resident_id') → 'resident_id'; ('body', 'payload') (the whole body) → 'body'."""
    parts = [str(p) for p in loc]
    source, rest = (parts[0], parts[1:]) if parts else ("body", [])
    if source == "body":
        rest = rest[1:]
    return ".".join(rest) or source


def field_errors(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        message = _message(error)
        messages = result.setdefault(_field_key(error.get("loc", ())), [])
        if message not in messages:
            messages.append(message)
    return result


def request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return problem(
        status=422,
        code=ErrorCode.INVALID,
        title=ErrorCode.INVALID.label,
        detail=_("Please correct the highlighted fields"),
        errors=field_errors(exc.errors),
    )


def install_error_handlers(api: Any) -> None:
    """Map every failure to problem+json; the most specific class wins (ninja walks the MRO)."""
    api.add_exception_handler(DomainError, domain_error)
    api.add_exception_handler(NinjaValidationError, request_invalid)
    api.add_exception_handler(AuthenticationError, not_authenticated)
    api.add_exception_handler(CsrfFailed, csrf_failed)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(OverflowError, number_out_of_range)
    api.add_exception_handler(Exception, server_error)


# --- pagination ---------------------------------------------------------------------------
# Largest value of a 64-bit integer column: a bigger id or offset cannot name a row.
DB_INT_MAX = 2**63 - 1


class PageInput(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


class PagePagination(PaginationBase):
    """`?page=1&page_size=50` → {"count", "page", "page_size", "results"}. The count is one
    query; the page is sliced in the database.

    `@paginate(PagePagination, on_page=f)` hands the loaded page to `f(request, items)`, which
    returns the items to show: a list with personal data masks the page there and logs what it
    shows in clear (one access-log row per project, R-GEN-09), once per request."""

    items_attribute = "results"

    def __init__(
        self,
        *,
        on_page: Callable[[HttpRequest, list[Any]], list[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.on_page = on_page

    class Input(PageInput):
        pass

    class Output(Schema):
        count: int
        page: int
        page_size: int
        results: list[Any]

    def paginate_queryset(
        self, queryset: Any, pagination: PageInput, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        size = pagination.page_size
        start = (pagination.page - 1) * size
        count = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        results = queryset[start : start + size]
        if self.on_page is not None:
            results = self.on_page(request, list(results))
        return {
            "count": count,
            "page": pagination.page,
            "page_size": size,
            "results": results,
        }


# --- request schemas ----------------------------------------------------------------------
class InputSchema(Schema):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def data_of(payload: Schema, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The fields the client sent (PATCH semantics), as plain values for a service's `data`."""
    data = payload.model_dump(exclude_unset=True, exclude=set(exclude))
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in data.items()}


class ListQuery(Schema):
    """Filters every list shares: free-text search and the project."""

    q: str = Field("", description="Search: name, pinyin initials, phone, number")
    project: int | None = Field(None, ge=-DB_INT_MAX - 1, le=DB_INT_MAX)


class ActiveQuery(ListQuery):
    active: bool | None = Field(True, description="true (default), false, or all")

    @field_validator("active", mode="before")
    @classmethod
    def _all_means_no_filter(cls, value: Any) -> Any:
        return None if value in ("", "all") else value
