"""Spanish for what third-party apps show in admin without a Spanish catalogue of their own.

django-axes (sign-in lockouts) has none; django-otp's device models are named in plain English. Their
strings are listed here with `gettext_noop`, so `makemessages` keeps them in the project's catalogue, which
Django reads before the apps' own. `ready()` (accounts/apps.py) calls `name_third_party_apps`.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext, gettext_lazy, gettext_noop

AXES_STRINGS = [
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
]
# django-otp's models have no verbose_name of their own (or an untranslated one): what their names say.
MODEL_NAMES = {
    "TOTP device": gettext_noop("TOTP device"),
    "static device": gettext_noop("static device"),
    "static token": gettext_noop("static token"),
}


def model_name(model: type) -> str:
    """A model's name in the reader's language, with django-otp's English names translated here."""
    name = str(model._meta.verbose_name)
    return gettext(MODEL_NAMES[name]) if name in MODEL_NAMES else name


def name_third_party_apps() -> None:
    """Name the apps in the reader's language (an app's verbose_name is not part of any migration)."""
    names = {
        "axes": gettext_lazy("Sign-in lockouts"),
        "otp_static": gettext_lazy("Backup codes"),
        "otp_totp": gettext_lazy("Authenticator apps"),
    }
    for label, name in names.items():
        if apps.is_installed(label) or label in apps.app_configs:
            config = apps.app_configs.get(label)
            if config is not None:
                config.verbose_name = name
    _say_axes_records_in_the_readers_language()


def _say_axes_records_in_the_readers_language() -> None:
    """django-axes names its rows in English f-strings ("Access Log for pat @ ..."): said through the catalogue."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessLog.__str__ = lambda self: (
        gettext("Sign-in of %(username)s at %(time)s")
        % {  # type: ignore[method-assign]
            "username": self.username,
            "time": self.attempt_time,
        }
    )
    AccessAttempt.__str__ = lambda self: (
        gettext("Failed sign-ins at %(time)s")
        % {  # type: ignore[method-assign]
            "time": self.attempt_time
        }
    )
    AccessFailureLog.__str__ = lambda self: (
        gettext(  # type: ignore[method-assign]
            "Failed sign-in of %(username)s at %(time)s from %(address)s"
        )
        % {"username": self.username, "time": self.attempt_time, "address": self.ip_address}
    )
