"""Program staff lock and unlock a shelter-month, and a coordinator submits one, as Annex 2 sees it.

The lock itself (its table, who may set it, the refusal of writes dated in it) is `shelters.locks`;
here it is set and removed in step with the recompute: locking waits for a running recompute of the
shelter, and unlocking brings the month's stored values up to date again.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from shelters.audit import audit_write
from shelters.locks import clean_review_month, lock_remove, lock_set, may_lock_months
from shelters.models import AuditAction, MonthLock, Shelter, User
from shelters.selectors import is_coordinator_of

from .models import MonthSubmission
from .services import lock_shelters_for_recompute, request_recompute

__all__ = ["may_lock_months", "month_lock", "month_submit", "month_unlock"]


@transaction.atomic
def month_lock(*, actor: User, shelter: Shelter, month: date) -> MonthLock:
    """Lock a shelter-month; locking it again keeps the first lock (who and when)."""
    if not may_lock_months(actor):
        raise PermissionDenied(_("Only program staff lock months."))
    month = clean_review_month(month)
    # Wait for a running recompute of this shelter, so that it cannot store into the month after we lock it.
    lock_shelters_for_recompute([shelter.pk])
    lock, _created = lock_set(actor=actor, shelter=shelter, month=month)
    return lock


@transaction.atomic
def month_unlock(*, actor: User, shelter: Shelter, month: date) -> bool:
    """Unlock a shelter-month; returns whether it was locked. Unlocking an unlocked month changes nothing."""
    unlocked = lock_remove(actor=actor, shelter=shelter, month=month)
    if unlocked:
        # The month follows its records again: bring its stored values up to date.
        request_recompute(shelter_id=shelter.pk, months=[month])
    return unlocked


@transaction.atomic
def month_submit(*, actor: User, shelter: Shelter, month: date) -> MonthSubmission:
    """A coordinator of the shelter submits its month for program staff's review; submitting again keeps the first."""
    if not is_coordinator_of(actor, shelter.pk) or not actor.is_active:
        raise PermissionDenied(_("Only a coordinator of this shelter submits its months."))
    month = clean_review_month(month)
    submission, created = MonthSubmission.objects.get_or_create(
        shelter=shelter, month=month, defaults={"submitted_by": actor}
    )
    if created:
        audit_write(actor=actor, action=AuditAction.CREATE, record=submission, fields=["month"], channel="submit")
    return submission
