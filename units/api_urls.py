from rest_framework.routers import SimpleRouter

from units import api

router = SimpleRouter(trailing_slash=True)
router.register("clinicians", api.ClinicianViewSet, basename="clinician")
router.register("officers", api.OfficerViewSet, basename="officer")
router.register("shifts", api.ShiftViewSet, basename="shift")
router.register("units", api.UnitViewSet, basename="unit")

urlpatterns = router.urls
