"""The PropDesk API at /api/v1/ (django-ninja): OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs. Package routers are mounted here; errors are application/problem+json.

Authentication: `Authorization: Bearer pd_…` (see `propdesk token create`) or the browser session
with its CSRF token. Every answer that is not a success — including unknown paths under /api/v1/
and methods a path does not support — is a problem+json document (RFC 9457).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI, Swagger
from ninja.operation import Operation

from propdesk.complaints.api import router as complaints_router
from propdesk.core.api import router as core_router
from propdesk.core.api.common import (
    AUTH,
    PROBLEM_CONTENT_TYPE,
    install_error_handlers,
    method_not_allowed,
    not_found,
)
from propdesk.reception.api import router as reception_router


def _as_problem(view: Any) -> Any:
    """Ninja answers a method a path lacks with a bare 405 and Django's own 404 is HTML; turn
    both into problem+json."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found(request)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed(request, response["Allow"])
        return response  # type: ignore[no-any-return]

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]  # the auth classes check CSRF
    return wrapped


def _unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    return not_found(request)


class PropDeskAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _as_problem(pattern.callback)
        urls.append(re_path(r"^(?P<rest>.*)$", _unknown_path, name="unknown-path"))
        return urls

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        # Errors are served as application/problem+json (RFC 9457): document them so.
        for item in schema["paths"].values():
            for operation in item.values():
                if "requestBody" in operation:  # a body that is not JSON at all
                    operation["responses"].setdefault(
                        "400",
                        {
                            "description": "Bad Request",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ProblemOut"}
                                }
                            },
                        },
                    )
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content") or {}
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema

    def get_openapi_operation_id(self, operation: Operation) -> str:
        # Short, stable ids (`list_residents`, `link_resident`): handler names are unique.
        return str(operation.view_func.__name__)


api = PropDeskAPI(
    title="PropDesk API",
    version="1.0.0",
    description=(
        "物业客服与案场运营平台 API. Authenticate with `Authorization: Bearer pd_…` "
        "(`propdesk token create USERNAME`) or a logged-in browser session (send X-CSRFToken "
        "on unsafe methods). Errors are `application/problem+json`; lists take "
        "`page` and `page_size`."
    ),
    urls_namespace="api",
    auth=AUTH,
    # Swagger UI from the JS/CSS shipped inside django-ninja (ninja is an installed app), served
    # by whitenoise: the docs work on an intranet without any CDN.
    docs=Swagger(settings={"persistAuthorization": True}),
)
install_error_handlers(api)
api.add_router("", core_router)
api.add_router("", complaints_router)
api.add_router("", reception_router)
