"""Annex 2 from case records: every row for some shelters over a range of months.

The database does the counting. One SQL statement counts people served and
services (it needs the union of "open in M" and "had a service in M", which the
ORM cannot express without a loop); a second groups referrals, legal actions,
follow-ups and trainings by shelter and month. Three queries in all, the first
reading the shelters (counting every shelter, PostgreSQL adds one to set its
memory and parallel workers for them, one to give them back), whatever the
number of shelters, victims or records (PostgreSQL's statement covers 30
months: a longer range takes one more per 30 months). A recompute, which knows
its shelters, calls `count_indicator_values`: no query for them.

The month series is a short VALUES list of (position, first day, first day of
the next month) built here: a list of months, not of rows. The same SQL runs on
PostgreSQL and, for the demo, on SQLite; only the month truncation, the
substring test and the date parameters differ.

The definitions are those of `shared/spec/annex2-indicators.md`; the tests
compare this module with a plain Python reading of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache

from django.conf import settings
from django.db import connection, transaction

from proteja_site.prepared import fetch_prepared_together, prepares
from shelters.models import (
    Crime,
    ExitReason,
    ExploitationType,
    FollowUp,
    LegalAction,
    LegalActionKind,
    Referral,
    ReferralKind,
    Sector,
    Service,
    ServiceCategory,
    Shelter,
    Training,
    Victim,
    VictimRole,
)
from shelters.months import month_from_number, month_number, months_between  # noqa: F401  (read from here too)
from shelters.scopes import counting_scope, counts_now

from .catalogue import INDICATOR_KEYS, INDICATORS

MEXICO = "MX"
CENTRAL_AMERICA = ("BZ", "CR", "GT", "HN", "NI", "PA", "SV")
USA = "US"

IndicatorValues = dict[tuple[int, date], dict[str, int]]

# PostgreSQL memory for the statements' sorts and hashes when they count every shelter or a long range
# (work_mem, for those statements only: `_counting_settings`).
AGGREGATION_WORK_MEM = "128MB"
# A range this long or shorter, for some shelters, counts in the session's own memory.
SHORT_RANGE_MONTHS = 12


def compute_indicator_values(
    *, first_month: date, last_month: date, shelter_ids: Collection[int] | None = None
) -> IndicatorValues:
    """Every Annex 2 row for each shelter (all when None) and month: a real 0 where nothing happened.

    Pure read, a fixed number of queries. Unknown shelter ids are left out of the answer. The case
    records are read through the aggregation path (`shelters.scopes.counting_scope`).
    """
    with counting_scope(shelter_ids, purpose="aggregation"):
        shelters = Shelter.objects.order_by("id")
        if shelter_ids is not None:
            shelters = shelters.filter(id__in=list(shelter_ids))
        return count_indicator_values(
            first_month=first_month,
            last_month=last_month,
            shelter_ids=list(shelters.values_list("id", flat=True)),
            every_shelter=shelter_ids is None,
        )


def count_indicator_values(
    *, first_month: date, last_month: date, shelter_ids: list[int], every_shelter: bool
) -> IndicatorValues:
    """`compute_indicator_values` for shelters known to exist, inside the caller's counting scope (a recompute,
    which has read them already: no query to look them up).

    `every_shelter`: count every shelter's records in one pass, unfiltered, and keep these shelters' rows (a
    filter on a hundred shelter ids would keep PostgreSQL from reading services from the covering index
    alone); otherwise count these shelters alone.
    """
    if not counts_now(None if every_shelter else shelter_ids):
        # Row-level security would show it none of these records: every count a silent 0.
        raise RuntimeError(
            "count_indicator_values runs inside a counting scope of these shelters (shelters.scopes.counting_scope)."
        )
    months = months_between(first_month, last_month)
    values: IndicatorValues = {
        (shelter_id, month): dict.fromkeys(INDICATOR_KEYS, 0) for shelter_id in shelter_ids for month in months
    }
    if not shelter_ids:
        return values
    scope = None if every_shelter else sorted(set(shelter_ids))

    with _counting_settings(every_shelter=every_shelter, month_count=len(months)):
        counted = list(_run([*_people_and_services(scope, months), *_records_by_month(scope, months)], scope))
    for cell, counts in counted:
        # Another shelter's row (counting every shelter), or one created after the caller read its shelters.
        if cell in values:
            _add(values[cell], counts)
    for cell in values.values():
        for indicator in INDICATORS:
            if indicator.parts:
                cell[indicator.key] = sum(cell[part] for part in indicator.parts)
    return values


@contextmanager
def _counting_settings(*, every_shelter: bool, month_count: int) -> Iterator[None]:
    """PostgreSQL's settings for the counting statements, for them alone (SQLite has none).

    Every shelter's statements (seconds long, never in a web request) run without JIT, with memory to hash a
    few thousand shelter-months rather than spill them to disk, and ANNEX2_PARALLEL_WORKERS parallel workers
    at most: on the 2-core server, one worker counted as fast as two and left the API a core (get a victim
    during full recomputes: p95 313 -> 252-285 ms). Some shelters' statements over more than a year get the
    memory too (a shelter's whole history, `aggregate_indicators`).

    Some shelters' statements over a year or less (a recompute after a write, a page's table) set nothing,
    two statements less each: their session already runs without JIT and on the plan prepared once for
    every shelter and month (settings.py, the connection's options), and their rows fit its memory. Where
    the session has no such options (prepared statements off, for a pooler) they set JIT off themselves.

    In a transaction of its own unless the caller has one, so that the settings end with it; the caller's
    later statements (storing) plan as usual, with whatever the caller had set.
    """
    if connection.vendor != "postgresql":
        yield
        return
    wanted = {}
    if every_shelter or not prepares(connection):
        wanted["jit"] = "off"
    if every_shelter or month_count > SHORT_RANGE_MONTHS:
        wanted["work_mem"] = AGGREGATION_WORK_MEM
    if every_shelter:
        # Never in a web request (counting every shelter is refused there): its statements stay as they are.
        wanted["max_parallel_workers_per_gather"] = str(settings.ANNEX2_PARALLEL_WORKERS)
    if not wanted:
        yield
        return
    names = list(wanted)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The caller's values first (the subquery, kept apart by OFFSET 0, is read before anything is set),
        # given back after the counting statements: whatever the caller had set, for its transaction or session.
        cursor.execute(
            f"SELECT {', '.join(['was.*'] + ['set_config(%s, %s, true)'] * len(names))}"
            f" FROM (SELECT {', '.join(['current_setting(%s)'] * len(names))} OFFSET 0) AS was",
            [*(item for name in names for item in (name, wanted[name])), *names],
        )
        previous = cursor.fetchone()[: len(names)]
        yield
        cursor.execute(
            f"SELECT {', '.join(['set_config(%s, %s, true)'] * len(names))}",
            [item for name, value in zip(names, previous, strict=True) for item in (name, value)],
        )


@dataclass(frozen=True)
class _Counting:
    """A counting statement: its rows are (shelter id, position among `months`, a count for each of `keys`)."""

    sql: str
    params: list[object]
    keys: list[str]
    months: list[date]


def _run(statements: list[_Counting], shelter_ids: list[int] | None) -> Iterator[tuple[tuple[int, date], dict]]:
    """Each statement's counts by (shelter, month).

    Some shelters' statements (a recompute after a write, a page's table) are prepared on PostgreSQL, planned
    once per connection for every range of as many months (the months and shelters are parameters), and sent
    together: one round trip for all. Every shelter's (the nightly recompute, seconds each) are planned for
    their dates, which a generic plan would not know, one after another.
    """
    if shelter_ids is not None:
        rows_of = fetch_prepared_together(connection, [(statement.sql, statement.params) for statement in statements])
    else:
        rows_of = []
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.sql, statement.params)
                rows_of.append(cursor.fetchall())
    for statement, rows in zip(statements, rows_of, strict=True):
        for shelter_id, position, *counts in rows:
            yield (shelter_id, statement.months[position]), dict(zip(statement.keys, counts, strict=True))


def _add(cell: dict[str, int], counts: dict[str, int | None]) -> None:
    for key, count in counts.items():
        cell[key] += int(count or 0)


# --- People served and services: one SQL statement --------------------------------------------------------------

# Rows counted over (victim, month) pairs in which the victim was served: each
# is a condition on the victim `v` alone.
_PRIMARY = f"v.role = '{VictimRole.PRIMARY}'"
_SECONDARY = f"v.role = '{VictimRole.SECONDARY}'"
# A TIP victim is primary by definition; the database also forbids a secondary one.
_TIP = f"{_PRIMARY} AND v.tip_victim"


def _served_conditions(contains: str) -> dict[str, str]:
    """Rows that count victims served in M, with the condition on the victim."""
    central_american = ", ".join(f"'{code}'" for code in CENTRAL_AMERICA)
    known_nationalities = ", ".join(f"'{code}'" for code in (MEXICO, *CENTRAL_AMERICA, USA))
    conditions = {
        "victims_served": _PRIMARY,
        "secondary_victims_served": _SECONDARY,
        "tip_victims_served": _TIP,
    }
    for kind in ExploitationType.values:
        conditions[f"tip_crime_{kind}"] = f"{_TIP} AND {contains.format(column='v.exploitation_types', kind=kind)}"
    conditions.update(
        {
            "origin_mexican": f"{_TIP} AND v.nationality = '{MEXICO}'",
            "origin_central_american": f"{_TIP} AND v.nationality IN ({central_american})",
            "origin_usa": f"{_TIP} AND v.nationality = '{USA}'",
            "origin_other": f"{_TIP} AND (v.nationality IS NULL OR v.nationality NOT IN ({known_nationalities}))",
        }
    )
    return conditions


_SERVICE_EVENTS = {
    "services_legal": ServiceCategory.LEGAL,
    "services_medical": ServiceCategory.MEDICAL,
    "services_mental_health": ServiceCategory.MENTAL_HEALTH,
    "services_social": ServiceCategory.SOCIAL,
}
_SERVICE_PEOPLE = {
    "victims_vocational_training": ServiceCategory.VOCATIONAL_TRAINING,
    "victims_schooling": ServiceCategory.SCHOOLING,
}


class _Dialect:
    """The few things that PostgreSQL and SQLite spell differently."""

    def __init__(self, vendor: str) -> None:
        if vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"Annex 2 aggregation supports PostgreSQL and SQLite, not {vendor}")
        self.vendor = vendor

    def month_index(self, column: str, first_month_number: int | None) -> str:
        """The month of a date as a position in the range (0 for the first month, negative before it).

        `first_month_number` None: the first month's number is a parameter (`%s`, the number plus one), so that
        a prepared statement's text is the same whatever month the range starts in."""
        if self.vendor == "postgresql":
            number = (
                f"(CAST(EXTRACT(YEAR FROM {column}) AS integer) * 12 + CAST(EXTRACT(MONTH FROM {column}) AS integer))"
            )
        else:
            number = f"(CAST(strftime('%%Y', {column}) AS integer) * 12 + CAST(strftime('%%m', {column}) AS integer))"
        first = "CAST(%s AS integer)" if first_month_number is None else str(first_month_number + 1)
        return f"({number} - {first})"

    @property
    def greatest(self) -> str:
        return "GREATEST" if self.vendor == "postgresql" else "MAX"

    @property
    def contains(self) -> str:
        # A plain substring test: LIKE would read the underscores in the keys as wildcards.
        function = "strpos" if self.vendor == "postgresql" else "instr"
        return function + "({column}, ',{kind},') > 0"

    def date_param(self, value: date) -> date | str:
        return value if self.vendor == "postgresql" else value.isoformat()

    @property
    def month_params(self) -> str:
        # PostgreSQL must know the VALUES columns are dates; SQLite compares the text.
        return "(%s, CAST(%s AS date), CAST(%s AS date))" if self.vendor == "postgresql" else "(%s, %s, %s)"


