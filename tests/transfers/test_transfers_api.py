"""Transfers between shelters through the API: each state, each refusal, what each side is shown.

A (Alice's shelter) sends, B (Bob's) receives, C (Cora's) is a third shelter; Pat is program staff and
Paco a partner.
"""

from __future__ import annotations

from datetime import date

import pytest

from indicators.models import MonthLock
from shelters.models import AuditEntry, ExitReason, Referral, ReferralKind, Victim
from tests.factories import SecondaryVictimFactory
from tests.transfers.conftest import TRANSFER_DAY, make_consent
from transfers import services
from transfers.models import Transfer, TransferStatus

pytestmark = pytest.mark.django_db

SHARE = ["birth_year", "exploitation_types", "given_name", "sex", "tip_victim"]


def propose(api_as, user, victim, **overrides):
    body = {
        "victim": str(victim.pk),
        "to_shelter": "shelter-b",
        "date": str(TRANSFER_DAY),
        "reason": "Necesita un lugar lejos de Tapachula",
        "share": SHARE,
    } | overrides
    return api_as(user).post("/api/v1/transfers/", body, format="json")


@pytest.fixture
def proposed(api_as, caseworker_a, case_a, transfer_consent, shelter_b):
    response = propose(api_as, caseworker_a, case_a)
    assert response.status_code == 201, response.json()
    return Transfer.objects.get(pk=response.json()["id"])


# --- Proposing --------------------------------------------------------------------------------------------------


def test_the_sender_proposes_with_the_fields_to_share(proposed, api_as, caseworker_a, case_a):
    body = api_as(caseworker_a).get(f"/api/v1/transfers/{proposed.pk}/").json()
    assert body == {
        "id": str(proposed.pk),
        "victim": str(case_a.pk),
        "from_shelter": "shelter-a",
        "to_shelter": "shelter-b",
        "date": "2026-03-10",
        "reason": "Necesita un lugar lejos de Tapachula",
        "share": SHARE,
        "status": "proposed",
        "received_victim": None,
    }


def test_it_refuses_a_proposal_without_a_consent(api_as, caseworker_a, case_a, shelter_b):
    response = propose(api_as, caseworker_a, case_a)
    assert response.status_code == 400
    assert list(response.json()) == ["consent"]
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    "consent",
    [
        {"purpose": "service_referral"},
        {"given_on": date(2026, 3, 11)},  # given after the transfer's date
        {"expires_on": date(2026, 3, 9)},
        {"withdrawn_on": date(2026, 3, 10)},  # withdrawn on the day: no longer holds
    ],
    ids=["other purpose", "given later", "expired", "withdrawn"],
)
def test_it_refuses_a_proposal_whose_consent_does_not_hold_on_the_date(
    api_as, caseworker_a, case_a, shelter_b, consent
):
    make_consent(case_a, **consent)
    response = propose(api_as, caseworker_a, case_a)
    assert response.status_code == 400
    assert "consent" in response.json()
    assert not Transfer.objects.exists()


