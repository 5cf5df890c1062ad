"""Every admin page program staff (and a superuser) can open, in Spanish: its visible text holds no English.

A page's visible text (tags, scripts and styles stripped, plus what a button or a field says) is compared
with every English msgid of the project's catalogue and of Django's admin catalogue whose Spanish differs,
and with the English words the catalogues cannot know: the Annex 2 rows' English labels, model names of
third-party apps. A page in Spanish that still says one of them fails, naming the page and the words.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import django
import pytest
from django.conf import settings

from indicators.catalogue import INDICATORS, SECTIONS

from .test_admin_crawl import SKIPPED, admin_urls, links_in, world  # noqa: F401  (world: the crawl's rows)

pytestmark = pytest.mark.django_db

DJANGO_CATALOGUES = [
    Path(django.__file__).parent / "contrib" / "admin" / "locale" / "es" / "LC_MESSAGES" / "django.po",
    Path(django.__file__).parent / "contrib" / "auth" / "locale" / "es" / "LC_MESSAGES" / "django.po",
]
PROJECT_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
# English no catalogue holds: what third-party apps and Django's own models call themselves, and headers that
# were English on Spanish pages before (issue 13).
KNOWN_ENGLISH = [
    "access attempt",
    "access attempts",
    "access log",
    "access logs",
    "access failure",
    "access failures",
    "Shelter",
    "Shelters",
    "Submitted by",
    "Locked by",
    "Indicator value",
    "Indicator values",
    "Month lock",
    "Month submission",
    "Axes",
    "Attempt time",
    "Failures",
    "Username",
    "IP address",
    "User agent",
    "Path",
    "Static device",
    "TOTP device",
    "Select all",
]
# Words as likely in a Spanish sentence as in an English one (or names), never counted alone.
SHARED = {"total", "general", "social", "no", "error", "sector", "local", "normal", "email", "e-mail", "id", "url"}
# Values a page shows that are data, not the interface's words: what django-axes stores for a client that sent
# no User-Agent (the test client).
DATA = {"<unknown>"}
PAGES_AT_LEAST = 60


def _joined(block: str, keyword: str) -> str:
    """A .po entry's string after `keyword`, its quoted lines joined."""
    match = re.search(rf'^{keyword} ((?:".*"\n?)+)', block + "\n", re.M)
    if not match:
        return ""
    return "".join(re.findall(r'"(.*)"', match[1])).replace('\\"', '"').replace("\\n", " ")


def _msgids(path: Path) -> list[str]:
    """The English msgids of a .po whose Spanish differs (and is given)."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if "#, fuzzy" in block:
            continue
        msgid, msgstr = _joined(block, "msgid"), _joined(block, r"msgstr(?:\[0\])?")
        if msgid and msgstr and msgid.casefold() != msgstr.casefold():
            found.append(msgid)
            plural = _joined(block, "msgid_plural")
            if plural:
                found.append(plural)
    return found


def english_phrases() -> tuple[set[str], set[str]]:
    """(whole-segment phrases, word sequences): a one-word msgid counts only as a whole segment (a header, a
    button, a cell); a msgid of two words or more counts wherever its words appear together."""
    texts = [msgid for path in [PROJECT_CATALOGUE, *DJANGO_CATALOGUES] for msgid in _msgids(path)]
    texts += KNOWN_ENGLISH
    texts += [indicator.label_en for indicator in INDICATORS if indicator.label_en != indicator.label_es]
    texts += [section.label_en for section in SECTIONS if section.label_en != section.label_es]
    whole, sequences = set(), set()
    for text in texts:
        # A msgid's placeholders split it into the literal pieces a page shows.
        for piece in re.split(r"%\(\w+\)\w|%\w|\{\{?[^}]*\}?\}|<[^>]+>", text):
            words = re.findall(r"[A-Za-z][A-Za-z'’]*", piece)
            if not words:
                continue
            phrase = " ".join(word.casefold() for word in words)
            if len(words) == 1:
                if phrase not in SHARED and len(phrase) > 2:
                    whole.add(phrase)
            else:
                sequences.add(phrase)
    return whole, sequences


def visible_segments(html: str) -> list[str]:
    """What a reader sees: text between tags (not in scripts, styles or comments), and what buttons, inputs'
    placeholders and titles say. An element marked lang="en" is English on purpose and is left out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    # What is marked as English on purpose: the language switch names English in English, for its reader.
    html = re.sub(r'<(\w+)\b[^>]*\slang="en"[^>]*>.*?</\1>', " ", html, flags=re.S)
    said = re.findall(r'<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"', html)
    said += re.findall(r'\s(?:placeholder|title|aria-label)="([^"]*)"', html)
    texts = re.split(r"<[^>]*>", html)
    return [" ".join(unescape(text).split()) for text in [*texts, *said] if text.strip()]


def english_in(html: str, whole: set[str], sequences: set[str]) -> list[str]:
    found = []
    for segment in visible_segments(html):
        words = [word.casefold() for word in re.findall(r"[A-Za-z][A-Za-z'’]*", segment)]
        if not words or segment in DATA:
            continue
        joined = f" {' '.join(words)} "
        if " ".join(words) in whole:
            found.append(segment)
            continue
        if any(f" {phrase} " in joined for phrase in sequences):
            found.append(segment)
    return found


def spanish_crawl(client, start):
    """Every URL in `start` and every admin link on the pages, each opened once, in Spanish."""
    seen, pending, pages = set(), sorted(start), {}
    while pending and len(seen) < 800:
        url = pending.pop()
        if url in seen or url.startswith(SKIPPED) or "lang=en" in url:
            continue
        seen.add(url)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            pages[url] = response.content.decode()
            pending.extend(link for link in links_in(pages[url]) if link not in seen)
    return pages


@pytest.mark.parametrize("persona", ["program_staff", "superuser_with_role", "operator"])
def test_no_admin_page_says_english_in_spanish(request, world, admin_as, persona):  # noqa: F811
    client = admin_as(request.getfixturevalue(persona))
    whole, sequences = english_phrases()

    pages = spanish_crawl(client, admin_urls(world))

    assert len(pages) >= PAGES_AT_LEAST
    english = {url: found for url, html in pages.items() if (found := english_in(html, whole, sequences))}
    assert not english, "\n".join(f"{url}: {found[:8]}" for url, found in sorted(english.items()))


def test_the_check_catches_an_untranslated_string(world, admin_as, program_staff):  # noqa: F811
    whole, sequences = english_phrases()
    # The catalogues were read (a parser that found nothing would pass every page).
    assert len(whole) > 150 and len(sequences) > 600
    page = admin_as(program_staff).get("/admin/meetings/organization/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert not english_in(page, whole, sequences)

    # The same page, as it would be with the action and a column header left untranslated.
    untranslated = page.replace("Fusionar organizaciones", "Merge organizations").replace(">Siglas<", ">Acronym<")
    found = english_in(untranslated, whole, sequences)

    assert "Merge organizations" in found and "Acronym" in found
    # And English that no catalogue holds: an Annex 2 row's English label, a third-party model's name.
    assert english_in("<td>Number of TIP victims</td><th>Access attempts</th>", whole, sequences) == [
        "Number of TIP victims",
        "Access attempts",
    ]
    # Spanish that shares words with English passes.
    assert not english_in("<td>Total</td><td>General</td><p>No hay cambios.</p>", whole, sequences)