def _people_and_services_keys(dialect: _Dialect) -> list[str]:
    return [*_served_conditions(dialect.contains), *_INTAKES_AND_EXITS, *_SERVICE_EVENTS, *_SERVICE_PEOPLE]


# Rows about intakes and exits in M, as (served row whose people they count, the event that dates them).
_INTAKES_AND_EXITS = {
    "new_victims": ("victims_served", "intake"),
    "new_secondary_victims": ("secondary_victims_served", "intake"),
    "victims_reintegrated": ("victims_served", "reintegration"),
    "secondary_victims_reintegrated": ("secondary_victims_served", "reintegration"),
}


def _columns(items: list[str]) -> str:
    return ",\n            ".join(items)


def _shelter_filter(alias: str, shelter_count: int | None) -> str:
    """The shelters asked for, as parameters; every shelter when None."""
    if shelter_count is None:
        return "1 = 1"
    return f"{alias}.shelter_id IN ({', '.join(['%s'] * shelter_count)})"


def _victim_flags(dialect: _Dialect, served: dict[str, str], first_month_number: int | None) -> list[str]:
    """A victim's row: each served row's flag (1 or 0), reintegrated, and the positions of intake and exit
    (`first_month_number` None: two parameters, as `_Dialect.month_index` says)."""
    flags = [f"CAST({condition} AS INTEGER) AS {key}" for key, condition in served.items()]
    flags.append(f"CAST(v.exit_reason = '{ExitReason.REINTEGRATED}' AS INTEGER) AS reintegrated")
    flags.append(f"{dialect.month_index('v.intake_date', first_month_number)} AS intake_position")
    flags.append(f"{dialect.month_index('v.exit_date', first_month_number)} AS exit_position")
    return flags


