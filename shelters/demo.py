"""Generated case records for the demo: plausible, fixed by a seed, no real person."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from . import services
from .models import (
    Crime,
    ExitReason,
    ExploitationType,
    LegalActionKind,
    ReferralKind,
    Sector,
    Service,
    ServiceCategory,
    Sex,
    Shelter,
    Training,
    User,
    Victim,
    VictimRole,
)

GIVEN_NAMES = ["Ana", "María", "Lucía", "Rosa", "Carmen", "Elena", "Sofía", "Paola", "Diana", "Laura"]
FAMILY_NAMES = ["García", "Hernández", "López", "Martínez", "Pérez", "Sánchez", "Ramírez", "Cruz", "Flores"]
NATIONALITIES = ["MX"] * 8 + ["GT", "HN", "SV", "US", "CO", ""]


def generate_case_records(*, shelter: Shelter, actor: User | None, victims: int = 40, seed: int = 2007) -> int:
    """Create `victims` primary victims over the last 14 months with children, services and the rest."""
    if Victim.objects.filter(shelter=shelter).exists():
        return 0
    rng = random.Random(f"{seed}-{shelter.slug}")
    today = timezone.localdate()
    start = today - timedelta(days=420)
    created = 0
    for _ in range(victims):
        intake = start + timedelta(days=rng.randrange(0, 400))
        tip = rng.random() < 0.4
        exit_date = intake + timedelta(days=rng.randrange(20, 200))
        exited = exit_date < today - timedelta(days=5)
        primary = services.victim_create(
            actor=actor,
            shelter=shelter,
            channel="demo",
            data={
                "role": VictimRole.PRIMARY,
                "sex": rng.choice([Sex.FEMALE] * 5 + [Sex.MALE]),
                "birth_year": rng.randrange(1975, 2008),
                "nationality": rng.choice(NATIONALITIES),
                "tip_victim": tip,
                "exploitation_types": sorted(rng.sample(ExploitationType.values, rng.randint(1, 2))) if tip else [],
                "intake_date": intake,
                "exit_date": exit_date if exited else None,
                "exit_reason": rng.choice(ExitReason.values) if exited else "",
                "given_name": rng.choice(GIVEN_NAMES),
                "family_name": rng.choice(FAMILY_NAMES),
            },
        )
        people = [primary]
        for _child in range(rng.choice([0, 0, 1, 2])):
            people.append(
                services.victim_create(
                    actor=actor,
                    shelter=shelter,
                    channel="demo",
                    data={
                        "role": VictimRole.SECONDARY,
                        "primary_victim": primary,
                        "sex": rng.choice([Sex.FEMALE, Sex.MALE]),
                        "birth_year": rng.randrange(2010, today.year),
                        "nationality": primary.nationality,
                        "intake_date": intake,
                        "exit_date": primary.exit_date,
                        "exit_reason": primary.exit_reason,
                        "given_name": rng.choice(GIVEN_NAMES),
                    },
                )
            )
        last_day = primary.exit_date or today
        span = (last_day - intake).days
        for person in people:
            items = [
                {
                    "victim": person,
                    "date": intake + timedelta(days=rng.randrange(0, span + 1)),
                    "category": rng.choice(ServiceCategory.values),
                }
                for _service in range(rng.randrange(2, 10))
            ]
            services.records_create_bulk(actor=actor, model=Service, items=items, channel="demo")
        if rng.random() < 0.3:
            from .models import Referral

            services.record_create(
                actor=actor,
                model=Referral,
                channel="demo",
                data={
                    "victim": primary,
                    "date": intake + timedelta(days=rng.randrange(0, span + 1)),
                    "kind": rng.choice(ReferralKind.values),
                    "institution": "DIF",
                },
            )
        if tip and rng.random() < 0.5:
            from .models import LegalAction

            services.record_create(
                actor=actor,
                model=LegalAction,
                channel="demo",
                data={
                    "victim": primary,
                    "date": intake + timedelta(days=rng.randrange(0, span + 1)),
                    "kind": rng.choice(LegalActionKind.values),
                    "crime": rng.choice(Crime.values),
                },
            )
        if primary.exit_date and primary.exit_date + timedelta(days=30) < today:
            from .models import FollowUp

            services.record_create(
                actor=actor,
                model=FollowUp,
                channel="demo",
                data={"victim": primary, "date": primary.exit_date + timedelta(days=30), "method": "phone"},
            )
        created += len(people)
    for month_back in range(0, 12, 3):
        services.record_create(
            actor=actor,
            model=Training,
            channel="demo",
            data={
                "shelter": shelter,
                "date": (today.replace(day=1) - timedelta(days=30 * month_back)).replace(day=10)
                if month_back
                else today.replace(day=1),
                "institution": rng.choice(["Fiscalía estatal", "INM", "Hotel Riviera", "Empresa de transporte"]),
                "sector": rng.choice(Sector.values),
                "attendees": rng.randrange(5, 40),
                "topic": "Detección de víctimas de trata",
            },
        )
    return created


def first_of(day: date) -> date:
    return day.replace(day=1)
