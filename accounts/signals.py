"""Account events that reach us through Django rather than through a service of ours.

A password can be stored by paths we do not write (Django's reset and change views, admin,
`changepassword`): whichever it was, the change is audited and the account's tokens end.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from shelters.models import User


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
