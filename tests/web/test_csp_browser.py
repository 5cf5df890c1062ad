"""The Content-Security-Policy in a real browser: every kind of page works under it and reports no violation.

Pages of shelter staff, admin (with its JavaScript: the actions bar, the date picker, the user form's
two-list selector, the Annex 2 table), the browsable API, Swagger UI at /api/docs/ and the printable
report. Each page listens for `securitypolicyviolation` before any of its own scripts run, and the console
is read for Chromium's "Refused to ... Content Security Policy" lines.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.test import Client

from indicators.models import IndicatorValue, Source
from meetings.models import Meeting
from shelters.models import Role
from tests.factories import ServiceFactory, UserFactory, VictimFactory

from .test_browser import browser, new_phone  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""


class Watched:
    """A browser page signed in as `user`, collecting CSP violations from the page and the console."""

    def __init__(self, browser, live_server, user) -> None:  # noqa: F811
        self.live_server = live_server
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        self.context.set_default_timeout(15_000)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        self.context.add_init_script(WATCH_VIOLATIONS)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda message: self.console.append(message.text) if "Content Security Policy" in message.text else None,
        )

    def open(self, path: str):
        response = self.page.goto(self.live_server.url + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        return response

    def assert_no_violation(self, where: str) -> None:
        violations = self.page.evaluate("window.__cspViolations")
        assert violations == [] and self.console == [], (where, violations, self.console)


@pytest.fixture
def seen(browser, live_server):  # noqa: F811
    pages = []

    def make(user) -> Watched:
        watched = Watched(browser, live_server, user)
        pages.append(watched)
        return watched

    yield make
    for watched in pages:
        watched.context.close()


def test_shelter_staff_pages_run_under_the_policy(seen, shelter_a, coordinator_a):
    case = VictimFactory(shelter=shelter_a, intake_date=date(2026, 1, 10), given_name="Guadalupe")
    ServiceFactory(victim=case, date=date(2026, 1, 12))
    watched = seen(coordinator_a)

    for path in [
        "/",
        "/cases/",
        "/cases/new/",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/services/new/",
        "/trainings/",
        "/annex2/",
        "/team/",
        "/accounts/two-factor/",
        "/accounts/password_change/",
    ]:
        watched.open(path)
        watched.assert_no_violation(path)

    # The page's own stylesheet applied: the inline <style> ran under its nonce.
    watched.open("/cases/")
    width = watched.page.evaluate("getComputedStyle(document.querySelector('button.full')).width")
    assert width != "auto" and float(width.removesuffix("px")) > 100
    # The QR code of enrolment is drawn inline and shows.
    watched.open("/accounts/two-factor/")
    assert watched.page.locator("svg.qr").count() == 1
    watched.assert_no_violation("two-factor")


def test_the_watch_sees_an_inline_script_and_an_inline_style_refused(seen, caseworker_a):
    watched = seen(caseworker_a)
    watched.open("/")
    watched.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.appendChild(script);
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
        }"""
    )
    watched.page.wait_for_function("window.__cspViolations.length >= 2")

    assert watched.page.evaluate("window.__ran === undefined")
    with pytest.raises(AssertionError):
        watched.assert_no_violation("/")


def test_the_sign_in_page_runs_under_the_policy(browser, live_server):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(WATCH_VIOLATIONS)
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)
    response = page.goto(live_server.url + "/accounts/login/")

    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert page.evaluate("window.__cspViolations") == [] and refused == []
    context.close()


