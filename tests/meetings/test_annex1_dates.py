"""The seed's Annex 1 date style, read and written."""

from datetime import date

import pytest

from meetings.annex1 import DateNotUnderstood, format_annex1_date, parse_annex1_date, state_code, state_label


@pytest.mark.parametrize(
    ("printed", "start", "end", "days"),
    [
        ("2-Oct.", date(2007, 10, 2), date(2007, 10, 2), []),
        ("16-17-Oct.", date(2007, 10, 16), date(2007, 10, 17), []),
        ("14-16-Nov.", date(2007, 11, 14), date(2007, 11, 16), []),
        ("24 and 26-Oct.", date(2007, 10, 24), date(2007, 10, 26), [date(2007, 10, 24), date(2007, 10, 26)]),
        (
            "3, 5 and 7-Dec.",
            date(2007, 12, 3),
            date(2007, 12, 7),
            [date(2007, 12, 3), date(2007, 12, 5), date(2007, 12, 7)],
        ),
    ],
)
def test_it_reads_and_writes_the_seed_dates(printed, start, end, days):
    assert parse_annex1_date(printed, year=2007) == (start, end, days)
    assert format_annex1_date(start, end, days) == printed


def test_a_range_over_two_months_names_both():
    assert format_annex1_date(date(2007, 10, 30), date(2007, 11, 2)) == "30-Oct.-2-Nov."


def test_listed_days_that_run_on_print_as_a_range():
    assert format_annex1_date(date(2007, 10, 16), date(2007, 10, 17), ["2007-10-16", "2007-10-17"]) == "16-17-Oct."


def test_separate_days_in_two_months():
    assert format_annex1_date(date(2007, 10, 30), date(2007, 11, 2), ["2007-10-30", "2007-11-02"]) == (
        "30-Oct. and 2-Nov."
    )


@pytest.mark.parametrize("printed", ["Oct. 2", "31-Nov.", "17-16-Oct.", "2-Foo.", "", "around mid-October"])
def test_it_refuses_what_it_cannot_read(printed):
    with pytest.raises(DateNotUnderstood):
        parse_annex1_date(printed, year=2007)


def test_states_as_printed():
    assert state_code("Mexico City, D.F.") == "CMX"
    assert state_code("Queretaro") == "QUE"
    assert state_code("Querétaro") == "QUE"
    assert state_code("Quintana Roo") == "ROO"
    assert state_code("Nuevo León") == "NLE"
    assert state_code("Atlantis") is None
    assert state_label("CMX") == "Mexico City, D.F."
    assert state_label("QUE") == "Queretaro"
    assert state_label("NLE") == "Nuevo Leon"
