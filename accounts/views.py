"""Account pages: sign in (with the second factor's code), verify a session, set up or change the second factor.

Thin views over accounts.two_factor. Every page is sent with Cache-Control: no-store: a secret, a QR code
or backup codes must not stay in a browser's or a proxy's cache.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import two_factor
from .addresses import client_address
from .forms import CodeForm, EnrolForm, SignInForm
from .lockout import lockout_response

CHANNEL = "web"
# The secret being enrolled (hex) lives in the session until its first code confirms it: no half-made device.
PENDING_SECRET = "accounts_pending_totp_key"
# New backup codes wait in the session for the one page that shows them.
NEW_BACKUP_CODES = "accounts_new_backup_codes"


# --- Signing in -------------------------------------------------------------------------------------------------


class SignInView(LoginView):
    """Django's LoginView with one more field: the code, required when the account has a second factor."""

    form_class = SignInForm
    template_name = "registration/login.html"

    def form_valid(self, form: SignInForm) -> HttpResponse:
        response = super().form_valid(form)  # Django's login(); django-otp's receiver stores the device too
        if form.otp_device is not None:
            two_factor.mark_session_verified(self.request, form.otp_device)
        return response


def sign_in_elsewhere(request: HttpRequest, *, default_next: str) -> HttpResponse:
    """The admin's and DRF's own sign-in pages ask no code: they send to the site's sign-in, keeping `next`."""
    # Also for a signed-in account: the admin sends a signed-in account that may not use it back to its sign-in
    # page, and sending that account on to `next` would go round in circles.
    return redirect(f"{reverse('login')}?{urlencode({'next': request.GET.get('next') or default_next})}")


@login_required
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """A signed-in session that has not given its code yet (accounts.middleware sends it here)."""
    user = request.user
    next_url = _next_url(request)
    if two_factor.session_is_verified(user):
        return redirect(next_url)
    if not two_factor.has_second_factor(user):
        return redirect(_with_next(reverse("accounts:two-factor"), request))
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if two_factor.locked_out(request, user):
            logout(request)
            return lockout_response(request)
        if form.is_valid():
            device = two_factor.verify_code(user, form.cleaned_data["otp"])
            if device is not None:
                two_factor.mark_session_verified(request, device)
                return redirect(next_url)
            if _code_refused(request, form):
                return lockout_response(request)
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


# --- Setting up and changing the second factor ------------------------------------------------------------------


