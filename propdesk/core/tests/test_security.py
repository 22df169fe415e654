"""Login hardening (issue 5, Login): django-axes lockout, password validators, rate limits on the
login page and the token endpoint, the CSP header, and `propdesk check --deploy`.

Each test logs in from its own made-up address so the per-address counters (kept in the cache
for the whole test process) of one test never reach another."""

from __future__ import annotations

import base64
import itertools
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation

from propdesk.conftest import PASSWORD, login
from propdesk.core import security
from propdesk.core.models import ApiToken, Staff
from propdesk.core.views.auth import too_many_attempts_message

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[3]
_addresses = itertools.count(1)


def zh(msgid: str, **fmt: object) -> str:
    """The Chinese text of `msgid`, filled in as the code ({name}) or the template (%(name)s)
    fills it."""
    with translation.override("zh-hans"):
        text = str(translation.gettext(msgid))
    text = text % fmt if "%(" in msgid else text.format(**fmt)
    assert CJK.search(text), f"no Chinese translation for {msgid!r}"
    return text


@pytest.fixture
def address() -> str:
    """A fresh client address for this test (see the module docstring)."""
    n = next(_addresses)
    return f"10.{os.getpid() % 250}.{n // 250}.{n % 250 + 1}"


def _login(address: str, username: str, password: str) -> object:
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


# --- axes lockout -----------------------------------------------------------------------------
@override_settings(AXES_FAILURE_LIMIT=5)
def test_five_wrong_passwords_lock_the_login_even_for_the_right_password(clerk_a, address):
    name = clerk_a.user.username
    for _ in range(4):
        assert _login(address, name, "wrong").status_code == 200  # the form says so
    # when the fifth wrong password is sent, then the login is locked
    locked = _login(address, name, "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert zh("After %(limit)s wrong passwords, this login is locked.", limit=5) in page
    assert (
        zh("Please try again in %(minutes)s min, or ask an administrator to unlock it.", minutes=30)
        in page
    )
    assert locked["Retry-After"] == "1800"
    # and the right password is refused too, without a session
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": name, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username=name).failures_since_start >= 5


def test_lockout_is_per_login_name_and_address(clerk_a, address):
    name = clerk_a.user.username
    for _ in range(5):
        _login(address, name, "wrong")
    # a colleague behind the same address, and the same login elsewhere, still log in
    other = get_user_model().objects.create_user("colleague", password=PASSWORD)
    assert _login(address, other.username, PASSWORD).status_code == 302
    assert _login(address + "0", name, PASSWORD).status_code == 302


def test_right_password_resets_the_failure_count(clerk_a, address):
    name = clerk_a.user.username
    for _ in range(4):
        _login(address, name, "wrong")
    assert _login(address, name, PASSWORD).status_code == 302
    for _ in range(4):
        _login(address, name, "wrong")
    assert _login(address, name, PASSWORD).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=2)
