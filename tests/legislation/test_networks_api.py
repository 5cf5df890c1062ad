"""/api/v1/networks/: every role reads, program staff write; validation names the field; audited."""

from __future__ import annotations

import pytest

from legislation.models import Network
from meetings.models import Organization
from shelters.models import AuditEntry
from tests.walls import NO_DOOR

pytestmark = pytest.mark.django_db

URL = "/api/v1/networks/"


@pytest.fixture
def cndh(db):
    return Organization.objects.create(name="National Commission of Human Rights", acronym="CNDH")


@pytest.fixture
def dif(db):
    return Organization.objects.create(name="DIF of Coahuila")


def data(**changes):
    body = {
        "name": "Red coahuilense contra la trata",
        "state": "COA",
        "kind": "network",
        "established_on": "2007-10-28",
        "notes": "Forum of 25 organizations.",
    }
    body.update(changes)
    return body


def test_program_staff_create_change_and_delete_a_network(api_as, program_staff, states, cndh, dif):
    client = api_as(program_staff)

    response = client.post(URL, data(organizations=[cndh.pk, dif.pk]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "COA" and body["kind"] == "network" and body["established_on"] == "2007-10-28"
    assert sorted(body["organizations"]) == sorted([cndh.pk, dif.pk])
    assert body["organization_names"] == ["DIF of Coahuila", "National Commission of Human Rights"]
    network = Network.objects.get(pk=body["id"])

    response = client.patch(f"{URL}{network.pk}/", {"kind": "task_force", "organizations": [dif.pk]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["organizations"] == [dif.pk]
    assert Network.objects.get(pk=network.pk).kind == "task_force"

    assert client.delete(f"{URL}{network.pk}/").status_code == 204
    assert not Network.objects.exists()
    actions = list(
        AuditEntry.objects.filter(record_type="network", record_id=str(network.pk))
        .order_by("id")
        .values_list("action", "fields")
    )
    assert actions == [
        ("create", ["established_on", "kind", "name", "notes", "organizations", "state"]),
        ("change", ["kind", "organizations"]),
        ("delete", []),
    ]


def test_a_national_network_has_no_state(api_as, program_staff, states):
    response = api_as(program_staff).post(URL, data(state=None, kind="task_force"), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["state"] is None


@pytest.mark.parametrize("who", ["caseworker_a", "coordinator_a", "partner"])
def test_every_role_reads_only_staff_write(api_as, personas, program_staff, states, who):
    network = api_as(program_staff).post(URL, data(), format="json").json()
    client = api_as(personas[who])

    assert client.get(URL).json()["count"] == 1
    assert client.get(f"{URL}{network['id']}/").json()["name"] == "Red coahuilense contra la trata"
    assert client.post(URL, data(name="Otra"), format="json").status_code == 403
    assert client.patch(f"{URL}{network['id']}/", {"name": "Otra"}, format="json").status_code == 403
    assert client.delete(f"{URL}{network['id']}/").status_code == 403
    assert Network.objects.get().name == "Red coahuilense contra la trata"


def test_anonymous_is_refused(api_as, states):
    assert api_as(None).get(URL).status_code == 401


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"kind": "alliance"}, "kind"),
        ({"kind": None}, "kind"),
        ({"state": "XXX"}, "state"),
        ({"established_on": "2007-02-30"}, "established_on"),
        ({"established_on": "1800-01-01"}, "established_on"),
        ({"organizations": [999999]}, "organizations"),
        ({"notes": "x" * 5001}, "notes"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, program_staff, states, changes, field):
    response = api_as(program_staff).post(URL, data(**changes), format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Network.objects.exists()


def test_the_list_takes_the_same_queries_however_many(
    api_as, caseworker_a, program_staff, states, cndh, django_assert_num_queries
):
    client = api_as(caseworker_a)

    def add(count):
        for number in range(count):
            api_as(program_staff).post(URL, data(name=f"Red {number}", organizations=[cndh.pk]), format="json")

    add(2)
    # 1 count, 1 page, 1 organizations (prefetched); a caseworker's door for no case records.
    with django_assert_num_queries(3 + NO_DOOR):
        assert client.get(URL).json()["count"] == 2
    add(30)
    with django_assert_num_queries(3 + NO_DOOR):
        assert client.get(URL).json()["count"] == 32


def test_filters_kind_and_state(api_as, partner, seeded):
    client = api_as(partner)

    assert client.get(URL, {"kind": "mou"}).json()["count"] == 3
    assert [network["name"] for network in client.get(URL, {"state": "COA"}).json()["results"]] == [
        "Coahuila anti-TIP network"
    ]
    assert list(client.get(URL, {"kind": "pact"}).json()) == ["kind"]
    assert list(client.get(URL, {"state": "XXX"}).json()) == ["state"]
