"""Policy settings pages (R-COMPLAINT-87/88, A-CMP-7): choose the project's policy and the
working-hours switch, copy a preset, edit the copy with structured fields and JSON, and see
`validate_policy`'s problems when a version cannot be saved."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from propdesk.complaints.models import PolicyVersion, ProjectPolicy
from propdesk.complaints.services import policies
from propdesk.conftest import login

pytestmark = pytest.mark.django_db

POLICIES = "/complaints/policies/"


def html(response) -> str:
    return response.content.decode()


def test_policy_page_lists_the_presets_and_the_current_choice(client, pcs_team, community) -> None:
    login(client, pcs_team["manager"])
    response = client.get(POLICIES)
    assert response.status_code == 200
    page = html(response)
    for name in ("物业客服部客户投诉处理规程", "（LH）", "（CM）", "（SO）"):
        assert name in page
    assert 'value="PCS" selected' in page
    assert 'name="count_working_hours"' in page
    assert reverse("complaints:policy_edit", args=["PCS"]) not in page  # presets are copied


def test_r_complaint_87_choosing_a_policy_and_the_a_cmp_7_switch(
    client, pcs_team, community
) -> None:
    login(client, pcs_team["manager"])
    response = client.post(
        reverse("complaints:policy_choose"), {"code": "CM", "count_working_hours": "on"}
    )
    assert response.status_code == 302
    row = ProjectPolicy.objects.get(project=community)
    assert (row.code, row.count_working_hours) == ("CM", True)
    assert policies.current_version(community).code == "CM"


def test_choosing_needs_the_policy_permission(client, pcs_team, community) -> None:
    login(client, pcs_team["butler"])
    response = client.post(reverse("complaints:policy_choose"), {"code": "CM"})
    assert response.status_code == 403
    assert not ProjectPolicy.objects.filter(project=community).exists()


def test_copy_a_preset_then_edit_it_into_a_new_version(client, pcs_team, community) -> None:
    login(client, pcs_team["manager"])
    response = client.post(
        reverse("complaints:policy_copy"),
        {"source_code": "PCS", "code": "PCS-CH", "name": "翠湖投诉处理方案"},
    )
    assert response.status_code == 302
    assert response.url == reverse("complaints:policy_edit", args=["PCS-CH"])
    first = PolicyVersion.objects.get(code="PCS-CH")
    assert first.version == 1
    edit = client.get(response.url)
    assert edit.status_code == 200
    form = edit.context["form"]
    page = html(edit)
    assert "一般性投诉" in page
    assert "首次回应时限" in page
    # change a level label, the first-response duration, switch on legal review
    data = {name: "" if value is None else value for name, value in form.initial.items()}
    data = {k: v for k, v in data.items() if v is not False}
    data["letter_cosign"] = []
    data["level_0_label"] = "一般投诉（翠湖）"
    timer = next(i for i, t in enumerate(first.data["timers"]) if t["key"] == "first_response")
    data[f"timer_{timer}_rule_0_amount"] = "6"
    data[f"timer_{timer}_rule_0_unit"] = "working_hours"
    data["legal_review"] = "on"
    data["closure_revisit_required"] = "on"
    data["revisit_window_amount"] = "10"
    data["revisit_window_unit"] = "calendar_days"
    response = client.post(reverse("complaints:policy_edit", args=["PCS-CH"]), data)
    assert response.status_code == 302, html(response)[:2000]
    second = PolicyVersion.objects.get(code="PCS-CH", version=2)
    assert second.data["levels"][0]["label"] == "一般投诉（翠湖）"
    assert second.data["timers"][timer]["rules"][0]["duration"] == {
        "amount": "6",
        "unit": "working_hours",
    }
    assert second.data["legal_review"] is True
    assert second.data["revisit_window"] == {"amount": "10", "unit": "calendar_days"}
    # version 1 is kept unchanged (running complaints keep their version)
    first.refresh_from_db()
    assert first.data["levels"][0]["label"] == "一般性投诉"


def test_r_complaint_88_invalid_policy_shows_the_problems_and_saves_nothing(
    client, pcs_team, community
) -> None:
    # R-COMPLAINT-88
    login(client, pcs_team["manager"])
    client.post(
        reverse("complaints:policy_copy"),
        {"source_code": "PCS", "code": "PCS-X", "name": "试用方案"},
    )
    url = reverse("complaints:policy_edit", args=["PCS-X"])
    form = client.get(url).context["form"]
    posted = {k: "" if v is None else v for k, v in form.initial.items() if v is not False}
    data = json.loads(posted["advanced"])
    data["default_level"] = "nonexistent"
    posted["advanced"] = json.dumps(data, ensure_ascii=False)
    response = client.post(url, posted)
    assert response.status_code == 422
    page = html(response)
    assert 'class="problems"' in page
    assert "nonexistent" in page
    assert PolicyVersion.objects.filter(code="PCS-X").count() == 1
    # broken JSON is a field error beside the box
    response = client.post(url, {**posted, "advanced": "{not json"})
    assert response.status_code == 422
    assert 'id="id_advanced_error"' in html(response)
    assert PolicyVersion.objects.filter(code="PCS-X").count() == 1


def test_presets_have_no_editor(client, pcs_team, community) -> None:
    login(client, pcs_team["manager"])
    assert client.get(reverse("complaints:policy_edit", args=["PCS"])).status_code == 404
    assert client.get(reverse("complaints:policy_edit", args=["NOPE"])).status_code == 404
