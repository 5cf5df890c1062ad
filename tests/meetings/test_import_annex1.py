"""`import_annex1`: the four tables of the seed, parsed rows, a second run, unreadable rows."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from meetings.importers import import_annex1_text, parse_participants, split_organizations
from meetings.models import Component, Meeting, Organization

pytestmark = pytest.mark.django_db


def test_it_loads_25_13_5_and_14_meetings(seed_meetings):
    assert seed_meetings.parsed.rows_per_table() == {1: 25, 2: 13, 3: 5, 4: 14}
    assert seed_meetings.created == 57
    counts = {component: Meeting.objects.filter(component=component).count() for component in Component.values}
    assert counts == {"public_awareness": 25, "legislative": 13, "shelter_capacity": 5, "networks": 14}
    assert seed_meetings.parsed.problems == []


def test_a_ranged_row(seed_meetings):
    meeting = Meeting.objects.get(component=Component.LEGISLATIVE, start_date=date(2007, 11, 14))
    assert (meeting.end_date, meeting.dates, meeting.state) == (date(2007, 11, 16), [], "SON")
    assert meeting.participants_description == "Congress of Sonora"
    assert list(meeting.organizations.values_list("name", flat=True)) == ["Congress of Sonora"]

    course = Meeting.objects.get(
        component=Component.PUBLIC_AWARENESS, start_date=date(2007, 10, 16), end_date=date(2007, 10, 17)
    )
    assert (course.participants_total, course.participants_male, course.participants_female) == (34, 22, 12)


def test_the_non_contiguous_row(seed_meetings):
    meeting = Meeting.objects.get(
        component=Component.PUBLIC_AWARENESS, start_date=date(2007, 10, 24), end_date=date(2007, 10, 26)
    )
    assert meeting.dates == ["2007-10-24", "2007-10-26"]
    assert (meeting.participants_total, meeting.participants_male, meeting.participants_female) == (74, 36, 38)
    assert meeting.state == "CMX"


def test_the_row_without_a_sex_split(seed_meetings):
    meeting = Meeting.objects.get(start_date=date(2007, 11, 25))
    assert (meeting.participants_total, meeting.participants_male, meeting.participants_female) == (400, None, None)
    assert sorted(meeting.organizations.values_list("acronym", flat=True)) == ["", "CNDH"]
    assert sorted(meeting.organizations.values_list("name", flat=True)) == [
        "National Commission of Human Rights",
        "UNICEF",
    ]


def test_the_split_written_without_spaces(seed_meetings):
    meeting = Meeting.objects.get(start_date=date(2007, 10, 22), participants_total=31)
    assert (meeting.participants_male, meeting.participants_female) == (20, 11)
    coahuila = Meeting.objects.get(start_date=date(2007, 10, 31), state="COA")
    assert (coahuila.participants_total, coahuila.participants_male, coahuila.participants_female) == (370, 216, 154)


def test_a_row_whose_split_exceeds_its_total_keeps_the_total_and_says_so(seed_meetings):
    # The seed prints "(47 participants; 34 male /17 female)": 51 > 47 breaks the meeting rules.
    meeting = Meeting.objects.get(start_date=date(2007, 11, 16), component=Component.PUBLIC_AWARENESS)
    assert (meeting.participants_total, meeting.participants_male, meeting.participants_female) == (47, None, None)
    assert [warning.line for warning in seed_meetings.parsed.warnings] == [309]


def test_several_organizations_in_one_row(seed_meetings):
    meeting = Meeting.objects.get(component=Component.SHELTER_CAPACITY, start_date=date(2007, 10, 3))
    assert sorted(meeting.organizations.values_list("name", flat=True)) == sorted(
        ["MSI", "AED", "Alternativas Pacificas, A.C.", "Casa Alianza", "Casa de Las Mercedes"]
    )
    cenapi = Organization.objects.get(acronym="CENAPI")
    assert cenapi.name.startswith("Centro de Planeación, Análisis e Información")
    assert cenapi.meetings.count() == 3
    # The same organization in many rows is one organization.
    assert Organization.objects.get(acronym="CROC").meetings.count() == 3


def test_table_4_keeps_its_subheading(seed_meetings):
    subheadings = set(Meeting.objects.filter(component=Component.NETWORKS).values_list("subheading", flat=True))
    assert subheadings == {"Seminars on Trafficking in Persons Offered by PROTEJA and Research Efforts"}
    assert not Meeting.objects.exclude(component=Component.NETWORKS).exclude(subheading="").exists()


def test_states_as_printed(seed_meetings):
    # 30 rows print "Mexico City, D.F.".
    assert Meeting.objects.filter(state="CMX").count() == 30
    assert Meeting.objects.get(start_date=date(2007, 11, 23)).state == "QUE"
    assert Meeting.objects.filter(state="").count() == 0


def test_a_second_run_changes_nothing(seed_meetings, seed_path):
    before = list(Meeting.objects.order_by("id").values())
    organizations = Organization.objects.count()
    out = StringIO()
    call_command("import_annex1", str(seed_path), "--year", "2007", stdout=out)
    assert list(Meeting.objects.order_by("id").values()) == before
    assert Organization.objects.count() == organizations
    assert "0 created, 57 already loaded" in out.getvalue()


def test_a_row_it_cannot_read_is_reported_with_its_line(tmp_path):
    path = tmp_path / "annex.txt"
    path.write_text(
        "ANNEX 1: RECORD OF MEETINGS\n"
        "\n"
        "TABLE 2 – PROTEJA TIP MEETINGS: LEGISLATIVE TECHNICAL ASSISTANCE COMPONENT\n"
        "\n"
        "Date\tParticipant Organization or Government Representative\tTopic/Activity\tState\n"
        "2-Oct.\tNational Institute of Women\tWorking meeting.\tMexico City, D.F.\n"
        "around October\tDIF of Oaxaca\tPresentation.\tOaxaca\n"
        "9-10-Oct.\tCongress of Sonora\tWorking meeting.\tAtlantis\n"
        "12-Oct.\tCongress of Sonora\n"
        "ANNEX 2: NUMBER OF BENEFICIARIES SERVED BY LOCAL PARTNERS\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import_annex1", str(path), "--year", "2007", stdout=out)
    output = out.getvalue()
    assert "line 7:" in output and "'around October'" in output
    assert "line 8:" in output and "Atlantis" in output
    assert "line 9:" in output
    assert "1 created" in output and "3 rows not loaded" in output
    assert Meeting.objects.get().start_date == date(2007, 10, 2)


def test_the_command_refuses_bad_arguments(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_annex1", str(tmp_path / "missing.txt"), "--year", "2007")
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing here\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no Annex 1 meeting table"):
        call_command("import_annex1", str(empty), "--year", "2007")
    with pytest.raises(CommandError, match="--year"):
        call_command("import_annex1", str(empty), "--year", "7")


def test_a_split_without_total_makes_the_total():
    assert parse_participants("Meeting (20 male/11female).") == (None, 20, 11)
    text = "T\nTABLE 1 – X\nDate\ta\tb\tc\n2-Oct.\tUNESCO\tTalk (20 male/11female).\tColima\n"
    result = import_annex1_text(text, year=2007)
    assert result.created == 1
    assert Meeting.objects.get().participants_total == 31


def test_organization_splitting():
    assert [
        (o.name, o.acronym)
        for o in split_organizations(
            "National Commission of Human Rights (CNDH) and UNAM (National Autonomous University of Mexico)"
        )
    ] == [("National Commission of Human Rights", "CNDH"), ("National Autonomous University of Mexico", "UNAM")]
    assert [o.name for o in split_organizations("Caracol, AC")] == ["Caracol, AC"]
    assert [
        o.name for o in split_organizations("Institute of Women and the Commission of Human Rights of Coahuila")
    ] == [
        "Institute of Women",
        "Commission of Human Rights of Coahuila",
    ]


def test_rows_without_a_column_header_are_read_too():
    text = "TABLE 3 – SHELTER CAPACITY\n3-Dec.\tMSI, AED\tMeeting (12 participants).\tMexico City, D.F.\n14\n"
    result = import_annex1_text(text, year=2007)
    assert result.created == 1
    assert [problem.line for problem in result.parsed.problems] == [3]
    meeting = Meeting.objects.get()
    assert (meeting.component, meeting.participants_total, meeting.organizations.count()) == ("shelter_capacity", 12, 2)
