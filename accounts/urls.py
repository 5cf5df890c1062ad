"""Account pages (namespace `accounts`): joining by invitation and the second factor (the team page is in `web`).

Sign-in, password reset and change keep Django's URL names (settings.LOGIN_URL, Django's e-mails and
redirects use them): see `unnamespaced_urlpatterns`, mounted under /accounts/ ahead of django.contrib.auth.urls.
"""

from django.urls import path

from . import joining, views

app_name = "accounts"

urlpatterns = [
    path("accounts/join/<str:secret>/", joining.join, name="join"),
    path("accounts/verify/", views.verify, name="verify"),
    path("accounts/two-factor/", views.two_factor_page, name="two-factor"),
    path("accounts/two-factor/replace/", views.two_factor_replace, name="two-factor-replace"),
    path("accounts/two-factor/new-codes/", views.two_factor_new_codes, name="two-factor-new-codes"),
    path("accounts/two-factor/remove/", views.two_factor_remove, name="two-factor-remove"),
    path("accounts/two-factor/codes/", views.two_factor_codes, name="two-factor-codes"),
]

unnamespaced_urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("password_reset/", joining.PasswordResetView.as_view(), name="password_reset"),
    path("reset/<uidb64>/<token>/", joining.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password_change/", joining.PasswordChangeView.as_view(), name="password_change"),
]
