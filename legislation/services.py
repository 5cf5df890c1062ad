"""Writes to states, the federal law and networks: atomic, validated by the models' own rules, audited.

A state's every change is kept as a `StateChange` (who, when, the source cited, old -> new) and in the audit
trail. Callers (API, admin, the seed import) have checked the user's role already.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from meetings.models import Organization
from shelters.audit import audit_write
from shelters.models import AuditAction, User
from shelters.services import assign_fields

from .models import FederalLaw, Network, State, StateChange

STATE_FIELDS = ("tip_law_status", "tip_law_name", "tip_law_date", "palermo_elements", "task_force_since", "notes")
FEDERAL_LAW_FIELDS = {*STATE_FIELDS, "signed_on", "in_force_on", "source"} - {"task_force_since"}
NETWORK_FIELDS = {"name", "state", "kind", "established_on", "notes"}


def _as_json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


@transaction.atomic
def state_update(
    *, actor: User | None, state: State, data: Mapping[str, Any], source: str, channel: str = ""
) -> StateChange | None:
    """Change the fields of `data`; keep the change with its source. None when nothing changed.

    `source` (the document or person the new values come from) is required; ValidationError naming it otherwise.
    """
    source = " ".join((source or "").split())
    # Something a reader can see: a zero-width space or a lone mark cites nothing.
    if not any(unicodedata.category(character)[0] in "LN" for character in source):
        raise ValidationError({"source": _("Cite the source of this change.")})
    if len(source) > 1000:
        raise ValidationError({"source": _("Keep the source under 1,000 characters.")})
    state = State.objects.select_for_update().get(pk=state.pk)
    before = {name: _as_json(getattr(state, name)) for name in STATE_FIELDS}
    assign_fields(state, data, allowed=STATE_FIELDS)
    state.full_clean()
    changes = {
        name: {"old": before[name], "new": _as_json(getattr(state, name))}
        for name in STATE_FIELDS
        if before[name] != _as_json(getattr(state, name))
    }
    if not changes:
        return None
    state.save()
    change = StateChange.objects.create(
        state=state,
        actor=actor if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or "",
        source=source,
        changes=changes,
        channel=channel,
    )
    audit_write(actor=actor, action=AuditAction.CHANGE, record=state, fields=changes.keys(), channel=channel)
    return change


@transaction.atomic
def federal_law_save(
    *, actor: User | None, law: FederalLaw | None, data: Mapping[str, Any], channel: str = ""
) -> FederalLaw:
    """Create (law None) or change the federal law's fields in `data`."""
    creating = law is None
    law = FederalLaw() if creating else law
    changed = assign_fields(law, data, allowed=FEDERAL_LAW_FIELDS)
    if creating or changed:
        law.full_clean()
        law.save()
        audit_write(
            actor=actor,
            action=AuditAction.CREATE if creating else AuditAction.CHANGE,
            record=law,
            fields=data.keys() if creating else changed,
            channel=channel,
        )
    return law


def _set_organizations(network: Network, organizations: Iterable[Organization] | None) -> bool:
    if organizations is None:
        return False
    wanted = {organization.pk for organization in organizations}
    if wanted == set(network.organizations.values_list("pk", flat=True)):
        return False
    network.organizations.set(wanted)
    return True


@transaction.atomic
def network_create(
    *,
    actor: User | None,
    data: Mapping[str, Any],
    organizations: Iterable[Organization] = (),
    import_key: str = "",
    channel: str = "",
) -> Network:
    network = Network(import_key=import_key)
    assign_fields(network, data, allowed=NETWORK_FIELDS)
    network.full_clean()
    network.save()
    organizations = list(organizations)
    _set_organizations(network, organizations)
    fields = [*data.keys(), *(["organizations"] if organizations else [])]
    audit_write(actor=actor, action=AuditAction.CREATE, record=network, fields=fields, channel=channel)
    return network


@transaction.atomic
def network_update(
    *,
    actor: User | None,
    network: Network,
    data: Mapping[str, Any],
    organizations: Iterable[Organization] | None = None,
    channel: str = "",
) -> Network:
    """Change only the fields in `data` (and the organizations, when given)."""
    changed = assign_fields(network, data, allowed=NETWORK_FIELDS)
    if changed:
        network.full_clean()
        network.save()
    if _set_organizations(network, organizations):
        changed.append("organizations")
    if changed:
        audit_write(actor=actor, action=AuditAction.CHANGE, record=network, fields=changed, channel=channel)
    return network


@transaction.atomic
def network_delete(*, actor: User | None, network: Network, channel: str = "") -> None:
    audit_write(actor=actor, action=AuditAction.DELETE, record=network, channel=channel)
    network.delete()
