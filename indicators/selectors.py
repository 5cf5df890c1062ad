"""Reads for Annex 2: stored values, who reads which table, the distinct-people column and drift."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from django.db.models import Case, Count, DateField, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum, When

from shelters.locks import locked_months
from shelters.models import (
    ExitReason,
    FollowUp,
    LegalAction,
    LegalActionKind,
    Referral,
    ReferralKind,
    Role,
    Service,
    ServiceCategory,
    Shelter,
    Training,
    User,
    Victim,
    VictimRole,
)
from shelters.scopes import counting_scope
from shelters.selectors import case_shelter_ids

from .catalogue import INDICATORS
from .models import IndicatorValue, MonthLock, Source


def first_records_month_annotations() -> dict[str, Case]:
    """For a queryset of shelters: the earliest victim intake and training date, as subqueries (no query).

    A shelter's first month of case records is its `first_records_month` when set (by its first record,
    or by program staff); else, for records written before that was kept, the earliest of these. Read
    inside the aggregation path (`counting_scope`), as every count of case records. Each is NULL for a
    shelter whose month is set: PostgreSQL then runs neither subquery (a CASE evaluates only the branch
    it takes), two index probes fewer in every recompute of a shelter.
    """

    def earliest(model: type, field: str) -> Case:
        # The first row of the (shelter, date) index, where MIN grouped by shelter read all the shelter's rows.
        first = Subquery(model.objects.filter(shelter_id=OuterRef("id")).order_by(field).values(field)[:1])
        return Case(When(first_records_month__isnull=True, then=first), default=None, output_field=DateField())

    return {"first_intake": earliest(Victim, "intake_date"), "first_training": earliest(Training, "date")}


def first_records_month_of(
    set_month: date | None, first_intake: date | None, first_training: date | None
) -> date | None:
    """The month from which a shelter's Annex 2 is computed (None: it keeps no case records)."""
    if set_month is not None:
        return set_month
    days = [day for day in (first_intake, first_training) if day is not None]
    return min(days).replace(day=1) if days else None


def month_bounds(first_month: date, last_month: date) -> tuple[date, date]:
    """First day of `first_month` and last day of `last_month`."""
    # From the calendar rather than "the next month's first day minus one": December 9999 has no next month.
    last_day = calendar.monthrange(last_month.year, last_month.month)[1]
    return first_month.replace(day=1), last_month.replace(day=last_day)


def stored_values(*, shelter_id: int, first_month: date, last_month: date) -> list[tuple[date, str, int | None, str]]:
    """Every stored cell (month, indicator, value, source) of the shelter in the range: one query."""
    return list(
        IndicatorValue.objects.filter(shelter_id=shelter_id, month__gte=first_month, month__lte=last_month)
        .order_by()
        .values_list("month", "indicator", "value", "source")
    )


def shown_indicator_values(*, first_month: date, last_month: date) -> QuerySet[IndicatorValue]:
    """Every shelter's shown cells in the range, as the tables show them: a shelter's imported value where one
    exists (even a missing one), else its computed one. No query until read."""
    imported = IndicatorValue.objects.filter(
        shelter_id=OuterRef("shelter_id"),
        month=OuterRef("month"),
        indicator=OuterRef("indicator"),
        source=Source.IMPORTED,
    )
    return (
        IndicatorValue.objects.filter(month__gte=first_month, month__lte=last_month)
        .exclude(Exists(imported), source=Source.COMPUTED)
        .order_by()
    )


def national_values(*, first_month: date, last_month: date) -> list[tuple[date, str, int | None, int]]:
    """The national table's cells: (month, indicator, sum, shelters) summed by PostgreSQL, one query.

    Stored indicator values only (counts, no case record: no scope is needed to read them). Each shelter adds
    the value its own table shows; a shelter with no value for the cell adds nothing. The sum is None
    (missing, not 0) when no shelter has a value, and `shelters` is how many added one.
    """
    return list(
        shown_indicator_values(first_month=first_month, last_month=last_month)
        .values("month", "indicator")
        .annotate(total=Sum("value"), shelters=Count("shelter_id", filter=Q(value__isnull=False)))
        .values_list("month", "indicator", "total", "shelters")
    )


