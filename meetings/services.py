"""Writes to meetings and organizations: atomic, validated by the models' own rules, audited.

Callers (API, admin, the Annex 1 import) have checked the user's role already.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from shelters.audit import audit_write
from shelters.models import AuditAction, User
from shelters.services import assign_fields

from .models import Meeting, Organization

MEETING_FIELDS = {
    "component",
    "start_date",
    "end_date",
    "dates",
    "participants_description",
    "topic",
    "state",
    "participants_total",
    "participants_male",
    "participants_female",
    "subheading",
}
ORGANIZATION_FIELDS = {"name", "acronym", "sector"}


def _meeting_data(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Meeting days are stored as ISO dates in a JSON list."""
    if "dates" not in data:
        return data
    days = [day.isoformat() if hasattr(day, "isoformat") else day for day in data["dates"] or []]
    return {**data, "dates": days}


def _set_organizations(meeting: Meeting, organizations: Iterable[Organization] | None) -> bool:
    """Replace the meeting's organizations; True when they changed."""
    if organizations is None:
        return False
    wanted = {organization.pk for organization in organizations}
    current = set(meeting.organizations.values_list("pk", flat=True))
    if wanted == current:
        return False
    meeting.organizations.set(wanted)
    return True


@transaction.atomic
def organization_create(*, actor: User | None, data: Mapping[str, Any], channel: str = "") -> Organization:
    organization = Organization()
    assign_fields(organization, data, allowed=ORGANIZATION_FIELDS)
    organization.full_clean()
    organization.save()
    audit_write(actor=actor, action=AuditAction.CREATE, record=organization, fields=data.keys(), channel=channel)
    return organization


@transaction.atomic
def organization_update(
    *, actor: User | None, organization: Organization, data: Mapping[str, Any], channel: str = ""
) -> Organization:
    changed = assign_fields(organization, data, allowed=ORGANIZATION_FIELDS)
    if changed:
        organization.full_clean()
        organization.save()
        audit_write(actor=actor, action=AuditAction.CHANGE, record=organization, fields=changed, channel=channel)
    return organization


@transaction.atomic
def meeting_create(
    *,
    actor: User | None,
    data: Mapping[str, Any],
    organizations: Iterable[Organization] = (),
    import_key: str = "",
    channel: str = "",
) -> Meeting:
    meeting = Meeting(import_key=import_key)
    assign_fields(meeting, _meeting_data(data), allowed=MEETING_FIELDS)
    meeting.full_clean()
    meeting.save()
    _set_organizations(meeting, organizations)
    fields = [*data.keys(), *(["organizations"] if organizations else [])]
    audit_write(actor=actor, action=AuditAction.CREATE, record=meeting, fields=fields, channel=channel)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: User | None,
    meeting: Meeting,
    data: Mapping[str, Any],
    organizations: Iterable[Organization] | None = None,
    channel: str = "",
) -> Meeting:
    """Change only the fields in `data` (and the organizations, when given)."""
    changed = assign_fields(meeting, _meeting_data(data), allowed=MEETING_FIELDS)
    if changed:
        meeting.full_clean()
        meeting.save()
    if _set_organizations(meeting, organizations):
        changed.append("organizations")
    if changed:
        audit_write(actor=actor, action=AuditAction.CHANGE, record=meeting, fields=changed, channel=channel)
    return meeting


@transaction.atomic
def meeting_delete(*, actor: User | None, meeting: Meeting, channel: str = "") -> None:
    audit_write(actor=actor, action=AuditAction.DELETE, record=meeting, channel=channel)
    meeting.delete()


@transaction.atomic
def organization_delete(*, actor: User | None, organization: Organization, channel: str = "") -> None:
    """Only from admin: the API has no DELETE for organizations. Its meetings stay, without it."""
    audit_write(actor=actor, action=AuditAction.DELETE, record=organization, channel=channel)
    organization.delete()
