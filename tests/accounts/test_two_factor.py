"""The second factor (TOTP and backup codes) with REQUIRE_2FA on, as in production.

Codes are computed from the device's key at the current time (django-otp's TOTP) or, for the secret
given to add_user, with RFC 6238 written out here. An authenticator code is accepted once: a test that
signs in after enrolling uses the next step's code (the device accepts one step either side).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import services, two_factor
from accounts.views import NEW_BACKUP_CODES, PENDING_SECRET
from shelters.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, UserFactory
from tests.test_settings import PRODUCTION_ENV, manage

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor]

LOGIN = "/accounts/login/"
ENROL = "/accounts/two-factor/"
VERIFY = "/accounts/verify/"
CODES = "/accounts/two-factor/codes/"
TOKEN_URL = "/api/v1/auth/token/"


# --- Helpers --------------------------------------------------------------------------------------------------


def rfc6238(secret_base32: str, at: float, *, digits: int = 6, step: int = 30) -> str:
    """RFC 6238 (HMAC-SHA-1, RFC 4226's dynamic truncation), independent of django-otp."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at // step)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def code_for_key(key_hex: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(bytes.fromhex(key_hex), step=30, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    return code_for_key(device.key, steps_ahead=steps_ahead)


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """An authenticator app and ten backup codes, as the enrolment page leaves them."""
    device = two_factor.give_totp_device(user, base64.b32encode(bytes.fromhex(two_factor.new_secret())).decode())
    return device, two_factor.new_backup_codes(user=user)


def sign_in(client: Client, username: str, otp: str = "", **extra) -> object:
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "otp": otp, **extra})


def otp_failures(user) -> list[tuple[str, list[str]]]:
    entries = AuditEntry.objects.filter(action=AuditAction.SIGNIN_FAILED, record_id=str(user.pk))
    return list(entries.values_list("channel", "fields"))


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", role="", is_superuser=True)


@pytest.fixture(params=["program_staff", "coordinator_a", "superuser"])
def must_enrol(request):
    """Each account REQUIRE_2FA forces: program staff, a coordinator, a superuser."""
    return request.getfixturevalue(request.param)


def test_the_rfc_6238_helper_gives_the_rfc_test_vector():
    # RFC 6238, appendix B: SHA-1, the ASCII key "12345678901234567890", T = 59 s.
    assert rfc6238(base64.b32encode(b"12345678901234567890").decode(), 59, digits=8) == "94287082"


# --- Forced enrolment -------------------------------------------------------------------------------------------


def test_a_role_that_needs_a_second_factor_reaches_nothing_before_enrolling(must_enrol):
    client = Client()
    assert sign_in(client, must_enrol.username).status_code == 302

    for path in ["/admin/", "/", "/cases/", "/admin/shelters/shelter/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(ENROL + "?next="), path

    api = client.get("/api/v1/victims/", HTTP_ACCEPT="application/json")
    assert api.status_code == 403
    assert "second factor" in api.json()["detail"]
    assert client.get(ENROL).status_code == 200


def test_program_staff_signing_in_to_the_admin_come_back_to_it_after_enrolling(program_staff):
    client = Client()
    sign_in(client, "pat", next="/admin/")
    to_enrol = client.get("/admin/")
    assert to_enrol["Location"] == ENROL + "?next=%2Fadmin%2F"

    page = client.get(to_enrol["Location"])
    key_hex = client.session[PENDING_SECRET]
    assert "<svg" in page.content.decode() and "otpauth://totp/PROTEJA%3Apat?secret=" in page.content.decode()
    confirmed = client.post(ENROL, {"otp": code_for_key(key_hex), "next": "/admin/"})

    assert confirmed.status_code == 302 and confirmed["Location"] == CODES + "?next=%2Fadmin%2F"
    codes_page = client.get(confirmed["Location"])
    assert 'href="/admin/"' in codes_page.content.decode()
    assert client.get("/admin/").status_code == 200


def test_enrolment_confirms_the_device_and_shows_ten_backup_codes_once(program_staff):
    client = Client()
    sign_in(client, "pat")
    page = client.get(ENROL).content.decode()
    key_hex = client.session[PENDING_SECRET]
    # The key for typing by hand, in groups of four: the same secret as the QR code's.
    secret = two_factor.secret_in_base32(key_hex)
    assert " ".join(f"<span>{secret[i : i + 4]}</span>" for i in range(0, len(secret), 4)) in page
    assert not TOTPDevice.objects.filter(user=program_staff).exists()  # nothing saved before the code

    response = client.post(ENROL, {"otp": code_for_key(key_hex)})

    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=program_staff)
    assert device.confirmed and device.key == key_hex
    stored = set(StaticToken.objects.filter(device__user=program_staff).values_list("token", flat=True))
    assert len(stored) == 10
    shown = client.get(CODES)
    assert shown.status_code == 200
    shown_codes = re.findall(r"<code>(\d{5} \d{5})</code>", shown.content.decode())
    assert {code.replace(" ", "") for code in shown_codes} == stored
    assert "no-store" in shown["Cache-Control"]
    again = client.get(CODES)
    assert again.status_code == 302 and not re.findall(r"\d{5} \d{5}", again.content.decode())
    entry = AuditEntry.objects.get(action=AuditAction.OTP_ENROLLED, record_id=str(program_staff.pk))
    assert (entry.actor_id, entry.fields, entry.channel) == (program_staff.pk, ["backup_codes", "totp"], "web")
    assert client.get("/admin/").status_code == 200


