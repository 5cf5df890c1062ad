"""Benchmark the Annex 2 aggregation on a national-scale dataset in PostgreSQL.

    createdb -h 127.0.0.1 -U postgres proteja_bench
    export DATABASE_URL=postgres://proteja_app@127.0.0.1:5432/proteja_bench
    export MIGRATION_DATABASE_URL=postgres://postgres@127.0.0.1:5432/proteja_bench
    python manage.py create_application_role && python manage.py bench_indicators

Loads (by default) 100 shelters, 24 months, 200,000 victims, 5,000,000 services
and referrals, legal actions and follow-ups in proportion, then prints the time
of a full recompute of every shelter-month, of one shelter-month, and of one
hand-written SQL query counting victims served and services per shelter-month
over the same tables, as a yardstick. The data is generated inside PostgreSQL
(INSERT ... SELECT over generate_series: one statement per table, no row passes
through Python). It refuses SQLite, and any database holding real shelters.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from indicators.aggregation import compute_indicator_values, month_from_number, month_number
from indicators.catalogue import INDICATOR_KEYS
from indicators.models import IndicatorValue, MonthLock
from indicators.services import recompute_indicators
from proteja_site.database_roles import as_owner, owner_settings
from shelters.models import FollowUp, LegalAction, Referral, Service, Shelter, Training, Victim
from shelters.scopes import counting_scope

BENCH_SLUG = "bench-"


class Command(BaseCommand):
    help = "Benchmark the Annex 2 aggregation on a generated national-scale dataset (PostgreSQL only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shelters", type=int, default=100)
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument("--victims", type=int, default=200_000)
        parser.add_argument("--services", type=int, default=5_000_000)
        parser.add_argument("--referrals", type=int, help="default: victims / 2")
        parser.add_argument("--legal-actions", type=int, help="default: victims / 2")
        parser.add_argument("--follow-ups", type=int, help="default: victims / 4")
        parser.add_argument("--repeat", type=int, default=3, help="timed runs of each measure (the median is shown)")
        parser.add_argument("--reuse", action="store_true", help="keep the dataset already loaded, if any")
        parser.add_argument(
            "--reference",
            metavar="DIR",
            help="also time the hand-written yardstick (DIR/perf_ref.sql, DIR/perf_query.sql: make bench-ratio), "
            "run by run beside the full recompute, and print the ratio",
        )
        parser.add_argument(
            "--rebuild-for",
            type=float,
            metavar="SECONDS",
            help="only run full recomputes, one after another, for this long (the load bench_api --during-rebuild "
            "puts beside the API); needs the dataset loaded",
        )

    def handle(self, *args: object, **options: int) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_indicators needs PostgreSQL: set DATABASE_URL to an empty bench database.")
        for name in ("shelters", "months", "victims", "services", "repeat"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        # The dataset is loaded by the owner (MIGRATION_DATABASE_URL), as an operator would; the measures
        # run as the application's role, through the aggregation path (row-level security, shelters.scopes).
        with as_owner(connection):
            call_command("migrate", verbosity=0, interactive=False)
            if Shelter.objects.exclude(slug__startswith=BENCH_SLUG).exists():
                raise CommandError(
                    f"Database {connection.settings_dict['NAME']!r} holds real shelters; "
                    "run the bench on a database of its own (e.g. proteja_bench)."
                )

            last = month_from_number(month_number(timezone.localdate()) - 1)
            first = month_from_number(month_number(last) - options["months"] + 1)
            counts = {
                "shelters": options["shelters"],
                "victims": options["victims"],
                "services": options["services"],
                "referrals": options["referrals"] if options["referrals"] is not None else options["victims"] // 2,
                "legal_actions": options["legal_actions"]
                if options["legal_actions"] is not None
                else options["victims"] // 2,
                "follow_ups": options["follow_ups"] if options["follow_ups"] is not None else options["victims"] // 4,
            }
            loaded = Shelter.objects.filter(slug__startswith=BENCH_SLUG).exists()
            if options["rebuild_for"] is not None and not loaded:
                raise CommandError("--rebuild-for needs the dataset: run bench_indicators once first.")
            if (options["reuse"] or options["rebuild_for"] is not None) and loaded:
                self.stdout.write("Reusing the dataset already loaded.")
                with connection.cursor() as cursor:
                    self._note_first_records_months(cursor)
            else:
                self._load(counts, first, last)
        if options["rebuild_for"] is not None:
            self._rebuild_for(first, last, options["rebuild_for"])
            return
        self._report(first, last, options["repeat"])
        if options["reference"]:
            self._ratio(first, last, Path(options["reference"]), options["repeat"])

    # --- Loading ------------------------------------------------------------------------------------------------

    def _load(self, counts: dict[str, int], first: date, last: date) -> None:
        started = time.perf_counter()
        after_last = month_from_number(month_number(last) + 1)
        with connection.cursor() as cursor:
            self.stdout.write("Clearing the previous bench data...")
            tables = [
                model._meta.db_table
                for model in (IndicatorValue, MonthLock, FollowUp, LegalAction, Referral, Service, Training, Victim)
            ]
            # CASCADE: the tables that point at case records (consents, transfers) hold only bench rows here.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            Shelter.objects.filter(slug__startswith=BENCH_SLUG).delete()

        with transaction.atomic(), connection.cursor() as cursor:
            Shelter.objects.bulk_create(
                Shelter(slug=f"{BENCH_SLUG}{n:04d}", name=f"Bench shelter {n}", agreement_start=first)
                for n in range(counts["shelters"])
            )
            shelter_ids = list(
                Shelter.objects.filter(slug__startswith=BENCH_SLUG).order_by("id").values_list("id", flat=True)
            )
            dropped = self._without_indexes(cursor)
            cursor.execute("CREATE TEMP TABLE bench_shelter (n int PRIMARY KEY, id bigint) ON COMMIT DROP")
            cursor.execute(
                "INSERT INTO bench_shelter SELECT n - 1, id FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, n)",
                [shelter_ids],
            )
            self._step(
                cursor, "victims", counts["victims"], self._victims_sql(), [first, after_last, first, counts["victims"]]
            )
            cursor.execute(
                f"""CREATE TEMP TABLE bench_victim ON COMMIT DROP AS
                SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, shelter_id, intake_date,
                       LEAST(COALESCE(exit_date, %s), %s) AS stay_end, exit_date
                FROM {Victim._meta.db_table}""",
                [after_last - timedelta(days=1), after_last - timedelta(days=1)],
            )
            cursor.execute("CREATE UNIQUE INDEX ON bench_victim (n)")
            cursor.execute("ANALYZE bench_victim")
            # Each generated record picks a random victim and a date inside that victim's stay.
            # Identifying text is encrypted at rest, here too: one token per field, computed once, stands for all.
            institution = Referral._meta.get_field("institution").get_prep_value("DIF")
            method = FollowUp._meta.get_field("method").get_prep_value("phone")
            for label, key, sql, texts in (
                ("services", "services", self._services_sql(), []),
                ("referrals", "referrals", self._referrals_sql(), [institution]),
                ("legal actions", "legal_actions", self._legal_actions_sql(), []),
                ("follow-ups", "follow_ups", self._follow_ups_sql(), [method]),
            ):
                self._step(cursor, label, counts[key], sql, [*texts, counts["victims"], counts[key]])
            months = month_number(last) - month_number(first) + 1
            self._step(cursor, "trainings", counts["shelters"] * months, self._trainings_sql(), [first, months])
            rebuilt = time.perf_counter()
            for definition in dropped:
                cursor.execute(definition)
            self.stdout.write(f"  {len(dropped):>10,} {'indexes':<14} {time.perf_counter() - rebuilt:6.1f} s")
            self._note_first_records_months(cursor)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.stdout.write(f"Loaded in {time.perf_counter() - started:.1f} s.")

    @staticmethod
    def _note_first_records_months(cursor) -> None:  # type: ignore[no-untyped-def]
        """Each bench shelter's first month of case records, as its first record's write notes it in production
        (shelters.services). The load writes its rows in bulk SQL, not through that module; a dataset loaded
        before this was noted has none (then each recompute read the shelter's earliest intake and training)."""
        cursor.execute(
            f"""
            UPDATE {Shelter._meta.db_table} s SET first_records_month = CAST(date_trunc('month', LEAST(
                (SELECT min(v.intake_date) FROM {Victim._meta.db_table} v WHERE v.shelter_id = s.id),
                (SELECT min(t.date) FROM {Training._meta.db_table} t WHERE t.shelter_id = s.id)
            )) AS date)
            WHERE s.slug LIKE %s AND s.first_records_month IS NULL
            """,
            [f"{BENCH_SLUG}%"],
        )

    @staticmethod
    def _without_indexes(cursor) -> list[str]:  # type: ignore[no-untyped-def]
        """Drop the case tables' secondary indexes for the load; return the statements that rebuild them.

        Building an index once over sorted data is far faster than updating it on
        every one of millions of rows in random order. Everything happens in the
        load's transaction, so a failed load leaves the schema as it was. Foreign
        keys are not checked row by row either, where the database user may say so
        (the generated rows point at rows just generated).
        """
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass
        tables = [model._meta.db_table for model in (Victim, Service, Referral, LegalAction, FollowUp, Training)]
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return [definition for _name, definition in indexes]

    def _step(self, cursor, label: str, count: int, sql: str, params: list) -> None:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        cursor.execute(sql, params)
        self.stdout.write(f"  {count:>10,} {label:<14} {time.perf_counter() - started:6.1f} s")

    @staticmethod
    def _victims_sql() -> str:
        # One row in seven is a secondary victim: the child of the primary victim generated just before it.
        return f"""
        WITH drawn AS (
            SELECT g.n, gen_random_uuid() AS id, s.id AS shelter_id,
                   (g.n %% 7 = 6) AS secondary, random() AS r, random() AS stay,
                   (%s::date - 60 + floor(random() * (%s::date - %s::date + 60))::int) AS intake_date
            FROM generate_series(0, %s - 1) AS g(n)
            JOIN bench_shelter s ON s.n = (g.n / 7) %% (SELECT count(*) FROM bench_shelter)
        )
        INSERT INTO {Victim._meta.db_table} (
            id, shelter_id, created_at, updated_at, case_code, role, primary_victim_id, sex, birth_year,
            nationality, tip_victim, exploitation_types, intake_date, exit_date, exit_reason,
            given_name_key, full_name_key, name_words
        )
        SELECT id, shelter_id, now(), now(), 'B-' || n,
               CASE WHEN secondary THEN 'secondary' ELSE 'primary' END,
               CASE WHEN secondary THEN lag(id) OVER (ORDER BY n) END,
               (ARRAY['female', 'male', 'other', 'unknown'])[1 + n %% 4], 1960 + n %% 50,
               (ARRAY['MX', 'MX', 'MX', 'MX', 'GT', 'HN', 'SV', 'NI', 'US', 'CO', ''])[1 + floor(r * 11)::int],
               NOT secondary AND r < 0.6,
               CASE WHEN NOT secondary AND r < 0.6
                    THEN (ARRAY[',sexual_exploitation,', ',forced_labor,', ',child_labor,sexual_tourism,',
                                ',other,', ',forced_labor,sexual_exploitation,'])[1 + n %% 5]
                    ELSE '' END,
               intake_date,
               CASE WHEN stay < 0.7 THEN intake_date + floor(stay * 200)::int END,
               CASE WHEN stay < 0.7
                    THEN (ARRAY['reintegrated', 'transferred', 'voluntary_departure', 'other'])[1 + n %% 4]
                    ELSE '' END,
               -- The bench's victims have no names: an empty name index, as the services write it.
               '', '', ''
        FROM drawn
        """

    @staticmethod
    def _pick_victim() -> str:
        # A random victim per generated row; the date falls inside the victim's stay.
        return "JOIN bench_victim v ON v.n = g.victim_n"

    def _services_sql(self) -> str:
        # Stored in date order, as services are entered over time: one month's services sit together.
        return f"""
        INSERT INTO {Service._meta.db_table} (id, shelter_id, victim_id, created_at, updated_at, date, category)
        SELECT CAST(lpad(to_hex(row_number() OVER (ORDER BY drawn.date)), 32, '0') AS uuid),
               drawn.shelter_id, drawn.victim_id, now(), now(), drawn.date, drawn.category
        FROM (
            SELECT v.shelter_id, v.id AS victim_id,
                   v.intake_date + floor(random() * (GREATEST(v.stay_end - v.intake_date, 0) + 1))::int AS date,
                   (ARRAY['legal', 'medical', 'mental_health', 'social', 'vocational_training', 'schooling'])
                       [1 + g.k %% 6] AS category
            FROM (SELECT k, floor(random() * %s)::bigint AS victim_n FROM generate_series(1, %s) AS k) g
            {self._pick_victim()}
        ) drawn
        ORDER BY drawn.date
        """

    def _referrals_sql(self) -> str:
        return f"""
        INSERT INTO {Referral._meta.db_table}
            (id, shelter_id, victim_id, created_at, updated_at, date, kind, institution)
        SELECT gen_random_uuid(), v.shelter_id, v.id, now(), now(),
               v.intake_date + floor(random() * (GREATEST(v.stay_end - v.intake_date, 0) + 1))::int,
               CASE WHEN g.k %% 3 = 0 THEN 'service_referral' ELSE 'transfer' END, %s
        FROM (SELECT k, floor(random() * %s)::bigint AS victim_n FROM generate_series(1, %s) AS k) g
        {self._pick_victim()}
        """

    def _legal_actions_sql(self) -> str:
        return f"""
        INSERT INTO {LegalAction._meta.db_table}
            (id, shelter_id, victim_id, created_at, updated_at, date, kind, crime, reference)
        SELECT gen_random_uuid(), v.shelter_id, v.id, now(), now(),
               v.intake_date + floor(random() * (GREATEST(v.stay_end - v.intake_date, 0) + 1))::int,
               (ARRAY['charges_filed', 'prosecution_opened', 'sentence'])[1 + g.k %% 3],
               CASE WHEN g.k %% 4 = 0 THEN 'other' ELSE 'tip' END, NULL
        FROM (SELECT k, floor(random() * %s)::bigint AS victim_n FROM generate_series(1, %s) AS k) g
        {self._pick_victim()}
        """

    def _follow_ups_sql(self) -> str:
        return f"""
        INSERT INTO {FollowUp._meta.db_table} (id, shelter_id, victim_id, created_at, updated_at, date, method)
        SELECT gen_random_uuid(), v.shelter_id, v.id, now(), now(), v.exit_date + 1 + floor(random() * 60)::int, %s
        FROM (SELECT k, floor(random() * %s)::bigint AS victim_n FROM generate_series(1, %s) AS k) g
        {self._pick_victim()}
        WHERE v.exit_date IS NOT NULL
        """

    @staticmethod
    def _trainings_sql() -> str:
        return f"""
        INSERT INTO {Training._meta.db_table}
            (id, shelter_id, created_at, updated_at, date, institution, sector, attendees, topic)
        SELECT gen_random_uuid(), s.id, now(), now(), (%s::date + make_interval(months => m))::date + 9, 'Fiscalía',
               CASE WHEN (s.n + m) %% 2 = 0 THEN 'government' ELSE 'private' END, 5 + (s.n * m) %% 30, ''
        FROM bench_shelter s CROSS JOIN generate_series(0, %s - 1) AS m
        """

    # --- Measuring ----------------------------------------------------------------------------------------------

    def _timed(self, repeat: int, function) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _run in range(repeat):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    def _report(self, first: date, last: date, repeat: int) -> None:
        models = {
            "shelters": Shelter,
            "victims": Victim,
            "services": Service,
            "referrals": Referral,
            "legal actions": LegalAction,
            "follow-ups": FollowUp,
            "trainings": Training,
        }
        with counting_scope(None, purpose="bench_indicators"):
            sizes = {name: model.objects.count() for name, model in models.items()}
        case_rows = sum(count for name, count in sizes.items() if name != "shelters")
        months = month_number(last) - month_number(first) + 1
        shelter_months = sizes["shelters"] * months
        self.stdout.write(
            f"Dataset: {', '.join(f'{count:,} {name}' for name, count in sizes.items())}; "
            f"{months} months ({first:%Y-%m}..{last:%Y-%m})."
        )
        one_shelter = Shelter.objects.filter(slug__startswith=BENCH_SLUG).order_by("id").values_list("id", flat=True)[0]

        def recompute_all() -> None:
            recompute_indicators(first_month=first, last_month=last)

        # The first run writes every value; later runs find the same numbers and rewrite nothing.
        IndicatorValue.objects.filter(source="computed").delete()
        first_run = self._timed(1, recompute_all)
        self._vacuum_values()
        full = self._timed(repeat, recompute_all)
        compute_only = self._timed(repeat, lambda: compute_indicator_values(first_month=first, last_month=last))
        one = self._timed(
            max(repeat, 5), lambda: recompute_indicators(first_month=last, last_month=last, shelter_id=one_shelter)
        )
        plain = self._timed(repeat, lambda: self._plain_query(first, last))
        stored_values = shelter_months * len(INDICATOR_KEYS)

        self.stdout.write(f"Median of {repeat} runs (one shelter-month: of {max(repeat, 5)}):")
        self.stdout.write(
            f"  full recompute, {shelter_months:,} shelter-months, first run: {first_run:7.2f} s  "
            f"({case_rows / first_run:,.0f} case records/s, {stored_values / first_run:,.0f} values stored/s)"
        )
        self.stdout.write(
            f"  full recompute, values unchanged:           {full:7.2f} s  "
            f"({case_rows / full:,.0f} case records/s)  target < 10 s"
        )
        self.stdout.write(f"    of which counting (compute_indicator_values): {compute_only:7.2f} s")
        self.stdout.write(f"  one shelter-month recompute:                {one * 1000:7.1f} ms  target < 50 ms")
        self.stdout.write(
            f"  plain SQL (victims served + services per shelter-month): {plain:7.2f} s  "
            f"-> full recompute / plain SQL = {first_run / plain:.2f} (first run), {full / plain:.2f} (unchanged)"
        )

    @staticmethod
    def _vacuum_values() -> None:
        """What autovacuum does after a rewrite of every value (some servers run without it, as this machine's):
        without it each bench run leaves the table's dead rows behind, and storing one shelter-month reads
        past them (1.9 ms where 1.2 ms after a vacuum)."""
        with as_owner(connection), connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {IndicatorValue._meta.db_table}")

    def _rebuild_for(self, first: date, last: date, seconds: float) -> None:
        import signal

        stop_at = time.monotonic() + seconds
        stopped = []
        # bench_api --during-rebuild stops the loop (SIGINT) when its drive is done: the recompute under way
        # finishes, and the count is printed.
        signal.signal(signal.SIGINT, lambda *_args: stopped.append(True))
        times = []
        while time.monotonic() < stop_at and not stopped:
            started = time.perf_counter()
            recompute_indicators(first_month=first, last_month=last)
            times.append(time.perf_counter() - started)
        median = f", median {statistics.median(times):.2f} s each" if times else ""
        self.stdout.write(f"{len(times)} full recomputes finished{median}")

    def _ratio(self, first: date, last: date, folder: Path, repeat: int) -> None:
        """The full recompute over the yardstick's two hand-written passes, timed in turns (a shared machine
        drifts: each pair is measured within seconds), as the owner for the yardstick's own tables."""
        import psycopg

        owner = owner_settings() or connection.settings_dict
        conninfo = {
            "dbname": connection.settings_dict["NAME"],
            "host": owner.get("HOST") or None,
            "port": owner.get("PORT") or None,
            "user": owner.get("USER") or None,
            "password": owner.get("PASSWORD") or None,
        }

        def statements(name: str) -> list[str]:
            # psql's meta-commands (\\timing) aside; no statement there holds a ';' of its own.
            lines = (folder / name).read_text().splitlines()
            text = "\n".join(line for line in lines if not line.lstrip().startswith("\\"))
            chunks = (part.strip() for part in text.split(";"))
            return [chunk for chunk in chunks if any(not line.startswith("--") for line in chunk.splitlines())]

        load, passes = statements("perf_ref.sql"), statements("perf_query.sql")
        self.stdout.write(f"Building the yardstick's tables ({folder / 'perf_ref.sql'})...")
        one_shelter = Shelter.objects.filter(slug__startswith=BENCH_SLUG).order_by("id").values_list("id", flat=True)[0]
        with psycopg.connect(autocommit=True, **{key: value for key, value in conninfo.items() if value}) as owner_db:
            try:
                for statement in load:
                    owner_db.execute(statement)

                def reference(indexes: tuple[int, ...]) -> float:
                    started = time.perf_counter()
                    for index in indexes:
                        owner_db.execute(passes[index]).fetchall()
                    return time.perf_counter() - started

                full, ref, one, ref_one = [], [], [], []
                for _run in range(repeat):
                    full.append(self._timed(1, lambda: recompute_indicators(first_month=first, last_month=last)))
                    ref.append(reference((0, 1)))
                    one.append(
                        self._timed(
                            5, lambda: recompute_indicators(first_month=last, last_month=last, shelter_id=one_shelter)
                        )
                    )
                    ref_one.append(statistics.median(reference((2,)) for _ in range(5)))
            finally:
                owner_db.execute("DROP TABLE IF EXISTS ref_victim, ref_service")
        ratios = sorted(f / r for f, r in zip(full, ref, strict=True))
        self.stdout.write(f"Full recompute beside the reference, {repeat} runs in turns:")
        self.stdout.write(f"  full recompute (s):   {' '.join(f'{t:.2f}' for t in full)}")
        self.stdout.write(f"  reference passes (s): {' '.join(f'{t:.2f}' for t in ref)}")
        self.stdout.write(
            f"  one shelter-month (ms): {' '.join(f'{t * 1000:.1f}' for t in one)}  target <= 20 ms "
            f"(the yardstick's one shelter-month: {' '.join(f'{t * 1000:.1f}' for t in ref_one)})"
        )
        self.stdout.write(
            f"full recompute / reference: median {statistics.median(ratios):.2f} "
            f"(range {ratios[0]:.2f}-{ratios[-1]:.2f})  target <= 2.00"
        )

    @staticmethod
    def _plain_query(first: date, last: date) -> None:
        """The yardstick: a hand-written query for two of the rows, over the same tables (and the same wall)."""
        after_last = month_from_number(month_number(last) + 1)
        with counting_scope(None, purpose="bench_indicators"), connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH months AS (SELECT generate_series(%s::date, %s::date, interval '1 month')::date AS month),
                served AS (
                    SELECT v.shelter_id, m.month, v.id AS victim_id
                    FROM {Victim._meta.db_table} v
                    JOIN months m ON v.intake_date < m.month + interval '1 month'
                                 AND (v.exit_date IS NULL OR v.exit_date >= m.month)
                    UNION
                    SELECT s.shelter_id, date_trunc('month', s.date)::date, s.victim_id
                    FROM {Service._meta.db_table} s WHERE s.date >= %s AND s.date < %s
                ),
                served_counts AS (SELECT shelter_id, month, count(*) AS victims FROM served GROUP BY 1, 2),
                service_counts AS (
                    SELECT shelter_id, date_trunc('month', date)::date AS month, count(*) AS services
                    FROM {Service._meta.db_table} WHERE date >= %s AND date < %s GROUP BY 1, 2
                )
                SELECT shelter_id, month, victims, services
                FROM served_counts FULL JOIN service_counts USING (shelter_id, month)
                """,
                [first, last, first, after_last, first, after_last],
            )
            cursor.fetchall()
