"""Each Annex 2 row computed from hand-built case records, with the edges of the spec's definitions.

Factories write straight to the database (no `full_clean`), which lets a test
build records the services would refuse, such as a service outside the
victim's stay: the definitions must still hold for them.
"""

from __future__ import annotations

from datetime import date

import pytest

from indicators.aggregation import CENTRAL_AMERICA, compute_indicator_values, months_between
from indicators.catalogue import INDICATOR_KEYS
from tests.factories import (
    FollowUpFactory,
    LegalActionFactory,
    ReferralFactory,
    SecondaryVictimFactory,
    ServiceFactory,
    ShelterFactory,
    TrainingFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db

SEP, OCT, NOV, DEC = date(2007, 9, 1), date(2007, 10, 1), date(2007, 11, 1), date(2007, 12, 1)


def tip_victim(shelter, **fields):
    fields.setdefault("exploitation_types", ["sexual_exploitation"])
    return VictimFactory(shelter=shelter, tip_victim=True, **fields)


def by_month(shelter, first=SEP, last=DEC) -> dict[date, dict[str, int]]:
    values = compute_indicator_values(first_month=first, last_month=last, shelter_ids=[shelter.pk])
    return {month: values[shelter.pk, month] for month in months_between(first, last)}


def row(shelter, key: str, first=SEP, last=DEC) -> list[int]:
    """One row's monthly values, Sep to Dec 2007."""
    return [cells[key] for cells in by_month(shelter, first, last).values()]


@pytest.fixture
def shelter():
    return ShelterFactory(slug="casa", name="Casa")


def test_a_quiet_shelter_has_every_row_at_zero_for_every_month(shelter):
    values = compute_indicator_values(first_month=SEP, last_month=DEC, shelter_ids=[shelter.pk])

    assert set(values) == {(shelter.pk, month) for month in (SEP, OCT, NOV, DEC)}
    for cells in values.values():
        assert list(cells) == INDICATOR_KEYS
        assert set(cells.values()) == {0}
        assert all(type(value) is int for value in cells.values())


def test_all_shelters_when_none_are_named_and_unknown_ids_are_left_out(shelter):
    other = ShelterFactory()
    VictimFactory(shelter=other, intake_date=date(2007, 10, 3))

    everyone = compute_indicator_values(first_month=OCT, last_month=OCT)
    named = compute_indicator_values(first_month=OCT, last_month=OCT, shelter_ids=[shelter.pk, 999_999])

    assert set(everyone) == {(shelter.pk, OCT), (other.pk, OCT)}
    assert everyone[other.pk, OCT]["victims_served"] == 1
    assert everyone[shelter.pk, OCT]["victims_served"] == 0
    assert set(named) == {(shelter.pk, OCT)}


def test_a_range_that_ends_before_it_starts_is_refused(shelter):
    with pytest.raises(ValueError):
        compute_indicator_values(first_month=NOV, last_month=OCT, shelter_ids=[shelter.pk])


def test_intake_on_the_last_day_of_a_month_counts_in_that_month_only_from_then_on(shelter):
    VictimFactory(shelter=shelter, intake_date=date(2007, 10, 31))

    assert row(shelter, "victims_served") == [0, 1, 1, 1]
    assert row(shelter, "new_victims") == [0, 1, 0, 0]
    assert row(shelter, "total_new_victims") == [0, 1, 0, 0]


def test_exit_on_the_first_day_of_a_month_counts_in_that_month_and_not_after(shelter):
    VictimFactory(
        shelter=shelter, intake_date=date(2007, 9, 15), exit_date=date(2007, 11, 1), exit_reason="reintegrated"
    )

    assert row(shelter, "victims_served") == [1, 1, 1, 0]
    assert row(shelter, "victims_reintegrated") == [0, 0, 1, 0]
    assert row(shelter, "total_reintegrated") == [0, 0, 1, 0]


def test_only_exits_for_reintegration_count_as_reintegrated(shelter):
    for reason in ("transferred", "voluntary_departure", "other"):
        VictimFactory(shelter=shelter, intake_date=date(2007, 9, 1), exit_date=date(2007, 10, 9), exit_reason=reason)

    assert row(shelter, "victims_reintegrated") == [0, 0, 0, 0]
    assert row(shelter, "victims_served") == [3, 3, 0, 0]


def test_a_service_in_a_month_the_victim_was_otherwise_not_open_makes_them_served(shelter):
    victim = tip_victim(
        shelter, intake_date=date(2007, 10, 10), exit_date=date(2007, 10, 20), exit_reason="other", nationality="US"
    )
    # Outside the stay: the services would refuse these, an import or a later correction may not.
    ServiceFactory(victim=victim, date=date(2007, 9, 30), category="medical")
    ServiceFactory(victim=victim, date=date(2007, 12, 1), category="legal")
    ServiceFactory(victim=victim, date=date(2007, 12, 2), category="legal")
    # Inside the stay: served once, however many services.
    ServiceFactory(victim=victim, date=date(2007, 10, 12), category="social")
    ServiceFactory(victim=victim, date=date(2007, 10, 13), category="social")

    assert row(shelter, "victims_served") == [1, 1, 0, 1]
    assert row(shelter, "tip_victims_served") == [1, 1, 0, 1]
    assert row(shelter, "origin_usa") == [1, 1, 0, 1]
    assert row(shelter, "tip_crime_sexual_exploitation") == [1, 1, 0, 1]
    assert row(shelter, "new_victims") == [0, 1, 0, 0]
    assert row(shelter, "services_medical") == [1, 0, 0, 0]
    assert row(shelter, "services_legal") == [0, 0, 0, 2]
    assert row(shelter, "services_social") == [0, 2, 0, 0]


def test_a_service_before_the_range_does_not_leak_into_it(shelter):
    victim = VictimFactory(shelter=shelter, intake_date=date(2007, 12, 5))
    ServiceFactory(victim=victim, date=date(2007, 8, 30), category="medical")

    assert row(shelter, "victims_served") == [0, 0, 0, 1]
    assert row(shelter, "services_medical") == [0, 0, 0, 0]
    assert row(shelter, "victims_served", first=date(2007, 8, 1), last=date(2007, 8, 1)) == [1]


def test_secondary_victims_have_their_own_rows_and_are_never_tip_victims(shelter):
    primary = tip_victim(shelter, intake_date=date(2007, 9, 3), nationality="GT")
    SecondaryVictimFactory(shelter=shelter, primary_victim=primary, intake_date=date(2007, 10, 1), nationality="GT")
    SecondaryVictimFactory(
        shelter=shelter,
        primary_victim=primary,
        intake_date=date(2007, 10, 1),
        exit_date=date(2007, 11, 30),
        exit_reason="reintegrated",
        nationality="",
    )

    assert row(shelter, "victims_served") == [1, 1, 1, 1]
    assert row(shelter, "secondary_victims_served") == [0, 2, 2, 1]
    assert row(shelter, "total_victims_served") == [1, 3, 3, 2]
    assert row(shelter, "new_secondary_victims") == [0, 2, 0, 0]
    assert row(shelter, "total_new_victims") == [1, 2, 0, 0]
    assert row(shelter, "secondary_victims_reintegrated") == [0, 0, 1, 0]
    assert row(shelter, "victims_reintegrated") == [0, 0, 0, 0]
    assert row(shelter, "total_reintegrated") == [0, 0, 1, 0]
    assert row(shelter, "tip_victims_served") == [1, 1, 1, 1]
    assert row(shelter, "origin_central_american") == [1, 1, 1, 1]
    assert row(shelter, "origin_other") == [0, 0, 0, 0]


def test_non_tip_primary_victims_are_served_but_not_tip_victims(shelter):
    VictimFactory(shelter=shelter, intake_date=date(2007, 10, 2), nationality="MX")

    assert row(shelter, "victims_served") == [0, 1, 1, 1]
    assert row(shelter, "tip_victims_served") == [0, 0, 0, 0]
    assert row(shelter, "origin_mexican") == [0, 0, 0, 0]


def test_a_victim_with_several_exploitation_types_counts_in_each(shelter):
    tip_victim(shelter, intake_date=date(2007, 10, 2), exploitation_types=["sexual_tourism", "forced_labor", "other"])
    tip_victim(shelter, intake_date=date(2007, 10, 2), exploitation_types=["child_labor", "sexual_exploitation"])
    tip_victim(shelter, intake_date=date(2007, 10, 2), exploitation_types=["sexual_exploitation"])

    october = by_month(shelter)[OCT]
    assert october["tip_victims_served"] == 3
    assert october["tip_crime_sexual_tourism"] == 1
    assert october["tip_crime_forced_labor"] == 1
    assert october["tip_crime_other"] == 1
    assert october["tip_crime_child_labor"] == 1
    assert october["tip_crime_sexual_exploitation"] == 2


@pytest.mark.parametrize("country", CENTRAL_AMERICA)
def test_each_central_american_country_counts_as_central_american(shelter, country):
    tip_victim(shelter, intake_date=date(2007, 10, 2), nationality=country)

    october = by_month(shelter)[OCT]
    assert october["origin_central_american"] == 1
    assert october["origin_mexican"] + october["origin_usa"] + october["origin_other"] == 0


@pytest.mark.parametrize(
    ("nationality", "key"),
    [
        ("MX", "origin_mexican"),
        ("US", "origin_usa"),
        ("CO", "origin_other"),
        ("CA", "origin_other"),
        ("", "origin_other"),
    ],
)
def test_national_origin_of_tip_victims(shelter, nationality, key):
    tip_victim(shelter, intake_date=date(2007, 10, 2), nationality=nationality)

    october = by_month(shelter)[OCT]
    origins = {
        name: october[name] for name in ("origin_mexican", "origin_central_american", "origin_usa", "origin_other")
    }
    assert origins == {name: int(name == key) for name in origins}


def test_follow_up_cases_count_people_of_any_role_with_a_follow_up_in_the_month(shelter):
    primary = VictimFactory(
        shelter=shelter, intake_date=date(2007, 9, 1), exit_date=date(2007, 9, 20), exit_reason="reintegrated"
    )
    child = SecondaryVictimFactory(
        shelter=shelter,
        primary_victim=primary,
        intake_date=date(2007, 9, 1),
        exit_date=date(2007, 9, 20),
        exit_reason="reintegrated",
    )
    FollowUpFactory(victim=primary, date=date(2007, 10, 5))
    FollowUpFactory(victim=primary, date=date(2007, 10, 25))
    FollowUpFactory(victim=child, date=date(2007, 10, 5))
    FollowUpFactory(victim=child, date=date(2007, 12, 31))

    assert row(shelter, "follow_up_cases") == [0, 2, 0, 1]


def test_transfers_count_people_and_only_referrals_of_kind_transfer(shelter):
    victim = VictimFactory(shelter=shelter, intake_date=date(2007, 9, 1))
    child = SecondaryVictimFactory(shelter=shelter, primary_victim=victim, intake_date=date(2007, 9, 1))
    ReferralFactory(victim=victim, date=date(2007, 10, 3), kind="transfer")
    ReferralFactory(victim=victim, date=date(2007, 10, 4), kind="transfer")
    ReferralFactory(victim=child, date=date(2007, 10, 4), kind="transfer")
    ReferralFactory(victim=victim, date=date(2007, 11, 4), kind="service_referral")

    assert row(shelter, "victims_transferred") == [0, 2, 0, 0]


def test_charges_by_a_tip_victim_count_even_when_not_served_that_month(shelter):
    gone = tip_victim(shelter, intake_date=date(2007, 9, 1), exit_date=date(2007, 9, 30), exit_reason="other")
    LegalActionFactory(victim=gone, date=date(2007, 11, 12), kind="charges_filed", crime="tip")
    LegalActionFactory(victim=gone, date=date(2007, 11, 13), kind="charges_filed", crime="other")
    # Not a TIP victim: their charges are not in this row.
    other = VictimFactory(shelter=shelter, intake_date=date(2007, 9, 1))
    LegalActionFactory(victim=other, date=date(2007, 11, 12), kind="charges_filed", crime="tip")

    assert row(shelter, "tip_victims_pressed_charges") == [0, 0, 1, 0]
    assert row(shelter, "victims_served") == [2, 1, 1, 1]


def test_prosecutions_and_sentences_are_events_by_crime(shelter):
    victim = tip_victim(shelter, intake_date=date(2007, 9, 1))
    for kind, crime, day in [
        ("prosecution_opened", "tip", date(2007, 10, 1)),
        ("prosecution_opened", "tip", date(2007, 10, 31)),
        ("prosecution_opened", "other", date(2007, 10, 15)),
        ("sentence", "tip", date(2007, 11, 2)),
        ("sentence", "other", date(2007, 11, 3)),
        ("sentence", "other", date(2007, 12, 3)),
        ("charges_filed", "tip", date(2007, 12, 3)),
    ]:
        LegalActionFactory(victim=victim, date=day, kind=kind, crime=crime)

    assert row(shelter, "prosecutions_tip") == [0, 2, 0, 0]
    assert row(shelter, "prosecutions_other") == [0, 1, 0, 0]
    assert row(shelter, "prosecutions_total") == [0, 3, 0, 0]
    assert row(shelter, "sentences_tip") == [0, 0, 1, 0]
    assert row(shelter, "sentences_other") == [0, 0, 1, 1]
    assert row(shelter, "sentences_total") == [0, 0, 2, 1]
    assert row(shelter, "tip_victims_pressed_charges") == [0, 0, 0, 1]


def test_services_are_events_for_primary_and_secondary_victims(shelter):
    primary = VictimFactory(shelter=shelter, intake_date=date(2007, 9, 1))
    child = SecondaryVictimFactory(shelter=shelter, primary_victim=primary, intake_date=date(2007, 9, 1))
    for victim, category, day in [
        (primary, "legal", date(2007, 10, 1)),
        (primary, "legal", date(2007, 10, 1)),
        (child, "legal", date(2007, 10, 2)),
        (primary, "medical", date(2007, 10, 3)),
        (child, "mental_health", date(2007, 11, 3)),
        (child, "social", date(2007, 12, 31)),
    ]:
        ServiceFactory(victim=victim, category=category, date=day)

    assert row(shelter, "services_legal") == [0, 3, 0, 0]
    assert row(shelter, "services_medical") == [0, 1, 0, 0]
    assert row(shelter, "services_mental_health") == [0, 0, 1, 0]
    assert row(shelter, "services_social") == [0, 0, 0, 1]


def test_education_rows_count_people_and_a_person_in_both_counts_twice(shelter):
    primary = VictimFactory(shelter=shelter, intake_date=date(2007, 9, 1))
    child = SecondaryVictimFactory(shelter=shelter, primary_victim=primary, intake_date=date(2007, 9, 1))
    ServiceFactory(victim=primary, category="vocational_training", date=date(2007, 10, 1))
    ServiceFactory(victim=primary, category="vocational_training", date=date(2007, 10, 8))
    ServiceFactory(victim=primary, category="schooling", date=date(2007, 10, 9))
    ServiceFactory(victim=child, category="schooling", date=date(2007, 10, 9))
    ServiceFactory(victim=child, category="schooling", date=date(2007, 11, 9))

    assert row(shelter, "victims_vocational_training") == [0, 1, 0, 0]
    assert row(shelter, "victims_schooling") == [0, 2, 1, 0]
    assert row(shelter, "victims_education_total") == [0, 3, 1, 0]
    # Education services are not among the four counted service categories.
    assert sum(by_month(shelter)[OCT][key] for key in ("services_legal", "services_medical", "services_social")) == 0


def test_trainings_sum_attendees_by_sector(shelter):
    TrainingFactory(shelter=shelter, date=date(2007, 10, 1), sector="government", attendees=12)
    TrainingFactory(shelter=shelter, date=date(2007, 10, 31), sector="government", attendees=30)
    TrainingFactory(shelter=shelter, date=date(2007, 10, 15), sector="private", attendees=7)
    TrainingFactory(shelter=shelter, date=date(2007, 12, 15), sector="private", attendees=1)

    assert row(shelter, "personnel_trained_government") == [0, 42, 0, 0]
    assert row(shelter, "personnel_trained_private") == [0, 7, 0, 1]


def test_another_shelters_records_never_count(shelter):
    other = ShelterFactory()
    victim = tip_victim(other, intake_date=date(2007, 10, 1))
    ServiceFactory(victim=victim, date=date(2007, 10, 2))
    LegalActionFactory(victim=victim, date=date(2007, 10, 2))
    ReferralFactory(victim=victim, date=date(2007, 10, 2))
    TrainingFactory(shelter=other, date=date(2007, 10, 2))

    assert set(by_month(shelter)[OCT].values()) == {0}
    assert by_month(other)[OCT]["tip_victims_served"] == 1


def test_open_victims_are_served_in_every_month_of_their_stay(shelter):
    VictimFactory(shelter=shelter, intake_date=date(2006, 1, 15))
    VictimFactory(shelter=shelter, intake_date=date(2007, 6, 1), exit_date=date(2007, 8, 31), exit_reason="other")

    assert row(shelter, "victims_served", first=date(2007, 7, 1), last=DEC) == [2, 2, 1, 1, 1, 1]
    assert row(shelter, "new_victims", first=date(2007, 7, 1), last=DEC) == [0, 0, 0, 0, 0, 0]


def test_a_range_longer_than_one_statement_counts_each_month_as_that_month_alone(shelter):
    """PostgreSQL counts at most POSTGRESQL_MONTHS_PER_STATEMENT months per statement (a victim's months are
    bits of a bigint): a stay, services and a service outside the stay across that edge count as they would
    month by month."""
    from indicators.aggregation import POSTGRESQL_MONTHS_PER_STATEMENT, month_from_number, month_number

    first = date(2005, 1, 1)
    last = month_from_number(month_number(first) + POSTGRESQL_MONTHS_PER_STATEMENT + 5)
    edge = month_from_number(month_number(first) + POSTGRESQL_MONTHS_PER_STATEMENT)
    long_stay = tip_victim(shelter, intake_date=date(2005, 3, 10), exit_date=None, nationality="MX")
    ServiceFactory(victim=long_stay, date=edge.replace(day=2), category="schooling")
    ServiceFactory(victim=long_stay, date=month_from_number(month_number(edge) - 1), category="legal")
    left = VictimFactory(
        shelter=shelter, intake_date=date(2005, 2, 1), exit_date=date(2005, 4, 30), exit_reason="reintegrated"
    )
    # Served after the stay ended, on both sides of the edge: served in those months only.
    ServiceFactory(victim=left, date=month_from_number(month_number(edge) - 1).replace(day=20), category="medical")
    ServiceFactory(victim=left, date=edge.replace(day=5), category="vocational_training")

    whole = by_month(shelter, first, last)
    assert whole == {month: by_month(shelter, month, month)[month] for month in months_between(first, last)}
    assert whole[edge]["victims_served"] == 2 and whole[edge]["victims_schooling"] == 1
    assert whole[edge]["victims_vocational_training"] == 1
    assert whole[month_from_number(month_number(edge) + 1)]["victims_served"] == 1
