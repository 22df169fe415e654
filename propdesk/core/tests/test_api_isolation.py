"""Project isolation through the API (R-GEN-01, R-GEN-09): a user of project A gets 404 — never 403,
never data — for every read, change, delete and action on every kind of object of project B, and
B's objects never appear in A's lists, whatever the search or filter."""

import datetime as dt
import json

import pytest

from propdesk.core.models import (
    ApiToken,
    Building,
    Department,
    Membership,
    Occupancy,
    Resident,
    Staff,
    TimelineEvent,
    Unit,
)
from propdesk.core.services import tokens
from propdesk.core.tests.factories import BuildingFactory, ResidentFactory, UnitFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(project_a, project_b, manager_a, clerk_b):
    """Objects of every kind in project B, and a few in A to act on."""
    building_b = BuildingFactory(project=project_b, code="1", name="1栋")
    unit_b = UnitFactory(building=building_b, number="0101")
    resident_b = ResidentFactory(project=project_b, name="张三", mobile="13812345678")
    occupancy_b = Occupancy.objects.create(unit=unit_b, resident=resident_b, role="owner")
    unit_a = UnitFactory(building=BuildingFactory(project=project_a, code="1", name="1栋"))
    token_b, _ = tokens.create_token(user=clerk_b.user)
    return {
        "A": project_a.pk,
        "project": project_b.pk,
        "building": building_b.pk,
        "unit": unit_b.pk,
        "resident": resident_b.pk,
        "occupancy": occupancy_b.pk,
        "department": Department.objects.get(project=project_b, code="cs").pk,
        "staff": clerk_b.pk,
        "membership": Membership.objects.get(staff=clerk_b).pk,
        "token": token_b.pk,
        "unit_a": unit_a.pk,
        "building_a": unit_a.building_id,
    }


# (method, path, body) — {names} are filled from `world`.
FOREIGN_OBJECT_CALLS = [
    ("GET", "/projects/{project}", None),
    ("PATCH", "/projects/{project}", {"name": "改名"}),
    ("GET", "/buildings/{building}", None),
    ("PATCH", "/buildings/{building}", {"name": "改名"}),
    ("DELETE", "/buildings/{building}", None),
    ("GET", "/units/{unit}", None),
    ("PATCH", "/units/{unit}", {"status": "rented"}),
    ("DELETE", "/units/{unit}", None),
    ("GET", "/residents/{resident}", None),
    ("PATCH", "/residents/{resident}", {"note": "x"}),
    ("GET", "/residents/{resident}/units", None),
    ("POST", "/residents/{resident}/units", {"unit": "{unit_a}", "role": "owner"}),
    ("POST", "/occupancies/{occupancy}/end", {"end_date": "2026-01-01"}),
    ("GET", "/departments/{department}", None),
    ("PATCH", "/departments/{department}", {"phone": "1"}),
    ("DELETE", "/departments/{department}", None),
    ("GET", "/staff/{staff}", None),
    ("PATCH", "/staff/{staff}", {"name": "改名"}),
    ("POST", "/staff/{staff}/memberships", {"project": "{A}", "role": "cs_staff"}),
    ("POST", "/memberships/{membership}/end", None),
    ("POST", "/tokens/{token}/revoke", None),
    # creating inside project B
    ("POST", "/buildings", {"project": "{project}", "code": "9", "name": "9栋"}),
    (
        "POST",
        "/units",
        {"project": "{project}", "building": "{building}", "number": "9", "floor": 1, "area": 9},
    ),
    ("POST", "/residents", {"project": "{project}", "name": "李四"}),
    ("POST", "/departments", {"project": "{project}", "code": "x", "name": "X"}),
    (
        "POST",
        "/staff",
        {
            "project": "{project}",
            "username": "newbie",
            "password": "Very-Secret-2026",
            "name": "新人",
            "role": "cs_staff",
        },
    ),
    ("POST", "/staff/{staff}/memberships", {"project": "{project}", "role": "butler"}),
]


