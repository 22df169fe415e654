"""The personal-data access log (R-GEN-09, PIPL): every view of unmasked personal data writes one
row (who, role, project, when, object, fields, request id, IP); masked views and failed requests
write none; managers with `audit.view` filter the log and export it to Excel, at a fixed number of
queries per page."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from propdesk.conftest import login
from propdesk.core import permissions as P
from propdesk.core.models import PersonalDataAccess, Role
from propdesk.core.services import audit, tokens
from propdesk.core.tests.factories import ResidentFactory, grant, make_id_number

pytestmark = pytest.mark.django_db

MOBILE = "13812345678"
ID_NUMBER = make_id_number(123, birth=dt.date(1980, 1, 4))
LOG = reverse("core:access_log")
EXPORT = reverse("core:access_log_export")


@pytest.fixture
def zhang(project_a):
    return ResidentFactory(project=project_a, name="张三", mobile=MOBILE, id_number=ID_NUMBER)


def _bearer(staff) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}


# --- what is logged -------------------------------------------------------------------------
def test_r_gen_09_detail_page_in_clear_writes_one_row(client, clerk_a, project_a, zhang):
    login(client, clerk_a)
    response = client.get(reverse("core:resident_detail", args=[zhang.pk]))
    assert response.status_code == 200
    row = PersonalDataAccess.objects.get()
    assert (row.staff, row.project, row.channel) == (clerk_a, project_a, "page")
    assert (row.object_type, row.object_id, row.object_label) == ("resident", zhang.pk, "张三")
    assert row.fields == ["mobile", "id_number"]
    assert row.roles == "客服前台"
    assert row.ip == "127.0.0.1"
    assert row.path == reverse("core:resident_detail", args=[zhang.pk])
    assert row.request_id == (response.get("X-Request-ID") or "")
    assert abs((timezone.now() - row.at).total_seconds()) < 60


def test_r_gen_09_api_read_in_clear_writes_one_row(client, clerk_a, zhang):
    body = client.get(f"/api/v1/residents/{zhang.pk}", headers=_bearer(clerk_a)).json()
    assert body["id_number"] == ID_NUMBER
    row = PersonalDataAccess.objects.get()
    assert (row.channel, row.object_id, row.fields) == ("api", zhang.pk, ["mobile", "id_number"])


def test_edit_form_shows_clear_data_and_is_logged(client, clerk_a, zhang):
    login(client, clerk_a)
    assert client.get(reverse("core:resident_edit", args=[zhang.pk])).status_code == 200
    assert list(PersonalDataAccess.objects.values_list("object_type", "object_id")) == [
        ("resident", zhang.pk)
    ]


def test_list_page_writes_one_row_per_request_whatever_its_length(client, clerk_a, project_a):
    for n in range(7):
        ResidentFactory(project=project_a, name=f"住户{n}", id_number=make_id_number(n))
    login(client, clerk_a)
    assert client.get(reverse("core:resident_list")).status_code == 200
    row = PersonalDataAccess.objects.get()
    # the list shows phones only; the row counts the people shown
    assert (row.object_type, row.object_id, row.row_count) == ("resident_list", None, 7)
    assert row.fields == ["mobile", "id_number"]


def test_only_fields_with_a_value_are_logged(client, clerk_a, project_a):
    resident = ResidentFactory(project=project_a, mobile="", id_number=ID_NUMBER)
    login(client, clerk_a)
    client.get(reverse("core:resident_detail", args=[resident.pk]))
    assert PersonalDataAccess.objects.get().fields == ["id_number"]


def test_r_gen_09_masked_views_write_nothing(client, engineer_a, zhang):
    login(client, engineer_a)
    assert client.get(reverse("core:resident_detail", args=[zhang.pk])).status_code == 200
    assert client.get(reverse("core:resident_list")).status_code == 200
    client.get(f"/api/v1/residents/{zhang.pk}", headers=_bearer(engineer_a))
    assert PersonalDataAccess.objects.count() == 0


def test_resident_without_personal_data_writes_nothing(client, clerk_a, project_a):
    resident = ResidentFactory(project=project_a, mobile="", id_number="")
    login(client, clerk_a)
    client.get(reverse("core:resident_detail", args=[resident.pk]))
    assert PersonalDataAccess.objects.count() == 0


def test_refused_request_writes_nothing(client, clerk_b, zhang):
    # another project's resident: 404 through UI and API, and no trace in the log
    login(client, clerk_b)
    assert client.get(reverse("core:resident_detail", args=[zhang.pk])).status_code == 404
    assert client.get(f"/api/v1/residents/{zhang.pk}", headers=_bearer(clerk_b)).status_code == 404
    assert PersonalDataAccess.objects.count() == 0


# --- the resident list through the API ------------------------------------------------------
def test_r_gen_09_api_resident_list_in_clear_writes_one_row_per_project(
    client, make_staff, project_a, project_b
):
    # a clerk in both projects reads one page holding residents of both
    person = make_staff(project_a, "cs_staff", name="双项目")
    grant(person, project_b, "cs_staff")
    for n in range(3):
        ResidentFactory(project=project_a, name=f"甲{n}", id_number=make_id_number(400 + n))
    ResidentFactory(project=project_b, name="乙", mobile=MOBILE, id_number="")
    ResidentFactory(project=project_b, name="无号", mobile="", id_number="")
    body = client.get("/api/v1/residents", {"page_size": 100}, headers=_bearer(person)).json()
    assert body["count"] == 5
    rows = list(
        PersonalDataAccess.objects.order_by("project_id").values_list(
            "project_id", "object_type", "object_id", "channel", "fields", "row_count"
        )
    )
    assert rows == [
        (project_a.pk, "resident_list", None, "api", ["mobile", "id_number"], 3),
        (project_b.pk, "resident_list", None, "api", ["mobile"], 1),
    ]


def test_r_gen_09_api_resident_list_masked_writes_nothing(client, engineer_a, zhang):
    body = client.get("/api/v1/residents", headers=_bearer(engineer_a)).json()
    assert body["results"][0]["mobile"] == "138****5678"
    assert PersonalDataAccess.objects.count() == 0


def test_r_gen_09_api_resident_list_logs_only_the_projects_shown_in_clear(
    client, make_staff, project_a, project_b, zhang
):
    person = make_staff(project_a, "cs_staff", name="双岗")
    grant(person, project_b, "engineer")
    ResidentFactory(project=project_b, name="乙", mobile="13987654321")
    client.get("/api/v1/residents", headers=_bearer(person))
    assert list(PersonalDataAccess.objects.values_list("project_id", "row_count")) == [
        (project_a.pk, 1)
    ]


# --- staff ------------------------------------------------------------------------------------
STAFF_MOBILE = "13712345678"


@pytest.fixture
def wu(make_staff, project_a):
    return make_staff(project_a, "cs_staff", name="吴客服", mobile=STAFF_MOBILE)


def test_r_gen_09_staff_list_page_in_clear_writes_one_row(client, manager_a, wu):
    login(client, manager_a)
    page = client.get(reverse("core:staff_list")).content.decode()
    assert STAFF_MOBILE in page
    row = PersonalDataAccess.objects.get()
    assert (row.object_type, row.object_id, row.channel) == ("staff_list", None, "page")
    assert (row.fields, row.row_count, row.object_label) == (["mobile"], 1, "吴客服")


@pytest.mark.parametrize("url", ["core:staff_detail", "core:staff_edit"])
def test_r_gen_09_staff_page_in_clear_writes_one_row(client, manager_a, project_a, wu, url):
    login(client, manager_a)
    page = client.get(reverse(url, args=[wu.pk])).content.decode()
    assert STAFF_MOBILE in page
    row = PersonalDataAccess.objects.get()
    assert (row.object_type, row.object_id, row.object_label) == ("staff", wu.pk, "吴客服")
    assert (row.project, row.fields, row.row_count) == (project_a, ["mobile"], 1)


def test_r_gen_09_staff_pages_masked_write_nothing(client, engineer_a, wu):
    login(client, engineer_a)
    assert "137****5678" in client.get(reverse("core:staff_list")).content.decode()
    assert "137****5678" in client.get(reverse("core:staff_detail", args=[wu.pk])).content.decode()
    assert PersonalDataAccess.objects.count() == 0


def test_r_gen_09_staff_edit_form_masks_the_phone_without_personal_data(
    client, make_staff, project_a, wu
):
    # a role that manages staff but does not see personal data (none of the default ones)
    role = Role.objects.create(
        code="hr_clerk",
        name="人事专员",
        name_en="HR clerk",
        org_unit="property",
        permissions=[P.VIEW_MASTERDATA, P.MANAGE_STAFF],
    )
    hr = make_staff(project_a, role.code, name="人事")
    login(client, hr)
    url = reverse("core:staff_edit", args=[wu.pk])
    page = client.get(url).content.decode()
    assert 'value="137****5678"' in page
    assert STAFF_MOBILE not in page
    # saving the untouched masked phone keeps the real one
    response = client.post(url, {"name": "吴客服", "mobile": "137****5678", "is_active": "on"})
    assert response.status_code == 302
    wu.refresh_from_db()
    assert wu.mobile == STAFF_MOBILE
    assert PersonalDataAccess.objects.count() == 0


def test_r_gen_09_staff_api_masks_staff_phones_for_every_role_and_logs_nothing(
    client, manager_a, wu
):
    # a staff member belongs to no single project: the API never shows their phone in clear
    headers = _bearer(manager_a)
    assert client.get(f"/api/v1/staff/{wu.pk}", headers=headers).json()["mobile"] == "137****5678"
    listed = client.get("/api/v1/staff", headers=headers).json()["results"]
    assert STAFF_MOBILE not in {s["mobile"] for s in listed}
    assert PersonalDataAccess.objects.count() == 0


# --- the log page ---------------------------------------------------------------------------
_SEQ = itertools.count(300)


def _entries(actor, project, n, **kw):
    context = audit.AccessContext(request_id="req-1", ip="10.0.0.8", path="/x/")
    residents = [
        ResidentFactory(project=project, name=f"业主{i}", id_number=make_id_number(next(_SEQ)))
        for i in range(n)
    ]
    for resident in residents:
        audit.record_personal_data_access(
            actor=actor,
            project_id=project.pk,
            object_type="resident",
            object_id=resident.pk,
            object_label=resident.name,
            fields=["id_number"],
            context=context,
            **kw,
        )
    return residents


def test_manager_sees_the_log_of_the_current_project_only(
    client, manager_a, clerk_a, clerk_b, project_a, project_b
):
    _entries(clerk_a, project_a, 2)
    _entries(clerk_b, project_b, 1)
    login(client, manager_a)
    page = client.get(LOG).content.decode()
    assert "业主0" in page
    assert "业主1" in page
    assert "王前台" in page
    assert "周前台" not in page  # project B's log is not shown in project A


@pytest.mark.parametrize("role", ["cs_staff", "engineer"])
def test_log_is_refused_without_audit_view(client, make_staff, project_a, role):
    staff = make_staff(project_a, role, name="无权限")
    login(client, staff)
    assert client.get(LOG).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_log_filters(client, manager_a, clerk_a, make_staff, project_a):
    butler = make_staff(project_a, "butler", name="钱管家")
    first = _entries(clerk_a, project_a, 1)[0]
    audit.record_personal_data_access(
        actor=butler,
        project_id=project_a.pk,
        object_type="resident",
        object_id=first.pk,
        object_label=first.name,
        fields=["mobile"],
        context=audit.AccessContext(channel="api"),
    )
    old = PersonalDataAccess.objects.get(staff=clerk_a)
    old.at = timezone.now() - dt.timedelta(days=40)
    old.save(update_fields=["at"])
    login(client, manager_a)

    def staff_names(**params):
        rows = client.get(LOG, params).context["page"].object_list
        return [r.staff.name for r in rows]

    assert staff_names() == ["钱管家", "王前台"]
    assert staff_names(q="钱") == ["钱管家"]
    assert staff_names(staff=clerk_a.pk) == ["王前台"]
    assert staff_names(channel="api") == ["钱管家"]
    assert staff_names(object_type="resident", object_id=first.pk) == ["钱管家", "王前台"]
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert staff_names(date_from=since) == ["钱管家"]
    assert staff_names(date_to=since) == ["王前台"]


def test_log_page_query_count_does_not_grow_with_rows(
    client, manager_a, clerk_a, project_a, django_assert_max_num_queries
):
    login(client, manager_a)
    _entries(clerk_a, project_a, 3)
    with django_assert_max_num_queries(12) as few:
        assert client.get(LOG).status_code == 200
    _entries(clerk_a, project_a, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(LOG)
    assert page.context["page"].paginator.count == 33


def test_log_export_is_an_excel_workbook(client, manager_a, clerk_a, project_a):
    _entries(clerk_a, project_a, 3)
    login(client, manager_a)
    response = client.get(EXPORT, {"q": "业主1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(values) if row[0] == "时间")
    data = values[header_at + 1 :]
    assert len(data) == 1
    assert data[0][1] == "王前台"
    assert data[0][6] == "业主1"
    assert data[0][9] == "10.0.0.8"
    assert data[0][10] == "req-1"
