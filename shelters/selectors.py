"""Reads and access checks: the one door to case records.

Every view, API endpoint and admin page that shows a case record gets it
through these functions, so that another shelter's record is simply not there
(a 404), whoever asks and however.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from .blind_index import full_name_key, given_name_key, query_word_digests
from .models import SHELTER_ROLES, AuditEntry, CaseRecord, Membership, Role, Shelter, User, Victim

RecordT = TypeVar("RecordT", bound=CaseRecord)


def can_see_case_records(user: User) -> bool:
    """Only shelter staff see case records; program staff, partners and role-less superusers never do."""
    return bool(user.is_authenticated and user.is_active and user.role in SHELTER_ROLES)


def case_shelter_ids(user: User) -> QuerySet[Membership]:
    """The shelters whose case records `user` may see, as a subquery (no query of its own)."""
    if not can_see_case_records(user):
        return Membership.objects.none().values("shelter_id")
    return Membership.objects.filter(user_id=user.pk).values("shelter_id")


def case_shelters_of(user: User) -> QuerySet[Shelter]:
    return Shelter.objects.filter(id__in=case_shelter_ids(user))


def records_visible_to(user: User, model: type[RecordT]) -> QuerySet[RecordT]:
    """All records of `model` that `user` may see: their own shelters' only."""
    return model.objects.filter(shelter_id__in=case_shelter_ids(user))


def victims_visible_to(user: User) -> QuerySet[Victim]:
    return records_visible_to(user, Victim)


def single_case_shelter(user: User) -> Shelter | None:
    """The user's shelter when they belong to exactly one (so forms and API may leave it out)."""
    shelters = list(case_shelters_of(user)[:2])
    return shelters[0] if len(shelters) == 1 else None


def is_coordinator_of(user: User, shelter_id: int) -> bool:
    return (
        user.is_authenticated
        and user.role == Role.COORDINATOR
        and Membership.objects.filter(user_id=user.pk, shelter_id=shelter_id).exists()
    )


def audit_trail_visible_to(user: User) -> QuerySet[AuditEntry]:
    """Coordinators read their shelters' trail; nobody else reads it through the application."""
    if not (user.is_authenticated and user.is_active and user.role == Role.COORDINATOR):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(shelter_id__in=case_shelter_ids(user))


def victims_named(victims: QuerySet[Victim], query: str) -> QuerySet[Victim]:
    """The victims of `victims` whose names hold every whole folded word of `query`, through the blind index.

    "nunez" finds "Núñez"; "guada" does not find "Guadalupe" (whole words only). No name is decrypted.
    """
    digests = query_word_digests(query)
    if not digests:
        return victims.none()
    for digest in digests:
        victims = victims.filter(name_words__contains=digest)
    return victims


def possible_duplicates(
    *,
    user: User,
    shelter: Shelter,
    given_name: str | None,
    family_name: str | None,
    birth_year: int | None,
    exclude_ids: Collection[Any] = (),
) -> QuerySet[Victim]:
    """The shelter's cases, open or closed, that may be the same person: the same folded full name, or the
    same folded given name and birth year. Read through the blind index (one indexed query, no decryption)."""
    rules = Q()
    full = full_name_key(given_name, family_name)
    if full:
        rules |= Q(full_name_key=full)
    given = given_name_key(given_name)
    if given and birth_year is not None:
        rules |= Q(given_name_key=given, birth_year=birth_year)
    if not rules:
        return Victim.objects.none()
    found = victims_visible_to(user).filter(rules, shelter=shelter).exclude(pk__in=list(exclude_ids))
    return found.order_by("case_code")
