"""The caller's own API tokens: list, create (the token is in the response once), revoke."""

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core import security
from propdesk.core.api.common import (
    ERROR_RESPONSES,
    InputSchema,
    PagePagination,
    ProblemOut,
    actor_of,
    problem,
)
from propdesk.core.models import ApiToken
from propdesk.core.services import tokens

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str

    @staticmethod
    def resolve_token(obj: ApiToken) -> str:
        return str(obj.raw)  # type: ignore[attr-defined]


class TokenIn(InputSchema):
    name: str = ""
    expires_at: dt.datetime | None = None


@router.get("/tokens", response={200: list[TokenOut], **ERROR_RESPONSES})
@paginate(PagePagination)
def list_tokens(request: HttpRequest) -> object:
    return tokens.list_tokens(user=actor_of(request).user)


@router.post("/tokens", response={201: TokenCreatedOut, **ERROR_RESPONSES, 429: ProblemOut})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[ApiToken] | HttpResponse:
    """Create a token for yourself. The `token` field is shown only in this response.
    At most `PROPDESK_TOKEN_RATE` (default 10 an hour) per user, else 429 with Retry-After."""
    user = actor_of(request).user
    # date_joined too: an account re-created under a reused id starts afresh.
    key = f"{user.pk}:{user.date_joined.timestamp()}"
    retry_after = security.hit("token-create", key, settings.PROPDESK_TOKEN_RATE)
    if retry_after is not None:
        return problem(
            status=429,
            code="rate_limited",
            title=_("Too many requests"),
            detail=_("Too many tokens created; try again in {seconds} s").format(
                seconds=retry_after
            ),
            headers={"Retry-After": str(retry_after)},
        )
    token, raw = tokens.create_token(user=user, name=payload.name, expires_at=payload.expires_at)
    token.raw = raw  # type: ignore[attr-defined]
    return Status(201, token)


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **ERROR_RESPONSES})
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    return tokens.revoke_token(user=actor_of(request).user, token_id=token_id)
