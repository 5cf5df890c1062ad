"""The coordinator's and caseworker's tasks, the coordinator's pages, and bringing records, in Chromium at 375 px.

Few and long on purpose (a browser is slow on two cores); the browser and the phone come from test_browser.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from shelters.models import Victim
from shelters.scopes import every_shelter_scope
from shelters.selectors import add_months
from tests.factories import VictimFactory
from tests.walls import past_the_wall
from tests.web import test_browser
from tests.web.test_browser import PHONE, sign_in

# The browser and phone fixtures of the caseworker's browser tests, shared.
browser = test_browser.browser
new_phone = test_browser.new_phone

pytestmark = pytest.mark.browser


AXE = Axe()


def fits_the_phone(page) -> None:
    """No sideways scrolling, every button and select of the main content at least 44 px tall, and axe-core
    (bundled by axe-playwright-python, no download) finds no violation."""
    violations = AXE.run(page).response["violations"]
    found = [(violation["id"], [node["target"] for node in violation["nodes"]]) for violation in violations]
    assert found == [], found
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small = page.evaluate(
        """() => [...document.querySelectorAll('main button, main .button, main select')]
              .filter(element => element.offsetParent !== null && element.getBoundingClientRect().height < 44)
              .map(element => element.outerHTML.slice(0, 80))"""
    )
    assert small == []


def test_a_coordinator_assigns_and_the_caseworker_finds_the_task(
    live_server, new_phone, shelter_a, caseworker_a, coordinator_a
):
    today = timezone.localdate()
    shelter_a.last_case_number = 100
    shelter_a.save()
    left = VictimFactory(
        shelter=shelter_a,
        case_code="SA-00007",
        intake_date=today - timedelta(days=150),
        exit_date=today - timedelta(days=45),
        exit_reason="reintegrated",
    )
    VictimFactory(shelter=shelter_a, case_code="SA-00008", intake_date=today - timedelta(days=10))

    page = new_phone()
    sign_in(page, live_server, "carla")
    page.get_by_role("link", name="Casos").click()
    page.locator("select[name='status']").select_option("all")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_load_state()
    fits_the_phone(page)
    page.get_by_label("Asignar el caso SA-00007 a").select_option(label="alice")
    page.locator("form.assign", has=page.get_by_label("Asignar el caso SA-00007 a")).get_by_role(
        "button", name="Asignar"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_text("Caso SA-00007 asignado a alice.").is_visible()
    past_the_wall(left.refresh_from_db)
    assert left.assigned_to == caseworker_a

    # The coordinator keeps the shelter's plan: a follow-up one month and two months after an exit.
    page.get_by_role("link", name="Inicio").click()
    page.get_by_role("link", name="Plan de seguimientos").click()
    page.get_by_label("Meses después del egreso").fill("1, 2")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_load_state()
    assert page.get_by_text("Plan de seguimientos guardado.").is_visible()
    fits_the_phone(page)
    shelter_a.refresh_from_db()
    assert shelter_a.follow_up_plan == [1, 2]

    # The caseworker's home lists the overdue follow-up with its date, marked as hers; her list has her case.
    phone = new_phone()
    sign_in(phone, live_server, "alice")
    due = add_months(left.exit_date, 1)
    item = phone.locator("#follow-ups-due li").first
    assert "SA-00007" in item.inner_text() and "Vencido" in item.inner_text() and "Mío" in item.inner_text()
    assert f"Seguimiento 1 de 2, vence el {due:%d/%m/%Y}" in item.inner_text()
    fits_the_phone(phone)
    phone.goto(live_server.url + "/cases/?status=all")  # the case is closed; "my cases" is the default
    assert phone.locator("#case-rows li").all_inner_texts()[0].startswith("SA-00007")
    assert phone.locator("#case-rows li").count() == 1
    assert past_the_wall(lambda: Victim.objects.filter(shelter=shelter_a).count()) == 2


def test_a_coordinator_reads_the_trail_keeps_the_cost_share_and_submits_a_month(
    live_server, new_phone, shelter_a, caseworker_a, coordinator_a
):
    from indicators.models import MonthSubmission
    from reports.models import CostShareContribution
    from shelters import services

    shelter_a.last_case_number = 100
    shelter_a.save()
    case = VictimFactory(shelter=shelter_a, case_code="SA-00009", intake_date=timezone.localdate() - timedelta(days=9))
    with every_shelter_scope():  # the test writes as the operator would: it commits, no scope spans it
        services.record_update(actor=caseworker_a, record=case, data={"birth_year": 1990})

    page = new_phone()
    sign_in(page, live_server, "carla")

    # The trail, searched by case code: in words, never an id.
    page.get_by_role("link", name="Bitácora").click()
    page.get_by_label("Código de caso").fill("SA-00009")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_load_state()
    entry = page.locator("#trail-rows li").first.inner_text()
    assert "alice" in entry and "Modificado" in entry and "caso SA-00009" in entry and "año de nacimiento" in entry
    assert str(case.pk) not in page.content()
    fits_the_phone(page)

    # The cost share: a contribution in pesos, shown in dollars.
    page.get_by_role("link", name="Contrapartida").click()
    page.locator("#id_amount").fill("1089.22")
    page.get_by_label("Pesos mexicanos (MXN)").check()
    page.locator("#id_exchange_rate").fill("10.8922")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_load_state()
    assert page.get_by_text("Aportación registrada.").is_visible()
    assert "100,00 USD" in page.locator("#contributions").inner_text()
    assert CostShareContribution.objects.get(shelter=shelter_a).amount_usd == 100
    fits_the_phone(page)

    # The month to submit is the last finished one, and is submitted only once confirmed.
    page.get_by_role("link", name="Anexo 2").click()
    last_finished = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    assert page.locator("#id_month").input_value() == f"{last_finished:%Y-%m}"
    page.get_by_role("button", name="Enviar a revisión").click()
    page.wait_for_load_state()
    assert not MonthSubmission.objects.exists()
    fits_the_phone(page)
    page.get_by_role("button", name="Sí, enviar").click()
    page.wait_for_load_state()
    assert MonthSubmission.objects.get(shelter=shelter_a).month == last_finished


def test_a_coordinator_brings_the_shelters_records_and_exports_them(
    live_server, new_phone, shelter_a, coordinator_a, tmp_path
):
    import io

    from openpyxl import load_workbook

    from shelters.models import AuditEntry

    page = new_phone()
    sign_in(page, live_server, "carla")
    page.get_by_role("link", name="Registros").click()
    fits_the_phone(page)

    # The template comes from the page, in Spanish; the coordinator fills it in (one row with a bad date).
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargue la plantilla de Excel").click()
    template = tmp_path / "plantilla.xlsx"
    download.value.save_as(template)
    book = load_workbook(template)
    sheet = book["Casos"]
    headers = [cell.value for cell in sheet[1]]
    row = {"Nombre": "Guadalupe", "Apellidos": "Núñez", "Fecha de ingreso": "10/01/2026", "Sexo": "Mujer"}
    sheet.append([row.get(header) for header in headers])
    sheet.append([{**row, "Nombre": "Rosa", "Fecha de ingreso": "ayer"}.get(header) for header in headers])
    filled = tmp_path / "casos.xlsx"
    book.save(filled)

    # The dry run lists the error by row and column and saves nothing.
    page.locator("input[type=file]").set_input_files(filled)
    page.get_by_role("button", name="Revisar").click()
    page.wait_for_load_state()
    errors = page.locator("#import-errors tbody tr").all_inner_texts()
    assert len(errors) == 1 and errors[0].startswith("3") and "F · Fecha de ingreso" in errors[0]
    assert not past_the_wall(Victim.objects.exists)
    fits_the_phone(page)

    # Fixed, it imports both rows.
    sheet.cell(row=3, column=headers.index("Fecha de ingreso") + 1, value="11/01/2026")
    book.save(filled)
    page.locator("input[type=file]").set_input_files(filled)
    page.get_by_role("button", name="Importar", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("2 casos importados").is_visible()
    assert past_the_wall(lambda: Victim.objects.filter(shelter=shelter_a).count()) == 2

    # The export is the shelter's records, audited.
    with page.expect_download() as download:
        page.get_by_role("button", name="Exportar a Excel").click()
    exported = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    names = sorted(row[1] for row in exported["Casos"].iter_rows(min_row=2, values_only=True))
    assert names == ["Guadalupe", "Rosa"]
    assert past_the_wall(AuditEntry.objects.filter(action="view", channel="export").count) == 2
