"""Web pages of the workorders package. Until its workflows land, the module page says what is
planned, so the navigation shell is complete and honest."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from propdesk.core.views import module_overview

PLANNED = ["业主报修与工程部维修单", "保修期内转地产客服", "品质检查与整改通知单"]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return module_overview(request, "workorders", PLANNED)
