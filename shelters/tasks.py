"""Celery tasks for the case records' app: thin, one service call each."""

from __future__ import annotations

import logging

from celery import shared_task

from . import audit_chain
from .audit import close_refusal_minutes

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def seal_audit_trail() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): the finished minutes' refusal totals into the trail, then every
    committed entry not sealed yet into the chain. Logs the chain's head (a number and a hash, nothing
    personal), so the log keeps anchors an operator can later give `verify_audit_trail --anchor`."""
    close_refusal_minutes()
    if not audit_chain.chain_available():
        return 0
    sealed = audit_chain.seal_audit_trail()
    head = audit_chain.chain_head()
    if head.head_seq is not None:
        logger.info("Audit trail: %s entries sealed, head %s:%s", sealed, head.head_seq, head.head_seal)
    return sealed
