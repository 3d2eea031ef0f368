from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from coresponder import audit_views, health, views
from coresponder.converters import IdConverter

register_converter(IdConverter, "id")

handler400 = "coresponder.errors.bad_request"
handler404 = "coresponder.views.not_found"
# A database outage is a 503 to retry, anything else a 500 (coresponder.outages).
handler500 = "coresponder.outages.server_error"

api_v1 = [
    path("", include("units.api_urls")),
    path("", include("dispatch.api_urls")),
    path("", include("push.api_urls")),
    path("planning/", include("planning.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("", include("coresponder.pwa_urls")),
    path("audit/", audit_views.audit_log, name="audit"),
    path("audit.csv", audit_views.audit_csv, name="audit-csv"),
    path("accounts/", include("coresponder.auth_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("units.urls")),
    path("", include("dispatch.urls")),
    path("", include("push.urls")),
    path("", include("planning.urls")),
]
