"""The in-app inbox through the API: only one's own in-app notices, unread filter and count,
marking read (one or all); another person's notice is not found."""

import pytest

from propdesk.core.models import Notification
from propdesk.core.services import notifications, tokens

pytestmark = pytest.mark.django_db


def _bearer(staff) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}


def _notify(staff, key: str, project=None) -> Notification:
    (row,) = notifications.notify(
        recipient=staff,
        event="complaint.overdue",
        subject=f"投诉 {key} 已超时",
        url=f"/complaints/{key}/",
        project=project,
        dedupe_key=f"test:{key}:{staff.pk}",
        data={"key": key},
    )
    return row


def test_inbox_lists_own_notices_newest_first(client, clerk_a, manager_a, project_a):
    first = _notify(clerk_a, "TS-1", project_a)
    second = _notify(clerk_a, "TS-2")
    _notify(manager_a, "TS-3")
    body = client.get("/api/v1/notifications", headers=_bearer(clerk_a)).json()
    assert body["count"] == 2
    assert [n["id"] for n in body["results"]] == [second.pk, first.pk]
    assert body["results"][1] == {
        "id": first.pk,
        "event": "complaint.overdue",
        "subject": "投诉 TS-1 已超时",
        "body": "",
        "url": "/complaints/TS-1/",
        "project": project_a.pk,
        "data": {"key": "TS-1"},
        "created_at": body["results"][1]["created_at"],
        "read_at": None,
    }


def test_mark_read_unread_filter_and_count(client, clerk_a):
    headers = _bearer(clerk_a)
    first = _notify(clerk_a, "TS-1")
    second = _notify(clerk_a, "TS-2")
    assert client.get("/api/v1/notifications/unread-count", headers=headers).json() == {"count": 2}
    # when one is read
    response = client.post(f"/api/v1/notifications/{first.pk}/read", headers=headers)
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    # then only the other is unread
    unread = client.get("/api/v1/notifications", {"unread": "true"}, headers=headers).json()
    assert [n["id"] for n in unread["results"]] == [second.pk]
    assert client.get("/api/v1/notifications/unread-count", headers=headers).json() == {"count": 1}
    # reading again keeps the first read time
    read_at = Notification.objects.get(pk=first.pk).read_at
    client.post(f"/api/v1/notifications/{first.pk}/read", headers=headers)
    assert Notification.objects.get(pk=first.pk).read_at == read_at


def test_mark_all_read(client, clerk_a, manager_a):
    headers = _bearer(clerk_a)
    for key in ("TS-1", "TS-2", "TS-3"):
        _notify(clerk_a, key)
    theirs = _notify(manager_a, "TS-4")
    response = client.post("/api/v1/notifications/read-all", headers=headers)
    assert response.json() == {"count": 3}
    assert client.get("/api/v1/notifications/unread-count", headers=headers).json() == {"count": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_someone_elses_notice_is_not_found(client, clerk_a, clerk_b):
    theirs = _notify(clerk_b, "TS-9")
    response = client.post(f"/api/v1/notifications/{theirs.pk}/read", headers=_bearer(clerk_a))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.parametrize("n", [5, 60])
def test_inbox_query_count_does_not_grow_with_rows(
    client, clerk_a, project_a, n, django_assert_max_num_queries
):
    for i in range(n):
        _notify(clerk_a, f"TS-{i}", project_a if i % 2 else None)
    headers = _bearer(clerk_a)
    # token + last-used write + count + page (no permissions needed for one's own inbox)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/notifications", {"page_size": 100}, headers=headers)
    assert len(response.json()["results"]) == n
