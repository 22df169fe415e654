"""API errors are application/problem+json (RFC 9457) with field messages in Chinese by default and
English on request; bad input writes nothing (ARCHITECTURE "Errors", R-GEN-09/11)."""

import datetime as dt

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from propdesk.core import selectors
from propdesk.core.models import Building, Occupancy, Resident, TimelineEvent, Unit
from propdesk.core.services import tokens
from propdesk.core.tests.factories import (
    BuildingFactory,
    ResidentFactory,
    UnitFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors"}


def _bearer(staff) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create_token(user=staff.user)[1]}"}


def _zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _written() -> tuple[int, ...]:
    return (
        Building.objects.count(),
        Unit.objects.count(),
        Resident.objects.count(),
        Occupancy.objects.count(),
        TimelineEvent.objects.count(),
    )


def _post(client, path, data, headers):
    return client.post(
        f"/api/v1{path}", data=data, content_type="application/json", headers=headers
    )


def _assert_field_problem(response, field: str, message: str) -> None:
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["type"] == "urn:propdesk:error:invalid"
    assert body["code"] == "invalid"
    assert body["status"] == 422
    assert body["errors"] == {field: [message]}
    assert _has_chinese(message)


def test_r_gen_11_invalid_id_card_checksum(client, clerk_a, project_a):
    # R-GEN-11
    # given an ID-card number whose check digit is wrong
    good = make_id_number(5)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    headers = _bearer(clerk_a)
    before = _written()
    # when a resident is registered with it
    response = _post(
        client,
        "/residents",
        {"project": project_a.pk, "name": "张三", "id_number": bad},
        headers,
    )
    # then the field says so in Chinese and nothing was written
    _assert_field_problem(
        response,
        "id_number",
        _zh("The check digit of the ID-card number is wrong; please check it"),
    )
    assert _written() == before


def test_r_gen_11_malformed_phone(client, clerk_a, project_a):
    headers = _bearer(clerk_a)
    before = _written()
    response = _post(
        client,
        "/residents",
        {"project": project_a.pk, "name": "张三", "mobile": "1380013800"},
        headers,
    )
    _assert_field_problem(
        response, "mobile", _zh("Enter an 11-digit mainland mobile number, e.g. 13800138000")
    )
    assert _written() == before


def test_r_gen_01_unit_in_a_building_of_another_project(client, clerk_a, project_a, project_b):
    # R-GEN-01
    foreign = BuildingFactory(project=project_b)
    headers = _bearer(clerk_a)
    before = _written()
    response = _post(
        client,
        "/units",
        {
            "project": project_a.pk,
            "building": foreign.pk,
            "number": "0301",
            "floor": 3,
            "area": "89.5",
        },
        headers,
    )
    _assert_field_problem(response, "building", _zh("Building not found in this project"))
    assert _written() == before


def test_duplicate_unit_number_in_a_building(client, clerk_a, project_a):
    unit = UnitFactory(
        building=BuildingFactory(project=project_a, code="3", name="3栋"), number="0301"
    )
    headers = _bearer(clerk_a)
    before = _written()
    response = _post(
        client,
        "/units",
        {
            "project": project_a.pk,
            "building": unit.building_id,
            "number": "0301",
            "floor": 3,
            "area": "90",
        },
        headers,
    )
    _assert_field_problem(
        response,
        "number",
        _zh("Unit {number} already exists in {building}").format(number="0301", building="3栋"),
    )
    assert _written() == before


def test_date_out_of_range(client, clerk_a, project_a):
    headers = _bearer(clerk_a)
    before = _written()
    response = _post(
        client,
        "/residents",
        {"project": project_a.pk, "name": "张三", "birthday": "1899-12-31"},
        headers,
    )
    _assert_field_problem(
        response,
        "birthday",
        _zh("The date must be between {start} and {end}").format(
            start=dt.date(1900, 1, 1), end=timezone.localdate()
        ),
    )
    assert _written() == before


def test_impossible_date_is_a_field_error(client, clerk_a, project_a):
    headers = _bearer(clerk_a)
    before = _written()
    response = _post(
        client,
        "/residents",
        {"project": project_a.pk, "name": "张三", "move_in_date": "2026-02-30"},
        headers,
    )
    _assert_field_problem(response, "move_in_date", _zh("Enter a valid date like 2026-11-22"))
    assert _written() == before


def test_missing_field(client, clerk_a, project_a):
    headers = _bearer(clerk_a)
    before = _written()
    response = _post(client, "/residents", {"project": project_a.pk}, headers)
    _assert_field_problem(response, "name", _zh("This field is required"))
    assert _written() == before


def test_wrong_type(client, clerk_a, project_a):
    building = BuildingFactory(project=project_a)
    headers = _bearer(clerk_a)
    before = _written()
    response = _post(
        client,
        "/units",
        {
            "project": project_a.pk,
            "building": building.pk,
            "number": "0301",
            "floor": "three",
            "area": "89.5",
        },
        headers,
    )
    _assert_field_problem(response, "floor", _zh("Enter a whole number"))
    assert _written() == before


