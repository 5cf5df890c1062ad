"""Account pages: joining by invitation and the coordinator's team page (namespace `accounts`).

Password reset and change keep Django's URL names (their e-mails and redirects use them): see
`password_urlpatterns`, mounted without a namespace ahead of django.contrib.auth.urls.
"""

from django.urls import path

from . import joining, team

app_name = "accounts"

urlpatterns = [
    path("accounts/join/<str:secret>/", joining.join, name="join"),
    path("team/", team.team, name="team"),
    path("team/members/<int:user_id>/", team.member_action, name="member-action"),
    path("team/invitations/<int:invitation_id>/withdraw/", team.invitation_withdraw, name="invitation-withdraw"),
]

password_urlpatterns = [
    path("password_reset/", joining.PasswordResetView.as_view(), name="password_reset"),
    path("reset/<uidb64>/<token>/", joining.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password_change/", joining.PasswordChangeView.as_view(), name="password_change"),
]
