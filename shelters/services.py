"""Writes to case records: atomic, validated by the models' own rules, audited,
refused in locked months, and leaving (in the same transaction) a request to recompute
the shelter's affected Annex 2 months in the outbox (`shelters.outbox`), which `indicators` drains.

Callers (API, web forms, admin, imports) have already fetched any record they
change through `shelters.selectors`, so access is decided before we get here.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Model, Q, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_shelter_change, audit_write, audit_writes
from .blind_index import index_values
from .locks import refuse_locked
from .models import (
    AuditAction,
    CaseRecord,
    FollowUp,
    LegalAction,
    Referral,
    Service,
    Shelter,
    Training,
    User,
    Victim,
    VictimRecord,
    validate_follow_up_plan,
)
from .months import months_between
from .outbox import request_recompute
from .selectors import assignable_staff, is_coordinator_of

RecordT = TypeVar("RecordT", bound=CaseRecord)

BULK_CREATE_LIMIT = 1000


class BulkValidationError(ValidationError):
    """Some items of a bulk create are invalid: `item_errors` maps item index to its field errors."""

    def __init__(self, item_errors: dict[int, dict[str, list[str]]]) -> None:
        self.item_errors = item_errors
        super().__init__("Some items are invalid; nothing was saved.")


def _check_unlocked(*, shelter_id: int, months: Iterable[date]) -> None:
    refuse_locked(shelter_id=shelter_id, months=months)


def _months_to_recompute(record: CaseRecord) -> set[date]:
    """A victim counts in every month they are open (still open: up to this month); other records in their own."""
    if isinstance(record, Victim):
        last = record.exit_date or max(timezone.localdate(), record.intake_date)
        return set(months_between(record.intake_date.replace(day=1), last.replace(day=1)))
    return record.touched_months()


def _after_write(*, shelter_id: int, months: set[date]) -> None:
    if months:
        request_recompute(shelter_id=shelter_id, months=months)


@functools.cache
def editable_fields(model: type[Model]) -> frozenset[str]:
    """The fields a write may set: every editable concrete field but the primary key (not case codes, times...)."""
    return frozenset(field.name for field in model._meta.concrete_fields if field.editable and not field.primary_key)


def assign_fields(record: Model, data: Mapping[str, Any], *, allowed: Collection[str] | None = None) -> list[str]:
    """Set the fields of `data` that `allowed` names (default: the model's editable fields); return those that changed.

    The services of every app set fields through this. A relation is compared by id (reading an
    unset one would raise), and a given object is kept as the cached relation, so validation
    reads it without a query. Other names in `data` are left alone.
    """
    allowed = editable_fields(type(record)) if allowed is None else allowed
    changed = []
    for name, value in data.items():
        if name not in allowed:
            continue
        field = record._meta.get_field(name)
        if field.is_relation:
            new_id = value.pk if isinstance(value, Model) else value
            if getattr(record, field.attname) != new_id:
                changed.append(name)
            setattr(record, name if isinstance(value, Model) or value is None else field.attname, value)
            continue
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def _validate(record: CaseRecord) -> None:
    known_shelter = False
    if isinstance(record, VictimRecord) and record.victim_id is not None:
        # A record's shelter is its victim's shelter, whatever the caller sent.
        victim = record.victim
        if Victim.shelter.is_cached(victim):
            record.shelter = victim.shelter
        else:
            record.shelter_id = victim.shelter_id
            # A victim read from the database names a shelter that exists.
            known_shelter = not victim._state.adding
    # Check constraints are repeated in clean(); skipping Django's per-constraint
    # queries keeps a bulk of 1,000 records at a handful of queries. For the same
    # reason a foreign key whose object was loaded from the database is not looked
    # up again (Django's field validation costs one query per key per record).
    exclude = _loaded_relations(record) + (["shelter"] if known_shelter else [])
    record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _loaded_relations(record: CaseRecord) -> list[str]:
    names = []
    for field in record._meta.concrete_fields:
        if field.is_relation and field.is_cached(record):
            related = field.get_cached_value(record)
            if related is not None and not related._state.adding and related.pk == getattr(record, field.attname):
                names.append(field.name)
    return names


def _set_name_index(victim: Victim) -> None:
    """The names' blind index follows the names on every write (the plain names are at hand here)."""
    for name, value in index_values(victim.given_name, victim.family_name).items():
        setattr(victim, name, value)


def _earliest_month(field: str, month: date) -> Least:
    """The shelter's first month of case records, lowered to `month` if that is earlier (or it is unset)."""
    return Least(Coalesce(F(field), Value(month)), Value(month))


def _note_records_from(*, shelter_id: int, months: Iterable[date]) -> None:
    """Annex 2 is computed from a shelter's first month of case records on: a record dated earlier moves it."""
    months = list(months)
    if months:
        first = min(months).replace(day=1)
        Shelter.objects.filter(pk=shelter_id).filter(
            Q(first_records_month__isnull=True) | Q(first_records_month__gt=first)
        ).update(first_records_month=first)


def _next_case_code(shelter: Shelter, intake_month: date) -> str:
    # The row update serialises concurrent intakes at one shelter: no two get a number. The same statement
    # notes the shelter's first month of case records (no query more).
    Shelter.objects.filter(pk=shelter.pk).update(
        last_case_number=F("last_case_number") + 1,
        first_records_month=_earliest_month("first_records_month", intake_month),
    )
    number = Shelter.objects.filter(pk=shelter.pk).values_list("last_case_number", flat=True).get()
    return f"{shelter.case_code_prefix}-{number:05d}"


@transaction.atomic
def victim_create(*, actor: User | None, shelter: Shelter, data: Mapping[str, Any], channel: str = "") -> Victim:
    victim = Victim(shelter=shelter)
    assign_fields(victim, data)
    _validate(victim)
    _set_name_index(victim)
    _check_unlocked(shelter_id=shelter.pk, months=victim.touched_months())
    victim.case_code = _next_case_code(shelter, victim.intake_date.replace(day=1))
    victim.save()
    audit_write(actor=actor, action=AuditAction.CREATE, record=victim, fields=data.keys(), channel=channel)
    _after_write(shelter_id=shelter.pk, months=_months_to_recompute(victim))
    return victim


@transaction.atomic
def record_create(*, actor: User | None, model: type[RecordT], data: Mapping[str, Any], channel: str = "") -> RecordT:
    """Create a service, referral, legal action, follow-up or training."""
    if model is Victim:
        raise TypeError("Use victim_create for victims")
    record = model()
    assign_fields(record, data)
    _validate(record)
    _check_unlocked(shelter_id=record.shelter_id, months=record.touched_months())
    record.save()
    if isinstance(record, Training):
        # A victim's records follow their intake (which noted the month); a training stands alone.
        _note_records_from(shelter_id=record.shelter_id, months=record.touched_months())
    audit_write(actor=actor, action=AuditAction.CREATE, record=record, fields=data.keys(), channel=channel)
    _after_write(shelter_id=record.shelter_id, months=_months_to_recompute(record))
    return record


@transaction.atomic
def records_create_bulk(
    *, actor: User | None, model: type[RecordT], items: list[Mapping[str, Any]], channel: str = ""
) -> list[RecordT]:
    """Create up to 1,000 records of one kind: all of them or, if any is invalid or locked, none."""
    if len(items) > BULK_CREATE_LIMIT:
        raise ValidationError({"non_field_errors": [f"At most {BULK_CREATE_LIMIT} records at once."]})
    records: list[RecordT] = []
    errors: dict[int, dict[str, list[str]]] = {}
    for index, data in enumerate(items):
        record = model()
        assign_fields(record, data)
        try:
            _validate(record)
        except ValidationError as exc:
            errors[index] = exc.message_dict
        records.append(record)
    if errors:
        raise BulkValidationError(errors)

    months_by_shelter: dict[int, set[date]] = {}
    for record in records:
        months_by_shelter.setdefault(record.shelter_id, set()).update(record.touched_months())
    for shelter_id, months in months_by_shelter.items():
        _check_unlocked(shelter_id=shelter_id, months=months)

    created = model.objects.bulk_create(records, batch_size=500)
    if model is Training:
        for shelter_id, months in months_by_shelter.items():
            _note_records_from(shelter_id=shelter_id, months=months)
    fields = sorted({name for data in items for name in data})
    audit_writes(actor=actor, action=AuditAction.CREATE, records=created, fields=fields, channel=channel)
    for shelter_id, months in months_by_shelter.items():
        _after_write(shelter_id=shelter_id, months=months)
    return created


@transaction.atomic
def record_update(*, actor: User | None, record: RecordT, data: Mapping[str, Any], channel: str = "") -> RecordT:
    """Change a case record (victim or any other): only the fields in `data`."""
    months_before = record.touched_months()
    recompute_before = _months_to_recompute(record)
    changed = assign_fields(record, data)
    if not changed:
        return record
    _validate(record)
    _check_unlocked(shelter_id=record.shelter_id, months=months_before | record.touched_months())
    if isinstance(record, Victim):
        _set_name_index(record)
    record.save()
    if "intake_date" in changed or (isinstance(record, Training) and "date" in changed):
        _note_records_from(shelter_id=record.shelter_id, months=record.touched_months())
    audit_write(actor=actor, action=AuditAction.CHANGE, record=record, fields=changed, channel=channel)
    recompute = recompute_before | _months_to_recompute(record)
    if isinstance(record, Victim):
        # Charges count by the victim's TIP status "whether or not served", so also outside the stay.
        recompute |= set(LegalAction.objects.filter(victim=record).dates("date", "month"))
    _after_write(shelter_id=record.shelter_id, months=recompute)
    return record


@transaction.atomic
def victim_exit(
    *,
    actor: User | None,
    victim: Victim,
    exit_date: date,
    exit_reason: str,
    children: Iterable[Victim] = (),
    channel: str = "",
) -> Victim:
    """Record (or correct) a victim's exit and, in the same save, that of the children who leave with them.

    All or nothing: if any child's exit is refused (a rule, a locked month), no exit is saved, and the
    refusal names the child by case code.
    """
    data = {"exit_date": exit_date, "exit_reason": exit_reason}
    record_update(actor=actor, record=victim, data=data, channel=channel)
    refusals: list[str] = []
    for child in children:
        if child.primary_victim_id != victim.pk:
            raise ValidationError({"children": ["Only this victim's own secondary victims can leave with them."]})
        try:
            with transaction.atomic():
                record_update(actor=actor, record=child, data=data, channel=channel)
        except ValidationError as error:
            messages = error.messages
            refusals.extend(f"{child.case_code}: {message}" for message in messages)
    if refusals:
        raise ValidationError({"children": refusals})
    return victim


@transaction.atomic
def record_delete(*, actor: User | None, record: CaseRecord, channel: str = "") -> None:
    """Delete a case record. A victim takes their own records along, so their months must all be unlocked."""
    months = record.touched_months()
    recompute = _months_to_recompute(record)
    dependants: list[CaseRecord] = []
    if isinstance(record, Victim):
        if record.secondary_victims.exists():
            raise ValidationError(
                {"primary_victim": ["Secondary victims are linked to this victim; delete or relink them first."]}
            )
        for model in (Service, Referral, LegalAction, FollowUp):
            dependants.extend(model.objects.filter(victim=record))
        for dependant in dependants:
            months |= dependant.touched_months()
        recompute |= months
    _check_unlocked(shelter_id=record.shelter_id, months=months)
    audit_writes(actor=actor, action=AuditAction.DELETE, records=dependants, channel=channel)
    audit_write(actor=actor, action=AuditAction.DELETE, record=record, channel=channel)
    record.delete()
    _after_write(shelter_id=record.shelter_id, months=recompute)


@transaction.atomic
def shelter_create(*, actor: User | None, data: Mapping[str, Any]) -> Shelter:
    """Program staff add a shelter. Shelters hold no personal data, so no audit entry."""
    shelter = Shelter()
    assign_fields(shelter, data)
    shelter.full_clean()
    shelter.save()
    return shelter


@transaction.atomic
def shelter_update(*, actor: User | None, shelter: Shelter, data: Mapping[str, Any]) -> Shelter:
    changed = assign_fields(shelter, data)
    if changed:
        shelter.full_clean()
        shelter.save(update_fields=changed)
    return shelter


# --- Assignment and the follow-up plan --------------------------------------------------------------------------


@transaction.atomic
def case_assign(*, actor: User, victim: Victim, assignee: User | None, channel: str = "") -> Victim:
    """A coordinator of the case's shelter puts a caseworker (or coordinator) of that shelter in charge, or nobody.

    Not a change of the record's dated facts, so a locked month does not stop it and Annex 2 is not recomputed.
    """
    if not is_coordinator_of(actor, victim.shelter_id):
        raise PermissionDenied(_("Only a coordinator of the shelter assigns its cases."))
    if assignee is not None and not assignable_staff(victim.shelter).filter(pk=assignee.pk).exists():
        raise ValidationError({"assigned_to": [_("Choose a caseworker or coordinator of this shelter.")]})
    if victim.assigned_to_id == (assignee.pk if assignee else None):
        return victim
    victim.assigned_to = assignee
    victim.save(update_fields=["assigned_to", "updated_at"])
    audit_write(actor=actor, action=AuditAction.CHANGE, record=victim, fields=["assigned_to"], channel=channel)
    return victim


@transaction.atomic
def follow_up_plan_set(*, actor: User, shelter: Shelter, months: list[int], channel: str = "") -> Shelter:
    """A coordinator sets the months after an exit at which the shelter's follow-ups fall due."""
    if not is_coordinator_of(actor, shelter.pk):
        raise PermissionDenied(_("Only a coordinator of the shelter changes its follow-up plan."))
    months = sorted(set(months))
    if shelter.follow_up_plan == months:
        return shelter
    try:
        validate_follow_up_plan(months)
    except ValidationError as error:
        raise ValidationError({"follow_up_plan": error.messages}) from error
    shelter.follow_up_plan = months
    shelter.save(update_fields=["follow_up_plan"])
    audit_shelter_change(actor=actor, shelter=shelter, fields=["follow_up_plan"], channel=channel)
    return shelter
