"""The pages' Spanish (agreement, neutral wording, Mexican usage) and the registration page's weight on a phone line."""

from __future__ import annotations

import pytest

from shelters.models import Victim
from tests.web.test_pages import victim_post

pytestmark = pytest.mark.django_db

REGISTRATION_PAGE_LIMIT = 25 * 1024


def test_the_registration_page_weighs_under_25_kb_with_one_list_of_countries(client_as, caseworker_a):
    html = client_as(caseworker_a).get("/cases/new/").content
    assert len(html) < REGISTRATION_PAGE_LIMIT, len(html)
    # Every nationality input (the victim's and each child's) points at the page's one list.
    assert html.count(b"<datalist") == 1
    assert html.count(b'list="countries"') == 4
    assert html.count(b"Trinidad y Tobago") == 1


def test_a_nationality_is_the_countrys_name_in_spanish_or_english_or_its_code(client_as, caseworker_a):
    client = client_as(caseworker_a)
    data = victim_post(
        **{
            "victim-nationality": "guatemala",
            "children-0-given_name": "Luz",
            "children-0-sex": "female",
            "children-0-nationality": "Mexico",
            "children-1-given_name": "Sol",
            "children-1-sex": "female",
            "children-1-nationality": "hn",
        }
    )
    assert client.post("/cases/new/", data).status_code == 302
    assert sorted(str(victim.nationality) for victim in Victim.objects.all()) == ["GT", "HN", "MX"]
    refused = client.post("/cases/new/", victim_post(**{"victim-nationality": "Narnia"}))
    assert refused.context["form"].errors["nationality"] == [
        "Elija un país de la lista o escriba su código de dos letras (MX)."
    ]


def test_a_stored_nationality_shows_as_the_countrys_name(client_as, caseworker_a, case_a):
    case_a.nationality = "GT"
    case_a.save()
    html = client_as(caseworker_a).get(f"/cases/{case_a.pk}/edit/").content.decode()
    assert 'value="Guatemala"' in html


def test_the_status_filter_agrees_in_number_and_exit_reasons_are_neutral(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    cases = client.get("/cases/").content.decode()
    assert ">Abiertos</option>" in cases and ">Cerrados</option>" in cases and ">Todas</option>" in cases
    exit_page = client.get(f"/cases/{case_a.pk}/exit/").content.decode()
    for reason in ("Reintegración a la sociedad", "Canalización a otra institución", "Salida voluntaria"):
        assert reason in exit_page
    assert "Reintegrada" not in exit_page and "Canalizada" not in exit_page


def test_a_saved_referral_says_so_without_a_gender_slip(client_as, caseworker_a, case_a):
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/referrals/new/",
        {"kind": "transfer", "date": "2026-02-01", "institution": "DIF", "reason": ""},
        follow=True,
    )
    text = response.content.decode()
    assert "Registro guardado: Canalización" in text and "Canalización guardado" not in text


def test_a_wrong_password_is_refused_in_mexican_spanish(client, caseworker_a):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    text = response.content.decode()
    assert "Escriba un nombre de usuario y una contraseña correctos" in text
    assert "introduzca" not in text.lower() and "clave" not in text
