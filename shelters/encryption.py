"""Encrypted model fields (django-fernet-encrypted-fields), made safe to validate and cheaper to save.

The library's `clean()` sets a flag on the *field object* (shared by every row,
request and thread) telling `to_python()` not to decrypt, and leaves it set when
validation fails: after one too-long name, every name read by that process came
back as ciphertext. Its `get_prep_value()` also runs `to_python()`, that is, it
tries to decrypt every plain value before encrypting it.

Here, values being validated or saved are taken for what they are, plain text
typed by a user: they are never decrypted (a failed attempt per value was a few
percent of a bulk create), and no flag is set. Values read from the database are
decrypted as before.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.functional import Promise
from encrypted_fields import fields


class _PlainTextInMixin:
    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        # Field.clean() with the plain field's to_python().
        value = super(fields.EncryptedFieldMixin, self).to_python(value)  # type: ignore[misc]
        self.validate(value, model_instance)  # type: ignore[attr-defined]
        self.run_validators(value)  # type: ignore[attr-defined]
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if isinstance(value, Promise):
            value = str(value)
        # Empty is stored as NULL, as the library does.
        if not value:
            return None
        return self.f.encrypt(str(value).encode("utf-8")).decode("utf-8")  # type: ignore[attr-defined]


class EncryptedCharField(_PlainTextInMixin, fields.EncryptedCharField):
    pass


class EncryptedTextField(_PlainTextInMixin, fields.EncryptedTextField):
    pass
