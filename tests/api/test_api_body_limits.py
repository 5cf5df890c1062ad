"""JSON nested too deep and bodies too large answer 400 with a sentence, on every endpoint that takes JSON."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.conf import settings

from proteja_site.parsers import MAX_JSON_DEPTH
from shelters.models import Service, Victim

from ..factories import VictimFactory

pytestmark = pytest.mark.django_db

DEEP_LIST = "[" * 20_000 + "]" * 20_000
DEEP_OBJECT = '{"a":' * 20_000 + "1" + "}" * 20_000

# (persona, method, path): every kind of endpoint that reads a JSON body, the bulk ones included.
JSON_ENDPOINTS = [
    ("caseworker_a", "post", "/api/v1/victims/"),
    ("caseworker_a", "patch", "/api/v1/victims/{victim}/"),
    ("caseworker_a", "put", "/api/v1/victims/{victim}/"),
    ("caseworker_a", "post", "/api/v1/services/"),
    ("caseworker_a", "post", "/api/v1/referrals/"),
    ("caseworker_a", "post", "/api/v1/legal-actions/"),
    ("caseworker_a", "post", "/api/v1/follow-ups/"),
    ("caseworker_a", "post", "/api/v1/trainings/"),
    ("coordinator_a", "post", "/api/v1/cost-share-contributions/"),
    ("program_staff", "post", "/api/v1/shelters/"),
    ("program_staff", "patch", "/api/v1/shelters/shelter-a/"),
    ("program_staff", "post", "/api/v1/organizations/"),
    ("program_staff", "post", "/api/v1/meetings/"),
    ("program_staff", "post", "/api/v1/disbursements/"),
    (None, "post", "/api/v1/auth/token/"),
]


def send(client, method, path, body: str):
    return getattr(client, method)(path, data=body, content_type="application/json")


@pytest.fixture
def victim_a(shelter_a):
    return VictimFactory(shelter=shelter_a, intake_date=date(2007, 10, 1))


@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT], ids=["list", "object"])
@pytest.mark.parametrize(("persona", "method", "path"), JSON_ENDPOINTS)
def test_json_nested_20000_deep_is_400_saying_so(request, api_as, victim_a, persona, method, path, body):
    user = request.getfixturevalue(persona) if persona else None
    victims_before = Victim.objects.count()

    response = send(api_as(user), method, path.format(victim=victim_a.pk), body)

    assert response.status_code == 400
    assert f"more than {MAX_JSON_DEPTH} deep" in response.json()["detail"]
    assert Victim.objects.count() == victims_before


def test_json_one_level_too_deep_is_400(api_as, caseworker_a, victim_a):
    # A bulk list, a record, and then lists nested as deep as the limit allows and one more.
    value = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    body = f'[{{"victim": "{victim_a.pk}", "date": "2007-10-05", "category": "legal", "notes": {value}}}]'

    response = send(api_as(caseworker_a), "post", "/api/v1/services/", body)

    assert response.status_code == 400
    assert "deep" in response.json()["detail"]


def test_json_as_deep_as_the_limit_is_read(api_as, caseworker_a, victim_a):
    value = "[" * (MAX_JSON_DEPTH - 2) + "]" * (MAX_JSON_DEPTH - 2)
    body = f'[{{"victim": "{victim_a.pk}", "date": "2007-10-05", "category": "legal", "notes": {value}}}]'

    response = send(api_as(caseworker_a), "post", "/api/v1/services/", body)

    # Read, then refused by the serializer for what it is: notes that are not text.
    assert response.status_code == 400
    assert "notes" in json.dumps(response.json())


@pytest.mark.parametrize(("persona", "method", "path"), JSON_ENDPOINTS)
def test_a_body_over_the_limit_is_400_before_it_is_read(request, api_as, victim_a, persona, method, path):
    user = request.getfixturevalue(persona) if persona else None
    body = " " * (settings.API_MAX_BODY_BYTES - 2) + "[]" + " "  # one byte over

    response = send(api_as(user), method, path.format(victim=victim_a.pk), body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "larger than" in response.json()["detail"]


def test_a_body_at_the_limit_is_read(api_as, caseworker_a):
    body = "[]" + " " * (settings.API_MAX_BODY_BYTES - 2)

    response = send(api_as(caseworker_a), "post", "/api/v1/services/", body)

    assert response.status_code == 400
    assert "larger than" not in json.dumps(response.json())


def test_a_full_bulk_of_1000_services_with_the_longest_notes_fits(api_as, caseworker_a, victim_a):
    # Spanish text at the notes' 5,000-character limit; json.dumps writes each accented letter as \\u00xx.
    notes = ("Atención psicológica, niña y mamá. " * 200)[:5000]
    items = [{"victim": str(victim_a.pk), "date": "2007-10-05", "category": "legal", "notes": notes}] * 1000
    body = json.dumps(items)
    assert len(body) > 5_000_000

    response = send(api_as(caseworker_a), "post", "/api/v1/services/", body)

    assert response.status_code == 201, response.content[:300]
    assert Service.objects.count() == 1000


@pytest.mark.parametrize("number", ["1" * 5000, "1e999999", "-1e999999"])
def test_numbers_too_long_or_too_large_are_400(api_as, caseworker_a, number):
    body = f'{{"date": "2007-10-05", "institution": "X", "sector": "government", "attendees": {number}}}'

    response = send(api_as(caseworker_a), "post", "/api/v1/trainings/", body)

    assert response.status_code == 400


def form_body(fields: int) -> str:
    return "&".join(f"f{index}=1" for index in range(fields))


def multipart_body(fields: int) -> str:
    parts = "".join(f'--b\r\nContent-Disposition: form-data; name="f{index}"\r\n\r\n1\r\n' for index in range(fields))
    return parts + "--b--\r\n"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", form_body(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)),
        ("multipart/form-data; boundary=b", multipart_body(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)),
    ],
    ids=["form", "multipart"],
)
def test_a_form_body_with_too_many_fields_is_a_json_400(api_as, caseworker_a, content_type, body):
    response = api_as(caseworker_a).post("/api/v1/trainings/", data=body, content_type=content_type)

    assert response.status_code == 400
    assert "too many fields" in response.json()["detail"]
