"""`migrate` as the tables' owner (MIGRATION_DATABASE_URL), never as the application's role."""

from django.core.management.commands import migrate
from django.db import connections

from proteja_site.database_roles import as_owner


class Command(migrate.Command):
    def handle(self, *args: object, **options: object) -> None:
        with as_owner(connections[options["database"]]):
            super().handle(*args, **options)
