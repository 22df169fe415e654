"""Who may call what: every role of `permissions.DEFAULT_ROLES` × every API operation (from the
OpenAPI document) and every UI page (from the URL resolver) → allowed or denied, rendered as
`docs/permissions.md` by `propdesk permissions-doc`.

Access is decided inside the services (`core.access.require/get_for/scope`), so it cannot be
read off a handler. The registries below state, per operation id and per URL name, what the
service behind it requires; `core/tests/test_permission_matrix.py` calls every endpoint and page
as every role and fails when the registry and the real behaviour disagree, or when an operation
or page is missing here (add it when you add an endpoint).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from propdesk.core import permissions as P


class Kind(enum.StrEnum):
    GATE = "gate"  # NotFound/Forbidden unless the caller holds `perm` in the object's project
    LIST = "list"  # answers everyone; lists only projects where the caller holds `perm`
    SELF = "self"  # the caller's own account: profile, tokens, inbox
    ANY = "any"  # static reference (workflow table, radio scripts): any signed-in staff
    SLOT = "slot"  # complaint work: `complaints.handle`, then the policy's slot for the step
    COMPANY_ADMIN = "company_admin"  # the company_admin role (not a permission code)
    POSTED = "posted"  # `perm`, then the floor post the step belongs to (or reception.supervise)
    FORM = "form"  # a page's form handler: posting it runs the service, which requires `perm`


@dataclass(frozen=True)
class Need:
    kind: Kind
    perm: str | None = None

    def decide(self, role: str, perms: Iterable[str]) -> str:
        """The cell of the matrix: ALLOWED, ALLOWED_SLOT, EMPTY (a list of nothing) or DENIED."""
        held = set(perms)
        if self.kind in (Kind.SELF, Kind.ANY):
            return ALLOWED
        if self.kind is Kind.COMPANY_ADMIN:
            return ALLOWED if role == "company_admin" else DENIED
        granted = self.perm in held
        if self.kind is Kind.LIST:
            return ALLOWED if granted else EMPTY
        if self.kind in (Kind.SLOT, Kind.POSTED):
            return ALLOWED_SLOT if granted else DENIED
        return ALLOWED if granted else DENIED

    @property
    def label(self) -> str:
        if self.kind is Kind.SELF:
            return "own account"
        if self.kind is Kind.ANY:
            return "any staff"
        if self.kind is Kind.COMPANY_ADMIN:
            return "role company_admin"
        prefix = {
            Kind.LIST: "lists where ",
            Kind.SLOT: "slot + ",
            Kind.POSTED: "post + ",
            Kind.FORM: "form → ",
        }.get(self.kind, "")
        return f"{prefix}`{self.perm}`"


ALLOWED, ALLOWED_SLOT, EMPTY, DENIED = "✓", "✓ˢ", "∅", "—"


def gate(perm: str) -> Need:
    return Need(Kind.GATE, perm)


def form(perm: str) -> Need:
    return Need(Kind.FORM, perm)


def lists(perm: str) -> Need:
    return Need(Kind.LIST, perm)


SELF = Need(Kind.SELF)
ANY = Need(Kind.ANY)
SLOT = Need(Kind.SLOT, P.HANDLE_COMPLAINTS)
COMPANY_ADMIN = Need(Kind.COMPANY_ADMIN)

# --- API operations (operationId → need) ----------------------------------------------------
# core: services/masterdata.py, services/people.py, services/calendar.py, selectors.py
_CORE_API: dict[str, Need] = {
    "get_me": SELF,
    "list_projects": lists(P.VIEW_MASTERDATA),
    "create_project": COMPANY_ADMIN,
    "get_project": gate(P.VIEW_MASTERDATA),
    "update_project": gate(P.MANAGE_PROJECT),
    "list_buildings": lists(P.VIEW_MASTERDATA),
    "create_building": gate(P.CHANGE_MASTERDATA),
    "get_building": gate(P.VIEW_MASTERDATA),
    "update_building": gate(P.CHANGE_MASTERDATA),
    "delete_building": gate(P.CHANGE_MASTERDATA),
    "list_units": lists(P.VIEW_MASTERDATA),
    "create_unit": gate(P.CHANGE_MASTERDATA),
    "get_unit": gate(P.VIEW_MASTERDATA),
    "update_unit": gate(P.CHANGE_MASTERDATA),
    "delete_unit": gate(P.CHANGE_MASTERDATA),
    "list_residents": lists(P.VIEW_MASTERDATA),
    "create_resident": gate(P.CHANGE_MASTERDATA),
    "get_resident": gate(P.VIEW_MASTERDATA),
    "update_resident": gate(P.CHANGE_MASTERDATA),
    "list_resident_units": gate(P.VIEW_MASTERDATA),
    "link_resident": gate(P.CHANGE_MASTERDATA),
    "end_occupancy": gate(P.CHANGE_MASTERDATA),
    "list_departments": lists(P.VIEW_MASTERDATA),
    "create_department": gate(P.MANAGE_STAFF),
    "get_department": gate(P.VIEW_MASTERDATA),
    "update_department": gate(P.MANAGE_STAFF),
    "delete_department": gate(P.MANAGE_STAFF),
    "list_staff": lists(P.VIEW_MASTERDATA),
    "create_staff": gate(P.MANAGE_STAFF),
    "get_staff": gate(P.VIEW_MASTERDATA),
    "update_staff": gate(P.MANAGE_STAFF),
    "add_membership": gate(P.MANAGE_STAFF),
    "end_membership": gate(P.MANAGE_STAFF),
    "calendar_month": gate(P.VIEW_MASTERDATA),
    "set_business_hours": gate(P.MANAGE_PROJECT),
    "list_overrides": gate(P.VIEW_MASTERDATA),
    "set_override": gate(P.MANAGE_PROJECT),
    "remove_override": gate(P.MANAGE_PROJECT),
    "explain_due": gate(P.VIEW_MASTERDATA),
    "list_inbox": SELF,
    "unread_count": SELF,
    "mark_read": SELF,
    "mark_all_read": SELF,
    "list_tokens": SELF,
    "create_token": SELF,
    "revoke_token": SELF,
}

# complaints: services/intake.py, engine.load_for_action (every workflow step), records.py,
# policies.py, selectors.py
_COMPLAINT_STEPS = [
    "confirm_read_back",
    "classify_complaint",
    "verify_complaint",
    "transfer_complaint",
    "accept_complaint",
    "feedback_complaint",
    "reply_complaint",
    "revisit_complaint",
    "reopen_complaint",
    "review_complaint",
    "close_complaint",
    "archive_complaint",
    "explain_complaint",
    "decline_complaint",
    "answer_complaint_on_spot",
    "forward_complaint",
    "report_praise",
    "commend_praise",
    "chase_complaint",
    "contact_complainant",
    "upgrade_complaint",
    "escalate_complaint",
    "add_complaint_cost",
    "record_complaint_promise",
    "decide_complaint",
    "approve_complaint_closure",
    "record_complaint_analysis",
    "add_complaint_penalty",
    "draft_contact_sheet",
    "approve_contact_sheet",
    "draft_reply_letter",
    "sign_reply_letter",
    "review_reply_letter",
    "revise_reply_letter",
    "issue_reply_letter",
    "decide_complaint_group",
]
_COMPLAINTS_API: dict[str, Need] = {
    "list_complaints": lists(P.VIEW_COMPLAINTS),
    "complaint_queue": lists(P.VIEW_COMPLAINTS),
    "complaint_workflow": ANY,
    "get_complaint": gate(P.VIEW_COMPLAINTS),
    "receive_complaint": gate(P.HANDLE_COMPLAINTS),
    "receive_complaints": gate(P.HANDLE_COMPLAINTS),
    "list_department_sheets": lists(P.VIEW_COMPLAINTS),
    "create_complaint_group": gate(P.HANDLE_COMPLAINTS),
    "list_complaint_policies": gate(P.VIEW_COMPLAINTS),
    "save_complaint_policy": gate(P.MANAGE_COMPLAINT_POLICY),
    "choose_complaint_policy": gate(P.MANAGE_COMPLAINT_POLICY),
    "copy_complaint_policy": gate(P.MANAGE_COMPLAINT_POLICY),
    **dict.fromkeys(_COMPLAINT_STEPS, SLOT),
}

# reception: services/visits.py, calls.py, rooms.py (lock_visit: reception.operate), selectors.py
_RECEPTION_API: dict[str, Need] = {
    "list_visits": lists(P.VIEW_RECEPTION),
    "start_visit": gate(P.OPERATE_RECEPTION),
    "get_visit": gate(P.VIEW_RECEPTION),
    "update_visit": gate(P.OPERATE_RECEPTION),
    "advance_visit": gate(P.OPERATE_RECEPTION),
    "answer_capacity": Need(Kind.POSTED, P.OPERATE_RECEPTION),
    "request_room": Need(Kind.POSTED, P.OPERATE_RECEPTION),
    "list_calls": lists(P.VIEW_RECEPTION),
    "send_call": gate(P.OPERATE_RECEPTION),
    "call_stats": gate(P.SUPERVISE_RECEPTION),
    "list_call_templates": ANY,
    "get_call": gate(P.VIEW_RECEPTION),
    "acknowledge_call": Need(Kind.POSTED, P.OPERATE_RECEPTION),
    "complete_call": gate(P.OPERATE_RECEPTION),
    "list_rooms": lists(P.VIEW_RECEPTION),
    "create_room": gate(P.SUPERVISE_RECEPTION),
    "mark_room_ready": gate(P.OPERATE_RECEPTION),
    "release_room": gate(P.OPERATE_RECEPTION),
    "mark_room_clean": gate(P.OPERATE_RECEPTION),
}

# reception (sales-centre cards, appointments, rotation): services/cards.py, appointments.py,
# rotation.py
_OP, _SUP = gate(P.OPERATE_RECEPTION), gate(P.SUPERVISE_RECEPTION)
_FLOOR_API: dict[str, Need] = {
    "list_cards": lists(P.VIEW_RECEPTION),
    "create_card": _OP,
    "get_card": gate(P.VIEW_RECEPTION),
    "update_card": _OP,
    "reassign_owner": _SUP,
    "list_appointments": lists(P.VIEW_RECEPTION),
    "create_appointment": _OP,
    "get_appointment": gate(P.VIEW_RECEPTION),
    "update_appointment": _OP,
    "submit_appointment": _OP,
    "approve_appointment": _SUP,
    "confirm_appointment": _OP,
    "mark_arrived": _OP,
    "mark_no_show": _OP,
    "cancel_appointment": _OP,
    "appointment_slots": gate(P.VIEW_RECEPTION),
    "list_groups": gate(P.VIEW_RECEPTION),
    "create_group": _SUP,
    "change_group": _SUP,
    "list_rest_days": gate(P.VIEW_RECEPTION),
    "request_rest_day": _OP,
    "decide_rest_day": _SUP,
    "plan_day": _SUP,
    "day_view": gate(P.VIEW_RECEPTION),
    "open_day": _SUP,
    "close_day": _SUP,
    "report_event": _OP,
    "daily_report": gate(P.VIEW_RECEPTION),
    "daily_report_xlsx": gate(P.VIEW_RECEPTION),
}

API_NEEDS: dict[str, Need] = {**_CORE_API, **_COMPLAINTS_API, **_RECEPTION_API, **_FLOOR_API}

# --- UI pages (URL name → need to open the page with GET / to post its form) ---------------
# Pages of the core views (core/views/*: `staff_view` + the services above), complaints views
# (complaints/views/*) and the floor (reception/views/*).
_V, _C = gate(P.VIEW_MASTERDATA), gate(P.VIEW_COMPLAINTS)
_REPORTS, _POLICY = gate(P.VIEW_COMPLAINT_REPORTS), gate(P.MANAGE_COMPLAINT_POLICY)
_FLOOR = gate(P.VIEW_RECEPTION)
UI_NEEDS: dict[str, Need] = {
    **dict.fromkeys(
        [
            "workbench",
            "reports",
            "building_list",
            "building_create",
            "building_detail",
            "building_edit",
            "unit_list",
            "unit_create",
            "unit_detail",
            "unit_edit",
            "resident_list",
            "resident_create",
            "resident_detail",
            "resident_edit",
            "department_list",
            "department_create",
            "department_detail",
            "department_edit",
            "staff_list",
            "staff_create",
            "staff_detail",
            "settings",
            "document_types",
            "roles",
            "calendar",
        ],
        _V,
    ),
    "switch_project": form(P.VIEW_MASTERDATA),
    "building_delete": gate(P.CHANGE_MASTERDATA),
    "unit_delete": gate(P.CHANGE_MASTERDATA),
    "resident_link": form(P.CHANGE_MASTERDATA),
    "occupancy_end": form(P.CHANGE_MASTERDATA),
    "department_delete": gate(P.MANAGE_STAFF),
    "staff_edit": gate(P.MANAGE_STAFF),
    "membership_add": form(P.MANAGE_STAFF),
    "membership_end": gate(P.MANAGE_STAFF),
    "business_hours": form(P.MANAGE_PROJECT),
    "override_add": form(P.MANAGE_PROJECT),
    "override_remove": gate(P.MANAGE_PROJECT),
    "inbox": SELF,
    "inbox_read": SELF,
    "inbox_read_all": SELF,
    "access_log": gate(P.VIEW_AUDIT),
    "access_log_export": gate(P.VIEW_AUDIT),
}
UI_NEEDS = {f"core:{name}": need for name, need in UI_NEEDS.items()}
UI_NEEDS |= {
    f"complaints:{name}": need
    for name, need in {
        **dict.fromkeys(
            [
                "report_index",
                "report_run",
                "report_run_xlsx",
                "report_run_pdf",
                "report_detail",
                "report_xlsx",
                "report_pdf",
                "report_generate",
                "report_analysis",
                "dashboard",
            ],
            _REPORTS,
        ),
        **dict.fromkeys(
            [
                "print_channels",
                "print_sheet",
                "print_letter",
                "print_complaint",
                "index",
                "export",
                "new",
                "complainant_search",
                "complainant_pick",
                "inbox",
                "detail",
            ],
            _C,
        ),
        **dict.fromkeys(["register_upload", "register_template"], gate(P.HANDLE_COMPLAINTS)),
        **dict.fromkeys(["policies", "policy_choose", "policy_copy", "policy_edit"], _POLICY),
        **dict.fromkeys(
            [
                "sheet_approve",
                "letter_act",
                "read_back",
                "sheet_draft",
                "letter_draft",
                "analysis",
                "penalty",
                "approve_closure",
                "group",
                "group_decide",
                "act",
            ],
            SLOT,
        ),
    }.items()
}
UI_NEEDS |= {
    f"reception:{name}": need
    for name, need in {
        "index": _FLOOR,
        "post": _FLOOR,
        "post_live": _FLOOR,
        "stream": _FLOOR,
        "console": gate(P.SUPERVISE_RECEPTION),
        "rooms": _FLOOR,
        "room_create": form(P.SUPERVISE_RECEPTION),
        "room_action": form(P.OPERATE_RECEPTION),
        "visits": lists(P.VIEW_RECEPTION),
        "visit_start": form(P.OPERATE_RECEPTION),
        "visit": _FLOOR,
        "visit_step": form(P.OPERATE_RECEPTION),
        "visit_details": form(P.OPERATE_RECEPTION),
        "call_send": form(P.OPERATE_RECEPTION),
        "call_ack": form(P.OPERATE_RECEPTION),
        "call_complete": form(P.OPERATE_RECEPTION),
        "rotation": _FLOOR,
        "rotation_live": _FLOOR,
        "rotation_board": _FLOOR,
        "rotation_event": form(P.OPERATE_RECEPTION),
        "rotation_open": form(P.SUPERVISE_RECEPTION),
        "rotation_close": form(P.SUPERVISE_RECEPTION),
        "rotation_setup": gate(P.SUPERVISE_RECEPTION),
        "rotation_report": _FLOOR,
        "rotation_report_xlsx": _FLOOR,
        "cards": lists(P.VIEW_RECEPTION),
        "card_create": form(P.OPERATE_RECEPTION),
        "card": _FLOOR,
        "card_edit": form(P.OPERATE_RECEPTION),
        "card_owner": form(P.SUPERVISE_RECEPTION),
        "appointments": lists(P.VIEW_RECEPTION),
        "appointment_create": form(P.OPERATE_RECEPTION),
        "appointment": _FLOOR,
        "appointment_action": form(P.OPERATE_RECEPTION),
    }.items()
}
UI_NEEDS |= dict.fromkeys(("workorders:index", "billing:index", "residents:index"), _V)


# --- the matrix -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    area: str  # "API" or "UI"
    key: str  # operation id or URL name
    method: str
    path: str
    need: Need | None  # None: missing from the registry


def roles() -> list[tuple[str, str, list[str]]]:
    """(code, 中文, permissions) of every default role."""
    return [(code, zh, list(perms)) for code, zh, _en, _unit, perms in P.DEFAULT_ROLES]


def api_entries(schema: dict[str, Any] | None = None) -> list[Entry]:
    """One entry per operation of the OpenAPI document, in document order."""
    if schema is None:
        from propdesk.api import api

        schema = api.get_openapi_schema(path_prefix="/api/v1/")
    entries = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            op_id = operation["operationId"]
            entries.append(Entry("API", op_id, method.upper(), path, API_NEEDS.get(op_id)))
    return entries


UI_NAMESPACES = ("core", "complaints", "reception", "workorders", "billing", "residents")


def _walk(patterns: Sequence[Any], prefix: str, namespace: str) -> Iterable[tuple[str, str]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, route, ns)
        elif isinstance(pattern, URLPattern) and pattern.name and namespace in UI_NAMESPACES:
            yield f"{namespace}:{pattern.name}", "/" + route


def ui_entries() -> list[Entry]:
    """One entry per named page of the web UI (the packages' URL modules)."""
    seen: dict[str, str] = {}
    for name, route in _walk(get_resolver().url_patterns, "", ""):
        seen.setdefault(name, route)
    return [Entry("UI", name, "GET", route, UI_NEEDS.get(name)) for name, route in seen.items()]


def role_groups(
    entries: Sequence[Entry],
) -> list[tuple[str, list[tuple[str, str]], list[str]]]:
    """Roles whose rows agree on every entry share a column (roles with the same permissions
    behave alike wherever a permission decides): (column id, [(code, 中文)], permissions)."""
    groups: dict[tuple[str, ...], list[tuple[str, str, list[str]]]] = {}
    for code, zh, perms in roles():
        row = tuple(decide(e, code, perms) if e.need else "?" for e in entries)
        groups.setdefault(row, []).append((code, zh, perms))
    ordered = sorted(groups.values(), key=lambda members: (-len(members[0][2]), members[0][0]))
    result = []
    for i, members in enumerate(ordered, start=1):
        perms = [p for p in P.ALL_PERMISSIONS if p in members[0][2]]
        result.append((f"R{i}", [(code, zh) for code, zh, _ in members], perms))
    return result


def decide(entry: Entry, role: str, perms: Iterable[str]) -> str:
    if entry.need is None:
        raise KeyError(f"{entry.area} {entry.key} is not in the permission registry")
    return entry.need.decide(role, perms)


def render(entries: Sequence[Entry]) -> str:
    """docs/permissions.md: deterministic, so a test can compare it with the committed file."""
    groups = role_groups(entries)
    lines = [
        "# Permissions: who may call what",
        "",
        "Generated by `propdesk permissions-doc` from `propdesk/core/permission_matrix.py` and",
        "`propdesk/core/permissions.py`; do not edit by hand. "
        "`core/tests/test_permission_matrix.py` calls",
        "every operation and page as every role and checks it against this table.",
        "",
        f"Legend: {ALLOWED} allowed · {ALLOWED_SLOT} allowed, then the complaint policy decides "
        "per step (slots, docs/complaints.md) ·",
        f"{EMPTY} answers, but lists nothing · {DENIED} denied (404 outside one's projects, "
        "403 inside). Objects of another project are",
        "always 404 (R-GEN-01). Masked personal data (R-GEN-09) needs `personal_data.view`.",
        "",
        "In the API a role without the permission gets 403 with `code: permission_missing`; a",
        "refusal of one step past that gate (not one's post, no slot on this complaint, not",
        "one's client) is 403 with `code: forbidden`, and the test checks the allowed-per-step",
        "cells never see the first.",
        "",
        "## Roles",
        "",
        "| Column | Roles | Permissions |",
        "| --- | --- | --- |",
    ]
    for column, members, perms in groups:
        names = ", ".join(f"`{code}` {zh}" for code, zh in members)
        lines.append(f"| {column} | {names} | {', '.join(f'`{p}`' for p in perms)} |")
    header = "| Method | Path | Needs | " + " | ".join(g[0] for g in groups) + " |"
    rule = "| --- | --- | --- | " + " | ".join("---" for _ in groups) + " |"
    for area, title in (("API", "## API operations (/api/v1/)"), ("UI", "## Web pages")):
        lines += ["", title, "", header, rule]
        for entry in (e for e in entries if e.area == area):
            need = entry.need.label if entry.need else "**unregistered**"
            cells = [
                decide(entry, members[0][0], perms) if entry.need else "?"
                for _column, members, perms in groups
            ]
            lines.append(
                f"| {entry.method} | `{entry.path}` `{entry.key}` | {need} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines) + "\n"


def generate() -> str:
    return render(api_entries() + ui_entries())
