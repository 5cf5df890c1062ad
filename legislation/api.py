"""States, laws and networks over the API: thin views over `selectors` (who sees what) and `services` (writes).

Every role reads; program staff write. A state's PATCH cites its source and is kept in its history.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from meetings.selectors import Quarter
from proteja_site.api import RESPONSE_400, RESPONSE_401, RESPONSE_403, RESPONSE_404

from . import services
from .filters import NetworkFilter
from .models import FederalLaw, Network, State
from .palermo import PALERMO_ELEMENTS
from .selectors import (
    federal_laws_visible_to,
    may_read_legislation,
    may_write_legislation,
    meetings_per_state,
    networks_visible_to,
    state_changes,
    states_visible_to,
)
from .serializers import (
    FederalLawSerializer,
    NetworkSerializer,
    PalermoElementSerializer,
    StateChangeSerializer,
    StateSerializer,
    StateUpdateSerializer,
)


class LegislationAccess(BasePermission):
    """Every role reads; program staff write; anonymous 401."""

    def has_permission(self, request: Request, view: object) -> bool:
        if request.method in SAFE_METHODS:
            return may_read_legislation(request.user)
        return may_write_legislation(request.user)


ERRORS = {401: RESPONSE_401, 403: RESPONSE_403, 404: RESPONSE_404}


def listed(serializer: type) -> dict:
    """A list's answers: 400 a bad filter or page size, 404 a page past the last."""
    return {200: serializer(many=True), 400: RESPONSE_400, **ERRORS}


def detail(serializer: type) -> dict:
    return {200: serializer, **ERRORS}


def written(serializer: type, status: int = 200) -> dict:
    return {status: serializer, 400: RESPONSE_400, **ERRORS}


QUARTER_PARAMETER = OpenApiParameter(
    "quarter", OpenApiTypes.STR, description="A quarter as YYYY-QN, e.g. 2007-Q4: `meetings` counts its meetings."
)


def quarter_from(request: Request) -> Quarter | None:
    """`?quarter=` read, or None when not given; 400 naming `quarter` when it is not one."""
    text = request.query_params.get("quarter")
    if text is None or text == "":
        return None
    try:
        return Quarter.parse(text)
    except ValueError as error:
        raise ValidationError({"quarter": [_("Give a quarter as YYYY-QN, for example 2007-Q4.")]}) from error


class StateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = StateSerializer
    permission_classes = [LegislationAccess]
    lookup_field = "code"
    lookup_value_regex = "[A-Z]{3}"
    http_method_names = ["get", "patch", "head", "options"]
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[State]:
        return states_visible_to(self.request.user).order_by("name")

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if self.action in ("list", "retrieve"):
            quarter = quarter_from(self.request)
            context["meetings_per_state"] = None if quarter is None else meetings_per_state(quarter)
        return context

    @extend_schema(parameters=[QUARTER_PARAMETER], responses=listed(StateSerializer))
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[QUARTER_PARAMETER], responses={**detail(StateSerializer), 400: RESPONSE_400})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=StateUpdateSerializer, responses=written(StateSerializer))
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        state = self.get_object()
        serializer = StateUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        source = data.pop("source")
        services.state_update(actor=request.user, state=state, data=data, source=source, channel="api")
        state = State.objects.get(pk=state.pk)
        return Response(StateSerializer(state, context={"meetings_per_state": None}).data)

    @extend_schema(responses=listed(StateChangeSerializer))
    @action(detail=True, methods=["get"], serializer_class=StateChangeSerializer)
    def changes(self, request: Request, code: str | None = None) -> Response:
        """Every change to the state, newest first: who, when, the source cited, each field's old and new value."""
        state = self.get_object()
        page = self.paginate_queryset(state_changes(state))
        return self.get_paginated_response(StateChangeSerializer(page, many=True).data)


@extend_schema_view(list=extend_schema(responses=listed(PalermoElementSerializer)))
class PalermoElementViewSet(viewsets.GenericViewSet):
    """The Palermo Protocol elements a law is checked against, with English and Spanish labels, in order."""

    serializer_class = PalermoElementSerializer
    permission_classes = [LegislationAccess]
    filter_backends: list = []

    def get_queryset(self) -> list:  # type: ignore[override]
        return PALERMO_ELEMENTS

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(PALERMO_ELEMENTS)
        return self.get_paginated_response(PalermoElementSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(responses=listed(FederalLawSerializer)),
    retrieve=extend_schema(responses=detail(FederalLawSerializer)),
)
class FederalLawViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FederalLawSerializer
    permission_classes = [LegislationAccess]
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[FederalLaw]:
        return federal_laws_visible_to(self.request.user).order_by("tip_law_date", "id")


@extend_schema_view(
    list=extend_schema(responses=listed(NetworkSerializer)),
    retrieve=extend_schema(responses=detail(NetworkSerializer)),
    create=extend_schema(responses=written(NetworkSerializer, 201)),
    partial_update=extend_schema(responses=written(NetworkSerializer)),
    destroy=extend_schema(responses={204: None, **ERRORS}),
)
class NetworkViewSet(viewsets.ModelViewSet):
    serializer_class = NetworkSerializer
    permission_classes = [LegislationAccess]
    filterset_class = NetworkFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Network]:
        return networks_visible_to(self.request.user).prefetch_related("organizations").order_by("name", "id")

    def perform_create(self, serializer: NetworkSerializer) -> None:
        data = dict(serializer.validated_data)
        organizations = data.pop("organizations", [])
        serializer.instance = services.network_create(
            actor=self.request.user, data=data, organizations=organizations, channel="api"
        )

    def perform_update(self, serializer: NetworkSerializer) -> None:
        data = dict(serializer.validated_data)
        organizations = data.pop("organizations", None)
        serializer.instance = services.network_update(
            actor=self.request.user, network=serializer.instance, data=data, organizations=organizations, channel="api"
        )
        # The response shows the organizations as saved, not a stale prefetch.
        serializer.instance._prefetched_objects_cache = {}

    def perform_destroy(self, instance: Network) -> None:
        services.network_delete(actor=self.request.user, network=instance, channel="api")
