from datetime import date

import pytest
from django.db import connection

from shelters import services
from shelters.models import Victim

pytestmark = pytest.mark.django_db


def raw_columns(victim_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT given_name, family_name, notes FROM shelters_victim WHERE id = %s",
            [victim_id.hex] if connection.vendor == "sqlite" else [victim_id],
        )
        return cursor.fetchone()


def test_personal_fields_never_reach_the_column_in_plain_text(shelter_a, caseworker_a):
    victim = services.victim_create(
        actor=caseworker_a,
        shelter=shelter_a,
        data={
            "intake_date": date(2007, 10, 3),
            "given_name": "Guadalupe",
            "family_name": "Ortega",
            "notes": "Llegó sola",
        },
    )

    given, family, notes = raw_columns(victim.id)

    for plain, stored in (("Guadalupe", given), ("Ortega", family), ("Llegó sola", notes)):
        assert stored and plain not in stored
        assert stored.startswith("gAAAA")  # a Fernet token
    reloaded = Victim.objects.get(pk=victim.pk)
    assert (reloaded.given_name, reloaded.family_name, reloaded.notes) == ("Guadalupe", "Ortega", "Llegó sola")


def test_empty_personal_fields_stay_empty(shelter_a, caseworker_a):
    victim = services.victim_create(actor=caseworker_a, shelter=shelter_a, data={"intake_date": date(2007, 10, 3)})

    assert raw_columns(victim.id) == (None, None, None)


def test_a_rejected_name_does_not_stop_later_names_from_being_decrypted(shelter_a, caseworker_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.victim_create(
            actor=caseworker_a, shelter=shelter_a, data={"intake_date": date(2007, 10, 3), "given_name": "x" * 101}
        )
    victim = services.victim_create(
        actor=caseworker_a, shelter=shelter_a, data={"intake_date": date(2007, 10, 3), "given_name": "Rosa"}
    )

    assert Victim.objects.get(pk=victim.pk).given_name == "Rosa"


def test_a_typed_value_is_stored_as_typed_even_when_it_looks_like_ciphertext(shelter_a, caseworker_a):
    # The library would decrypt such a value before saving it; what a caseworker typed must come back unchanged.
    typed = Victim._meta.get_field("notes").f.encrypt(b"otra cosa").decode()

    victim = services.victim_create(
        actor=caseworker_a, shelter=shelter_a, data={"intake_date": date(2007, 10, 3), "notes": typed}
    )

    assert Victim.objects.get(pk=victim.pk).notes == typed
    assert raw_columns(victim.id)[2] != typed
