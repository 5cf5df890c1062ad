"""Reads and access checks: the one door to case records.

Every view, API endpoint and admin page that shows a case record gets it
through these functions, so that another shelter's record is simply not there
(a 404), whoever asks and however.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, TypeVar

from django.db.models import Count, Q, QuerySet

from . import scopes
from .blind_index import full_name_key, given_name_key, query_word_digests
from .models import (
    ACCOUNT_ACTIONS,
    SHELTER_ROLES,
    AuditAction,
    AuditEntry,
    CaseRecord,
    FollowUp,
    LegalAction,
    Membership,
    Referral,
    Role,
    Service,
    Shelter,
    User,
    Victim,
)
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


@dataclass(frozen=True)
class CaseShelters:
    """The shelters whose case records a user may see, read once for one request's work: {id: slug}.

    Made by `case_shelters_read` only, from the memberships (never from the database's door setting, so the
    two walls stay independent); a view keeps it for the request it was read in, and hands it to
    `records_visible_to` so that the shelters go to PostgreSQL as a literal list.
    """

    user_id: int | None
    slugs: Mapping[int, str]
    # Only `case_shelters_read` holds it: one made by hand (ids nobody read from the memberships) is refused.
    made_by: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.made_by is not _READ_FROM_MEMBERSHIPS:
            raise TypeError("CaseShelters are made by selectors.case_shelters_read only.")

    @property
    def ids(self) -> list[int]:
        return sorted(self.slugs)


_READ_FROM_MEMBERSHIPS = object()


def case_shelters_read(user: User) -> CaseShelters:
    """The user's shelters with their slugs, in one query (the same door as `case_shelter_ids`)."""
    slugs = dict(case_shelters_of(user).values_list("id", "slug"))
    return CaseShelters(user_id=user.pk, slugs=MappingProxyType(slugs), made_by=_READ_FROM_MEMBERSHIPS)


def records_visible_to(user: User, model: type[RecordT], *, shelters: CaseShelters | None = None) -> QuerySet[RecordT]:
    """All records of `model` that `user` may see: their own shelters' only.

    With `shelters` (the user's, read by `case_shelters_read` in this request), their ids are written into the
    query as a literal list rather than the memberships' subquery: PostgreSQL counts a page's 100,000 services
    in 13-17 ms that way against 21-28 ms, and walks the (shelter, date) index in page order. Without it, no
    query more: a single record's read keeps the subquery, which costs nothing beside its key.
    """
    if shelters is None:
        return model.objects.filter(shelter_id__in=case_shelter_ids(user))
    if shelters.user_id != user.pk:
        raise ValueError("These shelters were read for another user.")
    open_door_for(user)
    return model.objects.filter(shelter_id__in=shelters.ids)


def victims_visible_to(user: User, *, shelters: CaseShelters | None = None) -> QuerySet[Victim]:
    return records_visible_to(user, Victim, shelters=shelters)


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


# --- Assignment and follow-ups due ------------------------------------------------------------------------------


def assignable_staff(shelter: Shelter) -> QuerySet[User]:
    """Who a case of `shelter` may be assigned to: its active caseworkers and coordinators."""
    return User.objects.filter(
        memberships__shelter=shelter, is_active=True, role__in=[role.value for role in SHELTER_ROLES]
    ).order_by("username")


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 January + 1 = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class FollowUpDue:
    victim_id: Any
    case_code: str
    number: int  # the first, second... follow-up of the plan
    of: int  # how many the plan has
    due: date
    overdue: bool
    mine: bool
    assigned_to: str  # username, or "" when the case is nobody's


# Follow-ups show on the home from this many days before they fall due, and until a year after (a case
# not reached in a year is no longer a task of the day: the coordinator's trail and the case page keep it).
FOLLOW_UP_NOTICE_DAYS = 14
FOLLOW_UP_KEPT_MONTHS = 12


