"""Credentials and invitations. Users, roles and memberships live in `shelters.models`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from shelters.models import Role, Shelter


class TokenKind(models.TextChoices):
    # From POST /api/v1/auth/token/: TOKEN_TTL_HOURS long.
    SIGN_IN = "sign_in", _("Sign-in token")
    # From `manage.py issue_token`: partners' scripts, read-only, up to a year.
    SCRIPT = "script", _("Script key")


class ApiToken(AbstractAuthToken):
    """An API credential, stored as a hash (django-rest-knox): nobody, admin included, can read it back."""

    kind = models.CharField(_("kind"), max_length=10, choices=TokenKind.choices, default=TokenKind.SIGN_IN)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "expiry"], name="apitoken_user_expiry")]

    def __str__(self) -> str:
        # Never the digest: a page or log line that names a token names only whose it is and until when.
        return f"{self.get_kind_display()} {self.user_id} {self.expiry:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """A one-time link to join with a role (and, for shelter roles, a shelter); the invitee sets the password.

    Only a hash of the link's secret is stored, so a database read gives nobody a way in.
    """

    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    shelter = models.ForeignKey(
        Shelter, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations", verbose_name=_("shelter")
    )
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("account"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # Shelter roles come with their shelter; program staff and partners with none.
            models.CheckConstraint(
                condition=(Q(role__in=["caseworker", "coordinator"]) & Q(shelter__isnull=False))
                | (Q(role__in=["program_staff", "partner"]) & Q(shelter__isnull=True)),
                name="invitation_shelter_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.created_at:%Y-%m-%d}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
