"""The caseworkers' web pages, mounted at the site root. URLs carry ids and case codes, never personal data."""

from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("shelter/", views.switch_shelter, name="switch-shelter"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.victim_new, name="victim-new"),
    path("cases/<uuid:pk>/", views.case_detail, name="case"),
    path("cases/<uuid:pk>/exit/", views.case_exit, name="case-exit"),
    path("cases/<uuid:pk>/children/new/", views.child_new, name="child-new"),
    path("cases/<uuid:pk>/<slug:kind>/new/", views.record_new, name="record-new"),
    path("trainings/", views.trainings, name="trainings"),
    path("annex2/", views.annex2, name="annex2"),
    path("annex2/submit/", views.month_submit, name="month-submit"),
]
