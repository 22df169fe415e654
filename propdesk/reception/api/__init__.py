"""The reception part of the REST API at /api/v1/ (SPEC §3–§4, issue 4): visits and their
journey, intercom calls with acknowledgements and statistics, VIP rooms. Handlers parse, call
one service or selector and render; the rules live in `propdesk.reception.services` and the
domain. Errors are problem+json (403 for a step of another post, 409 for a step not allowed
now, 404 for objects of other projects)."""

from __future__ import annotations

from ninja import Router

from propdesk.reception.api import calls, rooms, visits

router = Router()
for module in (visits, calls, rooms):
    router.add_router("", module.router)

__all__ = ["router"]
