"""Recompute the stored Annex 2 values from case records.

    aggregate_indicators [--shelter SLUG] [--month YYYY-MM | --from YYYY-MM --to YYYY-MM] [--sync]

Without a month, each shelter is recomputed from its agreement start (or, when
it has none, from its first intake or training) to the current month. Without
--sync, one Celery task per shelter is queued and waited for (with the demo's
in-process Celery that is immediate); --sync recomputes in this process.
Locked months are never recomputed; imported values are never touched.
"""

from __future__ import annotations

import re
from datetime import date

from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from indicators.services import RecomputeResult, recompute_indicators, refresh_completeness
from indicators.tasks import recompute_shelter_months
from shelters.models import Shelter, Training, Victim
from shelters.scopes import counting_scope

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str, option: str) -> date:
    match = MONTH_PATTERN.match(value or "")
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        raise CommandError(f"{option} must be a month written YYYY-MM, not {value!r}.")
    return date(int(match[1]), int(match[2]), 1)


class Command(BaseCommand):
    help = "Recompute stored Annex 2 indicator values from case records (locked months are left alone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shelter", metavar="SLUG", help="only this shelter (default: every shelter)")
        parser.add_argument("--month", metavar="YYYY-MM", help="only this month")
        parser.add_argument("--from", dest="first", metavar="YYYY-MM", help="first month of a range")
        parser.add_argument("--to", dest="last", metavar="YYYY-MM", help="last month of a range")
        parser.add_argument("--sync", action="store_true", help="recompute here instead of queuing Celery tasks")
        parser.add_argument(
            "--timeout", type=int, default=1800, help="seconds to wait for the queued tasks (default 1800)"
        )

    def handle(self, *args: object, **options: object) -> None:
        current = timezone.localdate().replace(day=1)
        first, last = self._months(options, current)
        shelters = Shelter.objects.order_by("slug")
        if options["shelter"]:
            shelters = shelters.filter(slug=options["shelter"])
            if not shelters.exists():
                raise CommandError(f"No shelter with slug {options['shelter']!r}.")

        # Which shelters keep case records, and since when: counted through the aggregation path.
        with counting_scope(None, purpose="aggregate_indicators"):
            plan = self._plan(shelters, first, last, current)
        if not plan:
            self.stdout.write("Nothing to recompute: no shelter keeps case records.")
            return
        if options["sync"]:
            results = [
                (shelter, start, end, recompute_indicators(first_month=start, last_month=end, shelter_id=shelter.pk))
                for shelter, start, end in plan
            ]
        else:
            queued = []
            for shelter, start, end in plan:
                try:
                    task = recompute_shelter_months.delay(shelter.pk, start.isoformat(), end.isoformat())
                except Exception as exc:
                    # In-process (eager) Celery runs the task here, and raises what it raised.
                    raise CommandError(f"The recompute of {shelter.slug} failed: {exc}") from exc
                queued.append((shelter, start, end, task))
            results = []
            for shelter, start, end, task in queued:
                try:
                    outcome = task.get(timeout=options["timeout"])
                except CeleryTimeoutError as exc:
                    raise CommandError(
                        f"Timed out after {options['timeout']} s waiting for the recompute of {shelter.slug}: "
                        "is a Celery worker running?"
                    ) from exc
                except Exception as exc:
                    raise CommandError(f"The recompute of {shelter.slug} failed: {exc}") from exc
                results.append((shelter, start, end, outcome))
        for shelter, start, end, outcome in results:
            self.stdout.write(self._describe(shelter, start, end, outcome))
        if not options["shelter"]:
            # The status board's completeness counts, for every shelter over the same months.
            refresh_completeness(first_month=min(row[1] for row in plan), last_month=max(row[2] for row in plan))

    def _months(self, options: dict[str, object], current: date) -> tuple[date | None, date | None]:
        month, first, last = options["month"], options["first"], options["last"]
        if month and (first or last):
            raise CommandError("Give either --month or --from/--to, not both.")
        if month:
            first = last = parse_month(str(month), "--month")
        else:
            first = parse_month(str(first), "--from") if first else None
            last = parse_month(str(last), "--to") if last else None
        for value, option in ((first, "--from"), (last, "--to")):
            if value and value > current:
                raise CommandError(f"{'--month' if month else option} {value:%Y-%m} is in the future.")
        if first and last and first > last:
            raise CommandError(f"--from {first:%Y-%m} is after --to {last:%Y-%m}.")
        return first, last

    def _plan(
        self, shelters: QuerySet[Shelter], first: date | None, last: date | None, current: date
    ) -> list[tuple[Shelter, date, date]]:
        """Each shelter's range; a shelter that keeps no case records and has no months given is left out."""
        earliest_intake = Victim.objects.filter(shelter_id=OuterRef("id")).order_by().values("shelter_id")
        earliest_training = Training.objects.filter(shelter_id=OuterRef("id")).order_by().values("shelter_id")
        rows = shelters.annotate(
            first_intake=Subquery(earliest_intake.annotate(first=Min("intake_date")).values("first")),
            first_training=Subquery(earliest_training.annotate(first=Min("date")).values("first")),
        )
        plan = []
        for shelter in rows:
            records_start = min((day for day in (shelter.first_intake, shelter.first_training) if day), default=None)
            if first is None and records_start is None:
                continue
            start = first or shelter.agreement_start or records_start.replace(day=1)
            end = last or current
            # Given only --to, a shelter whose records start later has nothing to recompute.
            if start <= end:
                plan.append((shelter, start, end))
        return plan

    @staticmethod
    def _describe(shelter: Shelter, start: date, end: date, outcome: RecomputeResult | dict) -> str:
        if isinstance(outcome, RecomputeResult):
            outcome = outcome.as_dict()
        span = f"{start:%Y-%m}" if start == end else f"{start:%Y-%m}..{end:%Y-%m}"
        line = f"{shelter.slug} {span}: {outcome['months_stored']} month(s) stored"
        if outcome["months_skipped_locked"]:
            locked = ", ".join(month for _shelter, month in outcome["skipped_locked"])
            line += f", {outcome['months_skipped_locked']} locked month(s) left alone ({locked})"
        if outcome["shelters_without_records"]:
            line += ", no case records (months left empty)"
        return line
