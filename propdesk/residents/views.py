"""Web pages of the residents package. Until its workflows land, the module page says what is
planned, so the navigation shell is complete and honest."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from propdesk.core.views import module_overview

PLANNED = ["办理入住", "业主档案与借阅", "钥匙、智能卡、物品寄存", "网球场预订", "管家走访"]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return module_overview(request, "residents", PLANNED)
