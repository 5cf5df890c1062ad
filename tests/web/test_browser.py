"""The caseworker's pages in a real browser: Debian's Chromium, headless, at a phone's width.

Few and long on purpose (a browser is slow on two cores): one caseworker's whole
flow, and a form refused for a bad date.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import sync_playwright

from shelters.models import Victim
from shelters.scopes import every_shelter_scope
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}
TEST_OUTPUT = Path(settings.BASE_DIR) / "test-output"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's Chromium")
    # Playwright's sync API runs an event loop in the test thread, where Django's ORM (the tests'
    # factories and checks) would otherwise refuse to run. Only for these tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_phone(browser):
    """`new_phone()`: a fresh phone-sized browser (own cookies) whose system language is English."""
    contexts = []

    def make():
        context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(live_server.url + "/")


def month_cell(page, key: str) -> str:
    """The current month's cell of an Annex 2 row (the last month column, just before TOTAL)."""
    return page.locator(f"tr[data-key='{key}'] td").all_inner_texts()[-2].strip()


def test_a_caseworker_registers_a_tip_victim_and_logs_the_stay(live_server, new_phone, caseworker_a, caseworker_b):
    page = new_phone()

    # Signs in, in Spanish although the phone is set to English.
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "es"
    sign_in(page, live_server, "alice")
    assert page.get_by_text("Casos abiertos").is_visible()

    # Registers a TIP victim and the child who came with her.
    page.get_by_role("link", name="Registrar una víctima").click()
    today = timezone.localdate().isoformat()
    assert page.locator("#id_victim-intake_date").input_value() == today
    page.locator("#id_victim-given_name").fill("Guadalupe")
    page.locator("#id_victim-family_name").fill("Núñez")
    page.check("input[name='victim-sex'][value='female']")
    page.locator("#id_victim-birth_year").fill("1990")
    page.get_by_label("Víctima de trata").check()
    page.get_by_label("Explotación sexual").check()
    page.locator("#id_children-0-given_name").fill("Luz")
    page.check("input[name='children-0-sex'][value='female']")
    page.locator("#id_children-0-birth_year").fill("2019")
    page.get_by_role("button", name="Registrar", exact=True).click()
    page.wait_for_url("**/cases/*/")
    case_url = page.url
    assert page.get_by_role("heading", name="Caso SA-00001").is_visible()
    assert "Guadalupe" not in page.title() and "Guadalupe" not in case_url
    assert page.get_by_text("SA-00002").is_visible()  # the child, a secondary victim

    # Logs three services: open, choose the category, save.
    for category in ["Jurídico", "Médico", "Salud mental"]:
        page.get_by_text("Registrar servicio", exact=True).click()
        page.locator("#log-service label", has_text=category).click()
        page.get_by_role("button", name="Guardar servicio").click()
        page.wait_for_load_state()
        assert page.get_by_text(f"Servicio registrado: {category}").is_visible()
    assert page.locator("#timeline li.service").count() == 3

    # The case page fits a phone: no sideways scrolling. Its screenshot goes with the test output.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    TEST_OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(TEST_OUTPUT / "case-page-375px.png"), full_page=True)

    # Records the exit.
    page.get_by_role("link", name="Registrar el egreso").click()
    assert page.locator("#id_exit_date").input_value() == today
    page.get_by_label("Reintegración a la sociedad").check()
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(case_url)
    assert page.get_by_text("Egreso registrado para el caso SA-00001.").is_visible()
    # The test commits (the browser's server is another connection): it reads as the operator's command line.
    with every_shelter_scope():
        primary = Victim.objects.get(case_code="SA-00001")
    assert primary.exit_reason == "reintegrated" and primary.exit_date == timezone.localdate()

    # The month's Annex 2 table shows the new numbers (recomputed after each write).
    page.get_by_role("link", name="Anexo 2").click()
    expected = {
        "victims_served": "1",
        "secondary_victims_served": "1",
        "tip_victims_served": "1",
        "new_victims": "1",
        "new_secondary_victims": "1",
        "victims_reintegrated": "1",
        "tip_crime_sexual_exploitation": "1",
        "origin_mexican": "1",
        "services_legal": "1",
        "services_medical": "1",
        "services_mental_health": "1",
        "services_social": "0",
    }
    assert {key: month_cell(page, key) for key in expected} == expected

    # A caseworker of another shelter who opens the case's address finds nothing.
    other = new_phone()
    sign_in(other, live_server, "bob")
    response = other.goto(case_url)
    assert response.status == 404
    assert "Guadalupe" not in other.content() and "SA-00001" not in other.content()


def test_a_form_refused_for_a_bad_date_keeps_what_was_typed(live_server, new_phone, caseworker_a):
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(live_server.url + "/cases/new/")
    future = (timezone.localdate().replace(day=1) + timezone.timedelta(days=62)).isoformat()
    page.locator("#id_victim-given_name").fill("Guadalupe")
    page.locator("#id_victim-family_name").fill("Núñez")
    page.locator("#id_victim-intake_date").fill(future)
    page.get_by_label("Víctima de trata").check()
    page.get_by_label("Trabajo forzado").check()
    page.locator("#id_children-0-given_name").fill("Luz")
    page.get_by_role("button", name="Registrar", exact=True).click()
    page.wait_for_load_state()

    error = page.locator(".field.has-error", has=page.locator("#id_victim-intake_date"))
    assert "Fecha de ingreso no puede ser una fecha futura." in error.inner_text()
    assert page.locator("#id_victim-intake_date").input_value() == future
    assert page.locator("#id_victim-given_name").input_value() == "Guadalupe"
    assert page.locator("#id_victim-family_name").input_value() == "Núñez"
    assert page.get_by_label("Víctima de trata").is_checked()
    assert page.get_by_label("Trabajo forzado").is_checked()
    assert page.locator("#id_children-0-given_name").input_value() == "Luz"
    with every_shelter_scope():
        assert not Victim.objects.exists()