def _event_columns(event: str) -> list[str]:
    return [
        f"SUM(v.{row}{' * v.reintegrated' if kind == 'reintegration' else ''}) AS {key}"
        if kind == event
        else f"0 AS {key}"
        for key, (row, kind) in _INTAKES_AND_EXITS.items()
    ]


def _open_and_event_counts(served: dict[str, str], last: int) -> str:
    """Both statements' victims half after `stay_changes` (a victim's flags added in the month their stay
    starts, taken away the month after it ends): who is open in each month as a running sum over the
    months, and intakes and reintegrations counted in their own month."""
    running_sums = [
        f"SUM(COALESCE(c.{key}, 0)) OVER (PARTITION BY s.shelter_id ORDER BY m.position) AS {key}" for key in served
    ]
    return f"""changes_by_month AS (
        SELECT shelter_id, position,
            {_columns([f"SUM({key}) AS {key}" for key in served])}
        FROM stay_changes
        GROUP BY shelter_id, position
    ),
    open_counts AS (
        SELECT s.shelter_id, m.position,
            {_columns(running_sums)}
        FROM (SELECT DISTINCT shelter_id FROM changes_by_month) s
        CROSS JOIN months m
        LEFT JOIN changes_by_month c ON c.shelter_id = s.shelter_id AND c.position = m.position
    ),
    event_counts AS (
        SELECT v.shelter_id, v.intake_position AS position,
            {_columns(_event_columns("intake"))}
        FROM victims v
        WHERE v.intake_position BETWEEN 0 AND {last}
        GROUP BY v.shelter_id, v.intake_position
        UNION ALL
        SELECT v.shelter_id, v.exit_position AS position,
            {_columns(_event_columns("reintegration"))}
        FROM victims v
        WHERE v.exit_position BETWEEN 0 AND {last} AND v.reintegrated = 1
        GROUP BY v.shelter_id, v.exit_position
    )"""


