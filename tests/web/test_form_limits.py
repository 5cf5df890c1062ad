"""The limits a page states are the server's: ten children at registration, the inputs' own bounds."""

from __future__ import annotations

import re

import pytest

from shelters.models import Victim, VictimRole

from .test_pages import victim_post

pytestmark = pytest.mark.django_db


def with_children(count: int, *, total_forms: int | None = None) -> dict:
    data = victim_post()
    data["children-TOTAL_FORMS"] = str(total_forms if total_forms is not None else count)
    for index in range(count):
        data.update(
            {
                f"children-{index}-given_name": f"Niña {index}",
                f"children-{index}-family_name": "",
                f"children-{index}-sex": "female",
                f"children-{index}-birth_year": "2018",
                f"children-{index}-nationality": "MX",
            }
        )
    return data


def test_it_registers_ten_children_at_once(client_as, caseworker_a):
    response = client_as(caseworker_a).post("/cases/new/", with_children(10))

    assert response.status_code == 302
    assert Victim.objects.filter(role=VictimRole.SECONDARY).count() == 10


@pytest.mark.parametrize("count", [11, 15])
def test_more_than_ten_children_are_refused_and_nothing_is_saved(client_as, caseworker_a, count):
    response = client_as(caseworker_a).post("/cases/new/", with_children(count))

    assert response.status_code == 200
    assert "Registre como máximo 10 niñas o niños aquí" in response.content.decode()
    assert not Victim.objects.exists()


def test_a_forged_form_count_is_refused_without_building_the_forms(client_as, caseworker_a):
    # The management form is the browser's to write: 5,000 rows claimed, three sent.
    response = client_as(caseworker_a).post("/cases/new/", with_children(3, total_forms=5000))

    assert response.status_code == 200
    assert len(response.context["children"].forms) <= 10
    assert "Registre como máximo 10" in response.content.decode()
    assert not Victim.objects.exists()


def test_the_page_says_the_limits_the_server_holds(client_as, caseworker_a, shelter_a):
    client = client_as(caseworker_a)
    registration = client.get("/cases/new/").content.decode()
    trainings = client.get("/trainings/").content.decode()

    assert 'name="children-MAX_NUM_FORMS" value="10"' in registration
    birth_year = re.search(r'<input[^>]*name="victim-birth_year"[^>]*>', registration).group(0)
    assert 'min="1900"' in birth_year and 'max="' in birth_year
    assert re.search(r'<input[^>]*name="attendees"[^>]*min="1"', trainings)
