"""Whatever a program officer or a partner sends to the report and its sections is answered with a 400 naming
the field (never a 500 or a 404), and a refused PATCH writes no section."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import ShelterFactory

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/reports/quarterly/2007-Q4/"
SECTIONS = "/api/v1/reports/quarterly/2007-Q4/sections/"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"format": "pdf"}, "format"),
        ({"number": "²"}, "number"),
        ({"number": "１２"}, "number"),
        ({"number": "0"}, "number"),
        ({"number": "-1"}, "number"),
        ({"number": "1000"}, "number"),
        ({"lang": "fr"}, "lang"),
        ({"format": "csv", "table": "../../etc"}, "table"),
    ],
)
def test_bad_report_parameters_are_400_naming_the_field(program_staff, partner, api_as, params, field):
    ShelterFactory(slug="solo", agreement_start=date(2007, 10, 1))
    for user in (program_staff, partner):
        response = api_as(user).get(REPORT, params)

        assert response.status_code == 400, (params, response.status_code, response.content[:200])
        assert field in response.json()


@pytest.mark.parametrize(
    "text",
    ["nul \x00 byte", "x" * 50_001],
)
def test_a_section_text_that_cannot_be_stored_is_400_naming_section_and_field(program_staff, api_as, text):
    response = api_as(program_staff).patch(SECTIONS, {"conclusion": {"text_en": text}}, format="json")

    assert response.status_code == 400
    assert response.json()["conclusion"][0].startswith("text_en: ")


def test_a_lone_surrogate_is_400(program_staff, api_as):
    response = api_as(program_staff).patch(
        SECTIONS, b'{"introduction": {"text_es": "mal \\ud800 medio"}}', content_type="application/json"
    )

    assert response.status_code == 400
    assert "introduction" in response.json()


def test_a_refused_patch_writes_no_section(program_staff, api_as):
    client = api_as(program_staff)

    response = client.patch(
        SECTIONS, {"introduction": {"text_en": "saved?"}, "conclusion": {"text_en": "nul \x00"}}, format="json"
    )

    assert response.status_code == 400 and set(response.json()) == {"conclusion"}
    sections = {entry["section"]: entry for entry in client.get(SECTIONS).json()["sections"]}
    assert sections["introduction"]["text_en"] == ""
    assert client.patch(SECTIONS, {"introduction": {"text_en": "saved"}}, format="json").status_code == 200
