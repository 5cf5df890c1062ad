"""Both shelters' Annex 2 after a transfer, and the second wall on consents and transfers."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from indicators.aggregation import compute_indicator_values
from shelters.scopes import no_shelter_scope, shelter_scope
from tests.transfers.conftest import TRANSFER_DAY
from transfers import services
from transfers.models import Consent, Transfer

pytestmark = pytest.mark.django_db

JAN, FEB, MAR, APR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)


@pytest.fixture
def accepted(case_a, transfer_consent, caseworker_a, caseworker_b, shelter_b):
    transfer = services.transfer_propose(
        actor=caseworker_a,
        victim=case_a,
        data={"to_shelter": shelter_b, "date": TRANSFER_DAY, "share": ["sex", "tip_victim", "exploitation_types"]},
    )
    return services.transfer_accept(actor=caseworker_b, transfer=transfer)


def test_both_shelters_annex2_count_the_transfer_right(accepted, shelter_a, shelter_b):
    values = compute_indicator_values(first_month=JAN, last_month=APR, shelter_ids=[shelter_a.pk, shelter_b.pk])
    sender = {month: values[shelter_a.pk, month] for month in (JAN, FEB, MAR, APR)}
    receiver = {month: values[shelter_b.pk, month] for month in (JAN, FEB, MAR, APR)}

    # The sender: served from January to the transfer's month, transferred in March, not reintegrated, gone in April.
    assert [sender[month]["victims_served"] for month in (JAN, FEB, MAR, APR)] == [1, 1, 1, 0]
    assert [sender[month]["victims_transferred"] for month in (JAN, FEB, MAR, APR)] == [0, 0, 1, 0]
    assert sender[MAR]["victims_reintegrated"] == 0
    assert sender[JAN]["new_victims"] == 1 and sender[MAR]["new_victims"] == 0
    # The receiver: a new TIP victim from March on, and no transfer of its own.
    assert [receiver[month]["victims_served"] for month in (JAN, FEB, MAR, APR)] == [0, 0, 1, 1]
    assert [receiver[month]["new_victims"] for month in (JAN, FEB, MAR, APR)] == [0, 0, 1, 0]
    assert receiver[MAR]["tip_victims_served"] == 1
    assert receiver[MAR]["tip_crime_sexual_exploitation"] == 1
    assert all(receiver[month]["victims_transferred"] == 0 for month in (JAN, FEB, MAR, APR))
    # Nationality was not shared: the receiver counts her where none is recorded, as the spec says.
    assert receiver[MAR]["origin_other"] == 1


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def _execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's")


@postgres_only
def test_row_level_security_is_on_and_forced_on_both_tables():
    tables = [Consent._meta.db_table, Transfer._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(%s)", [tables]
        )
        assert {name: (enabled, forced) for name, enabled, forced in cursor.fetchall()} == dict.fromkeys(
            tables, (True, True)
        )


@postgres_only
@pytest.mark.parametrize("model", [Consent, Transfer], ids=["consent", "transfer"])
def test_without_the_setting_a_query_sees_and_changes_nothing(model, accepted, shelter_a):
    table = model._meta.db_table
    stored = _count(table)
    assert stored >= 1
    with no_shelter_scope():
        assert _count(table) == 0
        assert _execute(f"UPDATE {table} SET updated_at = now()") == 0
        assert _execute(f"DELETE FROM {table}") == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Consent.objects.create(
                victim_id=accepted.victim_id, shelter_id=shelter_a.pk, purpose="transfer", given_on=date(2026, 3, 1)
            ) if model is Consent else _execute(
                "INSERT INTO transfers_transfer (id, shelter_id, to_shelter_id, date, share, status, created_at,"
                " updated_at) VALUES (gen_random_uuid(), %s, %s, '2026-03-01', '', 'proposed', now(), now())",
                [shelter_a.pk, accepted.to_shelter_id],
            )
    assert _count(table) == stored


@postgres_only
def test_a_consent_is_its_shelters_and_a_transfer_both_sides_and_nobody_elses(
    accepted, shelter_a, shelter_b, shelter_c
):
    with shelter_scope([shelter_a.pk]):
        assert Consent.objects.count() == 1
        assert Transfer.objects.count() == 1
    with shelter_scope([shelter_b.pk]):
        assert Consent.objects.count() == 0
        assert Transfer.objects.count() == 1
        # The receiver cannot hand a transfer to a shelter it is not itself in (WITH CHECK).
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _execute("UPDATE transfers_transfer SET to_shelter_id = %s", [shelter_c.pk])
    with shelter_scope([shelter_c.pk]):
        assert Consent.objects.count() == 0
        assert Transfer.objects.count() == 0
        assert _execute("UPDATE transfers_transfer SET status = 'cancelled'") == 0


def test_a_consent_can_be_recorded_withdrawn_once_and_never_before_it_was_given(case_a, caseworker_a):
    from django.core.exceptions import ValidationError

    consent = services.consent_record(
        actor=caseworker_a, victim=case_a, data={"purpose": "transfer", "given_on": date(2026, 3, 1)}
    )
    with pytest.raises(ValidationError) as refused:
        services.consent_withdraw(actor=caseworker_a, consent=consent, on=date(2026, 2, 1))
    assert "withdrawn_on" in refused.value.message_dict
    services.consent_withdraw(actor=caseworker_a, consent=consent, on=date(2026, 3, 5))
    with pytest.raises(ValidationError):
        services.consent_withdraw(actor=caseworker_a, consent=consent, on=date(2026, 3, 6))
    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2026, 3, 5) and consent.recorded_by == caseworker_a
    assert not consent.is_valid_on(date(2026, 3, 5)) and consent.is_valid_on(date(2026, 3, 4))
