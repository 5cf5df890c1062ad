"""service_shelter_date covers category and victim, so that Annex 2 counts a shelter's months from the index
alone; the shelter's own single-column index goes (service_shelter_date starts with the shelter).

Services are the largest table and every page reads them, so on PostgreSQL nothing here locks them for
long: the new index is built CONCURRENTLY beside the old one (under a name of its own, then renamed), the
old ones are dropped CONCURRENTLY, and the foreign key stays as it is (Django's AlterField(db_index=False)
would drop and re-add it, re-checking every service under lock: migration 0003 says the same). Hence a
migration outside a transaction; each step can be run again after a failure. SQLite (the demo) just swaps
the indexes.
"""

import django.db.models.deletion
from django.db import migrations, models

COVERING = "service_shelter_date"
BUILDING = "service_shelter_date_covering"
TABLE = "shelters_service"


def single_column_indexes(schema_editor, column):
    """Names of the plain indexes on exactly this column (the foreign key's own index)."""
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and info["columns"] == [column] and not info["unique"] and not info["primary_key"]
    ]


def swap_indexes(schema_editor, *, include: bool) -> None:
    """service_shelter_date rebuilt with (include) or without its covered columns."""
    columns = "(shelter_id, date)" + (" INCLUDE (category, victim_id)" if include else "")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {COVERING}")
        schema_editor.execute(f"CREATE INDEX {COVERING} ON {TABLE} (shelter_id, date)")
        return
    for statement in (
        # A build that failed halfway leaves an invalid index behind: start again from nothing.
        f"DROP INDEX CONCURRENTLY IF EXISTS {BUILDING}",
        f"CREATE INDEX CONCURRENTLY {BUILDING} ON {TABLE} {columns}",
        f"DROP INDEX CONCURRENTLY IF EXISTS {COVERING}",
        f"ALTER INDEX {BUILDING} RENAME TO {COVERING}",
    ):
        schema_editor.execute(statement)


def cover(apps, schema_editor):
    swap_indexes(schema_editor, include=True)
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    for name in single_column_indexes(schema_editor, "shelter_id"):
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(name)}")


def uncover(apps, schema_editor):
    swap_indexes(schema_editor, include=False)
    if not single_column_indexes(schema_editor, "shelter_id"):
        concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
        schema_editor.execute(f"CREATE INDEX{concurrently} service_shelter_fk ON {TABLE} (shelter_id)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('shelters', '0018_service_index_covers_shelter'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name='service',
                    name='service_shelter_date',
                ),
                migrations.AddIndex(
                    model_name='service',
                    index=models.Index(
                        fields=['shelter', 'date'], include=('category', 'victim'), name='service_shelter_date'
                    ),
                ),
                migrations.AlterField(
                    model_name='service',
                    name='shelter',
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name='+',
                        to='shelters.shelter',
                        verbose_name='shelter',
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(cover, uncover)],
        ),
    ]
