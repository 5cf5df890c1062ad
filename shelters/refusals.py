"""Refused requests for case records, into the audit trail: the one helper the API, the pages and admin call.

A refusal (401, 403 or 404) is recorded as who asked (the account, or for an anonymous request its
address), what (the record type and the id asked for) and when. The id is kept only as a UUID's
canonical text (a shelter's as its number): whatever else a client put where an id goes (a name typed
into a URL, a NUL byte) is left out, so the trail never holds a name and the database never refuses the row.

Recording is called only on the refusal path, so a successful request costs no query more; and it never
turns the refusal into a 500: a failed audit write is rolled back to its savepoint and logged.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import DatabaseError, transaction
from django.http import HttpRequest

from accounts.addresses import client_address

from .audit import audit_refusal
from .models import User

logger = logging.getLogger(__name__)


def refused_record_id(value: Any) -> str:
    """The id asked for as a UUID's canonical text (or a shelter's integer id); anything else is left out ("")."""
    if isinstance(value, uuid.UUID) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    if not isinstance(value, str) or len(value) > 45:
        return ""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return ""


def record_refusal(
    request: HttpRequest,
    *,
    actor: User | None,
    record_type: str,
    record_id: Any = "",
    status: int,
    channel: str,
) -> None:
    """Audit one refused request (coalesced per actor, or address, and minute by `audit_refusal`)."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    try:
        with transaction.atomic():
            audit_refusal(
                actor=actor,
                record_type=record_type,
                record_id=refused_record_id(record_id),
                status=status,
                channel=channel,
                address=client_address(request),
            )
    except DatabaseError:
        # The refusal still stands; losing its entry is logged loudly rather than answered as a 500.
        logger.exception("Could not audit a refused request for a %s (%s)", record_type, status)
