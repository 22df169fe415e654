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


def test_r_gen_09_admin_change_form_of_a_resident_is_logged(client, project_a, make_staff):
    # R-GEN-09
    from propdesk.core.models import PersonalDataAccess

    boss = make_staff(project_a, "cs_manager", name="钱主管", mobile="13900001111")
    boss.user.is_staff = boss.user.is_superuser = True
    boss.user.save()
    resident = ResidentFactory(project=project_a, name="张三", mobile="13812345678")
    client.force_login(boss.user)
    page = client.get(reverse("admin:core_resident_change", args=[resident.pk]))
    assert page.status_code == 200
    assert "13812345678" in page.content.decode()
    row = PersonalDataAccess.objects.get()
    assert (row.staff_id, row.project_id, row.object_type, row.object_id) == (
        boss.pk,
        project_a.pk,
        "resident",
        resident.pk,
    )
    assert row.fields == ["mobile", "id_number"] if resident.id_number else ["mobile"]
    # the staff change form is logged under the staff member's project
    assert client.get(reverse("admin:core_staff_change", args=[boss.pk])).status_code == 200
    staff_row = PersonalDataAccess.objects.exclude(pk=row.pk).get()
    assert (staff_row.object_type, staff_row.object_id, staff_row.project_id) == (
        "staff",
        boss.pk,
        project_a.pk,
    )


def test_r_gen_09_admin_without_a_staff_record_cannot_open_personal_data(admin_client, project_a):
    from propdesk.core.models import PersonalDataAccess

    resident = ResidentFactory(project=project_a, name="张三", mobile="13812345678")
    page = admin_client.get(reverse("admin:core_resident_change", args=[resident.pk]))
    assert page.status_code == 403
    assert "13812345678" not in page.content.decode()
    assert not PersonalDataAccess.objects.exists()
    # the list stays open, masked
    assert admin_client.get(reverse("admin:core_resident_changelist")).status_code == 200
