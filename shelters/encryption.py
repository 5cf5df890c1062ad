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

The keys are derived here once per process for every encrypted field, rather than by
each field on its own (PBKDF2, 100,000 rounds per key and field), and follow the
settings when they change (the tests of `rotate_encryption_key` change them). The first
key, from SECRET_KEY and FIELD_ENCRYPTION_KEY, encrypts; every key decrypts, in the
library's order: each SECRET_KEY (current, then SECRET_KEY_FALLBACKS) with each salt
(FIELD_ENCRYPTION_KEY, then FIELD_ENCRYPTION_KEY_FALLBACKS).
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.functional import Promise
from encrypted_fields import fields


def _derive(secret_key: str, salt: str) -> Fernet:
    # As the library derives its keys, so that values it encrypted stay readable.
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt.encode("utf-8"), iterations=100_000)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(secret_key.encode("utf-8"))))


@functools.lru_cache(maxsize=8)
def _fernets(secret_keys: tuple[str, ...], salts: tuple[str, ...]) -> tuple[Fernet, ...]:
    return tuple(_derive(secret_key, salt) for secret_key in secret_keys for salt in salts)


# Read on every value encrypted or decrypted: cached until a key setting changes (only tests change them).
@functools.cache
def field_keys() -> tuple[Fernet, ...]:
    """Every key of personal fields under the current settings, the encrypting one first."""
    salts = settings.SALT_KEY if isinstance(settings.SALT_KEY, list) else [settings.SALT_KEY]
    secret_keys = (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    return _fernets(tuple(secret_keys), tuple(salts))


@functools.cache
def field_fernet() -> MultiFernet:
    """Encrypts with the current key, decrypts with any."""
    return MultiFernet(list(field_keys()))


@receiver(setting_changed)
def _key_settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "SALT_KEY"):
        field_keys.cache_clear()
        field_fernet.cache_clear()


class _PlainTextInMixin:
    @property
    def f(self) -> MultiFernet:
        return field_fernet()

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


# --- Which fields are encrypted ------------------------------------------------------------------------------------


def encrypted_columns() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every model with encrypted fields, and those fields, in the order of their tables' names."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        columns = [field for field in model._meta.concrete_fields if isinstance(field, fields.EncryptedFieldMixin)]
        if columns:
            found.append((model, columns))
    return sorted(found, key=lambda item: item[0]._meta.db_table)


# --- Key rotation -------------------------------------------------------------------------------------------------


def reencrypted(token: str) -> str | None:
    """`token` under the current key, or None when it already is.

    Raises InvalidToken when no key, current or fallback, reads it (or it is no Fernet token at all).
    """
    keys = field_keys()
    data = token.encode("utf-8")  # as bytes: a plain str that is not ASCII would raise ValueError, not InvalidToken
    try:
        # Checks the token's signature under the current key without decrypting it.
        keys[0].extract_timestamp(data)
        return None
    except InvalidToken:
        if len(keys) == 1:
            raise
    # Decrypted by whichever key reads it, encrypted again by the current one (keeping its timestamp).
    return field_fernet().rotate(data).decode("utf-8")
