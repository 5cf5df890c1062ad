"""The client's real address, the one way every throttle, lock-out and audit entry reads it.

`X-Forwarded-For` is believed only for the number of proxies in front of the application,
`TRUSTED_PROXY_COUNT` (default 0: the header is ignored and the socket's address counts).
Each proxy appends the address it saw, so with N trusted proxies the client is the N-th
address from the right; whatever a client wrote further left is its own invention.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return _valid(hops[-min(proxies, len(hops))]) or remote


def axes_client_address(request: HttpRequest) -> str:
    """AXES_CLIENT_IP_CALLABLE: django-axes counts failures by the same address."""
    return client_address(request) or ""
