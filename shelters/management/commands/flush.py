"""`flush` as the tables' owner: the application role may not TRUNCATE (TRUNCATE passes row-level security).

The test runner flushes after each test that commits (browser and worker tests)."""

from django.core.management.commands import flush
from django.db import connections

from proteja_site.database_roles import as_owner


class Command(flush.Command):
    def handle(self, *args: object, **options: object) -> None:
        with as_owner(connections[options["database"]]):
            super().handle(*args, **options)