def test_admin_sees_the_lock_and_unlocks_it(clerk_a, address):
    name = clerk_a.user.username
    for _ in range(2):
        _login(address, name, "wrong")
    assert _login(address, name, PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", password=PASSWORD))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert name in listing.content.decode()
    # when the admin deletes the attempt (the unlock), then the login works again
    attempt = AccessAttempt.objects.get(username=name)
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert _login(address, name, PASSWORD).status_code == 302


def test_client_login_without_a_request_is_not_counted(clerk_a):
    # Scripts and the test client authenticate without a request: not a network attempt.
    assert Client().login(username=clerk_a.user.username, password=PASSWORD)
    assert not AccessAttempt.objects.exists()


# --- password validators ----------------------------------------------------------------------
def test_weak_password_is_refused_with_a_chinese_message(client, manager_a, project_a):
    login(client, manager_a)
    response = client.post(
        reverse("core:staff_create"),
        {
            "name": "冯新",
            "mobile": "13611113333",
            "username": "feng",
            "password": "12345678",
            "role": "cs_staff",
        },
    )
    page = response.content.decode()
    error = re.search(r'id="id_password_error".*?</', page, re.S).group(0)
    assert "这个密码太常见了" in error
    assert not Staff.objects.filter(name="冯新").exists()


# --- rate limits ------------------------------------------------------------------------------
@override_settings(PROPDESK_LOGIN_RATE_IP="3/m", PROPDESK_LOGIN_RATE_USER="100/m")
def test_login_posts_past_the_address_limit_get_429_and_a_chinese_message(clerk_a, address):
    for i in range(3):
        assert _login(address, f"nobody{i}", "wrong").status_code == 200
    response = _login(address, clerk_a.user.username, PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 61
    page = response.content.decode()
    assert zh("Too many login attempts. Please try again in {minutes} min.", minutes=1) in page
    # refused before the password was checked: no session, no axes failure recorded
    assert "_auth_user_id" not in response.client.session
    assert not AccessAttempt.objects.filter(username=clerk_a.user.username).exists()


@override_settings(PROPDESK_LOGIN_RATE_IP="100/m", PROPDESK_LOGIN_RATE_USER="2/m")
def test_login_posts_past_the_login_name_limit_get_429_from_any_address(clerk_a, address):
    name = clerk_a.user.username.upper()  # the name counts case-insensitively
    assert _login(address, name, "wrong").status_code == 200
    assert _login(address + "1", name.lower(), "wrong").status_code == 200
    assert _login(address + "2", name, PASSWORD).status_code == 429


@override_settings(PROPDESK_TOKEN_RATE="2/h")
def test_token_creation_past_the_limit_is_429_problem_json_and_creates_nothing(client, clerk_a):
    login(client, clerk_a)
    for _ in range(2):
        assert client.post("/api/v1/tokens", {}, content_type="application/json").status_code == 201
    response = client.post("/api/v1/tokens", {"name": "third"}, content_type="application/json")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (429, "rate_limited")
    assert 0 < int(response["Retry-After"]) <= 3601
    assert ApiToken.objects.filter(user=clerk_a.user).count() == 2


def test_token_endpoint_documents_the_429(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "429" in spec["paths"]["/api/v1/tokens"]["post"]["responses"]


def test_rate_parsing_and_fixed_window():
    assert security.Rate.parse("20/m") == security.Rate(20, 60)
    assert security.Rate.parse("5/30s") == security.Rate(5, 30)
    assert security.Rate.parse("10/h") == security.Rate(10, 3600)
    with pytest.raises(ValueError):
        security.Rate.parse("many/m")
    key = secrets.token_hex(8)
    assert [security.hit("t", key, "2/h") is None for _ in range(3)] == [True, True, False]
    assert security.hit("t", key + "x", "0/m") is None  # 0 switches the limit off


def test_message_rounds_up_to_whole_minutes():
    with translation.override("en"):
        assert "2 min" in too_many_attempts_message(61)
        assert "1 min" in too_many_attempts_message(5)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.1", "1.2.3.4", "10.0.0.1"),  # no proxy configured: the header is ignored
        (1, "127.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the proxy's own entry, not the client's
        (2, "127.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (1, "127.0.0.1", "", "127.0.0.1"),
        (1, "127.0.0.1", "not-an-ip", "127.0.0.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(proxies, remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(PROPDESK_TRUSTED_PROXIES=proxies):
        assert security.client_ip(request) == expected


# --- CSP ----------------------------------------------------------------------------------------
def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def test_pages_send_a_csp_without_inline_script(client, clerk_a):
    login(client, clerk_a)
    for url in (reverse("login"), reverse("core:workbench"), "/api/v1/docs"):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = _directives(response["Content-Security-Policy"])
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["object-src"] == ["'none'"]


def test_templates_have_no_inline_script_or_event_handler():
    """Inline code would be blocked by the CSP: every <script> has a src (or is JSON data) and
    no element has an on…= handler attribute."""
    offenders = []
    for template in (ROOT / "propdesk").rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{template}: {tag}")
        offenders += [f"{template}: {m}" for m in re.findall(r"<[^>]+\son[a-z]+=", text)]
    assert offenders == []


# --- deploy check -------------------------------------------------------------------------------
def test_check_deploy_with_production_settings_reports_no_issues(tmp_path):
    env = {
        **os.environ,
        "PROPDESK_VAR_DIR": str(tmp_path),
        "PROPDESK_DEBUG": "false",
        "PROPDESK_HTTPS": "true",
        "PROPDESK_SECRET_KEY": secrets.token_urlsafe(60),
        "PROPDESK_PII_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PROPDESK_PII_HASH_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PROPDESK_TESTING": "",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)  # the check needs no server; SQLite in tmp_path
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' conftest, not prod
    result = subprocess.run(
        [sys.executable, "-m", "propdesk.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_production_env_sets_secure_cookies_and_lockout_settings(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.AXES_FAILURE_LIMIT, "
        "int(s.AXES_COOLOFF_TIME.total_seconds()), s.LOG_FORMAT)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "propdesk.settings",
        "PROPDESK_VAR_DIR": str(tmp_path),
        "PROPDESK_HTTPS": "true",
        "PROPDESK_LOGIN_FAILURES": "7",
        "PROPDESK_LOGIN_COOLOFF_MINUTES": "15",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PROPDESK_LOG_FORMAT", None)
    env.pop("PROPDESK_DEBUG", None)
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out == ["True", "True", "True", "True", "True", "7", "900", "json"]
