"""The in-app inbox (通知): the notifications of the signed-in staff member."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from propdesk.core.forms import SearchForm
from propdesk.core.services import notifications
from propdesk.core.views.common import paginate, render_list, staff_view


@staff_view
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = notifications.list_inbox(actor=request.staff, unread_only=unread_only)  # type: ignore[attr-defined]
    context = {"page": paginate(request, rows), "unread_only": unread_only, "search": SearchForm()}
    return render_list(request, "core/inbox/list.html", "core/inbox/_results.html", context)


@require_POST
@staff_view
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read, then open its link (or go back to the inbox)."""
    notice = notifications.mark_read(actor=request.staff, notification_id=pk)  # type: ignore[attr-defined]
    if notice.url and url_has_allowed_host_and_scheme(
        notice.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notice.url)
    return redirect("core:inbox")


@require_POST
@staff_view
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.mark_all_read(actor=request.staff)  # type: ignore[attr-defined]
    messages.success(request, _("{count} notifications marked as read").format(count=count))
    return redirect("core:inbox")
