"""API authentication: bearer tokens (command line and API), the browser session with CSRF, and
who counts as an actor (an active staff member)."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from propdesk.core.models import ApiToken, Building, TimelineEvent
from propdesk.core.services import tokens

pytestmark = pytest.mark.django_db

CSRF_SECRET = "a" * 32  # any 32 letters/digits form a valid CSRF cookie value


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _create_via_command(username: str, *args: str) -> str:
    out = StringIO()
    call_command("token", "create", username, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# --- tokens from the command line ---------------------------------------------------------
def test_token_create_command_prints_only_the_token(client, clerk_a):
    # when an operator creates a token
    output = _create_via_command(clerk_a.user.username, "--name", "巡检平板")
    # then stdout is exactly the token (scripts capture it), and only its hash is stored
    raw = output.strip()
    assert output == raw + "\n"
    assert raw.startswith("pd_")
    assert len(raw) == 3 + 43
    token = ApiToken.objects.get()
    assert (token.user_id, token.name, token.prefix) == (clerk_a.user_id, "巡检平板", raw[:8])
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    # and the token authenticates as the clerk
    response = client.get("/api/v1/me", headers=_bearer(raw))
    assert response.status_code == 200
    assert response.json()["name"] == "王前台"


def test_token_revoke_command_ends_access(client, clerk_a):
    raw = _create_via_command(clerk_a.user.username).strip()
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    call_command("token", "revoke", raw[:8], stdout=StringIO(), stderr=StringIO())
    assert ApiToken.objects.get().revoked_at is not None
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 401
    # revoking again finds no active token with that prefix
    with pytest.raises(CommandError):
        call_command("token", "revoke", raw[:8], stdout=StringIO(), stderr=StringIO())


def test_token_list_command_shows_prefixes_never_secrets(clerk_a, manager_a):
    raw_clerk = _create_via_command(clerk_a.user.username, "--name", "ci").strip()
    raw_manager = _create_via_command(manager_a.user.username).strip()
    out = StringIO()
    call_command("token", "list", clerk_a.user.username, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].split("\t")[:4] == [raw_clerk[:8], clerk_a.user.username, "ci", "active"]
    out = StringIO()
    call_command("token", "list", stdout=out)
    text = out.getvalue()
    assert len(text.splitlines()) == 2
    assert raw_clerk not in text
    assert raw_manager not in text


def test_token_create_command_rejects_unknown_user(db):
    with pytest.raises(CommandError):
        _create_via_command("nobody")
    assert ApiToken.objects.count() == 0


def test_token_create_command_with_expiry(client, clerk_a):
    raw = _create_via_command(clerk_a.user.username, "--days", "30").strip()
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at > dt.timedelta(days=29, hours=23)
    assert token.expires_at - token.created_at < dt.timedelta(days=30, minutes=1)
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200


# --- tokens through the API ---------------------------------------------------------------
def test_api_creates_lists_and_revokes_own_tokens(client, clerk_a):
    _, first = tokens.create_token(user=clerk_a.user, name="first")
    # when the clerk creates a second token through the API
    response = client.post(
        "/api/v1/tokens",
        data={"name": "报表脚本"},
        content_type="application/json",
        headers=_bearer(first),
    )
    # then it is shown once, in this response
    assert response.status_code == 201
    created = response.json()
    assert created["token"].startswith("pd_")
    assert (created["name"], created["prefix"]) == ("报表脚本", created["token"][:8])
    assert created["revoked_at"] is None
    # and the list shows both tokens without any secret
    listing = client.get("/api/v1/tokens", headers=_bearer(created["token"])).json()
    assert listing["count"] == 2
    assert [t["name"] for t in listing["results"]] == ["报表脚本", "first"]
    assert all("token" not in t for t in listing["results"])
    # when the first token is revoked
    first_id = ApiToken.objects.get(name="first").pk
    response = client.post(f"/api/v1/tokens/{first_id}/revoke", headers=_bearer(created["token"]))
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    # then it no longer authenticates; the other still does
    assert client.get("/api/v1/me", headers=_bearer(first)).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(created["token"])).status_code == 200
    assert TimelineEvent.objects.filter(action="token.revoked").count() == 1


def test_api_cannot_revoke_someone_elses_token(client, clerk_a, manager_a):
    _, mine = tokens.create_token(user=clerk_a.user)
    theirs, their_raw = tokens.create_token(user=manager_a.user)
    response = client.post(f"/api/v1/tokens/{theirs.pk}/revoke", headers=_bearer(mine))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.get("/api/v1/me", headers=_bearer(their_raw)).status_code == 200
    # and another user's tokens never appear in my list
    assert client.get("/api/v1/tokens", headers=_bearer(mine)).json()["count"] == 1


def test_api_token_expiry_must_be_in_the_future(client, clerk_a):
    _, raw = tokens.create_token(user=clerk_a.user)
    response = client.post(
        "/api/v1/tokens",
        data={"expires_at": "2020-01-01T00:00:00+08:00"},
        content_type="application/json",
        headers={**_bearer(raw), "Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"expires_at": ["The expiry must be in the future"]}
    assert ApiToken.objects.count() == 1


def test_expired_token_is_rejected(client, clerk_a):
    token, raw = tokens.create_token(
        user=clerk_a.user, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer pd_notatoken", "Bearer ", "Token pd_x", "Basic dXNlcjpwYXNz", "pd_x"],
    ids=["unknown", "empty", "scheme", "basic", "bare"],
)
def test_bad_authorization_headers_are_401(client, clerk_a, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_token_of_deactivated_staff_is_rejected(client, clerk_a):
    _, raw = tokens.create_token(user=clerk_a.user)
    clerk_a.is_active = False
    clerk_a.save(update_fields=["is_active"])
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_user_without_staff_row_is_401(client, db):
    user = get_user_model().objects.create_user(username="ops", password="pw-Secret-2026")
    _, raw = tokens.create_token(user=user)
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 401
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, clerk_a):
    token, raw = tokens.create_token(user=clerk_a.user)
    assert token.last_used_at is None
    # the first use records the time
    client.get("/api/v1/me", headers=_bearer(raw))
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    # a use 30 seconds later does not write again
    recent = first_use - dt.timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    client.get("/api/v1/me", headers=_bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == recent
    # a use more than a minute later does
    stale = first_use - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    client.get("/api/v1/me", headers=_bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at > stale + dt.timedelta(minutes=1)


def test_me_lists_projects_and_permissions(client, engineer_a, project_a, project_b):
    _, raw = tokens.create_token(user=engineer_a.user)
    body = client.get("/api/v1/me", headers=_bearer(raw)).json()
    assert body["username"] == engineer_a.user.username
    assert body["projects"] == [
        {
            "id": project_a.pk,
            "code": "a",
            "name": "翠湖小区",
            "kind": "residential",
            "permissions": ["complaints.handle", "complaints.view", "masterdata.view"],
        }
    ]


# --- session authentication and CSRF ------------------------------------------------------
def _session_client(staff) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff.user)
    return client


def test_session_reads_need_no_csrf_token(clerk_a, project_a):
    client = _session_client(clerk_a)
    response = client.get("/api/v1/buildings")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_session_write_without_csrf_token_is_refused(clerk_a, project_a):
    client = _session_client(clerk_a)
    response = client.post(
        "/api/v1/buildings",
        data={"project": project_a.pk, "code": "1", "name": "1栋"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "csrf_failed"
    assert Building.objects.count() == 0


def test_session_write_with_csrf_token_succeeds(clerk_a, project_a):
    client = _session_client(clerk_a)
    client.cookies["csrftoken"] = CSRF_SECRET
    response = client.post(
        "/api/v1/buildings",
        data={"project": project_a.pk, "code": "1", "name": "1栋"},
        content_type="application/json",
        headers={"X-CSRFToken": CSRF_SECRET},
    )
    assert response.status_code == 201
    assert Building.objects.get().name == "1栋"


def test_bearer_writes_need_no_csrf_token(clerk_a, project_a):
    _, raw = tokens.create_token(user=clerk_a.user)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/buildings",
        data={"project": project_a.pk, "code": "1", "name": "1栋"},
        content_type="application/json",
        headers=_bearer(raw),
    )
    assert response.status_code == 201


def test_anonymous_write_is_401_not_a_csrf_error(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/buildings", data={}, content_type="application/json")
    assert response.status_code == 401


def test_session_of_deactivated_staff_is_401(clerk_a):
    client = _session_client(clerk_a)
    clerk_a.is_active = False
    clerk_a.save(update_fields=["is_active"])
    assert client.get("/api/v1/me").status_code == 401
