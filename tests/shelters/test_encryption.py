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


# --- Identifying text of referrals, legal actions and follow-ups (issue 11, item 4) -----------------------------


def raw_value(model, pk, column):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s",
            [pk.hex] if connection.vendor == "sqlite" else [pk],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def identifying_records(shelter_a, caseworker_a):
    from shelters.models import FollowUp, LegalAction, Referral

    victim = services.victim_create(
        actor=caseworker_a,
        shelter=shelter_a,
        data={"intake_date": date(2007, 10, 3), "exit_date": date(2007, 10, 20), "exit_reason": "reintegrated"},
    )
    referral = services.record_create(
        actor=caseworker_a,
        model=Referral,
        data={"victim": victim, "date": date(2007, 10, 4), "kind": "transfer", "institution": "Centro Xochiquetzal"},
    )
    legal_action = services.record_create(
        actor=caseworker_a,
        model=LegalAction,
        data={
            "victim": victim,
            "date": date(2007, 10, 5),
            "kind": "charges_filed",
            "crime": "tip",
            "reference": "AP/PGR/123/2007",
        },
    )
    follow_up = services.record_create(
        actor=caseworker_a,
        model=FollowUp,
        data={"victim": victim, "date": date(2007, 11, 5), "method": "Visita en casa de su hermana"},
    )
    return {
        "referral": (referral, "institution", "Centro Xochiquetzal"),
        "legal_action": (legal_action, "reference", "AP/PGR/123/2007"),
        "follow_up": (follow_up, "method", "Visita en casa de su hermana"),
    }


@pytest.mark.parametrize("kind", ["referral", "legal_action", "follow_up"])
def test_identifying_text_never_reaches_the_column_in_plain_text(identifying_records, kind):
    record, field, plain = identifying_records[kind]

    stored = raw_value(type(record), record.pk, field)

    assert stored.startswith("gAAAA") and plain not in stored
    assert getattr(type(record).objects.get(pk=record.pk), field) == plain


def test_an_empty_reference_or_method_is_stored_as_null_and_answered_as_empty(shelter_a, caseworker_a, client):
    from rest_framework.test import APIClient

    from shelters.models import FollowUp, LegalAction

    victim = services.victim_create(
        actor=caseworker_a,
        shelter=shelter_a,
        data={"intake_date": date(2007, 10, 3), "exit_date": date(2007, 10, 20), "exit_reason": "reintegrated"},
    )
    api = APIClient()
    api.force_authenticate(caseworker_a)
    action = api.post(
        "/api/v1/legal-actions/",
        {"victim": str(victim.pk), "date": "2007-10-05", "kind": "sentence", "crime": "other", "reference": ""},
        format="json",
    )
    follow_up = api.post("/api/v1/follow-ups/", {"victim": str(victim.pk), "date": "2007-11-05"}, format="json")

    assert (action.status_code, follow_up.status_code) == (201, 201)
    assert (action.json()["reference"], follow_up.json()["method"]) == ("", "")
    assert raw_value(LegalAction, LegalAction.objects.get().pk, "reference") is None
    assert raw_value(FollowUp, FollowUp.objects.get().pk, "method") is None
    assert api.get("/api/v1/legal-actions/").json()["results"][0]["reference"] == ""


def test_every_personal_field_is_encrypted_and_every_encrypted_field_is_personal():
    # The README's classification says so of every case-record field; a field added later must choose.
    from django.apps import apps

    from shelters.encryption import encrypted_columns
    from shelters.models import CaseRecord

    encrypted = {(model, field.name) for model, columns in encrypted_columns() for field in columns}
    personal = {
        (model, name) for model in apps.get_models() if issubclass(model, CaseRecord) for name in model.personal_fields
    }

    assert encrypted == personal
    assert {(model.__name__, name) for model, name in encrypted} == {
        ("Victim", "given_name"),
        ("Victim", "family_name"),
        ("Victim", "notes"),
        ("Service", "notes"),
        ("Referral", "institution"),
        ("Referral", "reason"),
        ("LegalAction", "reference"),
        ("LegalAction", "notes"),
        ("FollowUp", "method"),
        ("FollowUp", "notes"),
        ("Consent", "notes"),
        ("Transfer", "reason"),
    }


@pytest.mark.parametrize(
    ("endpoint", "kind"), [("referrals", "referral"), ("legal-actions", "legal_action"), ("follow-ups", "follow_up")]
)
def test_the_api_answers_plain_text_and_audits_the_view(identifying_records, caseworker_a, endpoint, kind):
    from rest_framework.test import APIClient

    from shelters.models import AuditEntry

    record, field, plain = identifying_records[kind]
    api = APIClient()
    api.force_authenticate(caseworker_a)

    listed = api.get(f"/api/v1/{endpoint}/").json()["results"]
    one = api.get(f"/api/v1/{endpoint}/{record.pk}/").json()

    assert listed[0][field] == one[field] == plain
    views = AuditEntry.objects.filter(action="view", record_id=str(record.pk))
    assert views.count() == 2
    assert all(field in entry.fields for entry in views)


