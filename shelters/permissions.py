"""Who may use an endpoint at all, by role (api-v1.md, "Who may do what").

Which *records* a permitted user sees is decided elsewhere, by `shelters.selectors`;
these classes only answer "may this role call this endpoint with this method".
A failed check answers 403 to a signed-in user and 401 to an anonymous one (DRF
turns a refusal into 401 when no authenticator succeeded).
"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from .models import SHELTER_ROLES, Role
from .selectors import can_see_case_records

ALL_ROLES: tuple[str, ...] = tuple(Role.values)


def _role_of(request: Request) -> str | None:
    user = request.user
    if not (user and user.is_authenticated and user.is_active):
        return None
    return getattr(user, "role", "") or None


class RolePermission(BasePermission):
    """Reads (GET, HEAD, OPTIONS) for `read_roles`, everything else for `write_roles`."""

    read_roles: tuple[str, ...] = ()
    write_roles: tuple[str, ...] = ()
    message = "Your role may not use this endpoint."

    def has_permission(self, request: Request, view: APIView) -> bool:
        role = _role_of(request)
        if role is None:
            return False
        roles = self.read_roles if request.method in SAFE_METHODS else self.write_roles
        return role in roles


def allow_roles(*, read: Iterable[str] = (), write: Iterable[str] = ()) -> type[RolePermission]:
    """A permission class: `permission_classes = [allow_roles(read=ALL_ROLES, write=[Role.PROGRAM_STAFF])]`."""
    read_roles, write_roles = tuple(read), tuple(write)
    name = "Allow_read_{}_write_{}".format("_".join(read_roles) or "none", "_".join(write_roles) or "none")
    return type(name, (RolePermission,), {"read_roles": read_roles, "write_roles": write_roles})


class CanSeeCaseRecords(BasePermission):
    """Case-record endpoints: caseworkers and coordinators only; program staff and partners get 403."""

    message = "Only shelter staff (caseworkers and coordinators) may use case records."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_see_case_records(request.user)


IsShelterStaff = allow_roles(read=SHELTER_ROLES, write=SHELTER_ROLES)
IsCoordinator = allow_roles(read=[Role.COORDINATOR], write=[Role.COORDINATOR])
IsProgramStaff = allow_roles(read=[Role.PROGRAM_STAFF], write=[Role.PROGRAM_STAFF])
# Shelters, indicator definitions and the like: every role reads, program staff write.
ReadAnyRoleWriteProgramStaff = allow_roles(read=ALL_ROLES, write=[Role.PROGRAM_STAFF])
