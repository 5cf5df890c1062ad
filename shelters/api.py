"""REST API v1 for shelters and case records (api-v1.md).

Views are thin: they read through `shelters.selectors` (another shelter's record is
simply absent: 404), parse with `shelters.serializers`, and write through
`shelters.services`, which validates with the models' own rules, audits, refuses
locked months (409) and queues recomputes. Every response that shows personal
fields writes one audit VIEW entry per record, in one INSERT per request.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from proteja_site.api import (
    RESPONSE_400,
    RESPONSE_400_BULK,
    RESPONSE_401,
    RESPONSE_403,
    RESPONSE_404,
    RESPONSE_409,
    bulk_error_detail,
)

from . import services
from .audit import audit_views
from .filters import (
    FollowUpFilterSet,
    LegalActionFilterSet,
    ReferralFilterSet,
    ServiceFilterSet,
    TrainingFilterSet,
    VictimFilterSet,
)
from .models import CaseRecord, FollowUp, LegalAction, Referral, Service, Shelter, Training, Victim
from .permissions import CanSeeCaseRecords, ReadAnyRoleWriteProgramStaff
from .refusals import record_refusal
from .selectors import CaseShelters, case_shelters_read, records_visible_to, victims_visible_to
from .serializers import (
    LINKED_RECORDS,
    SHELTER_SLUGS,
    FollowUpSerializer,
    LegalActionSerializer,
    RecordNotFound,
    ReferralSerializer,
    ServiceSerializer,
    ShelterSerializer,
    TrainingSerializer,
    VictimSerializer,
    parse_record_id,
)

CHANNEL = "api"


class CaseRecordViewSet(viewsets.ModelViewSet):
    """One kind of case record, scoped to the user's shelters. Subclasses name the model."""

    model: type[CaseRecord]
    permission_classes = [CanSeeCaseRecords]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Services, referrals and legal actions also take a JSON list of up to 1,000 records.
    accepts_lists = False

    def get_queryset(self) -> QuerySet[CaseRecord]:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        # The shelter is joined for its slug.
        return self.visible_records().select_related("shelter")

    def visible_records(self, shelters: CaseShelters | None = None) -> QuerySet[CaseRecord]:
        # The id tie-break keeps pages stable.
        return records_visible_to(self.request.user, self.model, shelters=shelters).order_by(
            *self.model._meta.ordering, "id"
        )

    def get_object(self) -> CaseRecord:
        # List filters do not apply to a single record.
        try:
            record = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        except Http404 as exc:
            raise RecordNotFound(record_type=self.model._meta.model_name, record_id=self.kwargs["pk"]) from exc
        self.check_object_permissions(self.request, record)
        return record

    def handle_exception(self, exc: Exception) -> Response:
        """Every refusal is audited: 401 and 403 for the endpoint, 404 for a record asked for or named as a link.

        Only here, on the way out of a refused request: a successful one costs no query more.
        """
        response = super().handle_exception(exc)
        if isinstance(exc, RecordNotFound):
            record_type, record_id = exc.record_type, exc.record_id
        elif response.status_code in (status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN):
            record_type, record_id = self.model._meta.model_name, self.kwargs.get("pk", "")
        else:
            return response
        request = self.request
        record_refusal(
            request._request,
            # Set only once authentication ran (as AnonymousUser when it failed); never authenticate again here.
            actor=getattr(request, "_user", None),
            record_type=record_type,
            record_id=record_id,
            status=response.status_code,
            channel=CHANNEL,
        )
        return response

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The user's shelters, read once: as a literal list, PostgreSQL walks the (shelter, date) index in
        # page order instead of sorting every row of the shelter (100,000 services: 2 ms per page instead
        # of 100) and counts them faster than through the memberships' subquery. The same query gives the
        # shelters' slugs, so the rows need no shelter join.
        shelters = case_shelters_read(request.user)
        page = self.paginate_queryset(self.filter_queryset(self.visible_records(shelters)))
        audit_views(actor=request.user, records=page, channel=CHANNEL)
        context = {**self.get_serializer_context(), SHELTER_SLUGS: shelters.slugs}
        return self.get_paginated_response(self.get_serializer_class()(page, many=True, context=context).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        audit_views(actor=request.user, records=[record], channel=CHANNEL)
        return Response(self.get_serializer(record).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if isinstance(request.data, list):
            if not self.accepts_lists:
                raise ValidationError({"non_field_errors": ["Send one record, as a JSON object."]})
            return self.create_many(request.data)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = self.create_record(dict(serializer.validated_data))
        # No VIEW entry: the answer shows only what the caller just sent (the CREATE entry covers it).
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    def create_record(self, data: dict[str, Any]) -> CaseRecord:
        return services.record_create(actor=self.request.user, model=self.model, data=data, channel=CHANNEL)

    def create_many(self, items: list[Any]) -> Response:
        if not items:
            raise ValidationError({"non_field_errors": ["Send at least one record."]})
        if len(items) > services.BULK_CREATE_LIMIT:
            raise ValidationError({"non_field_errors": [f"At most {services.BULK_CREATE_LIMIT} records at once."]})
        # The user's shelters, {id: slug}: the victims are read without a shelter join, the answer takes slugs here.
        shelters = case_shelters_read(self.request.user)
        context = {**self.get_serializer_context(), SHELTER_SLUGS: shelters.slugs}
        context[LINKED_RECORDS] = {Victim: self.victims_named_in(items, shelters=shelters)}
        serializer = self.get_serializer_class()(data=items, many=True, context=context)
        if not serializer.is_valid():
            errors = serializer.errors
            # DRF gives either a list aligned with the input or a mapping of failed indexes.
            if isinstance(errors, list):
                item_errors = {index: item for index, item in enumerate(errors) if item}
            elif errors and all(str(key).isdigit() for key in errors):
                item_errors = {int(key): item for key, item in errors.items()}
            else:
                raise ValidationError(errors)
            return Response(bulk_error_detail(item_errors), status=status.HTTP_400_BAD_REQUEST)
        records = services.records_create_bulk(
            actor=self.request.user,
            model=self.model,
            items=[dict(item) for item in serializer.validated_data],
            channel=CHANNEL,
        )
        # As DRF's save() does: the validated serializer shows what was created (its fields are built).
        serializer.instance = records
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def victims_named_in(self, items: list[Any], *, shelters: CaseShelters) -> dict[Any, Victim]:
        """All the visible victims a bulk POST names, in one query (ids of other shelters are left out: 404).

        Only the victim fields the records' rules read are loaded; personal fields stay encrypted and unread.
        """
        ids = {parse_record_id(item.get("victim")) for item in items if isinstance(item, dict)} - {None}
        if not ids:
            return {}
        victims = (
            victims_visible_to(self.request.user, shelters=shelters)
            .filter(pk__in=ids)
            .only(*self.model.victim_fields_read)
            .order_by()
        )
        return {victim.pk: victim for victim in victims}

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        record = services.record_update(
            actor=request.user, record=record, data=dict(serializer.validated_data), channel=CHANNEL
        )
        audit_views(actor=request.user, records=[record], channel=CHANNEL)
        return Response(self.get_serializer(record).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.record_delete(actor=request.user, record=self.get_object(), channel=CHANNEL)
        return Response(status=status.HTTP_204_NO_CONTENT)


def bulk_body(serializer: type[BaseSerializer], name: str) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name=name,
        serializers=[serializer, serializer(many=True)],
        resource_type_field_name=None,
        many=False,
    )


def case_record_schema(
    serializer: type[BaseSerializer], plural: str, *, accepts_lists: bool = False, put: bool = False
) -> Any:
    """The OpenAPI description of a case-record endpoint, with every error it answers."""
    common = {401: RESPONSE_401, 403: RESPONSE_403, 404: RESPONSE_404}
    if accepts_lists:
        name = serializer.Meta.model.__name__
        create = extend_schema(
            summary=f"Create one {plural[:-1]}, or up to 1,000 {plural} at once (all or none)",
            description=(
                "Send one JSON object, or a JSON list of up to 1,000; a list is saved all or none and a 400 "
                'says which items failed as `{"items": {"<index>": {field: [sentences]}}}`.'
            ),
            request=bulk_body(serializer, f"{name}OrList"),
            responses={201: bulk_body(serializer, f"{name}OrListCreated"), 400: RESPONSE_400_BULK, 409: RESPONSE_409}
            | common,
        )
    else:
        create = extend_schema(responses={201: serializer, 400: RESPONSE_400, 409: RESPONSE_409} | common)
    views = {
        "list": extend_schema(
            summary=f"List the {plural} of your shelters",
            responses={200: serializer(many=True), 400: RESPONSE_400} | common,
        ),
        "retrieve": extend_schema(responses={200: serializer} | common),
        "create": create,
        "partial_update": extend_schema(responses={200: serializer, 400: RESPONSE_400, 409: RESPONSE_409} | common),
        "destroy": extend_schema(responses={204: None, 400: RESPONSE_400, 409: RESPONSE_409} | common),
    }
    if put:
        views["update"] = extend_schema(responses={200: serializer, 400: RESPONSE_400, 409: RESPONSE_409} | common)
    return extend_schema_view(**views)


@case_record_schema(VictimSerializer, "victims", put=True)
class VictimViewSet(CaseRecordViewSet):
    """Victims of your shelters. Reading one writes an audit entry (given_name, family_name and notes are personal)."""

    model = Victim
    serializer_class = VictimSerializer
    filterset_class = VictimFilterSet
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def create_record(self, data: dict[str, Any]) -> CaseRecord:
        shelter = data.pop("shelter")
        return services.victim_create(actor=self.request.user, shelter=shelter, data=data, channel=CHANNEL)


@case_record_schema(ServiceSerializer, "services", accepts_lists=True)
class ServiceViewSet(CaseRecordViewSet):
    """Services given to your shelters' victims. POST also takes a JSON list of up to 1,000, saved all or none."""

    model = Service
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet
    accepts_lists = True


@case_record_schema(ReferralSerializer, "referrals", accepts_lists=True)
class ReferralViewSet(CaseRecordViewSet):
    """Referrals and transfers of your shelters' victims. POST also takes a JSON list of up to 1,000."""

    model = Referral
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilterSet
    accepts_lists = True


@case_record_schema(LegalActionSerializer, "legal actions", accepts_lists=True)
class LegalActionViewSet(CaseRecordViewSet):
    """Legal actions for your shelters' victims. POST also takes a JSON list of up to 1,000."""

    model = LegalAction
    serializer_class = LegalActionSerializer
    filterset_class = LegalActionFilterSet
    accepts_lists = True


@case_record_schema(FollowUpSerializer, "follow-ups")
class FollowUpViewSet(CaseRecordViewSet):
    """Follow-ups of victims who have left your shelters, dated after their exit."""

    model = FollowUp
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilterSet


@case_record_schema(TrainingSerializer, "trainings")
class TrainingViewSet(CaseRecordViewSet):
    """TIP sensitivity trainings your shelters gave to other institutions' personnel."""

    model = Training
    serializer_class = TrainingSerializer
    filterset_class = TrainingFilterSet


SHELTER_ERRORS = {401: RESPONSE_401, 403: RESPONSE_403}


@extend_schema_view(
    list=extend_schema(
        summary="List all shelters (every role)",
        responses={200: ShelterSerializer(many=True), 400: RESPONSE_400, 404: RESPONSE_404} | SHELTER_ERRORS,
    ),
    retrieve=extend_schema(responses={200: ShelterSerializer, 404: RESPONSE_404} | SHELTER_ERRORS),
    create=extend_schema(
        summary="Add a shelter (program staff)", responses={201: ShelterSerializer, 400: RESPONSE_400} | SHELTER_ERRORS
    ),
    partial_update=extend_schema(
        summary="Change a shelter (program staff)",
        responses={200: ShelterSerializer, 400: RESPONSE_400, 404: RESPONSE_404} | SHELTER_ERRORS,
    ),
)
class ShelterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Shelters are not personal data: every signed-in role reads all of them; program staff change them."""

    queryset = Shelter.objects.all()
    serializer_class = ShelterSerializer
    permission_classes = [ReadAnyRoleWriteProgramStaff]
    lookup_field = "slug"
    # Only what a slug may hold reaches the database; anything else is a plain 404.
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filterset_fields = ["state"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shelter = services.shelter_create(actor=request.user, data=serializer.validated_data)
        return Response(self.get_serializer(shelter).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shelter = self.get_object()
        serializer = self.get_serializer(shelter, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        shelter = services.shelter_update(actor=request.user, shelter=shelter, data=serializer.validated_data)
        return Response(self.get_serializer(shelter).data)
