from django.urls import path
from rest_framework.routers import SimpleRouter

from units import api
from units.api.weeks import WeekPublishView, WeekView

router = SimpleRouter(trailing_slash=True)
router.register("clinicians", api.ClinicianViewSet, basename="clinician")
router.register("officers", api.OfficerViewSet, basename="officer")
router.register("shift-templates", api.ShiftTemplateViewSet, basename="shift-template")
router.register("shifts", api.ShiftViewSet, basename="shift")
router.register("units", api.UnitViewSet, basename="unit")

urlpatterns = [
    *router.urls,
    path("weeks/<str:day>/", WeekView.as_view(), name="week"),
    path("weeks/<str:day>/publish/", WeekPublishView.as_view(), name="week-publish"),
]
