"""Cross-project isolation fuzz (R-GEN-01): users of project A, in random roles, call random API
operations on random objects of project B — every kind the API reaches (projects, buildings,
units, residents, occupancies, departments, staff, memberships, calendar overrides, complaints,
contact sheets, reply letters, complaint groups, visits, intercom calls, VIP rooms) — with
random bodies. Every call is 404 problem+json and the database is unchanged.

A seeded random loop (reproducible: the seed is in the test id) rather than hypothesis, so the
world is built once per module and the number of calls is fixed.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from propdesk.core import permission_matrix as M
from propdesk.core.models import Membership, Post, Role
from propdesk.core.services import tokens
from propdesk.core.tests.factories import StaffFactory
from propdesk.core.tests.fuzz_world import PATH_PARAMS as PARAMS
from propdesk.core.tests.fuzz_world import world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()

# Body fields that name a project or an object: filled with project B's ids.
BODY_REFS = {
    "project": "project",
    "building": "building",
    "unit": "unit",
    "department_id": "department",
    "staff_id": "staff",
    "complaint_ids": "complaint",
}
NOISE = ["", "改", 1, 0, True, None, "2026-12-01", "2026-12-01T10:00:00+08:00", "可以接待"]
ROLES = ["company_admin", "cs_manager", "cs_staff", "engineer", "duty_manager", "salesperson"]


def _operations() -> list[M.Entry]:
    """Operations that name an object of a project in their path (the ones a foreign id can
    reach), plus creations that name the project in their body."""
    entries = [e for e in M.api_entries() if e.need is not None]
    by_path = [e for e in entries if any("{" + p + "}" in e.path for p in PARAMS)]
    creations = [e for e in entries if e.method == "POST" and "{" not in e.path]
    return [e for e in by_path + creations if e.key not in ("create_token", "mark_all_read")]


OPERATIONS = _operations()


def _snapshot() -> dict[str, Any]:
    """Every row of every PropDesk table (auth and sessions aside: tokens' last use is not a
    change of data)."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label not in ("core", "complaints", "reception"):
            continue
        if model._meta.model_name in ("apitoken", "personaldataaccess"):
            continue
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


@pytest.fixture(scope="module")
def intruders(world: dict[str, Any], django_db_blocker: Any) -> dict[str, dict[str, str]]:
    project = world["A"]["project_obj"]
    people = {}
    with django_db_blocker.unblock():
        for role in ROLES:
            staff = StaffFactory(name=f"越界{role}", company=project.company)
            Membership.objects.create(
                staff=staff,
                project=project,
                role=Role.objects.get(code=role),
                post=Post.objects.get(project=project, code="CENTRE"),
            )
            people[role] = {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}
    return people


def _body(rng: random.Random, b: dict[str, Any], entry: M.Entry) -> Any:
    if entry.method in ("GET", "DELETE"):
        return None
    body: dict[str, Any] = {}
    for field, kind in BODY_REFS.items():
        if rng.random() < 0.7:
            body[field] = [b[kind]] if field == "complaint_ids" else b[kind]
    for field in ("name", "code", "note", "reason", "result", "content", "body", "reply"):
        if rng.random() < 0.3:
            body[field] = rng.choice(NOISE)
    if entry.key.startswith("create") or entry.key in ("receive_complaint", "send_call"):
        body["project"] = b["project"]  # a creation inside B is the breach to try
    return body


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_r_gen_01_random_calls_on_project_b_objects_are_404_and_change_nothing(
    seed: int, world: dict[str, Any], intruders: dict[str, dict[str, str]]
) -> None:
    rng = random.Random(seed)
    b = world["B"]
    client = Client()
    before = _snapshot()
    leaks = []
    for _ in range(60):
        entry = rng.choice(OPERATIONS)
        role = rng.choice(ROLES)

        def fill(name: str) -> str:
            if name == "weekday":
                return str(rng.randint(1, 7))
            if name == "date":
                return "2026-12-25"
            return str(b[PARAMS[name]]) if name in PARAMS else "1"

        path = entry.path
        for name in [p.strip("{}") for p in path.split("/") if p.startswith("{")]:
            path = path.replace("{" + name + "}", fill(name))
        body = _body(rng, b, entry)
        # when a user of A calls the operation on B's object (or inside B)
        response = client.generic(
            entry.method,
            path,
            data="" if body is None else json.dumps(body),
            content_type="application/json",
            headers=intruders[role],
        )
        # then B's object does not exist for them (422 only for a body the schema refuses
        # before any lookup)
        if response.status_code not in (404, 422):
            leaks.append((role, entry.method, path, body, response.status_code))
        elif response.status_code == 404:
            assert response["Content-Type"] == "application/problem+json"
    assert leaks == []
    # and nothing anywhere changed
    assert _snapshot() == before
