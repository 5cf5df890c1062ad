"""Reads for cost share and the quarterly report: who sees which records, and the report's figures.

Every figure is counted by the database (`Sum`, `Count` with `filter=`), never by a
loop over rows, and the report takes a fixed number of queries however many
meetings there are (see `quarterly_report_data`).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import translation

from indicators.partners import partner_tables, suppression_k, suppression_note
from indicators.tables import build_annex2_table, build_national_table
from meetings.annex1 import TABLE_COMPONENTS, TABLE_TITLES, format_annex1_date, state_label
from meetings.models import Component
from meetings.selectors import Quarter, meetings_in_quarter
from shelters.models import Membership, Role, Shelter, User

from .models import CostShareContribution, Disbursement

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


def _english(label: Any) -> str:
    with translation.override("en"):
        return str(label)


def _cents(value: Decimal | int | float | None) -> Decimal:
    # SQLite (the demo) hands sums back through float; PostgreSQL keeps numeric. Both end as exact cents.
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- the quarterly report -----------------------------------------------------------------------


def default_report_number(quarter: Quarter) -> int:
    return (quarter.year - FIRST_REPORT_QUARTER.year) * 4 + quarter.number - FIRST_REPORT_QUARTER.number + 1


def meeting_summary(*, quarter: Quarter) -> dict[str, Any]:
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
                # The report is in English, whatever language the request came in.
                "label": _english(Component(component).label),
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


def annex1_tables(*, quarter: Quarter) -> list[dict[str, Any]]:
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
                "title": f"TABLE {number} – {TABLE_TITLES[component]}",
                "columns": ["Date", "Participant Organization or Government Representative", "Topic/Activity", "State"],
                "rows": rows_by_component[component.value],
            }
        )
    return tables


def report_shelters(*, quarter: Quarter) -> list[Shelter]:
    """The shelters with an agreement started by the quarter's end: one Annex 2 table each. One query."""
    return list(Shelter.objects.filter(agreement_start__lte=quarter.last_day).order_by("name"))


def quarterly_report_data(*, quarter: Quarter, number: int | None = None) -> dict[str, Any]:
    """Everything the quarterly report shows, as plain data, from the database.

    Queries, whatever the number of meetings: 1 cost share, 2 meeting summary
    (per component, states), 1 Annex 1 rows, 1 shelters, then per shelter with an
    agreement the Annex 2 table's own (see `indicators.tables.build_annex2_table`), and
    the national table's 2 (`build_national_table`) when there is a shelter.

    The national table (`"shelter": None`) comes last among the Annex 2 tables, after the shelters it
    adds up, from the first agreement start to the quarter's end.
    """
    number = default_report_number(quarter) if number is None else number
    shelters = report_shelters(quarter=quarter)
    # The report is in English, whatever language the request came in (the tables' checks follow their language).
    annex2 = [
        build_annex2_table(
            shelter=shelter, first_month=shelter.agreement_start, last_month=quarter.last_month, language="en"
        )
        for shelter in shelters
    ]
    if shelters:
        first = min(shelter.agreement_start for shelter in shelters)
        annex2.append(build_national_table(first_month=first, last_month=quarter.last_month, language="en"))
    return {
        "quarter": str(quarter),
        "number": number,
        "title": "MEXICO TIP SHELTER PROJECT",
        "heading": f"QUARTERLY REPORT NO. {number}",
        "period": _period_label(quarter),
        "first_day": quarter.first_day.isoformat(),
        "last_day": quarter.last_day.isoformat(),
        "summary": meeting_summary(quarter=quarter),
        "cost_share": quarterly_cost_share(quarter=quarter),
        "annex1": annex1_tables(quarter=quarter),
        "annex2": annex2,
    }


def partner_report(report: dict[str, Any]) -> dict[str, Any]:
    """The report as partners read it: every Annex 2 table with small counts hidden, jointly (one query),
    and a note saying so that every format prints. Meetings count officials at public events, not the
    people a shelter serves: they are shown as they are."""
    k = suppression_k()
    return {
        **report,
        "annex2": partner_tables(report["annex2"]),
        "suppression": {"k": k, "note": suppression_note(k, "en")},
    }


_MONTH_NAMES = [
    "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE",
    "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER",
]  # fmt: skip


def _period_label(quarter: Quarter) -> str:
    """As the seed's cover: "OCTOBER — DECEMBER 2007"."""
    return f"{_MONTH_NAMES[quarter.first_day.month - 1]} — {_MONTH_NAMES[quarter.last_day.month - 1]} {quarter.year}"
