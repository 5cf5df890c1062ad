"""The isolation matrix: every case-record endpoint x method x persona.

Shelter staff see and change their own shelter's records only; another shelter's
record answers 404 whether read, changed, deleted or named as a link; program
staff and partners get 403; anonymous gets 401. Lists hold exactly the user's
shelter's rows.
"""

from __future__ import annotations

from datetime import date

import pytest

from shelters.models import Service, Victim
from tests.api.bodies import CASE_RECORD_MODELS, VICTIM_RECORD_ENDPOINTS, victim_record_body

pytestmark = pytest.mark.django_db

PERSONAS = ["caseworker_a", "coordinator_a", "caseworker_b", "program_staff", "partner", "anonymous"]
SHELTER_OF = {"caseworker_a": "a", "coordinator_a": "a", "caseworker_b": "b"}
ENDPOINTS = ["victims", "services", "referrals", "legal-actions", "follow-ups", "trainings"]
MODELS = CASE_RECORD_MODELS
PATCHES = {
    "victims": {"notes": "Changed"},
    "services": {"category": "medical"},
    "referrals": {"institution": "CAVI"},
    "legal-actions": {"reference": "AP/123/2007"},
    "follow-ups": {"method": "visit"},
    "trainings": {"attendees": 30},
}


def new_record(endpoint: str, records, shelter) -> dict:
    """A valid POST body for a new record linked to `records` (one shelter's)."""
    if endpoint in VICTIM_RECORD_ENDPOINTS:
        return victim_record_body(endpoint, records)
    return {
        "victims": {"shelter": shelter.slug, "intake_date": "2007-10-10", "sex": "female"},
        "trainings": {
            "shelter": shelter.slug,
            "date": "2007-10-11",
            "institution": "PGR",
            "sector": "government",
            "attendees": 5,
        },
    }[endpoint]


def expected_status(persona: str, own: int, other: int, target: str | None) -> int:
    """The status for a persona: `own` on their shelter's record, `other`... 404 on the other's."""
    if persona == "anonymous":
        return 401
    if persona in ("program_staff", "partner"):
        return 403
    if target is None:
        return own
    return own if target == SHELTER_OF[persona] else other


@pytest.fixture
def world(personas, records_a, records_b, shelter_a, shelter_b):
    return {
        "personas": personas,
        "records": {"a": records_a, "b": records_b},
        "shelters": {"a": shelter_a, "b": shelter_b},
    }


def client_for(api_as, world, persona):
    return api_as(world["personas"][persona])


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_list_holds_exactly_the_own_shelters_rows(api_as, world, persona, endpoint):
    response = client_for(api_as, world, persona).get(f"/api/v1/{endpoint}/", {"page_size": 500})

    assert response.status_code == expected_status(persona, 200, 200, None)
    if response.status_code == 200:
        own = world["records"][SHELTER_OF[persona]].by_endpoint[endpoint]
        assert sorted(row["id"] for row in response.json()["results"]) == sorted(str(record.pk) for record in own)
        assert response.json()["count"] == len(own)


