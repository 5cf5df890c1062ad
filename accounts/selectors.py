"""Who may grant what: the rules of separated duties, read by every page, admin screen and command.

- Access to a shelter's case records (a shelter role, a membership) is given or taken only by a
  coordinator of that shelter, or by the operator's command line (`actor=None`).
- Program staff (and role-less superusers) manage program-staff and partner accounts only, and
  can never give any account a shelter role or a membership.
- No account that is not shelter staff can be turned into one except from the command line: a
  coordinator manages only accounts that are already shelter staff of their own shelters.
"""

from __future__ import annotations

from django.db.models import QuerySet

from shelters.models import SHELTER_ROLES, Membership, Role, Shelter, User

PROGRAM_ROLES = (Role.PROGRAM_STAFF, Role.PARTNER)


def is_program_admin(user: User | None) -> bool:
    """Program staff, or a superuser with no role (the operator's admin account)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.role == Role.PROGRAM_STAFF or (user.is_superuser and not user.role))
    )


def coordinated_shelter_ids(user: User | None) -> set[int]:
    if user is None or not (user.is_authenticated and user.is_active and user.role == Role.COORDINATOR):
        return set()
    return set(Membership.objects.filter(user_id=user.pk).values_list("shelter_id", flat=True))


def shelter_ids_of(user: User) -> set[int]:
    return set(Membership.objects.filter(user_id=user.pk).values_list("shelter_id", flat=True))


def may_grant_shelter_access(actor: User | None, shelter: Shelter) -> bool:
    """May `actor` give or take a role or membership that reaches `shelter`'s case records?"""
    return actor is None or shelter.pk in coordinated_shelter_ids(actor)


def roles_actor_may_grant(actor: User | None, shelter: Shelter | None = None) -> tuple[str, ...]:
    """The roles `actor` may give, at `shelter` for shelter roles."""
    if actor is None:
        return tuple(Role.values)
    if shelter is not None:
        return SHELTER_ROLES if may_grant_shelter_access(actor, shelter) else ()
    return PROGRAM_ROLES if is_program_admin(actor) else ()


def may_manage_account(actor: User | None, user: User) -> bool:
    """May `actor` change `user`'s role, deactivate or unlock them?

    Program staff: accounts that reach no case record (program staff, partners, no memberships).
    Coordinators: shelter staff all of whose shelters they coordinate (a role is one per account, so a
    coordinator of A alone cannot change a caseworker who also works at B). Nobody manages themselves
    except from the command line.
    """
    if actor is None:
        return True
    if actor.pk == user.pk:
        return False
    if user.is_superuser and not actor.is_superuser:
        return False
    if is_program_admin(actor):
        return user.role not in SHELTER_ROLES and not shelter_ids_of(user)
    if user.role in SHELTER_ROLES:
        shelters = shelter_ids_of(user)
        return bool(shelters) and shelters <= coordinated_shelter_ids(actor)
    return False


def accounts_managed_by_program_staff() -> QuerySet[User]:
    """The accounts admin shows program staff: none that reaches a case record."""
    return User.objects.exclude(role__in=SHELTER_ROLES).exclude(memberships__isnull=False)


def team_of(shelter: Shelter) -> QuerySet[User]:
    return User.objects.filter(memberships__shelter=shelter).order_by("-is_active", "username")
