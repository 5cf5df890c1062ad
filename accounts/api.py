"""`/api/v1/auth/token/`: sign in for a token (POST) and give it back (DELETE)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from proteja_site.api import RESPONSE_400, RESPONSE_401, RESPONSE_429

from . import services, two_factor
from .addresses import client_address
from .authentication import ExpiringTokenAuthentication
from .models import ApiToken
from .serializers import TokenRequestSerializer, TokenSerializer
from .throttling import AddressScopedRateThrottle


class TokenView(APIView):
    """`POST {"username", "password"[, "otp"]}` -> `{"token", "expires"}`; `DELETE` revokes the token sent.

    Throttled by client address (scope `token`); failed sign-ins count towards django-axes'
    lock-out of the account (429 for AXES_COOLOFF_MINUTES, even with the right password).
    An account with a second factor must send its current code as `otp`.
    """

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [AddressScopedRateThrottle]
    throttle_scope = "token"

    def get_authenticators(self):  # type: ignore[no-untyped-def]
        # POST signs in with a password: a stale token in the header must not make it fail with 401.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(
        summary="Get an API token",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                RESPONSE_400.response, description="Missing fields, wrong credentials, or a missing or wrong `otp`."
            ),
            429: RESPONSE_429,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The plain HttpRequest: django-axes flags it, and its middleware reads the flag.
        http_request = request._request
        address = client_address(http_request)
        user = authenticate(
            http_request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            if getattr(http_request, "axes_locked_out", False):
                # AxesMiddleware answers with AXES_LOCKOUT_CALLABLE's 429; this is the same in case it is off.
                return Response(
                    {"detail": _("Too many failed sign-ins: this account is locked for a while.")},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise ValidationError({"non_field_errors": [_("Unable to sign in with these credentials.")]})
        code = serializer.validated_data.get("otp", "")
        if two_factor.has_second_factor(user):
            if not code:
                raise ValidationError({"otp": [_("This account has a second factor: send its 6-digit code as otp.")]})
            if two_factor.verify_code(user, code) is None:
                # Audited, and a failed sign-in for django-axes (its middleware answers 429 once that locks).
                two_factor.code_refused(request=http_request, user=user, channel="api", address=address)
                raise ValidationError({"otp": [_("Wrong or expired code.")]})
        elif two_factor.needs_second_factor(user):
            raise ValidationError(
                {"otp": [_("Your role needs a second factor: enrol one on the web pages first, then send its code.")]}
            )
        api_token, text = services.token_issue(user=user, channel="api", address=address)
        return Response({"token": text, "expires": api_token.expiry.isoformat()})

    @extend_schema(
        summary="Revoke the token this request is signed with",
        request=None,
        responses={204: None, 401: RESPONSE_401},
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise NotAuthenticated(_("Send the token to revoke as Authorization: Token <token>."))
        services.token_revoke(api_token=request.auth, channel="api", address=client_address(request._request))
        return Response(status=status.HTTP_204_NO_CONTENT)
