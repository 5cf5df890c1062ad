"""The answer to a sign-in once django-axes has locked the account (AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes calls this once an account is locked after repeated failed sign-ins (AXES_LOCKOUT_CALLABLE)."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    if request.path_info.startswith("/api/"):
        detail = _("Too many failed sign-ins: this account is locked for %(minutes)d minutes.") % {"minutes": minutes}
        return JsonResponse({"detail": detail}, status=status)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=status)
