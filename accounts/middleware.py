"""The second factor, enforced: a session that must give a code reaches nothing else until it has.

A signed-in session that is not verified (django-otp's OTPMiddleware, placed before this one, tells) and
whose account needs a second factor (`two_factor.needs_second_factor`) or has one may open only the pages
that lead to giving a code: enrolment, verification, sign in and out, and the language switch (static files
never reach a view). Any other page, the admin and session-authenticated API requests are sent to
enrolment (no device yet) or to verification; the API answers 403 with JSON instead of a redirect.
Token-authenticated API requests pass: tokens are issued only after the code (accounts.api).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import two_factor

# URL names (resolver_match.view_name) an unverified session may open.
OPEN_VIEWS = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "accounts:verify",
        "api-token",
        # Django admin's and DRF's own sign-in pages only send to the site's (accounts.views.sign_in_elsewhere).
        "admin-login",
        "api-auth-login",
        "admin:logout",
        "rest_framework:logout",
    }
)
OPEN_VIEW_PREFIXES = ("accounts:two-factor",)


class SecondFactorMiddleware:
    """Place after django_otp.middleware.OTPMiddleware (which comes after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        view_name = match.view_name if match is not None else ""
        if view_name in OPEN_VIEWS or view_name.startswith(OPEN_VIEW_PREFIXES):
            return None
        is_api = request.path_info.startswith("/api/")
        if is_api and _sends_a_token(request):
            return None
        user = request.user
        if not user.is_authenticated or two_factor.session_is_verified(user):
            return None
        if two_factor.session_may_skip_code(request, user):
            return None
        has_device = two_factor.has_second_factor(user)
        if is_api:
            detail = (
                _("Give your second factor's code first: sign in again on the site's sign-in page, or use a token.")
                if has_device
                else _("Your role needs a second factor: set it up on the site's pages first, then use its code.")
            )
            return JsonResponse({"detail": detail}, status=403)
        target = reverse("accounts:verify") if has_device else reverse("accounts:two-factor")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


def _sends_a_token(request: HttpRequest) -> bool:
    """`Authorization: Token ...`: DRF authenticates by the token or answers 401, never by the session."""
    prefix = settings.REST_KNOX.get("AUTH_HEADER_PREFIX", "Token").lower()
    words = request.META.get("HTTP_AUTHORIZATION", "").split()
    return bool(words) and words[0].lower() == prefix
