"""Reads and access checks: the one door to case records.

Every view, API endpoint and admin page that shows a case record gets it
through these functions, so that another shelter's record is simply not there
(a 404), whoever asks and however.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import QuerySet

from . import scopes
from .models import AuditEntry, CaseRecord, Membership, Role, Shelter, User, Victim
from .scopes import open_door_for

RecordT = TypeVar("RecordT", bound=CaseRecord)


def can_see_case_records(user: User) -> bool:
    """Only shelter staff see case records; program staff, partners and role-less superusers never do."""
    return scopes.can_see_case_records(user)


def case_shelter_ids(user: User) -> QuerySet[Membership]:
    """The shelters whose case records `user` may see, as a subquery.

    Inside a web request it also opens the database's door to them (`scopes.open_door_for`: one small
    query the first time for this user, none after), so PostgreSQL lets the same rows through.
    """
    open_door_for(user)
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