def _fill(value, world):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return world[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def _state():
    """Everything an isolation breach could change."""
    return (
        list(Building.objects.order_by("pk").values_list("pk", "name")),
        list(Unit.objects.order_by("pk").values_list("pk", "status")),
        list(Resident.objects.order_by("pk").values_list("pk", "note")),
        list(Occupancy.objects.order_by("pk").values_list("pk", "end_date")),
        list(Department.objects.order_by("pk").values_list("pk", "phone")),
        list(Staff.objects.order_by("pk").values_list("pk", "name")),
        list(Membership.objects.order_by("pk").values_list("pk", "is_active")),
        list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        TimelineEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    FOREIGN_OBJECT_CALLS,
    ids=[f"{m} {p} {sorted(b) if b else ''}" for m, p, b in FOREIGN_OBJECT_CALLS],
)
def test_r_gen_01_objects_of_another_project_are_404(client, manager_a, world, method, path, body):
    # given a manager of A (who may change everything in A) with a token
    headers = {"Authorization": f"Bearer {tokens.create_token(user=manager_a.user)[1]}"}
    before = _state()
    # when they touch an object of project B
    response = client.generic(
        method,
        "/api/v1" + path.format(**world),
        data="" if body is None else json.dumps(_fill(body, world)),
        content_type="application/json",
        headers=headers,
    )
    # then it does not exist for them, and nothing changed
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    assert _state() == before


LISTS = [
    ("/projects", {}),
    ("/buildings", {}),
    ("/buildings", {"q": "1栋"}),
    ("/units", {}),
    ("/units", {"q": "0101"}),
    ("/residents", {}),
    ("/residents", {"q": "张三"}),
    ("/residents", {"q": "zs"}),
    ("/residents", {"q": "5678"}),
    ("/residents", {"active": "all"}),
    ("/departments", {}),
    ("/departments", {"active": "all"}),
    ("/staff", {}),
    ("/staff", {"q": "zqt"}),
    ("/staff", {"active": "all"}),
    ("/tokens", {}),
]


@pytest.mark.parametrize(("path", "params"), LISTS, ids=[f"{p}{q}" for p, q in LISTS])
def test_r_gen_01_foreign_objects_never_listed(client, manager_a, world, path, params):
    headers = {"Authorization": f"Bearer {tokens.create_token(user=manager_a.user)[1]}"}
    foreign = {
        "/projects": {world["project"]},
        "/buildings": {world["building"]},
        "/units": {world["unit"]},
        "/residents": {world["resident"]},
        "/departments": set(
            Department.objects.filter(project_id=world["project"]).values_list("pk", flat=True)
        ),
        "/staff": {world["staff"]},
        "/tokens": {world["token"]},
    }[path]
    # also when filtering on project B explicitly
    for extra in ({}, {"project": world["project"]}):
        response = client.get(
            f"/api/v1{path}", {**params, **extra, "page_size": 500}, headers=headers
        )
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert ids.isdisjoint(foreign)
        if extra and path not in ("/projects", "/tokens"):
            assert response.json()["count"] == 0


def test_staff_seen_in_both_projects_shows_only_the_shared_memberships(
    client, manager_a, clerk_b, project_a, project_b
):
    # given B's clerk also holds a role in A
    grant(clerk_b, project_a, "butler")
    headers = {"Authorization": f"Bearer {tokens.create_token(user=manager_a.user)[1]}"}
    # then A's manager sees the person, but only the membership in A
    body = client.get(f"/api/v1/staff/{clerk_b.pk}", headers=headers).json()
    assert [(m["project"], m["role"]) for m in body["memberships"]] == [(project_a.pk, "butler")]
    listed = client.get("/api/v1/staff", {"q": "zqt"}, headers=headers).json()["results"]
    assert [(m["project"], m["role"]) for m in listed[0]["memberships"]] == [
        (project_a.pk, "butler")
    ]


def test_occupancy_dates_of_foreign_resident_unchanged(client, manager_a, world):
    # an explicit check on the most sensitive action: ending someone else's occupancy
    headers = {"Authorization": f"Bearer {tokens.create_token(user=manager_a.user)[1]}"}
    response = client.post(
        f"/api/v1/occupancies/{world['occupancy']}/end",
        data={"end_date": dt.date(2026, 1, 1).isoformat()},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 404
    assert Occupancy.objects.get(pk=world["occupancy"]).end_date is None
