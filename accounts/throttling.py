"""Throttles that count by the client's real address and never fail a request because the cache is down."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rest_framework.throttling import ScopedRateThrottle

from .addresses import client_address

logger = logging.getLogger(__name__)


class AddressScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle by `accounts.addresses.client_address` (X-Forwarded-For only for trusted proxies).

    With the cache (Redis) down the request is let through and a warning logged: the throttle
    degrades, sign-in does not. django-axes keeps its failure counts in PostgreSQL, so lock-outs hold.
    """

    def get_ident(self, request):  # type: ignore[no-untyped-def]
        return client_address(request._request if hasattr(request, "_request") else request) or ""

    def allow_request(self, request, view):  # type: ignore[no-untyped-def]
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("Throttle %s skipped: the cache is unreachable (%s)", self.scope, type(exc).__name__)
            return True
