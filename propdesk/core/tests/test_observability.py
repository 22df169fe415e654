"""Observability (issue 5): request ids in every log line of a request, JSON logs, and the
Prometheus metrics at /metrics (latency, status counts, queue depth, overdue deadlines)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django.utils import timezone

from propdesk.core.models import Project
from propdesk.core.observability import JsonFormatter, RequestIdFilter
from propdesk.core.services.deadlines import set_deadline
from propdesk.core.tests.factories import BuildingFactory

ROOT = Path(__file__).resolve().parents[3]


# A tiny URLconf of this module: a view that logs through two loggers, and one that fails.
def _chatty(request: HttpRequest) -> HttpResponse:
    logging.getLogger("propdesk.test.one").warning("first line")
    logging.getLogger("propdesk.test.two").info("second line", extra={"unit": "7-101"})
    return HttpResponse("ok")


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [path("chatty", _chatty, name="chatty"), path("broken", _broken, name="broken")]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines through the request-id filter, as configured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# --- request ids and logs -----------------------------------------------------------------------
@override_settings(ROOT_URLCONF=__name__)
def test_every_log_line_of_a_request_carries_its_request_id(json_log):
    response = Client().get("/chatty")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = _lines(json_log)
    mine = [line for line in lines if line["request_id"] == request_id]
    assert [line["message"] for line in mine] == ["first line", "second line", "GET /chatty 200"]
    assert mine[1]["unit"] == "7-101"
    assert mine[2] | {"duration_ms": 0} == mine[2] | {
        "logger": "propdesk.request",
        "method": "GET",
        "path": "/chatty",
        "route": "chatty",
        "status": 200,
        "duration_ms": 0,
    }
    # a second request gets a different id
    assert Client().get("/chatty")["X-Request-ID"] != request_id


@override_settings(ROOT_URLCONF=__name__)
def test_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(json_log):
    given = "req-2026-abc.123"
    assert Client().get("/chatty", headers={"X-Request-ID": given})["X-Request-ID"] == given
    forged = "x\nFAKE LOG LINE"
    echoed = Client().get("/chatty", headers={"X-Request-ID": forged})["X-Request-ID"]
    assert echoed != forged
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_is_logged_with_traceback_and_request_id(json_log):
    client = Client(raise_request_exception=False)
    response = client.get("/broken")
    assert response.status_code == 500
    errors = [line for line in _lines(json_log) if line["logger"] == "django.request"]
    assert errors, json_log.getvalue()
    assert errors[0]["request_id"] == response["X-Request-ID"]
    assert "RuntimeError: boom" in str(errors[0]["exc_info"])


def test_json_formatter_writes_one_object_per_line():
    record = logging.makeLogRecord(
        {
            "name": "x",
            "levelno": logging.ERROR,
            "levelname": "ERROR",
            "msg": "业主 %s\n下一行",
            "args": ("张三",),
            "request_id": "r1",
            "extra_field": {"a": 1},
        }
    )
    out = JsonFormatter().format(record)
    assert "\n" not in out
    entry = json.loads(out)
    assert entry["message"] == "业主 张三\n下一行"
    assert (entry["level"], entry["logger"], entry["request_id"]) == ("ERROR", "x", "r1")
    assert entry["extra_field"] == {"a": 1}
    assert dt.datetime.fromisoformat(entry["time"]).tzinfo is not None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "json"),
        ({"PROPDESK_DEBUG": "true"}, "plain"),
        ({"PROPDESK_LOG_FORMAT": "plain"}, "plain"),
    ],
)
def test_log_format_follows_the_environment(tmp_path, env, expected):
    code = (
        "import django, logging; django.setup(); from django.conf import settings; "
        "print(settings.LOG_FORMAT); logging.getLogger('propdesk.x').warning('hello')"
    )
    base = {
        k: v for k, v in os.environ.items() if k not in ("PROPDESK_DEBUG", "PROPDESK_LOG_FORMAT")
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        env={
            **base,
            **env,
            "DJANGO_SETTINGS_MODULE": "propdesk.settings",
            "PROPDESK_VAR_DIR": str(tmp_path),
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == expected
    log_line = result.stderr.strip().splitlines()[-1]
    if expected == "json":
        assert json.loads(log_line)["message"] == "hello"
    else:
        assert log_line.endswith("WARNING propdesk.x [-] hello")


# --- metrics ------------------------------------------------------------------------------------
def _sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _, value = line.rpartition(" ")
        if metric.split("{")[0] != name:
            continue
        if all(f'{key}="{val}"' in metric for key, val in labels.items()):
            return float(value)
    return None


def test_metrics_has_latency_status_counts_and_queue_depth(client, db):
    before = (
        _sample(
            client.get("/metrics").content.decode(),
            "propdesk_http_responses_total",
            route="healthz",
            method="GET",
            status="200",
        )
        or 0
    )
    client.get("/healthz")
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    assert (
        _sample(text, "propdesk_http_responses_total", route="healthz", method="GET", status="200")
        == before + 2
    )
    assert (
        _sample(text, "propdesk_http_request_duration_seconds_count", route="healthz", method="GET")
        >= 2
    )
    assert (
        _sample(
            text,
            "propdesk_http_request_duration_seconds_bucket",
            route="healthz",
            method="GET",
            le="+Inf",
        )
        >= 2
    )
    assert _sample(text, "propdesk_job_queue_pending") == 0.0


def test_metrics_route_label_is_the_url_name_not_the_path(client, db):
    client.get("/api/v1/projects/12345")
    client.get("/no/such/page")
    text = client.get("/metrics").content.decode()
    assert 'route="api:get_project"' in text or 'route="api-1.0.0:get_project"' in text
    assert "/api/v1/projects/12345" not in text
    assert 'route="<unmatched>"' in text


def test_static_files_share_one_route_label_and_stay_out_of_the_request_log(client, db, json_log):
    assert client.get("/static/propdesk/app.js").status_code == 200
    text = client.get("/metrics").content.decode()
    assert _sample(text, "propdesk_http_responses_total", route="static", status="200") >= 1
    assert [
        line for line in _lines(json_log) if line.get("path") == "/static/propdesk/app.js"
    ] == []


def test_metrics_count_overdue_deadlines_per_project(
    client, project_a, project_b, django_assert_max_num_queries
):
    building = BuildingFactory(project=project_a)
    now = timezone.now()
    for kind, due in (
        ("a", now - dt.timedelta(hours=1)),
        ("b", now - dt.timedelta(minutes=5)),
        ("c", now + dt.timedelta(hours=2)),
    ):
        set_deadline(
            entity=building,
            project_id=project_a.pk,
            kind=kind,
            label=kind,
            starts_at=now - dt.timedelta(days=1),
            due_at=due,
        )
    with django_assert_max_num_queries(2):
        text = client.get("/metrics").content.decode()
    assert (
        _sample(
            text, "propdesk_deadlines_overdue", project_id=str(project_a.pk), project=project_a.code
        )
        == 2.0
    )
    assert _sample(text, "propdesk_deadlines_overdue", project_id=str(project_b.pk)) == 0.0
    assert Project.objects.count() == 2


def test_metrics_refuse_other_addresses_and_proxied_requests(db):
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 403
    # a local reverse proxy makes everyone look local: forwarded requests are not trusted
    proxied = Client().get("/metrics", headers={"X-Forwarded-For": "8.8.8.8"})
    assert proxied.status_code == 403
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200


@override_settings(PROPDESK_METRICS_TOKEN="s3cret-metrics-token")
def test_metrics_with_the_bearer_token_from_anywhere(db):
    outside = Client(REMOTE_ADDR="10.1.2.3")
    ok = outside.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert ok.status_code == 200
    wrong = outside.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    # a wrong token is refused even from loopback
    assert Client().get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 403