def _people_and_services_sql(
    dialect: _Dialect, month_count: int, shelter_count: int | None, first_month_number: int
) -> str:
    """Victims served and services per shelter and month (`position` in the range), in one statement.

    Served in M is open in M or a service in M. Each victim's row flags (1 or 0:
    primary, TIP, each exploitation type, origin group...) are worked out once,
    with the positions of their intake and exit months.

    Open pairs are not listed one by one: a victim adds their flags in the month
    their stay starts (in the range) and takes them away in the month after it
    ends; a running sum over the months gives who is open in each. Intakes and
    reintegrations are counted in their own month. Service pairs come from
    grouping services by victim and month; one counts as served only when the
    victim was not open in M (the open half holds the others), so the halves add
    up without counting anyone twice.
    """
    served = _served_conditions(dialect.contains)
    open_at_position = (
        "v.intake_position <= sp.position AND (v.exit_position IS NULL OR v.exit_position >= sp.position)"
    )
    last = month_count - 1

    def shelter_filter(alias: str) -> str:
        return _shelter_filter(alias, shelter_count)

    columns = _columns

    keys = _people_and_services_keys(dialect)
    open_keys = set(served)
    event_keys = set(_INTAKES_AND_EXITS)
    service_keys = {*served, *_SERVICE_EVENTS, *_SERVICE_PEOPLE}
    service_position = dialect.month_index("s.date", first_month_number)
    flags = _victim_flags(dialect, served, first_month_number)
    # Stays that overlap the range: from their first month in it to the month after their last.
    overlapping = f"v.intake_position <= {last} AND (v.exit_position IS NULL OR v.exit_position >= 0)"

    return f"""
    WITH months (position, month_start, next_start) AS (VALUES {", ".join([dialect.month_params] * month_count)}),
    victims AS (
        SELECT v.id, v.shelter_id, v.intake_date, v.exit_date,
            {columns(flags)}
        FROM {Victim._meta.db_table} v
        WHERE {shelter_filter("v")}
    ),
    stay_changes AS (
        SELECT v.shelter_id, {dialect.greatest}(v.intake_position, 0) AS position,
            {columns([f"v.{key} AS {key}" for key in served])}
        FROM victims v
        WHERE {overlapping}
        UNION ALL
        SELECT v.shelter_id, v.exit_position + 1 AS position,
            {columns([f"-v.{key} AS {key}" for key in served])}
        FROM victims v
        WHERE {overlapping} AND v.exit_position < {last}
    ),
    {_open_and_event_counts(served, last)},
    service_pairs AS (
        SELECT s.victim_id, {service_position} AS position,
            {
        columns(
            [f"COUNT(*) FILTER (WHERE s.category = '{cat}') AS {key}" for key, cat in _SERVICE_EVENTS.items()]
            + [
                f"MAX(CASE WHEN s.category = '{cat}' THEN 1 ELSE 0 END) AS {key}"
                for key, cat in _SERVICE_PEOPLE.items()
            ]
        )
    }
        FROM {Service._meta.db_table} s
        WHERE {shelter_filter("s")} AND s.date >= %s AND s.date < %s
        GROUP BY s.victim_id, {service_position}
    ),
    service_counts AS (
        SELECT v.shelter_id, sp.position,
            {
        columns(
            [f"SUM(sp.{key}) AS {key}" for key in (*_SERVICE_EVENTS, *_SERVICE_PEOPLE)]
            + [f"SUM(v.{key}) FILTER (WHERE NOT ({open_at_position})) AS {key}" for key in served]
        )
    }
        FROM service_pairs sp
        JOIN victims v ON v.id = sp.victim_id
        GROUP BY v.shelter_id, sp.position
    )
    SELECT shelter_id, position,
        {columns([f"SUM({key}) AS {key}" for key in keys])}
    FROM (
        SELECT shelter_id, position,
            {columns([key if key in open_keys else f"CAST(NULL AS INTEGER) AS {key}" for key in keys])}
        FROM open_counts
        UNION ALL
        SELECT shelter_id, position,
            {columns([key if key in event_keys else f"CAST(NULL AS INTEGER) AS {key}" for key in keys])}
        FROM event_counts
        UNION ALL
        SELECT shelter_id, position,
            {columns([key if key in service_keys else f"CAST(NULL AS INTEGER) AS {key}" for key in keys])}
        FROM service_counts
    ) halves
    GROUP BY shelter_id, position
    """


