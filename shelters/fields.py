"""A list of choice keys stored in one text column.

Stored as ",key1,key2," (sorted, comma-fenced) so that "includes key X" is a
plain `__contains=",X,"` that PostgreSQL and SQLite both answer, which the Annex 2
aggregation needs (a JSON array `contains` does not exist on SQLite).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChoiceListField(models.CharField):
    description = "A list of distinct choice keys"

    def __init__(self, *args: Any, item_choices: list[tuple[str, Any]] | None = None, **kwargs: Any) -> None:
        self.item_choices = list(item_choices or [])
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, path, args, kwargs = super().deconstruct()
        kwargs["item_choices"] = self.item_choices
        if kwargs.get("default") is list:
            del kwargs["default"]
        if kwargs.get("max_length") == 200:
            del kwargs["max_length"]
        if kwargs.get("blank") is True:
            del kwargs["blank"]
        return name, path, args, kwargs

    @staticmethod
    def fence(key: str) -> str:
        """The stored form of one key, for `__contains` lookups."""
        return f",{key},"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> list[str]:
        return self.to_python(value)

    def to_python(self, value: Any) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [item for item in value.split(",") if item]
        return list(value)

    def get_prep_value(self, value: Any) -> str:
        items = sorted(set(self.to_python(value)))
        return f",{','.join(items)}," if items else ""

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        allowed = {key for key, _label in self.item_choices}
        if not isinstance(value, (list, tuple)):
            raise ValidationError(_("Enter a list of values."), code="invalid")
        for item in value:
            if item not in allowed:
                raise ValidationError(
                    _("“%(value)s” is not a valid choice."), code="invalid_choice", params={"value": item}
                )
        if len(set(value)) != len(value):
            raise ValidationError(_("Each value may appear only once."), code="duplicate")

    def run_validators(self, value: Any) -> None:
        # max_length applies to the stored text, not to the Python list.
        return None

    def value_to_string(self, obj: models.Model) -> str:
        return self.get_prep_value(self.value_from_object(obj))

    def formfield(self, **kwargs: Any):  # type: ignore[no-untyped-def]
        from django import forms

        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.item_choices,
            "widget": forms.CheckboxSelectMultiple,
            "required": not self.blank,
        }
        defaults.update(kwargs)
        defaults.pop("max_length", None)
        return models.Field.formfield(self, **defaults)
