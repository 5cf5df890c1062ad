"""Celery tasks for Annex 2: thin, ids in, one service call each.

Both are idempotent (a recompute replaces what it stores) and safe to run at
the same time (the service serialises runs per shelter). They acknowledge the
message only when done, so a worker that dies mid-run leaves it for another,
and retry with exponential backoff when the database is briefly unreachable.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_OPTIONS = {
    "acks_late": True,
    # A worker killed by the hard limit is not a reason to run the task forever.
    "reject_on_worker_lost": False,
    "autoretry_for": DATABASE_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(soft_time_limit=120, time_limit=150, **RETRY_OPTIONS)
def recompute_shelter_months(shelter_id: int, first_month_iso: str, last_month_iso: str) -> dict[str, object]:
    """Recompute one shelter's months from `first_month_iso` to `last_month_iso` (YYYY-MM-DD, first days)."""
    result = services.recompute_pending_months(
        shelter_id=shelter_id,
        first_month=date.fromisoformat(first_month_iso),
        last_month=date.fromisoformat(last_month_iso),
    )
    return result.as_dict()


@shared_task(soft_time_limit=900, time_limit=960, **RETRY_OPTIONS)
def recompute_recent_months() -> dict[str, object]:
    """Nightly (see CELERY_BEAT_SCHEDULE): the current and previous month of every shelter."""
    return services.recompute_recent_months().as_dict()