# A PostgreSQL statement covers at most this many months: each victim's months are bits of a bigint there,
# those with vocational training and those with schooling side by side in one (two times 30 bits).
POSTGRESQL_MONTHS_PER_STATEMENT = 30


def _services_by_month(
    position: str, event_counts: list[str], people_bits: str, shelter_filter: str, shelter_count: int | None
) -> str:
    """The statement's two readings of the services: `service_events` (services per shelter, month and
    category) and `service_months` (each victim's months with a service, as bits: any, and the people rows').

    Every shelter's services are read twice, each time without sorting or hashing a (victim, month) pair:
    counted by shelter and month in one hash, then grouped by victim in the (victim, date) index's order, as
    read (hashing 200,000 victims cost twice as much). Some shelters' services (a few thousand) are read
    once from the (shelter, date) index and hashed by victim and month; both readings come from those few
    hundred pairs (one shelter-month: a reading and a hash of its services less).
    """
    services = f"{Service._meta.db_table} s WHERE {shelter_filter} AND s.date >= %s AND s.date < %s"
    people = f"BIT_OR(CASE s.category {people_bits} ELSE 0 END) AS people_bits"
    if shelter_count is None:
        return f"""service_events AS (
        SELECT s.shelter_id, {position} AS position,
            {_columns(event_counts)}
        FROM {services}
        GROUP BY 1, 2
    ),
    service_months AS (
        SELECT s.victim_id, BIT_OR(CAST(1 AS bigint) << s.position) AS any_bits, {people}
        FROM (SELECT s.victim_id, s.category, {position} AS position FROM {services} ORDER BY s.victim_id) s
        GROUP BY s.victim_id
    )"""
    keys = [column.rsplit(" AS ", 1)[1] for column in event_counts]
    return f"""service_pairs AS (
        SELECT s.shelter_id, s.victim_id, s.position, {_columns(event_counts)}, {people}
        FROM (SELECT s.shelter_id, s.victim_id, s.category, {position} AS position FROM {services}) s
        GROUP BY s.shelter_id, s.victim_id, s.position
    ),
    service_events AS (
        SELECT shelter_id, position, {_columns([f"CAST(SUM({key}) AS bigint) AS {key}" for key in keys])}
        FROM service_pairs
        GROUP BY shelter_id, position
    ),
    service_months AS (
        SELECT victim_id, BIT_OR(CAST(1 AS bigint) << position) AS any_bits, BIT_OR(people_bits) AS people_bits
        FROM service_pairs
        GROUP BY victim_id
    )"""