@pytest.mark.parametrize("target", ["a", "b"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_retrieve(api_as, world, persona, endpoint, target):
    record = world["records"][target].by_endpoint[endpoint][0]

    response = client_for(api_as, world, persona).get(f"/api/v1/{endpoint}/{record.pk}/")

    assert response.status_code == expected_status(persona, 200, 404, target)
    if response.status_code == 200:
        assert response.json()["id"] == str(record.pk)
    if response.status_code == 404:
        assert "Rosa" not in response.content.decode()


@pytest.mark.parametrize("target", ["a", "b"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_patch(api_as, world, persona, endpoint, target):
    record = world["records"][target].by_endpoint[endpoint][0]
    before = MODELS[endpoint].objects.get(pk=record.pk)

    response = client_for(api_as, world, persona).patch(
        f"/api/v1/{endpoint}/{record.pk}/", PATCHES[endpoint], format="json"
    )

    assert response.status_code == expected_status(persona, 200, 404, target)
    after = MODELS[endpoint].objects.get(pk=record.pk)
    ((name, value),) = PATCHES[endpoint].items()
    if response.status_code == 200:
        assert getattr(after, name) == value
    else:
        assert getattr(after, name) == getattr(before, name)


@pytest.mark.parametrize("target", ["a", "b"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_put_on_a_victim(api_as, world, persona, target):
    victim = world["records"][target].open_victim
    body = {"intake_date": "2007-10-01", "sex": "male", "role": "primary"}

    response = client_for(api_as, world, persona).put(f"/api/v1/victims/{victim.pk}/", body, format="json")

    assert response.status_code == expected_status(persona, 200, 404, target)
    assert Victim.objects.get(pk=victim.pk).sex == ("male" if response.status_code == 200 else "female")


@pytest.mark.parametrize("endpoint", [name for name in ENDPOINTS if name != "victims"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_put_is_not_offered_besides_victims(api_as, world, persona, endpoint):
    record = world["records"]["a"].by_endpoint[endpoint][0]

    response = client_for(api_as, world, persona).put(f"/api/v1/{endpoint}/{record.pk}/", {}, format="json")

    assert response.status_code == expected_status(persona, 405, 405, None)


@pytest.mark.parametrize("target", ["a", "b"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_delete(api_as, world, persona, endpoint, target):
    record = world["records"][target].by_endpoint[endpoint][0]

    response = client_for(api_as, world, persona).delete(f"/api/v1/{endpoint}/{record.pk}/")

    assert response.status_code == expected_status(persona, 204, 404, target)
    assert MODELS[endpoint].objects.filter(pk=record.pk).exists() == (response.status_code != 204)


@pytest.mark.parametrize("target", ["a", "b"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_create_linked_to_a_shelters_record(api_as, world, persona, endpoint, target):
    """A new record whose link (victim, shelter) names shelter `target`'s record: 201 if own, else 404."""
    body = new_record(endpoint, world["records"][target], world["shelters"][target])
    count_before = MODELS[endpoint].objects.count()

    response = client_for(api_as, world, persona).post(f"/api/v1/{endpoint}/", body, format="json")

    assert response.status_code == expected_status(persona, 201, 404, target)
    assert MODELS[endpoint].objects.count() == count_before + (1 if response.status_code == 201 else 0)
    if response.status_code == 201:
        created = MODELS[endpoint].objects.get(pk=response.json()["id"])
        assert created.shelter == world["shelters"][target]


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_secondary_victim_linked_to_another_shelters_primary_is_404(api_as, world, persona):
    primary_b = world["records"]["b"].open_victim
    body = {"role": "secondary", "primary_victim": str(primary_b.pk), "intake_date": "2007-10-02"}

    response = client_for(api_as, world, persona).post("/api/v1/victims/", body, format="json")

    expected = {"caseworker_a": 404, "coordinator_a": 404, "caseworker_b": 201}.get(persona)
    assert response.status_code == expected_status(persona, expected or 0, expected or 0, None)
    assert Victim.objects.filter(primary_victim=primary_b).exists() == (persona == "caseworker_b")


@pytest.mark.parametrize("persona", ["caseworker_a", "coordinator_a"])
def test_moving_a_record_to_another_shelters_victim_is_404(api_as, world, persona):
    service_a = world["records"]["a"].by_endpoint["services"][0]
    victim_b = world["records"]["b"].open_victim

    response = api_as(world["personas"][persona]).patch(
        f"/api/v1/services/{service_a.pk}/", {"victim": str(victim_b.pk)}, format="json"
    )

    assert response.status_code == 404
    assert Service.objects.get(pk=service_a.pk).victim_id == world["records"]["a"].open_victim.pk


@pytest.mark.parametrize("endpoint", ["services", "referrals", "legal-actions"])
def test_a_bulk_naming_one_victim_of_another_shelter_is_404_and_saves_nothing(api_as, world, endpoint):
    items = [new_record(endpoint, world["records"]["a"], world["shelters"]["a"]) for _ in range(3)]
    items.append(new_record(endpoint, world["records"]["b"], world["shelters"]["b"]))
    count_before = MODELS[endpoint].objects.count()

    response = api_as(world["personas"]["caseworker_a"]).post(f"/api/v1/{endpoint}/", items, format="json")

    assert response.status_code == 404
    assert MODELS[endpoint].objects.count() == count_before


@pytest.mark.parametrize(
    "params",
    [
        {"shelter": "shelter-b"},
        {"victim": "{victim_b}"},
        {"page_size": 100000},
        {"ordering": "-created_at"},
        {"date_from": "1900-01-01", "date_to": "2100-01-01"},
    ],
)
@pytest.mark.parametrize("endpoint", ["services", "victims"])
def test_no_filter_page_size_or_ordering_widens_a_list(api_as, world, endpoint, params):
    victim_b = world["records"]["b"].open_victim
    params = {name: str(value).format(victim_b=victim_b.pk) for name, value in params.items()}

    response = api_as(world["personas"]["caseworker_a"]).get(f"/api/v1/{endpoint}/", params)

    assert response.status_code == 200
    ids_b = {str(record.pk) for record in world["records"]["b"].by_endpoint[endpoint]}
    assert not ids_b & {row["id"] for row in response.json()["results"]}


SHELTER_RULES = {
    # persona: (list/retrieve, create, patch)
    "caseworker_a": (200, 403, 403),
    "coordinator_a": (200, 403, 403),
    "caseworker_b": (200, 403, 403),
    "program_staff": (200, 201, 200),
    "partner": (200, 403, 403),
    "anonymous": (401, 401, 401),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_shelters(api_as, world, persona):
    """Shelters are not personal data: every role reads all of them; only program staff add or change one."""
    read, create, patch = SHELTER_RULES[persona]
    client = client_for(api_as, world, persona)

    listing = client.get("/api/v1/shelters/")
    detail = client.get("/api/v1/shelters/shelter-b/")
    created = client.post(
        "/api/v1/shelters/", {"slug": "casa-nueva", "name": "Casa Nueva", "state": "ROO"}, format="json"
    )
    changed = client.patch("/api/v1/shelters/shelter-a/", {"city": "Tapachula"}, format="json")
    deleted = client.delete("/api/v1/shelters/shelter-a/")

    assert (listing.status_code, detail.status_code, created.status_code, changed.status_code) == (
        read,
        read,
        create,
        patch,
    )
    if read == 200:
        assert [row["slug"] for row in listing.json()["results"]] == ["shelter-a", "shelter-b"]
    assert deleted.status_code == {"program_staff": 405, "anonymous": 401}.get(persona, 403)
    assert world["shelters"]["a"].__class__.objects.filter(slug="casa-nueva").exists() == (create == 201)


def test_a_date_is_given_as_a_date(api_as, world):
    """Guard for the fixtures: the records above are dated in October 2007."""
    assert world["records"]["a"].open_victim.intake_date == date(2007, 10, 1)
