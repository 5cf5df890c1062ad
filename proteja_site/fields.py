"""API fields every app uses alike."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class ExactPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by its key, taken only as written: an integer key as a whole number (DRF would take
    17.5, or "17.5", as 17) and a text key without a NUL character (which PostgreSQL cannot compare: a 500)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, float) or (isinstance(data, str) and ("\x00" in data or "." in data)):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)
