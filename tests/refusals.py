"""What the trail says of a minute's refusals, once the minute is over."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from shelters.audit import close_refusal_minutes
from shelters.models import AuditEntry


def minute_totals() -> dict[tuple[str, str | None], int]:
    """Close every minute so far (as the minute's task does once it is over); then each actor's (or
    address's) largest `repeats` in the trail, which is its minute's total."""
    close_refusal_minutes(now=timezone.now() + timedelta(minutes=2))
    rows = (
        AuditEntry.objects.filter(action="refused")
        .values("actor_username", "address")
        .annotate(total=Max("repeats"))
        .values_list("actor_username", "address", "total")
    )
    return {(username, address): total for username, address, total in rows}


def minute_total() -> int:
    """The one actor's total of the minute (the test's refusals are of one actor, in one minute)."""
    (total,) = minute_totals().values()
    return total
