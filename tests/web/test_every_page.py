"""axe-core and tap targets on EVERY page of the web app (web/urls.py), as a caseworker and as a coordinator,
at 375 px. A page added to web/urls.py fails here until it is listed: as a page (how to reach it), or as not a
page (why: a POST that redirects, a file, JSON)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import URLPattern
from django.utils import timezone

from tests.factories import (
    FollowUpFactory,
    LegalActionFactory,
    ReferralFactory,
    SecondaryVictimFactory,
    ServiceFactory,
    TrainingFactory,
    VictimFactory,
)
from tests.walls import seeing
from tests.web.axe_corrections import assert_no_axe_violations
from tests.web.test_browser import PHONE, browser, new_phone, sign_in  # noqa: F401 (fixtures)
from transfers.models import Consent
from web import urls

# ruff: noqa: F811 (the fixtures imported from test_browser)

# How to reach each page, from the objects of `shelter_records` below.
PAGES = {
    "home": lambda o: "/",
    "follow-up-plan": lambda o: "/shelter/follow-up-plan/",
    "cases": lambda o: "/cases/?status=all&assigned=all",
    "victim-new": lambda o: "/cases/new/",
    "case": lambda o: f"/cases/{o['case'].pk}/",
    "case-edit": lambda o: f"/cases/{o['case'].pk}/edit/",
    "case-delete": lambda o: f"/cases/{o['case'].pk}/delete/",
    "case-exit": lambda o: f"/cases/{o['case'].pk}/exit/",
    "child-new": lambda o: f"/cases/{o['case'].pk}/children/new/",
    "record-new": lambda o: (
        [f"/cases/{o['case'].pk}/{kind}/new/" for kind in ("services", "referrals", "legal-actions")]
        + [f"/cases/{o['left'].pk}/follow-ups/new/"]
    ),
    "record-edit": lambda o: [f"/cases/{record.victim_id}/{kind}/{record.pk}/edit/" for kind, record in o["records"]],
    "record-delete": lambda o: [
        f"/cases/{record.victim_id}/{kind}/{record.pk}/delete/" for kind, record in o["records"]
    ],
    "trainings": lambda o: "/trainings/",
    "annex2": lambda o: "/annex2/",
    "team": lambda o: "/team/",
    "trail": lambda o: "/trail/",
    "records": lambda o: "/records/",
    "cost-share": lambda o: "/cost-share/",
    "consent-new": lambda o: f"/cases/{o['case'].pk}/consents/new/",
    "consent-print": lambda o: f"/cases/{o['case'].pk}/consents/{o['consent'].pk}/print/",
    "transfer-new": lambda o: f"/cases/{o['case'].pk}/transfer/new/",
    "transfers": lambda o: "/transfers/",
}
NOT_PAGES = {
    "session": "JSON for web/static/web/pages.js",
    "switch-shelter": "POST only, then back to a page",
    "case-assign": "POST only, then back to a page",
    "month-submit": "POST only: its confirmation page is reached from the Annex 2 page below",
    "records-template": "an Excel file",
    "records-export": "POST only: an Excel file",
    "contribution-delete": "POST only, then back to the cost share",
    "member-action": "POST only, then back to the team",
    "invitation-withdraw": "POST only, then back to the team",
    "consent-withdraw": "POST only, then back to the case",
    "transfer-step": "POST only (accept, decline, cancel), then back to the transfers",
}

SMALL_TARGETS = """() => {
  // Every link, button, input, select, textarea and summary a finger can reach. A radio or checkbox is
  // tapped on its label (the input sits inside it, or the label points at it).
  const visible = element => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== "hidden";
  const box = element => {
    let rect = element.getBoundingClientRect();
    if (["radio", "checkbox"].includes(element.type)) {
      const label = element.closest("label") || (element.id && document.querySelector(`label[for="${element.id}"]`));
      if (label) rect = label.getBoundingClientRect();
    }
    return rect;
  };
  return [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")]
    .filter(visible)
    .filter(element => { const rect = box(element); return rect.height < 44 || rect.width < 44; })
    .map(element => element.outerHTML.slice(0, 100));
}"""


def test_every_url_of_the_web_app_is_listed_here():
    names = {pattern.name for pattern in urls.urlpatterns if isinstance(pattern, URLPattern)}
    assert names == set(PAGES) | set(NOT_PAGES)
    assert not set(PAGES) & set(NOT_PAGES)


@pytest.fixture
def shelter_records(shelter_a):
    today = timezone.localdate()
    case = VictimFactory(
        shelter=shelter_a, given_name="Guadalupe", family_name="Núñez", intake_date=today - timedelta(days=20)
    )
    SecondaryVictimFactory(shelter=shelter_a, primary_victim=case, given_name="Luz", intake_date=case.intake_date)
    left = VictimFactory(
        shelter=shelter_a,
        given_name="Rosa",
        intake_date=today - timedelta(days=90),
        exit_date=today - timedelta(days=40),
        exit_reason="reintegrated",
    )
    TrainingFactory(shelter=shelter_a, date=today - timedelta(days=2))
    records = [
        ("services", ServiceFactory(victim=case, date=today - timedelta(days=5))),
        ("referrals", ReferralFactory(victim=case, date=today - timedelta(days=4))),
        ("legal-actions", LegalActionFactory(victim=case, date=today - timedelta(days=3))),
        ("follow-ups", FollowUpFactory(victim=left, date=today - timedelta(days=10))),
    ]
    with seeing(shelter_a.pk):  # a browser test commits: the row is made in its shelter's scope
        consent = Consent.objects.create(
            victim=case, shelter_id=case.shelter_id, purpose="transfer", given_on=today - timedelta(days=1)
        )
    return {"case": case, "left": left, "records": records, "consent": consent}


def _paths(objects) -> list[str]:
    paths = []
    for reach in PAGES.values():
        found = reach(objects)
        paths.extend(found if isinstance(found, list) else [found])
    return paths


def _problems(page, url: str) -> list[str]:
    """What is wrong with the page at `url` (each page is checked; all problems are told at once)."""
    response = page.goto(url)
    problems = []
    if response.status not in (200, 403):
        problems.append(f"{url}: status {response.status}")
    if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
        widest = page.evaluate(
            """width => [...document.querySelectorAll("body *")]
              .filter(element => element.getBoundingClientRect().right > width)
              .map(element => element.outerHTML.slice(0, 80)).slice(-3)""",
            PHONE["width"],
        )
        problems.append(f"{url}: wider than the phone: {widest}")
    problems.extend(f"{url}: under 44 px: {target}" for target in page.evaluate(SMALL_TARGETS))
    try:
        assert_no_axe_violations(page)
    except AssertionError as error:
        problems.append(f"{url}: {error}")
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("username", ["alice", "carla"])
def test_every_page_passes_axe_with_tap_targets_of_44_px(
    live_server, new_phone, shelter_records, caseworker_a, coordinator_a, username
):
    page = new_phone()
    problems = _problems(page, live_server.url + "/accounts/login/")
    sign_in(page, live_server, username)
    for path in _paths(shelter_records):
        problems.extend(_problems(page, live_server.url + path))
    assert problems == [], "\n".join(problems)
    if username == "carla":
        page.goto(live_server.url + "/annex2/")
        page.get_by_role("button", name="Enviar a revisión").click()
        page.get_by_role("link", name="Cancelar").wait_for()  # the confirmation page (a POST's answer)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.evaluate(SMALL_TARGETS) == []
        assert_no_axe_violations(page)
