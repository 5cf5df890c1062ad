"""Second factor (django-otp, TOTP with static backup codes): who must have one, and checking a code."""

from __future__ import annotations

from django.conf import settings
from django_otp import devices_for_user, match_token
from django_otp.models import Device

from shelters.models import Role, User

ROLES_THAT_NEED_A_SECOND_FACTOR = (Role.PROGRAM_STAFF, Role.COORDINATOR)


def needs_second_factor(user: User) -> bool:
    """Under REQUIRE_2FA: program staff, coordinators and superusers sign in only with a code."""
    return bool(settings.REQUIRE_2FA and (user.is_superuser or user.role in ROLES_THAT_NEED_A_SECOND_FACTOR))


def has_second_factor(user: User) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def verify_code(user: User, code: str) -> Device | None:
    """The confirmed device (authenticator app or a backup code) that accepts `code`, or None."""
    code = (code or "").replace(" ", "").strip()
    if not code or len(code) > 16:
        return None
    return match_token(user, code)
