"""Reads for cost share and the quarterly report: who sees which records, and the report's figures.

Every figure is counted by the database (`Sum`, `Count` with `filter=`), never by a
loop over rows, and the report takes a fixed number of queries however many
meetings there are (see `quarterly_report_data`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext

from indicators.partners import partner_tables, suppression_k, suppression_note
from indicators.tables import build_annex2_table, build_national_table
from meetings.annex1 import COLUMN_HEADINGS, TABLE_COMPONENTS, TABLE_TITLES, format_annex1_date, state_label
from meetings.models import Component
from meetings.selectors import Quarter, meetings_in_quarter
from shelters.models import Membership, Role, Shelter, User
from shelters.seed import SEED_SHELTERS

from .legislation_parts import legislation_parts, networks_parts
from .models import CostShareContribution, Disbursement, QuarterlyNarrative, QuarterlyReportCover, Section

ZERO = Decimal("0.00")
# The share of a shelter's own contribution up to which PROTEJA may fund it.
MATCH_LIMIT = Decimal("0.5")
# Report No. 1 covered 2006-Q2, so 2007-Q4 is No. 7 as in the seed; a later quarter counts on.
FIRST_REPORT_QUARTER = Quarter(2006, 2)

# --- access -------------------------------------------------------------------------------------


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def may_read_reports(user: User) -> bool:
    return _active(user) and user.role in (Role.PROGRAM_STAFF, Role.PARTNER)


def may_write_narrative(user: User) -> bool:
    """The report's narrative is program staff's: partners read the report, shelter staff neither."""
    return _active(user) and user.role == Role.PROGRAM_STAFF


def may_use_cost_share(user: User) -> bool:
    """Program staff (every shelter) and coordinators (their own shelters); nobody else."""
    return _active(user) and user.role in (Role.PROGRAM_STAFF, Role.COORDINATOR)


def cost_share_shelters_of(user: User) -> QuerySet[Shelter]:
    if not may_use_cost_share(user):
        return Shelter.objects.none()
    if user.role == Role.PROGRAM_STAFF:
        return Shelter.objects.all()
    return Shelter.objects.filter(id__in=Membership.objects.filter(user_id=user.pk).values("shelter_id"))


def contributions_visible_to(user: User) -> QuerySet[CostShareContribution]:
    return CostShareContribution.objects.filter(shelter__in=cost_share_shelters_of(user))


def disbursements_visible_to(user: User) -> QuerySet[Disbursement]:
    return Disbursement.objects.filter(shelter__in=cost_share_shelters_of(user))


# --- cost share per quarter ---------------------------------------------------------------------


def _usd_sum_in(model: type, quarter: Quarter) -> Subquery:
    money = DecimalField(max_digits=16, decimal_places=2)
    rows = (
        model.objects.filter(shelter=OuterRef("pk"), date__gte=quarter.first_day, date__lte=quarter.last_day)
        .order_by()
        .values("shelter")
        .annotate(total=Sum("amount_usd"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=money), Value(ZERO), output_field=money)


def within_match(*, cost_share_usd: Decimal, disbursed_usd: Decimal) -> bool:
    """PROTEJA's funding stays within the 50% match: disbursed <= 50% of the shelter's cost share, exactly."""
    return Decimal(disbursed_usd) <= Decimal(cost_share_usd) * MATCH_LIMIT


def quarterly_cost_share(*, quarter: Quarter, shelters: QuerySet[Shelter] | None = None) -> dict[str, Any]:
    """Each shelter's cost share and PROTEJA's disbursements in the quarter, in USD, and the total.

    One query: both sums are subqueries, so neither multiplies the other's rows. Shelters
    listed: those whose agreement had started by the quarter's end, or with money in it.
    """
    shelters = Shelter.objects.all() if shelters is None else shelters
    rows = list(
        shelters.annotate(
            cost_share_usd=_usd_sum_in(CostShareContribution, quarter),
            disbursed_usd=_usd_sum_in(Disbursement, quarter),
        )
        .filter(Q(agreement_start__lte=quarter.last_day) | Q(cost_share_usd__gt=0) | Q(disbursed_usd__gt=0))
        .order_by("name")
        .values("slug", "name", "cost_share_usd", "disbursed_usd")
    )
    shelter_rows = []
    for row in rows:
        cost_share = _cents(row["cost_share_usd"])
        disbursed = _cents(row["disbursed_usd"])
        shelter_rows.append(
            {
                "shelter": row["slug"],
                "shelter_name": row["name"],
                "cost_share_usd": cost_share,
                "disbursed_usd": disbursed,
                # Rounded down: any disbursement up to the shown limit is within the match.
                "match_limit_usd": (cost_share * MATCH_LIMIT).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
                "within_match": within_match(cost_share_usd=cost_share, disbursed_usd=disbursed),
            }
        )
    return {
        "quarter": str(quarter),
        "shelters": shelter_rows,
        "total_cost_share_usd": _cents(sum((row["cost_share_usd"] for row in shelter_rows), ZERO)),
        "total_disbursed_usd": _cents(sum((row["disbursed_usd"] for row in shelter_rows), ZERO)),
        "all_within_match": all(row["within_match"] for row in shelter_rows),
    }


def _in_language(label: Any, language: str) -> str:
    with translation.override(language):
        return str(label)


def _in_language_call(language: str, function: Callable[..., str], *args: Any) -> str:
    with translation.override(language):
        return function(*args)


def _cents(value: Decimal | int | float | None) -> Decimal:
    # SQLite (the demo) hands sums back through float; PostgreSQL keeps numeric. Both end as exact cents.
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- the quarterly report -----------------------------------------------------------------------


def default_report_number(quarter: Quarter) -> int:
    return (quarter.year - FIRST_REPORT_QUARTER.year) * 4 + quarter.number - FIRST_REPORT_QUARTER.number + 1


def meeting_summary(*, quarter: Quarter, language: str = "en") -> dict[str, Any]:
    """People reached, by sex where known, and meetings per component; states reached. Two queries."""
    meetings = meetings_in_quarter(quarter)
    known_split = Q(participants_male__isnull=False, participants_female__isnull=False)
    by_component = {
        row["component"]: row
        for row in meetings.order_by()
        .values("component")
        .annotate(
            meetings=Count("id"),
            meetings_with_participants=Count("id", filter=Q(participants_total__isnull=False)),
            meetings_with_sex_split=Count("id", filter=known_split),
            participants=Coalesce(Sum("participants_total"), Value(0), output_field=IntegerField()),
            participants_with_sex_split=Coalesce(
                Sum("participants_total", filter=known_split), Value(0), output_field=IntegerField()
            ),
            male=Coalesce(Sum("participants_male", filter=known_split), Value(0), output_field=IntegerField()),
            female=Coalesce(Sum("participants_female", filter=known_split), Value(0), output_field=IntegerField()),
        )
    }
    counted = [
        "meetings",
        "meetings_with_participants",
        "meetings_with_sex_split",
        "participants",
        "participants_with_sex_split",
        "male",
        "female",
    ]
    components = []
    for number, component in enumerate(TABLE_COMPONENTS, start=1):
        row = by_component.get(component, {})
        components.append(
            {
                "component": component.value,
                # The report's language, whatever language the request came in.
                "label": _in_language(Component(component).label, language),
                "table": number,
                **{name: row.get(name, 0) for name in counted},
            }
        )
    totals = {name: sum(row[name] for row in components) for name in counted}
    states = list(meetings.exclude(state="").order_by("state").values("state").annotate(meetings=Count("id")))
    return {
        "components": components,
        "totals": totals,
        "states": [
            {"state": row["state"], "name": state_label(row["state"]), "meetings": row["meetings"]} for row in states
        ],
        "states_reached": len(states),
    }


def annex1_tables(*, quarter: Quarter, language: str = "en") -> list[dict[str, Any]]:
    """Tables 1 to 4 laid out as in the seed: date in its style, organizations, topic, state. One query."""
    meetings = meetings_in_quarter(quarter).order_by("start_date", "id")
    fields = ("id", "component", "start_date", "end_date", "dates", "participants_description", "topic", "state")
    rows_by_component: dict[str, list[dict[str, Any]]] = {component.value: [] for component in TABLE_COMPONENTS}
    for meeting in meetings.values(*fields, "subheading"):
        rows_by_component[meeting["component"]].append(
            {
                "meeting": meeting["id"],
                "date": format_annex1_date(meeting["start_date"], meeting["end_date"], meeting["dates"]),
                "organizations": meeting["participants_description"],
                "topic": meeting["topic"],
                "state": state_label(meeting["state"]),
                "subheading": meeting["subheading"],
            }
        )
    tables = []
    for number, component in enumerate(TABLE_COMPONENTS, start=1):
        tables.append(
            {
                "table": number,
                "component": component.value,
                "title": _in_language_call(
                    language,
                    lambda number=number, component=component: (
                        pgettext("Annex 1", "TABLE %(number)d – %(title)s")
                        % {"number": number, "title": gettext(TABLE_TITLES[component])}
                    ),
                ),
                "columns": [_in_language_call(language, gettext, column) for column in COLUMN_HEADINGS],
                "rows": rows_by_component[component.value],
            }
        )
    return tables


# The shelters in the order the seed's Annex 2 (and its contents) lists them; a shelter not listed
# comes after these, alphabetically. A new shelter joins the order by its slug here.
REPORT_SHELTER_ORDER: list[str] = [known["slug"] for known in SEED_SHELTERS.values()]

# The project's fixed title-page lines, as the seed carries them (the donor's agreement numbers).
AGREEMENT_LINES = [
    "ASSOCIATE COOPERATIVE AGREEMENT NO. 523-A-00-06-00012-00",
    "UNDER LEADER AWARD NO. HFP-A-00-03-00020-00, AED REFERENCE NO. 3253-08",
]
# The donor's disclaimer, in its words (a Spanish reader gets the catalogue's translation).
DISCLAIMER = [
    gettext_noop("This report was produced for review by the US Agency for International Development (USAID)."),
    gettext_noop("The views expressed do not necessarily reflect the views of USAID or the US Government."),
]
# The sections' headings as the seed prints them (the choices' labels are the short names for admin).
SECTION_TITLES = {
    Section.INTRODUCTION: gettext_noop("INTRODUCTION"),
    Section.PUBLIC_AWARENESS: gettext_noop(
        "RAISING PUBLIC AWARENESS REGARDING HUMAN TRAFFICKING AT THE LOCAL AND NATIONAL LEVELS"
    ),
    Section.LEGISLATION: gettext_noop("ANTI-TRAFFICKING LEGISLATION TECHNICAL ASSISTANCE"),
    Section.SHELTERS: gettext_noop("STRENGTHENING LOCAL SHELTERS TO OFFER GREATER SERVICES"),
    Section.NETWORKS: gettext_noop("ANTI-TIP NETWORKS AND TASK FORCES"),
    Section.CONCLUSION: gettext_noop("CONCLUSION"),
}
SECTION_ORDER: list[str] = list(Section.values)
# Annex 1's table titles and columns as meetings.annex1 prints them, for the catalogue (a Spanish page).
_ANNEX1_WORDS = [
    gettext_noop("PROTEJA TIP Meetings: Public Awareness Component"),
    gettext_noop("PROTEJA TIP Meetings: Legislative Technical Assistance Component"),
    gettext_noop("PROTEJA TIP Meetings: Shelter Capacity Building Component"),
    gettext_noop("PROTEJA TIP Meetings: Anti-TIP Networks and Task Forces Component"),
    gettext_noop("Date"),
    gettext_noop("Participant Organization or Government Representative"),
    gettext_noop("Topic/Activity"),
    gettext_noop("State"),
]

# What other apps add to a section beyond its text: section key -> callables (quarter, language) -> parts.
# A part is {"kind": "table", "title", "columns", "rows"} (every format prints it) or
# {"kind": "html", "title", "html", "text"} (the printable page shows `html`, e.g. an SVG map, which must be
# a SafeString rendered from a template; the files print `text`). The legislation app's law table and map
# go under "legislation".
SECTION_PARTS: dict[str, list[Callable[[Quarter, str], list[dict[str, Any]]]]] = {
    "legislation": [legislation_parts],
    "networks": [networks_parts],
}
REPORT_LANGUAGES = ("en", "es")


def report_shelters(*, quarter: Quarter) -> list[Shelter]:
    """The shelters with an agreement started by the quarter's end, in the report's order
    (`REPORT_SHELTER_ORDER`, then the others alphabetically): one Annex 2 table each. One query."""
    position = {slug: index for index, slug in enumerate(REPORT_SHELTER_ORDER)}
    shelters = Shelter.objects.filter(agreement_start__lte=quarter.last_day)
    return sorted(shelters, key=lambda shelter: (position.get(shelter.slug, len(position)), shelter.name.lower()))


def narrative_sections(*, quarter: Quarter) -> list[dict[str, Any]]:
    """The quarter's sections for the API and admin, every section in the report's order, written or not.
    One query."""
    stored = {
        row.section: row for row in QuarterlyNarrative.objects.filter(quarter=str(quarter)).select_related("updated_by")
    }
    sections = []
    for key in SECTION_ORDER:
        row = stored.get(key)
        sections.append(
            {
                "section": key,
                "title": gettext(SECTION_TITLES[key]),
                "text_es": row.text_es if row else "",
                "text_en": row.text_en if row else "",
                "updated_at": row.updated_at if row else None,
                "updated_by": row.updated_by.username if row and row.updated_by else None,
            }
        )
    return sections


def text_blocks(text: str) -> list[dict[str, Any]]:
    """A section's text as blocks: a blank line ends one. Lines all starting "- " are a list, all "1. " a
    numbered list; a short line alone with no full stop is a subheading; the rest paragraphs."""
    blocks: list[dict[str, Any]] = []
    for chunk in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith(("- ", "• ")) for line in lines):
            blocks.append({"kind": "list", "items": [line[2:].strip() for line in lines]})
        elif all(re.match(r"\d+[.)] ", line) for line in lines):
            blocks.append({"kind": "numbered", "items": [re.sub(r"^\d+[.)] ", "", line) for line in lines]})
        elif len(lines) == 1 and len(lines[0]) <= 80 and not lines[0].endswith((".", ";", ",", ")", "”", '"')):
            blocks.append({"kind": "subheading", "text": lines[0]})
        else:
            blocks.append({"kind": "paragraph", "text": " ".join(lines)})
    return blocks


def _report_sections(*, quarter: Quarter, language: str) -> list[dict[str, Any]]:
    """The narrative in the report's language; a section written only in the other language is shown in that
    one (and says so by its `text_language`); one written in neither is empty (missing, not made up). One query."""
    stored = {row.section: row for row in QuarterlyNarrative.objects.filter(quarter=str(quarter))}
    other = "en" if language == "es" else "es"
    sections = []
    for key in SECTION_ORDER:
        row = stored.get(key)
        texts = {"es": row.text_es if row else "", "en": row.text_en if row else ""}
        text_language = language if texts[language].strip() else (other if texts[other].strip() else language)
        parts = [part for provider in SECTION_PARTS.get(key, []) for part in provider(quarter, language)]
        sections.append(
            {
                "key": key,
                "title": gettext(SECTION_TITLES[key]),
                "text": texts[text_language],
                "text_language": text_language,
                "blocks": text_blocks(texts[text_language]),
                "parts": parts,
            }
        )
    return sections


def _cover(*, quarter: Quarter, number: int, language: str) -> dict[str, Any]:
    """The title page as the seed's: project, number, period, agreement numbers, submission, disclaimer. One query."""
    cover = QuarterlyReportCover.objects.filter(quarter=str(quarter)).first()
    submitted_on = cover.submitted_on if cover else None
    if submitted_on is None:
        submitted = gettext("DRAFT: NOT YET SUBMITTED")
    else:
        submitted = gettext("SUBMITTED %(date)s") % {"date": _long_date(submitted_on, language).upper()}
    return {
        "title": gettext("MEXICO TIP SHELTER PROJECT"),
        "heading": gettext("QUARTERLY REPORT NO. %(number)d") % {"number": number},
        "period": _period_label(quarter, language),
        "agreement_lines": list(AGREEMENT_LINES),
        "submitted": submitted,
        "submitted_on": submitted_on.isoformat() if submitted_on else None,
        "disclaimer": [gettext(line) for line in DISCLAIMER],
    }


