"""Schemas of the reception API. Stages, modes, call states and room states are `Literal` types
built from the domain enums (listed in place in the OpenAPI document); their labels are the
seeds' Chinese terms (tenant wording)."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from propdesk.core.api.common import InputSchema
from propdesk.reception.domain.radio import (
    CALL_STATE_LABELS,
    POST_NAMES,
    TEMPLATES,
    CallState,
)
from propdesk.reception.domain.rooms import ROOM_STATE_LABELS, RoomState
from propdesk.reception.domain.visits import STAGE_LABELS, Stage, VisitMode
from propdesk.reception.models import Arrival, CallAck, IntercomCall, VipRoom, Visit

StageName = Literal[tuple(s.value for s in Stage)]  # type: ignore[valid-type]
ModeName = Literal[tuple(m.value for m in VisitMode)]  # type: ignore[valid-type]
CallStateName = Literal[tuple(s.value for s in CallState)]  # type: ignore[valid-type]
RoomStateName = Literal[tuple(s.value for s in RoomState)]  # type: ignore[valid-type]
ArrivalName = Literal[tuple(Arrival.values)]  # type: ignore[valid-type]
TemplateName = Literal[tuple(TEMPLATES)]  # type: ignore[valid-type]
SalutationName = Literal["mr", "miss", "ms"]


class RoomOut(Schema):
    id: int
    project: int
    number: str
    label: str = Field(description="As said on the radio, e.g. VIP3")
    state: RoomStateName
    state_label: str
    visit: int | None = Field(description="The visit holding the room")

    @staticmethod
    def resolve_project(obj: VipRoom) -> int:
        return obj.project_id

    @staticmethod
    def resolve_state_label(obj: VipRoom) -> str:
        return ROOM_STATE_LABELS[RoomState(obj.state)]

    @staticmethod
    def resolve_visit(obj: VipRoom) -> int | None:
        return obj.current_visit_id


class StepOut(Schema):
    stage: StageName
    stage_label: str
    action: str
    post: str
    at: dt.datetime

    @staticmethod
    def resolve_stage_label(obj: Any) -> str:
        return STAGE_LABELS[Stage(obj.stage)]


class VisitOut(Schema):
    """A visit as lists show it, with the time each stage was entered (R-SITE: a timestamp per
    stage)."""

    id: int
    project: int
    number: str
    day: dt.date
    mode: ModeName
    category: Literal["sales", "non_sales"]
    stage: StageName
    stage_label: str
    stage_at: dt.datetime
    client: str = Field(description="Name and salutation as the scripts say it, e.g. 王先生")
    client_name: str
    salutation: SalutationName
    party_size: int
    appearance: str
    arrival: ArrivalName
    plate: str
    multi_person_car: bool
    raining: bool
    own_umbrella: bool
    smoker: bool
    capacity_answer: str
    salesperson: int | None
    salesperson_name: str
    room: str = Field(description="VIP room number allocated, '' if none")
    steps: list[StepOut]
    departed_at: dt.datetime | None

    @staticmethod
    def resolve_project(obj: Visit) -> int:
        return obj.project_id

    @staticmethod
    def resolve_stage_label(obj: Visit) -> str:
        return STAGE_LABELS[Stage(obj.stage)]

    @staticmethod
    def resolve_salesperson(obj: Visit) -> int | None:
        return obj.salesperson_id

    @staticmethod
    def resolve_salesperson_name(obj: Visit) -> str:
        return obj.salesperson.name if obj.salesperson_id and obj.salesperson else ""

    @staticmethod
    def resolve_room(obj: Visit) -> str:
        return obj.room.number if obj.room_id and obj.room else ""

    @staticmethod
    def resolve_steps(obj: Visit) -> list[Any]:
        return sorted(obj.steps.all(), key=lambda s: (s.at, s.pk))


class AckOut(Schema):
    post: str
    staff_name: str
    reply: str
    at: dt.datetime


class CallOut(Schema):
    """One intercom call: who, to whom, the sentence, when sent and acknowledged, the response
    time, and its state."""

    id: int
    project: int
    template: TemplateName
    title: str
    rule: str
    text: str = Field(description="The exact standard sentence that was said")
    caller_post: str
    caller_name: str
    callee_post: str = Field(description="A post code, or ALL for the arrival broadcast")
    callee_post_name: str
    screens: list[str] = Field(description="The posts whose screens show it and may answer")
    slots: dict[str, str]
    state: CallStateName
    state_label: str
    visit: int | None
    needs_review: bool = Field(description="Free text: reviewed by supervisors (R-RADIO-04)")
    sent_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_post: str
    acknowledged_by_name: str
    reply: str
    response_seconds: float | None
    reannounced_count: int
    unanswered_at: dt.datetime | None
    completed_at: dt.datetime | None
    acks: list[AckOut]

    @staticmethod
    def resolve_project(obj: IntercomCall) -> int:
        return obj.project_id

    @staticmethod
    def resolve_title(obj: IntercomCall) -> str:
        return TEMPLATES[obj.template].title if obj.template in TEMPLATES else obj.template

    @staticmethod
    def resolve_callee_post_name(obj: IntercomCall) -> str:
        return POST_NAMES.get(obj.callee_post, obj.callee_post)

    @staticmethod
    def resolve_screens(obj: IntercomCall) -> list[str]:
        return obj.callee_posts

    @staticmethod
    def resolve_state_label(obj: IntercomCall) -> str:
        return CALL_STATE_LABELS[CallState(obj.state)]

    @staticmethod
    def resolve_visit(obj: IntercomCall) -> int | None:
        return obj.visit_id

    @staticmethod
    def resolve_acknowledged_by_name(obj: IntercomCall) -> str:
        return obj.acknowledged_by.name if obj.acknowledged_by_id and obj.acknowledged_by else ""

    @staticmethod
    def resolve_response_seconds(obj: IntercomCall) -> float | None:
        if obj.acknowledged_at is None:
            return None
        return round((obj.acknowledged_at - obj.sent_at).total_seconds(), 3)

    @staticmethod
    def resolve_acks(obj: IntercomCall) -> list[CallAck]:
        return list(obj.acks.all())


class TemplateOut(Schema):
    key: TemplateName
    rule: str
    title: str
    text: str = Field(description="The seed sentence with {slot} fields")
    slots: list[str]
    recorded: list[str] = Field(description="Slots stored but not spoken (the taxi plate)")
    callers: list[str]
    callees: list[str]
    replies: list[str]
    completion: str


class StatsOut(Schema):
    post: str
    post_name: str
    calls: int
    answered: int
    unanswered: int
    p50_seconds: float | None
    p95_seconds: float | None
    mean_seconds: float | None


# --- request bodies -----------------------------------------------------------------------
class DetailsIn(InputSchema):
    client_name: str | None = None
    salutation: SalutationName | None = None
    party_size: int | None = Field(None, ge=1, le=99)
    appearance: str | None = Field(None, max_length=60)
    arrival: ArrivalName | None = None
    plate: str | None = None
    multi_person_car: bool | None = None
    raining: bool | None = None
    own_umbrella: bool | None = None
    smoker: bool | None = None
    note: str | None = Field(None, max_length=200)


class VisitIn(DetailsIn):
    project: int
    mode: ModeName = "walk_in"
    visiting_display_centre: bool = Field(
        True, description="false: asking the way / internal — a non-sales reception (R-SITE-05)"
    )
    expected_at: dt.datetime | None = Field(None, description="Appointments: the expected time")
    post: str | None = Field(None, description="Your post; defaults to your only post")


class StepIn(InputSchema):
    action: str = Field(description="A step of the journey table, e.g. ask_capacity, to_parking")
    post: str | None = None
    details: DetailsIn | None = Field(None, description="Details saved before the step")


class CapacityIn(InputSchema):
    reply: Literal["可以接待", "无法接待"]
    post: str | None = None


class RoomRequestIn(InputSchema):
    number: str | None = Field(None, description="A room number; the lowest free one if omitted")
    post: str | None = None


class CallIn(InputSchema):
    project: int
    template: TemplateName
    post: str | None = Field(None, description="Your post; defaults to your only post")
    callee_post: str | None = Field(None, description="For calls that may go to several posts")
    visit: int | None = Field(None, description="The visit the call is about: fills the slots")
    slots: dict[str, str | int] = Field(
        default_factory=dict,
        description="What the system cannot know: item, quantity, material, plate, text …",
    )


class AckIn(InputSchema):
    reply: str | None = Field(None, description="收到 by default; 可以接待/无法接待 for R-RADIO-05")
    post: str | None = None


class CompleteIn(InputSchema):
    post: str | None = None
    plate: str | None = Field(None, description="The taxi's plate number (R-SITE-19)")


class PostIn(InputSchema):
    post: str | None = None


class RoomIn(InputSchema):
    project: int
    number: str
    sort: int = 100
