"""The audit trail: the only code that writes AuditEntry rows."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .audit_chain import seal_after_commit
from .models import ACCOUNT_ACTIONS, AuditAction, AuditEntry, CaseRecord, RefusalTally, Shelter, User


def audit_write(
    *, actor: User | None, action: str, record: CaseRecord, fields: Iterable[str] = (), channel: str = ""
) -> None:
    """Record a create, change or delete: which fields, never their values."""
    _insert_entries(actor=actor, action=action, entries=[(record, sorted(fields))], channel=channel)


def audit_writes(
    *, actor: User | None, action: str, records: Iterable[CaseRecord], fields: Iterable[str] = (), channel: str = ""
) -> None:
    """The same, for many records in one INSERT (bulk creates)."""
    fields = sorted(fields)
    _insert_entries(actor=actor, action=action, entries=[(record, fields) for record in records], channel=channel)


def audit_views(
    *, actor: User | None, records: Iterable[CaseRecord], channel: str = "", fields: Iterable[str] | None = None
) -> None:
    """Record that these records' personal fields (or only `fields` of them) were shown to `actor`: one INSERT
    for a whole page."""
    if fields is None:
        entries = [(record, sorted(record.personal_fields)) for record in records if record.personal_fields]
    else:
        shown = set(fields)
        entries = [(record, sorted(shown & set(record.personal_fields))) for record in records]
        entries = [(record, names) for record, names in entries if names]
    _insert_entries(actor=actor, action=AuditAction.VIEW, entries=entries, channel=channel)


def audit_shelter_change(*, actor: User | None, shelter: Shelter, fields: Iterable[str], channel: str = "") -> None:
    """Record a change to a shelter's own settings (the follow-up plan), in that shelter's trail."""
    AuditEntry.objects.create(
        actor_id=actor.pk if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or "",
        shelter_id=shelter.pk,
        action=AuditAction.CHANGE,
        record_type="shelter",
        record_id=str(shelter.pk),
        fields=sorted(fields),
        channel=channel,
    )
    seal_after_commit()


def audit_account_event(
    *,
    actor: User | None,
    action: str,
    subject: object | None,
    shelter_ids: Iterable[int | None] = (),
    fields: Iterable[str] = (),
    channel: str = "",
    address: str | None = None,
) -> None:
    """Record an account event (invited, joined, role changed, token issued, sign-in failed...).

    `subject` is the account (or invitation) it touched, named by type and id, never by name or e-mail;
    `actor` is who did it (None for the operator's command line or an anonymous request). One entry per
    shelter it touches, so that each shelter's coordinators read the events of their own team; an event
    touching no shelter (program staff, partners) has one entry with none.
    """
    if action not in ACCOUNT_ACTIONS:
        raise ValueError(f"{action!r} is not an account event")
    record_type = subject._meta.model_name if subject is not None else ""
    record_id = str(subject.pk) if subject is not None else ""
    actor_id = actor.pk if actor is not None and actor.pk else None
    now = timezone.now()
    _insert_without_returning(
        AuditEntry(
            at=now,
            actor_id=actor_id,
            actor_username=getattr(actor, "username", "") or "",
            shelter_id=shelter_id,
            action=action,
            record_type=record_type,
            record_id=record_id,
            fields=sorted(fields),
            channel=channel,
            address=address,
        )
        for shelter_id in (sorted(set(shelter_ids), key=lambda pk: pk or 0) or [None])
    )


def audit_aggregation(*, purpose: str, shelter_ids: Iterable[int] | None) -> None:
    """Record that the aggregation path counted several shelters' case records (`purpose`: which job)."""
    _insert_without_returning(
        [
            AuditEntry(
                at=timezone.now(),
                action=AuditAction.AGGREGATED,
                record_type="shelter",
                record_id="all" if shelter_ids is None else "",
                fields=[] if shelter_ids is None else sorted(int(pk) for pk in shelter_ids),
                channel=purpose[:20],
            )
        ]
    )


def audit_in_trails(
    *,
    actor: User | None,
    action: str,
    entries: Iterable[tuple[CaseRecord, int, Iterable[str]]],
    channel: str = "",
) -> None:
    """Record events about records two shelters share (a transfer between them): (record, the shelter whose
    trail gets the entry, field names) each, in one INSERT. Each side writes the other's entry without being
    able to read it, so no RETURNING."""
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.pk else None
    rows = [
        AuditEntry(
            at=now,
            actor_id=actor_id,
            actor_username=getattr(actor, "username", "") or "",
            shelter_id=shelter_id,
            action=action,
            record_type=record._meta.model_name,
            record_id=str(record.pk),
            fields=sorted(fields),
            channel=channel,
        )
        for record, shelter_id, fields in entries
    ]
    if rows:
        _insert_without_returning(rows)


def _insert_without_returning(entries: Iterable[AuditEntry]) -> None:
    """INSERT without RETURNING the new ids: PostgreSQL checks a returned row against the policies that
    let it be read, and an account event for a shelter, a refusal, is written by whoever may not read it."""
    entries = list(entries)
    fields = [field for field in AuditEntry._meta.concrete_fields if not field.primary_key]
    AuditEntry.objects._insert(entries, fields=fields, returning_fields=None)
    seal_after_commit()


def audit_refusal(
    *,
    actor: User | None,
    record_type: str,
    record_id: str = "",
    status: int,
    shelter_id: int | None = None,
    channel: str = "",
    address: str | None = None,
) -> None:
    """Record a refused request for a case record (401, 403 or 404): who, what (type and id) and when.

    Refusals by the same actor (or, anonymous, the same address) within one minute are counted in
    `RefusalTally`, never on an entry (the trail is append-only): the trail gets an entry on the 1st,
    10th, 100th... refusal of the minute, its `repeats` the count so far, and the minute's total once it
    is over (`close_refusal_minutes`); a scan of a million ids writes a handful of rows, not a million.
    """
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    values = {
        "at": now,
        "minute": now.replace(second=0, microsecond=0),
        "who": f"user:{actor_id}" if actor_id is not None else f"address:{address or ''}",
        "status": str(status),
        "fields": json.dumps([str(status)]),
        "channel": channel,
        "actor_id": actor_id,
        "actor_username": getattr(actor, "username", "") if actor_id else "",
        "shelter_id": shelter_id,
        "address": address,
        "record_type": record_type,
        "record_id": record_id[:40],
    }
    if connection.vendor == "postgresql":
        # Counting and, on a milestone, appending: one statement, one round trip.
        with connection.cursor() as cursor:
            cursor.execute(_REFUSAL_SQL, values)
        seal_after_commit()
        return
    _audit_refusal_portably(values)


# A count that is a power of ten (1, 10, 100...) writes an entry.
_REFUSAL_SQL = """
    WITH tally AS (
        INSERT INTO shelters_refusaltally AS t
            (minute, who, status, channel, actor_id, actor_username, address, record_type, record_id, count, written)
        VALUES (%(minute)s, %(who)s, %(status)s, %(channel)s, %(actor_id)s, %(actor_username)s, %(address)s,
                %(record_type)s, %(record_id)s, 1, 1)
        ON CONFLICT (minute, who, status, channel) DO UPDATE SET
            count = t.count + 1,
            record_type = EXCLUDED.record_type,
            record_id = EXCLUDED.record_id,
            written = CASE WHEN (t.count + 1)::text ~ '^10*$' THEN t.count + 1 ELSE t.written END
        RETURNING t.count, t.written
    )
    INSERT INTO shelters_auditentry
        (at, actor_id, actor_username, shelter_id, action, record_type, record_id, fields, channel, address, repeats)
    SELECT %(at)s, %(actor_id)s::bigint, %(actor_username)s, %(shelter_id)s::bigint, 'refused', %(record_type)s,
           %(record_id)s, CAST(%(fields)s AS jsonb), %(channel)s, %(address)s::inet, tally.count
    FROM tally WHERE tally.count = tally.written
"""


def _is_milestone(count: int) -> bool:
    return str(count).rstrip("0") == "1"


def _audit_refusal_portably(values: dict) -> None:
    """The same, on the demo's SQLite: counted in a few ORM queries."""
    key = {name: values[name] for name in ("minute", "who", "status", "channel")}
    with transaction.atomic():
        tally, created = RefusalTally.objects.select_for_update().get_or_create(
            **key,
            defaults={
                name: values[name] for name in ("actor_id", "actor_username", "address", "record_type", "record_id")
            },
        )
        if not created:
            tally.count += 1
            if _is_milestone(tally.count):
                tally.written = tally.count
            RefusalTally.objects.filter(pk=tally.pk).update(
                count=F("count") + 1,
                written=tally.written,
                record_type=values["record_type"],
                record_id=values["record_id"],
            )
        if tally.written == tally.count:
            _insert_without_returning([_refusal_entry(values, repeats=tally.count)])


def _refusal_entry(values: dict, *, repeats: int) -> AuditEntry:
    return AuditEntry(
        at=values["at"],
        actor_id=values["actor_id"],
        actor_username=values["actor_username"],
        shelter_id=values["shelter_id"],
        action=AuditAction.REFUSED,
        record_type=values["record_type"],
        record_id=values["record_id"],
        fields=json.loads(values["fields"]),
        channel=values["channel"],
        address=values["address"],
        repeats=repeats,
    )


def close_refusal_minutes(*, now: datetime | None = None) -> int:
    """Write each finished minute's total refusals where it passed its last entry, and forget the minute.

    A minute is finished one minute after its end (a request still running at its last second counts in it).
    Run by the minute's task; returns how many entries it wrote.
    """
    cutoff = (now or timezone.now()).replace(second=0, microsecond=0) - timedelta(minutes=1)
    with transaction.atomic():
        finished = list(RefusalTally.objects.select_for_update().filter(minute__lt=cutoff))
        totals = [
            _refusal_entry(
                {
                    "at": tally.minute + timedelta(minutes=1, microseconds=-1),
                    "actor_id": tally.actor_id,
                    "actor_username": tally.actor_username,
                    "shelter_id": None,
                    "record_type": tally.record_type,
                    "record_id": tally.record_id,
                    "fields": json.dumps([tally.status]),
                    "channel": tally.channel,
                    "address": tally.address,
                },
                repeats=tally.count,
            )
            for tally in finished
            if tally.count > tally.written
        ]
        if totals:
            _insert_without_returning(totals)
        RefusalTally.objects.filter(pk__in=[tally.pk for tally in finished]).delete()
    return len(totals)


def _insert_entries(
    *, actor: User | None, action: str, entries: list[tuple[CaseRecord, list[str]]], channel: str
) -> None:
    """One INSERT for many entries by one actor: (record, field names) each.

    On PostgreSQL the rows are made in the database from one JSON list of [shelter, record
    type, id, field names]: building a model per entry and adapting its nine values was a
    fifth of the time of a bulk create of 100 services, and of a page of 100; four arrays
    (psycopg quotes each element of each) still cost 0.5-0.8 ms more per 100 entries than
    one document that json.dumps writes.
    """
    if not entries:
        return
    actor_id = actor.pk if actor is not None and actor.pk else None
    actor_username = getattr(actor, "username", "") or ""
    now = timezone.now()
    # Meetings and organizations belong to no shelter.
    shelter_ids = [getattr(record, "shelter_id", None) for record, _fields in entries]
    record_types = [record._meta.model_name for record, _fields in entries]
    record_ids = [str(record.pk) for record, _fields in entries]
    if connection.vendor == "postgresql":
        rows = json.dumps(
            [
                [shelter_id, record_type, record_id, fields]
                for shelter_id, record_type, record_id, (_record, fields) in zip(
                    shelter_ids, record_types, record_ids, entries, strict=True
                )
            ],
            separators=(",", ":"),
        )
        with connection.cursor() as cursor:
            cursor.execute(_insert_entries_sql(), [now, actor_id, actor_username, action, channel, rows])
        seal_after_commit()
        return
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=now,
            actor_id=actor_id,
            actor_username=actor_username,
            shelter_id=shelter_id,
            action=action,
            record_type=record_type,
            record_id=record_id,
            fields=fields,
            channel=channel,
        )
        for shelter_id, record_type, record_id, (_record, fields) in zip(
            shelter_ids, record_types, record_ids, entries, strict=True
        )
    )
    seal_after_commit()


@functools.cache
def _insert_entries_sql() -> str:
    def column(name: str) -> str:
        return connection.ops.quote_name(AuditEntry._meta.get_field(name).column)

    names = ["at", "actor", "actor_username", "action", "channel", "shelter", "record_type", "record_id", "fields"]
    return f"""
        INSERT INTO {connection.ops.quote_name(AuditEntry._meta.db_table)} ({", ".join(column(name) for name in names)})
        SELECT %s, %s, %s, %s, %s, CAST(entry ->> 0 AS bigint), entry ->> 1, entry ->> 2, entry -> 3
        FROM jsonb_array_elements(CAST(%s AS jsonb)) AS entry
    """
