"""Django admin for accounts: program staff (and role-less superusers) manage the accounts that reach no
case record (program staff and partners) and invite new ones. Shelter staff never get this admin.

What admin never does, for anyone:
- show or make a credential: no password field or password page, no API token or second-factor admin
  (the ApiToken model has none; django-otp's device admins, which show TOTP keys and backup codes, are
  unregistered here);
- give access to case records: the only roles offered are program staff and partner, there is no
  membership admin, and shelter staff accounts are not in the list (`accounts_managed_by_program_staff`);
- delete an account (its delete confirmation would list what hangs off it): accounts are deactivated.

Every change goes through `accounts.services` (checked, atomic, audited, and ending the account's tokens).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from shelters.models import User

from . import selectors, services
from .addresses import client_address
from .models import Invitation
from .third_party import model_name

# Second-factor devices hold secrets (the TOTP key and its QR code, the static backup codes): no admin page
# shows or makes them. The apps come before `accounts` in INSTALLED_APPS, so their admins are registered by now.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)


# Django stores a permission's name in English ("Can add API token"): said from its codename instead.
PERMISSION_ACTIONS = {
    "add": gettext_noop("Can add %(model)s"),
    "change": gettext_noop("Can change %(model)s"),
    "delete": gettext_noop("Can delete %(model)s"),
    "view": gettext_noop("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """ "Cuentas y acceso | token de la API | Puede añadir token de la API": app, model, what it allows."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    action = permission.codename.split("_", 1)[0]
    said = (
        gettext(PERMISSION_ACTIONS[action]) % {"model": model_name(model)}
        if action in PERMISSION_ACTIONS and permission.codename == f"{action}_{model._meta.model_name}"
        else gettext(permission.name)
    )
    return f"{model._meta.app_config.verbose_name} | {model_name(model)} | {said}"


