"""Reading and writing case records through the API: fields, filters, audit entries."""

from __future__ import annotations

from datetime import date

import pytest

from shelters.models import AuditEntry, Service, Victim
from tests.factories import ServiceFactory, VictimFactory

pytestmark = pytest.mark.django_db


def test_a_victim_has_the_contract_fields(api_as, caseworker_a, records_a):
    response = api_as(caseworker_a).get(f"/api/v1/victims/{records_a.open_victim.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "id",
        "shelter",
        "case_code",
        "role",
        "primary_victim",
        "sex",
        "birth_year",
        "nationality",
        "tip_victim",
        "exploitation_types",
        "intake_date",
        "exit_date",
        "exit_reason",
        "given_name",
        "family_name",
        "notes",
    }
    assert body["shelter"] == "shelter-a"
    assert body["given_name"] == "Rosa"
    assert body["nationality"] == "MX"
    assert body["exit_reason"] == ""
    assert body["exit_date"] is None
    assert body["exploitation_types"] == []
    assert body["intake_date"] == "2007-10-01"


def test_a_tip_victim_with_a_secondary_victim_round_trips(api_as, caseworker_a, shelter_a):
    client = api_as(caseworker_a)
    primary = client.post(
        "/api/v1/victims/",
        {
            "intake_date": "2007-10-03",
            "sex": "female",
            "tip_victim": True,
            "exploitation_types": ["sexual_exploitation", "forced_labor"],
            "nationality": "HN",
            "birth_year": 1989,
            "given_name": "Lupita",
            "family_name": "Ortega",
        },
        format="json",
    )
    assert primary.status_code == 201, primary.content
    secondary = client.post(
        "/api/v1/victims/",
        {"role": "secondary", "primary_victim": primary.json()["id"], "intake_date": "2007-10-03", "sex": "male"},
        format="json",
    )

    assert secondary.status_code == 201, secondary.content
    assert primary.json()["exploitation_types"] == ["forced_labor", "sexual_exploitation"]
    assert client.get(f"/api/v1/victims/{primary.json()['id']}/").json()["exploitation_types"] == [
        "forced_labor",
        "sexual_exploitation",
    ]
    assert secondary.json()["primary_victim"] == primary.json()["id"]
    stored = Victim.objects.get(pk=primary.json()["id"])
    assert (stored.given_name, stored.nationality.code, stored.birth_year) == ("Lupita", "HN", 1989)


