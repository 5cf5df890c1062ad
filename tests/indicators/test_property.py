"""The aggregation agrees with a plain Python reading of annex2-indicators.md on random case records.

The records are random on purpose where the services would be strict: services,
referrals and legal actions fall anywhere in the window, including outside the
victim's stay, so that "served in M" (open in M or a service in M) is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.aggregation import compute_indicator_values, months_between
from indicators.catalogue import INDICATORS
from shelters.models import FollowUp, LegalAction, Referral, Service, Training, Victim
from tests.factories import ShelterFactory

pytestmark = pytest.mark.django_db

FIRST_MONTH, LAST_MONTH = date(2007, 1, 1), date(2007, 5, 1)
# Records may fall a little before and after the months computed.
EARLIEST, LATEST = date(2006, 11, 20), date(2007, 6, 10)
EXPLOITATION = ["sexual_tourism", "forced_labor", "sexual_exploitation", "child_labor", "other"]
CENTRAL_AMERICA = {"BZ", "CR", "GT", "HN", "NI", "PA", "SV"}

days = st.dates(min_value=EARLIEST, max_value=LATEST)


@dataclass
class VictimSpec:
    shelter: int
    secondary: bool
    tip: bool
    types: list[str]
    nationality: str
    intake: date
    stay_days: int | None
    exit_reason: str

    @property
    def exit(self) -> date | None:
        return None if self.stay_days is None else self.intake + timedelta(days=self.stay_days)


victim_specs = st.builds(
    VictimSpec,
    shelter=st.integers(0, 1),
    secondary=st.booleans(),
    tip=st.booleans(),
    types=st.lists(st.sampled_from(EXPLOITATION), min_size=1, max_size=3, unique=True),
    nationality=st.sampled_from(["MX", "GT", "HN", "SV", "BZ", "US", "CO", "ES", ""]),
    intake=days,
    stay_days=st.none() | st.integers(0, 120),
    exit_reason=st.sampled_from(["reintegrated", "transferred", "voluntary_departure", "other"]),
)
case_records = st.fixed_dictionaries(
    {
        "victims": st.lists(victim_specs, min_size=1, max_size=14),
        "services": st.lists(
            st.tuples(
                st.integers(0, 99),
                days,
                st.sampled_from(["legal", "medical", "mental_health", "social", "vocational_training", "schooling"]),
            ),
            max_size=25,
        ),
        "referrals": st.lists(
            st.tuples(st.integers(0, 99), days, st.sampled_from(["transfer", "service_referral"])), max_size=6
        ),
        "legal_actions": st.lists(
            st.tuples(
                st.integers(0, 99),
                days,
                st.sampled_from(["charges_filed", "prosecution_opened", "sentence"]),
                st.sampled_from(["tip", "other"]),
            ),
            max_size=10,
        ),
        "follow_ups": st.lists(st.tuples(st.integers(0, 99), days), max_size=6),
        "trainings": st.lists(
            st.tuples(st.integers(0, 1), days, st.sampled_from(["government", "private"]), st.integers(1, 40)),
            max_size=5,
        ),
    }
)


def month_of(day: date) -> date:
    return day.replace(day=1)


def end_of(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def expected_values(shelters, victims: list[Victim], records: dict[str, list]) -> dict:
    """The spec's definitions, read literally, one shelter-month at a time."""
    values = {}
    for shelter in shelters:
        for month in months_between(FIRST_MONTH, LAST_MONTH):
            last = end_of(month)

            def in_month(day: date, last=last, month=month) -> bool:
                return month <= day <= last

            def here(items, shelter=shelter):
                return [item for item in items if item.shelter_id == shelter.pk]

            mine = here(victims)
            services = [s for s in here(records["services"]) if in_month(s.date)]
            open_victims = {
                v.pk for v in mine if v.intake_date <= last and (v.exit_date is None or v.exit_date >= month)
            }
            served_ids = open_victims | {s.victim_id for s in services}
            served = [v for v in mine if v.pk in served_ids]
            primary = [v for v in served if v.role == "primary"]
            secondary = [v for v in served if v.role == "secondary"]
            tip = [v for v in primary if v.tip_victim]
            by_id = {v.pk: v for v in victims}
            cell = {
                "victims_served": len(primary),
                "secondary_victims_served": len(secondary),
                "tip_victims_served": len(tip),
                "new_victims": sum(1 for v in mine if v.role == "primary" and in_month(v.intake_date)),
                "new_secondary_victims": sum(1 for v in mine if v.role == "secondary" and in_month(v.intake_date)),
                "victims_reintegrated": sum(
                    1
                    for v in mine
                    if v.role == "primary" and v.exit_date and in_month(v.exit_date) and v.exit_reason == "reintegrated"
                ),
                "secondary_victims_reintegrated": sum(
                    1
                    for v in mine
                    if v.role == "secondary"
                    and v.exit_date
                    and in_month(v.exit_date)
                    and v.exit_reason == "reintegrated"
                ),
                "follow_up_cases": len({f.victim_id for f in here(records["follow_ups"]) if in_month(f.date)}),
                "origin_mexican": sum(1 for v in tip if v.nationality == "MX"),
                "origin_central_american": sum(1 for v in tip if v.nationality in CENTRAL_AMERICA),
                "origin_usa": sum(1 for v in tip if v.nationality == "US"),
                "origin_other": sum(1 for v in tip if v.nationality not in CENTRAL_AMERICA | {"MX", "US"}),
                "victims_transferred": len(
                    {r.victim_id for r in here(records["referrals"]) if in_month(r.date) and r.kind == "transfer"}
                ),
                "tip_victims_pressed_charges": len(
                    {
                        a.victim_id
                        for a in here(records["legal_actions"])
                        if in_month(a.date)
                        and a.kind == "charges_filed"
                        and by_id[a.victim_id].role == "primary"
                        and by_id[a.victim_id].tip_victim
                    }
                ),
                "victims_vocational_training": len(
                    {s.victim_id for s in services if s.category == "vocational_training"}
                ),
                "victims_schooling": len({s.victim_id for s in services if s.category == "schooling"}),
            }
            for kind in EXPLOITATION:
                cell[f"tip_crime_{kind}"] = sum(1 for v in tip if kind in v.exploitation_types)
            for category in ("legal", "medical", "mental_health", "social"):
                cell[f"services_{category}"] = sum(1 for s in services if s.category == category)
            for kind, row in (("prosecution_opened", "prosecutions"), ("sentence", "sentences")):
                for crime in ("tip", "other"):
                    cell[f"{row}_{crime}"] = sum(
                        1
                        for a in here(records["legal_actions"])
                        if in_month(a.date) and a.kind == kind and a.crime == crime
                    )
            for sector in ("government", "private"):
                cell[f"personnel_trained_{sector}"] = sum(
                    t.attendees for t in here(records["trainings"]) if in_month(t.date) and t.sector == sector
                )
            for indicator in INDICATORS:
                if indicator.parts:
                    cell[indicator.key] = sum(cell[part] for part in indicator.parts)
            values[shelter.pk, month] = cell
    return values