@login_required
@never_cache
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (no second factor yet), or see it and manage it (enrolled)."""
    user = request.user
    if _must_verify_first(request):
        return redirect(_with_next(reverse("accounts:verify"), request))
    device = two_factor.totp_device_of(user)
    if device is None:
        return _enrolment(request, replacing=False)
    return _status(request, device)


@login_required
@never_cache
def two_factor_replace(request: HttpRequest) -> HttpResponse:
    """A new phone: enrol a new authenticator app; the old one stops working once the new one is confirmed."""
    if _must_verify_first(request):
        return redirect(_with_next(reverse("accounts:verify"), request))
    if two_factor.totp_device_of(request.user) is None:
        return redirect("accounts:two-factor")
    return _enrolment(request, replacing=True)


@require_POST
@login_required
@never_cache
def two_factor_new_codes(request: HttpRequest) -> HttpResponse:
    """Ten new backup codes (the old ones stop working), after a current code."""
    if _must_verify_first(request):
        return redirect(_with_next(reverse("accounts:verify"), request))
    device = two_factor.totp_device_of(request.user)
    if device is None:
        return redirect("accounts:two-factor")
    form = CodeForm(request.POST, prefix="codes")
    if form.is_valid():
        if two_factor.verify_code(request.user, form.cleaned_data["otp"]) is not None:
            codes = two_factor.new_backup_codes(user=request.user, channel=CHANNEL, address=client_address(request))
            request.session[NEW_BACKUP_CODES] = codes
            return redirect("accounts:two-factor-codes")
        if _code_refused(request, form):
            return lockout_response(request)
    return _status(request, device, codes_form=form, status=400)


@require_POST
@login_required
@never_cache
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """Remove the second factor after a current code; refused for roles that need one (they may replace it)."""
    if _must_verify_first(request):
        return redirect(_with_next(reverse("accounts:verify"), request))
    user = request.user
    device = two_factor.totp_device_of(user)
    if device is None:
        return redirect("accounts:two-factor")
    form = CodeForm(request.POST, prefix="remove")
    if two_factor.needs_second_factor(user):
        form.is_valid()
        form.add_error(None, _("Your role needs a second factor: you may replace it, not remove it."))
        return _status(request, device, remove_form=form, status=403)
    if form.is_valid():
        if two_factor.verify_code(user, form.cleaned_data["otp"]) is not None:
            two_factor.remove_second_factor(user=user, channel=CHANNEL, address=client_address(request))
            messages.success(request, _("The second factor was removed: you sign in with your password only."))
            return redirect(settings.LOGIN_REDIRECT_URL)
        if _code_refused(request, form):
            return lockout_response(request)
    return _status(request, device, remove_form=form, status=400)


@login_required
@never_cache
def two_factor_codes(request: HttpRequest) -> HttpResponse:
    """The new backup codes, shown this once: taken out of the session as the page is made."""
    codes = request.session.pop(NEW_BACKUP_CODES, None)
    if not codes:
        return redirect("accounts:two-factor")
    shown = [f"{code[:5]} {code[5:]}" for code in codes]
    return render(request, "accounts/backup_codes.html", {"codes": shown, "next": _next_url(request)})


def _enrolment(request: HttpRequest, *, replacing: bool) -> HttpResponse:
    user = request.user
    key_hex = request.session.get(PENDING_SECRET)
    if not key_hex:
        key_hex = request.session[PENDING_SECRET] = two_factor.new_secret()
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolment = two_factor.enrol(
            user=user, key_hex=key_hex, code=form.cleaned_data["otp"], channel=CHANNEL, address=client_address(request)
        )
        if enrolment is not None:
            del request.session[PENDING_SECRET]
            two_factor.mark_session_verified(request, enrolment.device)
            request.session[NEW_BACKUP_CODES] = enrolment.backup_codes
            return redirect(_with_next(reverse("accounts:two-factor-codes"), request))
        form.add_error(
            "otp",
            _("This code does not fit. Check that the phone sets its time automatically, and type the code shown now."),
        )
    url = two_factor.unsaved_device(user, key_hex).config_url
    secret = two_factor.secret_in_base32(key_hex)
    context = {
        "form": form,
        "replacing": replacing,
        "required": two_factor.needs_second_factor(user),
        "qr_svg": segno.make(url, error="m").svg_inline(
            omitsize=True, svgclass="qr", lineclass=None, light="#fff", title=_("QR code for your authenticator app")
        ),
        "otpauth_url": url,
        "secret_groups": [secret[start : start + 4] for start in range(0, len(secret), 4)],
        "issuer": settings.OTP_TOTP_ISSUER,
        "next": _next_url(request, default=""),
    }
    return render(request, "accounts/two_factor_enrol.html", context, status=400 if form.errors else 200)


def _status(
    request: HttpRequest,
    device: Any,
    *,
    codes_form: CodeForm | None = None,
    remove_form: CodeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "device": device,
        "backup_codes_left": two_factor.backup_codes_left(request.user),
        "required": two_factor.needs_second_factor(request.user),
        "codes_form": codes_form or CodeForm(prefix="codes"),
        "remove_form": remove_form or CodeForm(prefix="remove"),
    }
    return render(request, "accounts/two_factor.html", context, status=status)


def _must_verify_first(request: HttpRequest) -> bool:
    """An account that has a second factor changes it only from a session that gave its code."""
    user = request.user
    return not two_factor.session_is_verified(user) and two_factor.has_second_factor(user)


def _code_refused(request: HttpRequest, form: CodeForm) -> bool:
    """Audit a wrong code, count it for django-axes and show it; True when it locked the account (signed out)."""
    two_factor.code_refused(request=request, user=request.user, channel=CHANNEL, address=client_address(request))
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return True
    form.add_error("otp", _("Wrong or expired code."))
    return False


def _next_url(request: HttpRequest, default: str | None = None) -> str:
    """Where to go afterwards: `next` if it is on this site, else the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL if default is None else default


def _with_next(url: str, request: HttpRequest) -> str:
    next_url = _next_url(request, default="")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url
