"""Nothing typed is lost, in a real browser at 375 px: the search's post-redirect-get and Back, the error summary,
the session's warning and its extension, a form sent after the session ended, a form sent with the connection
down, and the Annex 2 table's sticky header and first column."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from shelters.models import Service, Victim
from tests.factories import VictimFactory
from tests.walls import past_the_wall, seeing
from tests.web.axe_corrections import assert_no_axe_violations, assert_tap_targets_at_least_44px
from tests.web.test_browser import PHONE, browser, new_phone, sign_in  # noqa: F401, F811 (fixtures)

pytestmark = pytest.mark.browser
# ruff: noqa: F811 (the fixtures imported from test_browser)


@pytest.fixture
def guadalupe(shelter_a):
    with seeing(shelter_a.pk):
        return VictimFactory(shelter=shelter_a, given_name="Guadalupe", family_name="Núñez", tip_victim=False)


def test_a_search_posts_then_redirects_and_back_asks_nothing(live_server, new_phone, caseworker_a, guadalupe):
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(live_server.url + "/cases/")
    page.get_by_label("Código de caso o nombre").fill("Guadalupe")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_url("**/cases/?*search=1*")
    assert "guadalupe" not in page.url.lower()
    assert page.locator("#case-rows").get_by_text(guadalupe.case_code).is_visible()
    page.locator("#case-rows a").first.click()
    page.wait_for_url(f"**/cases/{guadalupe.pk}/")
    # Back is a GET of the results: no "Confirm Form Resubmission", the results and the typed text are there.
    response = page.go_back()
    assert response is None or response.request.method == "GET"
    assert page.locator("#case-rows").get_by_text(guadalupe.case_code).is_visible()
    assert page.get_by_label("Código de caso o nombre").input_value() == "Guadalupe"
    assert_no_axe_violations(page)


def test_every_error_at_once_in_a_summary_that_takes_focus_and_links_to_each_field(
    live_server, new_phone, caseworker_a, guadalupe
):
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(live_server.url + f"/cases/{guadalupe.pk}/exit/")
    page.locator("#id_exit_date").fill("")
    page.get_by_role("button", name="Guardar").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    links = summary.locator("a")
    assert links.count() == 2  # the exit date and the reason, at once
    assert_tap_targets_at_least_44px(page, "#error-summary a")
    links.nth(1).click()
    assert page.evaluate("document.activeElement.name") == "exit_reason"
    assert_no_axe_violations(page)


def test_the_session_warns_before_it_ends_and_can_be_extended(live_server, new_phone, caseworker_a, settings):
    settings.SESSION_COOKIE_AGE = 8
    settings.SESSION_WARNING_SECONDS = 6
    page = new_phone()
    sign_in(page, live_server, "alice")
    started = time.monotonic()
    warning = page.locator("#session-warning")
    warning.wait_for(state="visible", timeout=6000)
    assert_no_axe_violations(page)
    assert_tap_targets_at_least_44px(page, "#session-warning button")
    warning.get_by_role("button", name="Seguir en la sesión").click()
    warning.wait_for(state="hidden")
    # Past the session's first end: still signed in, because it was extended.
    time.sleep(max(0, 8.5 - (time.monotonic() - started)))
    page.goto(live_server.url + "/cases/")
    assert "/accounts/login/" not in page.url


def test_a_form_sent_after_the_session_ended_comes_back_filled_after_signing_in(
    live_server, new_phone, caseworker_a, settings
):
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(live_server.url + "/cases/new/")
    page.locator("#id_victim-given_name").fill("Guadalupe")
    page.locator("#id_victim-family_name").fill("Núñez")
    page.get_by_label("Víctima de trata").check()
    page.get_by_label("Trabajo forzado").check()
    page.locator("#id_children-0-given_name").fill("Luz")
    # Thirty minutes without activity, as the database sees them.
    past_the_wall(lambda: Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1)))
    page.get_by_role("button", name="Registrar", exact=True).click()
    page.wait_for_url("**/accounts/login/**")
    assert "Guadalupe" not in page.url
    page.get_by_label("Usuario").fill("alice")
    page.get_by_label("Contraseña").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(live_server.url + "/cases/new/")
    assert page.locator("#id_victim-given_name").input_value() == "Guadalupe"
    assert page.locator("#id_victim-family_name").input_value() == "Núñez"
    assert page.get_by_label("Trabajo forzado").is_checked()
    assert page.locator("#id_children-0-given_name").input_value() == "Luz"
    assert past_the_wall(lambda: not Victim.objects.exists())
    assert_no_axe_violations(page)


def test_a_service_saved_with_the_connection_down_is_kept_and_sent_on_the_next_tap(
    live_server, new_phone, caseworker_a, guadalupe
):
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(live_server.url + f"/cases/{guadalupe.pk}/")
    page.get_by_text("Registrar servicio", exact=True).click()
    page.locator("#log-service label", has_text="Jurídico").click()
    page.context.set_offline(True)
    page.get_by_role("button", name="Guardar servicio").click()
    notice = page.locator("#offline-notice")
    notice.wait_for(state="visible")
    assert page.url.endswith(f"/cases/{guadalupe.pk}/")
    assert page.locator("#log-service input[value='legal']").is_checked()
    assert past_the_wall(lambda: not Service.objects.exists())
    assert_no_axe_violations(page)
    page.context.set_offline(False)
    page.get_by_role("button", name="Guardar servicio").click()
    page.get_by_text("Servicio registrado: Jurídico").wait_for()
    assert past_the_wall(lambda: Service.objects.count()) == 1


def test_the_annex2_header_and_first_column_stay_in_view_on_a_phone(live_server, new_phone, caseworker_a):
    page = new_phone()
    sign_in(page, live_server, "alice")
    page.goto(live_server.url + "/annex2/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    wrap = page.locator(".table-wrap")
    first = page.locator("tr[data-key='victims_served'] th")
    header = page.locator("#annex2 thead th").nth(1)
    before_first, before_header = first.bounding_box(), header.bounding_box()
    wrap.evaluate("box => { box.scrollLeft = 400; box.scrollTop = 300; }")
    after_first, after_header = first.bounding_box(), header.bounding_box()
    assert wrap.evaluate("box => box.scrollLeft") > 0 and wrap.evaluate("box => box.scrollTop") > 0
    assert after_first["x"] == before_first["x"]  # the indicator column stays
    assert after_header["y"] == before_header["y"]  # the months' header stays
    assert_no_axe_violations(page)
