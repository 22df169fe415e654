"""What the reception services share: which post the actor acts at, the project's radio and
script settings, the domain snapshot of a stored visit, row locks, and the translation of the
domain's Chinese errors into `propdesk.core.errors`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core import access
from propdesk.core import permissions as P
from propdesk.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from propdesk.core.models import Post, Project, Staff
from propdesk.reception.domain.duties import SiteScript
from propdesk.reception.domain.radio import RadioError, RadioSettings
from propdesk.reception.domain.rooms import RoomError
from propdesk.reception.domain.visits import Stage, StageEntry, VisitCategory, VisitError, VisitMode
from propdesk.reception.domain.visits import Visit as VisitSnapshot
from propdesk.reception.models import VipRoom, Visit

PARAM_CARD_NAME = "reception.card_name"  # 《加州1885VIP资料卡》 unless set (R-GEN-02, R-SITE-13)
PARAM_REANNOUNCE_LIMIT = "radio.reannounce_limit"  # assumption: stop after 3 re-announcements
DEFAULT_REANNOUNCE_LIMIT = 3


def now_or(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


# --- errors -----------------------------------------------------------------------------------
def translate(exc: RadioError | VisitError | RoomError) -> DomainError:
    """A domain refusal as the error the API and the pages show (message kept: Chinese)."""
    field = getattr(exc, "slot", "") or getattr(exc, "field", "")
    if exc.code == "forbidden":
        return Forbidden(exc.message)
    if exc.code == "transition_not_allowed":
        return TransitionNotAllowed(exc.message)
    if exc.code == "conflict":
        return Conflict(exc.message)
    return ValidationFailed(exc.message, fields={field or "__all__": [exc.message]})


@contextmanager
def domain_errors() -> Iterator[None]:
    """Raise the domain's errors as `propdesk.core.errors` exceptions (`with domain_errors():`)."""
    try:
        yield
    except (RadioError, VisitError, RoomError) as exc:
        raise translate(exc) from None


# --- posts ------------------------------------------------------------------------------------
def project_posts(project_id: int) -> list[str]:
    """The post codes configured for the project, in their order."""
    return list(Post.objects.filter(project_id=project_id).values_list("code", flat=True))


def posts_of(actor: Staff, project_id: int) -> list[str]:
    """The posts the actor holds in the project (from their active memberships, loaded with the
    permissions)."""
    return access.posts_held(actor, project_id)


def acting_post(
    actor: Staff, project_id: int, post: str | None, *, prefer: Iterable[str] = ()
) -> str:
    """The post the actor acts at: the one named (it must be theirs, unless they supervise the
    floor and cover it), else their only post, else the only one of theirs in `prefer` (e.g.
    the posts a call is addressed to). Raises a field error `post` when it cannot tell."""
    mine = posts_of(actor, project_id)
    if post:
        code = str(post).strip().upper()
        if code not in project_posts(project_id):
            raise ValidationFailed(fields={"post": [_("This project has no such post")]})
        if code not in mine and not access.has_perm(actor, project_id, P.SUPERVISE_RECEPTION):
            raise Forbidden(_("You do not hold the post {post}").format(post=code))
        return code
    if len(mine) == 1:
        return mine[0]
    preferred = [code for code in mine if code in set(prefer)]
    if len(preferred) == 1:
        return preferred[0]
    raise ValidationFailed(fields={"post": [_("Choose the post you act at")]})


# --- settings ---------------------------------------------------------------------------------
def radio_settings(project: Project) -> RadioSettings:
    """`radio.ack_timeout` and `radio.normalize_ending` of the project (§21); a broken value
    falls back to the default rather than silencing the intercom."""
    try:
        return RadioSettings.from_params(project.params or {})
    except RadioError:
        return RadioSettings()


def reannounce_limit(project: Project) -> int:
    value = (project.params or {}).get(PARAM_REANNOUNCE_LIMIT, DEFAULT_REANNOUNCE_LIMIT)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 3


def site_script(project: Project) -> SiteScript:
    """The project's wording: its script name fills 《…VIP资料卡》 (R-GEN-02)."""
    card = (project.params or {}).get(PARAM_CARD_NAME, "")
    return SiteScript(project_name=project.display_script_name, card_name=str(card or ""))


# --- loading and locking ----------------------------------------------------------------------
def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def lock_visit(actor: Staff, visit_id: Any, perm: str = P.OPERATE_RECEPTION) -> Visit:
    """The visit, locked for the caller's transaction (lock order: visit → room → call → taxi).
    NotFound outside the actor's projects."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("project", "salesperson", "room")
        .filter(pk=_pk(visit_id))
        .first()
    )
    if visit is None:
        raise NotFound()
    access.require(actor, visit.project_id, perm)
    return visit


def lock_room(room_id: int) -> VipRoom:
    return VipRoom.objects.select_for_update().get(pk=room_id)


def snapshot(visit: Visit) -> VisitSnapshot:
    """The domain's view of a stored visit (its steps from `visit.steps`, prefetched or not)."""
    history = tuple(
        StageEntry(Stage(s.stage), s.at, s.action, s.post)
        for s in sorted(visit.steps.all(), key=lambda s: (s.at, s.pk))
    )
    return VisitSnapshot(
        mode=VisitMode(visit.mode),
        stage=Stage(visit.stage),
        history=history,
        client_name=visit.client_name,
        salutation=visit.salutation_word,
        party_size=visit.party_size,
        appearance=visit.appearance,
        has_vehicle=visit.has_vehicle,
        multi_person_car=visit.multi_person_car,
        raining=visit.raining,
        own_umbrella=visit.own_umbrella,
        smoker=visit.smoker,
        category=VisitCategory(visit.category),
        capacity_answer=visit.capacity_answer,
        room=visit.room.number if visit.room_id and visit.room else "",
        salesperson_name=visit.salesperson.name
        if visit.salesperson_id and visit.salesperson
        else "",
    )
