"""JSON shapes of shelters and case records (api-v1.md).

Serializers parse types and shapes only: dates, choices, lengths, ids. Every rule
about a record (dates against intake and exit, secondary victims, exploitation
types...) lives once, in the models' `clean()` and validators, which
`shelters.services` runs; so model validators are not copied onto these fields.

Links to other records go through `VisibleRecordField` and `VisibleShelterField`:
naming a record of another shelter answers 404, exactly as reading it would.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from django.db.models import Model
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.relations import ManyRelatedField

from proteja_site.api import MonthField

from .models import (
    CaseRecord,
    ExploitationType,
    FollowUp,
    LegalAction,
    Referral,
    Service,
    Shelter,
    Training,
    Victim,
)
from .selectors import case_shelters_of, records_visible_to, single_case_shelter

# Where a view puts records it already fetched for a bulk POST: {model: {id: record}}.
LINKED_RECORDS = "linked_records"
# Where a list view puts the slugs of the user's shelters, {id: slug}, so rows need no shelter join.
SHELTER_SLUGS = "shelter_slugs"


class RecordNotFound(NotFound):
    """A 404 for a case record asked for by URL or named as a link: the API audits it as a refusal.

    `record_id` is the id asked for (a UUID, or a shelter's id), or "" when it named nothing.
    """

    def __init__(self, detail: Any = None, *, record_type: str, record_id: Any = "") -> None:
        super().__init__(detail)
        self.record_type = record_type
        self.record_id = record_id


class VisibleRecordField(serializers.PrimaryKeyRelatedField):
    """A link by UUID to a case record the requesting user may see.

    A well-formed id that names no visible record, whether it does not exist or is
    another shelter's, answers 404 (NotFound) rather than 400: the contract treats a
    link like a read. A view may pre-fetch the linked records of a bulk POST into
    `context[LINKED_RECORDS]`, so a list of 1,000 items costs one query, not 1,000.
    """

    default_error_messages = {
        "incorrect_type": "Give the id (a UUID) of a {model_name}.",
        "invalid": "“{value}” is not a valid id (a UUID).",
    }

    def __init__(self, model: type[CaseRecord], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("queryset", model.objects.all())
        kwargs.setdefault("pk_field", serializers.UUIDField())
        super().__init__(**kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        request = self.context.get("request")
        queryset = records_visible_to(request.user, self.model) if request else self.model.objects.none()
        # The rules that read a linked record never read its personal fields: leave them encrypted.
        return queryset.select_related("shelter").defer(*self.model.personal_fields)

    def to_internal_value(self, data: Any) -> Model:
        pk = parse_record_id(data)
        if pk is None:
            if not isinstance(data, str):
                self.fail("incorrect_type", model_name=self.model._meta.verbose_name)
            self.fail("invalid", value=data)
        prefetched = self.context.get(LINKED_RECORDS, {}).get(self.model)
        if prefetched is not None:
            record = prefetched.get(pk)
        else:
            record = self.get_queryset().filter(pk=pk).first()
        if record is None:
            raise RecordNotFound(
                f"{self.field_name}: no {self.model._meta.verbose_name} with this id.",
                record_type=self.model._meta.model_name,
                record_id=pk,
            )
        return record


def parse_record_id(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class VisibleShelterField(serializers.SlugRelatedField):
    """A shelter named by slug, among the user's own shelters; any other slug answers 404."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "slug")
        kwargs.setdefault("queryset", Shelter.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        request = self.context.get("request")
        return case_shelters_of(request.user) if request else Shelter.objects.none()

    def get_attribute(self, instance: Model) -> Any:
        slugs = self.context.get(SHELTER_SLUGS)
        if slugs is not None and getattr(instance, "shelter_id", None) in slugs:
            return slugs[instance.shelter_id]
        return super().get_attribute(instance)

    def to_representation(self, value: Any) -> str:
        return value if isinstance(value, str) else value.slug

    def to_internal_value(self, data: Any) -> Shelter:
        if not isinstance(data, str) or not data:
            self.fail("invalid")
        # A slug with a NUL byte names no shelter (and PostgreSQL refuses to compare it).
        shelter = None if "\x00" in data else self.get_queryset().filter(slug=data).first()
        if shelter is None:
            # The refusal names the shelter by id when there is one (a slug typed by the client is not kept).
            other = None if "\x00" in data else Shelter.objects.filter(slug=data).values_list("pk", flat=True).first()
            raise RecordNotFound(
                f"{self.field_name}: no shelter “{data}” among yours.", record_type="shelter", record_id=other or ""
            )
        return shelter


@extend_schema_field(OpenApiTypes.STR)
class RecordShelterField(serializers.Field):
    """A record's shelter slug, read-only, taken from whichever shelter object is already loaded."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        kwargs.setdefault("help_text", "The shelter's slug (the victim's shelter).")
        super().__init__(**kwargs)

    def get_attribute(self, instance: CaseRecord) -> str:
        slugs = self.context.get(SHELTER_SLUGS)
        if slugs is not None and instance.shelter_id in slugs:
            return slugs[instance.shelter_id]
        model = type(instance)
        if model.shelter.is_cached(instance):
            return instance.shelter.slug
        victim = instance._state.fields_cache.get("victim")
        if victim is not None and Victim.shelter.is_cached(victim) and victim.shelter_id == instance.shelter_id:
            return victim.shelter.slug
        return instance.shelter.slug

    def to_representation(self, value: str) -> str:
        return value


class PersonalTextField(serializers.CharField):
    """An encrypted personal text: empty is stored as NULL, shown as ""."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return super().to_internal_value(data) if data is not None else ""

    def to_representation(self, value: Any) -> str:
        return "" if value is None else str(value)


class BlankPersonalTextField(PersonalTextField):
    """An encrypted text that was a plain column answering "" when empty (a legal action's reference, a
    follow-up's method): it still answers "", where the other personal texts answer null."""

    def get_attribute(self, instance: Any) -> Any:
        # DRF answers null for a None attribute without asking to_representation.
        value = super().get_attribute(instance)
        return "" if value is None else value


class ShelterDefaultMixin:
    """`shelter` may be left out on create when the user belongs to exactly one shelter."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)  # type: ignore[misc]
        if self.instance is None and "shelter" not in attrs:  # type: ignore[attr-defined]
            shelter = single_case_shelter(self.context["request"].user)  # type: ignore[attr-defined]
            if shelter is None:
                raise serializers.ValidationError(
                    {"shelter": ["This field is required: you belong to more than one shelter."]}
                )
            attrs["shelter"] = shelter
        return attrs


COUNTRY_CHOICES = [(code, str(name)) for code, name in countries]


class CountryCodeField(serializers.ChoiceField):
    """An ISO 3166-1 alpha-2 code. DRF deep-copies declared fields for every serializer it builds:
    the 250 choices are set here rather than passed in, so that copy stays cheap."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=COUNTRY_CHOICES, **kwargs)


# Fields that hold another field bound to them (a list's child, a nested serializer): copied whole.
_FIELDS_WITH_CHILDREN = (serializers.BaseSerializer, serializers.ListField, serializers.DictField, ManyRelatedField)


def _unbound_copy(prototype: serializers.Field) -> serializers.Field:
    """A copy of a never-bound prototype field for one serializer, as DRF's deepcopy gives.

    DRF's deepcopy builds the field again from its arguments (a choice field works out its choices
    again, 250 for a country; VictimSerializer's fields cost 0.35 ms a request that way, 0.04 ms so).
    A prototype is never bound and nothing changes a field's arguments, choices, messages or validators
    after it is built; binding sets the copy's own name, parent, label and source. A field holding a
    bound child would share it, so those are built again as DRF does.
    """
    if isinstance(prototype, _FIELDS_WITH_CHILDREN):
        return copy.deepcopy(prototype)
    return copy.copy(prototype)


class ShapeOnlyModelSerializer(serializers.ModelSerializer):
    """Field types, choices and lengths from the model; its validators run once, in `full_clean()`.

    ModelSerializer inspects the model again for every serializer it builds (several
    milliseconds a request); the fields depend only on the class, so they are
    worked out once per class and copied for each use (`_unbound_copy`).
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        prototypes = type(self).__dict__.get("_prototype_fields")
        if prototypes is None:
            prototypes = super().get_fields()
            type(self)._prototype_fields = prototypes
        return {name: _unbound_copy(field) for name, field in prototypes.items()}

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        field_kwargs.pop("validators", None)
        return field_class, field_kwargs


class ShelterSerializer(ShapeOnlyModelSerializer):
    agreement_start = MonthField(
        required=False, allow_null=True, help_text="The month the agreement started, as YYYY-MM."
    )

    class Meta:
        model = Shelter
        fields = ["id", "slug", "name", "city", "state", "agreement_number", "agreement_start"]
        extra_kwargs = {
            "state": {"help_text": "ISO 3166-2:MX code without the MX- prefix, e.g. CMX, NLE, ROO."},
        }


class VictimSerializer(ShelterDefaultMixin, ShapeOnlyModelSerializer):
    shelter = VisibleShelterField(
        required=False, help_text="The shelter's slug; may be left out when you belong to one shelter."
    )
    primary_victim = VisibleRecordField(
        Victim,
        required=False,
        allow_null=True,
        help_text="Id of the primary victim: required for, and only for, a secondary victim (same shelter).",
    )
    nationality = CountryCodeField(required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2 code, or empty.")
    exploitation_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ExploitationType.choices),
        required=False,
        help_text="At least one when tip_victim, none otherwise.",
    )
    given_name = PersonalTextField(max_length=100)
    family_name = PersonalTextField(max_length=100)
    notes = PersonalTextField(max_length=5000)

    class Meta:
        model = Victim
        fields = [
            "id",
            "shelter",
            "case_code",
            "role",
            "primary_victim",
            "sex",
            "birth_year",
            "nationality",
            "tip_victim",
            "exploitation_types",
            "intake_date",
            "exit_date",
            "exit_reason",
            "given_name",
            "family_name",
            "notes",
        ]
        read_only_fields = ["case_code"]
        extra_kwargs = {
            "exit_reason": {"help_text": "Required with, and only with, exit_date; empty when there is no exit."},
            "tip_victim": {"help_text": "A victim of trafficking in persons; primary victims only."},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is not None and "shelter" in attrs and attrs["shelter"].pk != self.instance.shelter_id:
            # Records follow their victim's shelter; a move would leave them behind. A transfer is a referral.
            raise serializers.ValidationError({"shelter": ["A victim stays in the shelter that took them in."]})
        return attrs

    def to_representation(self, instance: Victim) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["nationality"] = str(instance.nationality or "")
        data["exploitation_types"] = sorted(data["exploitation_types"] or [])
        return data


class VictimRecordSerializer(ShapeOnlyModelSerializer):
    """What services, referrals, legal actions and follow-ups share: the victim link and its shelter."""

    victim = VisibleRecordField(Victim, help_text="The victim's id; a victim of another shelter answers 404.")
    shelter = RecordShelterField()

    class Meta:
        fields = ["id", "shelter", "victim", "date"]


class ServiceSerializer(VictimRecordSerializer):
    notes = PersonalTextField(max_length=5000)

    class Meta(VictimRecordSerializer.Meta):
        model = Service
        fields = [*VictimRecordSerializer.Meta.fields, "category", "notes"]
        extra_kwargs = {"date": {"help_text": "Not before the intake, not after the exit, not in the future."}}


class ReferralSerializer(VictimRecordSerializer):
    reason = PersonalTextField(max_length=2000)

    class Meta(VictimRecordSerializer.Meta):
        model = Referral
        fields = [*VictimRecordSerializer.Meta.fields, "kind", "institution", "reason"]


class LegalActionSerializer(VictimRecordSerializer):
    reference = BlankPersonalTextField(max_length=100)
    notes = PersonalTextField(max_length=5000)

    class Meta(VictimRecordSerializer.Meta):
        model = LegalAction
        fields = [*VictimRecordSerializer.Meta.fields, "kind", "crime", "reference", "notes"]


class FollowUpSerializer(VictimRecordSerializer):
    victim = VisibleRecordField(Victim, help_text="A victim who has left the shelter; of another shelter: 404.")
    method = BlankPersonalTextField(max_length=100)
    notes = PersonalTextField(max_length=5000)

    class Meta(VictimRecordSerializer.Meta):
        model = FollowUp
        fields = [*VictimRecordSerializer.Meta.fields, "method", "notes"]
        extra_kwargs = {"date": {"help_text": "After the victim's exit date."}}


class TrainingSerializer(ShelterDefaultMixin, ShapeOnlyModelSerializer):
    shelter = VisibleShelterField(
        required=False, help_text="The shelter's slug; may be left out when you belong to one shelter."
    )

    class Meta:
        model = Training
        fields = ["id", "shelter", "date", "institution", "sector", "attendees", "topic"]
