"""The login page with a rate limit in front of django-axes (issue 5, Login).

Every POST counts against the caller's address (`PROPDESK_LOGIN_RATE_IP`, default 30/m: one
office behind one NAT address still logs in at the start of a shift) and against the login name
(`PROPDESK_LOGIN_RATE_USER`, default 10/m: password spraying from many addresses). Past either,
the page answers 429 with a message beside the form and no password is checked. Axes then locks
a (login name, address) after `PROPDESK_LOGIN_FAILURES` wrong passwords.
"""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from propdesk.core import security


def too_many_attempts_message(retry_after: int) -> str:
    minutes = max(1, math.ceil(retry_after / 60))
    return gettext("Too many login attempts. Please try again in {minutes} min.").format(
        minutes=minutes
    )


class LoginForm(AuthenticationForm):
    retry_after: int | None = None

    def clean(self) -> dict[str, Any]:
        if self.retry_after is not None:
            # Refused before authenticate(): a throttled guess costs no password check.
            raise forms.ValidationError(
                too_many_attempts_message(self.retry_after), code="rate_limited"
            )
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = LoginForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ip = security.client_ip(request)
        name = str(request.POST.get("username", "")).strip().lower()
        waits = [security.hit("login-ip", ip, settings.PROPDESK_LOGIN_RATE_IP)]
        if name:
            waits.append(security.hit("login-user", name, settings.PROPDESK_LOGIN_RATE_USER))
        retry_after = max((w for w in waits if w is not None), default=None)
        if retry_after is None:
            return super().post(request, *args, **kwargs)
        form = self.get_form()
        form.retry_after = retry_after
        form.is_valid()
        response = self.form_invalid(form)
        response.status_code = 429
        response["Retry-After"] = str(retry_after)
        return response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: the locked-out page, 429, with the cool-off in minutes."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    response = render(request, "core/locked_out.html", context, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
