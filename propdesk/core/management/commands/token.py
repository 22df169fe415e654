"""`propdesk token create USERNAME [--name N] [--days D]` prints only the new token (for scripts:
`TOKEN=$(propdesk token create li)`); `propdesk token revoke PREFIX`; `propdesk token list [USERNAME]`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from propdesk.core.errors import DomainError
from propdesk.core.services import tokens


def _user(username: str) -> Any:
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"no user named {username!r}") from None


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Create, revoke and list API tokens (Authorization: Bearer pd_…)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it (shown only once)")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument("--days", type=int, default=None, help="expire after N days")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix (pd_xxxxx)")
        revoke.add_argument("prefix")
        listing = sub.add_parser("list", help="list tokens (of one user)")
        listing.add_argument("username", nargs="?", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(details or str(exc.message)) from None

    def _create(self, options: dict[str, Any]) -> None:
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        _token, raw = tokens.create_token(
            user=_user(options["username"]), name=options["name"], expires_at=expires_at
        )
        self.stdout.write(raw)

    def _revoke(self, options: dict[str, Any]) -> None:
        token = tokens.revoke_token(user=None, prefix=options["prefix"])
        self.stderr.write(f"revoked {token.prefix}… of {token.user.get_username()}")

    def _list(self, options: dict[str, Any]) -> None:
        user = _user(options["username"]) if options["username"] else None
        for token in tokens.list_tokens(user=user):
            state = "revoked" if token.revoked_at else "active"
            if state == "active" and token.expires_at and token.expires_at <= timezone.now():
                state = "expired"
            self.stdout.write(
                "\t".join(
                    [
                        token.prefix,
                        token.user.get_username(),
                        token.name or "-",
                        state,
                        f"created {_when(token.created_at)}",
                        f"last used {_when(token.last_used_at)}",
                        f"expires {_when(token.expires_at)}",
                    ]
                )
            )
