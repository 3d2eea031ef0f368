from django.urls import path
from rest_framework.routers import SimpleRouter

from dispatch import api, report_api

router = SimpleRouter(trailing_slash=True)
router.register("calls", api.CallViewSet, basename="call")

urlpatterns = [
    *router.urls,
    path("reports/summary/", report_api.ReportSummaryAPI.as_view(), name="reports-summary"),
]
