"""Routes of /api/v1/ for shelters and case records (api-v1.md)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("shelters", api.ShelterViewSet, basename="shelter")
router.register("victims", api.VictimViewSet, basename="victim")
router.register("services", api.ServiceViewSet, basename="service")
router.register("referrals", api.ReferralViewSet, basename="referral")
router.register("legal-actions", api.LegalActionViewSet, basename="legal-action")
router.register("follow-ups", api.FollowUpViewSet, basename="follow-up")
router.register("trainings", api.TrainingViewSet, basename="training")

urlpatterns = router.urls
