"""Account events that reach us through Django rather than through a service of ours.

Why signals here: a password can be stored, and a sign-in tried, by paths we do not write. Passwords:
Django's reset and change views, admin, `changepassword`. Sign-ins: Django's login view (the web pages,
admin and the browsable API all use it), `authenticate()` in the token endpoint, and django-axes, which
locks an account after repeated failures. Each of those sends a signal; receiving them in this one module
audits every door the same way, and a door added later is audited without anyone remembering to.

A failed sign-in names the account only when the username exists. What was typed is never stored:
a "username" may be a password typed into the wrong box.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse

from shelters.audit import audit_account_event
from shelters.models import AuditAction, User

from .addresses import client_address
from .selectors import shelter_ids_of


@receiver(post_save, sender=User, dispatch_uid="accounts.password_was_set")
def password_was_set(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    if created or not getattr(instance, "password_was_set", False):
        return
    instance.password_was_set = False
    from .services import password_was_set as record

    record(
        user=instance,
        actor=getattr(instance, "password_set_by", None),
        reset=getattr(instance, "password_reset", False),
        channel=getattr(instance, "password_channel", ""),
    )


@receiver(user_logged_in, dispatch_uid="accounts.signed_in_without_second_factor")
def signed_in_without_second_factor(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """An account with no second factor at sign-in: its session need not be checked for one on every request.

    (accounts.middleware; a sign-in with a code, or the enrolment of one, verifies the session instead.)
    """
    if request is None or not hasattr(request, "session") or getattr(user, "otp_device", None) is not None:
        return
    from . import two_factor

    if not two_factor.has_second_factor(user):
        request.session[two_factor.NO_SECOND_FACTOR_AT_SIGN_IN] = user.pk


def _channel(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    path = getattr(request, "path_info", "") or ""
    admin_index = reverse("admin:index")
    if path.startswith(admin_index):
        return "admin"
    # The admin's sign-in page sends to the site's (it asks the second factor), keeping where the person goes.
    if path == reverse("login"):
        going_to = request.POST.get("next") or request.GET.get("next") or ""
        if going_to.startswith(admin_index):
            return "admin"
    return "api" if path.startswith("/api/") else "web"


def _account_named(username: object) -> User | None:
    """The account a sign-in named, if there is one (exactly as ModelBackend looks it up)."""
    if not isinstance(username, str) or not username or "\x00" in username:
        return None
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


def _audit_sign_in_event(*, action: str, request: HttpRequest | None, actor: User | None, user: User | None) -> None:
    audit_account_event(
        actor=actor,
        action=action,
        subject=user,
        shelter_ids=shelter_ids_of(user) if user is not None else (),
        channel=_channel(request),
        address=client_address(request) if request is not None else None,
    )


@receiver(user_login_failed, dispatch_uid="accounts.sign_in_failed")
def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Wrong password, unknown username, inactive account, or refused by axes' lock: no actor (anyone could type it)."""
    user = _account_named(credentials.get(User.USERNAME_FIELD))
    _audit_sign_in_event(action=AuditAction.SIGNIN_FAILED, request=request, actor=None, user=user)


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any) -> None:
    """The failure that reaches AXES_FAILURE_LIMIT locks the account: one entry.

    axes sends the signal again for every further failure during the lock (each is a SIGNIN_FAILED entry
    already); only the one whose count equals the limit is the moment the account was locked.
    """
    if request is None:
        return
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None or failures != get_failure_limit(request, getattr(request, "axes_credentials", None)):
        return
    _audit_sign_in_event(action=AuditAction.LOCKED_OUT, request=request, actor=None, user=_account_named(username))


@receiver(user_logged_in, dispatch_uid="accounts.signed_in")
def signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """A session sign-in (web pages, admin, the browsable API); API tokens are audited as TOKEN_ISSUED."""
    _audit_sign_in_event(action=AuditAction.SIGNED_IN, request=request, actor=user, user=user)