def test_a_consent_expiring_on_the_date_still_holds(api_as, caseworker_a, case_a, shelter_b):
    make_consent(case_a, expires_on=TRANSFER_DAY)
    assert propose(api_as, caseworker_a, case_a).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"share": ["case_code"]}, "share"),
        ({"share": ["intake_date"]}, "share"),
        ({"share": ["tip_victim"]}, "share"),  # TIP without its exploitation types would not be a valid case
        ({"to_shelter": "shelter-a"}, "to_shelter"),
        ({"to_shelter": "nowhere"}, "to_shelter"),
        ({"date": "2026-01-01"}, "date"),  # before the intake
        ({"date": "2999-01-01"}, "date"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(
    api_as, caseworker_a, case_a, transfer_consent, shelter_b, overrides, field
):
    response = propose(api_as, caseworker_a, case_a, **overrides)
    assert response.status_code == 400
    assert field in response.json()
    assert not Transfer.objects.exists()


def test_it_refuses_a_second_proposal_and_a_closed_case(proposed, api_as, caseworker_a, case_a):
    assert "victim" in propose(api_as, caseworker_a, case_a).json()
    api_as(caseworker_a).post(f"/api/v1/transfers/{proposed.pk}/cancel/")
    case_a.exit_date, case_a.exit_reason = date(2026, 3, 1), ExitReason.OTHER
    case_a.save()
    response = propose(api_as, caseworker_a, case_a)
    assert response.status_code == 400 and "victim" in response.json()


def test_it_refuses_while_children_are_still_in_the_shelter(api_as, caseworker_a, case_a, transfer_consent, shelter_b):
    SecondaryVictimFactory(shelter=case_a.shelter, primary_victim=case_a, intake_date=case_a.intake_date)
    response = propose(api_as, caseworker_a, case_a)
    assert response.status_code == 400 and "victim" in response.json()


def test_another_shelter_cannot_propose_the_senders_case(api_as, caseworker_b, case_a, transfer_consent):
    response = propose(api_as, caseworker_b, case_a, to_shelter="shelter-c")
    assert response.status_code == 404
    assert not Transfer.objects.exists()


# --- What each side sees ----------------------------------------------------------------------------------------


def test_the_receiver_sees_only_the_transfers_own_fields_until_it_accepts(proposed, api_as, caseworker_b):
    listed = api_as(caseworker_b).get("/api/v1/transfers/").json()["results"]
    assert listed == [
        {
            "id": str(proposed.pk),
            "victim": None,
            "from_shelter": "shelter-a",
            "to_shelter": "shelter-b",
            "date": "2026-03-10",
            "reason": "Necesita un lugar lejos de Tapachula",
            "share": SHARE,
            "status": "proposed",
            "received_victim": None,
        }
    ]
    text = str(listed)
    assert "Guadalupe" not in text and "SA-00001" not in text
    assert api_as(caseworker_b).get(f"/api/v1/victims/{proposed.victim_id}/").status_code == 404
    assert api_as(caseworker_b).get(f"/api/v1/consents/{proposed.consent_id}/").status_code == 404


def test_a_third_shelter_gets_404_for_every_step(proposed, api_as, caseworker_c):
    client = api_as(caseworker_c)
    assert client.get("/api/v1/transfers/").json()["results"] == []
    for path in ("", "accept/", "decline/", "cancel/"):
        method = client.get if not path else client.post
        assert method(f"/api/v1/transfers/{proposed.pk}/{path}").status_code == 404
    assert Transfer.objects.get().status == TransferStatus.PROPOSED
    refused = AuditEntry.objects.filter(action="refused", record_type="transfer", actor=caseworker_c)
    assert refused.exists()


@pytest.mark.parametrize("persona", ["program_staff", "partner"])
def test_program_staff_and_partners_get_nothing(proposed, api_as, personas, persona):
    client = api_as(personas[persona])
    assert client.get("/api/v1/transfers/").status_code == 403
    assert client.get(f"/api/v1/transfers/{proposed.pk}/").status_code == 403
    assert client.post(f"/api/v1/transfers/{proposed.pk}/accept/").status_code == 403
    assert client.get("/api/v1/consents/").status_code == 403
    assert api_as(None).get("/api/v1/transfers/").status_code == 401


# --- Accepting ----------------------------------------------------------------------------------------------------


def test_accepting_gives_the_receiver_a_case_with_exactly_the_shared_fields(proposed, api_as, caseworker_b, case_a):
    response = api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/accept/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["victim"] is None
    received = api_as(caseworker_b).get(f"/api/v1/victims/{body['received_victim']}/").json()
    assert received["shelter"] == "shelter-b"
    assert received["case_code"].startswith("SB-")
    assert received["intake_date"] == "2026-03-10" and received["exit_date"] is None
    # Shared: given name, sex, birth year, TIP and its types. Not shared: family name, nationality, notes.
    assert (received["given_name"], received["sex"], received["birth_year"]) == ("Guadalupe", "female", 1990)
    assert (received["tip_victim"], received["exploitation_types"]) == (True, ["sexual_exploitation"])
    assert (received["family_name"], received["nationality"], received["notes"]) == (None, "", None)


def test_accepting_closes_the_senders_case_with_a_transfer_referral_the_same_day(
    proposed, api_as, caseworker_a, caseworker_b, case_a
):
    received_id = api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/accept/").json()["received_victim"]
    case_a.refresh_from_db()
    assert (case_a.exit_date, case_a.exit_reason) == (TRANSFER_DAY, ExitReason.TRANSFERRED)
    referral = Referral.objects.get(victim=case_a)
    assert (referral.kind, referral.date, referral.institution) == (ReferralKind.TRANSFER, TRANSFER_DAY, "Shelter B")
    # The sender never sees the receiver's case.
    seen = api_as(caseworker_a).get(f"/api/v1/transfers/{proposed.pk}/").json()
    assert seen["status"] == "accepted" and seen["received_victim"] is None
    assert api_as(caseworker_a).get(f"/api/v1/victims/{received_id}/").status_code == 404


def test_every_step_is_in_both_shelters_trails(proposed, api_as, caseworker_b, shelter_a, shelter_b):
    api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/accept/")
    entries = AuditEntry.objects.filter(record_type="transfer", record_id=str(proposed.pk))
    for shelter in (shelter_a, shelter_b):
        assert set(entries.filter(shelter=shelter).values_list("action", flat=True)) >= {"create", "change"}
    # The writes the accept made, each in the trail of the shelter it touched.
    case_entries = AuditEntry.objects.filter(actor=caseworker_b, action__in=["create", "change"])
    assert set(case_entries.values_list("record_type", "shelter_id")) >= {
        ("victim", shelter_b.pk),
        ("victim", shelter_a.pk),
        ("referral", shelter_a.pk),
    }


def test_the_sender_cannot_accept_and_the_receiver_cannot_cancel(proposed, api_as, caseworker_a, caseworker_b):
    assert api_as(caseworker_a).post(f"/api/v1/transfers/{proposed.pk}/accept/").status_code == 403
    assert api_as(caseworker_a).post(f"/api/v1/transfers/{proposed.pk}/decline/").status_code == 403
    assert api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/cancel/").status_code == 403
    assert Transfer.objects.get().status == TransferStatus.PROPOSED


def test_two_accepts_one_wins(proposed, api_as, caseworker_b, case_a):
    first = api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/accept/")
    second = api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/accept/")
    assert (first.status_code, second.status_code) == (200, 409)
    assert Victim.objects.filter(shelter__slug="shelter-b").count() == 1
    assert Referral.objects.filter(victim=case_a).count() == 1


def test_an_accept_from_a_stale_copy_changes_nothing(proposed, caseworker_b):
    # Two requests that read the transfer while it was proposed: the compare-and-set lets one through.
    stale = Transfer.objects.select_related("to_shelter").get(pk=proposed.pk)
    services.transfer_accept(
        actor=caseworker_b, transfer=Transfer.objects.select_related("to_shelter").get(pk=proposed.pk)
    )
    with pytest.raises(services.TransferStateConflict):
        services.transfer_accept(actor=caseworker_b, transfer=stale)
    assert Victim.objects.filter(shelter__slug="shelter-b").count() == 1


def test_a_declined_or_cancelled_transfer_cannot_be_accepted(
    proposed, api_as, caseworker_a, caseworker_b, case_a, shelter_c
):
    assert api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/decline/").json()["status"] == "declined"
    assert api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/accept/").status_code == 409
    assert api_as(caseworker_a).post(f"/api/v1/transfers/{proposed.pk}/cancel/").status_code == 409
    # Declined, the case may be proposed again (elsewhere, or later); then cancelled by the sender.
    again = propose(api_as, caseworker_a, case_a, to_shelter="shelter-c")
    assert again.status_code == 201
    assert api_as(caseworker_a).post(f"/api/v1/transfers/{again.json()['id']}/cancel/").json()["status"] == "cancelled"
    case_a.refresh_from_db()
    assert case_a.exit_date is None and not Referral.objects.exists()


def test_a_consent_withdrawn_after_the_proposal_stops_the_accept(proposed, api_as, caseworker_a, caseworker_b):
    consent_id = proposed.consent_id
    assert (
        api_as(caseworker_a)
        .patch(f"/api/v1/consents/{consent_id}/", {"withdrawn_on": "2026-03-05"}, format="json")
        .status_code
        == 200
    )
    response = api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/accept/")
    assert response.status_code == 400 and "consent" in response.json()
    assert Transfer.objects.get().status == TransferStatus.PROPOSED
    assert not Victim.objects.filter(shelter__slug="shelter-b").exists()


def test_a_withdrawal_after_the_transfers_date_still_stops_the_accept(proposed, api_as, caseworker_a, caseworker_b):
    # The consent held on the 10th; the victim withdrew it on the 12th, before the receiver accepted.
    api_as(caseworker_a).patch(
        f"/api/v1/consents/{proposed.consent_id}/", {"withdrawn_on": "2026-03-12"}, format="json"
    )
    response = api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/accept/")
    assert response.status_code == 400 and "consent" in response.json()
    assert Transfer.objects.get().status == TransferStatus.PROPOSED


@pytest.mark.parametrize("side", ["shelter_a", "shelter_b"])
def test_a_locked_month_on_either_side_refuses_the_accept_and_changes_nothing(
    proposed, api_as, caseworker_b, case_a, request, side
):
    MonthLock.objects.create(shelter=request.getfixturevalue(side), month=date(2026, 3, 1))
    response = api_as(caseworker_b).post(f"/api/v1/transfers/{proposed.pk}/accept/")
    assert response.status_code == 409
    assert ("sending" if side == "shelter_a" else "receiving") in response.json()["detail"]
    assert response.json()["months"] == ["2026-03"]
    assert Transfer.objects.get().status == TransferStatus.PROPOSED
    case_a.refresh_from_db()
    assert case_a.exit_date is None
    assert not Referral.objects.exists() and not Victim.objects.filter(shelter__slug="shelter-b").exists()
