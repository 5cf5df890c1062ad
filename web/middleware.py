"""Spanish by default on the web pages, whatever language the browser prefers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
