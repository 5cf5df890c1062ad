"""Annex 2 under /api/v1/ (api-v1.md): the catalogue, stored values, tables, locks and submissions."""

from django.urls import path

from . import api

urlpatterns = [
    path("indicators/", api.IndicatorListView.as_view(), name="indicator-list"),
    path("indicators/<str:key>/", api.IndicatorDetailView.as_view(), name="indicator-detail"),
    path("indicator-values/", api.IndicatorValueListView.as_view(), name="indicator-value-list"),
    path("annex2/", api.NationalTableView.as_view(), name="national-annex2"),
    path("shelters/<slug:slug>/annex2/", api.Annex2TableView.as_view(), name="shelter-annex2"),
    # The month is any text here so that a bad one is a 400 naming `month`, not a 404.
    path("shelters/<slug:slug>/months/<str:month>/lock/", api.MonthLockView.as_view(), name="shelter-month-lock"),
    path("shelters/<slug:slug>/months/<str:month>/submit/", api.MonthSubmitView.as_view(), name="shelter-month-submit"),
    path(
        "shelters/<slug:slug>/months/<str:month>/approve/", api.MonthApproveView.as_view(), name="shelter-month-approve"
    ),
    path("shelters/<slug:slug>/months/<str:month>/return/", api.MonthReturnView.as_view(), name="shelter-month-return"),
    path("months/", api.MonthListView.as_view(), name="month-list"),
]
