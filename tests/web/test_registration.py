"""Registering a case: a blank form creates nothing, a nameless case is a choice, a possible duplicate is confirmed.
And the case search: whole words of names through the blind index, open and closed cases."""

from __future__ import annotations

from datetime import date

import pytest

from shelters.models import AuditAction, AuditEntry, Victim, VictimRole
from tests.factories import VictimFactory
from tests.walls import PAGE_DOOR
from tests.web.test_pages import victim_post

pytestmark = pytest.mark.django_db


def untouched_form(client) -> dict[str, str | list[str]]:
    """The registration form exactly as the page offers it, sent without typing anything."""
    form = client.get("/cases/new/").context["form"]
    children = client.get("/cases/new/").context["children"]
    data: dict[str, str | list[str]] = {
        f"victim-{name}": form[name].value() for name in form.fields if form[name].value() not in (None, False)
    }
    data["victim-intake_date"] = form["intake_date"].value().isoformat()
    data.update({f"children-{key}": value for key, value in children.management_form.initial.items()})
    for child in children.forms:
        data.update({child.add_prefix(name): child[name].value() for name in ("sex", "nationality")})
    return {key: "" if value is None else value for key, value in data.items()}


def test_an_untouched_registration_form_creates_nothing(client_as, caseworker_a):
    client = client_as(caseworker_a)
    response = client.post("/cases/new/", untouched_form(client))
    assert response.status_code == 200
    assert not Victim.objects.exists()
    assert response.context["form"].errors["given_name"] == ["Escriba un nombre o marque «Registrar sin nombre»."]


def test_registering_without_a_name_is_an_explicit_choice(client_as, caseworker_a):
    client = client_as(caseworker_a)
    response = client.post("/cases/new/", {**untouched_form(client), "victim-no_name": "on"})
    assert response.status_code == 302
    victim = Victim.objects.get()
    assert victim.given_name is None and victim.family_name is None
    # The form's own choice is not a field of the record: the audit entry names the record's fields only.
    assert "no_name" not in AuditEntry.objects.get(action=AuditAction.CREATE).fields


def test_a_child_row_with_only_a_birth_year_needs_a_name_or_the_choice(client_as, caseworker_a):
    response = client_as(caseworker_a).post("/cases/new/", victim_post(**{"children-0-birth_year": "2015"}))
    assert response.status_code == 200
    assert "given_name" in response.context["children"].forms[0].errors
    assert not Victim.objects.exists()


