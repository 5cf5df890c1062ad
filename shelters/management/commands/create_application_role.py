"""Create the application's database role (DATABASE_URL's user) if it is missing, as the owner.

`make test` runs it before the suite; docker-compose's db creates the role in its init script instead.
The role logs in and does nothing else: no superuser, no BYPASSRLS, no CREATEDB or CREATEROLE; it owns
nothing, and `migrate` grants it the tables it needs.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from proteja_site.database_roles import application_role, as_owner, owner_settings


class Command(BaseCommand):
    help = "Create DATABASE_URL's role (login, no privileges) as MIGRATION_DATABASE_URL's, if it is missing."

    def handle(self, *args: object, **options: object) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are for PostgreSQL (the demo's SQLite has none).")
        if owner_settings() is None:
            raise CommandError("Set MIGRATION_DATABASE_URL (the owner's) to create DATABASE_URL's role.")
        role = application_role()
        password = connection.settings_dict.get("PASSWORD") or None
        with as_owner(connection), connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                self.stdout.write(f"Role {role} exists.")
                return
            quoted = connection.ops.quote_name(role)
            cursor.execute(
                f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                + (" PASSWORD %s" if password else ""),
                [password] if password else [],
            )
        self.stdout.write(f"Created role {role}.")
