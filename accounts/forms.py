"""Forms of the account pages: sign in (password and, when the account has one, its second factor's code)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import two_factor
from .addresses import client_address

# What a phone needs to offer its numeric keyboard and the code an authenticator app or an SMS suggests.
CODE_ATTRS = {
    "inputmode": "numeric",
    "autocomplete": "one-time-code",
    "autocapitalize": "off",
    "autocorrect": "off",
    "spellcheck": "false",
    "maxlength": "20",
}


def code_field(*, required: bool, label: str | None = None, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label or _("Verification code"),
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs=CODE_ATTRS),
        error_messages={"required": _("Enter the code of your authenticator app, or a backup code.")},
    )


class SignInForm(AuthenticationForm):
    """Username, password and an optional code: required, and checked, when the account has a second factor.

    A wrong code leaves the sign-in unfinished, is audited (SIGNIN_FAILED, `otp`) and counts towards the
    django-axes lock-out as a wrong password does. The device that accepted the code is `otp_device`.
    """

    otp = code_field(
        required=False,
        help_text=_("From your authenticator app, or one of your backup codes. Leave it empty if you have none."),
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.otp_device = None
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocorrect": "off"})

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()  # a wrong password (or a locked account) stops here
        user = self.get_user()
        if user is None or not two_factor.has_second_factor(user):
            return cleaned
        code = cleaned.get("otp", "")
        if not two_factor.normalise_code(code):
            self.add_error("otp", _("Your account has a second factor: enter the code of your authenticator app."))
            return cleaned
        device = two_factor.verify_code(user, code)
        if device is None:
            two_factor.code_refused(
                request=self.request, user=user, channel="web", address=client_address(self.request)
            )
            self.add_error("otp", _("Wrong or expired code."))
            return cleaned
        self.otp_device = device
        # django-otp's user_logged_in receiver persists it in the session when Django's login() runs.
        user.otp_device = device
        return cleaned


class CodeForm(forms.Form):
    """One code of the account's second factor: the authenticator app's, or a backup code."""

    otp = code_field(required=True)


class EnrolForm(forms.Form):
    """The code the newly added authenticator app shows, to prove it was set up with the right secret."""

    otp = code_field(required=True, label=_("Code the app shows now"))

    def clean_otp(self) -> str:
        code = two_factor.normalise_code(self.cleaned_data["otp"])
        if not code.isdigit() or len(code) != two_factor.TOTP_DIGITS:
            raise forms.ValidationError(_("Enter the 6 digits the app shows."))
        return code
