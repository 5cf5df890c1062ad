"""API plumbing shared by every app: errors as the contract wants them, months, and
the error bodies the OpenAPI schema documents."""

from __future__ import annotations

import logging
import re
import sys
from datetime import date
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from shelters.exceptions import MonthLocked


def validation_error_detail(error: DjangoValidationError) -> dict[str, Any] | list[Any]:
    """A Django ValidationError as DRF's field -> messages mapping (non-field errors under `non_field_errors`)."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


def bulk_error_detail(item_errors: dict[int, Any]) -> dict[str, Any]:
    """Which items of a bulk POST failed: `{"items": {"<index>": {field: [messages]}}}`, indexes from 0."""
    detail: dict[str, Any] = {}
    for index, errors in sorted(item_errors.items()):
        if isinstance(errors, DjangoValidationError):
            errors = validation_error_detail(errors)
        elif isinstance(errors, dict):
            errors = {("non_field_errors" if field == "__all__" else field): msgs for field, msgs in errors.items()}
        detail[str(index)] = errors
    return {"items": detail}


# Half of a UTF-16 pair: valid in a JSON string ("\\ud800"), but no UTF-8 encodes it, so an error message that
# quotes the bad input (an unknown choice, an unknown key) could not be rendered: a 500 instead of the 400.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _renderable(data: Any) -> Any:
    """The error's data with every lone surrogate, in keys and messages, shown as U+FFFD."""
    if isinstance(data, str):
        return _LONE_SURROGATE.sub("\ufffd", data) if _LONE_SURROGATE.search(data) else data
    if isinstance(data, dict):
        return {_renderable(key): _renderable(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_renderable(value) for value in data]
    return data


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _exception_response(exc, context)
    if response is not None and response.data is not None:
        response.data = _renderable(response.data)
    return response


def _exception_response(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, MonthLocked):
        return Response(
            {"detail": str(exc), "months": [f"{month:%Y-%m}" for month in exc.months]},
            status=status.HTTP_409_CONFLICT,
        )
    item_errors = getattr(exc, "item_errors", None)
    if isinstance(exc, DjangoValidationError) and item_errors is not None:
        # shelters.services.BulkValidationError: nothing was saved; say which items failed.
        return Response(bulk_error_detail(item_errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(detail=validation_error_detail(exc))
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        # Django's own bounds on a form body (DATA_UPLOAD_MAX_NUMBER_FIELDS...): a bare HTML "Bad Request"
        # otherwise; the API says what was wrong, in JSON like every other refusal.
        return Response(
            {"detail": "The request body has too many fields or files, or is too large; send the record as JSON."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, IntegrityError):
        # A constraint the validation layer should have caught first; never a 500.
        return Response(
            {"non_field_errors": ["The record conflicts with the data already stored."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)


MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
# No case record, agreement or meeting is dated before 1900 (shelters.models.EARLIEST_DATE), so no month
# before it means anything; four digits give the upper bound, 9999-12, the last month `date` holds.
EARLIEST_MONTH_YEAR = 1900
# Every month a URL, a filter, a body or a form takes is refused with these words, naming the parameter.
MONTH_INVALID = gettext_lazy("Give a month as YYYY-MM, from 1900-01 to 9999-12.")


def parse_month(value: object) -> date | None:
    """`YYYY-MM` from 1900-01 on as the first day of that month, or None when it is not such a month."""
    match = MONTH_PATTERN.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < EARLIEST_MONTH_YEAR:
        return None
    return date(year, month, 1)


@extend_schema_field({"type": "string", "pattern": r"^(19|[2-9]\d)\d{2}-(0[1-9]|1[0-2])$", "example": "2007-10"})
class MonthField(serializers.Field):
    """A month as `YYYY-MM` in JSON, stored as the first day of the month."""

    default_error_messages = {"invalid": MONTH_INVALID}

    def to_internal_value(self, data: Any) -> date:
        month = parse_month(data)
        if month is None:
            self.fail("invalid")
        return month

    def to_representation(self, value: date) -> str:
        return f"{value:%Y-%m}"


# Error bodies, for the OpenAPI schema only.


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")


class MonthLockedSerializer(ErrorDetailSerializer):
    months = serializers.ListField(child=serializers.CharField(), help_text="The locked months, as YYYY-MM.")


FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": (
        "Bad input: each key names a field (or a filter, or `non_field_errors`, or `detail` for a body that is "
        "not JSON) and holds a list of sentences. Nothing was saved."
    ),
    "additionalProperties": {"oneOf": [{"type": "array", "items": {}}, {"type": "string"}, {"type": "object"}]},
    "example": {"intake_date": ["Intake date cannot be in the future."]},
}

BULK_ERRORS_SCHEMA = {
    "type": "object",
    "description": (
        "Bad input. For a single record: field name -> list of sentences. For a list of records: "
        '`{"items": {"<index>": {field: [sentences]}}}` naming the items that failed (indexes from 0), or '
        "`non_field_errors` about the whole list. Nothing was saved."
    ),
    "additionalProperties": {"oneOf": [{"type": "array", "items": {}}, {"type": "string"}, {"type": "object"}]},
    "example": {"items": {"3": {"date": ["The service date cannot be after the victim's exit date."]}}},
}

RESPONSE_400 = OpenApiResponse(FIELD_ERRORS_SCHEMA, description="Bad input; nothing was saved.")
RESPONSE_400_BULK = OpenApiResponse(BULK_ERRORS_SCHEMA, description="Bad input; nothing was saved.")
RESPONSE_401 = OpenApiResponse(ErrorDetailSerializer, description="Not signed in (send `Authorization: Token ...`).")
RESPONSE_403 = OpenApiResponse(ErrorDetailSerializer, description="Your role may not use this endpoint.")
RESPONSE_404 = OpenApiResponse(
    ErrorDetailSerializer,
    description="No such record, or it belongs to another shelter (also when named as a link, e.g. `victim`).",
)
RESPONSE_409 = OpenApiResponse(MonthLockedSerializer, description="The record's date falls in a locked month.")
RESPONSE_429 = OpenApiResponse(ErrorDetailSerializer, description="Too many requests or failed sign-ins.")

# The answers every authenticated endpoint may give besides its own, keyed for `extend_schema(responses=...)`.
COMMON_ERROR_RESPONSES = {401: RESPONSE_401, 403: RESPONSE_403}


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: a URL under /api/ that matches no route answers JSON like every other API 404."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


logger = logging.getLogger(__name__)

# While the database is unreachable a client may retry after this many seconds.
DATABASE_RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the database unreachable (PostgreSQL down or restarting) is a clear 503, JSON for /api/ and a
    Spanish page for pages (nothing read from the database to draw it); any other error as before."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        return database_unavailable(request)
    return defaults.server_error(request)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    logger.warning("The database is unreachable: %s %s answered 503", request.method, request.path)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": gettext("The database is unavailable: try again in a minute. Nothing saved before is lost.")},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    else:
        page = render_to_string("503.html", {"LANGUAGE_CODE": get_language()})
        response = HttpResponse(page, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
