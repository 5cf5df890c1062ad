"""Celery tasks for Annex 2: thin, ids in, one service call each.

All are idempotent (a recompute replaces what it stores) and safe to run at the same time (the service
serialises runs per shelter). They acknowledge the message only when done, and a worker that dies mid-run
(kill -9) gives its message back (reject_on_worker_lost): Redis hands it to another worker after the
visibility timeout (settings.CELERY_VISIBILITY_TIMEOUT, above every hard time limit here). They retry with
exponential backoff when the database is briefly unreachable.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_OPTIONS = {
    "acks_late": True,
    # A worker process that dies (kill -9, out of memory) gives the message back: the task is redone.
    "reject_on_worker_lost": True,
    "autoretry_for": DATABASE_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(soft_time_limit=120, time_limit=150, **RETRY_OPTIONS)
def recompute_shelter_months(shelter_id: int, first_month_iso: str, last_month_iso: str) -> dict[str, object]:
    """Recompute one shelter's months from `first_month_iso` to `last_month_iso` (YYYY-MM-DD, first days)."""
    result = services.recompute_indicators(
        first_month=date.fromisoformat(first_month_iso),
        last_month=date.fromisoformat(last_month_iso),
        shelter_id=shelter_id,
    )
    return result.as_dict()


@shared_task(soft_time_limit=120, time_limit=150, **RETRY_OPTIONS)
def drain_recompute_requests(shelter_id: int | None = None) -> dict[str, object]:
    """Recompute what the outbox holds: one shelter's requests (a write's nudge) or all (the beat, every minute)."""
    return services.drain_recompute_requests(shelter_id=shelter_id).as_dict()


@shared_task(soft_time_limit=480, time_limit=540, **RETRY_OPTIONS)
def recompute_recent_months() -> dict[str, object]:
    """Nightly (see CELERY_BEAT_SCHEDULE): the current and previous month of every shelter."""
    return services.recompute_recent_months().as_dict()


def nudge_drain(*, shelter_id: int, **kwargs: object) -> None:
    """The answer to shelters.outbox.recompute_requested: queue the shelter's drain, COALESCE_SECONDS on.

    Publishing tries twice, quickly: with Redis down this raises at once, and shelters.outbox logs and
    counts it (the request stays in the outbox for the beat's drain).
    """
    drain_recompute_requests.apply_async(
        args=(shelter_id,),
        countdown=services.COALESCE_SECONDS,
        retry=True,
        retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
    )
