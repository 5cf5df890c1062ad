"""Time the case search and the duplicate check at 20,000 cases in one shelter (target: under 100 ms each).

    createdb -h 127.0.0.1 -U postgres proteja_bench_search
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/proteja_bench_search python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/proteja_bench_search python manage.py bench_case_search

Builds (once; `--rebuild` to start again) a shelter "bench-search" whose cases carry names drawn from
common Mexican given and family names, so that many share a word, as real names do. Then times, through
the same selectors as the pages (the one door, a caseworker of that shelter), the search of the case list
(whole words, at most 100 rows, names decrypted only for the rows shown) and the duplicate check, and for
comparison the former search that decrypted every case of the shelter. Prints the median of the runs.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

SHELTER_SLUG = "bench-search"
GIVEN = (
    "María Guadalupe Juana Margarita Verónica Rosa Leticia Alejandra Patricia Elizabeth Gabriela Adriana Silvia "
    "Yolanda Araceli Claudia Sandra Lucía Norma Martha Carmen Teresa Fernanda Daniela Karla Brenda Mónica Paola "
    "Ana Isabel Sofía Valeria Ximena Itzel Citlali Xóchitl Andrea Diana Laura Luz Sol Esperanza Dolores"
).split()
FAMILY = (
    "Hernández García Martínez López González Pérez Rodríguez Sánchez Ramírez Cruz Flores Gómez Morales Vázquez "
    "Reyes Jiménez Torres Díaz Gutiérrez Ruiz Mendoza Aguilar Ortiz Moreno Castillo Romero Álvarez Méndez Chávez "
    "Rivera Juárez Ramos Domínguez Herrera Medina Castro Vargas Guzmán Velázquez Muñoz Rojas Núñez Salazar"
).split()


class Command(BaseCommand):
    help = "Time the case search and the duplicate check at 20,000 cases in one shelter."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--cases", type=int, default=20_000)
        parser.add_argument("--runs", type=int, default=31)
        parser.add_argument("--rebuild", action="store_true", help="delete the bench shelter's cases and build again")

    def handle(self, *args: Any, **options: Any) -> None:
        from shelters.models import Membership, Role, Shelter, User, Victim

        shelter, _created = Shelter.objects.get_or_create(slug=SHELTER_SLUG, defaults={"name": "Bench search"})
        user, _created = User.objects.get_or_create(username="bench-search", defaults={"role": Role.CASEWORKER})
        Membership.objects.get_or_create(user=user, shelter=shelter)
        if options["rebuild"] or Victim.objects.filter(shelter=shelter).count() != options["cases"]:
            self._build(shelter, options["cases"])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE shelters_victim")
        self._measure(user, shelter, options["runs"], options["cases"])

    def _build(self, shelter: Any, count: int) -> None:
        from shelters.blind_index import index_values
        from shelters.models import Victim

        started = time.perf_counter()
        rng = random.Random(12)
        with transaction.atomic():
            Victim.objects.filter(shelter=shelter, primary_victim__isnull=False).delete()
            Victim.objects.filter(shelter=shelter).delete()
            batch = []
            for number in range(1, count + 1):
                given = " ".join(rng.sample(GIVEN, rng.choice((1, 1, 2))))
                family = " ".join(rng.sample(FAMILY, 2))
                intake = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
                victim = Victim(
                    shelter=shelter,
                    case_code=f"BS-{number:05d}",
                    given_name=given,
                    family_name=family,
                    birth_year=rng.randrange(1960, 2020),
                    intake_date=intake,
                    **index_values(given, family),
                )
                if rng.random() < 0.6:
                    victim.exit_date, victim.exit_reason = intake + timedelta(days=rng.randrange(1, 200)), "other"
                batch.append(victim)
                if len(batch) == 2000:
                    Victim.objects.bulk_create(batch)
                    batch = []
            Victim.objects.bulk_create(batch)
            type(shelter).objects.filter(pk=shelter.pk).update(last_case_number=count)
        self.stdout.write(f"Built {count} cases in {time.perf_counter() - started:.1f} s")

    def _measure(self, user: Any, shelter: Any, runs: int, count: int) -> None:
        from shelters.blind_index import fold
        from shelters.selectors import possible_duplicates, victims_named, victims_visible_to

        cases = victims_visible_to(user).filter(shelter=shelter).order_by("-intake_date", "-case_code")

        def search_common() -> int:
            # As the case list does: at most 100 rows, each with its names decrypted for display.
            rows = list(victims_named(cases, "María López")[:100])
            return len([f"{row.given_name} {row.family_name}" for row in rows])

        def search_rare() -> int:
            rows = list(victims_named(cases, "Citlali Rojas")[:100])
            return len([f"{row.given_name} {row.family_name}" for row in rows])

        def duplicates() -> int:
            found = possible_duplicates(
                user=user, shelter=shelter, given_name="María", family_name="López Núñez", birth_year=1990
            )
            return len(list(found.only("id", "case_code", "intake_date", "exit_date")))

        def decrypt_all() -> int:
            words = fold("María López").split()
            found = 0
            for victim in cases.iterator(chunk_size=500):
                text = fold(f"{victim.given_name or ''} {victim.family_name or ''}")
                found += all(word in text.split() for word in words)
            return found

        self.stdout.write(f"{count} cases in one shelter; median of {runs} runs (min–max)")
        for label, operation, times in (
            ('search, a common name ("María López", 100 rows shown)', search_common, runs),
            ('search, a rarer name ("Citlali Rojas")', search_rare, runs),
            ("duplicate check (full name, or given name + year)", duplicates, runs),
            ("for comparison: the former search, decrypting every case", decrypt_all, 3),
        ):
            self._time(label, operation, times)

    def _time(self, label: str, operation: Callable[[], int], runs: int) -> None:
        operation()  # warm-up: connection, plans, caches
        timings = []
        for _run in range(runs):
            started = time.perf_counter()
            result = operation()
            timings.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"  {label}: {statistics.median(timings):.1f} ms ({min(timings):.1f}–{max(timings):.1f}), {result} found"
        )
