"""Writes for Annex 2: recomputing and storing indicator values.

`recompute_indicators` replaces the computed values of each shelter-month in
one transaction (readers see the old month or the new one, never half), skips
locked months and never touches imported values. On PostgreSQL a value's
`updated_at` is when its number last changed (a recompute that finds the same
number leaves the row alone); on SQLite, the demo, every value is rewritten. `drain_recompute_requests`
takes the shelter-months a case-record write left in the outbox (shelters.outbox) and recomputes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.utils import timezone

from shelters.models import MonthLock, RecomputeRequest, Shelter, Training, Victim
from shelters.scopes import counting_scope, every_shelter_scope, shelter_scope

from .aggregation import count_indicator_values, month_from_number, month_number, months_between
from .models import IndicatorValue, Source
from .selectors import first_records_month_annotations, first_records_month_of

# Namespace of the PostgreSQL advisory locks that keep two recomputes of one shelter from interleaving.
ADVISORY_LOCK_NAMESPACE = 4_200_402
STORE_BATCH_SIZE = 2000


@dataclass
class RecomputeResult:
    """What a recompute did, as (shelter id, month) pairs."""

    stored: list[tuple[int, date]] = field(default_factory=list)
    skipped_locked: list[tuple[int, date]] = field(default_factory=list)
    # Shelters that keep no case records: their months stay empty (missing is not zero).
    shelters_without_records: list[int] = field(default_factory=list)
    # Months before a shelter's first month of case records: never computed, they keep their imported values.
    skipped_before_records: list[tuple[int, date]] = field(default_factory=list)

    @property
    def months_stored(self) -> int:
        return len(self.stored)

    @property
    def months_skipped(self) -> int:
        return len(self.skipped_locked)

    def as_dict(self) -> dict[str, object]:
        return {
            "months_stored": self.months_stored,
            "months_skipped_locked": self.months_skipped,
            "skipped_locked": [(shelter_id, f"{month:%Y-%m}") for shelter_id, month in self.skipped_locked],
            "shelters_without_records": self.shelters_without_records,
            "months_before_records": len(self.skipped_before_records),
        }


def recompute_indicators(*, first_month: date, last_month: date, shelter_id: int | None = None) -> RecomputeResult:
    """Compute and store every row for one shelter (all when None) and every month of the range.

    Each shelter-month's computed values are replaced in one transaction; locked
    months and imported values are left as they are. Safe to run twice, and at
    the same time: runs for one shelter take turns (an advisory lock on
    PostgreSQL; SQLite lets one writer at a time anyway). The counting happens
    after the lock is taken, so the last run to finish stored the newest counts.

    Inside a caller's transaction it takes no savepoint: should it fail, the caller's transaction fails
    with it (every caller lets the error through: the drain, unlocking a month, the tasks, the commands).
    """
    months = months_between(first_month.replace(day=1), last_month.replace(day=1))
    result = RecomputeResult()
    # Query: the aggregation path lets the database show these shelters' case records, to read
    # (refused in a web request across shelters, and audited then: one query more).
    counted = None if shelter_id is None else [shelter_id]
    # The scope first: when the caller has no transaction it opens the one this runs in, and its setting ends
    # with it (nothing to give back). Inside a caller's transaction no savepoint either: a failure here fails
    # the caller's transaction (every caller lets it).
    with counting_scope(counted, purpose="recompute"), transaction.atomic(savepoint=False):
        # Query (all shelters only): which shelters to lock.
        to_lock = [shelter_id] if shelter_id is not None else list(Shelter.objects.values_list("id", flat=True))
        # Query (PostgreSQL): wait for any other recompute of these shelters to finish.
        lock_shelters_for_recompute(to_lock)
        # Query: the shelters, whether each keeps case records and from which month, and their locked months in
        # the range (a row per locked month, or one without), read under our lock.
        rows = list(
            Shelter.objects.filter(id__in=to_lock)
            .order_by("id")
            .annotate(
                keeps_records=Exists(Victim.objects.filter(shelter_id=OuterRef("id")))
                | Exists(Training.objects.filter(shelter_id=OuterRef("id"))),
                **first_records_month_annotations(),
                locks_in_range=FilteredRelation(
                    "month_locks", condition=Q(month_locks__month__gte=months[0], month_locks__month__lte=months[-1])
                ),
            )
            .values_list(
                "id", "keeps_records", "first_records_month", "first_intake", "first_training", "locks_in_range__month"
            )
        )
        locked = {(row[0], row[-1]) for row in rows if row[-1] is not None}
        shelter_rows = list({row[0]: row[:-1] for row in rows}.values())
        shelter_ids = [row[0] for row in shelter_rows]
        if not shelter_ids:
            return result
        first_month = {row[0]: first_records_month_of(*row[2:]) for row in shelter_rows if row[1]}
        shelter_rows = [(row_id, keeps and first_month[row_id] is not None) for row_id, keeps, *_months in shelter_rows]
        # Months before a shelter's first month of case records are never computed: they keep what was
        # imported (the donor's tables), blanks included, since missing is not zero.
        before_records = {
            row_id: first
            for row_id, first in first_month.items()
            if first is not None and first > months[0] and row_id in shelter_ids
        }

        recording = [row_id for row_id, keeps in shelter_rows if keeps]
        result.shelters_without_records = [row_id for row_id, keeps in shelter_rows if not keeps]
        values = {}
        if recording:
            values = count_indicator_values(
                first_month=months[0], last_month=months[-1], shelter_ids=recording, every_shelter=shelter_id is None
            )

        # Query: drop computed values that no longer stand, except in locked months: for a shelter
        # without case records (its months must be empty once its last record is gone) and, on SQLite,
        # every value about to be written again. PostgreSQL overwrites in place instead (below).
        # The months before a shelter's first month of case records too (an earlier run may have computed them).
        replaced = shelter_ids if connection.vendor != "postgresql" else result.shelters_without_records
        dropped = Q(shelter_id__in=replaced) if replaced else Q(pk__in=[])
        for row_id, first in before_records.items():
            dropped |= Q(shelter_id=row_id, month__lt=first)
        if replaced or before_records:
            IndicatorValue.objects.filter(
                dropped, source=Source.COMPUTED, month__gte=months[0], month__lte=months[-1]
            ).exclude(
                Exists(MonthLock.objects.filter(shelter_id=OuterRef("shelter_id"), month=OuterRef("month")))
            ).delete()

        stored = {}
        for (cell_shelter_id, month), counts in values.items():
            if cell_shelter_id in before_records and month < before_records[cell_shelter_id]:
                result.skipped_before_records.append((cell_shelter_id, month))
                continue
            if (cell_shelter_id, month) in locked:
                result.skipped_locked.append((cell_shelter_id, month))
                continue
            result.stored.append((cell_shelter_id, month))
            stored[cell_shelter_id, month] = counts
        # Query (or batches on SQLite): the new values.
        _store_computed(stored, timezone.now())
        result.skipped_locked.extend(
            (row_id, month)
            for row_id in result.shelters_without_records
            for month in months
            if (row_id, month) in locked
        )
    return result


def _store_computed(cells: dict[tuple[int, date], dict[str, int]], computed_at: datetime) -> None:
    """Store computed values: each (shelter id, month)'s {indicator: value}, written at `computed_at`."""
    if not cells:
        return
    if connection.vendor == "postgresql":
        # One statement (a national recompute stores ~90,000 values). A value that did not change is
        # left as it is, `updated_at` included: a nightly recompute of an unchanged month writes nothing,
        # and `updated_at` says when the number last changed. The unchanged values are left out before
        # the INSERT: ON CONFLICT locks every row it meets, even one its WHERE leaves alone (a write per
        # value: half a second for a national recompute).
        # Sent compactly: the shelter-months, the indicators once, and the values in that order (every
        # cell holds every indicator, in one order); PostgreSQL spreads them into rows. Four arrays of a
        # row per value took as long to send and parse as the rest of the statement.
        indicators = list(next(iter(cells.values())))
        shelter_ids = [shelter_id for shelter_id, _month in cells]
        months = [month for _shelter_id, month in cells]
        values = [counts[key] for counts in cells.values() for key in indicators]
        table = IndicatorValue._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} AS stored (shelter_id, month, indicator, value, source, updated_at)
                SELECT fresh.shelter_id, fresh.month, fresh.indicator, fresh.value, %s, %s
                FROM (
                    SELECT cell.shelter_id, cell.month, indicator.name AS indicator,
                        counts.all_values[(cell.n - 1) * %s + indicator.n] AS value
                    FROM unnest(%s::bigint[], %s::date[]) WITH ORDINALITY AS cell (shelter_id, month, n)
                    CROSS JOIN unnest(%s::varchar[]) WITH ORDINALITY AS indicator (name, n)
                    CROSS JOIN (SELECT %s::integer[] AS all_values) counts
                ) fresh
                LEFT JOIN {table} AS old
                    ON old.shelter_id = fresh.shelter_id AND old.month = fresh.month
                    AND old.indicator = fresh.indicator AND old.source = %s
                WHERE old.id IS NULL OR old.value IS DISTINCT FROM fresh.value
                ON CONFLICT (shelter_id, month, indicator, source)
                DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
                WHERE stored.value IS DISTINCT FROM EXCLUDED.value
                """,
                [
                    Source.COMPUTED,
                    computed_at,
                    len(indicators),
                    shelter_ids,
                    months,
                    indicators,
                    values,
                    Source.COMPUTED,
                ],
            )
        return
    IndicatorValue.objects.bulk_create(
        (
            IndicatorValue(
                shelter_id=shelter_id,
                month=month,
                indicator=key,
                value=value,
                source=Source.COMPUTED,
                updated_at=computed_at,
            )
            for (shelter_id, month), counts in cells.items()
            for key, value in counts.items()
        ),
        batch_size=STORE_BATCH_SIZE,
    )


def lock_shelters_for_recompute(shelter_ids: list[int]) -> None:
    """Make other recomputes of these shelters wait until this transaction ends (PostgreSQL).

    A write that must not interleave with a recompute (locking a month, say) can
    call this inside its own transaction too.
    """
    if connection.vendor != "postgresql" or not shelter_ids:
        return
    with connection.cursor() as cursor:
        # Taken in id order, so that two runs over overlapping shelters cannot deadlock.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, shelter_id) FROM (SELECT unnest(%s::int[]) AS shelter_id ORDER BY 1) ids",
            [ADVISORY_LOCK_NAMESPACE, sorted(shelter_ids)],
        )


# --- Draining the recompute outbox (shelters.outbox) ---------------------------------------------------------

# A write's nudge waits this long before its drain starts, so that a burst of writes shares one recompute.
COALESCE_SECONDS = 1


@dataclass
class DrainResult:
    """What a drain did: shelter-months recomputed, and locked ones whose requests were dropped."""

    recomputed: list[tuple[int, date]] = field(default_factory=list)
    dropped_locked: list[tuple[int, date]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "months_recomputed": len(self.recomputed),
            "locked_requests_dropped": [(shelter_id, f"{month:%Y-%m}") for shelter_id, month in self.dropped_locked],
        }


def drain_recompute_requests(*, shelter_id: int | None = None) -> DrainResult:
    """Recompute the shelter-months the outbox holds (one shelter's, or every shelter's), then delete those rows.

    Per shelter, one transaction: wait for any other recompute of the shelter (the advisory lock: two
    drains take turns, and the second finds what the first left), read its requests, recompute the range
    they span (locked months are skipped and their requests dropped), and delete each request read only
    if its `requested_at` is still the one read: a write committed meanwhile moved it on, and its row is
    kept for the next drain. The rows are not locked while counting, so a write never waits for a drain.
    A drain that dies rolls back: every row is still there for the next one (the beat's, every minute).
    """
    result = DrainResult()
    if shelter_id is None:
        # Query: which shelters have requests (the door of every shelter: the operator's, not a request's).
        with every_shelter_scope():
            shelter_ids = sorted(set(RecomputeRequest.objects.order_by().values_list("shelter_id", flat=True)))
    else:
        shelter_ids = [shelter_id]
    for one in shelter_ids:
        _drain_shelter(one, result)
    return result


def _drain_shelter(shelter_id: int, result: DrainResult) -> None:
    with transaction.atomic(), shelter_scope([shelter_id]):
        lock_shelters_for_recompute([shelter_id])
        taken = list(
            RecomputeRequest.objects.filter(shelter_id=shelter_id).order_by().values_list("id", "month", "requested_at")
        )
        if not taken:
            return
        months = sorted({month for _id, month, _at in taken})
        locked = set(MonthLock.objects.filter(shelter_id=shelter_id, month__in=months).values_list("month", flat=True))
        wanted = [month for month in months if month not in locked]
        if wanted:
            # The aggregation path, as every recompute counts (counting_scope inside).
            outcome = recompute_indicators(first_month=wanted[0], last_month=wanted[-1], shelter_id=shelter_id)
            result.recomputed.extend(outcome.stored)
        result.dropped_locked.extend((shelter_id, month) for month in sorted(locked))
        seen = Q(pk__in=[])
        for request_id, _month, requested_at in taken:
            seen |= Q(pk=request_id, requested_at=requested_at)
        RecomputeRequest.objects.filter(seen).delete()


def recompute_recent_months() -> RecomputeResult:
    """The nightly run: the current and the previous month of every shelter."""
    current = timezone.localdate().replace(day=1)
    previous = month_from_number(month_number(current) - 1)
    result = recompute_indicators(first_month=previous, last_month=current)
    refresh_completeness(first_month=previous, last_month=current)
    return result


# --- Completeness of the case records, for the status board --------------------------------------------------

COMPLETENESS_SERVICE_DAYS = 90


def refresh_completeness(*, first_month: date, last_month: date) -> int:
    """Count, for every shelter and month of the range, its cases missing a nationality or a TIP status and its
    open cases with no service in the last 90 days; store the counts (counts only). Returns the rows stored.

    One counting query per month (across shelters: the aggregation path, refused in a web request), then
    one write. Run nightly for the recent months and by `aggregate_indicators`.
    """
    from datetime import timedelta

    from django.db.models import Count, Q

    from shelters.models import Service, VictimRole

    from .models import MonthCompleteness
    from .selectors import month_bounds

    today = timezone.localdate()
    counts: dict[tuple[int, date], dict[str, int]] = {}
    with transaction.atomic(), counting_scope(None, purpose="completeness"):
        for month in months_between(first_month.replace(day=1), last_month.replace(day=1)):
            start, end = month_bounds(month, month)
            end = min(end, today)
            if end < start:
                continue
            open_in_month = Q(intake_date__lte=end) & (Q(exit_date__isnull=True) | Q(exit_date__gte=start))
            open_at_end = Q(intake_date__lte=end) & (Q(exit_date__isnull=True) | Q(exit_date__gt=end))
            recent = Service.objects.filter(
                victim=OuterRef("pk"), date__gt=end - timedelta(days=COMPLETENESS_SERVICE_DAYS), date__lte=end
            )
            primary = Q(role=VictimRole.PRIMARY) & open_in_month
            rows = (
                Victim.objects.filter(open_in_month)
                .annotate(served_recently=Exists(recent))
                .order_by()
                .values("shelter_id")
                .annotate(
                    without_nationality=Count("pk", filter=primary & Q(nationality="")),
                    without_tip_status=Count("pk", filter=primary & Q(tip_victim=False)),
                    open_without_recent_service=Count("pk", filter=open_at_end & Q(served_recently=False)),
                )
            )
            for row in rows:
                counts[row.pop("shelter_id"), month] = row
        MonthCompleteness.objects.filter(month__gte=first_month, month__lte=last_month).delete()
        MonthCompleteness.objects.bulk_create(
            MonthCompleteness(shelter_id=shelter_id, month=month, **row) for (shelter_id, month), row in counts.items()
        )
    return len(counts)
