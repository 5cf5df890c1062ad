"""Two accepts of one transfer at once, on two connections: the compare-and-set lets exactly one through."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from shelters.models import Referral, Victim
from tests.transfers.conftest import TRANSFER_DAY
from tests.walls import past_the_wall, seeing
from transfers import services
from transfers.exceptions import TransferStateConflict
from transfers.models import Transfer, TransferStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_accepts_at_once_one_wins(case_a, transfer_consent, caseworker_a, caseworker_b, shelter_b, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer at a time by itself")
    with seeing(case_a.shelter_id):
        transfer = services.transfer_propose(
            actor=caseworker_a, victim=case_a, data={"to_shelter": shelter_b, "date": TRANSFER_DAY, "share": ["sex"]}
        )
    # Hold each accept a moment after its writes, so the other one arrives while the first still holds the row.
    create = services.case_services.victim_create
    monkeypatch.setattr(
        services.case_services,
        "victim_create",
        lambda **kwargs: (create(**kwargs), threading.Event().wait(0.3))[0],
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        try:
            copy = past_the_wall(lambda: Transfer.objects.select_related("to_shelter").get(pk=transfer.pk))
            start.wait(10)
            with transaction.atomic():
                services.transfer_accept(actor=caseworker_b, transfer=copy)
            outcomes.append("accepted")
        except TransferStateConflict:
            outcomes.append("conflict")
        except Exception as error:  # noqa: BLE001 - the test reports whatever else happened
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(outcomes) == ["accepted", "conflict"]
    assert past_the_wall(lambda: Transfer.objects.get(pk=transfer.pk).status) == TransferStatus.ACCEPTED
    assert past_the_wall(lambda: Victim.objects.filter(shelter=shelter_b).count()) == 1
    assert past_the_wall(lambda: Referral.objects.filter(victim_id=case_a.pk).count()) == 1
