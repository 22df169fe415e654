"""Liveness and readiness probes for load balancers, systemd, Kubernetes and monitoring
(issue 5, "Observability").

- `GET /healthz`: the process answers. Always 200 `{"status": "ok"}`; touches nothing else, so a
  slow database never gets a healthy process restarted.
- `GET /readyz`: the process can do work. The database answers `SELECT 1` and the job queue's
  storage is reachable: Redis answers PING when huey runs on Redis (`REDIS_URL`), otherwise the
  SQLite huey file can take a write lock. 200 `{"status": "ok", "checks": {...}}` when every
  check passes, 503 `{"status": "unavailable", "checks": {...}, "failed": [...]}` otherwise.

Both are public (no login), read no session, need no CSRF token and write nothing: probes call
them every few seconds. Failure details go to the log, not to the anonymous caller.

- `GET /metrics`: Prometheus text format (see `propdesk.core.observability`). Only for a caller on
  the loopback address that came through no proxy, or one sending
  `Authorization: Bearer <PROPDESK_METRICS_TOKEN>`; anyone else gets 403.
"""

from __future__ import annotations

import hmac
import logging
import os
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from propdesk.core import observability, security

logger = logging.getLogger(__name__)

# A probe must answer quickly even when a dependency hangs.
CHECK_TIMEOUT_SECONDS = 2


def check_database(connection: BaseDatabaseWrapper) -> None:
    """Raises unless the database answers a trivial query (read-only, no transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_queue(huey_config: Mapping[str, Any]) -> None:
    """Raises unless huey's storage is reachable: Redis answers PING, or the SQLite queue file
    accepts a write lock (taken and released at once; nothing is written). `huey_config` is the
    `HUEY` setting, a dict as in `propdesk.settings`."""
    huey_class = str(huey_config.get("huey_class", "huey.RedisHuey"))
    if "Redis" in huey_class:
        _ping_redis(huey_config)
    elif "Sqlite" in huey_class:
        _check_sqlite_writable(Path(huey_config.get("filename", "huey.db")))
    else:
        raise RuntimeError(f"no readiness check for {huey_class}")


def _ping_redis(huey_config: Mapping[str, Any]) -> None:
    options = dict(huey_config.get("connection") or {})
    url = huey_config.get("url") or options.pop("url", None)
    timeouts = {
        "socket_connect_timeout": CHECK_TIMEOUT_SECONDS,
        "socket_timeout": CHECK_TIMEOUT_SECONDS,
    }
    client = (
        redis.Redis.from_url(url, **timeouts) if url else redis.Redis(**{**options, **timeouts})
    )
    try:
        client.ping()
    finally:
        client.close()


def _check_sqlite_writable(path: Path) -> None:
    directory = path.parent if str(path.parent) else Path()
    if not directory.is_dir():
        raise FileNotFoundError(f"queue directory {directory} does not exist")
    if not path.exists():
        # huey creates the file on first use; the directory must let it.
        if not os.access(directory, os.W_OK):
            raise PermissionError(f"queue directory {directory} is not writable")
        return
    conn = sqlite3.connect(
        f"file:{path}?mode=rw", uri=True, timeout=CHECK_TIMEOUT_SECONDS, isolation_level=None
    )
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def readiness(
    *, connection: BaseDatabaseWrapper, huey_config: Mapping[str, Any]
) -> tuple[dict[str, str], list[str]]:
    """Run every readiness check; returns ({check: "ok" | "failed"}, [failed checks])."""
    checks: dict[str, Callable[[], None]] = {
        "database": lambda: check_database(connection),
        "queue": lambda: check_queue(huey_config),
    }
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "failed"
        else:
            results[name] = "ok"
    return results, [name for name, result in results.items() if result != "ok"]


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks, failed = readiness(connection=connections[DEFAULT_DB_ALIAS], huey_config=settings.HUEY)
    if failed:
        return JsonResponse(
            {"status": "unavailable", "checks": checks, "failed": failed}, status=503
        )
    return JsonResponse({"status": "ok", "checks": checks})


def metrics_allowed(request: HttpRequest) -> bool:
    """Loopback without a proxy in between (a local reverse proxy would make every outside caller
    look local, so forwarded requests do not count), or the bearer token when one is set."""
    token = str(getattr(settings, "PROPDESK_METRICS_TOKEN", ""))
    given = str(request.headers.get("Authorization", ""))
    if token and given.startswith("Bearer "):
        return hmac.compare_digest(given[len("Bearer ") :].strip().encode(), token.encode())
    proxied = "X-Forwarded-For" in request.headers or "X-Real-IP" in request.headers
    return not proxied and security.is_loopback(str(request.META.get("REMOTE_ADDR") or ""))


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    registry = observability.metrics_registry()
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