def national_reporting(*, first_month: date, last_month: date) -> dict[date, tuple[int, int]]:
    """For each month of the range with a value: (shelters with at least one value, of those how many have the
    month locked). One query."""
    locked = MonthLock.objects.filter(shelter_id=OuterRef("shelter_id"), month=OuterRef("month"))
    rows = (
        shown_indicator_values(first_month=first_month, last_month=last_month)
        .filter(value__isnull=False)
        .values("month")
        .annotate(
            reporting=Count("shelter_id", distinct=True),
            locked=Count("shelter_id", distinct=True, filter=Q(Exists(locked))),
        )
        .values_list("month", "reporting", "locked")
    )
    return {month: (reporting, locked_count) for month, reporting, locked_count in rows}


def earliest_agreement_start() -> date | None:
    """The first agreement start of any shelter (the national table's default first month). One query."""
    return Shelter.objects.aggregate(first=Min("agreement_start"))["first"]


def reads_every_table(user: User) -> bool:
    """Program staff and partners read every shelter's Annex 2 (a role-less superuser administers the site)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.role in (Role.PROGRAM_STAFF, Role.PARTNER) or (user.is_superuser and not user.role))
    )


def indicator_values_visible_to(user: User) -> QuerySet[IndicatorValue]:
    """Stored values a user may read: every shelter's, or for shelter staff their own shelters' only."""
    if reads_every_table(user):
        return IndicatorValue.objects.all()
    # Nobody but shelter staff has case shelters: anyone else gets nothing.
    return IndicatorValue.objects.filter(shelter_id__in=case_shelter_ids(user))


def shelters_with_tables_visible_to(user: User) -> QuerySet[Shelter]:
    """Shelters whose Annex 2 table a user may read (another shelter is simply not there: 404)."""
    if reads_every_table(user):
        return Shelter.objects.all()
    return Shelter.objects.filter(id__in=case_shelter_ids(user))


def distinct_people_over_period(*, shelter_id: int, first_month: date, last_month: date) -> dict[str, int]:
    """For each people row, the distinct people over the whole period, counted by PostgreSQL in one query.

    Unlike the TOTAL column (a sum of months, where a victim served in five months
    counts five times), each person counts once. Rows follow annex2-indicators.md
    with "in M" widened to the period; a total row is the sum of its parts, as the
    donor table adds them (a person in both education rows counts twice).
    """
    start, end = month_bounds(first_month, last_month)
    in_period = {"date__gte": start, "date__lte": end}
    victims = Victim.objects.filter(shelter_id=shelter_id).annotate(
        has_service=Exists(Service.objects.filter(victim=OuterRef("pk"), **in_period)),
        has_follow_up=Exists(FollowUp.objects.filter(victim=OuterRef("pk"), **in_period)),
        has_transfer=Exists(Referral.objects.filter(victim=OuterRef("pk"), kind=ReferralKind.TRANSFER, **in_period)),
        has_charges=Exists(
            LegalAction.objects.filter(victim=OuterRef("pk"), kind=LegalActionKind.CHARGES_FILED, **in_period)
        ),
        has_vocational=Exists(
            Service.objects.filter(victim=OuterRef("pk"), category=ServiceCategory.VOCATIONAL_TRAINING, **in_period)
        ),
        has_schooling=Exists(
            Service.objects.filter(victim=OuterRef("pk"), category=ServiceCategory.SCHOOLING, **in_period)
        ),
    )
    primary = Q(role=VictimRole.PRIMARY)
    secondary = Q(role=VictimRole.SECONDARY)
    tip = primary & Q(tip_victim=True)
    served = (Q(intake_date__lte=end) & (Q(exit_date__isnull=True) | Q(exit_date__gte=start))) | Q(has_service=True)
    new = Q(intake_date__gte=start, intake_date__lte=end)
    reintegrated = Q(exit_date__gte=start, exit_date__lte=end, exit_reason=ExitReason.REINTEGRATED)
    central_american = ["BZ", "CR", "GT", "HN", "NI", "PA", "SV"]

    def count(condition: Q) -> Count:
        # One row per victim (the EXISTS subqueries add no join), so a plain count is a distinct count.
        return Count("pk", filter=condition)

    # One shelter's counts through the aggregation path: whoever reads the table (a partner, program
    # staff) has no door to its case records.
    with counting_scope([shelter_id], purpose="distinct"):
        counts = victims.aggregate(
            victims_served=count(primary & served),
            secondary_victims_served=count(secondary & served),
            tip_victims_served=count(tip & served),
            new_victims=count(primary & new),
            new_secondary_victims=count(secondary & new),
            victims_reintegrated=count(primary & reintegrated),
            secondary_victims_reintegrated=count(secondary & reintegrated),
            follow_up_cases=count(Q(has_follow_up=True)),
            tip_crime_sexual_tourism=count(tip & served & Q(exploitation_types__contains=",sexual_tourism,")),
            tip_crime_forced_labor=count(tip & served & Q(exploitation_types__contains=",forced_labor,")),
            tip_crime_sexual_exploitation=count(tip & served & Q(exploitation_types__contains=",sexual_exploitation,")),
            tip_crime_child_labor=count(tip & served & Q(exploitation_types__contains=",child_labor,")),
            tip_crime_other=count(tip & served & Q(exploitation_types__contains=",other,")),
            origin_mexican=count(tip & served & Q(nationality="MX")),
            origin_central_american=count(tip & served & Q(nationality__in=central_american)),
            origin_usa=count(tip & served & Q(nationality="US")),
            origin_other=count(tip & served & ~Q(nationality__in=["MX", "US", *central_american])),
            victims_transferred=count(Q(has_transfer=True)),
            tip_victims_pressed_charges=count(tip & Q(has_charges=True)),
            victims_vocational_training=count(Q(has_vocational=True)),
            victims_schooling=count(Q(has_schooling=True)),
        )
    for indicator in INDICATORS:
        if indicator.people and indicator.is_total:
            counts[indicator.key] = sum(counts[part] for part in indicator.parts)
    return counts


def locked_month_drift(*, shelter_id: int, months: Iterable[date]) -> dict[date, list[dict[str, object]]]:
    """For each locked month given: every row whose stored computed value differs from what the case
    records give now (the records can still move a locked month: a victim taken in before it and still
    open, say). Imported values are not drift; the table flags where they differ from computed ones.

    Queries: the locks; then the stored computed values, the shelter's first month of case records,
    and the aggregation's own (only when a locked month is on or after it).
    """
    from .aggregation import compute_indicator_values

    locked = locked_months(shelter_id=shelter_id, months=months)
    if not locked:
        return {}
    stored = {
        (month, key): value
        for month, key, value in IndicatorValue.objects.filter(
            shelter_id=shelter_id, month__in=locked, source=Source.COMPUTED
        ).values_list("month", "indicator", "value")
    }
    # One shelter's counts through the aggregation path (program staff have no door to case records).
    with counting_scope([shelter_id], purpose="drift"):
        first = first_records_month_of(
            *Shelter.objects.filter(pk=shelter_id)
            .annotate(**first_records_month_annotations())
            .values_list("first_records_month", "first_intake", "first_training")
            .get()
        )
        # Nothing is computed before the shelter's first month of case records (none at all without records):
        # those months are missing, not 0, so an imported month has no drift.
        computed = [month for month in locked if first is not None and month >= first]
        current = (
            compute_indicator_values(first_month=computed[0], last_month=computed[-1], shelter_ids=[shelter_id])
            if computed
            else {}
        )
    drift: dict[date, list[dict[str, object]]] = {}
    for month in locked:
        now = current.get((shelter_id, month), {})
        drift[month] = [
            {
                "indicator": indicator.key,
                "stored": stored.get((month, indicator.key)),
                "current": now.get(indicator.key),
            }
            for indicator in INDICATORS
            if stored.get((month, indicator.key)) != now.get(indicator.key)
        ]
    return drift
