"""Bringing records: the Excel template, the dry run's errors by row and column, all rows or none, the export."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from shelters.models import AuditAction, AuditEntry, MonthLock, Victim, VictimRole
from shelters.spreadsheets import COLUMNS
from tests.factories import ServiceFactory, VictimFactory

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in COLUMNS]


def workbook(*rows: dict[str, object], headers: list[str] = HEADERS) -> SimpleUploadedFile:
    """A filled-in template: each row by header (the rest blank)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Casos"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    output = io.BytesIO()
    book.save(output)
    return SimpleUploadedFile("casos.xlsx", output.getvalue())


GOOD = {
    "Nombre": "Guadalupe",
    "Apellidos": "Núñez",
    "Sexo": "Mujer",
    "Año de nacimiento": 1990,
    "Nacionalidad": "México",
    "Fecha de ingreso": "10/01/2026",
    "Víctima de trata": "Sí",
    "Tipos de explotación": "Explotación sexual, trabajo forzado",
}


def test_the_template_is_in_spanish_with_instructions(client_as, coordinator_a):
    response = client_as(coordinator_a).get("/records/template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Casos", "Instrucciones"]
    assert [cell.value for cell in book["Casos"][1]] == HEADERS
    assert "Explotación sexual" in str([cell.value for row in book["Instrucciones"].iter_rows() for cell in row])


@pytest.mark.parametrize("url", ["/records/", "/records/template.xlsx"])
@pytest.mark.parametrize("who", ["caseworker_a", "caseworker_b", "program_staff", "partner"])
def test_only_coordinators_bring_or_take_records(client_as, personas, case_a, url, who):
    client = client_as(personas[who])
    assert client.get(url).status_code == 403
    assert client.post("/records/export/").status_code == 403


def test_a_dry_run_lists_every_rows_errors_by_row_and_column_and_saves_nothing(client_as, coordinator_a):
    rows = [
        GOOD,
        {**GOOD, "Fecha de ingreso": "31/02/2026", "Sexo": "Quizá"},
        {**GOOD, "Víctima de trata": "No"},  # exploitation types without TIP: the model's rule
        {**GOOD, "Fecha de egreso": "01/01/2026"},  # exit before intake, and no reason
        {**GOOD, "Víctima principal": "40"},
    ]
    response = client_as(coordinator_a).post("/records/", {"file": workbook(*rows), "action": "check"})
    errors = [(error["row"], error["letter"], error["column"]) for error in response.context["errors"]]
    assert errors == [
        (3, "C", "Sexo"),
        (3, "F", "Fecha de ingreso"),
        (4, "H", "Tipos de explotación"),
        (5, "I", "Fecha de egreso"),
        (5, "J", "Motivo de egreso"),
        (6, "L", "Víctima principal"),
    ]
    page = response.content.decode()
    assert "nada se guardó" in page and "Indique una fecha como DD/MM/AAAA." in page
    assert not Victim.objects.exists() and not AuditEntry.objects.filter(action=AuditAction.CREATE).exists()


def test_a_clean_dry_run_saves_nothing_and_the_import_saves_all(client_as, coordinator_a, shelter_a):
    upload = workbook(
        GOOD,
        {"Nombre": "Luz", "Fecha de ingreso": date(2026, 1, 10), "Víctima principal": "2"},
        {
            "Nombre": "Rosa",
            "Sexo": "female",
            "Nacionalidad": "GT",
            "Fecha de ingreso": "2026-02-01",
            "Fecha de egreso": "2026-03-01",
            "Motivo de egreso": "Salida voluntaria",
        },
    )
    client = client_as(coordinator_a)
    response = client.post("/records/", {"file": upload, "action": "check"})
    assert response.context["errors"] == [] and response.context["result"].rows == 3
    assert not Victim.objects.exists()
    upload.seek(0)
    response = client.post("/records/", {"file": upload, "action": "import"}, follow=True)
    assert "3 casos importados" in response.content.decode()
    victims = {victim.given_name: victim for victim in Victim.objects.filter(shelter=shelter_a)}
    assert set(victims) == {"Guadalupe", "Luz", "Rosa"}
    assert victims["Guadalupe"].tip_victim and victims["Guadalupe"].exploitation_types == [
        "forced_labor",
        "sexual_exploitation",
    ]
    assert victims["Luz"].role == VictimRole.SECONDARY and victims["Luz"].primary_victim == victims["Guadalupe"]
    assert victims["Rosa"].nationality == "GT" and victims["Rosa"].exit_reason == "voluntary_departure"
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, record_type="victim", channel="import").count() == 3


