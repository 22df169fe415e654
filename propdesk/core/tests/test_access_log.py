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
from propdesk.core.models import PersonalDataAccess
from propdesk.core.services import audit, tokens
from propdesk.core.tests.factories import ResidentFactory, make_id_number

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
