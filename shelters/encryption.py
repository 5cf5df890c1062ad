"""Encrypted model fields (django-fernet-encrypted-fields), made safe to validate.

The library's `clean()` sets a flag on the *field object* (shared by every row,
request and thread) telling `to_python()` not to decrypt, and leaves it set when
validation fails: after one too-long name, every name read by that process came
back as ciphertext. These fields skip the flag; decrypting a plain value simply
fails and returns it unchanged, which the library already does.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from encrypted_fields import fields


class _SafeCleanMixin:
    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        return super(fields.EncryptedFieldMixin, self).clean(value, model_instance)  # type: ignore[misc]


class EncryptedCharField(_SafeCleanMixin, fields.EncryptedCharField):
    pass


class EncryptedTextField(_SafeCleanMixin, fields.EncryptedTextField):
    pass
