"""/api/v1/meetings/ and /api/v1/organizations/: every meeting rule, roles, filters."""

import pytest

from meetings.models import Meeting, Organization
from shelters.models import AuditEntry
from tests.walls import NO_DOOR

pytestmark = pytest.mark.django_db

URL = "/api/v1/meetings/"


@pytest.fixture
def cndh(db):
    return Organization.objects.create(name="National Commission of Human Rights", acronym="CNDH", sector="government")


def meeting_data(**changes):
    data = {
        "component": "public_awareness",
        "start_date": "2007-10-16",
        "end_date": "2007-10-17",
        "topic": "Course on the judicial framework (34 participants; 22 male/12 female).",
        "participants_description": "National Institute of Migration",
        "state": "CMX",
        "participants_total": 34,
        "participants_male": 22,
        "participants_female": 12,
    }
    data.update(changes)
    return data


def test_program_staff_create_a_meeting_with_organizations(api_as, program_staff, cndh):
    response = api_as(program_staff).post(URL, meeting_data(organizations=[cndh.pk]), format="json")
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["organizations"] == [cndh.pk]
    assert body["organization_names"] == ["National Commission of Human Rights"]
    assert body["dates"] == []
    meeting = Meeting.objects.get(pk=body["id"])
    assert (meeting.participants_total, meeting.participants_male, meeting.participants_female) == (34, 22, 12)
    entry = AuditEntry.objects.get(record_type="meeting", record_id=str(meeting.pk))
    assert (entry.action, entry.actor, entry.shelter) == ("create", program_staff, None)


