"""The seed report's laws and networks as of 2007-Q4: counts, a few exact states, idempotent, from load_demo."""

from __future__ import annotations

from datetime import date

import pytest

from legislation.models import FederalLaw, Network, State, StateChange
from legislation.seed import SEED_SOURCE, load_seed_legislation

pytestmark = pytest.mark.django_db


def test_the_migration_makes_the_32_states_named_in_spanish(db):
    assert State.objects.count() == 32
    names = dict(State.objects.values_list("code", "name"))
    assert names["NLE"] == "Nuevo León" and names["YUC"] == "Yucatán" and names["MEX"] == "Estado de México"


def test_the_seed_laws(seeded):
    assert seeded.states_created == 0
    assert sorted(seeded.states_recorded) == ["CHH", "GRO", "MOR", "NAY", "OAX", "SON", "ZAC"]
    statuses = dict(State.objects.values_list("code", "tip_law_status"))
    assert sorted(code for code, status in statuses.items() if status == "approved") == ["CHH", "GRO", "ZAC"]
    assert [code for code, status in statuses.items() if status == "bill_in_congress"] == ["SON"]
    assert sum(status == "none" for status in statuses.values()) == 28

    sonora = State.objects.get(pk="SON")
    assert sonora.tip_law_name == "Reform to the Penal Code and the Code of Criminal Procedure regarding TIP"
    # The report gives September 2007, not the day: no date rather than a made-up one.
    assert sonora.tip_law_date is None and "September 2007" in sonora.notes
    assert "early 2008" in State.objects.get(pk="OAX").notes
    assert State.objects.get(pk="ZAC").tip_law_name == "Penal code reforms regarding TIP (June 2007)"
    change = StateChange.objects.get(state="CHH")
    assert (change.source, change.channel, change.actor) == (SEED_SOURCE, "seed", None)
    assert change.changes["tip_law_status"] == {"old": "none", "new": "approved"}


def test_the_federal_law(seeded):
    law = FederalLaw.objects.get()
    assert law.tip_law_name.startswith("Law to Prevent and Punish Trafficking in Persons")
    assert (law.tip_law_status, law.tip_law_date, law.signed_on, law.in_force_on) == (
        "in_force", date(2007, 10, 2), date(2007, 11, 26), date(2007, 11, 28),
    )  # fmt: skip
    assert law.palermo_elements == {"recovery_services": True, "compensation": True, "prevention": True}


def test_the_seed_networks_with_their_meetings_organizations(seeded):
    assert seeded.networks_created == Network.objects.count() == 7
    mous = Network.objects.filter(kind="mou").order_by("established_on")
    assert [(mou.state_id, mou.established_on) for mou in mous] == [
        ("ROO", date(2007, 11, 9)), ("NAY", date(2007, 12, 13)), ("MOR", date(2007, 12, 16)),
    ]  # fmt: skip
    quintana_roo = mous[0]
    assert sorted(quintana_roo.organizations.values_list("name", flat=True)) == [
        "DIF of Quintana Roo",
        "National Institute of Migration",
    ]
    coahuila = Network.objects.get(state="COA")
    assert (coahuila.kind, coahuila.established_on) == ("network", date(2007, 10, 28))
    assert "more than 25 civil society organizations" in coahuila.notes
    # "25 civil organizations" is a count in Annex 1, not an organization.
    assert sorted(coahuila.organizations.values_list("name", flat=True)) == [
        "DIF", "Human Rights Commission", "Institute of Women", "National Institute of Migration of Coahuila",
    ]  # fmt: skip
    federal = Network.objects.get(kind="task_force")
    assert federal.state is None and federal.organizations.count() == 2


def test_a_second_run_adds_nothing_and_keeps_later_changes(seeded, program_staff):
    from legislation import services

    services.state_update(
        actor=program_staff, state=State.objects.get(pk="SON"), data={"tip_law_status": "approved"}, source="x"
    )
    again = load_seed_legislation()

    assert (again.states_created, again.states_recorded, again.federal_laws_created, again.networks_created) == (
        0, [], 0, 0,
    )  # fmt: skip
    assert State.objects.get(pk="SON").tip_law_status == "approved"
    assert StateChange.objects.count() == 8
    assert Network.objects.count() == 7 and FederalLaw.objects.count() == 1


def test_without_meetings_the_networks_have_no_organizations(states):
    load_seed_legislation()

    assert Network.objects.count() == 7
    assert not Network.organizations.through.objects.exists()


def test_the_command(states, capsys):
    from django.core.management import call_command

    call_command("load_legislation_seed")

    assert "7 laws recorded from the seed" in capsys.readouterr().out
    assert State.objects.filter(tip_law_status="approved").count() == 3


def test_load_demo_records_them_once(db, capsys):
    from django.core.management import call_command

    call_command("load_demo")
    call_command("load_demo")

    out = capsys.readouterr().out
    assert "7 laws recorded from the seed" in out and "0 laws recorded from the seed" in out
    assert Network.objects.count() == 7 and StateChange.objects.count() == 7
    # After the meetings: the memorandums have their organizations.
    assert Network.objects.get(state="NAY").organizations.count() == 6
