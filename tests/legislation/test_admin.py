"""The states, federal law and networks admin, in Spanish, for program staff only; edits cite their source."""

from __future__ import annotations

import pytest

from legislation.models import Network, State, StateChange
from legislation.palermo import PALERMO_ELEMENTS
from meetings.models import Meeting
from shelters.models import AuditEntry

pytestmark = pytest.mark.django_db

STATES = "/admin/legislation/state/"


def test_the_states_list_shows_the_map_in_spanish(seeded, staff_client):
    html = staff_client.get(STATES, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert html.count('<g class="tile status-') == 32
    assert ">Iniciativa en el congreso</text>" in html
    assert 'data-filter-title="reuniones en el trimestre"' in html
    assert "2007-Q4" in html
    assert "Estado de la ley contra la trata" in html


def test_the_map_counts_the_chosen_quarter(seeded, staff_client):
    oaxaca = Meeting.objects.filter(state="OAX", start_date__range=("2007-10-01", "2007-12-31")).count()
    assert oaxaca > 0
    html = staff_client.get(STATES, {"quarter": "2007-Q4"}).content.decode()
    assert f'data-code="OAX" data-status="none" data-meetings="{oaxaca}"' in html
    html = staff_client.get(STATES, {"quarter": "2008-Q1"}).content.decode()
    assert 'data-code="OAX" data-status="none" data-meetings="0"' in html


def form_data(state: State, **changes) -> dict:
    data = {
        "tip_law_status": state.tip_law_status,
        "tip_law_name": state.tip_law_name,
        "tip_law_date": state.tip_law_date or "",
        "task_force_since": state.task_force_since or "",
        "notes": state.notes,
        "source": "",
        "changes-TOTAL_FORMS": "0",
        "changes-INITIAL_FORMS": "0",
        "changes-MIN_NUM_FORMS": "0",
        "changes-MAX_NUM_FORMS": "1000",
    }
    for element in PALERMO_ELEMENTS:
        value = state.palermo_elements.get(element.key)
        data[f"palermo_{element.key}"] = "" if value is None else ("yes" if value else "no")
    data.update(changes)
    return data


def test_a_change_in_admin_needs_a_source_and_is_kept(seeded, staff_client, program_staff):
    sonora = State.objects.get(pk="SON")
    url = f"{STATES}SON/change/"

    response = staff_client.post(url, form_data(sonora, tip_law_status="approved"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert State.objects.get(pk="SON").tip_law_status == "bill_in_congress"

    response = staff_client.post(
        url, form_data(sonora, tip_law_status="approved", palermo_acts="yes", palermo_means="no", source="Gaceta")
    )
    assert response.status_code == 302
    sonora = State.objects.get(pk="SON")
    assert (sonora.tip_law_status, sonora.palermo_elements) == ("approved", {"acts": True, "means": False})
    change = StateChange.objects.filter(state=sonora).first()
    assert (change.source, change.channel, change.actor) == ("Gaceta", "admin", program_staff)
    assert set(change.changes) == {"tip_law_status", "palermo_elements"}
    assert AuditEntry.objects.filter(record_type="state", record_id="SON", channel="admin").exists()

    html = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Historial de cambios" in html and "Gaceta" in html and SEED_WORD in html


SEED_WORD = "Quarterly Report No. 7"


def test_no_state_is_added_or_deleted(states, staff_client):
    assert staff_client.get(f"{STATES}add/").status_code == 403
    assert staff_client.post(f"{STATES}SON/delete/", {"post": "yes"}).status_code == 403
    assert State.objects.count() == 32


def test_networks_admin(seeded, staff_client):
    html = staff_client.get("/admin/legislation/network/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Memorándum de entendimiento" in html and "Coahuila anti-TIP network" in html

    network = Network.objects.get(state="COA")
    assert staff_client.get(f"/admin/legislation/network/{network.pk}/change/").status_code == 200
    assert staff_client.get("/admin/legislation/federallaw/").status_code == 200


@pytest.mark.parametrize("who", ["caseworker_a", "partner"])
def test_others_have_no_admin_here(client, personas, states, who):
    client.force_login(personas[who])
    for url in (STATES, "/admin/legislation/network/", "/admin/legislation/federallaw/", f"{STATES}SON/change/"):
        assert client.get(url).status_code in (302, 403)


def test_the_lists_take_the_same_queries_however_many_rows(seeded, staff_client, django_assert_num_queries):
    from legislation import services

    # The states' list: the session and user, the filter's quarters, the changelist's counts and page, the
    # latest meeting's quarter, the map's meetings per state (one grouped query), the admin's own.
    with django_assert_num_queries(16):
        assert staff_client.get(STATES).status_code == 200
    with django_assert_num_queries(13):
        assert staff_client.get("/admin/legislation/network/").status_code == 200
    for number in range(20):
        Meeting.objects.create(component="networks", start_date="2008-01-15", end_date="2008-01-15", topic="x",
                               state="COA")  # fmt: skip
        services.network_create(
            actor=None, data={"name": f"Red {number}", "kind": "network", "state": State.objects.get(pk="COA")}
        )
    with django_assert_num_queries(16):
        html = staff_client.get(STATES).content.decode()
    assert 'data-code="COA" data-status="none" data-meetings="20"' in html
    with django_assert_num_queries(13):
        assert staff_client.get("/admin/legislation/network/").status_code == 200
