"""Reads and access checks for states, laws and networks.

States, laws and networks are public program facts, not case data: every role reads them (shelter staff
and partners included); only program staff change them.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from meetings.models import Meeting
from meetings.selectors import Quarter, meetings_in_quarter
from shelters.models import Role, User

from .models import FederalLaw, Network, State, StateChange


def may_read_legislation(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in Role.values)


def may_write_legislation(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.PROGRAM_STAFF)


def states_visible_to(user: User) -> QuerySet[State]:
    return State.objects.all() if may_read_legislation(user) else State.objects.none()


def networks_visible_to(user: User) -> QuerySet[Network]:
    return Network.objects.all() if may_read_legislation(user) else Network.objects.none()


def federal_laws_visible_to(user: User) -> QuerySet[FederalLaw]:
    return FederalLaw.objects.all() if may_read_legislation(user) else FederalLaw.objects.none()


def state_changes(state: State) -> QuerySet[StateChange]:
    """A state's history, newest first."""
    return StateChange.objects.filter(state=state).order_by("-at", "-id")


def meetings_per_state(quarter: Quarter) -> dict[str, int]:
    """How many meetings each state had in the quarter (by the day they started), in one query.

    A state absent from the answer had none: read it with `.get(code, 0)`. A meeting that names no state
    counts for none.
    """
    rows = (
        meetings_in_quarter(quarter, Meeting.objects.exclude(state=""))
        .values("state")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["state"]: row["count"] for row in rows}
