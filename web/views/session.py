"""How long the session has left, for the page's warning (and its "Stay signed in", which this request itself
extends: every request saves the session, SESSION_SAVE_EVERY_REQUEST), and the connection check before a form
is sent (web/static/web/pages.js)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def session_status(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    return JsonResponse({"signed_in": True, "seconds_left": request.session.get_expiry_age()})
