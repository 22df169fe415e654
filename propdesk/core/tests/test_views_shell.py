"""The shell: login, workbench, project switcher, language switch, inbox, error pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import translation

from propdesk.conftest import PASSWORD, login
from propdesk.core.middleware import SESSION_KEY
from propdesk.core.models import Notification
from propdesk.core.services import notifications
from propdesk.core.tests.factories import ResidentFactory, UnitFactory, grant

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        text = str(translation.gettext(msgid))
    assert CJK.search(text), f"no Chinese translation for {msgid!r}"
    return text


def html(response) -> str:
    return response.content.decode()


# --- login ----------------------------------------------------------------------------------
def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("login"))
    page = html(response)
    assert response.status_code == 200
    assert 'lang="zh-Hans"' in page
    assert zh("Login name") in page
    assert zh("Password") in page
    assert f">{zh('Log in')}</button>" in page


def test_login_with_a_wrong_password_says_so_in_chinese(client, clerk_a):
    response = client.post(
        reverse("login"), {"username": clerk_a.user.username, "password": "wrong"}
    )
    page = html(response)
    assert response.status_code == 200
    assert 'class="form-errors"' in page
    assert CJK.search(re.search(r'class="form-errors".*?</div>', page, re.S).group(0))


def test_login_lands_on_the_workbench(client, clerk_a, project_a):
    response = client.post(
        reverse("login"), {"username": clerk_a.user.username, "password": PASSWORD}, follow=True
    )
    page = html(response)
    assert response.redirect_chain[-1][0] == reverse("core:workbench")
    assert "王前台" in page
    assert project_a.name in page


def test_pages_need_a_login(client):
    response = client.get(reverse("core:resident_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_without_a_staff_profile_is_told_so(client):
    user = get_user_model().objects.create_user(username="nostaff", password=PASSWORD)
    client.force_login(user)
    response = client.get(reverse("core:workbench"))
    assert response.status_code == 403
    assert zh("No access") in html(response)


# --- workbench ------------------------------------------------------------------------------
def test_workbench_greets_and_counts_the_current_project(client, clerk_a, project_a, project_b):
    # given 2 units and 3 residents in A, and one of each in B
    UnitFactory.create_batch(2, building__project=project_a)
    ResidentFactory.create_batch(3, project=project_a)
    UnitFactory(building__project=project_b)
    ResidentFactory(project=project_b)
    notifications.notify(
        recipient=clerk_a, event="test", subject="请处理投诉", dedupe_key="t1", project=project_a
    )
    login(client, clerk_a)
    response = client.get(reverse("core:workbench"))
    page = html(response)
    assert response.context["unit_count"] == 2
    assert response.context["resident_count"] == 3
    assert response.context["staff_count"] == 1
    assert response.context["unread_count"] == 1
    assert "王前台" in page
    assert project_a.name in page
    assert zh("Workbench") in page
    assert (
        zh("Nothing to do right now. New complaints and repairs assigned to you will appear here.")
        in page
    )


def test_navigation_lists_every_module_and_the_user_menu(client, clerk_a):
    login(client, clerk_a)
    page = html(client.get(reverse("core:workbench")))
    for url_name in (
        "core:workbench",
        "complaints:index",
        "workorders:index",
        "billing:index",
        "residents:index",
        "reception:index",
        "core:reports",
        "core:settings",
    ):
        assert f'href="{reverse(url_name)}"' in page
    assert f'action="{reverse("logout")}"' in page
    assert f'action="{reverse("set_language")}"' in page
    assert 'class="menu-button"' in page
    # every script and stylesheet is served locally (no CDN)
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert assets
    assert all(url.startswith(("/static/", "data:")) for url in assets)
    assert "/static/django_htmx/htmx-2.min.js" in assets
    for path in ("propdesk/app.css", "propdesk/app.js"):
        assert f"/static/{path}" in assets
        assert finders.find(path)


def test_module_overview_pages_render(client, clerk_a):
    login(client, clerk_a)
    for url_name in ("workorders:index", "core:reports"):
        response = client.get(reverse(url_name))
        assert response.status_code == 200
        assert zh("This module is being built. It will cover:") in html(response)


# --- project switcher -----------------------------------------------------------------------
def test_project_switcher_switches_to_an_own_project_and_keeps_the_page(
    client, clerk_a, project_a, project_b
):
    grant(clerk_a, project_b, "cs_staff")
    ResidentFactory(project=project_b, name="江畔住户")
    login(client, clerk_a)
    page = html(client.get(reverse("core:resident_list")))
    assert f'<option value="{project_b.pk}"' in page
    response = client.post(
        reverse("core:switch_project"),
        {"project": project_b.pk, "next": reverse("core:resident_list")},
    )
    assert response.url == reverse("core:resident_list")
    assert client.session[SESSION_KEY] == project_b.pk
    assert "江畔住户" in html(client.get(reverse("core:resident_list")))


def test_project_switcher_refuses_a_project_of_others(client, clerk_a, project_a, project_b):
    login(client, clerk_a)
    client.get(reverse("core:workbench"))
    page = html(client.get(reverse("core:workbench")))
    assert f'<option value="{project_b.pk}"' not in page
    response = client.post(reverse("core:switch_project"), {"project": project_b.pk})
    assert response.status_code == 404
    assert client.session[SESSION_KEY] == project_a.pk


def test_project_switcher_ignores_an_outside_next_url(client, clerk_a, project_a):
    login(client, clerk_a)
    response = client.post(
        reverse("core:switch_project"), {"project": project_a.pk, "next": "https://evil.example/"}
    )
    assert response.url == reverse("core:workbench")


def test_project_switcher_needs_post(client, clerk_a, project_a):
    login(client, clerk_a)
    assert client.get(reverse("core:switch_project")).status_code == 405


# --- language -------------------------------------------------------------------------------
def test_english_switch_renders_english(client, clerk_a):
    login(client, clerk_a)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("core:resident_list")}
    )
    assert response.url == reverse("core:resident_list")
    response = client.get(reverse("core:resident_list"))
    page = html(response)
    assert response.headers["Content-Language"] == "en"
    assert 'lang="en"' in page
    assert "<h1>Residents</h1>" in page
    assert ">Workbench<" in page
    assert zh("Residents") not in page
    # and back to Chinese
    client.post(reverse("set_language"), {"language": "zh-hans"})
    assert f"<h1>{zh('Residents')}</h1>" in html(client.get(reverse("core:resident_list")))


# --- inbox ----------------------------------------------------------------------------------
def test_inbox_lists_own_notifications_and_marks_them_read(client, clerk_a, manager_a, project_a):
    notifications.notify(
        recipient=clerk_a, event="t", subject="投诉即将超时", dedupe_key="n1", url="/"
    )
    notifications.notify(recipient=clerk_a, event="t", subject="新的报修", dedupe_key="n2")
    notifications.notify(recipient=manager_a, event="t", subject="经理的通知", dedupe_key="n3")
    login(client, clerk_a)
    page = html(client.get(reverse("core:inbox")))
    assert "投诉即将超时" in page
    assert "新的报修" in page
    assert "经理的通知" not in page
    first = Notification.objects.get(dedupe_key__startswith="n1")
    response = client.post(reverse("core:inbox_read", args=[first.pk]))
    assert response.url == "/"
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("core:inbox_read_all"))
    assert notifications.unread_count(actor=clerk_a) == 0
    assert notifications.unread_count(actor=manager_a) == 1
    assert zh("No unread notifications.") in html(client.get(reverse("core:inbox"), {"unread": 1}))


def test_inbox_refuses_another_persons_notification(client, clerk_a, manager_a):
    notifications.notify(recipient=manager_a, event="t", subject="经理的通知", dedupe_key="m1")
    other = Notification.objects.get(dedupe_key__startswith="m1")
    login(client, clerk_a)
    assert client.post(reverse("core:inbox_read", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_empty_inbox_says_what_will_appear(client, clerk_a):
    login(client, clerk_a)
    page = html(client.get(reverse("core:inbox")))
    assert zh("No notifications yet. Reminders and escalations will appear here.") in page


# --- error pages ----------------------------------------------------------------------------
def test_not_found_page_is_chinese_and_inside_the_shell(client, clerk_a):
    login(client, clerk_a)
    response = client.get(reverse("core:resident_detail", args=[999999]))
    page = html(response)
    assert response.status_code == 404
    assert zh("This record does not exist, or it belongs to a project you do not work in.") in page
    assert 'class="sidebar"' in page
