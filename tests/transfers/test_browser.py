"""Consent and transfer in Chromium at 375 px, axe-core on each page: Alice records the victim's consent and
prints its form, proposes the transfer; Bob, at the receiving shelter, accepts it and lands on his new case."""

from __future__ import annotations

import pytest

from shelters.models import ExitReason, Victim
from tests.walls import past_the_wall
from tests.web import test_browser
from tests.web.axe_corrections import assert_no_axe_violations
from tests.web.test_browser import PHONE, sign_in
from transfers.models import Consent, Transfer, TransferStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The browser test module's fixtures: one Chromium per module, a fresh 375 px phone per call.
browser = test_browser.browser
new_phone = test_browser.new_phone


def fits_the_phone(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_consent_then_transfer_on_both_sides(live_server, new_phone, caseworker_a, caseworker_b, case_a):
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/cases/{case_a.pk}/")
    assert page.get_by_role("heading", name="Consentimientos").is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Registrar consentimiento").click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)
    page.get_by_label("Traslado a otro albergue").check()
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url("**/print/")
    assert page.get_by_role("heading", name="Formato de consentimiento").is_visible()
    assert "SA-00001" in page.inner_text("main") and "Nombre y firma de la víctima" in page.inner_text("main")
    assert fits_the_phone(page)
    assert_no_axe_violations(page)
    assert past_the_wall(Consent.objects.count) == 1

    page.goto(f"{live_server.url}/cases/{case_a.pk}/transfer/new/")
    assert_no_axe_violations(page)
    page.get_by_label("Albergue que recibe").select_option(label="Shelter B")
    page.get_by_role("button", name="Proponer el traslado").click()
    page.wait_for_url(f"**/cases/{case_a.pk}/#consents")
    assert page.locator("#consents").get_by_text("Shelter B · Propuesto").is_visible()
    assert fits_the_phone(page)

    other = new_phone()
    sign_in(other, live_server, "bob")
    other.goto(f"{live_server.url}/transfers/")
    assert other.get_by_text("Shelter A").first.is_visible()
    assert "SA-00001" not in other.content() and "Guadalupe" not in other.content()
    assert fits_the_phone(other)
    assert_no_axe_violations(other)
    other.get_by_role("button", name="Aceptar").click()
    other.wait_for_url("**/cases/*/")
    received = past_the_wall(lambda: Victim.objects.get(shelter__slug="shelter-b"))
    assert other.get_by_role("heading", name=f"Caso {received.case_code}").is_visible()
    assert past_the_wall(lambda: Transfer.objects.get().status) == TransferStatus.ACCEPTED
    assert past_the_wall(lambda: Victim.objects.get(pk=case_a.pk).exit_reason) == ExitReason.TRANSFERRED
