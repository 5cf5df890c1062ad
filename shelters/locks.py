"""A shelter-month's lock: who may set it, which months it covers, and its audited writes.

A lock freezes the case records dated in its month (`shelters.services` refuses such a write with
`MonthLocked`), so it lives here, beside them. `indicators` reads it (the recompute skips a locked
month) and sets it through these functions when program staff approve a month (`indicators.review`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proteja_site.api import EARLIEST_MONTH_YEAR, MONTH_INVALID

from .audit import audit_write
from .exceptions import MonthLocked
from .models import AuditAction, MonthLock, Role, Shelter, User


def may_lock_months(user: User | None) -> bool:
    """Program staff (and a role-less superuser, who administers the site) lock and unlock months."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.role == Role.PROGRAM_STAFF or (user.is_superuser and not user.role)


def locked_months(*, shelter_id: int, months: Iterable[date]) -> list[date]:
    """Which of these months (first days) are locked for the shelter: one query (none for no months)."""
    wanted = {month.replace(day=1) for month in months}
    if not wanted:
        return []
    locks = MonthLock.objects.filter(shelter_id=shelter_id, month__in=wanted).order_by()
    return sorted(locks.values_list("month", flat=True))


def refuse_locked(*, shelter_id: int, months: Iterable[date]) -> None:
    """Raise `MonthLocked` naming every locked month among these."""
    locked = locked_months(shelter_id=shelter_id, months=months)
    if locked:
        raise MonthLocked(locked)


def clean_review_month(month: date) -> date:
    """A month to review: the first of a month, from 1900, that has begun (one not started has nothing to review)."""
    if month.day != 1:
        raise ValidationError({"month": [_("Give a month: the first day of it.")]})
    if month.year < EARLIEST_MONTH_YEAR:
        # The API and the pages refuse such a month before it gets here; a script calling the service too.
        raise ValidationError({"month": [str(MONTH_INVALID)]})
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": [_("The month %(month)s has not started yet.") % {"month": f"{month:%Y-%m}"}]})
    return month


@transaction.atomic
def lock_set(*, actor: User, shelter: Shelter, month: date, channel: str = "lock") -> tuple[MonthLock, bool]:
    """Lock a shelter-month (program staff); locking it again keeps the first lock (who and when).

    Returns the lock and whether this call made it. A caller that must not interleave with a
    recompute of the shelter takes its lock first (`indicators.review` does).
    """
    if not may_lock_months(actor):
        raise PermissionDenied(_("Only program staff lock months."))
    month = clean_review_month(month)
    lock, created = MonthLock.objects.get_or_create(shelter=shelter, month=month, defaults={"locked_by": actor})
    if created:
        audit_write(actor=actor, action=AuditAction.CREATE, record=lock, fields=["month"], channel=channel)
    return lock, created


@transaction.atomic
def lock_remove(*, actor: User, shelter: Shelter, month: date, channel: str = "lock") -> bool:
    """Unlock a shelter-month; returns whether it was locked. Unlocking an unlocked month changes nothing."""
    if not may_lock_months(actor):
        raise PermissionDenied(_("Only program staff unlock months."))
    if month.day != 1:
        raise ValidationError({"month": [_("Give a month: the first day of it.")]})
    lock = MonthLock.objects.filter(shelter=shelter, month=month).first()
    if lock is None:
        return False
    audit_write(actor=actor, action=AuditAction.DELETE, record=lock, fields=["month"], channel=channel)
    lock.delete()
    return True
