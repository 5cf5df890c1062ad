"""Two database roles: the owner, which migrations run as, and the application's, which owns nothing.

`DATABASE_URL` is the application's connection: a role that owns no table, has no BYPASSRLS and is
no superuser, so the row-level security policies (shelters migration 0005) hold for every query it
runs. `MIGRATION_DATABASE_URL` is the owner's: `migrate` (and `flush`) switch the connection to it,
and after each migrate `grant_application_role` gives the application role what it needs and no more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

# What the owner's URL replaces in the application's connection settings (the database stays the same:
# under tests, the test database).
_OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT")

AUDIT_TABLE = "shelters_auditentry"
# Other histories the application only appends to and reads: each state's changes (legislation).
APPEND_ONLY_TABLES = ("legislation_statechange",)
# The audit chain's seals and its queue of entries to seal: only the owner's functions touch them
# (shelters migration 0011), so the application role has no privilege on them at all.
AUDIT_CHAIN_TABLES = ("shelters_auditseal", "shelters_auditunsealed")


def owner_settings() -> dict | None:
    return getattr(settings, "MIGRATION_DATABASE", None)


def application_role() -> str:
    return settings.APPLICATION_DATABASE_ROLE


@contextmanager
def as_owner(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Run the block connected as the tables' owner (MIGRATION_DATABASE_URL), then as before.

    Without MIGRATION_DATABASE_URL (the demo, a single-role setup) the connection stays as it is.
    """
    owner = owner_settings()
    if (
        owner is None
        or connection.vendor != "postgresql"
        or getattr(connection, "proteja_as_owner", False)
        or all(connection.settings_dict.get(key) == owner.get(key) for key in _OWNER_KEYS)
    ):
        yield
        return
    if connection.in_atomic_block:
        raise RuntimeError("Cannot switch to the owner's role inside a transaction.")
    saved = {key: connection.settings_dict.get(key) for key in _OWNER_KEYS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key) for key in _OWNER_KEYS})
    connection.proteja_as_owner = True
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
        connection.proteja_as_owner = False


def grant_application_role(connection: BaseDatabaseWrapper) -> None:
    """What the application role may do: read and write the tables, but the audit trail (and the states'
    history, APPEND_ONLY_TABLES) only append to and read (no UPDATE, DELETE or TRUNCATE), and the chain's
    seals nothing (the owner's functions write and check them); no TRUNCATE anywhere, and no change of the
    schema.

    Run after every migrate (a post_migrate handler), so a table a migration adds is granted at once.
    """
    role = application_role()
    if connection.vendor != "postgresql" or not role or owner_settings() is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return
        quoted = connection.ops.quote_name(role)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        cursor.execute(f"REVOKE ALL ON django_migrations FROM {quoted}")
        cursor.execute(f"GRANT SELECT ON django_migrations TO {quoted}")
        cursor.execute(f"REVOKE ALL ON {AUDIT_TABLE} FROM {quoted}")
        cursor.execute(f"GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {quoted}")
        for table in APPEND_ONLY_TABLES:
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is not None:
                cursor.execute(f"REVOKE ALL ON {table} FROM {quoted}")
                cursor.execute(f"GRANT SELECT, INSERT ON {table} TO {quoted}")
        for table in AUDIT_CHAIN_TABLES:
            # Not there before shelters migration 0011 (a migrate back to an older state).
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is not None:
                cursor.execute(f"REVOKE ALL ON {table} FROM {quoted}")


def privileges_problem(connection: BaseDatabaseWrapper) -> str | None:
    """Why the connection's role must not run the application (superuser, BYPASSRLS, table owner), or None."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.rolname, r.rolsuper, r.rolbypassrls,
                   (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p') AND n.nspname = 'public')
            FROM pg_roles r WHERE r.rolname = current_user
            """
        )
        name, superuser, bypass, owned = cursor.fetchone()
    if superuser:
        return f"the database role {name!r} is a superuser"
    if bypass:
        return f"the database role {name!r} has BYPASSRLS"
    if owned:
        return f"the database role {name!r} owns {owned} table(s)"
    return None


def refuse_privileged_role(connection: BaseDatabaseWrapper) -> None:
    """In production (DEBUG off), refuse to start as a role that row-level security would not hold."""
    if settings.DEBUG:
        return
    problem = privileges_problem(connection)
    if problem:
        raise ImproperlyConfigured(
            f"Refusing to start: {problem}. DATABASE_URL must name the application's role, which owns no "
            "table and has no BYPASSRLS; migrations run as the owner, MIGRATION_DATABASE_URL."
        )
