"""Writes on the review of a shelter-month: a coordinator submits it, program staff lock and unlock it.

A locked month is never recomputed and no case record dated in it can be written
(`shelters.services` refuses with `MonthLocked`), so its stored Annex 2 values stay
what program staff reviewed.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proteja_site.api import EARLIEST_MONTH_YEAR, MONTH_INVALID
from shelters.audit import audit_write
from shelters.models import AuditAction, Role, Shelter, User
from shelters.selectors import is_coordinator_of

from .models import MonthLock, MonthSubmission
from .services import lock_shelters_for_recompute, request_recompute


def may_lock_months(user: User | None) -> bool:
    """Program staff (and a role-less superuser, who administers the site) lock and unlock months."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.role == Role.PROGRAM_STAFF or (user.is_superuser and not user.role)


def _clean_month(month: date) -> date:
    """A review month: the first of a month that has begun (a month not yet started has nothing to review)."""
    if month.day != 1:
        raise ValidationError({"month": [_("Give a month: the first day of it.")]})
    if month.year < EARLIEST_MONTH_YEAR:
        # The API and the pages refuse such a month before it gets here; a script calling the service too.
        raise ValidationError({"month": [str(MONTH_INVALID)]})
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": [_("The month %(month)s has not started yet.") % {"month": f"{month:%Y-%m}"}]})
    return month


@transaction.atomic
def month_lock(*, actor: User, shelter: Shelter, month: date) -> MonthLock:
    """Lock a shelter-month; locking it again keeps the first lock (who and when)."""
    if not may_lock_months(actor):
        raise PermissionDenied(_("Only program staff lock months."))
    month = _clean_month(month)
    # Wait for a running recompute of this shelter, so that it cannot store into the month after we lock it.
    lock_shelters_for_recompute([shelter.pk])
    lock, created = MonthLock.objects.get_or_create(shelter=shelter, month=month, defaults={"locked_by": actor})
    if created:
        audit_write(actor=actor, action=AuditAction.CREATE, record=lock, fields=["month"], channel="lock")
    return lock


@transaction.atomic
def month_unlock(*, actor: User, shelter: Shelter, month: date) -> bool:
    """Unlock a shelter-month; returns whether it was locked. Unlocking an unlocked month changes nothing."""
    if not may_lock_months(actor):
        raise PermissionDenied(_("Only program staff unlock months."))
    if month.day != 1:
        raise ValidationError({"month": [_("Give a month: the first day of it.")]})
    lock = MonthLock.objects.filter(shelter=shelter, month=month).first()
    if lock is None:
        return False
    audit_write(actor=actor, action=AuditAction.DELETE, record=lock, fields=["month"], channel="lock")
    lock.delete()
    # The month follows its records again: bring its stored values up to date.
    request_recompute(shelter_id=shelter.pk, months=[month])
    return True


@transaction.atomic
def month_submit(*, actor: User, shelter: Shelter, month: date) -> MonthSubmission:
    """A coordinator of the shelter submits its month for program staff's review; submitting again keeps the first."""
    if not is_coordinator_of(actor, shelter.pk) or not actor.is_active:
        raise PermissionDenied(_("Only a coordinator of this shelter submits its months."))
    month = _clean_month(month)
    submission, created = MonthSubmission.objects.get_or_create(
        shelter=shelter, month=month, defaults={"submitted_by": actor}
    )
    if created:
        audit_write(actor=actor, action=AuditAction.CREATE, record=submission, fields=["month"], channel="submit")
    return submission
