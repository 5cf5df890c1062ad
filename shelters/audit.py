"""The audit trail: the only code that writes AuditEntry rows."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

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
    _insert_entries(actor=actor, action=action, records=records, fields=sorted(fields), channel=channel)


def _insert_entries(
    *, actor: User | None, action: str, records: Iterable[CaseRecord], fields: list[str], channel: str
) -> None:
    """One INSERT for many entries that differ only in their record (a bulk create, a page of a list).

    What the entries share is worked out once: for a page of 500 this is most of the work.
    """
    actor_id = actor.pk if actor is not None and actor.pk else None
    actor_username = getattr(actor, "username", "") or ""
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=now,
                actor_id=actor_id,
                actor_username=actor_username,
                shelter_id=getattr(record, "shelter_id", None),
                action=action,
                record_type=record._meta.model_name,
                record_id=str(record.pk),
                fields=fields,
                channel=channel,
            )
            for record in records
        ]
    )


def audit_views(*, actor: User | None, records: Iterable[CaseRecord], channel: str = "") -> None:
    """Record that these records' personal fields were shown to `actor`: one INSERT for a whole page."""
    shown = [record for record in records if record.personal_fields]
    if shown:
        # A page holds one kind of record, so one list of personal fields.
        by_fields: dict[tuple[str, ...], list[CaseRecord]] = {}
        for record in shown:
            by_fields.setdefault(tuple(record.personal_fields), []).append(record)
        if len(by_fields) == 1:
            ((fields, page),) = by_fields.items()
            _insert_entries(actor=actor, action=AuditAction.VIEW, records=page, fields=sorted(fields), channel=channel)
        else:
            AuditEntry.objects.bulk_create(
                [
                    _entry(actor=actor, action=AuditAction.VIEW, record=r, fields=r.personal_fields, channel=channel)
                    for r in shown
                ]
            )
