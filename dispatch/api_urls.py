from rest_framework.routers import SimpleRouter

from dispatch import api

router = SimpleRouter(trailing_slash=True)
router.register("calls", api.CallViewSet, basename="call")

urlpatterns = router.urls
