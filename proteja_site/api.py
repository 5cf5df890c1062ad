"""API plumbing shared by every app: errors as the contract wants them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from indicators.exceptions import MonthLocked


def validation_error_detail(error: DjangoValidationError) -> dict[str, Any] | list[Any]:
    """A Django ValidationError as DRF's field -> messages mapping (non-field errors under `non_field_errors`)."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, MonthLocked):
        return Response(
            {"detail": str(exc), "months": [f"{month:%Y-%m}" for month in exc.months]},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(detail=validation_error_detail(exc))
    if isinstance(exc, IntegrityError):
        # A constraint the validation layer should have caught first; never a 500.
        return Response(
            {"non_field_errors": ["The record conflicts with the data already stored."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)
