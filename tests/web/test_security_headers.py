"""Every answer carries the browser policies: CSP (no inline script, framing refused), Referrer- and
Permissions-Policy. The browser test (test_csp_browser.py) shows the pages work under them."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


URLS = [
    ("caseworker_a", "/"),
    ("caseworker_a", "/cases/"),
    ("caseworker_a", "/api/v1/victims/"),
    ("program_staff", "/admin/"),
    ("program_staff", "/api/docs/"),
    ("program_staff", "/api/schema/"),
    ("partner", "/api/v1/no-such-thing/"),
    (None, "/accounts/login/"),
    (None, "/api/v1/victims/"),
]


@pytest.mark.parametrize(("persona", "url"), URLS)
def test_every_answer_carries_the_policies(request, client_as, client, persona, url):
    browser = client_as(request.getfixturevalue(persona)) if persona else client
    response = browser.get(url)
    directives = policy(response)

    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_a_pages_inline_style_carries_the_nonce_of_its_own_answer(client_as, caseworker_a):
    client = client_as(caseworker_a)
    first, second = client.get("/cases/"), client.get("/cases/")

    nonces = []
    for response in (first, second):
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert f'<style nonce="{nonce}">' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_no_page_of_ours_has_an_inline_script_or_style_attribute(client_as, coordinator_a, program_staff, shelter_a):
    from tests.factories import VictimFactory

    case = VictimFactory(shelter=shelter_a)
    pages = [
        client_as(coordinator_a).get(url)
        for url in ["/", "/cases/", "/cases/new/", f"/cases/{case.pk}/", "/trainings/", "/annex2/", "/team/"]
    ]
    pages.append(client_as(program_staff).get(f"/admin/indicators/indicatorvalue/annex2/?shelter={shelter_a.slug}"))
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), response.request
        assert not re.search(r"<[^>]+\sstyle=", html), response.request
        assert not re.search(r"<[^>]+\son[a-z]+=", html), response.request


def test_the_docs_start_up_script_is_a_file(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/", {"script": ""})

    assert "<script>" not in page.content.decode()
    assert 'src="/api/docs/?script="' in page.content.decode()
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