def _contents(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The contents as the seed's: sections, Annex 1 and its tables, Annex 2 and its tables."""
    entries = [{"level": 1, "title": section["title"], "anchor": f"section-{section['key']}"}
               for section in report["sections"]]  # fmt: skip
    entries.append({"level": 1, "title": gettext("SUMMARY OF THE QUARTER IN FIGURES"), "anchor": "summary"})
    entries.append({"level": 1, "title": gettext("ANNEX 1: RECORD OF MEETINGS"), "anchor": "annex1"})
    entries += [{"level": 2, "title": table["title"], "anchor": f"annex1-table{table['table']}"}
                for table in report["annex1"]]  # fmt: skip
    entries.append(
        {"level": 1, "title": gettext("ANNEX 2: NUMBER OF BENEFICIARIES SERVED BY LOCAL PARTNERS"), "anchor": "annex2"}
    )
    entries += [
        {"level": 2, "title": table.get("shelter_name") or table.get("title") or table["shelter"] or "",
         "anchor": f"annex2-{table['shelter'] or 'national'}"}
        for table in report["annex2"]
    ]  # fmt: skip
    return entries


def quarterly_report_data(*, quarter: Quarter, number: int | None = None, language: str = "en") -> dict[str, Any]:
    """Everything the quarterly report shows, as plain data, from the database, in `language` ("en", the
    donor's, or "es"): the fixed words, the narrative (see `_report_sections`), Annex 2's labels and checks.

    Queries, whatever the number of meetings: 1 cover, 1 narrative, 1 cost share, 2 meeting summary
    (per component, states), 1 Annex 1 rows, 1 shelters, then per shelter with an
    agreement the Annex 2 table's own (see `indicators.tables.build_annex2_table`), and
    the national table's 2 (`build_national_table`) when there is a shelter.
    `annex2` is a list of tables in `build_annex2_table`'s shape: every format prints each in turn. The
    national table (`"shelter": None`) comes last, after the shelters it adds up, from the first agreement
    start to the quarter's end.
    """
    if language not in REPORT_LANGUAGES:
        raise ValueError(f"language must be one of {REPORT_LANGUAGES}")
    number = default_report_number(quarter) if number is None else number
    with translation.override(language):
        cover = _cover(quarter=quarter, number=number, language=language)
        sections = _report_sections(quarter=quarter, language=language)
        summary = meeting_summary(quarter=quarter, language=language)
        annex1 = annex1_tables(quarter=quarter, language=language)
    # The tables' labels and checks are in the table's own language, whatever the request's.
    shelters = report_shelters(quarter=quarter)
    annex2 = [
        build_annex2_table(
            shelter=shelter, first_month=shelter.agreement_start, last_month=quarter.last_month, language=language
        )
        for shelter in shelters
    ]
    if shelters:
        first = min(shelter.agreement_start for shelter in shelters)
        annex2.append(build_national_table(first_month=first, last_month=quarter.last_month, language=language))
    report = {
        "quarter": str(quarter),
        "language": language,
        "number": number,
        "title": cover["title"],
        "heading": cover["heading"],
        "period": cover["period"],
        "cover": cover,
        "first_day": quarter.first_day.isoformat(),
        "last_day": quarter.last_day.isoformat(),
        "sections": sections,
        "summary": summary,
        "cost_share": quarterly_cost_share(quarter=quarter),
        "annex1": annex1,
        "annex2": annex2,
    }
    with translation.override(language):
        report["contents"] = _contents(report)
    return report


def partner_report(report: dict[str, Any]) -> dict[str, Any]:
    """The report as partners read it: every Annex 2 table with small counts hidden, jointly (one query),
    and a note saying so that every format prints. Meetings count officials at public events, not the
    people a shelter serves: they are shown as they are."""
    k = suppression_k()
    return {
        **report,
        "annex2": partner_tables(report["annex2"]),
        "suppression": {"k": k, "note": suppression_note(k, report.get("language", "en"))},
    }


_MONTH_NAMES = [
    "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE",
    "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER",
]  # fmt: skip
_MONTH_NAMES_ES = [
    "ENERO", "FEBRERO", "MARZO", "ABRIL", "MAYO", "JUNIO",
    "JULIO", "AGOSTO", "SEPTIEMBRE", "OCTUBRE", "NOVIEMBRE", "DICIEMBRE",
]  # fmt: skip


def month_name(month: date, language: str) -> str:
    """ "October" / "octubre"."""
    if language == "es":
        return _MONTH_NAMES_ES[month.month - 1].lower()
    return _MONTH_NAMES[month.month - 1].capitalize()


def _long_date(day: date, language: str) -> str:
    """ "February 29, 2008" / "29 de febrero de 2008"."""
    if language == "es":
        return f"{day.day} de {month_name(day, 'es')} de {day.year}"
    return f"{month_name(day, 'en')} {day.day}, {day.year}"


def _period_label(quarter: Quarter, language: str = "en") -> str:
    """As the seed's cover: "OCTOBER — DECEMBER 2007" (or "OCTUBRE — DICIEMBRE 2007")."""
    names = _MONTH_NAMES_ES if language == "es" else _MONTH_NAMES
    return f"{names[quarter.first_day.month - 1]} — {names[quarter.last_day.month - 1]} {quarter.year}"
