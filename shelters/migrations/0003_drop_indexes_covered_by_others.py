"""Drop the single-column indexes of Service.victim and AuditEntry.shelter: service_victim_date and
audit_shelter_at start with the same column, and every insert paid for both.

Only the indexes are dropped. Django's AlterField(db_index=False) would also drop and re-add the
foreign keys, re-checking every row of both tables while holding their locks: every view of
personal data writes an audit entry, so views would wait for the whole check.
"""

import django.db.models.deletion
from django.db import migrations, models

COVERED = [("service", "victim"), ("auditentry", "shelter")]


def single_column_indexes(schema_editor, model, column):
    """Names of the plain indexes on exactly this column (the foreign key's own index)."""
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and info["columns"] == [column] and not info["unique"] and not info["primary_key"]
    ]


def drop_covered_indexes(apps, schema_editor):
    for model_name, field_name in COVERED:
        model = apps.get_model("shelters", model_name)
        column = model._meta.get_field(field_name).column
        for name in single_column_indexes(schema_editor, model, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def restore_covered_indexes(apps, schema_editor):
    for model_name, field_name in COVERED:
        model = apps.get_model("shelters", model_name)
        column = model._meta.get_field(field_name).column
        if not single_column_indexes(schema_editor, model, column):
            schema_editor.add_index(model, models.Index(fields=[field_name], name=f"{model_name[:12]}_{field_name}_fk"))


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0002_service_index_covers_category"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="shelter",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="shelters.shelter",
                    ),
                ),
                migrations.AlterField(
                    model_name="service",
                    name="victim",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="services",
                        to="shelters.victim",
                        verbose_name="victim",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_covered_indexes, restore_covered_indexes)],
        ),
    ]