class PermissionsInTheReadersLanguage:
    """A ModelAdmin mixin: the permission pickers list each permission by `permission_label`."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and db_field.related_model is Permission:
            field.queryset = field.queryset.select_related("content_type")
            field.label_from_instance = permission_label
        return field


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class ReadersLanguageGroupAdmin(PermissionsInTheReadersLanguage, GroupAdmin):
    pass


def _role_choices(current: str) -> list[tuple[str, str]]:
    """Program staff and partner only; a role-less account (the operator's) may stay role-less."""
    choices = [(role.value, role.label) for role in selectors.PROGRAM_ROLES]
    return [("", "---------"), *choices] if not current else choices


class _Refused(Exception):
    """A service refused a write the form passed: shown as a message, nothing saved."""


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = (
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "is_active",
            "is_superuser",
            "groups",
            "user_permissions",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "role" in self.fields:
            current = self.instance.role or ""
            # A ChoiceField, not the model's: a POSTed shelter role is "not one of the available choices".
            self.fields["role"] = forms.ChoiceField(
                label=self.fields["role"].label, choices=_role_choices(current), required=bool(current)
            )


class ProgramRoleFilter(admin.SimpleListFilter):
    """By role: the roles this admin deals with, not the shelter roles its lists never hold."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(role.value, role.label) for role in selectors.PROGRAM_ROLES]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(role=self.value()) if self.value() else queryset


@admin.register(User)
class AccountAdmin(PermissionsInTheReadersLanguage, admin.ModelAdmin):
    form = AccountForm
    list_display = ("username", "role", "first_name", "last_name", "is_active", "last_login")
    list_filter = (ProgramRoleFilter, "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)
    actions = ["deactivate_accounts", "reactivate_accounts"]
    change_list_template = "admin/accounts/account_change_list.html"
    filter_horizontal = ("groups", "user_permissions")

    # --- who ---------------------------------------------------------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return selectors.is_program_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return selectors.is_program_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Accounts are made by accepting an invitation: the invitee chooses the password.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not selectors.is_program_admin(request.user):
            return False
        return obj is None or selectors.may_manage_account(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        if not selectors.is_program_admin(request.user):
            return User.objects.none()
        return selectors.accounts_managed_by_program_staff()

    # --- the form ----------------------------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[Any, dict[str, Any]]]:
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ("username", "role", "is_active", "is_staff")}),
            (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        ]
        if request.user.is_superuser:
            fieldsets.append((_("Permissions"), {"fields": ("is_superuser", "groups", "user_permissions")}))
        else:
            fieldsets[0] = (None, {"fields": ("username", "role", "is_active", "is_staff", "is_superuser")})
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # is_staff follows the role. The username and e-mail are how the account holder signs in and gets a
        # reset link: program staff who could change them could take the account over.
        readonly = ("is_staff", "last_login", "date_joined")
        if not request.user.is_superuser:
            readonly += ("username", "email", "is_superuser")
        return readonly

    def get_urls(self) -> list:
        # Django's user admin has a page that sets any account's password; this admin answers it with a 404,
        # so that no path under admin ever sets someone else's password.
        return [path("<id>/password/", self.admin_site.admin_view(self.password_view)), *super().get_urls()]

    def password_view(self, request: HttpRequest, id: str) -> HttpResponse:
        raise Http404

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not selectors.is_program_admin(request.user):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:accounts_invitation_add"))

    # --- writes, through the services ----------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # `obj` carries the form's values but is never saved itself: each change goes to its service.
        actor, data, changed = request.user, form.cleaned_data, set(form.changed_data)
        address = client_address(request)
        user = User.objects.get(pk=obj.pk)
        try:
            plain = [name for name in ("username", "first_name", "last_name", "email") if name in changed]
            if plain:
                for name in plain:
                    setattr(user, name, data[name])
                user.save(update_fields=plain)
            if "role" in changed and data["role"]:
                services.role_change(actor=actor, user=user, role=data["role"], channel="admin", address=address)
            if "is_active" in changed:
                services.account_set_active(
                    actor=actor, user=user, active=data["is_active"], channel="admin", address=address
                )
            if changed & {"is_superuser", "groups", "user_permissions"}:
                services.privileges_set(
                    actor=actor,
                    user=user,
                    is_superuser=data["is_superuser"] if "is_superuser" in changed else None,
                    groups=data["groups"] if "groups" in changed else None,
                    permissions=data["user_permissions"] if "user_permissions" in changed else None,
                    channel="admin",
                    address=address,
                )
        except (services.AccessRefused, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
            raise _Refused from exc

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Groups and permissions were saved by `privileges_set`; there are no inlines.
        return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused:
            # Raised inside the admin's transaction: everything the form would have changed is rolled back.
            return HttpResponseRedirect(request.get_full_path())

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions if self.has_change_permission(request) else {}

    def _set_active(self, request: HttpRequest, queryset: QuerySet[User], active: bool) -> int:
        done = 0
        for user in queryset:
            if user.is_active == active or not selectors.may_manage_account(request.user, user):
                continue
            services.account_set_active(
                actor=request.user, user=user, active=active, channel="admin", address=client_address(request)
            )
            done += 1
        return done

    @admin.action(description=_("Deactivate the selected accounts (their tokens end)"))
    def deactivate_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = self._set_active(request, queryset, active=False)
        messages.success(request, gettext("%(count)d account(s) deactivated.") % {"count": count})

    @admin.action(description=_("Reactivate the selected accounts"))
    def reactivate_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = self._set_active(request, queryset, active=True)
        messages.success(request, gettext("%(count)d account(s) reactivated.") % {"count": count})


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ("email", "role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # On the view page (nothing is editable) the form has no fields.
        if "role" in self.fields:
            self.fields["role"] = forms.ChoiceField(
                label=self.fields["role"].label, choices=_role_choices("program_staff")
            )


class InvitationStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("pending")), ("accepted", _("accepted")), ("withdrawn", _("withdrawn")),
                ("expired", _("expired"))]  # fmt: skip

    def queryset(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> QuerySet[Invitation]:
        now = timezone.now()
        open_ = queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        return {
            "pending": open_.filter(expires_at__gt=now),
            "accepted": queryset.filter(accepted_at__isnull=False),
            "withdrawn": queryset.filter(revoked_at__isnull=False),
            "expired": open_.filter(expires_at__lte=now),
        }.get(self.value() or "", queryset)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invite program staff and partners (adding one sends the e-mail), list and withdraw invitations.

    The link is only in the e-mail; only a hash of its secret is stored, and no page shows even that.
    Shelter staff invitations are their coordinators' business and are not listed here.
    """

    form = InvitationForm
    list_display = ("email", "role", "status", "created_at", "expires_at", "accepted_at", "revoked_at", "invited_by")
    list_filter = (InvitationStatusFilter, ProgramRoleFilter)
    search_fields = ("email",)
    list_select_related = ("invited_by",)
    actions = ["withdraw_invitations"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return selectors.is_program_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return selectors.is_program_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return selectors.is_program_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        if not selectors.is_program_admin(request.user):
            return Invitation.objects.none()
        return Invitation.objects.filter(shelter__isnull=True, role__in=selectors.PROGRAM_ROLES)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("email", "role")
        return ("email", "role", "status", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at",
                "user")  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else self.get_fields(request, obj)

    @admin.display(description=_("status"))
    def status(self, invitation: Invitation) -> str:
        if invitation.accepted_at:
            return gettext("accepted")
        if invitation.revoked_at:
            return gettext("withdrawn")
        return gettext("pending") if invitation.is_pending else gettext("expired")

    def save_model(self, request: HttpRequest, obj: Invitation, form: Any, change: bool) -> None:
        try:
            invitation, _link = services.invitation_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                channel="admin",
                address=client_address(request),
            )
        except (services.AccessRefused, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
            raise _Refused from exc
        # The link is dropped here: it goes by e-mail only, never onto a page.
        obj.pk, obj.created_at, obj.expires_at = invitation.pk, invitation.created_at, invitation.expires_at
        obj._state.adding = False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused:
            return HttpResponseRedirect(request.get_full_path())

    def response_add(self, request: HttpRequest, obj: Invitation, post_url_continue: str | None = None) -> HttpResponse:
        messages.success(
            request,
            gettext("Invitation sent to %(email)s. The link in it works once, for %(hours)d hours.")
            % {"email": obj.email, "hours": round((obj.expires_at - obj.created_at).total_seconds() / 3600)},
        )
        return HttpResponseRedirect(reverse("admin:accounts_invitation_changelist"))

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Withdraw the selected invitations"))
    def withdraw_invitations(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        count = 0
        for invitation in queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True):
            services.invitation_revoke(actor=request.user, invitation=invitation, channel="admin")
            count += 1
        messages.success(request, gettext("%(count)d invitation(s) withdrawn.") % {"count": count})
