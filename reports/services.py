"""Writes to cost-share records and the quarterly report's narrative and title page: atomic, validated by
the models' own rules, audited.

Callers have fetched any record they change, and chosen its shelter, through
`reports.selectors`, so access is decided before we get here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from django.db import transaction

from meetings.selectors import Quarter
from shelters.audit import audit_write
from shelters.models import AuditAction, User
from shelters.services import assign_fields

from .models import CostShareContribution, Disbursement, MoneyRecord, QuarterlyNarrative, QuarterlyReportCover

MoneyT = TypeVar("MoneyT", CostShareContribution, Disbursement)

MONEY_FIELDS = {"shelter", "date", "amount", "currency", "exchange_rate", "description"}


def _validate(record: MoneyRecord) -> None:
    # `amount_usd` is worked out by clean() from the amount, currency and rate.
    record.full_clean(exclude=["amount_usd"])


@transaction.atomic
def money_record_create(
    *, actor: User | None, model: type[MoneyT], data: Mapping[str, Any], channel: str = ""
) -> MoneyT:
    """Create a cost-share contribution or a PROTEJA disbursement."""
    record = model()
    assign_fields(record, data, allowed=MONEY_FIELDS)
    _validate(record)
    record.save()
    audit_write(actor=actor, action=AuditAction.CREATE, record=record, fields=data.keys(), channel=channel)
    return record


@transaction.atomic
def money_record_update(*, actor: User | None, record: MoneyT, data: Mapping[str, Any], channel: str = "") -> MoneyT:
    changed = assign_fields(record, data, allowed=MONEY_FIELDS)
    if changed:
        _validate(record)
        record.save()
        audit_write(actor=actor, action=AuditAction.CHANGE, record=record, fields=changed, channel=channel)
    return record


@transaction.atomic
def money_record_delete(*, actor: User | None, record: MoneyRecord, channel: str = "") -> None:
    audit_write(actor=actor, action=AuditAction.DELETE, record=record, channel=channel)
    record.delete()


# --- the quarterly report's narrative and title page ------------------------------------------------

NARRATIVE_FIELDS = ("text_es", "text_en")


@transaction.atomic
def narrative_write(
    *, actor: User | None, quarter: Quarter, section: str, data: Mapping[str, str], channel: str = ""
) -> QuarterlyNarrative:
    """Write one section's Spanish and/or English text for a quarter (created on its first write); audited
    with the fields that changed, never their text."""
    record, created = QuarterlyNarrative.objects.select_for_update().get_or_create(
        quarter=str(quarter), section=section
    )
    changed = assign_fields(record, data, allowed=set(NARRATIVE_FIELDS))
    if created or changed:
        record.updated_by = actor if actor is not None and actor.pk else None
        record.full_clean()
        record.save()
        action = AuditAction.CREATE if created else AuditAction.CHANGE
        audit_write(actor=actor, action=action, record=record, fields=changed, channel=channel)
    return record


@transaction.atomic
def narrative_write_many(
    *, actor: User | None, quarter: Quarter, sections: Mapping[str, Mapping[str, str]], channel: str = ""
) -> None:
    """Several sections at once, all or none."""
    for section, data in sections.items():
        narrative_write(actor=actor, quarter=quarter, section=section, data=data, channel=channel)


@transaction.atomic
def cover_write(
    *, actor: User | None, quarter: Quarter, submitted_on: date | None, channel: str = ""
) -> QuarterlyReportCover:
    """Set (or clear) the date the quarter's report went to the donor."""
    cover, created = QuarterlyReportCover.objects.select_for_update().get_or_create(quarter=str(quarter))
    if created or cover.submitted_on != submitted_on:
        cover.submitted_on = submitted_on
        cover.full_clean()
        cover.save()
        action = AuditAction.CREATE if created else AuditAction.CHANGE
        audit_write(actor=actor, action=action, record=cover, fields=["submitted_on"], channel=channel)
    return cover