@cache  # one text per length of range and number of shelters: built once per process, not per recompute
def _people_and_services_sql_postgresql(month_count: int, shelter_count: int | None) -> str:
    """PostgreSQL's statement for the same rows as `_people_and_services_sql`, in fewer and cheaper passes.

    Its text depends only on how many months and shelters it counts: the months are parameters, so that a
    prepared one serves every range of that length (`_run`).

    The victims' half is the same (flags once per victim, stays as running sums, events in their month).
    The services' half (`_services_by_month`) gives, without joining them to anything:

    - services per shelter and month by category, as a hand-written query counts them;
    - the months in which each victim had a service (any, vocational training, schooling), as bits of a
      bigint. Joined to the victim (one row each), the bits give the people rows: vocational training and
      schooling in each month they are set, and "served" in each month with a service but outside the
      stay (those months are the service bits less the stay's; inside the stay the open half counts them).

    The people rows sum each month's bit over a shelter's victims; the rare victims served outside their
    stay have their bits expanded over the months between their first and last service, and only the set
    ones are kept.
    """
    dialect = _Dialect("postgresql")
    served = _served_conditions(dialect.contains)
    last = month_count - 1

    def shelter_filter(alias: str) -> str:
        return _shelter_filter(alias, shelter_count)

    columns = _columns

    keys = _people_and_services_keys(dialect)
    open_keys = set(served)
    event_keys = set(_INTAKES_AND_EXITS)
    service_event_keys = set(_SERVICE_EVENTS)
    # The month's position found in the list of month starts (a binary search): a fifth of the cost of
    # EXTRACT(YEAR/MONTH), which over five million services is a second.
    service_position = "(width_bucket(s.date, CAST(%s AS date[])) - 1)"
    flags = _victim_flags(dialect, served, None)  # the first month as a parameter: one text for every range
    # The stay's months in the range as bits (0 when it misses the range), from the victims' positions.
    stay_first = "GREATEST(v.intake_position, 0)"
    stay_last = f"LEAST(COALESCE(v.exit_position, {last}), {last})"
    stay_bits = (
        f"CASE WHEN {stay_first} > {stay_last} THEN CAST(0 AS bigint)"
        f" ELSE (CAST(1 AS bigint) << ({stay_last} + 1)) - (CAST(1 AS bigint) << {stay_first}) END"
    )

    service_events = [
        f"COUNT(*) FILTER (WHERE s.category = '{category}') AS {key}" for key, category in _SERVICE_EVENTS.items()
    ]
    # One aggregate for both: a service of the n-th of these categories sets bit position + 30 n.
    width = POSTGRESQL_MONTHS_PER_STATEMENT
    people_bits = " ".join(
        f"WHEN '{category}' THEN CAST(1 AS bigint) << (s.position + {width * n})"
        for n, category in enumerate(_SERVICE_PEOPLE.values())
    )
    people_masks = [
        f"(sm.people_bits >> {width * n}) & {(1 << width) - 1} AS {key}" for n, key in enumerate(_SERVICE_PEOPLE)
    ]
    # The first and last month with a service, from the bits: the lowest set one (a power of two, whose
    # logarithm is exact to far better than a half) and one past the highest (a bound: only set bits count).
    first_service = "CAST(round(ln(CAST(sm.any_bits & -sm.any_bits AS double precision)) / ln(2)) AS integer)"
    last_service = f"LEAST(CAST(floor(ln(CAST(sm.any_bits AS double precision)) / ln(2)) AS integer) + 1, {last})"

    def bit(mask: str) -> str:
        return f"(({mask} >> p.position) & 1)"

    people_columns = ", ".join(f"p.{key}" for key in _SERVICE_PEOPLE)

    def month_sums(key: str) -> str:
        return ", ".join(f"SUM(CAST((v.{key} >> {position}) & 1 AS integer))" for position in range(month_count))

    def select_keys(present: set[str]) -> str:
        return columns([key if key in present else f"CAST(NULL AS bigint) AS {key}" for key in keys])

    return f"""
    WITH months (position, month_start, next_start) AS (VALUES {", ".join([dialect.month_params] * month_count)}),
    -- The victims whose stay overlaps the range (the flags are worked out for them alone).
    victims AS (
        SELECT v.id, v.shelter_id,
            {columns(flags)}
        FROM {Victim._meta.db_table} v
        WHERE {shelter_filter("v")} AND v.intake_date < %s AND (v.exit_date IS NULL OR v.exit_date >= %s)
    ),
    stay_changes AS (
        SELECT v.shelter_id, GREATEST(v.intake_position, 0) AS position,
            {columns([f"v.{key} AS {key}" for key in served])}
        FROM victims v
        UNION ALL
        SELECT v.shelter_id, v.exit_position + 1 AS position,
            {columns([f"-v.{key} AS {key}" for key in served])}
        FROM victims v
        WHERE v.exit_position < {last}
    ),
    {_open_and_event_counts(served, last)},
    {_services_by_month(service_position, service_events, people_bits, shelter_filter("s"), shelter_count)},
    -- Every victim with a service in the range. One whose stay misses the range (rare: every month with a
    -- service is outside it) is not among `victims`: their shelter is read by id.
    victim_months AS (
        SELECT sm.victim_id AS id,
            COALESCE(v.shelter_id, (SELECT o.shelter_id FROM {Victim._meta.db_table} o WHERE o.id = sm.victim_id))
                AS shelter_id,
            {first_service} AS first_position, {last_service} AS last_position, {", ".join(people_masks)},
            sm.any_bits & ~(CASE WHEN v.id IS NULL THEN CAST(0 AS bigint) ELSE {stay_bits} END) AS outside_bits
        FROM service_months sm LEFT JOIN victims v ON v.id = sm.victim_id
    ),
    -- Each month's bit summed over a shelter's victims, a column per month (as an array), then a row per
    -- month: a few thousand sums per shelter, where a row per victim and month was hashed before.
    service_people AS (
        SELECT t.shelter_id, CAST(p.position - 1 AS integer) AS position, {people_columns}
        FROM (
            SELECT v.shelter_id, {columns([f"ARRAY[{month_sums(key)}] AS {key}" for key in _SERVICE_PEOPLE])}
            FROM victim_months v
            GROUP BY v.shelter_id
        ) t
        CROSS JOIN LATERAL unnest({", ".join(f"t.{key}" for key in _SERVICE_PEOPLE)})
            WITH ORDINALITY AS p ({", ".join(_SERVICE_PEOPLE)}, position)
        WHERE {" + ".join(f"p.{key}" for key in _SERVICE_PEOPLE)} > 0
    ),
    -- Served in a month with a service but outside the stay: rare, counted apart.
    served_outside_stay AS (
        SELECT v.shelter_id, p.position,
            {columns([f"SUM(CAST({condition} AS INTEGER)) AS {key}" for key, condition in served.items()])}
        FROM victim_months vm JOIN {Victim._meta.db_table} v ON v.id = vm.id AND {shelter_filter("v")}
        CROSS JOIN LATERAL generate_series(vm.first_position, vm.last_position) AS p (position)
        WHERE vm.outside_bits <> 0 AND {bit("vm.outside_bits")} = 1
        GROUP BY v.shelter_id, p.position
    )
    SELECT shelter_id, position,
        {columns([f"SUM({key}) AS {key}" for key in keys])}
    FROM (
        SELECT shelter_id, position, {select_keys(open_keys)} FROM open_counts
        UNION ALL
        SELECT shelter_id, position, {select_keys(event_keys)} FROM event_counts
        UNION ALL
        SELECT shelter_id, position, {select_keys(service_event_keys)} FROM service_events
        UNION ALL
        SELECT shelter_id, position, {select_keys(set(_SERVICE_PEOPLE))} FROM service_people
        UNION ALL
        SELECT shelter_id, position, {select_keys(open_keys)} FROM served_outside_stay
    ) halves
    GROUP BY shelter_id, position
    """


