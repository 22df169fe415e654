"""Master data through the API: CRUD of projects, buildings, units, residents (+ occupancies),
departments, staff (+ memberships); masking (R-GEN-09); pagination and filters on every list; a
fixed number of queries per list page whatever the row count."""

import datetime as dt
from decimal import Decimal

import pytest

from propdesk.core.models import (
    Building,
    Department,
    Membership,
    Occupancy,
    Project,
    Staff,
    TimelineEvent,
    Unit,
)
from propdesk.core.services import tokens
from propdesk.core.tests.factories import (
    BuildingFactory,
    ProjectFactory,
    ResidentFactory,
    StaffFactory,
    UnitFactory,
    grant,
    make_id_number,
)

pytestmark = pytest.mark.django_db

MOBILE = "13812345678"
ID_NUMBER = make_id_number(123, birth=dt.date(1980, 1, 4))  # 110105198001041234


def _bearer(staff) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}


class Api:
    """A test client speaking JSON with one staff member's token."""

    def __init__(self, client, staff):
        self.client = client
        self.headers = _bearer(staff)

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path, data=None):
        return self.client.post(
            f"/api/v1{path}", data=data or {}, content_type="application/json", headers=self.headers
        )

    def patch(self, path, data):
        return self.client.patch(
            f"/api/v1{path}", data=data, content_type="application/json", headers=self.headers
        )

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def clerk(client, clerk_a):
    return Api(client, clerk_a)


@pytest.fixture
def manager(client, manager_a):
    return Api(client, manager_a)


# --- projects -----------------------------------------------------------------------------
def test_projects_list_and_read_only_own(clerk, project_a, project_b):
    body = clerk.get("/projects").json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == project_a.pk
    assert body["results"][0]["name"] == "翠湖小区"
    assert clerk.get(f"/projects/{project_a.pk}").json()["record_prefix"] == "地王"


def test_r_gen_02_manager_edits_script_name_partially(manager, project_a):
    # R-GEN-02
    response = manager.patch(f"/projects/{project_a.pk}", {"script_name": "加州1885"})
    assert response.status_code == 200
    assert response.json()["script_name"] == "加州1885"
    project_a.refresh_from_db()
    assert (project_a.script_name, project_a.name, project_a.record_prefix) == (
        "加州1885",
        "翠湖小区",
        "地王",
    )


def test_r_gen_01_company_admin_creates_a_project(client, project_a):
    # R-GEN-01
    admin = StaffFactory(name="管理员", company=project_a.company)
    grant(admin, project_a, "company_admin")
    api = Api(client, admin)
    response = api.post(
        "/projects", {"code": "sc1", "name": "升龙汇金中心", "kind": "sales_centre"}
    )
    assert response.status_code == 201
    created = Project.objects.get(code="sc1")
    assert response.json()["id"] == created.pk
    assert created.kind == "sales_centre"


def test_clerk_cannot_create_a_project(clerk, project_a):
    response = clerk.post("/projects", {"code": "x", "name": "X", "kind": "residential"})
    assert response.status_code == 404
    assert Project.objects.filter(code="x").count() == 0


# --- buildings ----------------------------------------------------------------------------
def test_building_create_patch_delete(clerk, project_a):
    response = clerk.post(
        "/buildings", {"project": project_a.pk, "code": "5", "name": "5栋", "floors": 26}
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "project": project_a.pk,
        "code": "5",
        "name": "5栋",
        "floors": 26,
        "delivered_on": None,
        "note": "",
        "unit_count": 0,
    }
    # a partial PATCH changes only what was sent
    response = clerk.patch(f"/buildings/{body['id']}", {"delivered_on": "2024-06-30"})
    assert response.status_code == 200
    building = Building.objects.get(pk=body["id"])
    assert (building.name, building.floors, building.delivered_on) == (
        "5栋",
        26,
        dt.date(2024, 6, 30),
    )
    assert clerk.delete(f"/buildings/{body['id']}").status_code == 204
    assert Building.objects.filter(pk=body["id"]).count() == 0


