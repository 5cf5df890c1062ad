from rest_framework.routers import SimpleRouter

from .api import FederalLawViewSet, NetworkViewSet, PalermoElementViewSet, StateViewSet

router = SimpleRouter()
router.register("states", StateViewSet, basename="state")
router.register("palermo-elements", PalermoElementViewSet, basename="palermo-element")
router.register("federal-laws", FederalLawViewSet, basename="federal-law")
router.register("networks", NetworkViewSet, basename="network")

urlpatterns = router.urls
