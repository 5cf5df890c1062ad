"""`manage.py import_annex2 PATH`: load a report's Annex 2 tables as imported values and print each failed check."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from indicators.importers import ImportProblem, describe_failure, import_annex2_file
from shelters.exceptions import MonthLocked


class Command(BaseCommand):
    help = (
        "Load the Annex 2 tables of a report in the seed's text layout as imported indicator values, "
        "creating missing shelters; prints each failed check (one line each). Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the report, as UTF-8 text in the seed's layout")

    def handle(self, *args, path: str, **options):
        try:
            result = import_annex2_file(path)
        except ImportProblem as problem:
            for line in problem.lines:
                self.stderr.write(line)
            raise CommandError(problem.reason) from None
        except MonthLocked as exc:
            raise CommandError(str(exc)) from None
        shelters = {table.shelter.slug: table.shelter for table in result.tables}
        # Only the failed checks go to stdout, one line each: scripts and reviewers read them as the report.
        for failure in result.failures:
            self.stdout.write(describe_failure(failure, shelters))
        if options["verbosity"] >= 2:
            self.stderr.write(
                f"{len(result.tables)} tables: {result.created} values created, {result.updated} changed, "
                f"{result.unchanged} unchanged"
            )
