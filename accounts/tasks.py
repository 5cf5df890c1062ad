"""Celery tasks for accounts: thin, one service call each."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def delete_expired_tokens() -> int:
    """Expired tokens no longer sign anything in (authentication filters on expiry); this only tidies them away."""
    return services.delete_expired_tokens()
