"""Re-encrypt every personal field of every table under the current key.

    rotate_encryption_key [--batch-size N] [--check]

Run it after a new SECRET_KEY or FIELD_ENCRYPTION_KEY is in place with the old one
kept in SECRET_KEY_FALLBACKS or FIELD_ENCRYPTION_KEY_FALLBACKS (README, Operations,
"Rotating the encryption key"). Each table is read by primary key in batches; each
batch is one transaction, committed as it goes and holding its rows locked only for
that long, so an interrupted run keeps what it did and the next run goes through the
rest: a value already under the current key is only checked (its signature), never
written again. A value that no key reads stops the run, naming the table, the row's
id and the field, never the value; nothing of that batch is written.

`--check` writes nothing: it counts the values not yet under the current key. It
prints 0 when the fallback keys can be removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models import Case, TextField, Value, When
from django.db.models.functions import Cast

from shelters.encryption import encrypted_columns, field_keys, reencrypted

T = TypeVar("T")


def in_database(work: Callable[[], T]) -> T:
    """Every query of this command runs in here, one transaction per call, committed when `work` returns.

    The one place to wrap should the database need more around the command's work (a scope of the door
    that lets it read every shelter's rows, for instance).
    """
    with transaction.atomic():
        return work()


class Unreadable(Exception):
    def __init__(self, *, table: str, pk: Any, field: str) -> None:
        super().__init__(f"{table} id {pk}: {field} can be read by no key, current or fallback")
        self.table, self.pk, self.field = table, pk, field


@dataclass
class Batch:
    rows: int  # rows read
    last_pk: Any  # where the next batch starts
    stale: int  # values not under the current key (re-encrypted unless checking)


def rotate_batch(
    *, model: type[models.Model], columns: list[models.Field], after: Any, size: int, write: bool
) -> Batch:
    """Re-encrypt the values of up to `size` rows after primary key `after` (None: from the first)."""
    rows = model._base_manager.order_by("pk")
    if after is not None:
        rows = rows.filter(pk__gt=after)
    if write:
        # An application write between this read and the update below would otherwise be overwritten.
        rows = rows.select_for_update()
    # Cast to plain text: the raw tokens, which the fields would decrypt.
    raw = {f"raw_{field.attname}": Cast(field.attname, output_field=TextField()) for field in columns}
    batch = list(rows.annotate(**raw).values_list("pk", *raw.keys())[:size])
    if not batch:
        return Batch(rows=0, last_pk=after, stale=0)
    changes: dict[str, dict[Any, str]] = {field.attname: {} for field in columns}
    for pk, *tokens in batch:
        for field, token in zip(columns, tokens, strict=True):
            if not token:
                continue
            try:
                fresh = reencrypted(token)
            except InvalidToken:
                raise Unreadable(table=model._meta.db_table, pk=pk, field=field.attname) from None
            if fresh is not None:
                changes[field.attname][pk] = fresh
    if write:
        for name, tokens_by_pk in changes.items():
            if tokens_by_pk:
                # One UPDATE per field and batch; the tokens are written as text, not encrypted again.
                model._base_manager.filter(pk__in=list(tokens_by_pk)).update(
                    **{
                        name: Case(
                            *(When(pk=pk, then=Value(token)) for pk, token in tokens_by_pk.items()),
                            output_field=TextField(),
                        )
                    }
                )
    return Batch(rows=len(batch), last_pk=batch[-1][0], stale=sum(len(tokens) for tokens in changes.values()))


class Command(BaseCommand):
    help = "Re-encrypt every personal field under the current key (old keys kept as fallbacks until it is done)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument(
            "--check", action="store_true", help="change nothing: count the values not under the current key"
        )

    def handle(self, *args: object, **options: Any) -> None:
        size = options["batch_size"]
        if not 1 <= size <= 10_000:
            raise CommandError("--batch-size must be between 1 and 10000.")
        write = not options["check"]
        tables = encrypted_columns()
        totals = {model: in_database(lambda model=model: model._base_manager.count()) for model, _columns in tables}
        keys = len(field_keys())
        self.stdout.write(
            f"{'Re-encrypting' if write else 'Checking'} {len(tables)} tables, {sum(totals.values())} rows, "
            f"under the current key ({keys - 1} fallback key{'s' if keys != 2 else ''} to read older values)."
        )
        stale_total = 0
        for number, (model, columns) in enumerate(tables, start=1):
            self.stdout.write(
                f"[{number}/{len(tables)}] {model._meta.db_table} ({', '.join(field.attname for field in columns)}): "
                f"{totals[model]} rows"
            )
            self.progress = (model._meta.db_table, 0)
            try:
                stale_total += self._table(
                    model, columns, total=totals[model], tables_after=len(tables) - number, size=size, write=write
                )
            except Unreadable as exc:
                done_before = "Nothing of its batch was written; what was done before it stays done. " if write else ""
                raise CommandError(
                    f"{exc}. {done_before}Put the key it was written with in FIELD_ENCRYPTION_KEY_FALLBACKS or "
                    "SECRET_KEY_FALLBACKS and run again."
                ) from None
            except KeyboardInterrupt:
                table, done = self.progress
                raise CommandError(
                    f"Interrupted in {table} after {done} rows; the batches done are saved. Run it again to "
                    "finish; keep the fallback keys until it ends."
                ) from None
        if write:
            self.stdout.write(
                f"Done: {stale_total} values re-encrypted; every personal field is under the current key. Run "
                "`rotate_encryption_key --check` once every process runs with the new key, then remove the fallbacks."
            )
        elif stale_total:
            raise CommandError(
                f"{stale_total} values are not under the current key yet: keep the fallback keys and run "
                "rotate_encryption_key."
            )
        else:
            self.stdout.write("0 values left under an old key: the fallback keys can be removed.")

    def _table(
        self,
        model: type[models.Model],
        columns: list[models.Field],
        *,
        total: int,
        tables_after: int,
        size: int,
        write: bool,
    ) -> int:
        """One table, batch after batch: the number of values found under an old key."""
        done, stale, after = 0, 0, None
        while True:
            batch = in_database(
                lambda after=after: rotate_batch(model=model, columns=columns, after=after, size=size, write=write)
            )
            if not batch.rows:
                return stale
            done, stale, after = done + batch.rows, stale + batch.stale, batch.last_pk
            self.progress = (model._meta.db_table, done)
            self.stdout.write(
                f"  {done} rows checked, {stale} values {'re-encrypted' if write else 'not under the current key'}, "
                f"{max(total - done, 0)} rows left in this table, {tables_after} tables after it"
            )
