"""Registering without accidents or duplicates, and correcting a case, in Chromium at 375 px (axe-core on each page)."""

from __future__ import annotations

from datetime import date

import pytest

from shelters.models import Service, Victim, VictimRole
from tests.factories import ServiceFactory, VictimFactory
from tests.walls import past_the_wall
from tests.web import test_browser
from tests.web.axe_corrections import assert_no_axe_violations, assert_tap_targets_at_least_44px
from tests.web.test_browser import PHONE, sign_in

pytestmark = pytest.mark.browser

# The browser test module's fixtures: one Chromium per module, a fresh 375 px phone per call.
browser = test_browser.browser
new_phone = test_browser.new_phone


def fits_the_phone(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_registration_refuses_a_blank_form_and_asks_about_a_duplicate(live_server, new_phone, caseworker_a, case_a):
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(live_server.url + "/cases/new/")
    assert_no_axe_violations(page)

    # An untouched form saves nothing.
    page.get_by_role("button", name="Registrar", exact=True).click()
    page.wait_for_load_state()
    # Beside the field, and (a link to it) in the error summary at the top.
    error = "Escriba un nombre o marque «Registrar sin nombre»."
    assert page.locator(".field").get_by_text(error).is_visible()
    assert page.locator("#error-summary").get_by_text(error).is_visible()
    assert past_the_wall(Victim.objects.count) == 1

    # The same name as case SA-00001: shown by its code, nothing saved, what was typed kept.
    page.locator("#id_victim-given_name").fill("guadalupe")
    page.locator("#id_victim-family_name").fill("NUÑEZ")
    page.locator("#id_victim-birth_year").fill("1985")
    page.get_by_role("button", name="Registrar", exact=True).click()
    page.wait_for_load_state()
    notice = page.locator("#duplicates")
    assert notice.is_visible() and "SA-00001" in notice.inner_text()
    assert page.locator("#id_victim-birth_year").input_value() == "1985"
    assert past_the_wall(Victim.objects.count) == 1
    assert fits_the_phone(page)
    assert_no_axe_violations(page)

    page.get_by_label("Ninguno es la misma persona: registrar de todos modos").check()
    page.get_by_role("button", name="Registrar", exact=True).click()
    page.wait_for_url("**/cases/*/")
    assert page.get_by_role("heading", name="Caso SA-00101").is_visible()
    assert past_the_wall(Victim.objects.count) == 2

    # The search finds both, the closed one too, and says what it looked through.
    case_a.exit_date, case_a.exit_reason = date(2026, 2, 1), "reintegrated"
    past_the_wall(case_a.save)
    page.goto(live_server.url + "/cases/")
    page.get_by_label("Código de caso o nombre").fill("nunez")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_load_state()
    assert page.get_by_text("2 casos encontrados (1 cerrado)").is_visible()
    assert page.locator("#case-rows li").count() == 2
    assert_no_axe_violations(page)


def test_a_timeline_entry_is_corrected_then_deleted(live_server, new_phone, caseworker_a, case_a):
    service = ServiceFactory(victim=case_a, date=date(2026, 2, 3), category="medical")
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/cases/{case_a.pk}/")
    assert_tap_targets_at_least_44px(page, "#timeline a.fix")
    assert_no_axe_violations(page)

    page.locator("#timeline li.service").get_by_role("link", name="Corregir").click()
    page.wait_for_url(f"**/services/{service.pk}/edit/")
    assert page.locator("#id_date").input_value() == "2026-02-03"
    assert_no_axe_violations(page)
    # A date before the intake is refused next to the field, with what was typed kept.
    page.locator("#id_date").fill("2026-01-01")
    page.get_by_label("Jurídico").check()
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_load_state()
    assert page.locator(".field").get_by_text("no puede ser anterior al ingreso").is_visible()
    assert page.locator("#error-summary").get_by_text("no puede ser anterior al ingreso").is_visible()
    assert page.get_by_label("Jurídico").is_checked()
    page.locator("#id_date").fill("2026-02-04")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(f"**/cases/{case_a.pk}/#timeline")
    assert page.get_by_text("Corrección guardada: servicio, 04/02/2026.").is_visible()
    past_the_wall(service.refresh_from_db)
    assert (service.category, service.date) == ("legal", date(2026, 2, 4))

    page.locator("#timeline li.service").get_by_role("link", name="Corregir").click()
    page.get_by_role("link", name="Eliminar…").click()
    page.wait_for_url("**/delete/")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Eliminar", exact=True).click()
    page.wait_for_url(f"**/cases/{case_a.pk}/#timeline")
    assert page.get_by_text("Registro eliminado").is_visible()
    assert not past_the_wall(Service.objects.exists)


def test_a_mother_leaves_with_her_children_and_the_exit_is_on_the_timeline(
    live_server, new_phone, caseworker_a, case_a
):
    for number, name in ((2, "Luz"), (3, "Sol")):
        VictimFactory(
            shelter=case_a.shelter,
            case_code=f"SA-0000{number}",
            role=VictimRole.SECONDARY,
            primary_victim=case_a,
            given_name=name,
            intake_date=case_a.intake_date,
        )
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/cases/{case_a.pk}/")
    page.get_by_role("link", name="Registrar el egreso").click()
    page.wait_for_url("**/exit/")
    assert page.get_by_label("SA-00002 Luz").is_checked() and page.get_by_label("SA-00003 Sol").is_checked()
    assert fits_the_phone(page)
    assert_no_axe_violations(page)
    page.get_by_label("SA-00003 Sol").uncheck()  # Sol stays
    page.get_by_label("Reintegración a la sociedad").check()
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(f"**/cases/{case_a.pk}/")
    assert page.get_by_text("Egresaron también: SA-00002.").is_visible()
    assert page.locator("#timeline li.exit").is_visible()
    exits = dict(past_the_wall(lambda: list(Victim.objects.values_list("case_code", "exit_date"))))
    assert exits["SA-00002"] == exits["SA-00001"] is not None and exits["SA-00003"] is None

    # The follow-up form proposes no date it would refuse: on the exit's day, none.
    page.get_by_role("link", name="Seguimiento").click()
    assert page.locator("#id_date").input_value() == ""
    assert page.get_by_text("Después del egreso").is_visible()
    assert_no_axe_violations(page)