def test_one_bad_row_saves_none(client_as, coordinator_a):
    upload = workbook(GOOD, {**GOOD, "Fecha de ingreso": ""})
    response = client_as(coordinator_a).post("/records/", {"file": upload, "action": "import"})
    assert response.status_code == 200 and [error["row"] for error in response.context["errors"]] == [3]
    assert not Victim.objects.exists()


def test_a_locked_month_refuses_its_rows(client_as, coordinator_a, shelter_a):
    MonthLock.objects.create(shelter=shelter_a, month=date(2026, 1, 1))
    response = client_as(coordinator_a).post("/records/", {"file": workbook(GOOD), "action": "import"})
    assert "2026-01" in response.context["errors"][0]["message"]
    assert not Victim.objects.exists()


def test_a_child_may_name_an_existing_case_of_the_shelter_only(client_as, coordinator_a, case_a, shelter_b):
    VictimFactory(shelter=shelter_b, case_code="SB-00001")
    client = client_as(coordinator_a)
    theirs = client.post("/records/", {"file": workbook({**GOOD, "Víctima principal": "SB-00001"}), "action": "check"})
    assert theirs.context["errors"][0]["column"] == "Víctima principal"
    ours = client.post(
        "/records/",
        {
            "file": workbook({"Nombre": "Luz", "Fecha de ingreso": "10/01/2026", "Víctima principal": "sa-00001"}),
            "action": "import",
        },
    )
    assert ours.status_code == 302
    assert Victim.objects.filter(shelter=case_a.shelter).exclude(pk=case_a.pk).get().primary_victim == case_a


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("casos.xlsx", b"not a workbook"), "no es un archivo de Excel"),
        (None, "faltan: Nombre"),
    ],
)
def test_a_file_it_cannot_read_is_refused_whole(client_as, coordinator_a, upload, message):
    upload = upload or workbook(GOOD, headers=HEADERS[1:])
    response = client_as(coordinator_a).post("/records/", {"file": upload, "action": "check"})
    assert response.status_code == 200 and message in response.content.decode()


def test_too_many_rows_are_refused_whole(client_as, coordinator_a, monkeypatch):
    monkeypatch.setattr("shelters.spreadsheets.MAX_ROWS", 2)
    response = client_as(coordinator_a).post("/records/", {"file": workbook(GOOD, GOOD, GOOD), "action": "import"})
    assert "Como máximo 2 filas a la vez." in response.content.decode()
    assert not Victim.objects.exists()


def test_the_export_holds_the_shelters_own_records_and_is_audited(client_as, coordinator_a, case_a, shelter_b):
    ServiceFactory(victim=case_a, date=date(2026, 1, 12), notes='=HYPERLINK("http://evil")')
    VictimFactory(shelter=shelter_b, case_code="SB-00001", given_name="Other")
    response = client_as(coordinator_a).post("/records/export/")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    book = load_workbook(io.BytesIO(response.content))
    cases = [[cell.value for cell in row] for row in book["Casos"].iter_rows(min_row=2)]
    assert [row[:3] for row in cases] == [["SA-00001", "Guadalupe", "Núñez"]]
    service = next(book["Servicios"].iter_rows(min_row=2))
    assert service[0].value == "SA-00001" and service[3].data_type == "s"  # a note that looks like a formula is text
    views = AuditEntry.objects.filter(action=AuditAction.VIEW, channel="export")
    assert {entry.record_type for entry in views} == {"victim", "service"}
    # The export is the template's layout: it can be read back.
    assert [cell.value for cell in book["Casos"][1]][1:] == HEADERS


def test_a_get_never_exports(client_as, coordinator_a, case_a):
    assert client_as(coordinator_a).get("/records/export/").status_code == 405
