"""/api/v1/states/, /api/v1/states/{code}/changes/ and /api/v1/palermo-elements/: roles, validation, history."""

from __future__ import annotations

from datetime import date

import pytest

from legislation.models import State, StateChange
from meetings.models import Meeting
from shelters.models import AuditEntry
from tests.walls import NO_DOOR

pytestmark = pytest.mark.django_db

URL = "/api/v1/states/"


def meeting(state: str, day: str) -> Meeting:
    return Meeting.objects.create(component="legislative", start_date=day, end_date=day, topic="x", state=state)


@pytest.mark.parametrize("who", ["caseworker_a", "coordinator_a", "program_staff", "partner"])
def test_every_role_lists_the_32_states(api_as, personas, states, who):
    response = api_as(personas[who]).get(URL, {"page_size": 100})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 32
    by_code = {state["code"]: state for state in body["results"]}
    assert by_code["MIC"]["name"] == "Michoacán"
    assert by_code["CMX"]["name"] == "Ciudad de México"
    assert set(by_code["MIC"]) >= {
        "code", "name", "tip_law_status", "tip_law_name", "tip_law_date", "palermo_elements", "task_force_since",
        "meetings",
    }  # fmt: skip
    assert by_code["MIC"]["tip_law_status"] == "none"
    # No quarter asked: the count is not known, not zero.
    assert by_code["MIC"]["meetings"] is None


def test_anonymous_is_refused(api_as, states):
    assert api_as(None).get(URL).status_code == 401
    assert api_as(None).get("/api/v1/palermo-elements/").status_code == 401


def test_meetings_count_those_of_the_quarter(api_as, partner, states):
    meeting("OAX", "2007-10-08")
    meeting("OAX", "2007-11-26")
    meeting("OAX", "2008-01-15")  # the next quarter
    meeting("SON", "2007-09-30")  # the one before
    Meeting.objects.create(component="legislative", start_date="2007-10-09", end_date="2007-10-09", topic="x")

    body = api_as(partner).get(URL, {"quarter": "2007-Q4", "page_size": 100}).json()
    counts = {state["code"]: state["meetings"] for state in body["results"]}

    assert counts["OAX"] == 2
    assert counts["SON"] == 0
    assert sum(counts.values()) == 2
    assert api_as(partner).get(f"{URL}OAX/", {"quarter": "2008-Q1"}).json()["meetings"] == 1


@pytest.mark.parametrize("quarter", ["2007-Q5", "2007", "Q4-2007", "1899-Q4"])
def test_a_bad_quarter_is_a_400_naming_it(api_as, partner, states, quarter):
    response = api_as(partner).get(URL, {"quarter": quarter})

    assert response.status_code == 400
    assert list(response.json()) == ["quarter"]


def test_the_list_takes_the_same_queries_with_or_without_meetings(
    api_as, caseworker_a, states, django_assert_num_queries
):
    client = api_as(caseworker_a)
    # 1 count, 1 page of states, 1 meetings per state (grouped); a caseworker's door for no case records.
    with django_assert_num_queries(3 + NO_DOOR):
        assert client.get(URL, {"quarter": "2007-Q4"}).json()["count"] == 32
    for day in range(1, 29):
        meeting("OAX", f"2007-11-{day:02d}")
        meeting("COA", f"2007-12-{day:02d}")
    with django_assert_num_queries(3 + NO_DOOR):
        body = client.get(URL, {"quarter": "2007-Q4", "page_size": 100}).json()
    assert {state["code"]: state["meetings"] for state in body["results"]}["COA"] == 28


