"""A quarter typed as Spanish writes it, "2007-T4" (trimestre), is the same quarter as "2007-Q4" wherever a
quarter is typed: Quarter.parse, the meetings API's ?quarter=, the admin's quarter filter, the reports' forms
and API (which read quarters through Quarter.parse)."""

from __future__ import annotations

from datetime import date

import pytest

from meetings.models import Meeting
from meetings.selectors import Quarter


@pytest.mark.parametrize("text", ["2007-Q4", "2007-q4", "2007-T4", "2007-t4", " 2007-T4 "])
def test_both_spellings_are_the_fourth_quarter(text):
    quarter = Quarter.parse(text)

    assert quarter == Quarter(2007, 4)
    assert (quarter.first_day, quarter.last_day) == (date(2007, 10, 1), date(2007, 12, 31))
    # Said back in the API's spelling.
    assert str(quarter) == "2007-Q4"


@pytest.mark.parametrize("text", ["2007-T5", "2007-T0", "2007-X4", "2007T4", "T4-2007", "1899-T4", ""])
def test_a_quarter_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        Quarter.parse(text)


@pytest.fixture
def two_quarters(db):
    make = {"component": "networks", "state": "CMX", "topic": "Coordinación", "participants_total": 3}
    Meeting.objects.create(start_date=date(2007, 11, 5), end_date=date(2007, 11, 5), **make)
    Meeting.objects.create(start_date=date(2008, 1, 10), end_date=date(2008, 1, 10), **make)


def test_the_meetings_api_reads_2007_t4(two_quarters, api_as, program_staff):
    client = api_as(program_staff)

    spanish = client.get("/api/v1/meetings/", {"quarter": "2007-T4"})
    english = client.get("/api/v1/meetings/", {"quarter": "2007-Q4"})

    assert spanish.status_code == 200
    assert spanish.json()["count"] == english.json()["count"] == 1
    assert spanish.json()["results"] == english.json()["results"]
    assert client.get("/api/v1/meetings/", {"quarter": "2007-T5"}).status_code == 400


def test_the_admin_quarter_filter_reads_2007_t4_and_says_t_in_spanish(two_quarters, client, program_staff):
    client.force_login(program_staff)

    spanish = client.get("/admin/meetings/meeting/", {"quarter": "2007-T4"}, HTTP_ACCEPT_LANGUAGE="es")
    html = spanish.content.decode()

    assert spanish.status_code == 200
    assert spanish.context["cl"].result_count == 1
    # The choices keep the API's value and show the Spanish spelling.
    assert 'href="?quarter=2007-Q4"' in html and ">2007-T4</a>" in html
    english = client.get("/admin/meetings/meeting/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">2007-Q4</a>" in english and ">2007-T4</a>" not in english


def test_the_reports_admin_form_and_api_read_2007_t4(db, client, api_as, program_staff):
    client.force_login(program_staff)

    page = client.get(
        "/admin/reports/costsharecontribution/quarterly-report/", {"quarter": "2007-T4"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert page.status_code == 200
    assert b"/api/v1/reports/quarterly/2007-Q4/" in page.content

    api = api_as(program_staff)
    assert api.get("/api/v1/cost-share/2007-T4/").status_code == 200
    assert api.get("/api/v1/cost-share/2007-T4/").json() == api.get("/api/v1/cost-share/2007-Q4/").json()
