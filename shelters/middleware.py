"""Every request in the shelter scope of its user: what PostgreSQL's row-level security lets through."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .scopes import web_request_scope


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
