"""Every admin page program staff can reach, opened one by one: none fails, and none shows a victim's
name, notes or case code, an API token or its digest, or an invitation's secret or its hash."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, URLPattern, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from indicators.models import IndicatorValue, MonthSubmission
from meetings.models import Meeting, Organization
from reports.models import CostShareContribution, Disbursement
from shelters.models import MonthLock

from ..factories import (
    FollowUpFactory,
    LegalActionFactory,
    ReferralFactory,
    SecondaryVictimFactory,
    ServiceFactory,
    TrainingFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db

# Far from any word a page could contain for another reason.
GIVEN_NAMES = ["Zenobiaxq", "Quirinaxq"]
FAMILY_NAMES = ["Vandervoortxq", "Oyelaranxq"]
NOTES = "Nota confidencial Kwyjiboxq sobre el caso"
CASE_CODES = ["SA-90417", "SA-90418", "SB-90419"]
# Pages that end the session or whose GET is not a page.
SKIPPED = ("/admin/logout/", "/admin/jsi18n/", "/admin/autocomplete/")


@pytest.fixture
def world(shelter_a, shelter_b, caseworker_a, coordinator_a, caseworker_b, program_staff, partner):
    """Case records with distinctive names, tokens, invitations, second factors, a row of every other admin model."""
    victim = VictimFactory(
        shelter=shelter_a,
        case_code=CASE_CODES[0],
        given_name=GIVEN_NAMES[0],
        family_name=FAMILY_NAMES[0],
        notes=NOTES,
    )
    child = SecondaryVictimFactory(
        shelter=shelter_a, primary_victim=victim, case_code=CASE_CODES[1], given_name=GIVEN_NAMES[1]
    )
    other = VictimFactory(shelter=shelter_b, case_code=CASE_CODES[2], family_name=FAMILY_NAMES[1], notes=NOTES)
    for factory in (ServiceFactory, ReferralFactory, LegalActionFactory):
        factory(victim=victim)
    FollowUpFactory(victim=VictimFactory(shelter=shelter_b, case_code="SB-90420", given_name=GIVEN_NAMES[0]))
    TrainingFactory(shelter=shelter_a)
    services.token_issue(user=caseworker_a)
    api_token, token_text = services.token_issue(user=partner)
    invitation, link = services.invitation_create(actor=program_staff, email="invitee@example.org", role="partner")
    shelter_invitation, shelter_link = services.invitation_create(
        actor=coordinator_a, email="newcaseworker@example.org", role="caseworker", shelter=shelter_a
    )
    month = date(2007, 10, 1)
    IndicatorValue.objects.create(
        shelter=shelter_a, month=month, indicator="victims_served", value=3, source="computed"
    )
    MonthSubmission.objects.create(shelter=shelter_a, month=month, submitted_by=coordinator_a)
    MonthLock.objects.create(shelter=shelter_a, month=month, locked_by=program_staff)
    organization = Organization.objects.create(name="Fiscalía General", acronym="FGE", sector="government")
    meeting = Meeting.objects.create(
        start_date=month, end_date=month, component="networks", state="CMX", topic="Coordinación", participants_total=3
    )
    meeting.organizations.add(organization)
    money = {"date": month, "amount": "100.00", "amount_usd": "100.00", "currency": "USD", "description": "Renta"}
    CostShareContribution.objects.create(shelter=shelter_a, **money)
    Disbursement.objects.create(shelter=shelter_a, **money)
    Group.objects.create(name="Lectores")
    # Second factors: the authenticator's key and a backup code are credentials too.
    totp = TOTPDevice.objects.create(user=program_staff, name="Teléfono", confirmed=True)
    backup = StaticDevice.objects.create(user=program_staff, name="Respaldo", confirmed=True)
    StaticToken.objects.create(device=backup, token="bkpcodexq1")
    secrets = [
        token_text,
        api_token.digest,
        api_token.token_key,
        link.rstrip("/").rsplit("/", 1)[1],
        invitation.secret_hash,
        shelter_link.rstrip("/").rsplit("/", 1)[1],
        shelter_invitation.secret_hash,
        totp.key,
        "bkpcodexq1",
    ]
    return {"victims": [victim, child, other], "secrets": secrets, "shelter": shelter_a}


def forbidden_words(world):
    return [*GIVEN_NAMES, *FAMILY_NAMES, NOTES, "Kwyjiboxq", *CASE_CODES, "SB-90420", *world["secrets"]]


def admin_urls(world):
    """Every URL the admin registers, each object URL for one row of its model (every row for case records)."""
    urls = {"/admin/", "/admin/password_change/"}
    urls |= {reverse("admin:app_list", args=[label]) for label in {m._meta.app_label for m in admin.site._registry}}
    for model, model_admin in admin.site._registry.items():
        rows = list(model._default_manager.all()[:20])
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern):
                continue
            route = str(pattern.pattern)
            prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            if "<" not in route:
                urls.add(prefix + route)
                continue
            for row in rows:
                urls.add(prefix + re.sub(r"<[^>]+>", str(row.pk), route))
    # Admin's "view on site" shortcut, for a case record.
    victim = world["victims"][0]
    urls.add(f"/admin/r/{ContentType.objects.get_for_model(victim).pk}/{victim.pk}/")
    shelter = world["shelter"]
    urls |= {
        f"/admin/indicators/indicatorvalue/annex2/?shelter={shelter.slug}&start=2007-10&end=2007-12",
        f"/admin/indicators/indicatorvalue/annex2/?shelter={shelter.slug}&start=2007-10&end=2007-12&lang=es",
        "/admin/reports/costsharecontribution/quarterly-report/?quarter=2007-Q4",
        # A search echoes its words, so it searches for something the records share rather than a name.
        "/admin/shelters/victim/?q=SA",
        "/admin/shelters/user/?q=a",
        "/admin/accounts/invitation/?q=example",
    }
    return urls


def links_in(html):
    for href in re.findall(r'href="([^"]+)"', html):
        href = unescape(href)
        if href.startswith("/admin/") and "?" not in href:
            yield href


def crawl(client, start):
    """Open every URL in `start` and every admin link (without a query) found on the pages, once each."""
    seen, pending, pages = set(), list(start), {}
    while pending and len(seen) < 800:
        url = pending.pop()
        if url in seen or url.startswith(SKIPPED):
            continue
        seen.add(url)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="es" if len(seen) % 2 else "en")
        pages[url] = response
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            pending.extend(link for link in links_in(response.content.decode()) if link not in seen)
    return pages


@pytest.mark.parametrize("persona", ["program_staff", "superuser_with_role", "operator"])
def test_no_admin_page_fails_or_shows_a_victim_or_a_credential(request, world, admin_as, persona):
    client = admin_as(request.getfixturevalue(persona))

    pages = crawl(client, admin_urls(world))

    assert len(pages) > 60
    assert {"/admin/shelters/user/", "/admin/accounts/invitation/", "/admin/shelters/shelter/"} <= {
        url for url, response in pages.items() if response.status_code == 200
    }
    words = forbidden_words(world)
    for url, response in pages.items():
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        body = response.content.decode(errors="replace")
        shown = [word for word in words if word in body or word.lower() in body.lower()]
        assert not shown, (url, shown)


def test_the_crawl_finds_a_leak_when_there_is_one(world, admin_as, caseworker_a):
    # The same crawl as a caseworker reaches the victim pages: the check above would see these words.
    pages = crawl(admin_as(caseworker_a), {f"/admin/shelters/victim/{world['victims'][0].pk}/change/"})

    body = pages[f"/admin/shelters/victim/{world['victims'][0].pk}/change/"].content.decode()
    assert GIVEN_NAMES[0] in body and CASE_CODES[0] in body


def test_memberships_have_no_admin():
    with pytest.raises(NoReverseMatch):
        reverse("admin:shelters_membership_changelist")