def test_listed_days(api_as, program_staff):
    data = meeting_data(start_date="2007-10-24", end_date="2007-10-26", dates=["2007-10-26", "2007-10-24"])
    response = api_as(program_staff).post(URL, data, format="json")
    assert response.status_code == 201, response.data
    assert response.json()["dates"] == ["2007-10-24", "2007-10-26"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": "2007-10-15"}, "end_date"),
        ({"dates": ["2007-10-16", "2007-10-18"]}, "dates"),
        ({"dates": ["2007-10-15"]}, "dates"),
        ({"dates": ["not a date"]}, "dates"),
        ({"participants_male": 30, "participants_female": 5}, "participants_male"),
        ({"participants_total": None, "participants_male": 3, "participants_female": None}, "participants_total"),
        ({"participants_total": -1}, "participants_total"),
        ({"component": "fundraising"}, "component"),
        ({"state": "XX"}, "state"),
        ({"start_date": "2007-13-01"}, "start_date"),
        ({"topic": ""}, "topic"),
        ({"organizations": [999999]}, "organizations"),
    ],
)
def test_each_rule_answers_400_naming_the_field(api_as, program_staff, changes, field):
    response = api_as(program_staff).post(URL, meeting_data(**changes), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Meeting.objects.exists()


def test_male_plus_female_may_equal_the_total(api_as, program_staff):
    response = api_as(program_staff).post(URL, meeting_data(participants_male=34, participants_female=0), format="json")
    assert response.status_code == 201


def test_a_total_given_only_by_sex_is_their_sum(api_as, program_staff):
    data = meeting_data(participants_male=20, participants_female=11)
    del data["participants_total"]
    response = api_as(program_staff).post(URL, data, format="json")
    assert response.status_code == 201, response.data
    assert response.json()["participants_total"] == 31


def test_patch_keeps_the_rules(api_as, program_staff):
    client = api_as(program_staff)
    meeting_id = client.post(URL, meeting_data(), format="json").json()["id"]
    assert client.patch(f"{URL}{meeting_id}/", {"end_date": "2007-10-01"}, format="json").status_code == 400
    assert client.patch(f"{URL}{meeting_id}/", {"participants_male": 23}, format="json").status_code == 400
    response = client.patch(f"{URL}{meeting_id}/", {"participants_total": 40, "participants_male": 28}, format="json")
    assert response.status_code == 200
    assert Meeting.objects.get().participants_male == 28
    assert client.patch(f"{URL}{meeting_id}/", {"dates": ["2007-10-17"]}, format="json").status_code == 200
    assert client.delete(f"{URL}{meeting_id}/").status_code == 204
    assert not Meeting.objects.exists()


def test_patch_replaces_organizations(api_as, program_staff, cndh):
    client = api_as(program_staff)
    meeting_id = client.post(URL, meeting_data(), format="json").json()["id"]
    response = client.patch(f"{URL}{meeting_id}/", {"organizations": [cndh.pk]}, format="json")
    assert response.status_code == 200
    assert response.json()["organization_names"] == ["National Commission of Human Rights"]


def test_partners_read_meetings_but_write_nothing(api_as, program_staff, partner, cndh):
    meeting_id = api_as(program_staff).post(URL, meeting_data(organizations=[cndh.pk]), format="json").json()["id"]
    client = api_as(partner)
    listing = client.get(URL)
    assert listing.status_code == 200
    assert listing.json()["results"][0]["organization_names"] == ["National Commission of Human Rights"]
    assert client.post(URL, meeting_data(), format="json").status_code == 403
    assert client.patch(f"{URL}{meeting_id}/", {"topic": "x"}, format="json").status_code == 403
    assert client.delete(f"{URL}{meeting_id}/").status_code == 403
    assert client.get("/api/v1/organizations/").status_code == 403


@pytest.mark.parametrize("persona", ["caseworker_a", "coordinator_a", "caseworker_b"])
def test_shelter_staff_are_refused(api_as, personas, persona):
    client = api_as(personas[persona])
    assert client.get(URL).status_code == 403
    assert client.post(URL, meeting_data(), format="json").status_code == 403
    assert client.get("/api/v1/organizations/").status_code == 403


def test_anonymous_gets_401(api_as):
    assert api_as(None).get(URL).status_code == 401
    assert api_as(None).get("/api/v1/organizations/").status_code == 401


def test_filters(api_as, program_staff):
    client = api_as(program_staff)
    client.post(URL, meeting_data(), format="json")
    client.post(URL, meeting_data(component="legislative", state="SON"), format="json")
    client.post(URL, meeting_data(start_date="2008-01-10", end_date="2008-01-10"), format="json")
    assert client.get(URL, {"component": "legislative"}).json()["count"] == 1
    assert client.get(URL, {"quarter": "2007-Q4"}).json()["count"] == 2
    assert client.get(URL, {"quarter": "2008-Q1"}).json()["count"] == 1
    assert client.get(URL, {"state": "SON"}).json()["count"] == 1
    assert client.get(URL, {"quarter": "2007-Q4", "state": "CMX"}).json()["count"] == 1
    bad = client.get(URL, {"quarter": "2007-Q5"})
    assert bad.status_code == 400 and "quarter" in bad.json()
    assert client.get(URL, {"component": "fundraising"}).status_code == 400


def test_organizations(api_as, program_staff):
    client = api_as(program_staff)
    response = client.post(
        "/api/v1/organizations/", {"name": "UNICEF", "acronym": "UNICEF", "sector": "international"}, format="json"
    )
    assert response.status_code == 201
    organization_id = response.json()["id"]
    duplicate = client.post("/api/v1/organizations/", {"name": "unicef"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    assert client.post("/api/v1/organizations/", {"name": "X", "sector": "pirates"}, format="json").status_code == 400
    patched = client.patch(f"/api/v1/organizations/{organization_id}/", {"sector": "civil_society"}, format="json")
    assert patched.status_code == 200 and patched.json()["sector"] == "civil_society"
    assert client.delete(f"/api/v1/organizations/{organization_id}/").status_code == 405
    assert client.get("/api/v1/organizations/").json()["count"] == 1


def test_program_staff_keep_meetings_in_admin(client, program_staff, caseworker_a, cndh):
    client.force_login(program_staff)
    response = client.post(
        "/admin/meetings/meeting/add/",
        {"component": "networks", "start_date": "2007-12-13", "end_date": "2007-12-13",
         "organizations": [cndh.pk], "topic": "Memorandum of Understanding", "state": "NAY",
         "participants_male": "27", "participants_female": "15", "subheading": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    meeting = Meeting.objects.get()
    assert meeting.participants_total == 42
    assert list(meeting.organizations.all()) == [cndh]
    assert AuditEntry.objects.filter(record_type="meeting", channel="admin").exists()
    refused = client.post(
        "/admin/meetings/meeting/add/",
        {"component": "networks", "start_date": "2007-12-13", "end_date": "2007-12-12",
         "topic": "Backwards", "state": "NAY"},
    )  # fmt: skip
    assert refused.status_code == 200 and Meeting.objects.count() == 1
    assert client.get("/admin/meetings/meeting/").status_code == 200
    client.force_login(caseworker_a)
    assert client.get("/admin/meetings/meeting/").status_code == 403


def test_the_list_takes_three_queries_however_many_meetings(api_as, partner, cndh, django_assert_num_queries):
    def add(count):
        for _ in range(count):
            meeting = Meeting.objects.create(
                component="networks", start_date="2007-12-01", end_date="2007-12-01", topic="Working meeting"
            )
            meeting.organizations.add(cndh)

    client = api_as(partner)
    add(2)
    # 1 count, 1 page of meetings, 1 their organizations (prefetched for ids and names); a partner's no door.
    with django_assert_num_queries(3 + NO_DOOR):
        assert client.get(URL).json()["count"] == 2
    add(40)
    with django_assert_num_queries(3 + NO_DOOR):
        assert len(client.get(URL, {"quarter": "2007-Q4"}).json()["results"]) == 42
