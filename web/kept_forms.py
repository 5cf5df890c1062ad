"""A form sent after the session ended is kept, and comes back filled after signing in again.

When a session ends (30 minutes without activity), the browser still sends its cookie. The first request that
brings a dead session's cookie notes whose session it was (the ended session's row, until `clearsessions`
removes it) in the new, anonymous session. A form posted then is kept in that session, encrypted with the
personal fields' key (it may hold names) and for KEPT_FORM_SECONDS at most, and the caseworker is sent to sign
in. Signing in keeps the anonymous session's data (Django cycles the key); the page the form was sent to then
gets the typed fields back (`request.restored_form`, filled in by web/static/web/pages.js), for that same user
only: another person signing in on the same phone gets nothing, and the kept form is dropped. Nothing typed goes
into a URL or a log line; passwords and the CSRF token are never kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import import_module
from typing import Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from shelters.encryption import field_fernet

KEPT_FORM_KEY = "web_kept_form"
ENDED_SESSION_USER_KEY = "web_ended_session_user"
KEPT_FORM_SECONDS = 15 * 60
# Pages of the shelter staff only: the API, admin and sign-in pages keep Django's own behaviour.
# (The session's status, /session/, is asked before a form is sent: it notes the ended session's user too, or
# its answer would delete the ended session's cookie before the form arrives.)
NOT_KEPT_PREFIXES = ("/api/", "/admin/", "/accounts/", "/i18n/", "/static/")
NEVER_KEPT_FIELDS = {"csrfmiddlewaretoken", "password", "password1", "password2", "otp"}


class KeptFormMiddleware:
    """See the module's docstring. A process_view hook, so that it runs after the CSRF check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        if request.path_info.startswith(NOT_KEPT_PREFIXES):
            return None
        if not request.user.is_authenticated:
            ended_user = _ended_session_user(request)
            if request.method == "POST" and ended_user is not None:
                _keep(request, user_id=ended_user)
                messages.info(
                    request,
                    _("Your session had ended. Sign in again: what you typed is kept and comes back filled in."),
                )
                return redirect_to_login(request.get_full_path())
            return None
        request.session.pop(ENDED_SESSION_USER_KEY, None)
        if request.method == "GET" and KEPT_FORM_KEY in request.session:
            request.restored_form = _restored(request)
        return None


def _ended_session_user(request: HttpRequest) -> int | None:
    """Whose ended session this browser brought (noted in its new session on the first request after)."""
    noted = request.session.get(ENDED_SESSION_USER_KEY)
    if noted is not None:
        return noted
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not cookie or request.session.session_key is not None:
        return None  # no session, or a live one without a user (signed out: its data was flushed)
    engine = import_module(settings.SESSION_ENGINE)
    if not hasattr(engine.SessionStore, "get_model_class"):
        return None  # sessions not kept in the database: the ended one is gone
    row = engine.SessionStore.get_model_class().objects.filter(session_key=cookie).first()
    user_id = engine.SessionStore().decode(row.session_data).get("_auth_user_id") if row else None
    if user_id is None:
        return None
    request.session[ENDED_SESSION_USER_KEY] = int(user_id)
    return int(user_id)


def _keep(request: HttpRequest, *, user_id: int) -> None:
    fields = [[name, value] for name, value in request.POST.lists() if name not in NEVER_KEPT_FIELDS]
    request.session[KEPT_FORM_KEY] = {
        "path": request.path,
        "user": user_id,
        "fields": field_fernet().encrypt(json.dumps(fields).encode()).decode(),
    }


def _restored(request: HttpRequest) -> list[list[Any]] | None:
    """The kept form's fields, once, if this page is where it was sent and this user sent it; else dropped."""
    kept = request.session[KEPT_FORM_KEY]
    if kept.get("path") != request.path:
        return None  # kept until the page is reached (sign-in may first ask for the second factor)
    del request.session[KEPT_FORM_KEY]
    if kept.get("user") != request.user.pk:
        return None
    try:
        return json.loads(field_fernet().decrypt(kept["fields"].encode(), ttl=KEPT_FORM_SECONDS))
    except (InvalidToken, KeyError, ValueError):
        return None
