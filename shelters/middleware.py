"""Every request in the shelter scope of its user; Spanish by default on the web pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .scopes import web_request_scope

# The API and the admin keep Django's negotiation (Accept-Language): their readers are partners and program staff.
NEGOTIATED_PREFIXES = ("/api/", "/admin/")


class SpanishByDefaultMiddleware:
    """Caseworkers work in Spanish: a page is in Spanish unless the user chose English with the switch.

    Placed before LocaleMiddleware, it hides the browser's Accept-Language from the web pages, so the
    language comes from the switch's cookie or, without one, from LANGUAGE_CODE ("es"). A phone set
    to English (common on second-hand phones) must not turn the shelter's pages English.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(NEGOTIATED_PREFIXES):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        elif request.path_info.startswith("/api/") and not request.META.get("HTTP_ACCEPT_LANGUAGE"):
            # Partners' programs that ask for no language get the contract's language, English.
            request.META["HTTP_ACCEPT_LANGUAGE"] = "en"
        return self.get_response(request)


class ShelterScopeMiddleware:
    """The request's transaction lets PostgreSQL show the signed-in user's shelters and nothing else.

    Around everything that follows (the view, its template's rendering, the API's own authentication),
    so a query anywhere in the request sees what the user may; an API token's user, authenticated inside
    the view, gets their shelters when the door (selectors.case_shelter_ids) is first asked.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # An API request with credentials may authenticate shelter staff inside its view (a token).
        may_open_door = request.path_info.startswith("/api/") and "HTTP_AUTHORIZATION" in request.META
        with web_request_scope(request.user, may_open_door=may_open_door):
            return self.get_response(request)