def _people_and_services(shelter_ids: list[int] | None, months: list[date]) -> list[_Counting]:
    dialect = _Dialect(connection.vendor)
    if dialect.vendor == "postgresql":
        return [
            _people_and_services_postgresql(shelter_ids, months[start : start + POSTGRESQL_MONTHS_PER_STATEMENT])
            for start in range(0, len(months), POSTGRESQL_MONTHS_PER_STATEMENT)
        ]
    sql = _people_and_services_sql(
        dialect, len(months), None if shelter_ids is None else len(shelter_ids), month_number(months[0])
    )
    starts = [dialect.date_param(month) for month in months]
    nexts = [dialect.date_param(month_from_number(month_number(month) + 1)) for month in months]
    scope = list(shelter_ids or [])
    params: list[object] = []
    for position, (start, next_start) in enumerate(zip(starts, nexts, strict=True)):
        params += [position, start, next_start]
    params += scope
    params += [*scope, starts[0], nexts[-1]]
    return [_Counting(sql, params, _people_and_services_keys(dialect), months)]


def _people_and_services_postgresql(shelter_ids: list[int] | None, months: list[date]) -> _Counting:
    dialect = _Dialect("postgresql")
    sql = _people_and_services_sql_postgresql(len(months), None if shelter_ids is None else len(shelter_ids))
    nexts = [month_from_number(month_number(month) + 1) for month in months]
    scope = list(shelter_ids or [])
    params: list[object] = []
    for position, (start, next_start) in enumerate(zip(months, nexts, strict=True)):
        params += [position, start, next_start]
    # The victims' intake and exit positions, from the first month's number.
    params += [month_number(months[0]) + 1] * 2
    params += [*scope, nexts[-1], months[0]]
    # The services, read twice for every shelter, once for some (`_services_by_month`).
    params += [months, *scope, months[0], nexts[-1]] * (2 if shelter_ids is None else 1)
    # Those served outside their stay, in the same shelters.
    params += scope
    return _Counting(sql, params, _people_and_services_keys(dialect), months)


