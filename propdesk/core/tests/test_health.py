"""`/healthz` (liveness) and `/readyz` (readiness: database and job queue), issue 5
"Observability". Public, no session, no CSRF token, no writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db.utils import ConnectionHandler
from django.test import Client, override_settings

from propdesk.conftest import free_port
from propdesk.core.views.health import readiness

SQLITE_HUEY = {"huey_class": "huey.SqliteHuey", "name": "propdesk", "immediate": True}


def _redis_huey(port: int) -> dict[str, Any]:
    return {
        "huey_class": "huey.RedisHuey",
        "name": "propdesk",
        "url": f"redis://127.0.0.1:{port}/0",
        "immediate": True,
    }


def test_healthz_answers_without_login_session_or_database(
    client: Client, db: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}


def test_readyz_is_ok_when_database_and_queue_answer(
    client: Client, db: None, django_assert_num_queries: Any
) -> None:
    # given the suite's configuration (huey on the SQLite file under var/, or Redis)
    with django_assert_num_queries(1):  # SELECT 1, nothing else
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}


def test_probes_accept_only_reads(client: Client, db: None) -> None:
    # a probe never changes anything: POST is not allowed (and needs no CSRF token to be refused)
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
    assert client.head("/readyz").status_code == 200


def test_readyz_is_503_when_redis_is_unreachable(
    client: Client, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    # given huey configured on a Redis where nothing listens
    with override_settings(HUEY=_redis_huey(free_port())):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "queue": "failed"},
        "failed": ["queue"],
    }
    assert "readiness check queue failed" in caplog.text
    assert "ConnectionError" in caplog.text


def test_readyz_is_ok_with_a_reachable_redis(client: Client, db: None, redis_server: int) -> None:
    with override_settings(HUEY=_redis_huey(redis_server)):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}


def _unusable_queue_file(tmp_path: Path, kind: str) -> Path:
    if kind == "missing_directory":
        return tmp_path / "missing" / "huey.sqlite3"
    if kind == "directory":
        return tmp_path
    path = tmp_path / "huey.sqlite3"
    path.write_bytes(b"not a database" * 100)
    return path


@pytest.mark.parametrize(
    "kind",
    ["missing_directory", "directory", "not_a_database"],
    ids=["missing_directory_case", "path_is_a_directory_case", "not_a_database_case"],
)
def test_readyz_is_503_when_the_sqlite_queue_file_is_unusable(
    client: Client, db: None, tmp_path: Path, kind: str
) -> None:
    path = _unusable_queue_file(tmp_path, kind)
    with override_settings(HUEY={**SQLITE_HUEY, "filename": str(path)}):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "queue": "failed"},
        "failed": ["queue"],
    }


def test_readyz_accepts_a_sqlite_queue_file_not_created_yet(
    client: Client, db: None, tmp_path: Path
) -> None:
    # huey creates its file on first use; a writable directory is enough, and the probe does
    # not create the file itself
    path = tmp_path / "huey.sqlite3"
    with override_settings(HUEY={**SQLITE_HUEY, "filename": str(path)}):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert not path.exists()


def test_readiness_reports_an_unreachable_database(
    db: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given a database connection that cannot be opened
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp_path / "missing" / "db.sqlite3"),
            }
        }
    )
    broken = handler["default"]
    try:
        checks, failed = readiness(
            connection=broken, huey_config={**SQLITE_HUEY, "filename": str(tmp_path / "h.db")}
        )
    finally:
        broken.close()
    assert checks == {"database": "failed", "queue": "ok"}
    assert failed == ["database"]
    # and the reason is in the log for the operator (not in the anonymous response)
    assert "readiness check database failed" in caplog.text
    assert "unable to open database file" in caplog.text
