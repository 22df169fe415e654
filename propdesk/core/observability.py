"""Request ids, structured logs and Prometheus metrics (issue 5, "Observability").

- Request id: `RequestObservabilityMiddleware` takes `X-Request-ID` from the proxy (if it is a
  sane token) or makes one, keeps it in a context variable for the request, and echoes it in the
  response header. `RequestIdFilter` copies it onto every log record, so each log line of a
  request carries the same `request_id` (huey and management commands log "-").
- Logs: `JsonFormatter` writes one JSON object per line (`PROPDESK_LOG_FORMAT=json`, the default
  unless `PROPDESK_DEBUG`); the same middleware logs one `request` line per request with method,
  route, status and duration.
- Metrics: request latency by route name and method, responses by status, and — computed when
  scraped — the job-queue depth and the overdue deadlines per project. Served by
  `health.metrics` at /metrics to loopback callers or with `PROPDESK_METRICS_TOKEN`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import re
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger("propdesk.request")

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# What a proxy may hand us: uuids, hex, the usual trace-id alphabets; anything else (too long,
# spaces, control characters that could forge log lines) is replaced by our own id.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def current_request_id() -> str:
    return _request_id.get()


def _incoming_request_id(request: HttpRequest) -> str:
    given = str(request.headers.get(REQUEST_ID_HEADER, "")).strip()
    return given if _ACCEPTABLE_ID.match(given) else uuid.uuid4().hex


# --- logging ------------------------------------------------------------------------------
class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (attached to the handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request logs 4xx/5xx after the middleware has returned; its record
            # carries the request, which carries the id.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _request_id.get()
        return True


# LogRecord's own attributes; everything else on a record came from `extra=` and is kept.
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id,
    the `extra=` fields, and the traceback as `exc_info` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", _request_id.get()),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- metrics ------------------------------------------------------------------------------
REQUEST_LATENCY = Histogram(
    "propdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RESPONSES = Counter(
    "propdesk_http_responses",
    "HTTP responses by route, method and status code.",
    ["route", "method", "status"],
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request: HttpRequest) -> str:
    """A label of bounded cardinality: the URL name (namespace:name) or the route pattern;
    requests that matched no URL share one label."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        # whitenoise answers static files before any URL is resolved
        static = str(getattr(settings, "STATIC_URL", "") or "")
        if static.startswith("/") and request.path.startswith(static):
            return "static"
        return "<unmatched>"
    if match.url_name:
        return str(match.view_name)
    return str(match.route) or "<unmatched>"


class RequestObservabilityMiddleware:
    """Outermost middleware: request id, one log line and the metrics of each request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _incoming_request_id(request)
        token = _request_id.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            route = route_of(request)
            method = request.method if request.method in _METHODS else "OTHER"
            REQUEST_LATENCY.labels(route, method).observe(elapsed)
            RESPONSES.labels(route, method, str(response.status_code)).inc()
            response[REQUEST_ID_HEADER] = request_id
            if route not in _QUIET_ROUTES:
                logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "route": route,
                        "status": response.status_code,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )
            return response
        finally:
            _request_id.reset(token)


# Probes, scrapes and static files would drown the request log (they are still counted).
_QUIET_ROUTES = {"healthz", "readyz", "metrics", "static"}


class QueueDepthCollector(Collector):
    """`propdesk_job_queue_pending`: tasks waiting in huey's queue, read when scraped."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("propdesk_job_queue_pending", "Tasks waiting in the job queue.")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from huey.contrib.djhuey import HUEY

        family = GaugeMetricFamily("propdesk_job_queue_pending", "Tasks waiting in the job queue.")
        try:
            family.add_metric([], float(HUEY.pending_count()))
        except Exception:
            # An unreachable queue is /readyz's business; the scrape still answers.
            logging.getLogger(__name__).warning("queue depth unavailable", exc_info=True)
            return
        yield family


class OverdueDeadlinesCollector(Collector):
    """`propdesk_deadlines_overdue{project_id, project}`: open deadlines past due per project,
    counted in one grouped query; projects with none report 0, so an alert can tell "none"
    from "gone"."""

    HELP = "Open deadlines past their due time, per project."

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "propdesk_deadlines_overdue", self.HELP, labels=["project_id", "project"]
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count, Q
        from django.utils import timezone

        from propdesk.core.models import Project
        from propdesk.core.models.deadlines import DeadlineState

        family = GaugeMetricFamily(
            "propdesk_deadlines_overdue", self.HELP, labels=["project_id", "project"]
        )
        overdue = Q(deadlines__state=DeadlineState.OPEN, deadlines__due_at__lt=timezone.now())
        rows = (
            Project.objects.order_by("pk")
            .annotate(n=Count("deadlines", filter=overdue))
            .values_list("pk", "code", "n")
        )
        for pk, code, n in rows:
            family.add_metric([str(pk), code], float(n))
        yield family


def metrics_registry() -> CollectorRegistry:
    """The registry /metrics serves. With several server processes (uvicorn --workers) set
    `PROMETHEUS_MULTIPROC_DIR` to an empty directory: each process writes its samples there and
    any of them answers the scrape with the sum."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(QueueDepthCollector())
    registry.register(OverdueDeadlinesCollector())
    return registry


def _register_once(collector: Collector) -> None:
    name = type(collector).__name__
    if name not in _registered:
        REGISTRY.register(collector)
        _registered.add(name)


_registered: set[str] = set()
_register_once(QueueDepthCollector())
_register_once(OverdueDeadlinesCollector())
