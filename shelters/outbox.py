"""The recompute outbox: a case-record write records which shelter-months need their Annex 2 values again.

The request is a row of `RecomputeRequest`, upserted in the write's own transaction (one statement), so a
write that commits always leaves its request behind, whatever Redis or the workers do. After the commit a
best-effort nudge (the `recompute_requested` signal, which `indicators` answers by queuing its drain task)
says there is work; it never raises: with Redis down it is logged and counted, and the beat's drain every
minute takes the rows no message announced. A nudge is sent only when the write added a row: a row that was
already there has had its nudge (or the beat takes it).

`shelters` knows nothing of the engine: `indicators` drains the table (indicators.services).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import RecomputeRequest

logger = logging.getLogger(__name__)

# Sent after the commit of a write that added requests: `shelter_id`. Receivers must be quick.
recompute_requested = Signal()

_TABLE = RecomputeRequest._meta.db_table


# Nudges that could not be sent (Redis down...), in this process: the beat's drain makes up for each.
nudge_failures = 0
_failures_lock = threading.Lock()
_pending = threading.local()


def _pending_shelters() -> set[int]:
    if not hasattr(_pending, "shelters"):
        _pending.shelters = set()
    return _pending.shelters


def request_recompute(*, shelter_id: int, months: Iterable[date]) -> None:
    """Record that these months of the shelter need recomputing (in the caller's transaction); nudge after commit.

    One query. Called inside the write's transaction and its scope of the door (the table is behind the
    same row-level security as the case records).
    """
    wanted = sorted({month.replace(day=1) for month in months})
    if not wanted:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # clock_timestamp(), not now(): a write committed during a drain's recompute must leave a
            # requested_at the drain has not seen, so that its row is kept.
            cursor.execute(
                f"""
                INSERT INTO {_TABLE} AS request (shelter_id, month, requested_at)
                SELECT %s, month, clock_timestamp() FROM unnest(%s::date[]) AS wanted (month)
                ON CONFLICT (shelter_id, month) DO UPDATE SET requested_at = EXCLUDED.requested_at
                RETURNING (xmax = 0)
                """,
                [shelter_id, wanted],
            )
            added = any(inserted for (inserted,) in cursor.fetchall())
    else:
        # SQLite (the demo, one writer at a time): which months are new, then the same upsert.
        existing = RecomputeRequest.objects.filter(shelter_id=shelter_id, month__in=wanted).count()
        now = timezone.now()
        RecomputeRequest.objects.bulk_create(
            [RecomputeRequest(shelter_id=shelter_id, month=month, requested_at=now) for month in wanted],
            update_conflicts=True,
            unique_fields=["shelter", "month"],
            update_fields=["requested_at"],
        )
        added = existing < len(wanted)
    if added:
        # Many writes in one transaction (an import, a bulk create) send one nudge per shelter.
        _pending_shelters().add(shelter_id)
        transaction.on_commit(lambda: _nudge(shelter_id), robust=True)


def _nudge(shelter_id: int) -> None:
    """After commit: tell the workers (never raises; a failure is logged and counted)."""
    global nudge_failures
    pending = _pending_shelters()
    if shelter_id not in pending:
        return
    pending.discard(shelter_id)
    for _receiver, outcome in recompute_requested.send_robust(sender=RecomputeRequest, shelter_id=shelter_id):
        if isinstance(outcome, Exception):
            with _failures_lock:
                nudge_failures += 1
                count = nudge_failures
            logger.warning(
                "Recompute nudge for shelter %s not sent (%s: %s); the request is kept and the beat's drain "
                "takes it within a minute (%s nudge(s) failed in this process)",
                shelter_id,
                type(outcome).__name__,
                outcome,
                count,
            )
