from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("cost-share-contributions", api.CostShareContributionViewSet, basename="cost-share-contribution")
router.register("disbursements", api.DisbursementViewSet, basename="disbursement")

urlpatterns = [
    path("cost-share/<str:quarter>/", api.QuarterlyCostShareView.as_view(), name="cost-share-quarter"),
    path("reports/quarterly/<str:quarter>/", api.QuarterlyReportView.as_view(), name="quarterly-report"),
    path(
        "reports/quarterly/<str:quarter>/sections/",
        api.QuarterlyNarrativeView.as_view(),
        name="quarterly-report-sections",
    ),
    *router.urls,
]