def follow_ups_due(*, user: User, shelter: Shelter, today: date) -> list[FollowUpDue]:
    """The shelter's follow-ups that are overdue or fall due within FOLLOW_UP_NOTICE_DAYS: overdue first, then
    the user's own cases, then by date.

    After an exit, the plan's n-th follow-up (months after the exit: `shelter.follow_up_plan`) is done once
    n follow-ups are recorded, whatever their dates: a late follow-up still counts as the one that was due.
    A follow-up more than FOLLOW_UP_KEPT_MONTHS overdue is no longer listed. One query: the exited cases
    whose plan is not complete, with their follow-up counts.
    """
    plan = list(shelter.follow_up_plan or [])
    if not plan:
        return []
    earliest_exit = add_months(today, -max(plan) - FOLLOW_UP_KEPT_MONTHS)
    cases = (
        victims_visible_to(user)
        .filter(shelter=shelter, exit_date__lte=today, exit_date__gte=earliest_exit)
        .annotate(recorded=Count("follow_ups"))
        .filter(recorded__lt=len(plan))
        .order_by()
        .values_list("pk", "case_code", "exit_date", "recorded", "assigned_to_id", "assigned_to__username")
    )
    horizon = today + timedelta(days=FOLLOW_UP_NOTICE_DAYS)
    due = []
    for pk, case_code, exit_date, recorded, assigned_id, assigned_name in cases:
        due_date = add_months(exit_date, plan[recorded])
        if due_date > horizon:
            continue
        due.append(
            FollowUpDue(
                victim_id=pk,
                case_code=case_code,
                number=recorded + 1,
                of=len(plan),
                due=due_date,
                overdue=due_date < today,
                mine=assigned_id == user.pk,
                assigned_to=assigned_name or "",
            )
        )
    due.sort(key=lambda item: (not item.overdue, not item.mine, item.due, item.case_code))
    return due


# --- The coordinator's audit trail ------------------------------------------------------------------------------

# The records a case's trail covers: the victim and what is logged about them.
VICTIM_RECORD_MODELS = (Service, Referral, LegalAction, FollowUp)


# The kinds of entry a coordinator may narrow the trail to.
TRAIL_KINDS = {
    "changes": [AuditAction.CREATE, AuditAction.CHANGE, AuditAction.DELETE],
    "views": [AuditAction.VIEW],
    "accounts": sorted(ACCOUNT_ACTIONS),
}


def trail_of(
    *,
    user: User,
    shelter: Shelter,
    case_code: str = "",
    person: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    kind: str = "",
) -> QuerySet[AuditEntry]:
    """The shelter's trail as its coordinator searches it: by case code (the case and the records logged about
    it), by the person who acted (username) and by local dates, newest first.

    A case code that names no case of the shelter finds nothing. Records deleted since are no longer tied to
    their case, so a case's search does not find their entries (the whole trail still lists them).
    """
    entries = audit_trail_visible_to(user).filter(shelter=shelter)
    if case_code:
        victim = victims_visible_to(user).filter(shelter=shelter, case_code__iexact=case_code.strip()).first()
        if victim is None:
            return entries.none()
        condition = Q(record_type=Victim._meta.model_name, record_id=str(victim.pk))
        for model in VICTIM_RECORD_MODELS:
            ids = [str(pk) for pk in model.objects.filter(victim=victim).values_list("pk", flat=True)]
            condition |= Q(record_type=model._meta.model_name, record_id__in=ids)
        entries = entries.filter(condition)
    if person:
        entries = entries.filter(actor_username__iexact=person.strip())
    if kind in TRAIL_KINDS:
        entries = entries.filter(action__in=TRAIL_KINDS[kind])
    # `__date` compares in the current time zone: the days the coordinator lives in, not UTC's.
    if date_from:
        entries = entries.filter(at__date__gte=date_from)
    if date_to:
        entries = entries.filter(at__date__lte=date_to)
    return entries.order_by("-at", "-id")


def case_codes_of_entries(*, shelter: Shelter, entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """(record type, record id) -> the case code of the case it belongs to, for entries about case records.

    One query per kind of case record on the page (at most five), however many entries.
    """
    wanted: dict[str, set[uuid.UUID]] = {}
    for entry in entries:
        try:
            wanted.setdefault(entry.record_type, set()).add(uuid.UUID(entry.record_id))
        except ValueError:
            continue
    codes: dict[tuple[str, str], str] = {}
    if wanted.get(Victim._meta.model_name):
        rows = Victim.objects.filter(shelter=shelter, pk__in=wanted[Victim._meta.model_name])
        for pk, code in rows.values_list("pk", "case_code"):
            codes[(Victim._meta.model_name, str(pk))] = code
    for model in VICTIM_RECORD_MODELS:
        ids = wanted.get(model._meta.model_name)
        if ids:
            for pk, code in model.objects.filter(shelter=shelter, pk__in=ids).values_list("pk", "victim__case_code"):
                codes[(model._meta.model_name, str(pk))] = code
    return codes


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
