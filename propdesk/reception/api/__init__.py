"""The reception part of the REST API at /api/v1/ (SPEC §3–§4, issue 4): visits and their
journey, intercom calls with acknowledgements and statistics, VIP rooms. Handlers parse, call
one service or selector and render; the rules live in `propdesk.reception.services` and the
domain. Errors are problem+json (403 for a step of another post, 409 for a step not allowed
now, 404 for objects of other projects)."""

from __future__ import annotations

from ninja import Router

from propdesk.reception.api import calls, rooms, visits
from propdesk.reception.api import cards as cards_api
from propdesk.reception.api import rotation as rotation_api

router = Router()
for module in (visits, calls, rooms):
    router.add_router("", module.router)
router.add_router("", cards_api.router)  # client cards and appointments (R-ROTA-08/14)
router.add_router("", rotation_api.router)  # the rotation queue (R-ROTA-01..17)

__all__ = ["router"]
