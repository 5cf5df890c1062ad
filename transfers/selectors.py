"""Reads of consents and transfers, through the one door (shelters.selectors).

A consent is seen by its victim's shelter only. A transfer is seen by both its shelters, and by nobody
else (a third shelter, program staff and partners get nothing: 404 or 403); which of its fields each
side is shown is `sides_of`'s answer (transfers.serializers, the pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from shelters.models import Shelter, User, Victim
from shelters.selectors import case_shelter_ids, records_visible_to

from .models import Consent, Transfer, consents_valid_on


def consents_visible_to(user: User) -> QuerySet[Consent]:
    return records_visible_to(user, Consent)


def consents_of(*, user: User, victim: Victim) -> QuerySet[Consent]:
    return (
        consents_visible_to(user)
        .filter(victim=victim)
        .select_related("recorded_by")
        .order_by("-given_on", "-created_at")
    )


def valid_consent(*, victim: Victim, purpose: str, on: date, not_withdrawn_by: date | None = None) -> Consent | None:
    """The victim's consent for `purpose` that holds on that day (the latest given), or None; with
    `not_withdrawn_by`, one not withdrawn on or before that day either (a withdrawal after a transfer's date
    but before it is accepted still stops it).

    Callers hold the victim through the door (or, accepting a transfer, through its narrow scope)."""
    consents = Consent.objects.filter(victim_id=victim.pk, purpose=purpose).filter(consents_valid_on(on))
    if not_withdrawn_by is not None:
        consents = consents.filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=not_withdrawn_by))
    return consents.order_by("-given_on", "-created_at").first()


def transfers_visible_to(user: User) -> QuerySet[Transfer]:
    """The transfers the user's shelters send or receive."""
    shelters = case_shelter_ids(user)
    return Transfer.objects.filter(Q(shelter_id__in=shelters) | Q(to_shelter_id__in=shelters))


@dataclass(frozen=True)
class Sides:
    sends: bool
    receives: bool


def sides_of(*, shelter_ids: set[int], transfer: Transfer) -> Sides:
    """Which side of the transfer a user of these shelters stands on (both, for someone who works at both)."""
    return Sides(sends=transfer.shelter_id in shelter_ids, receives=transfer.to_shelter_id in shelter_ids)


def user_shelter_ids(user: User) -> set[int]:
    return set(case_shelter_ids(user).values_list("shelter_id", flat=True))


def incoming_transfers(*, user: User, shelter: Shelter) -> QuerySet[Transfer]:
    return (
        transfers_visible_to(user)
        .filter(to_shelter=shelter)
        .select_related("shelter", "received_victim")
        .order_by("-date", "-created_at")
    )


def outgoing_transfers(*, user: User, shelter: Shelter) -> QuerySet[Transfer]:
    return (
        transfers_visible_to(user)
        .filter(shelter=shelter)
        .select_related("to_shelter", "victim")
        .order_by("-date", "-created_at")
    )


def transfers_of_case(*, user: User, victim: Victim) -> QuerySet[Transfer]:
    """The transfers proposed for a case, on its shelter's page."""
    return (
        transfers_visible_to(user).filter(victim=victim).select_related("to_shelter").order_by("-date", "-created_at")
    )


def receiving_shelters(shelter: Shelter) -> QuerySet[Shelter]:
    """Where a case may be transferred: any other shelter (its name and slug are no secret)."""
    return Shelter.objects.exclude(pk=shelter.pk).order_by("name")
