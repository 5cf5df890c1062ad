"""The backup drill: dump the database, restore it into a fresh one, and check that the copy is usable.

    backup_drill [--keep] [--dump FILE]

1. `pg_dump` (custom format) of DATABASE_URL's database, as MIGRATION_DATABASE_URL's role (the rows are
   behind forced row-level security: only a superuser or a BYPASSRLS role dumps them all);
2. `createdb` + `pg_restore` into `<name>_drill_<time>`, a database nobody else uses;
3. checks, each printed: every table holds as many rows in the copy; every approved month's stored values
   hash, in the copy, to the content hash kept at approval (indicators.review.approved_snapshot); every
   encrypted personal field of the copy decrypts with FIELD_ENCRYPTION_KEY (and SECRET_KEY) and reads as in
   the original;
4. the copy is dropped (unless --keep) and the command fails if any check failed.

Read through the application role with every shelter's scope, as the operator's commands do.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, transaction

from indicators.models import MonthStatus, MonthSubmission
from indicators.review import approved_snapshot
from proteja_site.database_roles import owner_settings
from shelters.encryption import encrypted_columns, field_fernet
from shelters.scopes import every_shelter_scope

DRILL_ALIAS = "backup_drill"


class Command(BaseCommand):
    help = (
        "Dump the database, restore it into a fresh one, check approved months' hashes and that personal data decrypts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep", action="store_true", help="keep the restored database (default: drop it)")
        parser.add_argument("--dump", metavar="FILE", help="write the dump here (default: a temporary file)")

    def handle(self, *args: object, **options: object) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The backup drill is for PostgreSQL (the demo's SQLite is a file: copy it).")
        owner = owner_settings()
        if owner is None:
            raise CommandError("Set MIGRATION_DATABASE_URL: dumping every row needs the owner's role.")
        source = connection.settings_dict["NAME"]
        copy = f"{source}_drill_{int(time.time())}"[:63]
        self.failures: list[str] = []
        with tempfile.TemporaryDirectory(prefix="proteja-drill-") as directory:
            dump = Path(str(options["dump"] or Path(directory) / f"{source}.dump"))
            started = time.monotonic()
            self._run(owner, ["pg_dump", "--format=custom", "--file", str(dump), source])
            self.stdout.write(
                f"Dumped {source} ({dump.stat().st_size / 1024:.0f} KiB) in {time.monotonic() - started:.1f} s"
            )
            started = time.monotonic()
            self._run(owner, ["createdb", copy])
            try:
                self._run(owner, ["pg_restore", "--exit-on-error", "--dbname", copy, str(dump)])
                self.stdout.write(f"Restored into {copy} in {time.monotonic() - started:.1f} s")
                connections.databases[DRILL_ALIAS] = {**connections.databases["default"], "NAME": copy}
                try:
                    self._check_tables()
                    self._check_approved_months()
                    self._check_personal_fields()
                finally:
                    connections[DRILL_ALIAS].close()
                    del connections[DRILL_ALIAS]
                    connections.databases.pop(DRILL_ALIAS, None)
            finally:
                if options["keep"]:
                    self.stdout.write(f"Kept {copy}")
                else:
                    self._run(owner, ["dropdb", copy])
        if self.failures:
            raise CommandError(f"The backup drill failed {len(self.failures)} check(s): " + "; ".join(self.failures))
        self.stdout.write("Backup drill passed.")

    def _run(self, owner: dict, command: list[str]) -> None:
        env = {**os.environ, "PGHOST": owner.get("HOST") or "127.0.0.1", "PGPORT": str(owner.get("PORT") or 5432)}
        env["PGUSER"] = owner.get("USER") or ""
        if owner.get("PASSWORD"):
            env["PGPASSWORD"] = owner["PASSWORD"]
        completed = subprocess.run(command, env=env, capture_output=True, text=True)
        if completed.returncode != 0:
            raise CommandError(f"{command[0]} failed: {completed.stderr.strip()[-2000:]}")

    def _check(self, ok: bool, text: str) -> None:
        self.stdout.write(("CHECKED " if ok else "FAILED  ") + text)
        if not ok:
            self.failures.append(text)

    def _check_tables(self) -> None:
        def counts(using: str) -> dict[str, int]:
            with transaction.atomic(using=using), every_shelter_scope(using=using):
                with connections[using].cursor() as cursor:
                    tables = connections[using].introspection.table_names(cursor)
                    found = {}
                    for table in tables:
                        try:
                            with transaction.atomic(using=using):
                                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
                                found[table] = cursor.fetchone()[0]
                        except Exception:  # noqa: BLE001 - a table the application role may not read (the seals)
                            continue
                    return found

        original, restored = counts("default"), counts(DRILL_ALIAS)
        self._check(
            original.keys() == restored.keys() and sum(restored.values()) > 0,
            f"{len(restored)} tables restored, {sum(restored.values())} rows",
        )
        differ = sorted(table for table in original if original[table] != restored.get(table))
        if differ:
            # Not a failure: the original may have been written to since the dump (a live database).
            self.stdout.write(f"NOTE    the original has changed since the dump in: {', '.join(differ)}")

    def _check_approved_months(self) -> None:
        with transaction.atomic(using=DRILL_ALIAS), every_shelter_scope(using=DRILL_ALIAS):
            approved = list(
                MonthSubmission.objects.using(DRILL_ALIAS)
                .filter(status=MonthStatus.APPROVED)
                .values_list("shelter_id", "month", "approved_hash")
            )
            wrong = [
                f"{shelter_id} {month:%Y-%m}"
                for shelter_id, month, kept in approved
                if approved_snapshot(shelter_id=shelter_id, month=month, using=DRILL_ALIAS)[1] != kept
            ]
        self._check(
            not wrong,
            f"{len(approved) - len(wrong)} of {len(approved)} approved month(s): their values in the copy hash to "
            "the hash kept at approval" + (f" (not: {', '.join(wrong)})" if wrong else ""),
        )

    def _check_personal_fields(self) -> None:
        def values(using: str, model, fields) -> dict[tuple, str | None]:  # noqa: ANN001
            columns = ", ".join(f'"{field.column}"' for field in fields)
            table = model._meta.db_table
            with transaction.atomic(using=using), every_shelter_scope(using=using):
                with connections[using].cursor() as cursor:
                    cursor.execute(f'SELECT "{model._meta.pk.column}", {columns} FROM "{table}"')  # noqa: S608
                    return {
                        (row[0], field.name): value
                        for row in cursor.fetchall()
                        for field, value in zip(fields, row[1:], strict=True)
                    }

        fernet = field_fernet()
        read, unreadable, different = 0, 0, 0
        for model, fields in encrypted_columns():
            original = values("default", model, fields)
            restored = values(DRILL_ALIAS, model, fields)
            for key, token in restored.items():
                if token is None:
                    continue
                try:
                    plain = fernet.decrypt(token.encode()).decode()
                except Exception:  # noqa: BLE001 - InvalidToken, or no token at all
                    unreadable += 1
                    continue
                read += 1
                if original.get(key) is None or fernet.decrypt(original[key].encode()).decode() != plain:
                    different += 1
        self._check(
            unreadable == 0 and read > 0,
            f"{read} encrypted personal value(s) in the copy decrypt with FIELD_ENCRYPTION_KEY ({unreadable} do not)",
        )
        if different:
            self.stdout.write(f"NOTE    {different} value(s) differ from the original's now (changed since the dump)")
        else:
            self.stdout.write("CHECKED every decrypted value reads as in the original")