def test_program_staff_change_a_state_citing_the_source(api_as, program_staff, states):
    response = api_as(program_staff).patch(
        f"{URL}SON/",
        {
            "tip_law_status": "approved",
            "tip_law_name": "Ley de Trata de Personas del Estado de Sonora",
            "tip_law_date": "2008-03-14",
            "palermo_elements": {"acts": True, "means": True, "organ_removal": False},
            "source": "Boletín Oficial del Estado de Sonora, 14 March 2008",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["tip_law_status"], body["tip_law_date"]) == ("approved", "2008-03-14")
    assert body["palermo_elements"] == {"acts": True, "means": True, "organ_removal": False}
    state = State.objects.get(pk="SON")
    assert state.tip_law_date == date(2008, 3, 14)
    change = StateChange.objects.get(state=state)
    assert (change.actor, change.actor_username, change.channel) == (program_staff, "pat", "api")
    assert change.source == "Boletín Oficial del Estado de Sonora, 14 March 2008"
    assert change.changes == {
        "tip_law_status": {"old": "none", "new": "approved"},
        "tip_law_name": {"old": "", "new": "Ley de Trata de Personas del Estado de Sonora"},
        "tip_law_date": {"old": None, "new": "2008-03-14"},
        "palermo_elements": {"old": {}, "new": {"acts": True, "means": True, "organ_removal": False}},
    }
    entry = AuditEntry.objects.get(record_type="state", record_id="SON")
    assert (entry.action, entry.actor, entry.shelter, entry.channel) == ("change", program_staff, None, "api")
    assert entry.fields == ["palermo_elements", "tip_law_date", "tip_law_name", "tip_law_status"]


def test_the_history_keeps_every_change_newest_first(api_as, program_staff, partner, states):
    client = api_as(program_staff)
    client.patch(f"{URL}OAX/", {"tip_law_status": "bill_in_congress", "source": "Gaceta 1"}, format="json")
    client.patch(f"{URL}OAX/", {"tip_law_status": "approved", "source": "Gaceta 2"}, format="json")
    # Nothing changed: nothing kept.
    client.patch(f"{URL}OAX/", {"tip_law_status": "approved", "source": "Gaceta 3"}, format="json")

    response = api_as(partner).get(f"{URL}OAX/changes/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [change["source"] for change in body["results"]] == ["Gaceta 2", "Gaceta 1"]
    assert body["results"][0]["changes"] == {"tip_law_status": {"old": "bill_in_congress", "new": "approved"}}
    assert body["results"][0]["by"] == "pat"
    assert api_as(None).get(f"{URL}OAX/changes/").status_code == 401
    assert api_as(partner).get(f"{URL}XXX/changes/").status_code == 404


def test_the_history_takes_the_same_queries_however_long(
    api_as, partner, program_staff, states, django_assert_num_queries
):
    client = api_as(partner)
    for number in range(3):
        api_as(program_staff).patch(f"{URL}GRO/", {"notes": f"n{number}", "source": "s"}, format="json")
    # 1 the state, 1 count, 1 page; a partner's no door.
    with django_assert_num_queries(3 + NO_DOOR):
        assert client.get(f"{URL}GRO/changes/").json()["count"] == 3
    for number in range(3, 20):
        api_as(program_staff).patch(f"{URL}GRO/", {"notes": f"n{number}", "source": "s"}, format="json")
    with django_assert_num_queries(3 + NO_DOOR):
        assert client.get(f"{URL}GRO/changes/").json()["count"] == 20


@pytest.mark.parametrize("who", ["caseworker_a", "coordinator_a", "partner"])
def test_only_program_staff_change_a_state(api_as, personas, states, who):
    response = api_as(personas[who]).patch(f"{URL}SON/", {"tip_law_status": "approved", "source": "x"}, format="json")

    assert response.status_code == 403
    assert State.objects.get(pk="SON").tip_law_status == "none"
    assert not StateChange.objects.exists()


def test_no_put_post_or_delete(api_as, program_staff, states):
    client = api_as(program_staff)
    assert client.put(f"{URL}SON/", {"source": "x"}, format="json").status_code == 405
    assert client.delete(f"{URL}SON/").status_code == 405
    assert client.post(URL, {"code": "XXX", "source": "x"}, format="json").status_code == 405


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"tip_law_status": "approved"}, "source"),
        ({"tip_law_status": "approved", "source": "   "}, "source"),
        ({"tip_law_status": "repealed", "source": "x"}, "tip_law_status"),
        ({"tip_law_date": "2008-13-01", "source": "x"}, "tip_law_date"),
        ({"tip_law_date": "1850-01-01", "source": "x"}, "tip_law_date"),
        ({"task_force_since": "soon", "source": "x"}, "task_force_since"),
        ({"palermo_elements": {"acts": "yes"}, "source": "x"}, "palermo_elements"),
        ({"palermo_elements": {"no_such_element": True}, "source": "x"}, "palermo_elements"),
        ({"palermo_elements": ["acts"], "source": "x"}, "palermo_elements"),
        ({"tip_law_name": "x" * 301, "source": "x"}, "tip_law_name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, program_staff, states, data, field):
    response = api_as(program_staff).patch(f"{URL}SON/", data, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert State.objects.get(pk="SON").tip_law_status == "none"
    assert not StateChange.objects.exists()


def test_an_unknown_state_is_404(api_as, program_staff, states):
    assert api_as(program_staff).get(f"{URL}XYZ/").status_code == 404
    assert api_as(program_staff).patch(f"{URL}XYZ/", {"source": "x"}, format="json").status_code == 404


def test_the_palermo_elements_in_english_and_spanish(api_as, caseworker_a, states):
    body = api_as(caseworker_a).get("/api/v1/palermo-elements/").json()

    keys = [element["key"] for element in body["results"]]
    assert body["count"] == len(keys) == 15
    assert keys[:3] == ["acts", "means", "sexual_exploitation"]
    compensation = next(element for element in body["results"] if element["key"] == "compensation")
    assert compensation["article"] == "6(6)"
    assert compensation["label_en"].startswith("The possibility of obtaining compensation")
    assert compensation["label_es"].startswith("La posibilidad de obtener una indemnización")


def test_the_history_cannot_be_rewritten_by_the_application(api_as, program_staff, states):
    from django.db import ProgrammingError, transaction

    api_as(program_staff).patch(f"{URL}SON/", {"tip_law_status": "approved", "source": "Gaceta"}, format="json")

    for rewrite in (
        lambda: StateChange.objects.update(source="forged"),
        lambda: StateChange.objects.all().delete(),
    ):
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            rewrite()
    assert StateChange.objects.get().source == "Gaceta"


def test_refusals_in_spanish_when_asked(api_as, program_staff, states):
    client = api_as(program_staff)

    response = client.patch(f"{URL}SON/", {"tip_law_status": "approved"}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json() == {"source": ["Cite la fuente de este cambio."]}
    response = client.get(URL, {"quarter": "2007-Q9"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.json() == {"quarter": ["Indique un trimestre como AAAA-QN, por ejemplo 2007-Q4."]}
    response = client.patch(
        f"{URL}SON/", {"palermo_elements": {"acts": 1}, "source": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.json() == {"palermo_elements": ["Cada elemento del Protocolo de Palermo es verdadero o falso."]}
