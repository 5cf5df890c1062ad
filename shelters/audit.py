"""The audit trail: the only code that writes AuditEntry rows."""

from __future__ import annotations

from collections.abc import Iterable

from .models import AuditAction, AuditEntry, CaseRecord, User


def _entry(*, actor: User | None, action: str, record: CaseRecord, fields: Iterable[str], channel: str) -> AuditEntry:
    return AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or "",
        # Meetings and organizations belong to no shelter.
        shelter_id=getattr(record, "shelter_id", None),
        action=action,
        record_type=record._meta.model_name,
        record_id=str(record.pk),
        fields=sorted(fields),
        channel=channel,
    )


def audit_write(
    *, actor: User | None, action: str, record: CaseRecord, fields: Iterable[str] = (), channel: str = ""
) -> AuditEntry:
    """Record a create, change or delete: which fields, never their values."""
    entry = _entry(actor=actor, action=action, record=record, fields=fields, channel=channel)
    entry.save()
    return entry


def audit_writes(
    *, actor: User | None, action: str, records: Iterable[CaseRecord], fields: Iterable[str] = (), channel: str = ""
) -> None:
    """The same, for many records in one INSERT (bulk creates)."""
    fields = list(fields)
    AuditEntry.objects.bulk_create(
        [_entry(actor=actor, action=action, record=record, fields=fields, channel=channel) for record in records]
    )


def audit_views(*, actor: User | None, records: Iterable[CaseRecord], channel: str = "") -> None:
    """Record that these records' personal fields were shown to `actor`: one INSERT for a whole page."""
    AuditEntry.objects.bulk_create(
        [
            _entry(actor=actor, action=AuditAction.VIEW, record=record, fields=record.personal_fields, channel=channel)
            for record in records
            if record.personal_fields
        ]
    )
