"""Enrolment in a real browser at a phone's width (Debian's Chromium, as tests/web/test_browser.py)."""

from __future__ import annotations

import re
import time

import pytest

from tests.factories import PASSWORD
from tests.web.test_browser import PHONE, TEST_OUTPUT, browser, new_phone  # noqa: F401  (fixtures)

from .test_two_factor import rfc6238

pytestmark = [pytest.mark.browser, pytest.mark.two_factor]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_coordinator_enrols_on_a_phone_and_signs_in_with_a_backup_code(live_server, new_phone, coordinator_a):  # noqa: F811
    page = new_phone()
    page.goto(live_server.url + "/")
    page.get_by_label("Usuario").fill("carla")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()

    # Sent to enrolment: the QR code, a link for an app on this phone, the key in groups to type by hand.
    page.wait_for_url("**/accounts/two-factor/**")
    assert page.get_by_role("heading", name="Configure un segundo factor").is_visible()
    assert page.locator(".qr-box svg").is_visible()
    assert page.locator(".qr-box svg").bounding_box()["width"] <= PHONE["width"]
    link = page.get_by_role("link", name="Abrir en la aplicación de autenticación")
    assert link.get_attribute("href").startswith("otpauth://totp/PROTEJA%3Acarla?secret=")
    assert fits_the_phone(page)
    TEST_OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(TEST_OUTPUT / "two-factor-enrol-375px.png"), full_page=True)
    secret = re.sub(r"\s+", "", page.locator(".secret").inner_text())
    code_field = page.get_by_label("Código que muestra la aplicación ahora")
    assert code_field.get_attribute("inputmode") == "numeric"
    code_field.fill(rfc6238(secret, time.time()))
    page.get_by_role("button", name="Confirmar").click()

    # The ten backup codes, once; the print button comes from a script file (no inline script).
    page.wait_for_url("**/accounts/two-factor/codes/**")
    codes = [code.strip() for code in page.locator(".backup-codes code").all_inner_texts()]
    assert len(codes) == 10 and all(re.fullmatch(r"\d{5} \d{5}", code) for code in codes)
    assert page.get_by_role("button", name="Imprimir").is_visible()
    assert fits_the_phone(page)
    page.screenshot(path=str(TEST_OUTPUT / "two-factor-backup-codes-375px.png"), full_page=True)
    page.get_by_role("link", name="Ya los guardé").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("Casos abiertos").is_visible()

    # Signs out and in again with a backup code in place of the app's code.
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Usuario").fill("carla")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("Código de verificación").fill(codes[0])
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("Casos abiertos").is_visible()
