"""Recompute the names' blind index of every victim: after BLIND_INDEX_KEY changed, or to repair it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from shelters.blind_index import index_values
from shelters.models import Victim
from shelters.scopes import every_shelter_scope

BATCH = 1000
INDEX_FIELDS = ["given_name_key", "full_name_key", "name_words"]


class Command(BaseCommand):
    help = "Recompute the blind index of victims' names (decrypts each name once, in batches of 1,000)."

    def handle(self, *args: Any, **options: Any) -> None:
        count, last_pk = 0, None
        while True:
            # The operator's command line: every shelter's victims (row-level security, shelters.scopes), one
            # transaction per batch.
            with every_shelter_scope(), transaction.atomic():
                rows = Victim.objects.order_by("pk").only("pk", "given_name", "family_name", *INDEX_FIELDS)
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows[:BATCH])
                if not batch:
                    break
                for victim in batch:
                    for name, value in index_values(victim.given_name, victim.family_name).items():
                        setattr(victim, name, value)
                Victim.objects.bulk_update(batch, INDEX_FIELDS)
            count += len(batch)
            last_pk = batch[-1].pk
        self.stdout.write(f"Name index rebuilt for {count} victims.")
