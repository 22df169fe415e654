"""Complaint records through the REST API: LH contact sheets with the approver (R-COMPLAINT-20),
co-signed reply letters with legal review (R-COMPLAINT-23), costs, cause analysis, penalties,
praise (R-COMPLAINT-32), group issues (R-COMPLAINT-29/65), policies (R-COMPLAINT-87/88), the
workflow as data and the OpenAPI description of states and actions."""

import json
from decimal import Decimal
from typing import Any

import pytest

from propdesk.complaints.models import (
    Complaint,
    ContactSheet,
    CostEntry,
    LetterState,
    PenaltyRecord,
    PolicyVersion,
    ProjectPolicy,
    SheetState,
)
from propdesk.complaints.services import actions
from propdesk.complaints.workflows import TRANSITIONS, Action, State
from propdesk.core.models import TimelineEvent

from .test_api_complaints import PROBLEM, Api, _intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any) -> Any:
    return lambda staff: Api(client, staff)


def test_r_complaint_20_lh_sheet_waits_for_the_approver_then_transfer_issues_it(
    api, lh_team, sales_centre, receive
) -> None:
    club = lh_team["club"]
    complaint = receive(club, sales_centre)
    actions.classify(actor=club, complaint_id=complaint.pk, level="general")
    actions.verify(actor=club, complaint_id=complaint.pk)
    engineering = sales_centre.departments.get(code="engineering")
    club_api = api(club)
    # the handler drafts the sheet: it waits for 营销策划部经理
    drafted = club_api.post(
        f"/complaints/{complaint.pk}/sheets",
        {"department_id": engineering.pk, "requirement": "三日内整改"},
    )
    assert drafted.status_code == 201
    sheet = drafted.json()
    assert (sheet["state"], sheet["state_label"]) == ("pending_approval", "待审核")
    # transfer is refused until it is approved (guard contact_sheet_approved)
    refused = club_api.post(f"/complaints/{complaint.pk}/transfer")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "工作联系单须审批后方可发出"
    # the handler may not approve; the approver does
    assert club_api.post(f"/complaint-sheets/{sheet['id']}/approve").status_code == 403
    approved = api(lh_team["approver"]).post(f"/complaint-sheets/{sheet['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["approved_by"] == lh_team["approver"].pk
    # then transfer issues it to the department's inbox
    assert club_api.post(f"/complaints/{complaint.pk}/transfer").json()["state"] == "assigned"
    assert ContactSheet.objects.get().state == SheetState.ISSUED
    inbox = api(lh_team["department"]).get("/complaint-sheets").json()
    assert [s["number"] for s in inbox["results"]] == [sheet["number"]]


def test_r_complaint_23_letter_cosigned_reviewed_by_legal_then_issued(
    api, lh_team, sales_centre, receive
) -> None:
    club = lh_team["club"]
    complaint = receive(club, sales_centre)
    club_api = api(club)
    drafted = club_api.post(f"/complaints/{complaint.pk}/letters", {"body": "尊敬的业主：……"})
    assert drafted.status_code == 201
    letter = drafted.json()
    assert letter["state"] == "cosigning"
    # issuing before co-signing and legal review is refused
    early = club_api.post(f"/complaint-letters/{letter['id']}/issue")
    assert early.status_code == 409
    for who, slot in (
        ("supervisor", "supervisor"),
        ("manager", "manager"),
        ("department", "department"),
    ):
        signed = api(lh_team[who]).post(f"/complaint-letters/{letter['id']}/sign", {"slot": slot})
        assert signed.status_code == 200, signed.json()
    assert signed.json()["state"] == "legal_review"
    assert [s["slot"] for s in signed.json()["signatures"]] == [
        "supervisor",
        "manager",
        "department",
    ]
    # legal sending it back needs comments
    no_comment = api(lh_team["legal"]).post(
        f"/complaint-letters/{letter['id']}/review", {"approve": False}
    )
    assert no_comment.status_code == 422
    assert set(no_comment.json()["errors"]) == {"comments"}
    reviewed = api(lh_team["legal"]).post(
        f"/complaint-letters/{letter['id']}/review", {"approve": True}
    )
    assert reviewed.json()["state"] == "ready"
    issued = club_api.post(f"/complaint-letters/{letter['id']}/issue")
    assert issued.status_code == 200
    assert issued.json()["state"] == LetterState.ISSUED
    detail = club_api.get(f"/complaints/{complaint.pk}").json()
    assert detail["letter_cosigners"] == ["supervisor", "manager", "department"]
    assert [len(x["signatures"]) for x in detail["letters"]] == [3]


def test_costs_analysis_and_penalties(api, pcs_team, community, receive) -> None:
    butler, manager = pcs_team["butler"], pcs_team["manager"]
    complaint = receive(butler, community)
    butler_api, manager_api = api(butler), api(manager)
    # R-COMPLAINT-26: cost lines in yuan
    cost = butler_api.post(
        f"/complaints/{complaint.pk}/costs",
        {"item": "防水材料", "amount": "350.5", "borne_by": "公司"},
    )
    assert cost.status_code == 201
    assert Decimal(cost.json()["amount"]) == Decimal("350.50")
    bad = butler_api.post(f"/complaints/{complaint.pk}/costs", {"item": "材料", "amount": "-1"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"amount"}
    assert CostEntry.objects.count() == 1
    # R-COMPLAINT-78: cause analysis and corrective action
    analysed = butler_api.post(
        f"/complaints/{complaint.pk}/analysis",
        {"cause_analysis": "防水层老化", "corrective_action": "更换防水层"},
    )
    assert analysed.status_code == 200
    # R-COMPLAINT-79: a penalty is the manager's decision, not the butler's
    body = {"staff_id": butler.pk, "penalty": "warning", "note": "未按时回访"}
    assert butler_api.post(f"/complaints/{complaint.pk}/penalties", body).status_code == 403
    penalty = manager_api.post(f"/complaints/{complaint.pk}/penalties", body)
    assert penalty.status_code == 201
    assert (penalty.json()["penalty_label"], penalty.json()["staff_name"]) == ("警告", "王管家")
    # the chairman's closure approval is the chairman's (R-COMPLAINT-16)
    assert manager_api.post(f"/complaints/{complaint.pk}/approve-closure").status_code == 403
    detail = butler_api.get(f"/complaints/{complaint.pk}").json()
    assert Decimal(detail["cost_total"]) == Decimal("350.50")
    assert detail["cause_analysis"] == "防水层老化"
    assert [p["penalty"] for p in detail["penalties"]] == ["warning"]
    assert PenaltyRecord.objects.count() == 1


def test_r_complaint_32_praise_is_verified_reported_and_commended(api, pcs_team, community) -> None:
    butler_api = api(pcs_team["butler"])
    cid = butler_api.post(
        "/complaints", _intake(community, kind="praise", content="王管家服务好")
    ).json()["id"]
    assert butler_api.post(f"/complaints/{cid}/verify").json()["state"] == "verified"
    assert butler_api.post(f"/complaints/{cid}/report-praise").json()["state"] == "reported"
    assert butler_api.post(f"/complaints/{cid}/commend").status_code == 403
    commended = api(pcs_team["manager"]).post(f"/complaints/{cid}/commend", {"note": "通报表扬"})
    assert commended.json()["state"] == "commended"


def test_r_complaint_65_group_decision_applies_to_every_complaint(
    api, pcs_team, community, receive
) -> None:
    # R-COMPLAINT-65
    butler = pcs_team["butler"]
    first, second = receive(butler, community), receive(butler, community)
    created = api(butler).post(
        "/complaint-groups",
        {"project": community.pk, "title": "3栋漏水", "complaint_ids": [first.pk, second.pk]},
    )
    assert created.status_code == 201
    group = created.json()
    assert group["complaints"] == [first.pk, second.pk]
    too_few = api(butler).post(
        "/complaint-groups", {"project": community.pk, "title": "x", "complaint_ids": [first.pk]}
    )
    assert too_few.status_code == 422
    decided = api(pcs_team["manager"]).post(
        f"/complaint-groups/{group['id']}/decide", {"decision": "统一更换防水层"}
    )
    assert decided.status_code == 200
    assert decided.json()["decision"] == "统一更换防水层"
    assert list(Complaint.objects.order_by("pk").values_list("decision", flat=True)) == [
        "统一更换防水层",
        "统一更换防水层",
    ]
    assert TimelineEvent.objects.filter(action="complaint.decided").count() == 2


def test_r_complaint_87_policies_listed_chosen_copied_and_saved(api, pcs_team, community) -> None:
    manager_api, butler_api = api(pcs_team["manager"]), api(pcs_team["butler"])
    overview = manager_api.get("/complaint-policies", project=community.pk).json()
    assert overview["code"] == "PCS"
    assert {v["code"] for v in overview["versions"]} == {"LH", "PCS", "CM", "SO"}
    current = next(v for v in overview["versions"] if v["id"] == overview["current_version"])
    assert (current["code"], current["version"]) == ("PCS", 1)
    # choosing is for those who manage the policy
    body = {"project": community.pk, "code": "CM"}
    assert butler_api.post("/complaint-policies/choose", body).status_code == 403
    chosen = manager_api.post("/complaint-policies/choose", body)
    assert chosen.status_code == 200
    assert chosen.json() == {"project": community.pk, "code": "CM", "count_working_hours": False}
    assert ProjectPolicy.objects.get(project=community).code == "CM"
    # copy a preset, then save an edited version of the copy
    copied = manager_api.post(
        "/complaint-policies/copy",
        {"project": community.pk, "source_code": "PCS", "code": "PCS-A", "name": "翠湖方案"},
    )
    assert copied.status_code == 201
    assert (copied.json()["code"], copied.json()["version"]) == ("PCS-A", 1)
    saved = manager_api.post(
        "/complaint-policies",
        {
            "project": community.pk,
            "code": "PCS-A",
            "name": "翠湖方案二",
            "data": copied.json()["data"],
        },
    )
    assert saved.status_code == 201
    assert (saved.json()["version"], saved.json()["name"]) == (2, "翠湖方案二")
    broken = manager_api.post(
        "/complaint-policies",
        {"project": community.pk, "code": "PCS-A", "data": {"levels": "none"}},
    )
    assert broken.status_code == 422
    assert broken["Content-Type"] == PROBLEM
    assert set(broken.json()["errors"]) == {"data"}
    assert PolicyVersion.objects.filter(code="PCS-A").count() == 2


# --- the state machine in the API and its OpenAPI document ---------------------------------------
def test_workflow_endpoint_returns_the_table(api, pcs_team) -> None:
    body = api(pcs_team["butler"]).get("/complaints/workflow").json()
    assert [s["value"] for s in body["states"]] == list(State.values)
    assert body["states"][0] == {
        "value": "received",
        "label": "已受理",
        "colour": "grey",
        "terminal": False,
    }
    assert [a["value"] for a in body["actions"]] == list(Action.values)
    add_cost = next(a for a in body["actions"] if a["value"] == "add_cost")
    assert (add_cost["endpoint"], add_cost["changes_state"]) == ("costs", False)
    assert len(body["transitions"]) == len(TRANSITIONS)
    assert {"state": "verified", "action": "transfer", "to": "assigned"}.items() <= next(
        t for t in body["transitions"] if (t["state"], t["action"]) == ("verified", "transfer")
    ).items()
    assert {"name": "reason_given", "input_field": "reason"} in body["guards"]


COMPLAINT_PATHS = {
    "/api/v1/complaints",
    "/api/v1/complaints/queue",
    "/api/v1/complaints/workflow",
    "/api/v1/complaints/{complaint_id}",
    "/api/v1/complaints/{complaint_id}/read-back",
    *(
        f"/api/v1/complaints/{{complaint_id}}/{segment}"
        for segment in [
            "classify",
            "verify",
            "transfer",
            "accept",
            "feedback",
            "reply",
            "revisit",
            "reopen",
            "review",
            "close",
            "archive",
            "explain",
            "decline",
            "answer-on-spot",
            "forward",
            "report-praise",
            "commend",
            "chase",
            "contact",
            "upgrade",
            "escalate",
            "costs",
            "record-promise",
            "decide",
            "approve-closure",
            "analysis",
            "penalties",
            "sheets",
            "letters",
        ]
    ),
    "/api/v1/complaint-sheets",
    "/api/v1/complaint-sheets/{sheet_id}/approve",
    "/api/v1/complaint-letters/{letter_id}/sign",
    "/api/v1/complaint-letters/{letter_id}/review",
    "/api/v1/complaint-letters/{letter_id}/revise",
    "/api/v1/complaint-letters/{letter_id}/issue",
    "/api/v1/complaint-groups",
    "/api/v1/complaint-groups/{group_id}/decide",
    "/api/v1/complaint-policies",
    "/api/v1/complaint-policies/choose",
    "/api/v1/complaint-policies/copy",
}


def test_openapi_describes_complaint_states_and_actions(client) -> None:
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    assert set(schema["paths"]) >= COMPLAINT_PATHS
    components = schema["components"]["schemas"]
    assert components["ComplaintOut"]["properties"]["state"]["enum"] == list(State.values)
    assert components["AllowedActionOut"]["properties"]["action"]["enum"] == list(Action.values)
    # the list filters are enums too
    params = {p["name"]: p for p in schema["paths"]["/api/v1/complaints"]["get"]["parameters"]}
    assert {"page", "page_size", "project", "q", "state", "kind", "overdue_only"} <= set(params)
    assert params["state"]["schema"]["anyOf"][0]["enum"] == list(State.values)
    # every operation is tagged and every action documents its rows of the transition table
    for path in COMPLAINT_PATHS:
        for operation in schema["paths"][path].values():
            assert operation["tags"] == ["complaints"], path
    verify = schema["paths"]["/api/v1/complaints/{complaint_id}/verify"]["post"]
    assert "- from `classified` → `verified`" in verify["description"]
    assert {"200", "403", "404", "409", "422"} <= set(verify["responses"])
    chase = schema["paths"]["/api/v1/complaints/{complaint_id}/chase"]["post"]["description"]
    assert "(state unchanged, logged)" in chase
    workflow = schema["paths"]["/api/v1/complaints/workflow"]["get"]["description"]
    assert "| `resolved` | `reopen` | `reopened` |" in workflow
    assert workflow.count("\n| `") == len(TRANSITIONS)
