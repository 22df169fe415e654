"""The reception API over HTTP with bearer tokens (issue 4 "an API for every action"): a walk-in
taken from the gate into a VIP room and out, calls sent and acknowledged, rooms; refusals as
problem+json that change nothing; other projects' objects are 404 on every route; lists cost a
fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from propdesk.core.services import tokens
from propdesk.core.tests.factories import StaffFactory
from propdesk.reception.models import IntercomCall, VipRoom, Visit
from propdesk.reception.services import calls
from propdesk.reception.tests.floor import place, step

PROBLEM = "application/problem+json"


class Api:
    """A JSON client speaking for one staff member with a bearer token."""

    def __init__(self, client: Any, staff: Any) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", data=data or {}, content_type="application/json", headers=self.headers
        )

    def put(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.put(
            f"/api/v1{path}", data=data, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.patch(
            f"/api/v1{path}", data=data, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api(client, floor) -> dict[str, Api]:
    return {post: Api(client, staff) for post, staff in floor.items()}


def _walk_in(api: dict[str, Api], centre, **details: Any) -> dict[str, Any]:
    body = {
        "project": centre.pk,
        "client_name": "王",
        "salutation": "mr",
        "party_size": 3,
        "appearance": "灰色西装",
        "arrival": "self_drive",
        **details,
    }
    response = api["L1"].post("/reception/visits", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_walk_in_from_the_gate_to_departure_through_the_api(api, centre):
    visit = _walk_in(api, centre)
    assert (visit["number"], visit["stage"], visit["client"]) == (
        f"LF-{timezone.localdate().year}-000001",
        "at_gate",
        "王先生",
    )
    vid = visit["id"]

    assert (
        api["L1"].post(f"/reception/visits/{vid}/steps", {"action": "ask_capacity"}).status_code
        == 200
    )
    question = api["CENTRE"].get("/reception/calls", template="capacity_query").json()["results"][0]
    answered = api["CENTRE"].post(
        f"/reception/calls/{question['id']}/acknowledge", {"reply": "可以接待"}
    )
    assert (answered.status_code, answered.json()["reply"]) == (200, "可以接待")
    for post, action in [("L1", "to_parking"), ("L2", "to_door"), ("X1", "to_reception_area")]:
        response = api[post].post(f"/reception/visits/{vid}/steps", {"action": action})
        assert response.status_code == 200, response.content

    request = api["X1"].post(
        "/reception/calls", {"project": centre.pk, "template": "vip_room_request", "visit": vid}
    )
    assert request.status_code == 201
    assert request.json()["text"] == (
        "我是大客户经理张伟,呼叫大客户管家,王先生即将前往VIP室请做好接待准备,收到请回话。"
    )
    ready = api["G1"].post(f"/reception/calls/{request.json()['id']}/complete", {})
    assert (ready.status_code, ready.json()["state"]) == (200, "done")
    for action in ("to_vip_room", "announce_leaving", "depart"):
        response = api["X1"].post(f"/reception/visits/{vid}/steps", {"action": action})
        assert response.status_code == 200, response.content

    final = api["X1"].get(f"/reception/visits/{vid}").json()
    assert (final["stage"], final["room"], final["salesperson_name"]) == ("departed", "1", "张伟")
    assert [s["stage"] for s in final["steps"]] == [
        "at_gate",
        "capacity_check",
        "at_gate",
        "parking",
        "at_door",
        "reception_area",
        "vip_room",
        "leaving",
        "departed",
    ]
    rooms = {r["number"]: r["state"] for r in api["G1"].get("/reception/rooms").json()["results"]}
    assert rooms == {"1": "to_clean", "2": "free", "3": "free"}


def test_a_call_and_its_acknowledgement_with_the_response_time(api, centre):
    sent = api["S1"].post(
        "/reception/calls", {"project": centre.pk, "template": "restock", "slots": {"item": "柠檬"}}
    )
    assert sent.status_code == 201
    body = sent.json()
    assert (body["caller_post"], body["callee_post"], body["screens"], body["state"]) == (
        "S1",
        "PANTRY",
        ["PANTRY"],
        "called",
    )

    acked = api["PANTRY"].post(f"/reception/calls/{body['id']}/acknowledge", {})

    data = acked.json()
    assert (data["state"], data["reply"], data["acknowledged_by_name"]) == (
        "acknowledged",
        "收到",
        "孙操作",
    )
    assert data["response_seconds"] >= 0
    assert [a["post"] for a in data["acks"]] == ["PANTRY"]
    stats = api["S1"].get("/reception/calls/stats", project=centre.pk)
    assert stats.status_code == 403  # statistics are for supervisors


def test_refusals_are_problem_json_and_change_nothing(api, centre):
    visit = _walk_in(api, centre)

    wrong_post = api["X1"].post(
        f"/reception/visits/{visit['id']}/steps", {"action": "ask_capacity"}
    )
    not_now = api["L1"].post(f"/reception/visits/{visit['id']}/steps", {"action": "to_parking"})
    bad_slot = api["X1"].post(
        "/reception/calls",
        {"project": centre.pk, "template": "materials", "slots": {"quantity": 0, "material": "图"}},
    )
    unknown = api["L1"].post("/reception/visits", {"project": centre.pk, "colour": "red"})

    assert (wrong_post.status_code, wrong_post["Content-Type"]) == (403, PROBLEM)
    assert wrong_post.json()["detail"] == "大客户经理不能执行“询问能否接待”,应由门岗礼宾操作"
    assert (not_now.status_code, not_now.json()["code"]) == (409, "transition_not_allowed")
    assert (bad_slot.status_code, bad_slot.json()["errors"]) == (
        422,
        {"quantity": ["“份数”必须是1到999之间的整数"]},
    )
    assert unknown.status_code == 422
    assert Visit.objects.get().stage == "at_gate"
    assert not IntercomCall.objects.exists()


def test_details_are_corrected_with_patch(api, centre):
    visit = _walk_in(api, centre)
    response = api["L1"].patch(
        f"/reception/visits/{visit['id']}", {"party_size": 4, "salutation": "ms"}
    )
    assert (response.status_code, response.json()["client"], response.json()["party_size"]) == (
        200,
        "王女士",
        4,
    )


def test_the_call_catalogue_lists_the_verbatim_scripts(api):
    response = api["X1"].get("/reception/call-templates", post="X1")
    keys = [t["key"] for t in response.json()]
    assert keys[:3] == ["hail", "free_text", "vip_room_request"]
    drinks = next(t for t in response.json() if t["key"] == "drinks")
    assert (
        drinks["text"]
        == "我是大客户经理{caller_name},呼叫水吧,请送{item}至VIP{room}室,收到请回答。"
    )
    assert drinks["completion"] == "已送达"


def test_rooms_through_the_api(api, centre, client, supervisor):
    boss = Api(client, supervisor)
    created = boss.post("/reception/rooms", {"project": centre.pk, "number": "8"})
    assert (created.status_code, created.json()["label"], created.json()["state"]) == (
        201,
        "VIP8",
        "free",
    )
    assert (
        api["G1"].post("/reception/rooms", {"project": centre.pk, "number": "9"}).status_code == 403
    )
    room = VipRoom.objects.get(number="8")
    refused = api["S1"].post(f"/reception/rooms/{room.pk}/clean", {})
    assert (refused.status_code, refused.json()["code"]) == (409, "transition_not_allowed")
    stats = boss.get("/reception/calls/stats", project=centre.pk)
    assert (stats.status_code, stats.json()) == (200, [])


def test_r_gen_01_another_projects_visits_calls_and_rooms_are_404(
    api, client, centre, floor, other_centre
):
    # R-GEN-01
    visit = _walk_in(api, centre)
    call = calls.send_call(
        actor=floor["S1"], project_id=centre.pk, template="restock", slots={"item": "柠檬"}
    )
    room = VipRoom.objects.get(project=centre, number="1")
    stranger = Api(
        client, place(StaffFactory(name="外人", company=centre.company), other_centre, "L1")
    )
    vid = visit["id"]

    for method, path, body in [
        ("get", f"/reception/visits/{vid}", None),
        ("post", f"/reception/visits/{vid}/steps", {"action": "ask_capacity"}),
        ("post", f"/reception/visits/{vid}/capacity", {"reply": "可以接待"}),
        ("post", f"/reception/visits/{vid}/room", {}),
        ("get", f"/reception/calls/{call.pk}", None),
        ("post", f"/reception/calls/{call.pk}/acknowledge", {}),
        ("post", f"/reception/calls/{call.pk}/complete", {}),
        ("post", f"/reception/rooms/{room.pk}/clean", {}),
        (
            "post",
            "/reception/calls",
            {"project": centre.pk, "template": "hail", "callee_post": "G1"},
        ),
    ]:
        response = stranger.get(path) if method == "get" else stranger.post(path, body)
        assert (path, response.status_code) == (path, 404)
    assert stranger.get("/reception/visits").json()["count"] == 0
    assert stranger.get("/reception/calls").json()["count"] == 0
    assert [r["project"] for r in stranger.get("/reception/rooms").json()["results"]] == [
        other_centre.pk
    ]
    assert Visit.objects.get().stage == "at_gate"


def test_lists_cost_a_fixed_number_of_queries(
    api, centre, floor, walk_in, django_assert_max_num_queries
):
    for n in range(10):
        visit = walk_in(minute=n * 10, client_name=f"客{n}")
        step(floor, visit, "ask_capacity", "L1", n * 10 + 1)
        calls.acknowledge_call(
            actor=floor["CENTRE"],
            call_id=IntercomCall.objects.get(visit=visit).pk,
            reply="可以接待",
        )
    for path in ("/reception/visits", "/reception/calls", "/reception/rooms"):
        api["X1"].get(path)
        with django_assert_max_num_queries(6):
            response = api["X1"].get(path)
        assert response.status_code == 200
    assert api["X1"].get("/reception/visits").json()["count"] == 10
    assert api["X1"].get("/reception/calls").json()["count"] == 10