def test_a_wrong_enrolment_code_saves_nothing(program_staff):
    client = Client()
    sign_in(client, "pat")
    client.get(ENROL)
    right = code_for_key(client.session[PENDING_SECRET])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = client.post(ENROL, {"otp": wrong})
    not_digits = client.post(ENROL, {"otp": "abcdef"})

    assert response.status_code == 400 and not_digits.status_code == 400
    assert "otp" in response.context["form"].errors and "otp" in not_digits.context["form"].errors
    assert not TOTPDevice.objects.filter(user=program_staff).exists()
    assert not StaticDevice.objects.filter(user=program_staff).exists()
    assert client.get("/admin/").status_code == 302


# --- Signing in with a code -------------------------------------------------------------------------------------


def test_an_enrolled_account_signs_in_with_its_code_and_the_session_is_verified(coordinator_a):
    device, _codes = enrolled(coordinator_a)
    client = Client()

    response = sign_in(client, "carla", code_for(device))

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_audited(program_staff):
    device, _codes = enrolled(program_staff)
    right = code_for(device)
    client = Client()

    response = sign_in(client, "pat", f"{(int(right) + 1) % 1_000_000:06d}")

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["otp"]
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert otp_failures(program_staff) == [("web", ["otp"])]


def test_a_missing_code_is_an_error_on_the_code_field(program_staff):
    enrolled(program_staff)
    client = Client()

    response = sign_in(client, "pat")

    assert list(response.context["form"].errors) == ["otp"]
    assert "_auth_user_id" not in client.session


def test_a_backup_code_signs_in_once_and_not_twice(program_staff):
    _device, codes = enrolled(program_staff)

    first = Client()
    assert sign_in(first, "pat", f"{codes[3][:5]} {codes[3][5:]}").status_code == 302
    assert first.get("/admin/").status_code == 200

    second = Client()
    response = sign_in(second, "pat", codes[3])
    assert list(response.context["form"].errors) == ["otp"]
    assert "_auth_user_id" not in second.session
    assert StaticToken.objects.filter(device__user=program_staff).count() == 9


def test_wrong_codes_count_towards_the_lock_out(program_staff, settings):
    settings.AXES_FAILURE_LIMIT = 3
    device, _codes = enrolled(program_staff)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    client = Client()

    statuses = [sign_in(client, "pat", wrong).status_code for _attempt in range(3)]
    device.throttling_failure_count = 0
    device.save()
    right_code_while_locked = sign_in(client, "pat", code_for(device))

    assert statuses == [200, 200, 429]
    assert right_code_while_locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_sign_in_page_asks_for_the_code_in_spanish_with_a_phones_numeric_keyboard(db):
    page = Client().get(LOGIN).content.decode()

    assert "Código de verificación" in page
    field = re.search(r"<input[^>]*name=\"otp\"[^>]*>", page).group(0)
    assert 'inputmode="numeric"' in field and 'autocomplete="one-time-code"' in field


# --- A signed-in session without its code -----------------------------------------------------------------------


