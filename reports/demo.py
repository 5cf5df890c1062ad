"""Demo data for the 2007-Q4 quarterly report: the seed's meetings and an illustrative cost share.

The seed gives only the quarter's total cost share (USD 103,873.03, footnote 3), not
each shelter's part: the split below is made up so the demo report shows the right
total. The disbursements are made up too, each within the 50% match (Casa de las
Mercedes exactly at it).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from meetings.demo import load_demo_meetings
from shelters.models import Shelter

from . import services
from .models import CostShareContribution, Currency, Disbursement

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


def load_demo_report() -> str:
    """Meetings and cost share for the 2007-Q4 report; returns a line for the command's output."""
    meetings = load_demo_meetings()
    records = load_demo_cost_share()
    return (
        f"Annex 1: {meetings.created} meetings loaded ({meetings.unchanged} already there); "
        f"cost share: {records} records loaded. Report: /api/v1/reports/quarterly/2007-Q4/?format=html&number=7"
    )
