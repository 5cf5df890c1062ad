"""Writes to accounts: roles, memberships, invitations, tokens. Each checks who may do it
(`accounts.selectors`), is atomic, and leaves an entry in the audit trail.

`actor=None` is the operator's command line, the only actor that may do everything.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shelters.audit import audit_account_event
from shelters.models import SHELTER_ROLES, AuditAction, Membership, Role, Shelter, User

from . import selectors
from .models import ApiToken, Invitation, TokenKind

logger = logging.getLogger(__name__)


class AccessRefused(PermissionDenied):
    """The actor may not make this change; the message says why, in the reader's language."""


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise AccessRefused(message)


# --- Tokens -----------------------------------------------------------------------------------------------------


def token_issue(
    *,
    user: User,
    kind: str = TokenKind.SIGN_IN,
    days: int | None = None,
    channel: str = "api",
    address: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user`: the plain text is returned once and never stored."""
    if kind == TokenKind.SCRIPT:
        if user.role != Role.PARTNER:
            raise ValidationError({"username": _("Script keys are for partners only.")})
        if days is None or not 1 <= days <= settings.SCRIPT_KEY_MAX_DAYS:
            raise ValidationError(
                {"days": _("Give between 1 and %(max)d days.") % {"max": settings.SCRIPT_KEY_MAX_DAYS}}
            )
        expiry = timedelta(days=days)
    else:
        expiry = timedelta(hours=settings.TOKEN_TTL_HOURS)
    with transaction.atomic():
        api_token, text = ApiToken.objects.create(user=user, expiry=expiry, kind=kind)
        audit_account_event(
            actor=user if channel == "api" else None,
            action=AuditAction.TOKEN_ISSUED,
            subject=user,
            shelter_ids=selectors.shelter_ids_of(user),
            fields=[kind],
            channel=channel,
            address=address,
        )
    return api_token, text


def token_revoke(*, api_token: ApiToken, channel: str = "api", address: str | None = None) -> None:
    """`DELETE /api/v1/auth/token/`: the token it was sent with stops working."""
    user = api_token.user
    with transaction.atomic():
        ApiToken.objects.filter(digest=api_token.digest).delete()
        audit_account_event(
            actor=user,
            action=AuditAction.TOKEN_REVOKED,
            subject=user,
            shelter_ids=selectors.shelter_ids_of(user),
            fields=[api_token.kind],
            channel=channel,
            address=address,
        )


def end_credentials(*, user: User, actor: User | None, why: str, channel: str = "", address: str | None = None) -> int:
    """Every token of `user` stops working now (a password, role, shelter or active flag changed)."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(credentials_changed_at=now)
    user.credentials_changed_at = now
    deleted, _by_model = ApiToken.objects.filter(user_id=user.pk).delete()
    if deleted:
        audit_account_event(
            actor=actor,
            action=AuditAction.TOKEN_REVOKED,
            subject=user,
            shelter_ids=selectors.shelter_ids_of(user),
            fields=[why],
            channel=channel,
            address=address,
        )
    return deleted


def tokens_revoke_all(*, user: User, actor: User | None = None, channel: str = "command") -> int:
    with transaction.atomic():
        return end_credentials(user=user, actor=actor, why="revoked", channel=channel)


def delete_expired_tokens() -> int:
    deleted, _by_model = ApiToken.objects.filter(expiry__lte=timezone.now()).delete()
    return deleted


# --- Roles, memberships, active flag ----------------------------------------------------------------------------


def role_change(*, actor: User | None, user: User, role: str, channel: str = "", address: str | None = None) -> User:
    """Give `user` another role, within what `actor` may grant."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if role == user.role:
        return user
    _refuse_unless(selectors.may_manage_account(actor, user), _("You may not change this account."))
    if actor is not None:
        if role in SHELTER_ROLES:
            # Coordinators switch their own staff between caseworker and coordinator; nobody else gives a shelter role.
            _refuse_unless(
                user.role in SHELTER_ROLES and bool(selectors.shelter_ids_of(user)),
                _("Only a shelter's coordinators give access to its case records."),
            )
        else:
            _refuse_unless(
                selectors.is_program_admin(actor) and user.role not in SHELTER_ROLES,
                _("You may not give this role."),
            )
    with transaction.atomic():
        previous = user.role
        user.role = role
        user.is_staff = role != Role.PARTNER
        user.save(update_fields=["role", "is_staff"])
        audit_account_event(
            actor=actor,
            action=AuditAction.ROLE_CHANGED,
            subject=user,
            shelter_ids=selectors.shelter_ids_of(user),
            fields=[f"{previous or '-'}->{role}"],
            channel=channel,
            address=address,
        )
        end_credentials(user=user, actor=actor, why="role_changed", channel=channel, address=address)
    return user


def membership_add(
    *, actor: User | None, user: User, shelter: Shelter, channel: str = "", address: str | None = None
) -> Membership:
    _refuse_unless(
        selectors.may_grant_shelter_access(actor, shelter),
        _("Only this shelter's coordinators give access to its case records."),
    )
    # A coordinator adds shelter staff only: a program-staff or partner account never gains case records.
    _refuse_unless(
        actor is None or user.role in SHELTER_ROLES,
        _("Only shelter staff can be members of a shelter."),
    )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, shelter=shelter)
        if created:
            audit_account_event(
                actor=actor,
                action=AuditAction.MEMBERSHIP_ADDED,
                subject=user,
                shelter_ids=[shelter.pk],
                channel=channel,
                address=address,
            )
            end_credentials(user=user, actor=actor, why="membership_added", channel=channel, address=address)
    return membership


def membership_remove(
    *, actor: User | None, user: User, shelter: Shelter, channel: str = "", address: str | None = None
) -> None:
    _refuse_unless(
        selectors.may_grant_shelter_access(actor, shelter) and (actor is None or actor.pk != user.pk),
        _("Only this shelter's coordinators take away access to its case records."),
    )
    with transaction.atomic():
        deleted, _by_model = Membership.objects.filter(user=user, shelter=shelter).delete()
        if deleted:
            audit_account_event(
                actor=actor,
                action=AuditAction.MEMBERSHIP_REMOVED,
                subject=user,
                shelter_ids=[shelter.pk],
                channel=channel,
                address=address,
            )
            end_credentials(user=user, actor=actor, why="membership_removed", channel=channel, address=address)


def account_set_active(
    *, actor: User | None, user: User, active: bool, channel: str = "", address: str | None = None
) -> User:
    if user.is_active == active:
        return user
    _refuse_unless(selectors.may_manage_account(actor, user), _("You may not change this account."))
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_account_event(
            actor=actor,
            action=AuditAction.REACTIVATED if active else AuditAction.DEACTIVATED,
            subject=user,
            shelter_ids=selectors.shelter_ids_of(user),
            channel=channel,
            address=address,
        )
        if not active:
            end_credentials(user=user, actor=actor, why="deactivated", channel=channel, address=address)
    return user


def privileges_set(
    *,
    actor: User | None,
    user: User,
    is_superuser: bool | None = None,
    groups: Iterable[Group] | None = None,
    permissions: Iterable[Permission] | None = None,
    channel: str = "",
    address: str | None = None,
) -> User:
    """Superuser rights, groups and raw permissions (None: left as they are).

    Only a superuser (or the command line) gives them, and never to an account that reaches case
    records: shelter access comes from a shelter role and membership, given by coordinators alone.
    Audited as a role change, and the account's tokens end, as with a role change.
    """
    if actor is not None:
        _refuse_unless(
            actor.is_superuser and selectors.may_manage_account(actor, user), _("You may not change this account.")
        )
        _refuse_unless(
            user.role not in SHELTER_ROLES and not selectors.shelter_ids_of(user),
            _("Only a shelter's coordinators give access to its case records."),
        )
    changed: list[str] = []
    if is_superuser is not None and is_superuser != user.is_superuser:
        changed.append(f"is_superuser:{user.is_superuser}->{is_superuser}")
    new_groups = None if groups is None else list(groups)
    if new_groups is not None and {group.pk for group in new_groups} != set(user.groups.values_list("pk", flat=True)):
        changed.append("groups")
    new_permissions = None if permissions is None else list(permissions)
    if new_permissions is not None and {permission.pk for permission in new_permissions} != set(
        user.user_permissions.values_list("pk", flat=True)
    ):
        changed.append("user_permissions")
    if not changed:
        return user
    with transaction.atomic():
        if is_superuser is not None and is_superuser != user.is_superuser:
            user.is_superuser = is_superuser
            user.save(update_fields=["is_superuser"])
        if "groups" in changed:
            user.groups.set(new_groups)
        if "user_permissions" in changed:
            user.user_permissions.set(new_permissions)
        audit_account_event(
            actor=actor,
            action=AuditAction.ROLE_CHANGED,
            subject=user,
            shelter_ids=selectors.shelter_ids_of(user),
            fields=changed,
            channel=channel,
            address=address,
        )
        end_credentials(user=user, actor=actor, why="privileges_changed", channel=channel, address=address)
    return user


def password_was_set(
    *, user: User, actor: User | None = None, reset: bool = False, channel: str = "", address: str | None = None
) -> None:
    """A password was stored (reset link, own change, command line): audit it and end every token."""
    with transaction.atomic():
        audit_account_event(
            actor=actor,
            action=AuditAction.PASSWORD_RESET if reset else AuditAction.PASSWORD_CHANGED,
            subject=user,
            shelter_ids=selectors.shelter_ids_of(user),
            channel=channel,
            address=address,
        )
        end_credentials(user=user, actor=actor, why="password_changed", channel=channel, address=address)


# --- Invitations ------------------------------------------------------------------------------------------------


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invitation_link(secret: str) -> str:
    return f"{settings.SITE_URL}{reverse('accounts:join', args=[secret])}"


def invitation_create(
    *,
    actor: User | None,
    email: str,
    role: str,
    shelter: Shelter | None = None,
    channel: str = "",
    address: str | None = None,
) -> tuple[Invitation, str]:
    """Invite someone to join with `role` (at `shelter`): e-mails a one-time link; returns it too (for the console)."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if role in SHELTER_ROLES and shelter is None:
        raise ValidationError({"shelter": _("Choose the shelter.")})
    if role not in SHELTER_ROLES:
        shelter = None
    _refuse_unless(
        role in selectors.roles_actor_may_grant(actor, shelter), _("You may not invite someone with this role.")
    )
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation(
        email=email,
        role=role,
        shelter=shelter,
        secret_hash=_hash_secret(secret),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=settings.INVITATION_TTL_HOURS),
    )
    invitation.full_clean(exclude=["secret_hash"])
    link = invitation_link(secret)
    with transaction.atomic():
        invitation.save()
        audit_account_event(
            actor=actor,
            action=AuditAction.INVITED,
            subject=invitation,
            shelter_ids=[shelter.pk] if shelter else [],
            fields=[role],
            channel=channel,
            address=address,
        )
    _send_invitation(invitation=invitation, link=link)
    return invitation, link


class MailNotSent(Exception):
    """The invitation is saved, but the mail server refused or did not answer; the message names it."""

    def __init__(self, message: str, *, invitation: Invitation, link: str) -> None:
        super().__init__(message)
        self.invitation = invitation
        self.link = link


def _send_invitation(*, invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "hours": settings.INVITATION_TTL_HOURS}
    # In Spanish, then English, whoever sends it (the command line runs without a language).
    parts = []
    for language in ("es", "en"):
        with translation.override(language):
            parts.append((_("Your invitation to PROTEJA"), render_to_string("accounts/invitation_email.txt", context)))
    subject = " / ".join(dict.fromkeys(subject for subject, _body in parts))
    body = "\n\n----\n\n".join(body.strip() for _subject, body in parts)
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[invitation.email])
    except (SMTPException, OSError) as exc:
        logger.error(
            "Invitation %s not sent: mail server %s:%s: %s",
            invitation.pk,
            settings.EMAIL_HOST,
            settings.EMAIL_PORT,
            type(exc).__name__,
        )
        raise MailNotSent(
            _(
                "The invitation is saved, but the e-mail could not be sent (mail server %(host)s). Withdraw it and "
                "try again later, or ask the operator to check the mail settings."
            )
            % {"host": settings.EMAIL_HOST},
            invitation=invitation,
            link=link,
        ) from exc


def invitation_for_secret(secret: str) -> Invitation | None:
    """The pending invitation a link names, or None (expired, used, withdrawn or never made)."""
    invitation = (
        Invitation.objects.select_related("shelter").filter(secret_hash=_hash_secret(secret)).first()
        if secret
        else None
    )
    return invitation if invitation is not None and invitation.is_pending else None


def invitation_accept(*, invitation: Invitation, username: str, password: str, address: str | None = None) -> User:
    """The invitee joins: their own username and password, the invitation's role and shelter."""
    user = User(username=username, email=invitation.email, role=invitation.role)
    user.is_staff = invitation.role != Role.PARTNER
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Used once: of two tabs accepting at the same moment, only one finds it still pending.
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).update(accepted_at=timezone.now())
        if not claimed:
            raise ValidationError({"__all__": [_("This invitation has already been used or has expired.")]})
        user.set_password(password)
        user.save()
        Invitation.objects.filter(pk=invitation.pk).update(user=user)
        if invitation.shelter_id:
            Membership.objects.create(user=user, shelter_id=invitation.shelter_id)
        audit_account_event(
            actor=user,
            action=AuditAction.JOINED,
            subject=user,
            shelter_ids=[invitation.shelter_id] if invitation.shelter_id else [],
            fields=[invitation.role],
            channel="web",
            address=address,
        )
    return user


def invitation_revoke(*, actor: User | None, invitation: Invitation, channel: str = "") -> None:
    if invitation.shelter_id:
        allowed = selectors.may_grant_shelter_access(actor, invitation.shelter)
    else:
        allowed = actor is None or selectors.is_program_admin(actor)
    _refuse_unless(allowed, _("You may not withdraw this invitation."))
    with transaction.atomic():
        if Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        ):
            audit_account_event(
                actor=actor,
                action=AuditAction.INVITATION_REVOKED,
                subject=invitation,
                shelter_ids=[invitation.shelter_id] if invitation.shelter_id else [],
                channel=channel,
            )


# --- Lock-outs --------------------------------------------------------------------------------------------------


def account_unlock(*, actor: User | None, user: User, channel: str = "", address: str | None = None) -> int:
    """Lift django-axes' lock-out of `user` now: their failed sign-ins, from every address, are forgotten.

    Whoever may deactivate the account may unlock it (`may_manage_account`; the command line always).
    Returns how many of axes' failure records were cleared; UNLOCKED is audited when there were any.
    """
    # Imported here so that this file's import block stays as others edit it; axes is always installed.
    from axes.utils import reset as axes_reset

    _refuse_unless(selectors.may_manage_account(actor, user), _("You may not unlock this account."))
    with transaction.atomic():
        cleared = axes_reset(username=user.get_username())
        if cleared:
            audit_account_event(
                actor=actor,
                action=AuditAction.UNLOCKED,
                subject=user,
                shelter_ids=selectors.shelter_ids_of(user),
                channel=channel,
                address=address,
            )
    return cleared