def test_a_session_signed_in_without_the_code_is_sent_to_verify(program_staff):
    device, _codes = enrolled(program_staff)
    client = Client()
    client.force_login(program_staff)

    to_verify = client.get("/admin/")
    api = client.get("/api/v1/victims/")
    page = client.get(to_verify["Location"])
    verified = client.post(VERIFY, {"otp": code_for(device), "next": "/admin/"})

    assert to_verify["Location"] == VERIFY + "?next=%2Fadmin%2F"
    assert api.status_code == 403 and "second factor" in api.json()["detail"]
    assert page.status_code == 200
    assert verified["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_on_the_verify_page_is_refused_and_audited(program_staff):
    device, _codes = enrolled(program_staff)
    client = Client()
    client.force_login(program_staff)

    response = client.post(VERIFY, {"otp": f"{(int(code_for(device)) + 1) % 1_000_000:06d}"})

    assert response.status_code == 200 and "otp" in response.context["form"].errors
    assert otp_failures(program_staff) == [("web", ["otp"])]
    assert client.get("/admin/").status_code == 302


def test_an_unverified_session_cannot_replace_or_remove_the_second_factor(caseworker_a):
    enrolled(caseworker_a)
    client = Client()
    client.force_login(caseworker_a)

    for response in [
        client.get(ENROL),
        client.get(ENROL + "replace/"),
        client.post(ENROL + "remove/", {"remove-otp": "123456"}),
        client.post(ENROL + "new-codes/", {"codes-otp": "123456"}),
    ]:
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=caseworker_a).count() == 1


def test_sign_out_and_the_language_switch_work_before_enrolling(program_staff):
    client = Client()
    sign_in(client, "pat")

    switched = client.post("/i18n/setlang/", {"language": "en", "next": ENROL})
    signed_out = client.post("/accounts/logout/")

    assert switched["Location"] == ENROL
    assert signed_out["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/login/?next=/admin/shelters/", LOGIN + "?next=%2Fadmin%2Fshelters%2F"),
        ("/admin/login/", LOGIN + "?next=%2Fadmin%2F"),
        ("/api/auth/login/?next=/api/v1/victims/", LOGIN + "?next=%2Fapi%2Fv1%2Fvictims%2F"),
    ],
)
def test_the_admins_and_the_browsable_apis_sign_in_pages_send_to_the_sites(db, path, expected):
    response = Client().get(path)

    assert response.status_code == 302 and response["Location"] == expected