def test_an_exit_is_recorded_with_its_reason(api_as, caseworker_a, records_a):
    response = api_as(caseworker_a).patch(
        f"/api/v1/victims/{records_a.open_victim.pk}/",
        {"exit_date": "2007-10-30", "exit_reason": "transferred"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["exit_date"], response.json()["exit_reason"]) == ("2007-10-30", "transferred")


def test_a_service_has_the_contract_fields(api_as, caseworker_a, records_a):
    service = records_a.by_endpoint["services"][0]

    body = api_as(caseworker_a).get(f"/api/v1/services/{service.pk}/").json()

    assert body == {
        "id": str(service.pk),
        "shelter": "shelter-a",
        "victim": str(records_a.open_victim.pk),
        "date": "2007-10-05",
        "category": "legal",
        "notes": "Consulta",
    }


def test_a_training_is_filed_in_the_users_shelter(api_as, caseworker_a, shelter_a):
    response = api_as(caseworker_a).post(
        "/api/v1/trainings/",
        {"date": "2007-11-08", "institution": "INM", "sector": "government", "attendees": 40, "topic": "Trata"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["shelter"] == "shelter-a"
    assert response.json()["attendees"] == 40


def test_reading_personal_fields_is_audited_once_per_record(api_as, caseworker_a, records_a):
    client = api_as(caseworker_a)

    client.get(f"/api/v1/victims/{records_a.open_victim.pk}/")
    client.get("/api/v1/victims/")
    client.get("/api/v1/services/")

    views = AuditEntry.objects.filter(action="view", channel="api", actor=caseworker_a)
    assert sorted(views.values_list("record_type", "record_id")) == sorted(
        [("victim", str(records_a.open_victim.pk))] * 2
        + [("victim", str(records_a.exited_victim.pk))]
        + [("service", str(records_a.by_endpoint["services"][0].pk))]
    )
    assert views.filter(record_type="victim").first().fields == ["family_name", "given_name", "notes"]
    assert views.get(record_type="service").fields == ["notes"]


def test_a_refused_read_writes_no_audit_entry(api_as, caseworker_b, records_a):
    api_as(caseworker_b).get(f"/api/v1/victims/{records_a.open_victim.pk}/")

    assert not AuditEntry.objects.filter(action="view").exists()


def test_writes_are_audited_with_the_api_channel(api_as, caseworker_a, records_a):
    client = api_as(caseworker_a)
    service = records_a.by_endpoint["services"][0]

    client.patch(f"/api/v1/services/{service.pk}/", {"notes": "Otra"}, format="json")
    client.delete(f"/api/v1/services/{service.pk}/")

    entries = AuditEntry.objects.filter(record_id=str(service.pk), channel="api").order_by("id")
    assert [(entry.action, entry.fields) for entry in entries if entry.action != "view"] == [
        ("change", ["notes"]),
        ("delete", []),
    ]


def filtered_ids(client, endpoint, params):
    response = client.get(f"/api/v1/{endpoint}/", params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_service_filters(api_as, caseworker_a, records_a):
    victim = records_a.open_victim
    other = VictimFactory(shelter=victim.shelter, intake_date=date(2007, 10, 1))
    early = ServiceFactory(victim=victim, date=date(2007, 10, 2), category="medical")
    late = ServiceFactory(victim=victim, date=date(2007, 10, 28), category="medical")
    others = ServiceFactory(victim=other, date=date(2007, 10, 15), category="social")
    first = records_a.by_endpoint["services"][0]  # 2007-10-05, legal
    client = api_as(caseworker_a)

    assert filtered_ids(client, "services", {"category": "medical"}) == {str(early.pk), str(late.pk)}
    assert filtered_ids(client, "services", {"victim": str(other.pk)}) == {str(others.pk)}
    assert filtered_ids(client, "services", {"date_from": "2007-10-05", "date_to": "2007-10-15"}) == {
        str(first.pk),
        str(others.pk),
    }
    assert filtered_ids(client, "services", {"shelter": "shelter-a"}) == {
        str(record.pk) for record in (early, late, others, first)
    }


def test_victim_filters(api_as, caseworker_a, records_a):
    open_victim, exited = records_a.open_victim, records_a.exited_victim  # 10-01..open, 09-01..10-20
    tip = VictimFactory(
        shelter=open_victim.shelter, intake_date=date(2007, 11, 1), tip_victim=True, exploitation_types=["other"]
    )
    secondary = VictimFactory(
        shelter=open_victim.shelter, intake_date=date(2007, 10, 1), role="secondary", primary_victim=open_victim
    )
    client = api_as(caseworker_a)

    assert filtered_ids(client, "victims", {"tip_victim": "true"}) == {str(tip.pk)}
    assert filtered_ids(client, "victims", {"tip_victim": "True"}) == {str(tip.pk)}
    assert filtered_ids(client, "victims", {"role": "secondary"}) == {str(secondary.pk)}
    assert filtered_ids(client, "victims", {"active_on": "2007-10-20"}) == {
        str(open_victim.pk),
        str(exited.pk),
        str(secondary.pk),
    }
    assert filtered_ids(client, "victims", {"active_on": "2007-10-21"}) == {str(open_victim.pk), str(secondary.pk)}
    assert filtered_ids(client, "victims", {"active_on": "2007-09-15"}) == {str(exited.pk)}
    assert filtered_ids(client, "victims", {"tip_victim": "false", "role": "primary"}) == {
        str(open_victim.pk),
        str(exited.pk),
    }


def test_pages(api_as, caseworker_a, records_a):
    for day in range(1, 8):
        ServiceFactory(victim=records_a.open_victim, date=date(2007, 10, 10 + day))
    client = api_as(caseworker_a)

    first = client.get("/api/v1/services/", {"page_size": 3}).json()
    last = client.get("/api/v1/services/", {"page_size": 3, "page": 3}).json()

    assert first["count"] == 8 and len(first["results"]) == 3 and first["previous"] is None
    assert "page=2" in first["next"]
    assert len(last["results"]) == 2 and last["next"] is None
    assert [row["date"] for row in first["results"]] == ["2007-10-17", "2007-10-16", "2007-10-15"]


def test_page_size_is_capped_at_500(api_as, caseworker_a, records_a):
    Service.objects.bulk_create(
        [
            Service(
                victim=records_a.open_victim,
                shelter_id=records_a.open_victim.shelter_id,
                date=date(2007, 10, 9),
                category="legal",
            )
            for _ in range(510)
        ]
    )

    body = api_as(caseworker_a).get("/api/v1/services/", {"page_size": 1000}).json()

    assert len(body["results"]) == 500
