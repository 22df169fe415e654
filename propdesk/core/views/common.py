"""Helpers shared by the core views: the staff-only decorator that maps domain errors to HTTP
(NotFound → 404, Forbidden → 403), pagination, HTMX partial rendering and form errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from propdesk.core import access
from propdesk.core.errors import Forbidden, NotFound, ValidationFailed

PAGE_SIZE = 25
View = Callable[..., HttpResponse]


def staff_view(view: View) -> View:
    """Log-in required, a staff profile required, and domain errors shown as error pages:
    objects of other projects are 404 (their existence is not revealed), a missing permission
    is 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "staff", None) is None:
            return render(request, "core/no_access.html", status=403)
        if getattr(request, "project", None) is None:
            return render(request, "core/no_access.html", {"no_project": True}, status=403)
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden:
            raise PermissionDenied from None

    return login_required(wrapper)


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    """A page of `items` (1-based `?page=`; out of range → the last page)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def render_list(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """An HTMX live search swaps only the results; a normal request gets the whole page."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        return render(request, partial, context)
    return render(request, template, context)


def show_errors(form: forms.BaseForm, exc: ValidationFailed) -> None:
    """Put a service's field messages beside the fields; others go to the top of the form."""
    for name, messages in exc.fields.items():
        form.add_error(name if name in form.fields else None, list(messages))
    if not exc.fields:
        form.add_error(None, str(exc.message))


def can(request: HttpRequest, perm: str, project_id: int | None = None) -> bool:
    """Whether the acting staff member holds `perm` in the (current) project: decides which
    buttons a page shows; the services check again."""
    pid = project_id if project_id is not None else request.project.pk  # type: ignore[attr-defined]
    return access.has_perm(request.staff, pid, perm)  # type: ignore[attr-defined]


def masked(request: HttpRequest, objects: Iterable[Any]) -> list[Any]:
    return access.apply_masking(request.staff, objects)  # type: ignore[attr-defined]