def test_another_shelters_caseworker_reads_none_of_it(identifying_records, caseworker_b):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(caseworker_b)
    referral = identifying_records["referral"][0]

    assert api.get("/api/v1/referrals/").json()["results"] == []
    response = api.get(f"/api/v1/referrals/{referral.pk}/")
    assert response.status_code == 404 and b"Xochiquetzal" not in response.content


@pytest.mark.parametrize(("page", "kind"), [("referral", "referral"), ("followup", "follow_up")])
def test_the_admin_list_shows_plain_text_and_audits_the_page(identifying_records, caseworker_a, page, kind):
    from django.test import Client

    from shelters.models import AuditEntry

    record, field, plain = identifying_records[kind]
    client = Client()
    client.force_login(caseworker_a)

    response = client.get(f"/admin/shelters/{page}/")

    assert response.status_code == 200
    assert plain.encode() in response.content and b"gAAAA" not in response.content
    entry = AuditEntry.objects.get(action="view", record_id=str(record.pk))
    assert (entry.fields, entry.channel) == ([field], "admin")
    # The column holds ciphertext: it offers no sorting by it.
    assert f'<th scope="col" class="column-{field}">'.encode() in response.content


def test_the_admin_list_of_another_shelter_audits_nothing(identifying_records, caseworker_b):
    from django.test import Client

    from shelters.models import AuditEntry

    client = Client()
    client.force_login(caseworker_b)

    response = client.get("/admin/shelters/referral/")

    assert response.status_code == 200 and b"Xochiquetzal" not in response.content
    assert not AuditEntry.objects.filter(action="view").exists()


def test_the_case_page_shows_plain_text_and_audits_each_record(identifying_records, caseworker_a):
    from django.test import Client

    from shelters.models import AuditEntry

    victim = identifying_records["referral"][0].victim
    client = Client()
    client.force_login(caseworker_a)

    response = client.get(f"/cases/{victim.pk}/")

    assert response.status_code == 200
    for record, field, plain in identifying_records.values():
        assert plain.encode() in response.content
        assert field in AuditEntry.objects.get(action="view", record_id=str(record.pk)).fields
    assert b"gAAAA" not in response.content


def test_a_bulk_post_encrypts_every_institution_and_answers_them_plain(shelter_a, caseworker_a):
    from rest_framework.test import APIClient

    from shelters.models import AuditEntry, Referral

    victim = services.victim_create(actor=caseworker_a, shelter=shelter_a, data={"intake_date": date(2007, 10, 3)})
    api = APIClient()
    api.force_authenticate(caseworker_a)
    items = [
        {"victim": str(victim.pk), "date": "2007-10-04", "kind": "service_referral", "institution": f"Clínica {n}"}
        for n in range(3)
    ]

    response = api.post("/api/v1/referrals/", items, format="json")

    assert response.status_code == 201
    assert [item["institution"] for item in response.json()] == ["Clínica 0", "Clínica 1", "Clínica 2"]
    for referral in Referral.objects.all():
        stored = raw_value(Referral, referral.pk, "institution")
        assert stored.startswith("gAAAA") and "Clínica" not in stored
    assert sorted(r.institution for r in Referral.objects.all()) == ["Clínica 0", "Clínica 1", "Clínica 2"]
    # The trail names the fields written, never the institutions.
    entries = AuditEntry.objects.filter(action="create", record_type="referral")
    assert entries.count() == 3 and all("institution" in e.fields for e in entries)
    assert not any("Clínica" in str(e.fields) for e in entries)


def test_changing_a_reference_stores_a_new_token_and_audits_the_field_name_only(identifying_records, caseworker_a):
    from rest_framework.test import APIClient

    from shelters.models import AuditEntry, LegalAction

    action = identifying_records["legal_action"][0]
    before = raw_value(LegalAction, action.pk, "reference")
    api = APIClient()
    api.force_authenticate(caseworker_a)

    response = api.patch(f"/api/v1/legal-actions/{action.pk}/", {"reference": "CP/45/2008"}, format="json")

    assert response.status_code == 200 and response.json()["reference"] == "CP/45/2008"
    after = raw_value(LegalAction, action.pk, "reference")
    assert after != before and after.startswith("gAAAA") and "CP/45" not in after
    change = AuditEntry.objects.get(action="change", record_id=str(action.pk))
    assert change.fields == ["reference"]
