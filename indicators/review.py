"""The monthly review of a shelter's Annex 2 (api-v1.md, "The monthly review").

open -> submitted (a coordinator; not the month under way or later) -> returned (program staff, with a
required comment; e-mailed to the shelter's coordinators) -> submitted again -> approved (program staff;
the month is locked and what was approved is kept with its content hash). Unlocking an approved month
needs a reason and returns it. Every transition is an audit entry of the shelter's trail.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from shelters.audit import audit_write
from shelters.locks import clean_review_month, lock_remove, lock_set, may_lock_months
from shelters.models import AuditAction, Membership, Role, Shelter, User
from shelters.selectors import is_coordinator_of

from .models import IndicatorValue, MonthStatus, MonthSubmission
from .services import lock_shelters_for_recompute, recompute_indicators

logger = logging.getLogger(__name__)


class ReviewConflict(Exception):
    """The month is not where the transition starts (approve or return a month not submitted): API 409."""


def _review(shelter: Shelter, month: date) -> MonthSubmission | None:
    # FOR UPDATE: two reviewers acting on one month take turns, and the second sees the first's status.
    return MonthSubmission.objects.select_for_update().filter(shelter=shelter, month=month).first()


@transaction.atomic
def month_submit(*, actor: User, shelter: Shelter, month: date) -> MonthSubmission:
    """A coordinator of the shelter submits a finished month, or resubmits a returned one.

    Submitting a submitted month again keeps the first submission; an approved month is a conflict.
    """
    if not is_coordinator_of(actor, shelter.pk) or not actor.is_active:
        raise PermissionDenied(_("Only a coordinator of this shelter submits its months."))
    month = clean_review_month(month)
    if month >= timezone.localdate().replace(day=1):
        raise ValidationError(
            {
                "month": [
                    _("The month %(month)s is still under way: submit it once it has ended.")
                    % {"month": f"{month:%Y-%m}"}
                ]
            }
        )
    review = _review(shelter, month)
    if review is None:
        review = MonthSubmission.objects.create(shelter=shelter, month=month, submitted_by=actor)
        audit_write(actor=actor, action=AuditAction.CREATE, record=review, fields=["month", "status"], channel="submit")
        return review
    if review.status == MonthStatus.APPROVED:
        raise ReviewConflict(_("The month %(month)s is already approved.") % {"month": f"{month:%Y-%m}"})
    if review.status == MonthStatus.RETURNED:
        review.status, review.submitted_at, review.submitted_by = MonthStatus.SUBMITTED, timezone.now(), actor
        review.save(update_fields=["status", "submitted_at", "submitted_by"])
        audit_write(actor=actor, action=AuditAction.CHANGE, record=review, fields=["status"], channel="resubmit")
    return review


def _submitted(shelter: Shelter, month: date) -> MonthSubmission:
    review = _review(shelter, month)
    if review is None or review.status != MonthStatus.SUBMITTED:
        raise ReviewConflict(
            _("The month %(month)s is not submitted for review (it is %(status)s).")
            % {"month": f"{month:%Y-%m}", "status": MonthStatus(review.status if review else "open").label.lower()}
        )
    return review


def _staff_only(actor: User) -> None:
    if not may_lock_months(actor):
        raise PermissionDenied(_("Only program staff review months."))


def approved_snapshot(*, shelter_id: int, month: date, using: str = "default") -> tuple[dict[str, int | None], str]:
    """The month's stored values ("indicator:source" -> value) and their SHA-256, over a canonical JSON
    (`using`: another database, the backup drill's restored copy)."""
    values = {
        f"{indicator}:{source}": value
        for indicator, source, value in IndicatorValue.objects.using(using)
        .filter(shelter_id=shelter_id, month=month)
        .order_by()
        .values_list("indicator", "source", "value")
    }
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return values, hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def month_approve(*, actor: User, shelter: Shelter, month: date) -> MonthSubmission:
    """Program staff approve a submitted month: it is locked and its values and their hash are kept."""
    _staff_only(actor)
    review = _submitted(shelter, month)
    # Wait for a running recompute of the shelter: the values approved are those that stay.
    lock_shelters_for_recompute([shelter.pk])
    lock_set(actor=actor, shelter=shelter, month=month, channel="approve")
    values, digest = approved_snapshot(shelter_id=shelter.pk, month=month)
    now = timezone.now()
    review.status, review.reviewed_at, review.reviewed_by = MonthStatus.APPROVED, now, actor
    review.approved_at, review.approved_values, review.approved_hash, review.comment = now, values, digest, ""
    fields = ["status", "reviewed_at", "reviewed_by", "approved_at", "approved_values", "approved_hash", "comment"]
    review.save(update_fields=fields)
    audit_write(
        actor=actor, action=AuditAction.CHANGE, record=review, fields=["status", "approved_hash"], channel="approve"
    )
    return review


def _clean_words(text: object, field: str) -> str:
    words = str(text or "").strip()
    if not words:
        raise ValidationError({field: [_("Say why, in a few words: the shelter reads it.")]})
    if len(words) > 2000:
        raise ValidationError({field: [_("At most 2,000 characters.")]})
    return words


@transaction.atomic
def _record_return(*, actor: User, review: MonthSubmission, comment: str, channel: str) -> MonthSubmission:
    review.status, review.comment = MonthStatus.RETURNED, comment
    review.reviewed_at, review.reviewed_by = timezone.now(), actor
    review.save(update_fields=["status", "comment", "reviewed_at", "reviewed_by"])
    audit_write(actor=actor, action=AuditAction.CHANGE, record=review, fields=["status", "comment"], channel=channel)
    return review


def month_return(*, actor: User, shelter: Shelter, month: date, comment: str) -> tuple[MonthSubmission, bool]:
    """Program staff send a submitted month back with a comment; returns it and whether the e-mail went.

    The return is committed before the e-mail is sent: a mail server that fails loses no return (it is
    logged, and the caller says so).
    """
    _staff_only(actor)
    comment = _clean_words(comment, "comment")
    with transaction.atomic():
        review = _record_return(actor=actor, review=_submitted(shelter, month), comment=comment, channel="return")
    return review, _mail_return(review)


def month_unlock(*, actor: User, shelter: Shelter, month: date, reason: str) -> tuple[bool, bool]:
    """Unlock a shelter-month, with a reason: an approved month goes back to the shelter with it as comment.

    Returns whether it was locked and whether the e-mail went. Unlocking an unlocked month changes nothing.
    """
    _staff_only(actor)
    if month.day != 1:
        raise ValidationError({"month": [_("Give a month: the first day of it.")]})
    reason = _clean_words(reason, "reason")
    with transaction.atomic():
        if not lock_remove(actor=actor, shelter=shelter, month=month, channel="unlock"):
            return False, True
        review = _review(shelter, month)
        if review is None:
            review = MonthSubmission.objects.create(shelter=shelter, month=month, status=MonthStatus.RETURNED)
        review = _record_return(actor=actor, review=review, comment=reason, channel="unlock")
        # The month follows its records again: its stored values are brought up to date now, in this
        # transaction (one shelter-month, counted through the aggregation path; program staff have no door
        # to the case records' outbox).
        recompute_indicators(first_month=month, last_month=month, shelter_id=shelter.pk)
    return True, _mail_return(review)


def _mail_return(review: MonthSubmission) -> bool:
    """E-mail a returned month's comment to the shelter's coordinators (Spanish first); False if it failed."""
    recipients = list(
        Membership.objects.filter(
            shelter_id=review.shelter_id, user__role=Role.COORDINATOR, user__is_active=True, user__email__gt=""
        ).values_list("user__email", flat=True)
    )
    if not recipients:
        return True
    with translation.override(settings.LANGUAGE_CODE):
        month_name = date_format(review.month, "YEAR_MONTH_FORMAT")
        subject = _("Annex 2 of %(month)s returned for corrections") % {"month": month_name}
        body = _(
            "Program staff returned the Annex 2 of %(shelter)s for %(month)s with this comment:\n\n%(comment)s\n\n"
            "Correct the records and submit the month again from the Annex 2 page."
        ) % {"shelter": review.shelter.name, "month": month_name, "comment": review.comment}
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        # The return is saved; only the e-mail is lost. Logged without the comment or the addresses.
        logger.warning(
            "The e-mail for returned month %s of shelter %s could not be sent.",
            f"{review.month:%Y-%m}",
            review.shelter_id,
            exc_info=True,
        )
        return False
    return True
