"""The API describes itself: /api/v1/openapi.json lists every operation, /api/v1/docs works
offline (no CDN: intranet deployments)."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db

CORE_PATHS = {
    "/api/v1/me",
    "/api/v1/projects",
    "/api/v1/projects/{project_id}",
    "/api/v1/buildings",
    "/api/v1/buildings/{building_id}",
    "/api/v1/units",
    "/api/v1/units/{unit_id}",
    "/api/v1/residents",
    "/api/v1/residents/{resident_id}",
    "/api/v1/residents/{resident_id}/units",
    "/api/v1/occupancies/{occupancy_id}/end",
    "/api/v1/departments",
    "/api/v1/departments/{department_id}",
    "/api/v1/staff",
    "/api/v1/staff/{staff_id}",
    "/api/v1/staff/{staff_id}/memberships",
    "/api/v1/memberships/{membership_id}/end",
    "/api/v1/tokens",
    "/api/v1/tokens/{token_id}/revoke",
    "/api/v1/notifications",
    "/api/v1/notifications/unread-count",
    "/api/v1/notifications/{notification_id}/read",
    "/api/v1/notifications/read-all",
    "/api/v1/projects/{project_id}/calendar",
    "/api/v1/projects/{project_id}/business-hours/{weekday}",
    "/api/v1/projects/{project_id}/calendar-overrides",
    "/api/v1/projects/{project_id}/calendar-overrides/{date}",
    "/api/v1/calendar-overrides/{override_id}",
    "/api/v1/projects/{project_id}/due",
}


def _schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_openapi_lists_every_path_with_unique_operation_ids(client):
    schema = _schema(client)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "PropDesk API"
    assert set(schema["paths"]) >= CORE_PATHS
    operation_ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"list_residents", "link_resident", "end_occupancy", "revoke_token"} <= set(
        operation_ids
    )


def test_openapi_declares_both_auth_schemes_and_problem_responses(client):
    schema = _schema(client)
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    get_resident = schema["paths"]["/api/v1/residents/{resident_id}"]["get"]
    assert {"200", "401", "403", "404", "422"} <= set(get_resident["responses"])


def test_every_list_is_paginated_and_filterable_in_the_schema(client):
    schema = _schema(client)
    for path in ("/api/v1/residents", "/api/v1/units", "/api/v1/staff", "/api/v1/buildings"):
        params = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"page", "page_size", "q", "project"} <= params, path


def test_docs_page_works_offline(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    # no external host anywhere: every asset is served by PropDesk itself
    assert re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html) == []
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        asset_response = client.get(asset)
        assert asset_response.status_code == 200, asset
        assert asset_response.streaming  # a file from the installed ninja app
        asset_response.close()
