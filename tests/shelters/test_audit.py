from datetime import date, timedelta

import pytest
from django.utils import timezone

from shelters import services
from shelters.audit import audit_refusal, close_refusal_minutes
from shelters.models import AuditEntry, RefusalTally, Service

from ..factories import VictimFactory

pytestmark = pytest.mark.django_db

PERSONAL_VALUES = ("Guadalupe", "Ortega", "secret note")


def assert_no_personal_values_in(entry: AuditEntry) -> None:
    text = f"{entry.fields} {entry.record_id} {entry.record_type} {entry.channel}"
    for value in PERSONAL_VALUES:
        assert value not in text


def test_creating_a_victim_is_audited_with_field_names_only(shelter_a, caseworker_a):
    victim = services.victim_create(
        actor=caseworker_a,
        shelter=shelter_a,
        data={"intake_date": date(2007, 10, 1), "given_name": "Guadalupe", "family_name": "Ortega"},
        channel="api",
    )

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_username, entry.action) == (caseworker_a, "alice", "create")
    assert (entry.record_type, entry.record_id, entry.shelter) == ("victim", str(victim.pk), shelter_a)
    assert entry.fields == ["family_name", "given_name", "intake_date"]
    assert entry.channel == "api"
    assert_no_personal_values_in(entry)


def test_changing_a_victim_lists_only_the_changed_fields(shelter_a, caseworker_a):
    victim = services.victim_create(
        actor=caseworker_a, shelter=shelter_a, data={"intake_date": date(2007, 10, 1), "given_name": "Guadalupe"}
    )

    services.record_update(
        actor=caseworker_a,
        record=victim,
        data={"given_name": "Guadalupe", "family_name": "Ortega", "notes": "secret note", "sex": "female"},
    )

    change = AuditEntry.objects.get(action="change")
    assert change.fields == ["family_name", "notes", "sex"]
    assert_no_personal_values_in(change)


def test_an_update_that_changes_nothing_writes_no_entry(shelter_a, caseworker_a):
    victim = VictimFactory(shelter=shelter_a, sex="female")

    services.record_update(actor=caseworker_a, record=victim, data={"sex": "female"})

    assert not AuditEntry.objects.exists()


def test_deleting_a_victim_audits_the_victim_and_the_records_it_takes_along(shelter_a, caseworker_a):
    victim = VictimFactory(shelter=shelter_a)
    service = services.record_create(
        actor=caseworker_a, model=Service, data={"victim": victim, "date": date(2007, 10, 2), "category": "legal"}
    )

    victim_id, service_id = str(victim.pk), str(service.pk)

    services.record_delete(actor=caseworker_a, record=victim)

    deletes = AuditEntry.objects.filter(action="delete")
    assert {(entry.record_type, entry.record_id) for entry in deletes} == {
        ("victim", victim_id),
        ("service", service_id),
    }
    assert not Service.objects.exists()


def test_viewing_personal_fields_is_audited(shelter_a, caseworker_a):
    from shelters.audit import audit_views

    victims = [VictimFactory(shelter=shelter_a), VictimFactory(shelter=shelter_a)]

    audit_views(actor=caseworker_a, records=victims, channel="web")

    views = AuditEntry.objects.filter(action="view").order_by("record_id")
    assert sorted(entry.record_id for entry in views) == sorted(str(v.pk) for v in victims)
    assert all(entry.fields == ["family_name", "given_name", "notes"] for entry in views)


def test_viewing_a_page_of_victims_is_one_insert(shelter_a, caseworker_a, django_assert_num_queries):
    from shelters.audit import audit_views

    victims = [VictimFactory(shelter=shelter_a) for _ in range(20)]

    # One INSERT for the whole page, however many rows it shows.
    with django_assert_num_queries(1):
        audit_views(actor=caseworker_a, records=victims, channel="api")


def test_a_superuser_is_audited_like_everyone(shelter_a, caseworker_a):
    caseworker_a.is_superuser = True
    caseworker_a.save()

    services.victim_create(actor=caseworker_a, shelter=shelter_a, data={"intake_date": date(2007, 10, 1)})

    assert AuditEntry.objects.get().actor == caseworker_a


@pytest.fixture(params=["postgresql", "orm"])
def insert_path(request, monkeypatch):
    """PostgreSQL builds the entries from arrays in one statement; other databases (the demo) use bulk_create."""
    from django.db import connection

    if request.param == "orm":
        monkeypatch.setattr(connection, "vendor", "sqlite")
    elif connection.vendor != "postgresql":
        pytest.skip("the array INSERT is PostgreSQL's")
    return request.param


