"""Demo data for the 2007-Q4 quarterly report: the seed's meetings, its narrative sections and title page,
and an illustrative cost share.

The seed gives only the quarter's total cost share (USD 103,873.03, footnote 3), not
each shelter's part: the split below is made up so the demo report shows the right
total. The disbursements are made up too, each within the 50% match (Casa de las
Mercedes exactly at it).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from meetings.demo import load_demo_meetings
from meetings.selectors import Quarter
from shelters.models import Shelter

from . import services
from .models import CostShareContribution, Currency, Disbursement, QuarterlyNarrative, QuarterlyReportCover, Section

SEED_REPORT = Path(settings.BASE_DIR) / "seed" / "proteja-quarterly-report-2007-q4.txt"
SEED_QUARTER = Quarter(2007, 4)
SEED_SUBMITTED_ON = date(2008, 2, 29)
# The seed's section headings, each alone on its line (the contents' lines carry dots and page numbers).
SEED_HEADINGS = {
    "INTRODUCTION": Section.INTRODUCTION,
    "RAISING PUBLIC AWARENESS REGARDING HUMAN TRAFFICKING AT THE LOCAL AND NATIONAL LEVELS": Section.PUBLIC_AWARENESS,
    "ANTI-TRAFFICKING LEGISLATION TECHNICAL ASSISTANCE": Section.LEGISLATION,
    "STRENGTHENING LOCAL SHELTERS TO OFFER GREATER SERVICES": Section.SHELTERS,
    "ANTI-TIP NETWORKS AND TASK FORCES": Section.NETWORKS,
    "CONCLUSION": Section.CONCLUSION,
}
SEED_END = "ANNEX 1: RECORD OF MEETINGS"

ILLUSTRATIVE = "Illustrative split of the seed's 2007-Q4 total (USD 103,873.03); not from the report."

DEMO_COST_SHARE_2007_Q4 = {
    "casa-alianza": Decimal("35000.00"),
    "alternativas-pacificas": Decimal("28500.00"),
    "casa-de-las-mercedes": Decimal("22150.00"),
    "ciam": Decimal("18223.03"),
}
DEMO_DISBURSEMENTS_2007_Q4 = {
    "casa-alianza": Decimal("15000.00"),
    "alternativas-pacificas": Decimal("12000.00"),
    "casa-de-las-mercedes": Decimal("11075.00"),
    "ciam": Decimal("9000.00"),
}


def load_demo_cost_share() -> int:
    """One contribution and one disbursement per seed shelter in 2007-Q4; a second call adds nothing."""
    created = 0
    shelters = Shelter.objects.filter(slug__in=DEMO_COST_SHARE_2007_Q4)
    for shelter in shelters:
        for model, amounts, day in (
            (CostShareContribution, DEMO_COST_SHARE_2007_Q4, date(2007, 12, 31)),
            (Disbursement, DEMO_DISBURSEMENTS_2007_Q4, date(2007, 10, 15)),
        ):
            if model.objects.filter(shelter=shelter, date=day, description=ILLUSTRATIVE).exists():
                continue
            services.money_record_create(
                actor=None,
                model=model,
                data={
                    "shelter": shelter,
                    "date": day,
                    "amount": amounts[shelter.slug],
                    "currency": Currency.USD,
                    "description": ILLUSTRATIVE,
                },
                channel="demo",
            )
            created += 1
    return created


def seed_narrative(text: str) -> dict[str, str]:
    """The seed's six narrative sections as plain text, by section key, as the report prints them.

    What the text file keeps of the printed pages is undone: a photo caption (a short line standing alone
    after two or more blank lines, without a full stop) is left out; a paragraph cut by a page end (no final
    punctuation, the next starting in lower case or after a comma) is joined again; marks go (`_plain`).
    Paragraphs are separated by a blank line, list items keep their "- " or "1. ".
    """
    sections: dict[str, list[str]] = {}
    current: str | None = None
    blank_run = 0
    for raw in text.splitlines():
        line = raw.strip()
        if line == SEED_END and current is not None:
            break
        if line in SEED_HEADINGS:
            current = SEED_HEADINGS[line]
            sections[current] = []
            blank_run = 0
            continue
        if current is None:
            continue
        if not line:
            blank_run += 1
            continue
        caption = blank_run >= 2 and len(line) <= 60 and not line.endswith((".", ":", ";", ")"))
        if caption:
            blank_run = 1
            continue
        paragraphs = sections[current]
        previous = paragraphs[-1] if paragraphs else ""
        unfinished = previous and not previous.endswith((".", ":", ";", "!", "?", ")", "”", '"'))
        if unfinished and (line[0].islower() or previous.endswith(",")):
            paragraphs[-1] = f"{previous} {line}"
        elif blank_run == 0 and paragraphs:
            paragraphs.append(line)  # the next item of a list
            paragraphs[-2:] = ["\n".join(paragraphs[-2:])]
        else:
            paragraphs.append(line)
        blank_run = 0
    return {key: _plain("\n\n".join(paragraphs)) for key, paragraphs in sections.items()}


def _plain(text: str) -> str:
    """Without the text file's **bold** and *italic* marks and its escapes (\\$)."""
    return re.sub(r"\\([$*_])", r"\1", re.sub(r"\*{1,2}([^*\n]+)\*{1,2}", r"\1", text))


def load_seed_narrative(path: Path = SEED_REPORT) -> int:
    """The seed's 2007-Q4 sections (in English, as the seed) and its submission date, as the example.
    A section already there is left as it is (it may have been edited since); returns how many were written."""
    texts = seed_narrative(path.read_text(encoding="utf-8"))
    existing = set(QuarterlyNarrative.objects.filter(quarter=str(SEED_QUARTER)).values_list("section", flat=True))
    written = 0
    for section in Section.values:
        if section in existing or section not in texts:
            continue
        services.narrative_write(
            actor=None, quarter=SEED_QUARTER, section=section, data={"text_en": texts[section]}, channel="demo"
        )
        written += 1
    if not QuarterlyReportCover.objects.filter(quarter=str(SEED_QUARTER)).exists():
        services.cover_write(actor=None, quarter=SEED_QUARTER, submitted_on=SEED_SUBMITTED_ON, channel="demo")
    return written


def load_demo_report() -> str:
    """Meetings, narrative and cost share for the 2007-Q4 report; returns a line for the command's output."""
    meetings = load_demo_meetings()
    sections = load_seed_narrative()
    records = load_demo_cost_share()
    return (
        f"Annex 1: {meetings.created} meetings loaded ({meetings.unchanged} already there); "
        f"narrative: {sections} sections loaded; "
        f"cost share: {records} records loaded. Report: /api/v1/reports/quarterly/2007-Q4/?format=html&number=7"
    )
