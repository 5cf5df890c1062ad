"""rotate_encryption_key: every personal field under the new key, resumable, refusing what no key reads."""

from datetime import date
from io import StringIO

import pytest
from cryptography.fernet import InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from shelters.encryption import _derive, encrypted_columns
from shelters.management.commands import rotate_encryption_key
from shelters.models import FollowUp, LegalAction, Referral, Service, Victim

from ..factories import FollowUpFactory, LegalActionFactory, ReferralFactory, ServiceFactory, VictimFactory

SECRET = "test-only-secret-key-not-for-production-0123456789abcdef"
OLD_SALT, NEW_SALT = "the-old-field-encryption-key", "the-new-field-encryption-key"
NEW_SECRET = "the-new-secret-key-for-tests-only-0123456789abcdefghijklmnopqrstuv"


def use_keys(settings, *, secret=SECRET, secret_fallbacks=(), salts=(OLD_SALT,)):
    settings.SECRET_KEY = secret
    settings.SECRET_KEY_FALLBACKS = list(secret_fallbacks)
    settings.SALT_KEY = list(salts)


def tokens():
    """Every stored personal value, raw: {(table, column, id): token}."""
    found = {}
    with connection.cursor() as cursor:
        for model, columns in encrypted_columns():
            for field in columns:
                cursor.execute(
                    f"SELECT id, {field.column} FROM {model._meta.db_table} WHERE {field.column} IS NOT NULL"
                )
                found.update({(model._meta.db_table, field.column, pk): token for pk, token in cursor.fetchall()})
    return found


def readable_by(secret, salt, token):
    try:
        _derive(secret, salt).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def make_records(shelter, n=3):
    """n victims with names and notes, each with a service, a referral, a legal action and a follow-up."""
    for number in range(n):
        victim = VictimFactory(
            shelter=shelter,
            given_name=f"Rosa {number}",
            family_name="Ortega",
            notes="Llegó sola",
            exit_date=date(2007, 10, 20),
            exit_reason="reintegrated",
        )
        ServiceFactory(victim=victim, notes=f"Consulta {number}")
        ReferralFactory(victim=victim, institution=f"Centro Xochiquetzal {number}", reason="Atención médica")
        LegalActionFactory(victim=victim, reference=f"AP/PGR/{number}/2007", notes="Denuncia")
        FollowUpFactory(victim=victim, method=f"Visita {number}", notes="Bien")


def plain_values():
    return (
        sorted((v.given_name, v.family_name, v.notes) for v in Victim.objects.all()),
        sorted(s.notes for s in Service.objects.all()),
        sorted((r.institution, r.reason) for r in Referral.objects.all()),
        sorted((a.reference, a.notes) for a in LegalAction.objects.all()),
        sorted((f.method, f.notes) for f in FollowUp.objects.all()),
    )


def run(*args):
    out = StringIO()
    call_command("rotate_encryption_key", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("new_keys", "readable_by_new"),
    [
        # FIELD_ENCRYPTION_KEY rotated, the old one in FIELD_ENCRYPTION_KEY_FALLBACKS
        ({"salts": (NEW_SALT, OLD_SALT)}, (SECRET, NEW_SALT)),
        # SECRET_KEY rotated, the old one in SECRET_KEY_FALLBACKS
        ({"secret": NEW_SECRET, "secret_fallbacks": (SECRET,)}, (NEW_SECRET, OLD_SALT)),
    ],
)
def test_every_personal_field_ends_under_the_new_key_and_the_fallback_can_go(
    settings, shelter_a, new_keys, readable_by_new
):
    use_keys(settings)
    make_records(shelter_a)
    before = plain_values()
    old = tokens()
    # 3 victims x 3 fields, and 2 fields each of 3 services (notes), referrals, legal actions and follow-ups.
    assert len(old) == 9 + 3 + 6 + 6 + 6

    use_keys(settings, **new_keys)
    output = run("--batch-size", "2")

    assert "Done: 30 values re-encrypted" in output
    assert "shelters_referral (institution, reason): 3 rows" in output
    assert "1 rows left in this table" in output
    new = tokens()
    assert new.keys() == old.keys()
    assert all(readable_by(*readable_by_new, token) for token in new.values())
    assert not any(readable_by(SECRET, OLD_SALT, token) for token in new.values())
    # Without the fallback, everything reads as before, and the check finds nothing left.
    use_keys(settings, secret=readable_by_new[0], salts=(readable_by_new[1],))
    assert plain_values() == before
    assert "0 values left under an old key" in run("--check")


