"""Writes of consents and transfers: keyword-only, atomic, validated by the models' rules, audited.

Callers fetched the victim, consent or transfer through `transfers.selectors` (the door), so access to
the record is decided before we get here; which side may take which step is decided here.

Accepting a transfer is the one write that crosses shelters: the receiving shelter's user creates its new
case and closes the sending shelter's. It runs, for that one transaction, in a scope of exactly those two
shelters (`shelters.scopes.shelter_scope`), entered only by `transfer_accept`, and every write in it is
audited in the trail of the shelter it touches.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.selectors import locked_months
from shelters import services as case_services
from shelters.audit import audit_in_trails, audit_write
from shelters.models import AuditAction, ExitReason, Referral, ReferralKind, User, Victim, VictimRole
from shelters.scopes import shelter_scope
from shelters.services import assign_fields

from .exceptions import TransferMonthLocked, TransferStateConflict
from .models import Consent, ConsentPurpose, ShareableField, Transfer, TransferStatus
from .selectors import user_shelter_ids, valid_consent

CONSENT_FIELDS = frozenset({"purpose", "given_on", "expires_on", "withdrawn_on", "notes"})
TRANSFER_FIELDS = frozenset({"to_shelter", "date", "reason", "share"})


def _validate(record: Consent | Transfer) -> None:
    # The constraints are repeated in clean(); the victim and shelters were loaded through the door.
    record.full_clean(exclude=["victim", "shelter", "to_shelter"], validate_unique=False, validate_constraints=False)


# --- Consents -------------------------------------------------------------------------------------------------


@transaction.atomic
def consent_record(*, actor: User | None, victim: Victim, data: Mapping[str, Any], channel: str = "") -> Consent:
    consent = Consent(victim=victim, shelter_id=victim.shelter_id, recorded_by=actor)
    assign_fields(consent, data, allowed=CONSENT_FIELDS)
    _validate(consent)
    consent.save()
    audit_write(actor=actor, action=AuditAction.CREATE, record=consent, fields=data.keys(), channel=channel)
    return consent


@transaction.atomic
def consent_update(*, actor: User | None, consent: Consent, data: Mapping[str, Any], channel: str = "") -> Consent:
    """Correct a consent (a date typed wrong), or withdraw it by setting `withdrawn_on`.

    A withdrawal stands: its day cannot be changed or removed (the victim gives a new consent instead)."""
    withdrawn_on = Consent.objects.filter(pk=consent.pk).values_list("withdrawn_on", flat=True).first()
    if withdrawn_on is not None and "withdrawn_on" in data and data["withdrawn_on"] != withdrawn_on:
        raise ValidationError(
            {"withdrawn_on": [_("A withdrawal stands: record a new consent if the victim gives it again.")]}
        )
    changed = assign_fields(consent, data, allowed=CONSENT_FIELDS)
    if not changed:
        return consent
    _validate(consent)
    consent.save()
    audit_write(actor=actor, action=AuditAction.CHANGE, record=consent, fields=changed, channel=channel)
    return consent


def consent_withdraw(*, actor: User | None, consent: Consent, on: date, channel: str = "") -> Consent:
    # The stored value: a refused change may have left another one on this object.
    if Consent.objects.filter(pk=consent.pk, withdrawn_on__isnull=False).exists():
        raise ValidationError({"withdrawn_on": [_("This consent is already withdrawn.")]})
    return consent_update(actor=actor, consent=consent, data={"withdrawn_on": on}, channel=channel)


# --- Transfers ------------------------------------------------------------------------------------------------


def _both_trails(transfer: Transfer, fields: list[str]) -> list[tuple[Transfer, int, list[str]]]:
    return [(transfer, transfer.shelter_id, fields), (transfer, transfer.to_shelter_id, fields)]


@transaction.atomic
def transfer_propose(*, actor: User, victim: Victim, data: Mapping[str, Any], channel: str = "") -> Transfer:
    """The sending shelter proposes to transfer one of its open cases; needs the victim's consent to it."""
    transfer = Transfer(victim=victim, shelter_id=victim.shelter_id, proposed_by=actor)
    assign_fields(transfer, data, allowed=TRANSFER_FIELDS)
    _validate(transfer)
    errors: dict[str, list[str]] = {}
    if victim.role != VictimRole.PRIMARY:
        # Not built yet: a child is transferred with the victim they came with.
        errors["victim"] = [_("Only a direct victim is transferred; a child goes with the victim they came with.")]
    elif victim.exit_date is not None:
        errors["victim"] = [_("This case is closed: only an open case is transferred.")]
    elif victim.secondary_victims.filter(exit_date__isnull=True).exists():
        errors["victim"] = [_("Children of this case are still in the shelter: record their exit first.")]
    elif Transfer.objects.filter(victim=victim, status=TransferStatus.PROPOSED).exists():
        errors["victim"] = [_("A transfer of this case is already proposed; cancel it first.")]
    if transfer.date < victim.intake_date:
        errors["date"] = [_("The transfer date cannot be before the intake date.")]
    if errors:
        raise ValidationError(errors)
    consent = valid_consent(victim=victim, purpose=ConsentPurpose.TRANSFER, on=transfer.date)
    if consent is None:
        raise ValidationError(
            {"consent": [_("The victim has no consent to a transfer valid on this date: record it first.")]}
        )
    transfer.consent = consent
    transfer.save()
    audit_in_trails(
        actor=actor, action=AuditAction.CREATE, entries=_both_trails(transfer, sorted(data.keys())), channel=channel
    )
    return transfer


