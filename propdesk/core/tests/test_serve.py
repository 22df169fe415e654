"""The CLI around the embedded deployment: `propdesk serve` (web + worker in one command) and
`propdesk createuser` (bootstrap logins)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from propdesk.conftest import free_port
from propdesk.core.models import Membership, Project, Staff, TimelineEvent

STARTUP_SECONDS = 25


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local test URL
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:  # not listening yet
        return 0, ""


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_until(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def _child_env(var_dir: Path) -> dict[str, str]:
    # The server under test uses its own SQLite database and huey file in a temp var dir, even
    # when this test session runs against PostgreSQL/Redis.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "PROPDESK_TESTING", "PROPDESK_PORT"}
    }
    env.update({"PROPDESK_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"})
    return env


def _migrated_env(var_dir: Path) -> dict[str, str]:
    """The environment of a server under test, its database migrated."""
    env = _child_env(var_dir)
    subprocess.run(
        [sys.executable, "-m", "propdesk.cli", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=120,
    )
    return env


def _start_serve(
    env: dict[str, str], port: int, *args: str
) -> tuple[subprocess.Popen[str], list[str], threading.Thread]:
    """`propdesk serve --port PORT ARGS…`, its output collected line by line by a thread."""
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "propdesk.cli", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(server.stdout or []), daemon=True)
    reader.start()
    return server, output, reader


def test_serve_answers_http_and_stops_with_its_worker(tmp_path: Path) -> None:
    # given a migrated database in a fresh var dir
    env = _migrated_env(tmp_path / "var")
    port = free_port()
    # when `propdesk serve` starts
    server, output, reader = _start_serve(env, port)
    worker_pid = None
    try:
        base = f"http://127.0.0.1:{port}"
        # then health answers, the login page has its CSRF form, and a worker child runs
        assert _wait_until(lambda: _get(f"{base}/healthz")[0] == 200, STARTUP_SECONDS), output
        status, page = _get(f"{base}/login/")
        assert status == 200
        assert '<form method="post"' in page
        assert 'name="csrfmiddlewaretoken"' in page
        started = next(line for line in output if "worker (huey consumer) started" in line)
        worker_pid = int(re.search(r"pid (\d+)", started).group(1))  # type: ignore[union-attr]
        assert _alive(worker_pid)
        assert output[0].strip().startswith(f"PropDesk: http://127.0.0.1:{port}/")
        # when the server is terminated, it exits cleanly and takes the worker down with it
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        assert _wait_until(lambda: not _alive(worker_pid), 10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        if worker_pid is not None and _alive(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)
    reader.join(timeout=5)
    assert any(line.startswith("worker stopped") for line in output), output


def test_serve_without_worker_starts_no_child(tmp_path: Path) -> None:
    env = _migrated_env(tmp_path / "var")
    port = free_port()
    server, output, reader = _start_serve(env, port, "--no-worker")
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        assert _wait_until(lambda: _get(url)[0] == 200, STARTUP_SECONDS), output
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        if children.exists():
            assert children.read_text().strip() == ""
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=15) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    reader.join(timeout=5)
    assert not any("worker" in line for line in output), output


def test_serve_refuses_several_web_processes_without_redis(settings: Any) -> None:
    settings.REDIS_URL = ""
    with pytest.raises(CommandError, match="--workers 2 需要 REDIS_URL"):
        call_command("serve", "--workers", "2", "--no-worker")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("serve", "--workers", "0", "--no-worker")


TWO_NO_WORKER = ("--workers", "2", "--no-worker")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_serve_with_two_web_processes_uses_both_and_stops_them(
    tmp_path: Path, redis_server: int
) -> None:
    # given a migrated database and a Redis for the processes to share
    env = _migrated_env(tmp_path / "var")
    env["REDIS_URL"] = f"redis://127.0.0.1:{redis_server}/0"
    port = free_port()
    # when `propdesk serve --workers 2 --no-worker` starts
    server, output, reader = _start_serve(env, port, *TWO_NO_WORKER)
    web: list[int] = []
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        assert _wait_until(lambda: _get(url)[0] == 200, STARTUP_SECONDS), output
        # then two web processes serve the one port (uvicorn's supervisor is their parent;
        # multiprocessing may add its resource tracker, which serves nothing)
        assert _wait_until(lambda: len(_serving(server.pid)) == 2, STARTUP_SECONDS), output
        web = _serving(server.pid)
        # and a stop takes every web process down with the supervisor
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
        assert _wait_until(lambda: not any(_alive(pid) for pid in web), 10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for pid in web:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    reader.join(timeout=5)


def _serving(pid: int) -> list[int]:
    """The children of `pid` that run the web application (not multiprocessing's tracker)."""
    serving = []
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"resource_tracker" not in cmdline:
            serving.append(child)
    return serving


# --- createuser -------------------------------------------------------------------------------
def _createuser(*args: str) -> str:
    out = StringIO()
    call_command("createuser", *args, stdout=out)
    return out.getvalue()


def test_createuser_makes_a_login_with_staff_and_role(project_a: Project, client: Client) -> None:
    output = _createuser(
        "zhangsan",
        "--name",
        "张三",
        "--project",
        project_a.code,
        "--role",
        "cs_staff",
        "--password",
        "pw-Secret-2026",
        "--email",
        "zs@example.cn",
    )
    assert output.strip() == "created zhangsan: 张三, 客服前台 (cs_staff) in 翠湖小区 (a)"
    staff = Staff.objects.select_related("user").get(user__username="zhangsan")
    assert (staff.name, staff.name_pinyin, staff.name_initials) == ("张三", "zhangsan", "zs")
    assert (staff.company_id, staff.email, staff.user.is_superuser) == (
        project_a.company_id,
        "zs@example.cn",
        False,
    )
    assert list(Membership.objects.filter(staff=staff).values_list("project_id", "role__code")) == [
        (project_a.pk, "cs_staff")
    ]
    event = TimelineEvent.objects.get(object_id=str(staff.pk), action="staff.created")
    assert (event.actor_id, event.actor_name, event.project_id) == (None, "系统", project_a.pk)
    assert client.login(username="zhangsan", password="pw-Secret-2026")


def test_createuser_superuser_defaults_to_company_admin(project_a: Project) -> None:
    _createuser("boss", "--project", "a", "--superuser", "--password", "pw-Secret-2026")
    staff = Staff.objects.select_related("user").get(user__username="boss")
    assert staff.user.is_superuser is True
    assert staff.user.is_staff is True
    assert staff.name == "boss"
    assert list(staff.memberships.values_list("role__code", flat=True)) == ["company_admin"]


def test_createuser_generates_and_prints_a_password(project_a: Project, client: Client) -> None:
    output = _createuser("li", "--name", "李四", "--project", "a", "--role", "butler")
    password = re.search(r"^password: (\S+)$", output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    assert len(password) >= 12
    assert client.login(username="li", password=password)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "zz", "--role", "cs_staff"], "no project with code 'zz'"),
        (["--project", "a", "--role", "wizard"], "no role 'wizard'"),
        (["--project", "a"], "--role is required"),
        (["--project", "a", "--role", "cs_staff", "--password", "123"], "password:"),
        (["--project", "a", "--role", "cs_staff", "--name", "长" * 51], "--name"),
    ],
    ids=[
        "unknown_project_case",
        "unknown_role_case",
        "missing_role_case",
        "weak_password_case",
        "long_name_case",
    ],
)
def test_createuser_errors_are_clear_and_write_nothing(
    project_a: Project, args: list[str], message: str
) -> None:
    users_before = get_user_model().objects.count()
    with pytest.raises(CommandError, match=re.escape(message)):
        _createuser("wang", *args)
    assert get_user_model().objects.count() == users_before
    assert not Staff.objects.filter(user__username="wang").exists()


def test_createuser_refuses_a_taken_login(project_a: Project, clerk_a: Staff) -> None:
    taken = clerk_a.user.username.upper()
    with pytest.raises(CommandError, match="already exists"):
        _createuser(taken, "--project", "a", "--role", "cs_staff", "--password", "pw-Secret-2026")
    assert Staff.objects.count() == 1
