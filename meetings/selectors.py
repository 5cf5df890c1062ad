"""Reads and access checks for meetings and organizations, and quarters."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from shelters.models import Role, User

from .models import Meeting, Organization


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read "2007-Q4" (or the Spanish "2007-T4", trimestre) as Quarter(2007, 4); ValueError otherwise."""
        match = re.fullmatch(r"(\d{4})-[QqTt]([1-4])", (text or "").strip())
        if not match or int(match[1]) < 1900:
            raise ValueError("Give a quarter as YYYY-QN, for example 2007-Q4.")
        return cls(int(match[1]), int(match[2]))

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        last_month = 3 * self.number
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def first_month(self) -> date:
        return self.first_day

    @property
    def last_month(self) -> date:
        return date(self.year, 3 * self.number, 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


def may_read_meetings(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in (Role.PROGRAM_STAFF, Role.PARTNER))


def may_write_meetings(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.PROGRAM_STAFF)


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    """Meetings are program data, not case data: program staff and partners read them all."""
    if not may_read_meetings(user):
        return Meeting.objects.none()
    return Meeting.objects.all()


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    # Partners read meetings (with their organizations' names) but not the organization list.
    if not may_write_meetings(user):
        return Organization.objects.none()
    return Organization.objects.all()


def meetings_in_quarter(quarter: Quarter, queryset: QuerySet[Meeting] | None = None) -> QuerySet[Meeting]:
    """A meeting belongs to the quarter in which it started."""
    queryset = Meeting.objects.all() if queryset is None else queryset
    return queryset.filter(start_date__gte=quarter.first_day, start_date__lte=quarter.last_day)