def entry_rows() -> set[tuple]:
    """Every stored entry but its time, with its field names as a tuple."""
    rows = AuditEntry.objects.values_list(
        "actor_id", "actor_username", "shelter_id", "action", "record_type", "record_id", "fields", "channel"
    )
    return {(*row[:6], tuple(row[6]), row[7]) for row in rows}


def test_a_bulk_create_writes_every_entry_in_full(insert_path, shelter_a, caseworker_a, django_assert_num_queries):
    victim = VictimFactory(shelter=shelter_a, intake_date=date(2007, 10, 1))
    items = [{"victim": victim, "date": date(2007, 10, day), "category": "legal", "notes": "x"} for day in (2, 3)]

    created = services.records_create_bulk(actor=caseworker_a, model=Service, items=items, channel="api")

    shelter_id = shelter_a.pk
    assert entry_rows() == {
        (
            caseworker_a.pk,
            "alice",
            shelter_id,
            "create",
            "service",
            str(record.pk),
            ("category", "date", "notes", "victim"),
            "api",
        )
        for record in created
    }
    entries = list(AuditEntry.objects.all())
    assert len(entries) == 2 and entries[0].at == entries[1].at is not None


def test_a_page_of_mixed_records_is_one_insert_with_each_records_fields(
    insert_path, shelter_a, caseworker_a, django_assert_num_queries
):
    from shelters.audit import audit_views
    from shelters.models import Training

    victim = VictimFactory(shelter=shelter_a, intake_date=date(2007, 10, 1))
    service = Service.objects.create(shelter=shelter_a, victim=victim, date=date(2007, 10, 2), category="legal")
    training = Training.objects.create(
        shelter=shelter_a, date=date(2007, 10, 3), institution="DIF", sector="private", attendees=3
    )

    with django_assert_num_queries(1):
        audit_views(actor=caseworker_a, records=[victim, service, training], channel="web")

    # A training holds no personal data: no entry for it.
    assert entry_rows() == {
        (
            caseworker_a.pk,
            "alice",
            shelter_a.pk,
            "view",
            "victim",
            str(victim.pk),
            ("family_name", "given_name", "notes"),
            "web",
        ),
        (caseworker_a.pk, "alice", shelter_a.pk, "view", "service", str(service.pk), ("notes",), "web"),
    }


def test_an_actor_without_an_account_is_written_as_none(insert_path, shelter_a):
    from shelters.audit import audit_views

    victim = VictimFactory(shelter=shelter_a)

    audit_views(actor=None, records=[victim], channel="import")

    assert entry_rows() == {
        (None, "", shelter_a.pk, "view", "victim", str(victim.pk), ("family_name", "given_name", "notes"), "import")
    }


def test_a_write_sets_only_editable_fields_and_audits_only_those(shelter_a, caseworker_a):
    victim = VictimFactory(shelter=shelter_a, sex="female")
    code = victim.case_code

    services.record_update(actor=caseworker_a, record=victim, data={"case_code": "XX-99999", "sex": "male"})

    victim.refresh_from_db()
    assert (victim.case_code, victim.sex) == (code, "male")
    assert AuditEntry.objects.get(action="change").fields == ["sex"]


# --- Refusals: counted beside the trail ------------------------------------------------------------------------


def test_a_flood_of_refusals_writes_a_handful_of_entries(insert_path, monkeypatch):
    # The demo's path costs a few queries a refusal: a shorter flood shows the same.
    flood_size = 1000 if insert_path == "postgresql" else 100
    milestones = [1, 10, 100, 1000][: len(str(flood_size))]
    minute = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: minute)
    for _ in range(flood_size):
        audit_refusal(actor=None, record_type="victim", status=404, channel="api", address="203.0.113.5")
    audit_refusal(actor=None, record_type="victim", status=404, channel="api", address="203.0.113.6")

    flood = AuditEntry.objects.filter(address="203.0.113.5").order_by("id")
    assert list(flood.values_list("repeats", flat=True)) == milestones
    assert RefusalTally.objects.get(who="address:203.0.113.5").count == flood_size

    # Once the minute is over, its total is written where it passed the last entry, and the count forgotten.
    assert close_refusal_minutes(now=minute) == 0
    audit_refusal(actor=None, record_type="victim", status=404, channel="api", address="203.0.113.5")
    assert close_refusal_minutes(now=minute + timedelta(minutes=2)) == 1
    assert list(flood.values_list("repeats", flat=True)) == [*milestones, flood_size + 1]
    assert AuditEntry.objects.filter(address="203.0.113.6").count() == 1
    assert not RefusalTally.objects.exists()
