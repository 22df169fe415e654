"""The caller's own API tokens: list, create (the token is in the response once), revoke."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from propdesk.core.api.common import ERROR_RESPONSES, InputSchema, PagePagination, actor_of
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


@router.post("/tokens", response={201: TokenCreatedOut, **ERROR_RESPONSES})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[ApiToken]:
    """Create a token for yourself. The `token` field is shown only in this response."""
    token, raw = tokens.create_token(
        user=actor_of(request).user, name=payload.name, expires_at=payload.expires_at
    )
    token.raw = raw  # type: ignore[attr-defined]
    return Status(201, token)


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **ERROR_RESPONSES})
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    return tokens.revoke_token(user=actor_of(request).user, token_id=token_id)
