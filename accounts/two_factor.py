"""Second factor (django-otp, TOTP with static backup codes): who must have one, checking a code, enrolling.

An account's second factor is one confirmed TOTP device (an authenticator app: RFC 6238, SHA-1, 6 digits,
30 s) plus one static device holding its unused backup codes. Every enrolment, new set of backup codes and
removal is audited (OTP_ENROLLED / OTP_REMOVED), and so is every refused code (SIGNIN_FAILED, `otp`).
"""

from __future__ import annotations

import binascii
import re
import secrets
import time
from base64 import b32decode, b32encode
from dataclasses import dataclass

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from shelters.audit import audit_account_event
from shelters.models import AuditAction, Role, User

from .selectors import shelter_ids_of

ROLES_THAT_NEED_A_SECOND_FACTOR = (Role.PROGRAM_STAFF, Role.COORDINATOR)
BACKUP_CODE_COUNT = 10
# Digits only, so that the sign-in page's numeric keyboard types them too; 10 digits are 33 bits, and every
# wrong one is throttled by django-otp and counted by django-axes' lock-out.
BACKUP_CODE_DIGITS = 10
TOTP_DIGITS = 6
TOTP_STEP = 30
# RFC 4226 asks for 128 bits and recommends 160 (what enrolment generates); authenticator apps accept 80.
SECRET_MIN_BYTES = 10
SECRET_MAX_BYTES = 40  # TOTPDevice.key holds 80 hex digits
DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"
_TOTP_CODE = re.compile(r"\d{6}|\d{8}")
_SEPARATORS = re.compile(r"[\s-]+")


# --- Who, and checking a code -----------------------------------------------------------------------------------


def needs_second_factor(user: User) -> bool:
    """Under REQUIRE_2FA: program staff, coordinators and superusers sign in only with a code."""
    return bool(settings.REQUIRE_2FA and (user.is_superuser or user.role in ROLES_THAT_NEED_A_SECOND_FACTOR))


def totp_device_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("-pk").first()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def has_second_factor(user: User) -> bool:
    """An authenticator app, or at least one unused backup code: something that can give a code."""
    if not user.is_authenticated:
        return False
    return (
        TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
        or StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).exists()
    )


def normalise_code(code: str | None) -> str:
    """What the user typed, without the spaces or dashes a code is shown or typed with."""
    return _SEPARATORS.sub("", code or "")


def verify_code(user: User, code: str) -> Device | None:
    """The confirmed device (authenticator app or a backup code) that accepts `code`, or None.

    A 6- (or 8-) digit code is tried on the authenticator app only and anything else on the backup codes
    only: django-otp's match_token tries every device, and each device that refuses counts a failure and
    throttles itself (exponentially), so every sign-in with the app would have slowed the backup codes down.
    """
    code = normalise_code(code)
    if not code or len(code) > 16:
        return None
    model = TOTPDevice if _TOTP_CODE.fullmatch(code) else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None


def code_refused(*, request: HttpRequest, user: User, channel: str, address: str | None) -> None:
    """A wrong code after the right password: audited, and a failed sign-in for django-axes' lock-out.

    Axes is told directly rather than through Django's user_login_failed signal: the password was right,
    and other listeners of that signal would record a wrong password.
    """
    audit_account_event(
        actor=user,
        action=AuditAction.SIGNIN_FAILED,
        subject=user,
        shelter_ids=shelter_ids_of(user),
        fields=["otp"],
        channel=channel,
        address=address,
    )
    AxesProxyHandler.user_login_failed(sender=__name__, credentials={"username": user.get_username()}, request=request)


def locked_out(request: HttpRequest, user: User) -> bool:
    """Is the account locked by django-axes (too many failed sign-ins, wrong codes included)?"""
    if not settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(request, credentials={"username": user.get_username()})


# --- Sessions ---------------------------------------------------------------------------------------------------

# Set at sign-in when the account had no second factor, so that accounts.middleware need not look for a device
# on every request; removed whenever this session is verified with a code. A session without it that is not
# verified is checked against the account's devices (an enrolled account's session must give its code).
NO_SECOND_FACTOR_AT_SIGN_IN = "accounts_no_second_factor"


def session_is_verified(user: User) -> bool:
    """Has this request's session given a code (django-otp's middleware sets `otp_device`)?"""
    return getattr(user, "otp_device", None) is not None


def mark_session_verified(request: HttpRequest, device: Device) -> None:
    django_otp.login(request, device)
    request.session.pop(NO_SECOND_FACTOR_AT_SIGN_IN, None)


def session_may_skip_code(request: HttpRequest, user: User) -> bool:
    """May this signed-in, unverified session go on without a code? (Roles that need one never may.)"""
    if needs_second_factor(user):
        return False
    if request.session.get(NO_SECOND_FACTOR_AT_SIGN_IN) == user.pk:
        return True
    if has_second_factor(user):
        return False
    request.session[NO_SECOND_FACTOR_AT_SIGN_IN] = user.pk
    return True


# --- Enrolling --------------------------------------------------------------------------------------------------


def new_secret() -> str:
    """A new TOTP key, hex as django-otp stores it (160 bits)."""
    return random_hex(20)


def secret_in_base32(key_hex: str) -> str:
    """The key as an authenticator app takes it by hand: base32 without padding."""
    return b32encode(binascii.unhexlify(key_hex)).decode("ascii").rstrip("=")


