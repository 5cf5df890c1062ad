from rest_framework.routers import SimpleRouter

from .api import MeetingViewSet, OrganizationViewSet

router = SimpleRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("meetings", MeetingViewSet, basename="meeting")

urlpatterns = router.urls
