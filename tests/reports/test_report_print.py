"""The printable page printed by Chromium: no page blank but for a heading (the author found page 8 so).

The PDF's page content streams are read without a PDF library: Chromium draws text with TJ/Tj operators,
a run of glyphs each, so a page holding only a heading has a few dozen of them (57 for the Annex 2
heading alone, measured by putting the old layout back) and the sparest real page, the title page, ~380.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from indicators.importers import import_annex2_file
from meetings.importers import import_annex1_file
from meetings.selectors import Quarter
from reports import exports
from reports.demo import load_seed_narrative
from reports.selectors import quarterly_report_data

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
SEED = Path(settings.BASE_DIR) / "seed" / "proteja-quarterly-report-2007-q4.txt"
# Fewer text runs than this on a page: a heading, a line or nothing.
SPARE_PAGE = 150


def _printed_pages(html: str) -> list[int]:
    """The number of text runs on each printed page of `html` (letter landscape, as the page's @page says)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's Chromium")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content(html)
            pdf = page.pdf(prefer_css_page_size=True)
        finally:
            browser.close()
    runs = []
    # Each stream by its dictionary's /Length (a stream's bytes may hold the word "stream" themselves).
    for match in re.finditer(rb"/Length (\d+)\b[^>]*>>\s*stream\r?\n", pdf):
        stream = pdf[match.end() : match.end() + int(match[1])]
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        if b"BT" in content and b" Tf" in content:
            runs.append(len(re.findall(rb"T[jJ]\b", content)))
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert len(runs) == pages, "one content stream per page"
    return runs


@pytest.fixture
def seed_report_html(db):
    import_annex2_file(SEED)
    import_annex1_file(SEED, year=2007)
    load_seed_narrative()
    return exports.report_html(quarterly_report_data(quarter=Quarter(2007, 4), number=7))


def test_no_printed_page_is_blank_but_for_a_heading(seed_report_html):
    pages = _printed_pages(seed_report_html)
    assert len(pages) > 10
    spare = [number for number, runs in enumerate(pages, start=1) if runs < SPARE_PAGE]
    assert spare == [], f"pages {spare} of {len(pages)} hold next to nothing: {pages}"


def test_the_check_finds_the_old_layouts_lone_heading(seed_report_html):
    # The layout before: the annex's heading outside the first shelter, each shelter starting a page.
    old = seed_report_html.replace(".annex2-shelter + .annex2-shelter {", ".annex2-shelter {").replace(
        '<section class="annex annex2" id="annex2">',
        '<section class="annex annex2" id="annex2"><h2>ANNEX 2: NUMBER OF BENEFICIARIES SERVED BY LOCAL PARTNERS</h2>',
    )
    pages = _printed_pages(old)
    assert [runs for runs in pages if runs < SPARE_PAGE] != []
