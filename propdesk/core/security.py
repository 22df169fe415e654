"""Login hardening (issue 5, "Access control and personal data" → Login): the client address
behind a proxy, a small cache-based rate limiter, and the django-axes backend.

- `client_ip(request)`: `REMOTE_ADDR`, or — when `PROPDESK_TRUSTED_PROXIES` = n > 0 — the address
  the nearest trusted proxy saw, the n-th entry from the right of `X-Forwarded-For`. Entries left
  of that are written by the client and are never trusted. Axes and the limiter both use it.
- `hit(scope, key, rate)`: counts one request in a fixed window in the default cache (locmem in
  the embedded setup, Redis with `REDIS_URL`, so every server process shares the counters there)
  and says how long to wait when the limit is passed.
- `LockoutBackend`: django-axes refuses logins of a locked (username, address) before any
  password is checked. Calls without a request (the test client's `login()`, scripts) are not
  network login attempts and are not counted.
- `StaffUserBackend`: Django's model backend whose per-request user lookup also loads the
  user's staff profile and company (every page needs them: one query less per request).
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import time
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_ip(request: HttpRequest) -> str:
    """The caller's address as far as it can be trusted (see the module docstring)."""
    proxies = int(getattr(settings, "PROPDESK_TRUSTED_PROXIES", 0))
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if proxies <= 0:
        return remote
    chain = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(chain) < proxies:
        return remote  # fewer hops than configured: the proxy did not add the header
    candidate = chain[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@dataclasses.dataclass(frozen=True)
class Rate:
    """`limit` requests per `period` seconds, written "20/m", "10/h", "5/30s"."""

    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        count, _, per = text.strip().partition("/")
        per = per.strip() or "m"
        unit = per[-1]
        if unit not in _UNITS or not count.strip().isdigit():
            raise ValueError(f"not a rate: {text!r} (write e.g. 20/m, 10/h, 5/30s)")
        amount = int(per[:-1]) if per[:-1] else 1
        return cls(limit=int(count), period=amount * _UNITS[unit])


def hit(scope: str, key: str, rate: Rate | str) -> int | None:
    """Count one request of `key` in `scope`. Returns None while within the limit, else the
    seconds until the window ends (for `Retry-After`). A limit of 0 disables the scope."""
    rate = Rate.parse(rate) if isinstance(rate, str) else rate
    if rate.limit <= 0:
        return None
    now = time.time()
    window = int(now // rate.period)
    # Hashed: bounded key length whatever was typed, and no login names stored in the cache.
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    cache_key = f"propdesk:rl:{scope}:{window}:{digest}"
    # add() is atomic (SET NX on Redis): the first request of a window creates the counter.
    if cache.add(cache_key, 1, timeout=rate.period + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.add(cache_key, 1, timeout=rate.period + 1)
            count = 1
    if count <= rate.limit:
        return None
    return max(1, int((window + 1) * rate.period - now) + 1)


class LockoutBackend(AxesStandaloneBackend):
    """AxesStandaloneBackend that lets request-less authenticate() calls through unchecked."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]


class StaffUserBackend(ModelBackend):
    """ModelBackend whose `get_user` (run on every request with a session) selects the staff
    profile and its company with the user; `access.staff_for_user` then needs no query."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("staff", "staff__company").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
