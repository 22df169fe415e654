"""schemathesis against the live OpenAPI document (/api/v1/openapi.json), called in-process
through Django's WSGI application as a project manager of a seeded sales centre.

For every operation: no 5xx, the status code is documented, the body matches the documented
schema and every error is problem+json (RFC 9457). Examples are bounded and derandomized and
shrinking is off, so the whole module stays well under two minutes. What the fuzz found is
pinned as regular regression tests at the end of this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from propdesk.core.services import tokens
from propdesk.core.tests.fuzz_world import world_fixture

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 6  # per operation, derandomized: bounded so `make test` stays fast
PROBLEM = "application/problem+json"

world = world_fixture()


@pytest.fixture(scope="module")
def _keep_test_connection() -> Iterator[None]:
    """The WSGI handler closes "old" connections around each request; inside the test's
    transaction that would mark it for rollback. Django's test client unhooks the same signals."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _load_schema() -> Any:
    # The live document, fetched through the WSGI app exactly as a client would.
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    loaded.config.generation.update(
        modes=["positive", "negative"],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        no_shrink=True,
        database="none",
    )
    return loaded


schema = _load_schema()


def problem_json_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx answer is an RFC 9457 problem document with PropDesk's fields."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("Content-Type", response.headers.get("content-type", ""))
    if isinstance(content_type, list):
        content_type = content_type[0]
    assert content_type.startswith(PROBLEM), f"{response.status_code} is {content_type!r}"
    body = json.loads(response.content)
    assert body["status"] == response.status_code
    assert {"type", "title", "detail", "code", "errors"} <= set(body)
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    problem_json_errors,
]


@pytest.fixture
def bearer(world: dict[str, dict[str, Any]], _keep_test_connection: None) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create_token(user=world['A']['manager'].user)[1]}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case: Any, bearer: dict[str, str]) -> None:
    # given a manager of project A; when schemathesis calls the operation with generated input
    response = case.call(headers=bearer)
    # then no 5xx, a documented status, the documented body, errors as problem+json
    case.validate_response(response, checks=CHECKS, headers=bearer)


# --- what the fuzz found, as regular tests --------------------------------------------------
@pytest.mark.parametrize(
    ("query", "field"),
    [
        # offset beyond a 64-bit integer (page × page_size) used to reach SQLite: 500
        ("/api/v1/departments?page=33194883412526789325582348845056&page_size=10", "page"),
        ("/api/v1/residents?project=18446744073709551616", "project"),
        # the same through a package's own filter schema: caught in one place (OverflowError)
        ("/api/v1/reception/calls?project=-18446744073709551615", None),
        ("/api/v1/complaints?project=18446744073709551616", None),
    ],
)
def test_out_of_range_numbers_in_list_queries_are_422_not_500(
    client: Any, bearer: dict[str, str], query: str, field: str | None
) -> None:
    # when a list is asked for with a number no database column can hold
    response = client.get(query, headers=bearer)
    # then the client is told so in problem+json (beside the field where the schema knows it);
    # where only the database meets the number, PostgreSQL compares it and finds nothing
    if field or connection.vendor == "sqlite":
        assert response.status_code == 422, response.content
        assert response["Content-Type"] == PROBLEM
    else:
        assert response.status_code == 200, response.content
        assert response.json()["count"] == 0
    if field:
        assert list(response.json()["errors"]) == [field]


def test_a_body_that_is_not_json_is_a_documented_400(client: Any, bearer: dict[str, str]) -> None:
    # given the OpenAPI document; when a body is not JSON at all
    response = client.post(
        "/api/v1/buildings", data=b"\x13\xff/", content_type="application/json", headers=bearer
    )
    # then 400 problem+json, and the document lists 400 for every operation that takes a body
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    document = client.get("/api/v1/openapi.json").json()
    for item in document["paths"].values():
        for operation in item.values():
            if "requestBody" in operation:
                assert PROBLEM in operation["responses"]["400"]["content"], operation
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert list(answer["content"]) == [PROBLEM], (operation, status)
