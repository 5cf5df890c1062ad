"""The consent and transfer pages: the case page's section, recording and withdrawing a consent, the printable
form in Spanish, and the transfers page on both sides."""

from __future__ import annotations

from datetime import date

import pytest

from shelters.models import AuditEntry, ExitReason, Victim
from tests.transfers.conftest import TRANSFER_DAY
from transfers import services
from transfers.models import Consent, Transfer, TransferStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(case_a, transfer_consent, caseworker_a, shelter_b):
    return services.transfer_propose(
        actor=caseworker_a,
        victim=case_a,
        data={"to_shelter": shelter_b, "date": TRANSFER_DAY, "reason": "Lejos de Tapachula", "share": ["given_name"]},
    )


def test_a_consent_is_recorded_printed_and_withdrawn_from_the_case_page(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    page = client.get(f"/cases/{case_a.pk}/").content.decode()
    assert "Consentimientos" in page and "Registrar consentimiento" in page

    response = client.post(
        f"/cases/{case_a.pk}/consents/new/",
        {"purpose": "transfer", "given_on": "2026-03-01", "expires_on": "2026-06-30", "notes": "Con su tía"},
    )
    consent = Consent.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/consents/{consent.pk}/print/")
    assert (consent.recorded_by, consent.notes, consent.expires_on) == (caseworker_a, "Con su tía", date(2026, 6, 30))

    printed = client.get(response["Location"])
    text = printed.content.decode()
    assert printed.status_code == 200 and "no-store" in printed["Cache-Control"]
    assert "Formato de consentimiento" in text and "SA-00001" in text and "Traslado a otro albergue" in text
    assert "1 de marzo de 2026" in text and "30 de junio de 2026" in text
    assert "Nombre y firma de la víctima" in text and "Nombre y firma de la persona encargada del caso" in text
    # No name on the paper's printed parts, nor the notes: she writes her name herself.
    assert "Guadalupe" not in text and "Con su tía" not in text

    client.post(f"/cases/{case_a.pk}/consents/{consent.pk}/withdraw/")
    consent.refresh_from_db()
    assert consent.withdrawn_on is not None
    assert "Retirado" in client.get(f"/cases/{case_a.pk}/").content.decode()


def test_a_bad_consent_form_names_the_field_and_saves_nothing(client_as, caseworker_a, case_a):
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/consents/new/",
        {"purpose": "transfer", "given_on": "2026-03-01", "expires_on": "2026-02-01"},
    )
    assert response.status_code == 200
    assert "no puede vencer antes" in response.content.decode()
    assert not Consent.objects.exists()


def test_another_shelters_consent_pages_are_404(client_as, caseworker_b, case_a, transfer_consent):
    client = client_as(caseworker_b)
    assert client.get(f"/cases/{case_a.pk}/consents/{transfer_consent.pk}/print/").status_code == 404
    assert client.post(f"/cases/{case_a.pk}/consents/{transfer_consent.pk}/withdraw/").status_code == 404
    assert client.get(f"/cases/{case_a.pk}/consents/new/").status_code == 404


def test_a_transfer_is_proposed_from_the_case_page(client_as, caseworker_a, case_a, transfer_consent, shelter_b):
    client = client_as(caseworker_a)
    form = client.get(f"/cases/{case_a.pk}/transfer/new/").content.decode()
    assert "Shelter B" in form and "Shelter A</option>" not in form
    response = client.post(
        f"/cases/{case_a.pk}/transfer/new/",
        {"to_shelter": shelter_b.pk, "date": "2026-03-10", "reason": "", "share": ["given_name", "sex"]},
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.share) == (TransferStatus.PROPOSED, ["given_name", "sex"])
    assert "Propuesto" in client.get(f"/cases/{case_a.pk}/").content.decode()


def test_without_consent_the_transfer_form_says_so_and_saves_nothing(client_as, caseworker_a, case_a, shelter_b):
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/transfer/new/", {"to_shelter": shelter_b.pk, "date": "2026-03-10", "share": ["sex"]}
    )
    assert response.status_code == 200 and "no tiene un consentimiento de traslado" in response.content.decode()
    assert not Transfer.objects.exists()


def test_the_receiver_sees_the_transfer_not_the_case_and_accepts_it(client_as, caseworker_b, proposed, case_a):
    client = client_as(caseworker_b)
    page = client.get("/transfers/").content.decode()
    assert "Shelter A" in page and "Lejos de Tapachula" in page and "Aceptar" in page
    assert "SA-00001" not in page and "Guadalupe" not in page
    viewed = AuditEntry.objects.filter(action="view", record_type="transfer", actor=caseworker_b)
    assert list(viewed.values_list("shelter_id", flat=True)) == [caseworker_b.shelters.get().pk]

    response = client.post(f"/transfers/{proposed.pk}/accept/")
    received = Victim.objects.get(shelter__slug="shelter-b")
    assert response.status_code == 302 and response["Location"] == f"/cases/{received.pk}/"
    assert received.given_name == "Guadalupe" and received.family_name is None
    case_a.refresh_from_db()
    assert case_a.exit_reason == ExitReason.TRANSFERRED


def test_the_sender_cancels_and_a_third_shelter_finds_nothing(client_as, caseworker_a, caseworker_c, proposed):
    assert client_as(caseworker_c).post(f"/transfers/{proposed.pk}/accept/").status_code == 404
    assert "Shelter A" not in client_as(caseworker_c).get("/transfers/").content.decode()
    assert client_as(caseworker_a).post(f"/transfers/{proposed.pk}/accept/").status_code == 403
    client_as(caseworker_a).post(f"/transfers/{proposed.pk}/cancel/")
    proposed.refresh_from_db()
    assert proposed.status == TransferStatus.CANCELLED


@pytest.mark.parametrize("persona", ["program_staff", "partner"])
def test_program_staff_and_partners_are_refused_the_pages(client_as, personas, persona, proposed):
    client = client_as(personas[persona])
    assert client.get("/transfers/").status_code == 403
    assert client.post(f"/transfers/{proposed.pk}/accept/").status_code == 403


def test_a_locked_month_is_said_on_the_page_and_nothing_changes(client_as, caseworker_b, proposed, shelter_b, case_a):
    from indicators.models import MonthLock

    MonthLock.objects.create(shelter=shelter_b, month=date(2026, 3, 1))
    client = client_as(caseworker_b)
    response = client.post(f"/transfers/{proposed.pk}/accept/", follow=True)
    assert "el mes 2026-03 del albergue que recibe está cerrado" in response.content.decode()
    proposed.refresh_from_db()
    case_a.refresh_from_db()
    assert proposed.status == TransferStatus.PROPOSED and case_a.exit_date is None
