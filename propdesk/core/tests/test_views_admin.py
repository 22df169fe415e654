"""Django admin: every core model is registered and its list and add pages open."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from propdesk.core.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

CORE_MODELS = sorted(m._meta.model_name for m in apps.get_app_config("core").get_models())


def test_every_core_model_is_in_the_admin():
    registered = {m._meta.model_name for m in admin.site._registry if m._meta.app_label == "core"}
    assert sorted(registered) == CORE_MODELS


@pytest.mark.parametrize("model_name", CORE_MODELS)
def test_admin_list_and_add_pages_open(admin_client, project_a, model_name):
    ResidentFactory(project=project_a, name="张三")
    changelist = admin_client.get(reverse(f"admin:core_{model_name}_changelist"))
    assert changelist.status_code == 200
    add = admin_client.get(reverse(f"admin:core_{model_name}_add"))
    assert add.status_code in (200, 403)  # the timeline is append-only


def test_admin_resident_search_by_pinyin_initials_and_masked_phone(admin_client, project_a):
    ResidentFactory(project=project_a, name="张三", mobile="13812345678")
    ResidentFactory(project=project_a, name="李四")
    page = admin_client.get(reverse("admin:core_resident_changelist"), {"q": "zs"}).content.decode()
    assert "张三" in page
    assert "李四" not in page
    assert "138****5678" in page