def test_admin_and_its_javascript_run_under_the_policy(seen, shelter_a, partner):
    operator = UserFactory(username="root", role=Role.PROGRAM_STAFF, is_superuser=True)
    Meeting.objects.create(
        component="legislative", start_date=date(2007, 10, 2), end_date=date(2007, 10, 2), topic="Ley de trata"
    )
    IndicatorValue.objects.create(
        shelter=shelter_a, month=date(2007, 10, 1), indicator="victims_served", value=4, source=Source.IMPORTED
    )
    watched = seen(operator)

    # The report page with its preview: the report's stylesheet under the admin page's nonce.
    preview = "/admin/reports/costsharecontribution/quarterly-report/?quarter=2007-Q4"
    for path in [
        "/admin/",
        "/admin/shelters/shelter/",
        "/admin/reports/costsharecontribution/quarterly-report/",
        preview,
    ]:
        watched.open(path)
        watched.assert_no_violation(path)

    # The actions bar: selecting every row counts them (admin's actions.js).
    watched.open("/admin/meetings/meeting/")
    watched.page.locator("#action-toggle").check()
    assert "1 of 1 selected" in watched.page.locator(".action-counter").inner_text()
    watched.assert_no_violation("actions")

    # The date picker: open the calendar next to the start date and pick a day (DateTimeShortcuts.js).
    watched.open("/admin/meetings/meeting/add/")
    watched.page.locator("#calendarlink0").click()
    watched.page.locator("#calendarbox0 td a").first.click()
    assert watched.page.locator("#id_start_date").input_value() != ""
    watched.assert_no_violation("date picker")

    # A shelter's slug written from its name as it is typed (prepopulate.js, URLify).
    watched.open("/admin/shelters/shelter/add/")
    watched.page.locator("#id_name").press_sequentially("Casa Nueva")
    assert watched.page.locator("#id_slug").input_value() == "casa-nueva"
    watched.assert_no_violation("prepopulated slug")

    # The user form, with the two-list selector of groups and permissions (SelectFilter2.js) for superusers.
    watched.open(f"/admin/shelters/user/{partner.pk}/change/")
    assert watched.page.locator(".selector-available").count() >= 1
    watched.assert_no_violation("user form")

    # The Annex 2 table, with its own inline stylesheet and sparklines.
    watched.open(f"/admin/indicators/indicatorvalue/annex2/?shelter={shelter_a.slug}&start=2007-10&end=2007-12")
    assert watched.page.locator("table.annex2").count() == 1
    overflow = watched.page.evaluate("getComputedStyle(document.querySelector('.annex2-scroll')).overflowX")
    assert overflow == "auto"
    watched.assert_no_violation("annex2 table")


def test_the_browsable_api_the_docs_and_the_report_run_under_the_policy(seen, shelter_a, program_staff):
    Meeting.objects.create(
        component="legislative", start_date=date(2007, 10, 2), end_date=date(2007, 10, 2), topic="Ley de trata"
    )
    watched = seen(program_staff)

    # The browsable API, with its filters button (a style attribute allowed by its hash) and format menu.
    for path in ["/api/v1/indicators/", f"/api/v1/shelters/{shelter_a.slug}/", "/api/v1/meetings/"]:
        watched.open(path)
        assert watched.page.locator(".response-info").count() == 1
        watched.assert_no_violation(path)
    assert watched.page.locator("button[data-target='#filtersModal']").count() == 1

    # Swagger UI from the sidecar: its start-up script is a file; it loads the schema and lists operations.
    watched.open("/api/docs/")
    watched.page.locator(".opblock").first.wait_for()
    assert watched.page.locator(".opblock").count() > 20
    # "Try it out" on the indicators list: Swagger UI sends the request from the page (connect-src 'self').
    operation = watched.page.locator(".opblock-get", has_text="/api/v1/indicators/").first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    operation.locator(".live-responses-table tr.response .response-col_status").first.wait_for()
    assert "200" in operation.locator(".live-responses-table tr.response .response-col_status").first.inner_text()
    watched.assert_no_violation("/api/docs/")

    # The printable quarterly report, with its stylesheet under the nonce.
    watched.open("/api/v1/reports/quarterly/2007-Q4/?format=html")
    font = watched.page.evaluate("getComputedStyle(document.querySelector('.quarterly-report')).fontFamily")
    assert "Times" in font
    watched.assert_no_violation("report")

    # Log out of the browsable API: a form with a button (DRF's own link ran an inline onclick).
    watched.open("/api/v1/meetings/")
    watched.page.locator("a.dropdown-toggle").last.click()
    watched.page.get_by_role("button", name="Log out").click()
    watched.page.wait_for_load_state()
    assert watched.page.locator("a.dropdown-toggle", has_text=program_staff.username).count() == 0
    watched.assert_no_violation("log out")