# --- Referrals, legal actions, follow-ups and trainings: one statement -----------------------------------------

# Each row counted from these records, as (table alias, aggregate): one grouped part per table.
_RECORD_PARTS: dict[str, dict[str, str]] = {
    "r": {"victims_transferred": f"COUNT(DISTINCT r.victim_id) FILTER (WHERE r.kind = '{ReferralKind.TRANSFER}')"},
    "l": {
        # Charges count TIP victims (primary by definition), each once in the month.
        "tip_victims_pressed_charges": (
            f"COUNT(DISTINCT l.victim_id) FILTER (WHERE l.kind = '{LegalActionKind.CHARGES_FILED}'"
            f" AND v.role = '{VictimRole.PRIMARY}' AND v.tip_victim)"
        ),
        **{
            f"{row}_{crime_key}": f"COUNT(*) FILTER (WHERE l.kind = '{kind}' AND l.crime = '{crime}')"
            for row, kind in (
                ("prosecutions", LegalActionKind.PROSECUTION_OPENED),
                ("sentences", LegalActionKind.SENTENCE),
            )
            for crime_key, crime in (("tip", Crime.TIP), ("other", Crime.OTHER))
        },
    },
    "f": {"follow_up_cases": "COUNT(DISTINCT f.victim_id)"},
    "t": {
        "personnel_trained_government": f"SUM(t.attendees) FILTER (WHERE t.sector = '{Sector.GOVERNMENT}')",
        "personnel_trained_private": f"SUM(t.attendees) FILTER (WHERE t.sector = '{Sector.PRIVATE}')",
    },
}
_RECORD_KEYS = [key for part in _RECORD_PARTS.values() for key in part]


def _records_sql(dialect: _Dialect, shelter_count: int | None, first_month_number: int) -> str:
    """Referrals, legal actions, follow-ups and trainings per shelter and month (`position` in the range).

    One grouped part per table, each over its records in the range, side by side in one statement (one
    round trip where four ORM queries were, and nothing built in Python for each).
    """
    tables = {
        "r": f"{Referral._meta.db_table} r",
        "l": f"{LegalAction._meta.db_table} l JOIN {Victim._meta.db_table} v ON v.id = l.victim_id",
        "f": f"{FollowUp._meta.db_table} f",
        "t": f"{Training._meta.db_table} t",
    }
    parts = []
    for alias, aggregates in _RECORD_PARTS.items():
        columns = [aggregates.get(key, "CAST(NULL AS INTEGER)") + f" AS {key}" for key in _RECORD_KEYS]
        if dialect.vendor == "postgresql":
            # As the services' statement: the month's position among the month starts (a parameter).
            position = f"(width_bucket({alias}.date, CAST(%s AS date[])) - 1)"
        else:
            position = dialect.month_index(f"{alias}.date", first_month_number)
        parts.append(
            f"""SELECT {alias}.shelter_id, {position} AS position,
            {_columns(columns)}
        FROM {tables[alias]}
        WHERE {_shelter_filter(alias, shelter_count)} AND {alias}.date >= %s AND {alias}.date < %s
        GROUP BY 1, 2"""
        )
    return "\n    UNION ALL\n    ".join(parts)


def _records_by_month(shelter_ids: list[int] | None, months: list[date]) -> list[_Counting]:
    dialect = _Dialect(connection.vendor)
    after_last_day = month_from_number(month_number(months[-1]) + 1)
    sql = _records_sql(dialect, None if shelter_ids is None else len(shelter_ids), month_number(months[0]))
    scope = list(shelter_ids or [])
    params = [*scope, dialect.date_param(months[0]), dialect.date_param(after_last_day)]
    if dialect.vendor == "postgresql":
        params = [months, *params]
    return [_Counting(sql, params * len(_RECORD_PARTS), _RECORD_KEYS, months)]
