"""URL map: web UI per package, the API at /api/v1/, Django admin, i18n switch, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from propdesk.api import api
from propdesk.core.views import auth, health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("", include("propdesk.core.urls")),
    path("complaints/", include("propdesk.complaints.urls")),
    path("reception/", include("propdesk.reception.urls")),
    path("workorders/", include("propdesk.workorders.urls")),
    path("billing/", include("propdesk.billing.urls")),
    path("residents/", include("propdesk.residents.urls")),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
