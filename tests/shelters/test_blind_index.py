"""The names' keyed blind index: filled on every write and by the migration, matched without decrypting."""

from __future__ import annotations

import importlib
import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from shelters import blind_index, services
from shelters.models import Victim
from shelters.scopes import no_shelter_scope
from shelters.selectors import possible_duplicates, victims_named, victims_visible_to
from tests.factories import VictimFactory

pytestmark = pytest.mark.django_db


def register(shelter, actor, **data):
    return services.victim_create(actor=actor, shelter=shelter, data={"intake_date": date(2026, 1, 5), **data})


def test_folding_drops_case_accents_and_punctuation():
    assert blind_index.fold("  Núñez-GARCÍA  de la Peña ") == "nunez garcia de la pena"
    assert blind_index.fold(None) == ""


def test_the_index_holds_digests_never_the_name(shelter_a, caseworker_a):
    victim = register(shelter_a, caseworker_a, given_name="Guadalupe", family_name="Núñez")
    row = Victim.objects.filter(pk=victim.pk).values("given_name_key", "full_name_key", "name_words").get()
    stored = " ".join(row.values())
    assert "guadalupe" not in stored.lower() and "nunez" not in stored.lower()
    assert len(row["full_name_key"]) == 32 and row["name_words"].count(",") == 3


def test_the_digests_depend_on_the_key(settings):
    first = blind_index.full_name_key("Rosa", "López")
    settings.BLIND_INDEX_KEY = "another-key"
    assert blind_index.full_name_key("Rosa", "López") != first
    assert blind_index.full_name_key("rosa", "LOPEZ") == blind_index.full_name_key("Rosa", "López")


def test_a_change_of_name_moves_the_index(shelter_a, caseworker_a):
    victim = register(shelter_a, caseworker_a, given_name="Rosa", family_name="López")
    services.record_update(actor=caseworker_a, record=victim, data={"family_name": "Pérez"})
    named = victims_visible_to(caseworker_a).filter(shelter=shelter_a)
    assert list(victims_named(named, "perez")) == [victim]
    assert not victims_named(named, "lopez").exists()


def test_the_search_needs_every_whole_word(shelter_a, caseworker_a):
    rosa = register(shelter_a, caseworker_a, given_name="Rosa María", family_name="López")
    register(shelter_a, caseworker_a, given_name="Rosa", family_name="Pérez")
    named = victims_visible_to(caseworker_a).filter(shelter=shelter_a)
    assert list(victims_named(named, "MARIA rosa")) == [rosa]
    assert victims_named(named, "rosa").count() == 2
    assert not victims_named(named, "ros").exists()  # whole words only
    assert not victims_named(named, "  ").exists()


@pytest.mark.parametrize(
    ("given", "family", "year", "found"),
    [
        ("guadalupe", "NUÑEZ", None, True),  # same folded full name, whatever the year
        ("Guadalupe", "Ortega", 1990, True),  # same given name and birth year
        ("Guadalupe", "Ortega", 1991, False),
        ("Guadalupe", "", None, False),  # a given name alone, without a year, is not enough
        ("Lupe", "Núñez", 1990, False),
    ],
)
def test_possible_duplicates_follow_the_two_rules(shelter_a, caseworker_a, given, family, year, found):
    existing = register(shelter_a, caseworker_a, given_name="Guadalupe", family_name="Núñez", birth_year=1990)
    matches = possible_duplicates(
        user=caseworker_a, shelter=shelter_a, given_name=given, family_name=family, birth_year=year
    )
    assert list(matches) == ([existing] if found else [])


def test_possible_duplicates_include_closed_cases_and_stay_in_the_shelter(
    shelter_a, shelter_b, caseworker_a, caseworker_b
):
    closed = register(
        shelter_a,
        caseworker_a,
        given_name="Rosa",
        family_name="López",
        exit_date=date(2026, 2, 1),
        exit_reason="reintegrated",
    )
    register(shelter_b, caseworker_b, given_name="Rosa", family_name="López")
    found = possible_duplicates(
        user=caseworker_a, shelter=shelter_a, given_name="Rosa", family_name="López", birth_year=None
    )
    assert list(found) == [closed]
    # A shelter the user does not belong to shows nothing, even when asked for by name.
    assert not possible_duplicates(
        user=caseworker_a, shelter=shelter_b, given_name="Rosa", family_name="López", birth_year=None
    ).exists()


def test_the_duplicate_check_is_one_query(shelter_a, caseworker_a, django_assert_num_queries):
    VictimFactory.create_batch(5, shelter=shelter_a, given_name="Rosa", family_name="López")
    # the victims with either key, in the user's shelters (one SELECT with a membership subquery)
    with django_assert_num_queries(1):
        found = list(
            possible_duplicates(
                user=caseworker_a, shelter=shelter_a, given_name="Rosa", family_name="López", birth_year=None
            )
        )
    assert len(found) == 5


def _clear_index():
    Victim.objects.update(given_name_key="", full_name_key="", name_words="")


def test_the_migration_fills_the_index_of_existing_rows_and_can_run_again(shelter_a, caseworker_a):
    victim = register(shelter_a, caseworker_a, given_name="Rosa", family_name="López", birth_year=1990)
    expected = Victim.objects.filter(pk=victim.pk).values("given_name_key", "full_name_key", "name_words").get()
    _clear_index()
    migration = importlib.import_module("shelters.migrations.0010_fill_victim_name_blind_index")
    schema_editor = SimpleNamespace(connection=connection)  # what the migration reads of it
    migration.fill(apps, schema_editor)
    migration.fill(apps, schema_editor)
    assert Victim.objects.filter(pk=victim.pk).values("given_name_key", "full_name_key", "name_words").get() == expected


def test_rebuild_name_index_follows_a_new_key(shelter_a, caseworker_a, settings):
    victim = register(shelter_a, caseworker_a, given_name="Rosa", family_name="López")
    settings.BLIND_INDEX_KEY = "the-new-key"
    named = victims_visible_to(caseworker_a).filter(shelter=shelter_a)
    assert not victims_named(named, "rosa").exists()
    out = io.StringIO()
    call_command("rebuild_name_index", stdout=out)
    assert "1 victims" in out.getvalue()
    assert list(victims_named(named, "rosa")) == [victim]


def test_rebuild_name_index_reads_every_shelter_past_the_second_wall(shelter_a, caseworker_a, settings):
    """The command is the operator's: it does its work in a scope of every shelter, whatever scope it runs in."""
    register(shelter_a, caseworker_a, given_name="Rosa", family_name="López")
    settings.BLIND_INDEX_KEY = "the-new-key"
    out = io.StringIO()
    with no_shelter_scope():
        call_command("rebuild_name_index", stdout=out)
    assert "1 victims" in out.getvalue()
