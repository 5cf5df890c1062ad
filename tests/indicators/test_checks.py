"""The checks a table must pass, on hand-built tables: each failure names shelter, month and rows."""

from __future__ import annotations

from datetime import date

from indicators.catalogue import INDICATOR_KEYS
from indicators.checks import check_month, check_table

MAY, JUNE = date(2007, 5, 1), date(2007, 6, 1)


def good_month(**changes):
    """A month that passes every check; `changes` break it."""
    cells = dict.fromkeys(INDICATOR_KEYS, 0)
    cells.update(
        victims_served=10,
        secondary_victims_served=4,
        tip_victims_served=5,
        total_victims_served=14,
        new_victims=3,
        new_secondary_victims=1,
        total_new_victims=4,
        tip_crime_sexual_exploitation=4,
        tip_crime_forced_labor=2,
        origin_mexican=4,
        origin_central_american=1,
        prosecutions_tip=1,
        prosecutions_other=2,
        prosecutions_total=3,
        victims_vocational_training=2,
        victims_schooling=3,
        victims_education_total=5,
    )
    cells.update(changes)
    return cells


def failed(cells):
    return [(failure.check, failure.rows) for failure in check_month(shelter="shelter-a", month=MAY, cells=cells)]


def test_a_consistent_month_passes():
    assert failed(good_month()) == []


def test_each_total_row_must_equal_the_sum_of_its_parts():
    assert failed(good_month(total_victims_served=15)) == [
        ("total_equals_parts", ("total_victims_served", "victims_served", "secondary_victims_served"))
    ]
    assert failed(good_month(prosecutions_total=2)) == [
        ("total_equals_parts", ("prosecutions_total", "prosecutions_tip", "prosecutions_other"))
    ]
    assert failed(good_month(victims_education_total=4))[0][1][0] == "victims_education_total"
    assert failed(good_month(total_reintegrated=1))[0][1][0] == "total_reintegrated"


def test_a_total_with_a_missing_part_is_not_checked():
    # Casa Alianza June: sentences_tip 0, sentences_other blank, total 0.
    assert failed(good_month(sentences_other=None, sentences_total=7)) == []
    assert failed(good_month(sentences_total=None, sentences_tip=3)) == []


def test_tip_victims_and_new_victims_cannot_exceed_victims_served():
    assert ("tip_victims_within_victims", ("tip_victims_served", "victims_served")) in failed(
        good_month(victims_served=4, total_victims_served=8)
    )
    assert failed(good_month(new_victims=11, total_new_victims=12)) == [
        ("new_victims_within_victims", ("new_victims", "victims_served"))
    ]


def test_each_crime_row_is_at_most_the_tip_victims_and_together_they_cover_them():
    assert failed(good_month(tip_crime_other=6)) == [
        ("tip_crime_within_tip_victims", ("tip_crime_other", "tip_victims_served"))
    ]
    too_few = failed(good_month(tip_crime_sexual_exploitation=1, tip_crime_forced_labor=1))
    assert [check for check, _rows in too_few] == ["tip_crimes_cover_tip_victims"]
    # One crime row missing: the sum cannot be judged.
    assert failed(good_month(tip_crime_sexual_exploitation=1, tip_crime_forced_labor=1, tip_crime_other=None)) == []


def test_the_origins_sum_to_the_tip_victims():
    assert failed(good_month(origin_usa=1)) == [
        (
            "origins_sum_to_tip_victims",
            ("origin_mexican", "origin_central_american", "origin_usa", "origin_other", "tip_victims_served"),
        )
    ]
    assert failed(good_month(origin_mexican=3)) != []
    assert failed(good_month(origin_mexican=None)) == []
    assert failed(good_month(tip_victims_served=None)) == []


def test_a_table_lists_every_failure_with_shelter_and_month():
    values = {key: [good_month()[key], good_month(origin_other=2, total_new_victims=9)[key]] for key in INDICATOR_KEYS}
    failures = check_table(shelter="ciam", months=[MAY, JUNE], values=values)
    assert [(f.shelter, f.month, f.check) for f in failures] == [
        ("ciam", JUNE, "total_equals_parts"),
        ("ciam", JUNE, "origins_sum_to_tip_victims"),
    ]
    assert "ciam 2007-06" in str(failures[1]) and "origin_other" in str(failures[1])
    assert failures[1].as_dict()["month"] == "2007-06"


def test_the_total_column_must_equal_the_sum_of_the_months_skipping_blanks():
    values = {"sentences_other": [1, None, None], "services_legal": [3, 4, 5]}
    assert (
        check_table(
            shelter="s",
            months=[MAY, JUNE, date(2007, 7, 1)],
            values=values,
            totals={"sentences_other": 1, "services_legal": 12},
        )
        == []
    )
    (failure,) = check_table(
        shelter="s", months=[MAY, JUNE, date(2007, 7, 1)], values=values, totals={"services_legal": 13}
    )
    assert (failure.check, failure.month, failure.rows) == ("total_equals_sum_of_months", None, ("services_legal",))
