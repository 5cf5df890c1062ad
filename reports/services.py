"""Writes to cost-share records: atomic, validated by the models' own rules, audited.

Callers have fetched any record they change, and chosen its shelter, through
`reports.selectors`, so access is decided before we get here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import transaction

from shelters.audit import audit_write
from shelters.models import AuditAction, User
from shelters.services import assign_fields

from .models import CostShareContribution, Disbursement, MoneyRecord

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
