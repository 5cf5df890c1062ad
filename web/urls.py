"""The shelter staff's web pages, mounted at the site root. URLs carry ids and case codes, never personal data."""

from django.urls import path

from .views import cases, consents, costshare, home, imports, months, records, session, tasks, team, trail, transfers

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("session/", session.session_status, name="session"),
    path("shelter/", home.switch_shelter, name="switch-shelter"),
    path("shelter/follow-up-plan/", tasks.follow_up_plan, name="follow-up-plan"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/new/", cases.victim_new, name="victim-new"),
    path("cases/<uuid:pk>/", cases.case_detail, name="case"),
    path("cases/<uuid:pk>/edit/", cases.case_edit, name="case-edit"),
    path("cases/<uuid:pk>/delete/", cases.case_delete, name="case-delete"),
    path("cases/<uuid:pk>/exit/", cases.case_exit, name="case-exit"),
    path("cases/<uuid:pk>/assign/", tasks.case_assign, name="case-assign"),
    path("cases/<uuid:pk>/children/new/", cases.child_new, name="child-new"),
    # Before the records' patterns, whose <slug:kind> would take "consents" and "transfer".
    path("cases/<uuid:pk>/consents/new/", consents.consent_new, name="consent-new"),
    path("cases/<uuid:pk>/consents/<uuid:consent_id>/withdraw/", consents.consent_withdraw, name="consent-withdraw"),
    path("cases/<uuid:pk>/consents/<uuid:consent_id>/print/", consents.consent_print, name="consent-print"),
    path("cases/<uuid:pk>/transfer/new/", transfers.transfer_new, name="transfer-new"),
    path("transfers/", transfers.transfer_list, name="transfers"),
    path("transfers/<uuid:transfer_id>/<slug:step>/", transfers.transfer_step, name="transfer-step"),
    path("cases/<uuid:pk>/<slug:kind>/new/", records.record_new, name="record-new"),
    path("cases/<uuid:pk>/<slug:kind>/<uuid:record_id>/edit/", records.record_edit, name="record-edit"),
    path("cases/<uuid:pk>/<slug:kind>/<uuid:record_id>/delete/", records.record_delete, name="record-delete"),
    path("trainings/", records.trainings, name="trainings"),
    path("annex2/", months.annex2, name="annex2"),
    path("annex2/submit/", months.month_submit, name="month-submit"),
    path("team/", team.team, name="team"),
    path("trail/", trail.trail, name="trail"),
    path("records/", imports.records_page, name="records"),
    path("records/template.xlsx", imports.records_template, name="records-template"),
    path("records/export/", imports.records_export, name="records-export"),
    path("cost-share/", costshare.cost_share, name="cost-share"),
    path(
        "cost-share/contributions/<int:contribution_id>/delete/",
        costshare.contribution_delete,
        name="contribution-delete",
    ),
    path("team/members/<int:user_id>/", team.member_action, name="member-action"),
    path("team/invitations/<int:invitation_id>/withdraw/", team.invitation_withdraw, name="invitation-withdraw"),
]
