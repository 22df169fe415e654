"""Department and staff pages: lists, details with memberships, forms, isolation, masking."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from propdesk.conftest import login
from propdesk.core.models import Department, Membership, Staff, TimelineEvent

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        text = str(translation.gettext(msgid))
    assert CJK.search(text), f"no Chinese translation for {msgid!r}"
    return text


def html(response) -> str:
    return response.content.decode()


def rows(page: str) -> str:
    match = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    return match.group(1) if match else ""


def test_department_list_shows_the_default_departments(client, clerk_a):
    login(client, clerk_a)
    page = rows(html(client.get(reverse("core:department_list"))))
    for name in ("客服部", "工程部", "秩序维护部", "环境部", "财务部"):
        assert name in page


def test_department_detail_lists_its_staff(client, manager_a, make_staff, project_a):
    engineering = Department.objects.get(project=project_a, code="engineering")
    tech = make_staff(project_a, "engineer", name="钱师傅")
    Membership.objects.filter(staff=tech).update(department=engineering)
    login(client, manager_a)
    page = html(client.get(reverse("core:department_detail", args=[engineering.pk])))
    assert "钱师傅" in page
    assert "工程部维修人员" in page


def test_manager_creates_a_department_and_duplicates_are_refused(client, manager_a, project_a):
    login(client, manager_a)
    response = client.post(
        reverse("core:department_create"), {"code": "catering", "name": "餐饮部", "phone": "8001"}
    )
    department = Department.objects.get(project=project_a, code="catering")
    assert response.url == reverse("core:department_detail", args=[department.pk])
    response = client.post(reverse("core:department_create"), {"code": "cs2", "name": "客服部"})
    page = html(response)
    assert re.search(r'id="id_name_error"', page)
    assert Department.objects.filter(project=project_a, name="客服部").count() == 1


def test_clerk_cannot_manage_departments(client, clerk_a, project_a):
    login(client, clerk_a)
    page = html(client.get(reverse("core:department_list")))
    assert reverse("core:department_create") not in page
    response = client.post(reverse("core:department_create"), {"code": "x", "name": "某部"})
    assert response.status_code == 403
    assert not Department.objects.filter(code="x").exists()


def test_r_gen_01_departments_and_staff_of_another_project_are_404(
    client, clerk_a, clerk_b, project_b
):
    # R-GEN-01
    other = Department.objects.filter(project=project_b).first()
    login(client, clerk_a)
    assert client.get(reverse("core:department_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("core:department_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("core:department_delete", args=[other.pk])).status_code == 404
    assert client.get(reverse("core:staff_detail", args=[clerk_b.pk])).status_code == 404
    assert client.get(reverse("core:staff_edit", args=[clerk_b.pk])).status_code == 404
    assert "周前台" not in rows(html(client.get(reverse("core:staff_list"))))
    assert Department.objects.filter(pk=other.pk).exists()


def test_staff_list_searches_by_pinyin_initials(client, clerk_a, manager_a):
    login(client, clerk_a)
    page = rows(html(client.get(reverse("core:staff_list"), {"q": "zjl"})))
    assert "赵经理" in page
    assert "王前台" not in page


def test_staff_list_filters_by_role(client, clerk_a, manager_a):
    login(client, clerk_a)
    page = rows(html(client.get(reverse("core:staff_list"), {"role": "cs_manager"})))
    assert "赵经理" in page
    assert "王前台" not in page


def test_r_gen_09_staff_phones_masked_for_an_engineer(client, engineer_a, make_staff, project_a):
    # R-GEN-09
    make_staff(project_a, "cs_staff", name="吴客服", mobile="13712345678")
    login(client, engineer_a)
    page = html(client.get(reverse("core:staff_list")))
    assert "137****5678" in page
    assert "13712345678" not in page


def test_manager_creates_staff_with_a_login_and_role(client, manager_a, project_a):
    login(client, manager_a)
    cs = Department.objects.get(project=project_a, code="cs")
    response = client.post(
        reverse("core:staff_create"),
        {
            "name": "郑管家",
            "mobile": "13611112222",
            "username": "zheng",
            "password": "Zheng-pass-2026",
            "role": "butler",
            "department": cs.pk,
        },
    )
    staff = Staff.objects.get(name="郑管家")
    assert response.url == reverse("core:staff_detail", args=[staff.pk])
    membership = Membership.objects.get(staff=staff)
    assert (membership.project_id, membership.role.code, membership.department_id) == (
        project_a.pk,
        "butler",
        cs.pk,
    )
    assert get_user_model().objects.get(username="zheng").check_password("Zheng-pass-2026")
    page = html(client.get(reverse("core:staff_detail", args=[staff.pk])))
    assert "亲情管家" in page
    assert zh("Staff member created") in page


def test_staff_form_errors_stay_beside_the_fields(client, manager_a, project_a):
    login(client, manager_a)
    response = client.post(
        reverse("core:staff_create"),
        {"name": "冯新", "mobile": "999", "username": "feng", "password": "1", "role": "cs_staff"},
    )
    page = html(response)
    assert 'id="id_mobile_error"' in page
    assert 'id="id_password_error"' in page
    assert 'value="冯新"' in page
    assert not Staff.objects.filter(name="冯新").exists()


def test_manager_grants_and_revokes_a_role(client, manager_a, clerk_a, project_a):
    login(client, manager_a)
    response = client.post(reverse("core:membership_add", args=[clerk_a.pk]), {"role": "archivist"})
    assert response.url == reverse("core:staff_detail", args=[clerk_a.pk])
    membership = Membership.objects.get(staff=clerk_a, role__code="archivist")
    client.post(reverse("core:membership_end", args=[membership.pk]))
    membership.refresh_from_db()
    assert membership.is_active is False
    assert list(
        TimelineEvent.objects.filter(object_id=str(clerk_a.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["staff.role_granted", "staff.role_revoked"]


def test_staff_edit_saves_and_shows_changes(client, manager_a, clerk_a):
    login(client, manager_a)
    response = client.post(
        reverse("core:staff_edit", args=[clerk_a.pk]),
        {"name": "王前台", "employee_no": "E-007", "mobile": "", "email": "", "is_active": "on"},
    )
    assert response.status_code == 302
    clerk_a.refresh_from_db()
    assert clerk_a.employee_no == "E-007"
    page = html(client.get(reverse("core:staff_detail", args=[clerk_a.pk])))
    assert "E-007" in page
    assert zh("Staff member changed") in page
