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

from .models import CostShareContribution, Disbursement, MoneyRecord

MoneyT = TypeVar("MoneyT", CostShareContribution, Disbursement)

MONEY_FIELDS = {"shelter", "date", "amount", "currency", "exchange_rate", "description"}


def _assign(record: MoneyRecord, data: Mapping[str, Any]) -> list[str]:
    changed = []
    for name, value in data.items():
        if name not in MONEY_FIELDS:
            continue
        if name == "shelter":
            # Compare ids: reading an unset relation raises.
            if record.shelter_id != getattr(value, "pk", value):
                record.shelter = value
                changed.append(name)
            continue
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def _validate(record: MoneyRecord) -> None:
    # `amount_usd` is worked out by clean() from the amount, currency and rate.
    record.full_clean(exclude=["amount_usd"])


@transaction.atomic
def money_record_create(
    *, actor: User | None, model: type[MoneyT], data: Mapping[str, Any], channel: str = ""
) -> MoneyT:
    """Create a cost-share contribution or a PROTEJA disbursement."""
    record = model()
    _assign(record, data)
    _validate(record)
    record.save()
    audit_write(actor=actor, action=AuditAction.CREATE, record=record, fields=data.keys(), channel=channel)
    return record


@transaction.atomic
def money_record_update(*, actor: User | None, record: MoneyT, data: Mapping[str, Any], channel: str = "") -> MoneyT:
    changed = _assign(record, data)
    if changed:
        _validate(record)
        record.save()
        audit_write(actor=actor, action=AuditAction.CHANGE, record=record, fields=changed, channel=channel)
    return record


@transaction.atomic
def money_record_delete(*, actor: User | None, record: MoneyRecord, channel: str = "") -> None:
    audit_write(actor=actor, action=AuditAction.DELETE, record=record, channel=channel)
    record.delete()
