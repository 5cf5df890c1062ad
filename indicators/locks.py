"""Program staff lock and unlock a shelter-month, as Annex 2 sees it (the review itself: `indicators.review`).

The lock itself (its table, who may set it, the refusal of writes dated in it) is `shelters.locks`;
here it is set and removed in step with the recompute: locking waits for a running recompute of the
shelter, and unlocking brings the month's stored values up to date again.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from shelters.locks import clean_review_month, lock_set, may_lock_months
from shelters.models import MonthLock, Shelter, User

from . import review
from .services import lock_shelters_for_recompute

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


def month_unlock(*, actor: User, shelter: Shelter, month: date, reason: str) -> bool:
    """Unlock a shelter-month, with a reason (the month goes back to the shelter with it); returns whether
    it was locked. Unlocking an unlocked month changes nothing."""
    unlocked, _emailed = review.month_unlock(actor=actor, shelter=shelter, month=month, reason=reason)
    return unlocked


month_submit = review.month_submit