@pytest.mark.django_db
def test_a_second_run_writes_nothing(settings, shelter_a):
    use_keys(settings)
    make_records(shelter_a, n=1)
    use_keys(settings, salts=(NEW_SALT, OLD_SALT))
    run()
    rotated = tokens()

    output = run()

    assert "Done: 0 values re-encrypted" in output
    assert tokens() == rotated


@pytest.mark.django_db
def test_check_changes_nothing_and_fails_while_values_are_under_an_old_key(settings, shelter_a):
    use_keys(settings)
    make_records(shelter_a, n=1)
    use_keys(settings, salts=(NEW_SALT, OLD_SALT))
    old = tokens()

    with pytest.raises(CommandError, match="10 values are not under the current key yet: keep the fallback keys"):
        run("--check")

    assert tokens() == old


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_run_keeps_its_batches_and_the_next_run_finishes(settings, shelter_a, monkeypatch):
    use_keys(settings)
    make_records(shelter_a, n=4)
    before = plain_values()
    use_keys(settings, salts=(NEW_SALT, OLD_SALT))
    real_batch = rotate_encryption_key.rotate_batch
    calls = []

    def interrupted_in_the_second_table(**kwargs):
        batch = real_batch(**kwargs)  # its UPDATE has run: the interruption must undo it
        calls.append(batch)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return batch

    monkeypatch.setattr(rotate_encryption_key, "rotate_batch", interrupted_in_the_second_table)

    # The follow-ups come first: two batches of 2 rows, 2 values each, and the empty one that ends the table;
    # the fourth batch is the legal actions' first.
    with pytest.raises(CommandError, match="Interrupted in shelters_legalaction after 0 rows; the batches done"):
        run("--batch-size", "2")

    new = [token for token in tokens().values() if readable_by(SECRET, NEW_SALT, token)]
    assert len(new) == 8  # the two committed batches, 4 follow-ups x (method, notes); the fourth rolled back
    monkeypatch.setattr(rotate_encryption_key, "rotate_batch", real_batch)

    output = run("--batch-size", "2")

    assert "Done: 32 values re-encrypted" in output  # 40 in all; the 8 done before are only checked
    use_keys(settings, salts=(NEW_SALT,))
    assert plain_values() == before


@pytest.mark.django_db
def test_a_value_no_key_reads_stops_the_run_naming_its_table_and_id_never_the_value(settings, shelter_a):
    use_keys(settings, salts=("a-key-nobody-kept",))
    victim = VictimFactory(shelter=shelter_a, given_name="Guadalupe")
    use_keys(settings)
    ServiceFactory(victim=victim, notes="Consulta")  # under the old key, readable through the fallback
    use_keys(settings, salts=(NEW_SALT, OLD_SALT))
    before = tokens()

    with pytest.raises(CommandError) as refused:
        run()

    message = str(refused.value)
    assert f"shelters_victim id {victim.pk}: given_name can be read by no key, current or fallback" in message
    assert "Guadalupe" not in message and before[("shelters_victim", "given_name", victim.pk)] not in message
    # The tables before it are done; nothing of the refused batch was written.
    after = tokens()
    assert readable_by(SECRET, NEW_SALT, after[("shelters_service", "notes", victim.services.get().pk)])
    assert after[("shelters_victim", "given_name", victim.pk)] == before[("shelters_victim", "given_name", victim.pk)]


@pytest.mark.django_db
def test_plain_text_left_in_an_encrypted_column_is_refused_too(settings, shelter_a):
    referral = ReferralFactory(victim=VictimFactory(shelter=shelter_a))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE shelters_referral SET institution = 'DIF' WHERE id = %s", [referral.pk])

    with pytest.raises(CommandError, match=f"shelters_referral id {referral.pk}: institution can be read by no key"):
        run()


@pytest.mark.django_db
def test_a_batch_size_out_of_range_is_refused(db):
    with pytest.raises(CommandError, match="--batch-size must be between 1 and 10000"):
        run("--batch-size", "0")
