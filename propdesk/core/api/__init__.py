"""The core's part of the REST API at /api/v1/: projects, master data (buildings, units,
residents, occupancies), people (departments, staff, memberships), the caller's API tokens, the
working-time calendar and the notification inbox. Handlers parse, call one service or selector
and render; rules live in `propdesk.core.services` (STYLE §2)."""

from __future__ import annotations

from ninja import Router

from propdesk.core.api import calendar, masterdata, notifications, people, projects, tokens

router = Router()
for module in (projects, masterdata, people, calendar, notifications, tokens):
    router.add_router("", module.router)

__all__ = ["router"]
