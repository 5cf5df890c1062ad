from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meetings.importers import import_annex1_file


class Command(BaseCommand):
    help = "Load the Annex 1 meeting tables of a report in the seed's text layout."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--year", type=int, required=True, help="The year of the meetings (the tables omit it).")

    def handle(self, *args, path: Path, year: int, **options):
        if not 1900 <= year <= 2100:
            raise CommandError(f"--year must be a year such as 2007, not {year}")
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            result = import_annex1_file(path, year=year)
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text ({exc.reason})") from exc
        parsed = result.parsed
        if not parsed.rows and not parsed.problems:
            raise CommandError(f"{path}: no Annex 1 meeting table found")
        for warning in parsed.warnings:
            self.stdout.write(f"note: {warning}")
        for problem in parsed.problems:
            self.stdout.write(self.style.ERROR(f"not loaded: {problem}"))
        per_table = ", ".join(f"table {table}: {count}" for table, count in parsed.rows_per_table().items())
        self.stdout.write(
            f"{len(parsed.rows)} meetings read ({per_table}); {result.created} created, "
            f"{result.unchanged} already loaded, {result.organizations_created} organizations created, "
            f"{len(parsed.problems)} rows not loaded."
        )
