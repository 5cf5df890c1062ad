"""`distinct_people_over_period`: each person once over the whole period, counted in one query."""

from __future__ import annotations

from datetime import date

from indicators.catalogue import INDICATORS
from indicators.selectors import distinct_people_over_period
from tests.factories import (
    FollowUpFactory,
    LegalActionFactory,
    ReferralFactory,
    SecondaryVictimFactory,
    ServiceFactory,
    VictimFactory,
)

SEP, OCT, NOV, DEC = date(2007, 9, 1), date(2007, 10, 1), date(2007, 11, 1), date(2007, 12, 1)


def test_people_rows_over_a_period(shelter_a, shelter_b, django_assert_num_queries):
    tip = VictimFactory(
        shelter=shelter_a,
        intake_date=date(2007, 9, 5),
        tip_victim=True,
        exploitation_types=["sexual_exploitation", "forced_labor"],
        nationality="GT",
        exit_date=date(2007, 11, 2),
        exit_reason="reintegrated",
    )
    SecondaryVictimFactory(shelter=shelter_a, primary_victim=tip, intake_date=date(2007, 9, 5))
    plain = VictimFactory(shelter=shelter_a, intake_date=date(2007, 6, 1), nationality="")
    # Left before the period: not served in it, but followed up in it.
    gone = VictimFactory(
        shelter=shelter_a, intake_date=date(2007, 3, 1), exit_date=date(2007, 8, 20), exit_reason="transferred"
    )
    FollowUpFactory(victim=gone, date=date(2007, 10, 9))
    FollowUpFactory(victim=gone, date=date(2007, 11, 9))
    # Taken in after the period: nowhere.
    VictimFactory(
        shelter=shelter_a, intake_date=date(2007, 12, 3), tip_victim=True, exploitation_types=["other"], nationality=""
    )
    # Another shelter's victim: nowhere.
    VictimFactory(shelter=shelter_b, intake_date=date(2007, 10, 3))
    for day in (date(2007, 9, 10), date(2007, 10, 10)):
        ServiceFactory(victim=tip, date=day, category="schooling")
        ServiceFactory(victim=plain, date=day, category="vocational_training")
    ServiceFactory(victim=plain, date=date(2007, 10, 11), category="schooling")
    ReferralFactory(victim=plain, date=date(2007, 10, 2), kind="transfer")
    ReferralFactory(victim=plain, date=date(2007, 11, 2), kind="transfer")
    LegalActionFactory(victim=tip, date=date(2007, 9, 20), kind="charges_filed")
    LegalActionFactory(victim=tip, date=date(2007, 10, 20), kind="charges_filed")

    # The count, and the aggregation path's setting for the shelter before it and given back after it.
    with django_assert_num_queries(1 + 2):
        counts = distinct_people_over_period(shelter_id=shelter_a.pk, first_month=SEP, last_month=NOV)

    assert set(counts) == {indicator.key for indicator in INDICATORS if indicator.people}
    assert counts == {
        "victims_served": 2,
        "secondary_victims_served": 1,
        "tip_victims_served": 1,
        "total_victims_served": 3,
        "new_victims": 1,
        "new_secondary_victims": 1,
        "total_new_victims": 2,
        "victims_reintegrated": 1,
        "secondary_victims_reintegrated": 0,
        "total_reintegrated": 1,
        "follow_up_cases": 1,
        "tip_crime_sexual_tourism": 0,
        "tip_crime_forced_labor": 1,
        "tip_crime_sexual_exploitation": 1,
        "tip_crime_child_labor": 0,
        "tip_crime_other": 0,
        "origin_mexican": 0,
        "origin_central_american": 1,
        "origin_usa": 0,
        "origin_other": 0,
        "victims_transferred": 1,
        "tip_victims_pressed_charges": 1,
        "victims_vocational_training": 1,
        "victims_schooling": 2,
        "victims_education_total": 3,
    }

    december = distinct_people_over_period(shelter_id=shelter_a.pk, first_month=DEC, last_month=DEC)
    # The TIP victim taken in in December, with no nationality recorded, counts as "other" origin.
    assert (december["tip_victims_served"], december["origin_other"], december["tip_crime_other"]) == (1, 1, 1)
    # Primary victims open in December: the one without an exit and the December intake; the child stays.
    assert (december["victims_served"], december["secondary_victims_served"]) == (2, 1)


def test_over_one_month_it_agrees_with_the_monthly_aggregation(shelter_a):
    from indicators.aggregation import compute_indicator_values

    tip = VictimFactory(
        shelter=shelter_a,
        intake_date=date(2007, 9, 5),
        tip_victim=True,
        exploitation_types=["child_labor"],
        nationality="US",
        exit_date=date(2007, 10, 12),
        exit_reason="reintegrated",
    )
    SecondaryVictimFactory(
        shelter=shelter_a,
        primary_victim=tip,
        intake_date=date(2007, 9, 6),
        exit_date=date(2007, 10, 12),
        exit_reason="reintegrated",
    )
    other = VictimFactory(shelter=shelter_a, intake_date=date(2007, 10, 20))
    ServiceFactory(victim=other, date=date(2007, 11, 3), category="schooling")
    FollowUpFactory(victim=tip, date=date(2007, 11, 15))
    ReferralFactory(victim=other, date=date(2007, 11, 4), kind="transfer")
    LegalActionFactory(victim=tip, date=date(2007, 9, 30), kind="charges_filed")

    monthly = compute_indicator_values(first_month=SEP, last_month=DEC, shelter_ids=[shelter_a.pk])
    for month in (SEP, OCT, NOV, DEC):
        distinct = distinct_people_over_period(shelter_id=shelter_a.pk, first_month=month, last_month=month)
        assert distinct == {key: monthly[shelter_a.pk, month][key] for key in distinct}, month