def test_unknown_body_field_is_rejected(client, clerk_a, project_a):
    headers = _bearer(clerk_a)
    before = _written()
    response = _post(
        client,
        "/buildings",
        {"project": project_a.pk, "code": "9", "name": "9栋", "colour": "red"},
        headers,
    )
    _assert_field_problem(response, "colour", _zh("Unknown field"))
    assert _written() == before


def test_all_field_errors_are_reported_together(client, clerk_a, project_a):
    building = BuildingFactory(project=project_a)
    response = _post(
        client,
        "/units",
        {"project": project_a.pk, "building": building.pk, "floor": 2.5, "area": "lots"},
        _bearer(clerk_a),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "number": [_zh("This field is required")],
        "floor": [_zh("Enter a whole number")],
        "area": [_zh("Enter a number")],
    }


def test_query_parameter_errors_name_the_parameter(client, clerk_a):
    response = client.get("/api/v1/units?floor=x&page=0&page_size=501", headers=_bearer(clerk_a))
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "floor": [_zh("Enter a whole number")],
        "page": [_zh("Enter a value of at least {ge}").format(ge=1)],
        "page_size": [_zh("Enter a value of at most {le}").format(le=500)],
    }


def test_messages_follow_the_request_language(client, clerk_a, project_a):
    # given the same bad request in English
    response = _post(
        client,
        "/residents",
        {"project": project_a.pk, "name": "张三", "mobile": "12", "birthday": "soon"},
        {**_bearer(clerk_a), "Accept-Language": "en"},
    )
    # then titles and messages are the English msgids
    assert response.status_code == 422
    assert response.json() == {
        "type": "urn:propdesk:error:invalid",
        "title": "Invalid input",
        "status": 422,
        "detail": "Please correct the highlighted fields",
        "code": "invalid",
        "errors": {"birthday": ["Enter a valid date like 2026-11-22"]},
    }
    response = _post(
        client,
        "/residents",
        {"project": project_a.pk, "name": "张三", "mobile": "12"},
        {**_bearer(clerk_a), "Accept-Language": "en"},
    )
    assert response.json()["errors"] == {
        "mobile": ["Enter an 11-digit mainland mobile number, e.g. 13800138000"]
    }
    assert response.json()["title"] == "Invalid input"


def test_default_language_is_chinese(client, clerk_a, project_a):
    response = _post(client, "/residents", {"project": project_a.pk}, _bearer(clerk_a))
    body = response.json()
    assert response["Content-Language"] == "zh-hans"
    assert body["title"] == _zh("Invalid input")
    assert body["detail"] == _zh("Please correct the highlighted fields")
    assert _has_chinese(body["title"])


def test_not_authenticated_is_401_problem(client, db):
    response = client.get("/api/v1/residents")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="propdesk"'
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert (body["code"], body["status"]) == ("not_authenticated", 401)


def test_missing_permission_is_403_and_writes_nothing(client, engineer_a, project_a):
    headers = _bearer(engineer_a)
    before = _written()
    response = _post(
        client, "/buildings", {"project": project_a.pk, "code": "9", "name": "9栋"}, headers
    )
    assert response.status_code == 403
    body = response.json()
    assert (body["type"], body["code"], body["errors"]) == (
        "urn:propdesk:error:permission_missing",
        "permission_missing",
        {},
    )
    assert _written() == before


def test_object_of_another_project_is_404_problem(client, clerk_a, project_b):
    resident = ResidentFactory(project=project_b)
    response = client.get(f"/api/v1/residents/{resident.pk}", headers=_bearer(clerk_a))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["code"], body["status"]) == (
        "urn:propdesk:error:not_found",
        "not_found",
        404,
    )
    # the answer is the same as for an id that does not exist at all
    missing = client.get(f"/api/v1/residents/{resident.pk + 1000}", headers=_bearer(clerk_a))
    assert missing.json() == body


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/residents/1/nothing", "/api/v1/", "/api/v1/a/b/c/"]
)
def test_unknown_routes_are_404_problem(client, clerk_a, path):
    response = client.get(path, headers=_bearer(clerk_a))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_method_not_allowed_is_405_problem(client, clerk_a):
    response = client.put("/api/v1/residents", headers=_bearer(clerk_a))
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]
    body = response.json()
    assert (body["code"], body["status"]) == ("method_not_allowed", 405)


def test_body_that_is_not_json_is_400_problem(client, clerk_a):
    headers = _bearer(clerk_a)
    before = _written()
    response = client.post(
        "/api/v1/buildings", data="{not json", content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["detail"]) == ("invalid", _zh("The request body is not valid JSON"))
    assert _written() == before


def test_unexpected_error_is_500_problem_without_details(client, clerk_a, monkeypatch, caplog):
    # given a selector that fails in an unforeseen way
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals: table xyz")

    monkeypatch.setattr(selectors, "list_buildings", broken)
    # when the list is requested
    response = client.get("/api/v1/buildings", headers=_bearer(clerk_a))
    # then the client learns only that it failed; the log has the details
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["code"], body["status"], body["errors"]) == ("server_error", 500, {})
    assert "secret" not in response.content.decode()
    assert "secret internals" in caplog.text
