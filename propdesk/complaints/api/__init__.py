"""The complaints part of the REST API at /api/v1/ (SPEC §11, issue 3): the list, "my work" and
one complaint with its allowed actions and timers; intake; one route per workflow action; contact
sheets, reply letters, group issues and policies. The OpenAPI document lists the states and
actions as enums and each action's rows of the transition table. Handlers parse, call one
service or selector and render; rules live in `propdesk.complaints.services` (STYLE §2)."""

from __future__ import annotations

from ninja import Router

from propdesk.complaints.api import actions, cases, policies, records

router = Router()
# `cases` first: /complaints/queue and /complaints/workflow come before /complaints/{id}.
for module in (cases, actions, records, policies):
    router.add_router("", module.router)

__all__ = ["router"]
