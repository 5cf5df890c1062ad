"""Account pages under /accounts/ (mounted before django.contrib.auth.urls, whose sign-in this replaces)."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("two-factor/", views.two_factor_page, name="two-factor"),
    path("two-factor/replace/", views.two_factor_replace, name="two-factor-replace"),
    path("two-factor/new-codes/", views.two_factor_new_codes, name="two-factor-new-codes"),
    path("two-factor/remove/", views.two_factor_remove, name="two-factor-remove"),
    path("two-factor/codes/", views.two_factor_codes, name="two-factor-codes"),
]

# Outside the namespace: settings.LOGIN_URL, Django's views and every template name it `login`.
sign_in_urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
]