def test_a_possible_duplicate_is_shown_by_case_code_and_nothing_is_saved(client_as, caseworker_a, case_a):
    case_a.exit_date, case_a.exit_reason = date(2026, 2, 1), "reintegrated"
    case_a.save()
    client = client_as(caseworker_a)
    response = client.post(
        "/cases/new/", victim_post(**{"victim-given_name": "GUADALUPE", "victim-family_name": "Nunez"})
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Esta persona quizá ya es un caso de este albergue" in page
    assert f'href="/cases/{case_a.pk}/"' in page and "SA-00001" in page
    assert Victim.objects.count() == 1
    # What was typed is all still there.
    assert 'value="GUADALUPE"' in page and 'value="1990"' in page


def test_confirming_registers_the_case(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    data = victim_post(**{"victim-family_name": "Núñez"})
    seen = client.post("/cases/new/", data).context["confirm"]["seen"].value()
    assert seen == "SA-00001"
    response = client.post("/cases/new/", {**data, "duplicates-seen": seen, "duplicates-confirm": "on"})
    assert response.status_code == 302
    assert Victim.objects.count() == 2


def test_a_confirmation_covers_only_the_cases_it_was_shown(client_as, caseworker_a, case_a):
    VictimFactory(shelter=case_a.shelter, case_code="SA-00002", given_name="Rosa", birth_year=1990)
    client = client_as(caseworker_a)
    # Confirmed against SA-00001, then the name changed to one that matches SA-00002: asked again.
    data = victim_post(**{"victim-given_name": "Rosa", "duplicates-seen": "SA-00001", "duplicates-confirm": "on"})
    response = client.post("/cases/new/", data)
    assert response.status_code == 200
    assert response.context["confirm"]["seen"].value() == "SA-00002"
    assert not response.context["confirm"]["confirm"].value()
    assert Victim.objects.count() == 2


def test_another_shelters_namesake_is_neither_a_duplicate_nor_named(client_as, caseworker_a, shelter_b):
    VictimFactory(shelter=shelter_b, case_code="SB-00001", given_name="Guadalupe", family_name="Núñez")
    response = client_as(caseworker_a).post("/cases/new/", victim_post())
    assert response.status_code == 302
    assert "SB-00001" not in response.content.decode()


def test_a_child_who_may_be_registered_already_is_shown_too(client_as, caseworker_a, case_a):
    VictimFactory(shelter=case_a.shelter, case_code="SA-00002", given_name="Luz", birth_year=2015)
    client = client_as(caseworker_a)
    data = victim_post(
        **{"victim-given_name": "Marta", "children-0-given_name": "luz", "children-0-birth_year": "2015"}
    )
    response = client.post("/cases/new/", data)
    assert [entry["label"] for entry in response.context["duplicates"]] == ["Hija o hijo 1"]
    assert "SA-00002" in response.content.decode()
    confirmed = client.post("/cases/new/", {**data, "duplicates-seen": "SA-00002", "duplicates-confirm": "on"})
    assert confirmed.status_code == 302
    assert Victim.objects.filter(role=VictimRole.SECONDARY, primary_victim__isnull=False).count() == 1


def test_adding_a_child_to_a_case_checks_for_duplicates(client_as, caseworker_a, case_a):
    VictimFactory(shelter=case_a.shelter, case_code="SA-00002", given_name="Luz", family_name="Núñez")
    client = client_as(caseworker_a)
    data = {
        "given_name": "Luz",
        "family_name": "Nuñez",
        "sex": "female",
        "nationality": "MX",
        "intake_date": "2026-02-01",
    }
    response = client.post(f"/cases/{case_a.pk}/children/new/", data)
    assert response.status_code == 200 and "SA-00002" in response.content.decode()
    response = client.post(
        f"/cases/{case_a.pk}/children/new/", {**data, "duplicates-seen": "SA-00002", "duplicates-confirm": "on"}
    )
    assert response.status_code == 302


# --- The case search ------------------------------------------------------------------------------------------------


def test_the_search_finds_closed_cases_and_says_so(client_as, caseworker_a, case_a):
    VictimFactory(
        shelter=case_a.shelter,
        case_code="SA-00002",
        given_name="Guadalupe",
        family_name="Ortega",
        exit_date=date(2026, 3, 1),
        exit_reason="transferred",
    )
    # The status filter says "open" (its default); a search still looks through closed cases.
    response = client_as(caseworker_a).post("/cases/", {"q": "guadalupe", "status": "open"}, follow=True)
    assert {victim.case_code for victim in response.context["rows"]} == {"SA-00001", "SA-00002"}
    page = response.content.decode()
    assert "2 casos encontrados (1 cerrado)" in page
    assert "La búsqueda revisa casos abiertos y cerrados" in page


def test_the_search_matches_whole_words_only(client_as, caseworker_a, case_a):
    response = client_as(caseworker_a).post("/cases/", {"q": "guada", "status": "all"}, follow=True)
    assert list(response.context["rows"]) == []
    assert "0 casos encontrados" in response.content.decode()


def test_the_search_never_shows_another_shelters_case(client_as, caseworker_a, case_a, shelter_b):
    VictimFactory(shelter=shelter_b, case_code="SB-00001", given_name="Guadalupe")
    response = client_as(caseworker_a).post("/cases/", {"q": "Guadalupe", "status": "all"}, follow=True)
    assert {victim.case_code for victim in response.context["rows"]} == {"SA-00001"}


def test_the_search_costs_the_same_however_many_cases(client_as, caseworker_a, shelter_a, django_assert_num_queries):
    VictimFactory.create_batch(40, shelter=shelter_a, given_name="Rosa")
    VictimFactory.create_batch(40, shelter=shelter_a, given_name="Luz")
    client = client_as(caseworker_a)
    results = client.post("/cases/", {"q": "luz", "status": "all"})["Location"]
    # The results page (the search redirects): session, user, the user's shelters, the matching rows (one
    # SELECT on the index), the audit INSERT, session save (savepoint, update, release)
    with django_assert_num_queries(8 + PAGE_DOOR):
        response = client.get(results)
    assert len(response.context["rows"]) == 40
