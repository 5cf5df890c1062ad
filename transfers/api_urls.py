"""Routes of /api/v1/ for consents and transfers (api-v1.md)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("consents", api.ConsentViewSet, basename="consent")
router.register("transfers", api.TransferViewSet, basename="transfer")

urlpatterns = router.urls