def test_a_signed_in_account_that_may_not_use_the_admin_ends_on_the_sign_in_page(partner):
    client = Client()
    client.force_login(partner)

    response = client.get("/admin/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1] == (LOGIN + "?next=%2Fadmin%2F", 302)


def test_posting_a_password_to_the_admins_sign_in_page_signs_nobody_in(program_staff):
    client = Client()

    response = client.post("/admin/login/", {"username": "pat", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


# --- Managing the second factor ---------------------------------------------------------------------------------


def verified_client(user, device) -> Client:
    client = Client()
    assert sign_in(client, user.username, code_for(device)).status_code == 302
    return client


def test_new_backup_codes_replace_the_old_ones_and_are_audited(caseworker_a):
    device, old_codes = enrolled(caseworker_a)
    client = verified_client(caseworker_a, device)

    response = client.post(ENROL + "new-codes/", {"codes-otp": old_codes[0]})

    assert response["Location"] == CODES
    new_codes = {code.replace(" ", "") for code in client.get(CODES).context["codes"]}
    assert len(new_codes) == 10 and not new_codes & set(old_codes)
    # (In this order: a refused code makes django-otp wait a moment before it tries the next one.)
    assert two_factor.verify_code(caseworker_a, sorted(new_codes)[0]) is not None
    assert two_factor.verify_code(caseworker_a, old_codes[1]) is None
    from_the_page = AuditEntry.objects.filter(action=AuditAction.OTP_ENROLLED, address__isnull=False)
    assert list(from_the_page.values_list("actor_id", "fields", "channel")) == [
        (caseworker_a.pk, ["backup_codes"], "web")
    ]


def test_program_staff_may_replace_their_device_but_not_remove_it(program_staff):
    device, codes = enrolled(program_staff)
    client = verified_client(program_staff, device)

    refused = client.post(ENROL + "remove/", {"remove-otp": codes[0]})
    client.get(ENROL + "replace/")
    new_key = client.session[PENDING_SECRET]
    replaced = client.post(ENROL + "replace/", {"otp": code_for_key(new_key)})

    assert refused.status_code == 403
    assert replaced.status_code == 302
    assert list(TOTPDevice.objects.filter(user=program_staff).values_list("key", flat=True)) == [new_key]
    assert not AuditEntry.objects.filter(action=AuditAction.OTP_REMOVED).exists()
    # The session goes on with the new device; the old app's codes no longer sign in.
    assert client.get("/admin/").status_code == 200
    assert list(sign_in(Client(), "pat", code_for(device, steps_ahead=1)).context["form"].errors) == ["otp"]


def test_a_caseworker_may_remove_the_second_factor_with_a_code(caseworker_a):
    device, _codes = enrolled(caseworker_a)
    client = verified_client(caseworker_a, device)

    response = client.post(ENROL + "remove/", {"remove-otp": code_for(device, steps_ahead=1)})

    assert response.status_code == 302
    assert not two_factor.has_second_factor(caseworker_a)
    assert not StaticDevice.objects.filter(user=caseworker_a).exists()
    entry = AuditEntry.objects.get(action=AuditAction.OTP_REMOVED)
    assert (entry.actor_id, entry.shelter_id, entry.channel) == (caseworker_a.pk, caseworker_a.shelters.get().pk, "web")
    assert client.get("/").status_code == 200
    assert sign_in(Client(), "alice").status_code == 302


def test_removal_needs_a_right_code(caseworker_a):
    device, _codes = enrolled(caseworker_a)
    client = verified_client(caseworker_a, device)

    response = client.post(ENROL + "remove/", {"remove-otp": "000000" if code_for(device) != "000000" else "111111"})

    assert response.status_code == 400
    assert two_factor.has_second_factor(caseworker_a)
    assert otp_failures(caseworker_a) == [("web", ["otp"])]


# --- Caseworkers, and REQUIRE_2FA off ---------------------------------------------------------------------------


def test_caseworkers_are_not_forced_but_may_enrol(caseworker_a):
    client = Client()
    sign_in(client, "alice")
    assert client.get("/").status_code == 200

    client.get(ENROL)
    client.post(ENROL, {"otp": code_for_key(client.session[PENDING_SECRET])})

    assert two_factor.has_second_factor(caseworker_a)
    device = TOTPDevice.objects.get(user=caseworker_a)
    assert list(sign_in(Client(), "alice").context["form"].errors) == ["otp"]
    assert sign_in(Client(), "alice", code_for(device, steps_ahead=1)).status_code == 302


def test_with_require_2fa_off_nobody_is_forced_but_an_enrolled_account_still_gives_its_code(
    program_staff, coordinator_a, settings
):
    settings.REQUIRE_2FA = False
    device, _codes = enrolled(coordinator_a)

    staff = Client()
    sign_in(staff, "pat")
    missing = sign_in(Client(), "carla")
    forced_in = Client()
    forced_in.force_login(coordinator_a)

    assert staff.get("/admin/").status_code == 200
    assert list(missing.context["form"].errors) == ["otp"]
    assert forced_in.get("/")["Location"].startswith(VERIFY)
    assert sign_in(Client(), "carla", code_for(device)).status_code == 302


# --- The token endpoint -----------------------------------------------------------------------------------------


def test_the_token_endpoint_asks_an_enrolled_account_for_its_code(program_staff):
    device, _codes = enrolled(program_staff)
    api = APIClient()
    right = code_for(device)

    missing = api.post(TOKEN_URL, {"username": "pat", "password": PASSWORD}, format="json")
    wrong = api.post(TOKEN_URL, {"username": "pat", "password": PASSWORD, "otp": f"{(int(right) + 1) % 1_000_000:06d}"})
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp slows down the next try after a wrong code
    device.save()
    given = api.post(TOKEN_URL, {"username": "pat", "password": PASSWORD, "otp": right}, format="json")

    assert missing.status_code == 400 and list(missing.json()) == ["otp"]
    assert wrong.status_code == 400 and list(wrong.json()) == ["otp"]
    assert otp_failures(program_staff) == [("api", ["otp"])]
    assert given.status_code == 200 and given.json()["token"]


def test_the_token_endpoint_refuses_an_account_that_needs_a_second_factor_and_has_none(program_staff):
    response = APIClient().post(TOKEN_URL, {"username": "pat", "password": PASSWORD}, format="json")

    assert response.status_code == 400 and list(response.json()) == ["otp"]


def test_token_requests_are_not_stopped_by_an_unverified_session(coordinator_a, shelter_a):
    enrolled(coordinator_a)
    _api_token, token = services.token_issue(user=coordinator_a)
    client = APIClient()
    client.force_login(coordinator_a)  # a session cookie that has not given the code

    with_session = client.get("/api/v1/victims/")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with_token = client.get("/api/v1/victims/")

    assert with_session.status_code == 403
    assert with_token.status_code == 200


# --- add_user --otp-secret --------------------------------------------------------------------------------------


def test_add_user_with_an_otp_secret_gives_a_device_whose_codes_sign_in(db):
    call_command(
        "add_user", "olga", "--role", "program_staff", "--password", PASSWORD, "--otp-secret", "JBSWY3DPEHPK3PXP"
    )

    device = TOTPDevice.objects.get(user__username="olga")
    assert device.confirmed and (device.digits, device.step) == (6, 30)
    assert bytes.fromhex(device.key) == base64.b32decode("JBSWY3DPEHPK3PXP")
    entry = AuditEntry.objects.get(action=AuditAction.OTP_ENROLLED)
    assert (entry.actor_id, entry.channel, entry.fields) == (None, "command", ["totp"])

    client = Client()
    assert sign_in(client, "olga").status_code == 200  # the code is required
    assert sign_in(client, "olga", rfc6238("JBSWY3DPEHPK3PXP", time.time())).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_add_user_otp_secret_replaces_the_device_of_an_existing_account(program_staff):
    enrolled(program_staff)

    call_command("add_user", "pat", "--role", "program_staff", "--otp-secret", "jbsw y3dp ehpk 3pxp")

    assert [bytes.fromhex(key) for key in TOTPDevice.objects.values_list("key", flat=True)] == [
        base64.b32decode("JBSWY3DPEHPK3PXP")
    ]


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("not-base32!", "--otp-secret must be base32"),
        ("JBSWY3DPEHPK3PX1", "--otp-secret must be base32"),
        ("JBSWY3DP", "--otp-secret is too short"),
        ("A" * 80, "--otp-secret is too long"),
        ("JBSWY3DPEHPK3PXPA", "--otp-secret is not valid base32"),
    ],
)
def test_add_user_refuses_a_bad_secret_in_one_line_and_saves_nothing(db, secret, reason):
    with pytest.raises(CommandError) as error:
        call_command("add_user", "olga", "--role", "program_staff", "--password", PASSWORD, "--otp-secret", secret)

    assert str(error.value).startswith(reason) and "\n" not in str(error.value)
    assert not TOTPDevice.objects.exists()
    assert not UserFactory._meta.model.objects.filter(username="olga").exists()


def test_add_user_exits_non_zero_for_a_bad_secret():
    result = manage("add_user", "olga", "--role", "program_staff", "--otp-secret", "0000", env=PRODUCTION_ENV)

    assert result.returncode != 0
    reason = [line for line in result.stderr.splitlines() if "otp-secret" in line]
    assert reason == ["CommandError: --otp-secret must be base32: letters A-Z and digits 2-7"]
    assert result.stderr.strip().splitlines()[-1] == reason[0]


# --- Pages ------------------------------------------------------------------------------------------------------


def test_the_pages_have_no_inline_script_and_are_in_spanish(program_staff):
    client = Client()
    login_page = client.get(LOGIN).content.decode()
    sign_in(client, "pat")
    enrol_page = client.get(ENROL).content.decode()
    client.post(ENROL, {"otp": code_for_key(client.session[PENDING_SECRET])})
    codes_page = client.get(CODES).content.decode()
    status_page = client.get(ENROL).content.decode()
    client.post("/accounts/logout/")
    client.force_login(program_staff)
    verify_page = client.get(VERIFY).content.decode()

    for page in [login_page, enrol_page, codes_page, status_page, verify_page]:
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
        assert not re.search(r"\son[a-z]+\s*=", page)
        assert '<html lang="es">' in page
    assert "Configure un segundo factor" in enrol_page
    assert "Sus códigos de respaldo" in codes_page
    assert "Su cuenta tiene un segundo factor" in status_page
    assert "Código de verificación" in verify_page


def test_new_backup_codes_wait_in_the_session_only_until_shown(caseworker_a):
    device, _codes = enrolled(caseworker_a)
    client = verified_client(caseworker_a, device)
    client.post(ENROL + "new-codes/", {"codes-otp": code_for(device, steps_ahead=1)})
    assert NEW_BACKUP_CODES in client.session

    client.get(CODES)

    assert NEW_BACKUP_CODES not in client.session
