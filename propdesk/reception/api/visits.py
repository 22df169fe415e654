"""Visits: the list and one visit with its route, opening a visit at the gate, correcting its
details, a step of the journey, the capacity answer and the VIP-room request (SPEC §3)."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core.api.common import ERROR_RESPONSES, PagePagination, ProblemOut, actor_of, data_of
from propdesk.reception import selectors, services
from propdesk.reception.api.schemas import (
    CapacityIn,
    DetailsIn,
    ModeName,
    RoomOut,
    RoomRequestIn,
    StageName,
    StepIn,
    VisitIn,
    VisitOut,
)
from propdesk.reception.models import VipRoom, Visit

router = Router(tags=["reception"])
ACTED = {**ERROR_RESPONSES, 409: ProblemOut}


class VisitQuery(Schema):
    project: int | None = None
    day: dt.date | None = Field(None, description="Local date, e.g. 2026-11-17")
    stage: StageName | None = None
    mode: ModeName | None = None
    open_only: bool = Field(False, description="Only visits not departed")
    q: str = Field("", description="Number or client name")


def _fresh(visit: Visit, request: HttpRequest) -> Visit:
    return selectors.get_visit_for(actor_of(request), visit.pk)


@router.get("/reception/visits", response={200: list[VisitOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_visits(request: HttpRequest, filters: Query[VisitQuery]) -> object:
    """Visits of your projects, newest first, each with its stage times."""
    return selectors.list_visits(
        actor_of(request),
        selectors.VisitFilters(
            project=filters.project,
            day=filters.day,
            stage=filters.stage or "",
            mode=filters.mode or "",
            open_only=filters.open_only,
            q=filters.q,
        ),
    )


@router.post("/reception/visits", response={201: VisitOut, **ACTED})
def start_visit(request: HttpRequest, payload: VisitIn) -> Status[Visit]:
    """Open a visit: a walk-in at the gate (L1, R-SITE-01..04) or an expected appointment."""
    visit = services.start_visit(
        actor=actor_of(request),
        project_id=payload.project,
        mode=payload.mode,
        details=data_of(
            payload,
            exclude=["project", "mode", "visiting_display_centre", "expected_at", "post"],
        ),
        visiting_display_centre=payload.visiting_display_centre,
        expected_at=payload.expected_at,
        post=payload.post,
    )
    return Status(201, _fresh(visit, request))


@router.get("/reception/visits/{visit_id}", response={200: VisitOut, **ERROR_RESPONSES})
def get_visit(request: HttpRequest, visit_id: int) -> Visit:
    return selectors.get_visit_for(actor_of(request), visit_id)


@router.patch("/reception/visits/{visit_id}", response={200: VisitOut, **ACTED})
def update_visit(request: HttpRequest, visit_id: int, payload: DetailsIn) -> Visit:
    """Correct the party's details (name, salutation, party size, appearance, car, weather)."""
    visit = services.update_visit(
        actor=actor_of(request), visit_id=visit_id, details=data_of(payload)
    )
    return _fresh(visit, request)


@router.post("/reception/visits/{visit_id}/steps", response={200: VisitOut, **ACTED})
def advance_visit(request: HttpRequest, visit_id: int, payload: StepIn) -> Visit:
    """One step of the journey at your post; the calls and the room step that go with it are
    sent and taken in the same transaction (403: not your post's step; 409: not now)."""
    visit = services.advance_visit(
        actor=actor_of(request),
        visit_id=visit_id,
        action=payload.action,
        post=payload.post,
        details=data_of(payload.details) if payload.details else None,
    )
    return _fresh(visit, request)


@router.post("/reception/visits/{visit_id}/capacity", response={200: VisitOut, **ACTED})
def answer_capacity(request: HttpRequest, visit_id: int, payload: CapacityIn) -> Visit:
    """The sales centre's 可以接待 / 无法接待 (R-RADIO-05, R-RADIO-19)."""
    visit = services.answer_capacity(
        actor=actor_of(request), visit_id=visit_id, reply=payload.reply, post=payload.post
    )
    return _fresh(visit, request)


@router.post("/reception/visits/{visit_id}/room", response={200: RoomOut, **ACTED})
def request_room(request: HttpRequest, visit_id: int, payload: RoomRequestIn) -> VipRoom:
    """Allocate a VIP room to the visit (准备中, R-SITE-15/17) without a radio call."""
    return services.request_room(
        actor=actor_of(request), visit_id=visit_id, number=payload.number, post=payload.post
    )
