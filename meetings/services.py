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


@transaction.atomic
def organizations_merge(
    *, actor: User | None, keep: Organization, others: Iterable[Organization], channel: str = ""
) -> Organization:
    """Merge duplicates ("DIF Oaxaca" and "DIF of Oaxaca") into `keep`, in one transaction: every meeting that
    lists one of `others` lists `keep` instead, `keep` takes an acronym or sector it lacks from them (nothing
    recorded is lost), then the others are deleted. Every step is in the audit trail."""
    others = [organization for organization in others if organization.pk != keep.pk]
    if not others:
        return keep
    other_ids = [organization.pk for organization in others]
    # Locked in a fixed order, so that two merges over the same rows wait for each other instead of deadlocking.
    list(Organization.objects.select_for_update().filter(pk__in=[keep.pk, *other_ids]).order_by("pk"))
    through = Meeting.organizations.through
    moved = list(Meeting.objects.filter(organizations__in=other_ids).distinct().order_by("pk"))
    already = set(through.objects.filter(organization_id=keep.pk).values_list("meeting_id", flat=True))
    through.objects.bulk_create(
        [through(meeting_id=meeting.pk, organization_id=keep.pk) for meeting in moved if meeting.pk not in already]
    )
    through.objects.filter(organization_id__in=other_ids).delete()
    for meeting in moved:
        audit_write(actor=actor, action=AuditAction.CHANGE, record=meeting, fields=["organizations"], channel=channel)
    filled = {
        name: next((getattr(other, name) for other in others if getattr(other, name)), "")
        for name in ("acronym", "sector")
        if not getattr(keep, name)
    }
    changed = assign_fields(
        keep, {name: value for name, value in filled.items() if value}, allowed={"acronym", "sector"}
    )
    if changed:
        keep.full_clean()
        keep.save()
    audit_write(actor=actor, action=AuditAction.CHANGE, record=keep, fields=[*changed, "meetings"], channel=channel)
    for organization in others:
        audit_write(actor=actor, action=AuditAction.DELETE, record=organization, channel=channel)
    Organization.objects.filter(pk__in=other_ids).delete()
    return keep
