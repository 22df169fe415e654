"""Fixtures shared by every package's tests: two projects of one company and staff in roles."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation

from propdesk.core.models import Project, Staff
from propdesk.core.tests.factories import ProjectFactory, StaffFactory, grant

PASSWORD = "pw-Secret-2026"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in zh-Hans: a request with Accept-Language leaves its language active in
    the thread (LocaleMiddleware does not reset it), which would leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def project_a(db: None) -> Project:
    return ProjectFactory(code="a", name="翠湖小区", record_prefix="地王")


@pytest.fixture
def project_b(db: None) -> Project:
    return ProjectFactory(code="b", name="江畔小区")


@pytest.fixture
def make_staff(db: None) -> Callable[..., Staff]:
    def make(project: Project, role: str = "cs_staff", name: str = "李客服", **kw: object) -> Staff:
        staff = StaffFactory(name=name, company=project.company, **kw)
        grant(staff, project, role)
        return staff

    return make


@pytest.fixture
def clerk_a(make_staff: Callable[..., Staff], project_a: Project) -> Staff:
    """A front-desk clerk (客服前台) of project A: may see and change master data of A only."""
    return make_staff(project_a, "cs_staff", name="王前台")


@pytest.fixture
def manager_a(make_staff: Callable[..., Staff], project_a: Project) -> Staff:
    return make_staff(project_a, "cs_manager", name="赵经理")


@pytest.fixture
def engineer_a(make_staff: Callable[..., Staff], project_a: Project) -> Staff:
    """A repair technician: sees master data of A, personal data masked."""
    return make_staff(project_a, "engineer", name="孙工程")


@pytest.fixture
def clerk_b(make_staff: Callable[..., Staff], project_b: Project) -> Staff:
    return make_staff(project_b, "cs_staff", name="周前台")


def login(client: Client, staff: Staff) -> Client:
    client.force_login(staff.user)
    return client


def free_port() -> int:
    """A TCP port nothing listens on now, for a server a test starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_database_url() -> str:
    """The (committed) test database as a DATABASE_URL, for a child process a test starts."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{auth}{host}:{db.get('PORT') or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def redis_server() -> Iterator[int]:
    """A real, throw-away redis-server on a free port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: `make test` installs it (Debian redis-server)")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - the system's redis-server
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def log_in_page(page: Any, live_server: Any, staff: Any) -> None:
    """Log `staff` in through the login page of a browser test and wait for the workbench."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", staff.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