def _claim(*, transfer: Transfer, to: str, actor: User) -> None:
    """Compare-and-set: only a proposed transfer changes state, so of two accepts at once one wins.

    The second waits on the first's row lock, then finds the row no longer proposed."""
    claimed = Transfer.objects.filter(pk=transfer.pk, status=TransferStatus.PROPOSED).update(
        status=to, decided_by=actor, decided_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        current = Transfer.objects.filter(pk=transfer.pk).values_list("status", flat=True).first()
        raise TransferStateConflict(TransferStatus(current).label if current else TransferStatus.CANCELLED.label)
    transfer.status = to
    transfer.decided_by = actor


def _require_side(*, actor: User, transfer: Transfer, receiving: bool) -> None:
    shelters = user_shelter_ids(actor)
    if receiving and transfer.to_shelter_id not in shelters:
        raise PermissionDenied(_("Only the receiving shelter accepts or declines a transfer."))
    if not receiving and transfer.shelter_id not in shelters:
        raise PermissionDenied(_("Only the sending shelter cancels a transfer."))


@transaction.atomic
def transfer_decline(*, actor: User, transfer: Transfer, channel: str = "") -> Transfer:
    _require_side(actor=actor, transfer=transfer, receiving=True)
    _claim(transfer=transfer, to=TransferStatus.DECLINED, actor=actor)
    audit_in_trails(actor=actor, action=AuditAction.CHANGE, entries=_both_trails(transfer, ["status"]), channel=channel)
    return transfer


@transaction.atomic
def transfer_cancel(*, actor: User, transfer: Transfer, channel: str = "") -> Transfer:
    _require_side(actor=actor, transfer=transfer, receiving=False)
    _claim(transfer=transfer, to=TransferStatus.CANCELLED, actor=actor)
    audit_in_trails(actor=actor, action=AuditAction.CHANGE, entries=_both_trails(transfer, ["status"]), channel=channel)
    return transfer


def shared_values(*, victim: Victim, share: list[str]) -> dict[str, Any]:
    """Exactly the shared fields' values, read from the sender's case."""
    allowed = set(ShareableField.values)
    return {name: getattr(victim, name) for name in share if name in allowed}


@transaction.atomic
def transfer_accept(*, actor: User, transfer: Transfer, channel: str = "") -> Transfer:
    """The receiving shelter accepts: its new case, with exactly the shared fields and the transfer's date as
    intake; the sender's case closes that day (exit reason `transferred`) with a referral of kind `transfer`.

    All or nothing: a locked month on either side (409), a consent withdrawn since, a case closed since
    (400 naming the field), or another decision first (409) change nothing.
    """
    _require_side(actor=actor, transfer=transfer, receiving=True)
    # The narrow path: for this transaction only, the door holds the two shelters of the transfer.
    with shelter_scope({transfer.shelter_id, transfer.to_shelter_id}):
        _claim(transfer=transfer, to=TransferStatus.ACCEPTED, actor=actor)
        sent = Victim.objects.select_for_update().filter(pk=transfer.victim_id, shelter_id=transfer.shelter_id).first()
        if sent is None or sent.exit_date is not None:
            raise ValidationError(
                {"victim": [_("The sending shelter's case is closed or gone: the transfer cannot be accepted.")]}
            )
        holds = valid_consent(
            victim=sent, purpose=ConsentPurpose.TRANSFER, on=transfer.date, not_withdrawn_by=timezone.localdate()
        )
        if holds is None:
            raise ValidationError(
                {"consent": [_("The victim's consent to this transfer was withdrawn or has expired.")]}
            )
        month = {transfer.date.replace(day=1)}
        sending = locked_months(shelter_id=transfer.shelter_id, months={sent.intake_date.replace(day=1), *month})
        receiving = locked_months(shelter_id=transfer.to_shelter_id, months=month)
        if sending or receiving:
            raise TransferMonthLocked(sending=sending, receiving=receiving)

        data = {
            **shared_values(victim=sent, share=list(transfer.share)),
            "role": VictimRole.PRIMARY,
            "intake_date": transfer.date,
        }
        received = case_services.victim_create(actor=actor, shelter=transfer.to_shelter, data=data, channel=channel)
        case_services.record_update(
            actor=actor,
            record=sent,
            data={"exit_date": transfer.date, "exit_reason": ExitReason.TRANSFERRED},
            channel=channel,
        )
        case_services.record_create(
            actor=actor,
            model=Referral,
            data={
                "victim": sent,
                "date": transfer.date,
                "kind": ReferralKind.TRANSFER,
                "institution": transfer.to_shelter.name,
            },
            channel=channel,
        )
        Transfer.objects.filter(pk=transfer.pk).update(received_victim=received)
        transfer.received_victim = received
        audit_in_trails(
            actor=actor,
            action=AuditAction.CHANGE,
            entries=_both_trails(transfer, ["received_victim", "status"]),
            channel=channel,
        )
    return transfer
