"""Migrations 0005 and 0006: identifying text written before them is encrypted, and the reverse decrypts it."""

import importlib
import uuid
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shelters.encryption import field_fernet

BEFORE = ("shelters", "0004_account_events_in_audit")
AFTER = ("shelters", "0006_identifying_text_values_encrypted")
data_migration = importlib.import_module("shelters.migrations.0006_identifying_text_values_encrypted")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def raw(table, pk, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk.hex if connection.vendor == "sqlite" else pk])
        return cursor.fetchone()[0]


@pytest.fixture
def back_to_0004(transactional_db):
    """The schema as it was before 0005; afterwards every migration again, whatever the test did."""
    apps = migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_rows_are_encrypted_and_the_reverse_decrypts_them(back_to_0004):
    apps = back_to_0004
    shelter = apps.get_model("shelters", "Shelter").objects.create(slug="shelter-m", name="Shelter M")
    victim = apps.get_model("shelters", "Victim").objects.create(
        id=uuid.uuid4(),
        shelter=shelter,
        case_code="SM-00001",
        intake_date=date(2007, 10, 1),
        exit_date=date(2007, 10, 20),
        exit_reason="reintegrated",
    )
    common = {"shelter": shelter, "victim": victim}
    referral = apps.get_model("shelters", "Referral").objects.create(
        id=uuid.uuid4(), date=date(2007, 10, 2), kind="transfer", institution="Centro Xochiquetzal", **common
    )
    with_reference, without_reference = (
        apps.get_model("shelters", "LegalAction").objects.create(
            id=uuid.uuid4(), date=date(2007, 10, 3), kind="charges_filed", crime="tip", reference=reference, **common
        )
        for reference in ("AP/PGR/123/2007", "")
    )
    follow_up = apps.get_model("shelters", "FollowUp").objects.create(
        id=uuid.uuid4(), date=date(2007, 11, 5), method="Visita en Tehuacán", **common
    )
    columns = [
        ("shelters_referral", referral.pk, "institution", "Centro Xochiquetzal"),
        ("shelters_legalaction", with_reference.pk, "reference", "AP/PGR/123/2007"),
        ("shelters_followup", follow_up.pk, "method", "Visita en Tehuacán"),
    ]

    migrate(AFTER)

    tokens = {}
    for table, pk, column, plain in columns:
        tokens[table] = raw(table, pk, column)
        assert tokens[table].startswith("gAAAA") and plain not in tokens[table]
        assert field_fernet().decrypt(tokens[table].encode()).decode() == plain
    # Empty is NULL, as the encrypted field stores it.
    assert raw("shelters_legalaction", without_reference.pk, "reference") is None
    # Through the application's own models, plain text again.
    from shelters.models import FollowUp, LegalAction, Referral

    assert Referral.objects.get(pk=referral.pk).institution == "Centro Xochiquetzal"
    assert LegalAction.objects.get(pk=with_reference.pk).reference == "AP/PGR/123/2007"
    assert FollowUp.objects.get(pk=follow_up.pk).method == "Visita en Tehuacán"

    # Run again, it changes nothing: a value some key reads is already encrypted.
    executor = MigrationExecutor(connection)
    with connection.schema_editor() as schema_editor:
        data_migration.encrypt_values(executor.loader.project_state([AFTER]).apps, schema_editor)
    assert {table: raw(table, pk, column) for table, pk, column, _plain in columns} == tokens

    migrate(BEFORE)

    for table, pk, column, plain in columns:
        assert raw(table, pk, column) == plain
    assert raw("shelters_legalaction", without_reference.pk, "reference") == ""
