"""Joining by invitation, and passwords: each person sets their own, by a link to their own address.

Django's password reset and change views do the work; these subclasses only tell the audit
trail who did it and how (accounts.signals records every stored password, whatever the path).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from shelters.audit import audit_account_event
from shelters.models import AuditAction, User

from . import services
from .addresses import client_address
from .selectors import shelter_ids_of


class JoinForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only. Not your name: a short word you will remember."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


@sensitive_post_parameters("password1", "password2")
@never_cache
def join(request: HttpRequest, secret: str) -> HttpResponse:
    invitation = services.invitation_for_secret(secret)
    if invitation is None:
        return render(request, "accounts/join_invalid.html", status=404)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                address=client_address(request),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(
                    {"password": "password1", "__all__": None}.get(field, field if field in form.fields else None),
                    errors,
                )
        else:
            # Signed in straight away; a role that needs a second factor is taken to enrol it before anything else.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("web:home")
    return render(request, "accounts/join.html", {"form": form, "invitation": invitation})


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an e-mail address; a link goes to that address only if an account has it. The page says the same
    either way, so it tells nobody which addresses have accounts."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form: forms.Form) -> HttpResponse:
        for user in form.get_users(form.cleaned_data["email"]):
            audit_account_event(
                actor=None,
                action=AuditAction.PASSWORD_RESET_REQUESTED,
                subject=user,
                shelter_ids=shelter_ids_of(user),
                channel="web",
                address=client_address(self.request),
            )
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form: forms.Form) -> HttpResponse:
        user: User = form.user
        user.password_set_by = user
        user.password_reset = True
        user.password_channel = "web"
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"

    def form_valid(self, form: forms.Form) -> HttpResponse:
        form.user.password_set_by = self.request.user
        form.user.password_channel = "web"
        return super().form_valid(form)
