"""Annex 2 in Spanish: failed checks' messages follow the active language (API, admin), the admin's
own words are translated, and `import_annex2` prints English whatever language is active."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import translation

from indicators.catalogue import INDICATOR_KEYS
from indicators.checks import check_month, check_table
from indicators.models import MonthSubmission

MAY = date(2007, 5, 1)
ORIGINS = "the national origins (Mexican, Central American, USA and Other)"
ORIGENES = "los orígenes (Mexicana, Centroamericana, Estadounidense y Otra)"
TIP = "“Number of TIP victims”"
TRATA = "«Número de víctimas de trata»"


def origins_en(month, origins, tip):
    return f"In {month}, {ORIGINS} add up to {origins} but {TIP} is {tip}."


def origins_es(month, origins, tip):
    return f"En {month}, {ORIGENES} suman {origins}, pero {TRATA} es {tip}."


ROWS = "origin_mexican, origin_central_american, origin_usa, origin_other, tip_victims_served"
TABLE_URL = "/admin/indicators/indicatorvalue/annex2/"
SEED_RANGE = {"from": "2007-05", "to": "2007-12"}


def failures_of_every_check():
    """Two months and a TOTAL column that fail each check once."""
    first = dict.fromkeys(INDICATOR_KEYS, 0)
    first.update(
        victims_served=2,
        total_victims_served=1,
        tip_victims_served=5,
        new_victims=4,
        total_new_victims=4,
        tip_crime_other=6,
        origin_mexican=1,
    )
    # A crime row above the TIP victims means the crimes cover them: this check needs a month of its own.
    second = dict.fromkeys(INDICATOR_KEYS, 0)
    second.update(victims_served=7, total_victims_served=7, tip_victims_served=7, origin_mexican=7)
    return [
        *check_month(shelter="ciam", month=MAY, cells=first),
        *check_month(shelter="ciam", month=MAY, cells=second),
        *check_table(shelter="ciam", months=[MAY], values={"services_legal": [3]}, totals={"services_legal": 4}),
    ]


def test_a_failed_check_is_said_in_spanish_with_spanish_active_and_in_english_otherwise():
    cells = dict.fromkeys(INDICATOR_KEYS, 0)
    cells.update(tip_victims_served=5, victims_served=5, total_victims_served=5, tip_crime_forced_labor=5)
    cells.update(origin_mexican=1)
    (failure,) = check_month(shelter="ciam", month=MAY, cells=cells)

    spanish = origins_es("mayo de 2007", 1, 5)
    english = origins_en("May 2007", 1, 5)
    with translation.override("es"):
        assert failure.as_dict()["message"] == spanish
        assert failure.localized_message == spanish
        # The English message stays what it is: the import command prints it.
        assert failure.message == english
        assert str(failure) == f"ciam 2007-05: {english} [{ROWS}]"
    with translation.override("en"):
        assert failure.as_dict()["message"] == english
    with translation.override(None):
        assert failure.as_dict()["message"] == english
    # The fields the API carries are unchanged: rows by key, month as YYYY-MM.
    with translation.override("en"):
        carried = failure.as_dict()
    assert carried == {
        "shelter": "ciam",
        "month": "2007-05",
        "check": "origins_sum_to_tip_victims",
        "rows": ROWS.split(", "),
        "message": english,
    }


def test_every_check_has_its_spanish_message():
    failures = failures_of_every_check()
    assert sorted(failure.check for failure in failures) == [
        "new_victims_within_victims",
        "origins_sum_to_tip_victims",
        "tip_crime_within_tip_victims",
        "tip_crimes_cover_tip_victims",
        "tip_victims_within_victims",
        "total_equals_parts",
        "total_equals_sum_of_months",
    ]
    with translation.override("es"):
        spanish = {failure.check: failure.as_dict()["message"] for failure in failures}
    with translation.override("en"):
        english = {failure.check: failure.as_dict()["message"] for failure in failures}

    victims = "«Número de víctimas que recibieron servicios, incluidas las víctimas de trata»"
    assert english["tip_victims_within_victims"] == (
        "In May 2007, “Number of TIP victims” is 5, more than "
        "“Number of victims that received services including TIP victims”, which is 2."
    )
    assert spanish["tip_victims_within_victims"] == f"En mayo de 2007, {TRATA} es 5, más que {victims}, que es 2."
    assert spanish["new_victims_within_victims"] == (
        f"En mayo de 2007, «Número de víctimas nuevas que recibieron servicios» es 4, más que {victims}, que es 2."
    )
    assert spanish["tip_crime_within_tip_victims"] == (
        f"En mayo de 2007, el delito de trata «Otro» cuenta 6 víctimas, más que {TRATA}, que es 5."
    )
    assert spanish["tip_crimes_cover_tip_victims"] == (
        "En mayo de 2007, los delitos de trata (Turismo sexual, Trabajo forzado, Explotación sexual, "
        f"Trabajo infantil y Otro) suman 0, menos que {TRATA}, que es 7."
    )
    assert spanish["origins_sum_to_tip_victims"] == origins_es("mayo de 2007", 1, 5)
    assert spanish["total_equals_parts"] == (
        f"En mayo de 2007, «Total de víctimas que recibieron servicios» es 1, pero sus partes, {victims} y "
        "«Número de víctimas secundarias (hijas e hijos) que recibieron servicios», suman 2."
    )
    assert spanish["total_equals_sum_of_months"] == (
        "En el periodo, el TOTAL de «Asesoría legal» es 4, pero sus meses suman 3."
    )
    assert english["total_equals_sum_of_months"] == (
        "In the period, the TOTAL of “Legal Advice” is 4 but its months add up to 3."
    )
    assert all(spanish[check] != english[check] for check in english)
    # Words, not formulas: no row key is left in a sentence, and the numbers are the same, in the same order.
    for check in english:
        assert not re.search(r"\w+_\w+", spanish[check] + english[check]), check
        assert re.findall(r"\d+", spanish[check]) == re.findall(r"\d+", english[check])


@pytest.mark.django_db
def test_the_import_command_prints_the_same_english_with_spanish_active(seed_report):
    out = io.StringIO()
    with translation.override("es"):
        call_command("import_annex2", str(seed_report), stdout=out)
    rows = f"rows {ROWS}"
    ciam = "Centro Integral de Atención a las Mujeres (CIAM) Cancún, A.C. (ciam)"
    assert out.getvalue().splitlines() == [
        "Check failed: Fundación Casa Alianza México, I.A.P. (casa-alianza), 2007-11 (November 2007): "
        f"{origins_en('November 2007', 22, 20)}; {rows}",
        f"Check failed: {ciam}, 2007-06 (June 2007): {origins_en('June 2007', 2, 1)}; {rows}",
        f"Check failed: {ciam}, 2007-07 (July 2007): {origins_en('July 2007', 3, 2)}; {rows}",
    ]


def test_the_table_api_gives_the_failed_checks_in_the_language_asked(imported_seed, program_staff, api_as):
    client = api_as(program_staff)
    url = "/api/v1/shelters/ciam/annex2/"

    spanish = client.get(url, SEED_RANGE, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").json()["checks"]
    english = client.get(url, SEED_RANGE).json()["checks"]

    assert [check["message"] for check in spanish] == [
        origins_es("junio de 2007", 2, 1),
        origins_es("julio de 2007", 3, 2),
    ]
    assert [check["message"] for check in english] == [
        origins_en("June 2007", 2, 1),
        origins_en("July 2007", 3, 2),
    ]
    # ?lang= names the table's language: its checks follow it, whatever the client's Accept-Language.
    asked_english = client.get(url, {**SEED_RANGE, "lang": "en"}, HTTP_ACCEPT_LANGUAGE="es").json()["checks"]
    assert [check["message"] for check in asked_english] == [check["message"] for check in english]


def test_the_admin_table_page_in_spanish(imported_seed, client, program_staff):
    client.force_login(program_staff)
    params = {"shelter": "ciam", "start": "2007-05", "end": "2007-12"}

    html = client.get(TABLE_URL, {**params, "lang": "es"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Tabla del Anexo 2" in html
    assert "Idioma" in html
    assert f"ciam 2007-06: {origins_es('junio de 2007', 2, 1)}" in html
    assert 'aria-label="tendencia"' in html

    # One table, one language: the donor's English table keeps English checks on a Spanish page.
    english_table = client.get(TABLE_URL, {**params, "lang": "en"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Tabla del Anexo 2" in english_table
    assert f"ciam 2007-06: {origins_en('June 2007', 2, 1)}" in english_table

    english = client.get(TABLE_URL, params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"ciam 2007-06: {origins_en('June 2007', 2, 1)}" in english
    assert 'aria-label="trend"' in english


def test_the_admin_table_page_says_a_bad_range_in_spanish(shelter_a, client, program_staff):
    client.force_login(program_staff)
    backwards = {"shelter": "shelter-a", "start": "2007-12", "end": "2007-05"}

    spanish = client.get(TABLE_URL, backwards, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(TABLE_URL, backwards, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    too_long = client.get(TABLE_URL, {"shelter": "shelter-a", "start": "1950-01"}, HTTP_ACCEPT_LANGUAGE="es")

    assert "<li>El primer mes no puede ser posterior al último.</li>" in spanish
    assert "<li>The first month must not be after the last.</li>" in english
    assert "<li>Pida como máximo 600 meses a la vez.</li>" in too_long.content.decode()


def test_the_lock_and_unlock_actions_are_told_apart_in_spanish(shelter_a, client, program_staff):
    MonthSubmission.objects.create(shelter=shelter_a, month=MAY)
    client.force_login(program_staff)

    html = client.get("/admin/indicators/monthsubmission/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Bloquear los meses seleccionados" in html
    assert "Desbloquear los meses seleccionados" in html


def test_the_table_apis_own_errors_follow_accept_language(imported_seed, program_staff, api_as):
    client = api_as(program_staff)
    url = "/api/v1/shelters/ciam/annex2/"

    english = client.get(url, {"format": "pdf"})
    spanish = client.get(url, {"format": "pdf"}, HTTP_ACCEPT_LANGUAGE="es")

    assert english.status_code == spanish.status_code == 400
    assert english.json() == {"format": ["Give json, csv or xlsx."]}
    assert spanish.json() == {"format": ["Indique json, csv o xlsx."]}
