"""Web pages of the billing package. Until its workflows land, the module page says what is
planned, so the navigation shell is complete and honest."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from propdesk.core.views import module_overview

PLANNED = ["收费与收据", "收缴率", "提示函/催缴函/紧急催缴函/律师函"]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return module_overview(request, "billing", PLANNED)