def unsaved_device(user: User, key_hex: str) -> TOTPDevice:
    """The device enrolment will save, for its otpauth:// URL (TOTPDevice.config_url)."""
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key_hex, step=TOTP_STEP, digits=TOTP_DIGITS, confirmed=False)


def check_new_code(key_hex: str, code: str) -> TOTP | None:
    """Does `code` fit the key being enrolled (the current step, or one either side)? The matched TOTP, or None."""
    code = normalise_code(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = TOTP(binascii.unhexlify(key_hex), step=TOTP_STEP, digits=TOTP_DIGITS)
    totp.time = time.time()
    return totp if totp.verify(int(code), tolerance=1) else None


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    backup_codes: list[str]


def enrol(*, user: User, key_hex: str, code: str, channel: str = "web", address: str | None = None) -> Enrolment | None:
    """Confirm a new authenticator app with its current code; it replaces any other, with new backup codes.

    None if the code does not fit the key (nothing is saved then). The code used here cannot sign in again.
    """
    totp = check_new_code(key_hex, code)
    if totp is None:
        return None
    with transaction.atomic():
        device = _replace_totp_device(user=user, key_hex=key_hex, last_t=totp.t(), drift=totp.drift)
        codes = _replace_backup_codes(user)
        _audit(
            user=user,
            action=AuditAction.OTP_ENROLLED,
            fields=["backup_codes", "totp"],
            channel=channel,
            address=address,
            actor=user,
        )
    return Enrolment(device=device, backup_codes=codes)


def new_backup_codes(*, user: User, channel: str = "web", address: str | None = None) -> list[str]:
    """Ten new backup codes; the unused old ones stop working."""
    with transaction.atomic():
        codes = _replace_backup_codes(user)
        _audit(
            user=user,
            action=AuditAction.OTP_ENROLLED,
            fields=["backup_codes"],
            channel=channel,
            address=address,
            actor=user,
        )
    return codes


def remove_second_factor(*, user: User, channel: str = "web", address: str | None = None) -> None:
    """Remove the authenticator app and the backup codes. Callers refuse it for roles that need them."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        StaticDevice.objects.filter(user_id=user.pk).delete()
        _audit(
            user=user,
            action=AuditAction.OTP_REMOVED,
            fields=["backup_codes", "totp"],
            channel=channel,
            address=address,
            actor=user,
        )


def parse_base32_secret(text: str) -> str:
    """A base32 secret as given by hand (any case, spaces, no padding) -> hex; ValueError in one line if bad."""
    cleaned = _SEPARATORS.sub("", text or "").upper().rstrip("=")
    if not cleaned or not re.fullmatch(r"[A-Z2-7]+", cleaned):
        raise ValueError("--otp-secret must be base32: letters A-Z and digits 2-7")
    try:
        key = b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except binascii.Error as exc:
        raise ValueError(f"--otp-secret is not valid base32 ({len(cleaned)} characters cannot be)") from exc
    if len(key) < SECRET_MIN_BYTES:
        raise ValueError(f"--otp-secret is too short: at least {SECRET_MIN_BYTES * 8} bits (16 base32 characters)")
    if len(key) > SECRET_MAX_BYTES:
        raise ValueError(f"--otp-secret is too long: at most {SECRET_MAX_BYTES * 8} bits (64 base32 characters)")
    return key.hex()


def give_totp_device(user: User, base32_secret: str) -> TOTPDevice:
    """The operator's command line (`add_user --otp-secret`): a confirmed TOTP device with this secret.

    It replaces the account's authenticator app, if any (backup codes are left as they are). ValueError,
    in one line, for a secret that is not base32 or is too short or long.
    """
    key_hex = parse_base32_secret(base32_secret)
    with transaction.atomic():
        device = _replace_totp_device(user=user, key_hex=key_hex)
        _audit(user=user, action=AuditAction.OTP_ENROLLED, fields=["totp"], channel="command", actor=None)
    return device


def _replace_totp_device(*, user: User, key_hex: str, last_t: int = -1, drift: int = 0) -> TOTPDevice:
    # Sessions verified by the old device end with it: django-otp's middleware no longer finds their device.
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    return TOTPDevice.objects.create(
        user=user,
        name=DEVICE_NAME,
        key=key_hex,
        step=TOTP_STEP,
        digits=TOTP_DIGITS,
        last_t=last_t,
        drift=drift,
        confirmed=True,
    )


def _replace_backup_codes(user: User) -> list[str]:
    # One static device per account, kept (a session verified by a backup code stays verified), new tokens.
    device = StaticDevice.objects.filter(user_id=user.pk).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    else:
        StaticDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
        device.token_set.all().delete()
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    codes = _distinct_codes(BACKUP_CODE_COUNT)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _distinct_codes(count: int) -> list[str]:
    codes: list[str] = []
    while len(codes) < count:
        code = "".join(secrets.choice("0123456789") for _digit in range(BACKUP_CODE_DIGITS))
        if code not in codes:
            codes.append(code)
    return codes


def _audit(
    *, user: User, action: str, fields: list[str], channel: str, actor: User | None, address: str | None = None
) -> None:
    audit_account_event(
        actor=actor,
        action=action,
        subject=user,
        shelter_ids=shelter_ids_of(user),
        fields=fields,
        channel=channel,
        address=address,
    )