def build(shelters, data: dict) -> tuple[list[Victim], dict[str, list]]:
    """Store the drawn records (bulk inserts, no validation) and return them as saved."""
    primaries, secondaries = [], []
    first_primary: dict[int, Victim] = {}
    for index, spec in enumerate(data["victims"]):
        shelter = shelters[spec.shelter]
        secondary = spec.secondary and spec.shelter in first_primary
        victim = Victim(
            shelter=shelter,
            case_code=f"P-{index:03d}",
            role="secondary" if secondary else "primary",
            primary_victim=first_primary.get(spec.shelter) if secondary else None,
            tip_victim=spec.tip and not secondary,
            exploitation_types=spec.types if spec.tip and not secondary else [],
            nationality=spec.nationality,
            intake_date=spec.intake,
            exit_date=spec.exit,
            exit_reason=spec.exit_reason if spec.exit else "",
        )
        (secondaries if secondary else primaries).append(victim)
        if not secondary:
            first_primary.setdefault(spec.shelter, victim)
    Victim.objects.bulk_create(primaries)
    Victim.objects.bulk_create(secondaries)
    victims = primaries + secondaries

    def victim(index: int) -> Victim:
        return victims[index % len(victims)]

    records = {
        "services": [
            Service(victim=victim(i), shelter_id=victim(i).shelter_id, date=day, category=category)
            for i, day, category in data["services"]
        ],
        "referrals": [
            Referral(victim=victim(i), shelter_id=victim(i).shelter_id, date=day, kind=kind, institution="DIF")
            for i, day, kind in data["referrals"]
        ],
        "legal_actions": [
            LegalAction(victim=victim(i), shelter_id=victim(i).shelter_id, date=day, kind=kind, crime=crime)
            for i, day, kind, crime in data["legal_actions"]
        ],
        # Follow-ups are kept for victims who left, dated after their exit, as the services require.
        "follow_ups": [
            FollowUp(victim=victim(i), shelter_id=victim(i).shelter_id, date=max(day, victim(i).exit_date))
            for i, day in data["follow_ups"]
            if victim(i).exit_date
        ],
        "trainings": [
            Training(shelter=shelters[s], date=day, sector=sector, attendees=attendees, institution="X")
            for s, day, sector, attendees in data["trainings"]
        ],
    }
    for model, key in ((Service, "services"), (Referral, "referrals"), (LegalAction, "legal_actions")):
        model.objects.bulk_create(records[key])
    FollowUp.objects.bulk_create(records["follow_ups"])
    Training.objects.bulk_create(records["trainings"])
    return victims, records


@pytest.fixture
def two_shelters(db):
    return [ShelterFactory(), ShelterFactory()]


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=case_records)
def test_aggregation_matches_the_definitions_on_random_case_records(two_shelters, data):
    with transaction.atomic():
        victims, records = build(two_shelters, data)
        computed = compute_indicator_values(first_month=FIRST_MONTH, last_month=LAST_MONTH)
        expected = expected_values(two_shelters, victims, records)
        transaction.set_rollback(True)

    assert computed.keys() == expected.keys()
    for cell, values in expected.items():
        assert computed[cell] == values, cell