def test_building_with_units_cannot_be_deleted(clerk, project_a):
    unit = UnitFactory(building=BuildingFactory(project=project_a))
    response = clerk.delete(f"/buildings/{unit.building_id}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["building"]
    assert Building.objects.filter(pk=unit.building_id).count() == 1


def test_buildings_search_and_project_filter(clerk, project_a):
    BuildingFactory(project=project_a, code="1", name="1栋")
    BuildingFactory(project=project_a, code="2", name="会所")
    assert [b["name"] for b in clerk.get("/buildings", q="会所").json()["results"]] == ["会所"]
    assert clerk.get("/buildings", project=project_a.pk).json()["count"] == 2


# --- units --------------------------------------------------------------------------------
def test_unit_create_returns_building_and_area(clerk, project_a):
    building = BuildingFactory(project=project_a, code="3", name="3栋")
    response = clerk.post(
        "/units",
        {
            "project": project_a.pk,
            "building": building.pk,
            "number": "0302",
            "floor": 3,
            "area": "89.5",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["building"] == {"id": building.pk, "code": "3", "name": "3栋"}
    assert (body["label"], body["area"], body["status"], body["resident_count"]) == (
        "3栋-0302",
        "89.50",
        "vacant",
        0,
    )
    assert Unit.objects.get(pk=body["id"]).area == Decimal("89.50")


def test_unit_patch_status_is_on_the_timeline(clerk, project_a):
    unit = UnitFactory(building=BuildingFactory(project=project_a))
    response = clerk.patch(f"/units/{unit.pk}", {"status": "decorating"})
    assert response.json()["status"] == "decorating"
    event = TimelineEvent.objects.get(action="unit.updated")
    assert (event.from_state, event.to_state) == ("vacant", "decorating")


def test_units_filters(clerk, project_a):
    # Building codes are fixed: a search term also matches building codes, and the factory's
    # sequence would otherwise reach codes like "102" in a long run.
    b1 = BuildingFactory(project=project_a, code="A")
    b2 = BuildingFactory(project=project_a, code="B")
    UnitFactory(building=b1, number="0101", floor=1)
    UnitFactory(building=b1, number="0201", floor=2, status="occupied")
    UnitFactory(building=b2, number="0202", floor=2)

    def numbers(**params):
        return sorted(u["number"] for u in clerk.get("/units", **params).json()["results"])

    assert numbers(building=b1.pk) == ["0101", "0201"]
    assert numbers(floor=2) == ["0201", "0202"]
    assert numbers(status="occupied") == ["0201"]
    assert numbers(q="02") == ["0201", "0202"]


def test_unit_with_history_cannot_be_deleted_empty_one_can(clerk, project_a):
    used = UnitFactory(building=BuildingFactory(project=project_a))
    Occupancy.objects.create(unit=used, resident=ResidentFactory(project=project_a), role="owner")
    empty = UnitFactory(building=used.building)
    assert clerk.delete(f"/units/{used.pk}").status_code == 422
    assert clerk.delete(f"/units/{empty.pk}").status_code == 204
    assert list(Unit.objects.values_list("pk", flat=True)) == [used.pk]


# --- residents and occupancies ------------------------------------------------------------
def test_resident_create_link_and_end(clerk, project_a):
    unit = UnitFactory(building=BuildingFactory(project=project_a, name="3栋"), number="0301")
    # when a resident is registered
    response = clerk.post(
        "/residents",
        {
            "project": project_a.pk,
            "name": "张三",
            "salutation": "mr",
            "mobile": "+86 138-1234-5678",
            "id_number": ID_NUMBER,
        },
    )
    assert response.status_code == 201
    resident = response.json()
    assert (resident["mobile"], resident["id_number"]) == (MOBILE, ID_NUMBER)
    assert (resident["addressed_as"], resident["name_initials"], resident["units"]) == (
        "张先生",
        "zs",
        [],
    )
    # and linked to a unit as owner
    response = clerk.post(
        f"/residents/{resident['id']}/units",
        {"unit": unit.pk, "role": "owner", "start_date": "2025-03-01"},
    )
    assert response.status_code == 201
    occupancy = response.json()
    assert (occupancy["label"], occupancy["role"], occupancy["end_date"]) == (
        "3栋-0301",
        "owner",
        None,
    )
    units = clerk.get(f"/residents/{resident['id']}").json()["units"]
    assert units == [
        {
            "occupancy": occupancy["id"],
            "unit": unit.pk,
            "label": "3栋-0301",
            "role": "owner",
            "start_date": "2025-03-01",
        }
    ]
    # when the link ends, the resident has no current unit but the history keeps it
    response = clerk.post(f"/occupancies/{occupancy['id']}/end", {"end_date": "2026-01-31"})
    assert response.status_code == 200
    assert response.json()["end_date"] == "2026-01-31"
    assert clerk.get(f"/residents/{resident['id']}").json()["units"] == []
    history = clerk.get(f"/residents/{resident['id']}/units").json()
    assert [(o["id"], o["end_date"]) for o in history["results"]] == [
        (occupancy["id"], "2026-01-31")
    ]


def test_resident_patch_is_partial(clerk, project_a):
    resident = ResidentFactory(project=project_a, name="李四", mobile=MOBILE)
    response = clerk.patch(f"/residents/{resident.pk}", {"note": "VIP"})
    assert response.status_code == 200
    resident.refresh_from_db()
    assert (resident.name, resident.mobile, resident.note) == ("李四", MOBILE, "VIP")


def test_ending_an_ended_link_is_a_field_error(clerk, project_a):
    unit = UnitFactory(building=BuildingFactory(project=project_a))
    occupancy = Occupancy.objects.create(
        unit=unit,
        resident=ResidentFactory(project=project_a),
        role="tenant",
        end_date=dt.date(2025, 1, 1),
    )
    response = clerk.post(f"/occupancies/{occupancy.pk}/end", {"end_date": "2025-02-01"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["end_date"]
    occupancy.refresh_from_db()
    assert occupancy.end_date == dt.date(2025, 1, 1)


def test_residents_filters(clerk, project_a):
    b1 = BuildingFactory(project=project_a)
    u1 = UnitFactory(building=b1, number="0101")
    u2 = UnitFactory(building=BuildingFactory(project=project_a), number="0901")
    zhang = ResidentFactory(project=project_a, name="张三")
    li = ResidentFactory(project=project_a, name="李四")
    wang = ResidentFactory(project=project_a, name="王五", is_active=False)
    Occupancy.objects.create(unit=u1, resident=zhang, role="owner")
    Occupancy.objects.create(unit=u2, resident=li, role="tenant")

    def names(**params):
        return sorted(r["name"] for r in clerk.get("/residents", **params).json()["results"])

    assert names() == ["张三", "李四"]
    assert names(q="zs") == ["张三"]
    assert names(q="0901") == ["李四"]
    assert names(building=b1.pk) == ["张三"]
    assert names(unit=u2.pk) == ["李四"]
    assert names(role="tenant") == ["李四"]
    assert names(active="false") == ["王五"]
    assert names(active="all") == ["张三", "李四", "王五"]
    assert wang.pk not in [r["id"] for r in clerk.get("/residents").json()["results"]]


def test_r_gen_09_engineer_sees_masked_personal_data(client, engineer_a, project_a):
    resident = ResidentFactory(project=project_a, mobile=MOBILE, id_number=ID_NUMBER)
    api = Api(client, engineer_a)
    listed = api.get("/residents").json()["results"][0]
    detail = api.get(f"/residents/{resident.pk}").json()
    for body in (listed, detail):
        assert (body["mobile"], body["id_number"]) == ("138****5678", "110***********1234")


def test_r_gen_09_clerk_sees_personal_data(clerk, project_a):
    resident = ResidentFactory(project=project_a, mobile=MOBILE, id_number=ID_NUMBER)
    listed = clerk.get("/residents").json()["results"][0]
    detail = clerk.get(f"/residents/{resident.pk}").json()
    for body in (listed, detail):
        assert (body["mobile"], body["id_number"]) == (MOBILE, ID_NUMBER)


def test_r_gen_09_masking_follows_the_role_in_each_project(
    client, make_staff, project_a, project_b
):
    # given a person who is a clerk in A but only an engineer in B
    person = make_staff(project_a, "cs_staff", name="双岗")
    grant(person, project_b, "engineer")
    ResidentFactory(project=project_a, name="甲", mobile=MOBILE)
    ResidentFactory(project=project_b, name="乙", mobile="13987654321")
    results = Api(client, person).get("/residents").json()["results"]
    assert {r["name"]: r["mobile"] for r in results} == {"甲": MOBILE, "乙": "139****4321"}


# --- departments, staff, memberships ------------------------------------------------------
def test_department_create_patch_delete(manager, project_a):
    response = manager.post(
        "/departments", {"project": project_a.pk, "code": "club", "name": "会所"}
    )
    assert response.status_code == 201
    department_id = response.json()["id"]
    response = manager.patch(f"/departments/{department_id}", {"is_active": False})
    assert response.json()["is_active"] is False
    assert [d["code"] for d in manager.get("/departments", active="false").json()["results"]] == [
        "club"
    ]
    assert "club" not in [d["code"] for d in manager.get("/departments").json()["results"]]
    assert manager.delete(f"/departments/{department_id}").status_code == 204
    assert Department.objects.filter(pk=department_id).count() == 0


def test_clerk_cannot_create_departments(clerk, project_a):
    response = clerk.post("/departments", {"project": project_a.pk, "code": "x", "name": "X"})
    assert response.status_code == 403
    # the role lacks the permission itself: told apart from a refusal of one step ("forbidden")
    assert response.json()["code"] == "permission_missing"
    assert response.json()["title"] == "您的角色没有此权限"
    assert Department.objects.filter(code="x").count() == 0


def test_staff_create_membership_add_and_end(manager, project_a, clerk_a):
    cs = Department.objects.get(project=project_a, code="cs")
    # when a manager creates a butler with a login
    response = manager.post(
        "/staff",
        {
            "project": project_a.pk,
            "username": "butler1",
            "password": "Very-Secret-2026",
            "name": "陈管家",
            "mobile": "13900001111",
            "role": "butler",
            "department": cs.pk,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["username"], body["name_initials"], body["mobile"]) == (
        "butler1",
        "cgj",
        "139****1111",
    )
    assert [(m["role"], m["department_name"]) for m in body["memberships"]] == [
        ("butler", "客服部")
    ]
    staff_id = body["id"]
    # and grants a second role
    response = manager.post(
        f"/staff/{staff_id}/memberships", {"project": project_a.pk, "role": "archivist"}
    )
    assert response.status_code == 201
    membership_id = response.json()["id"]
    roles = [m["role"] for m in manager.get(f"/staff/{staff_id}").json()["memberships"]]
    assert sorted(roles) == ["archivist", "butler"]
    # and ends it
    response = manager.post(f"/memberships/{membership_id}/end")
    assert response.json()["is_active"] is False
    assert Membership.objects.get(pk=membership_id).is_active is False


def test_staff_patch_and_filters(manager, project_a, clerk_a, engineer_a):
    response = manager.patch(f"/staff/{clerk_a.pk}", {"employee_no": "E-007"})
    assert response.json()["employee_no"] == "E-007"
    assert Staff.objects.get(pk=clerk_a.pk).name == "王前台"

    def names(**params):
        return sorted(s["name"] for s in manager.get("/staff", **params).json()["results"])

    assert names(role="engineer") == ["孙工程"]
    assert names(q="wqt") == ["王前台"]
    assert names(q="E-007") == ["王前台"]
    assert names() == ["孙工程", "王前台", "赵经理"]


# --- pagination ---------------------------------------------------------------------------
def test_pagination_pages_and_counts(clerk, project_a):
    for code in range(1, 8):
        BuildingFactory(project=project_a, code=f"{code:02d}", name=f"{code}栋")
    first = clerk.get("/buildings", page_size=3).json()
    third = clerk.get("/buildings", page_size=3, page=3).json()
    beyond = clerk.get("/buildings", page_size=3, page=9).json()
    assert (first["count"], first["page"], first["page_size"]) == (7, 1, 3)
    assert [b["code"] for b in first["results"]] == ["01", "02", "03"]
    assert [b["code"] for b in third["results"]] == ["07"]
    assert (beyond["count"], beyond["results"]) == (7, [])
    assert clerk.get("/buildings").json()["page_size"] == 50


# --- query counts -------------------------------------------------------------------------
def _rows(kind: str, n: int, project: Project, actor: Staff) -> str:
    """Create n rows of one kind visible to `actor`; return the list path."""
    if kind == "projects":
        for i in range(n - 1):
            grant(actor, ProjectFactory(company=project.company, code=f"x{i}"), "cs_staff")
        return "/projects"
    if kind == "buildings":
        for i in range(n):
            BuildingFactory(project=project, code=f"b{i}")
        return "/buildings"
    if kind == "units":
        building = BuildingFactory(project=project)
        for i in range(n):
            UnitFactory(building=building, number=f"{i:04d}")
        return "/units"
    if kind == "residents":
        building = BuildingFactory(project=project)
        for i in range(n):
            unit = UnitFactory(building=building, number=f"{i:04d}")
            Occupancy.objects.create(
                unit=unit, resident=ResidentFactory(project=project, name=f"住户{i}"), role="owner"
            )
        return "/residents"
    if kind == "resident_units":
        resident = ResidentFactory(project=project)
        building = BuildingFactory(project=project)
        for i in range(n):
            Occupancy.objects.create(
                unit=UnitFactory(building=building, number=f"{i:04d}"),
                resident=resident,
                role="owner",
            )
        return f"/residents/{resident.pk}/units"
    if kind == "departments":
        for i in range(n - Department.objects.filter(project=project).count()):
            Department.objects.create(project=project, code=f"d{i}", name=f"部门{i}")
        return "/departments"
    if kind == "staff":
        for i in range(n - 1):
            member = StaffFactory(company=project.company, name=f"员工{i}")
            grant(member, project, "butler")
            grant(member, project, "archivist")
        return "/staff"
    if kind == "tokens":
        for i in range(n - 1):
            tokens.create_token(user=actor.user, name=f"t{i}")
        return "/tokens"
    raise AssertionError(kind)


# Bearer auth (token row, rare last-used write) + permissions + count + page (+ one prefetch);
# residents in clear: + the one INSERT of the personal-data access log (R-GEN-09).
QUERY_BOUNDS = {
    "projects": 5,
    "buildings": 5,
    "units": 5,
    "residents": 7,
    "resident_units": 6,
    "departments": 5,
    "staff": 6,
    "tokens": 5,
}


@pytest.mark.parametrize("n", [6, 60])
@pytest.mark.parametrize("kind", sorted(QUERY_BOUNDS))
def test_list_query_count_does_not_grow_with_rows(
    client, manager_a, project_a, kind, n, django_assert_max_num_queries
):
    # given n rows (the department and staff lists start with the project's defaults)
    path = _rows(kind, n, project_a, manager_a)
    headers = _bearer(manager_a)
    # when the whole list is read in one page
    with django_assert_max_num_queries(QUERY_BOUNDS[kind]):
        response = client.get(f"/api/v1{path}", {"page_size": 100}, headers=headers)
    # then every row is there and the number of queries is the same for 6 and 60 rows
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == body["count"]
    assert body["count"] >= n
