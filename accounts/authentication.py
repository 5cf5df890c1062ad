"""API tokens: hashed (django-rest-knox's digest), expiring, and ended by any change of credentials."""

from __future__ import annotations

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS

from .models import ApiToken, TokenKind


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`: one query, the token with its user, unexpired.

    knox's own check also reads every other token of the user to delete expired ones on each
    request; here expired tokens are simply not found, and a nightly task deletes them.
    A token made before its owner's credentials last changed (password, deactivation, role,
    shelters) is refused even if a service failed to delete it: the two are belt and braces.
    """

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        result = super().authenticate(request)
        if result is not None and result[1].kind == TokenKind.SCRIPT and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(_("Script keys are read-only."))
        return result

    def authenticate_credentials(self, token: bytes):  # type: ignore[no-untyped-def, override]
        message = _("Invalid or expired token.")
        try:
            text = token.decode("utf-8")
            digest = hash_token(text)
        except (UnicodeDecodeError, TypeError, binascii.Error, ValueError) as exc:
            raise exceptions.AuthenticationFailed(message) from exc
        candidates = ApiToken.objects.filter(
            token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH], expiry__gt=timezone.now()
        ).select_related("user")
        for api_token in candidates:
            if compare_digest(digest, api_token.digest):
                user = api_token.user
                if not user.is_active or api_token.created < user.credentials_changed_at:
                    raise exceptions.AuthenticationFailed(message)
                return user, api_token
        raise exceptions.AuthenticationFailed(message)
