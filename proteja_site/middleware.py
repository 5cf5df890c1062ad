"""Edges every request passes: what the browser may do with a page, what may keep a copy of an API answer, and
the size of what the API is sent."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers


class RequestBodyLimitMiddleware:
    """An API body larger than `settings.API_MAX_BODY_BYTES` answers 400 before anything reads it.

    DRF's parsers read the whole body into memory and, unlike Django's form parsing, check no size
    (DATA_UPLOAD_MAX_MEMORY_SIZE). Django reads no more of a body than its Content-Length says (a body
    without one reads as empty), so the header bounds what any view can be made to read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0  # what Django reads such a body as
            limit = settings.API_MAX_BODY_BYTES
            if length > limit:
                return JsonResponse(
                    {"detail": f"The request body is larger than {limit} bytes ({limit // (1024 * 1024)} MiB)."},
                    status=400,
                )
        return self.get_response(request)


class ApiNoStoreMiddleware:
    """Every answer under /api/ is sent with `Cache-Control: no-store` (and private, max-age=0).

    Case records, the token, names in the audit trail and every shelter's table are personal or
    confidential, and each answer is for one account: no browser, proxy or partner's HTTP cache should keep
    a copy. All of the API rather than a list of endpoints, so that a new endpoint cannot be forgotten;
    the price, refetching aggregates and the schema, is small.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            add_never_cache_headers(response)
        return response


class PermissionsPolicyMiddleware:
    """`Permissions-Policy: settings.PERMISSIONS_POLICY` on every answer (Django sets no such header)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
