"""The aggregation path may count the audit trail's entries of the shelters it counts (read only).

Drift after approval says which kinds of records changed since a month was approved, from the trail:
program staff see counts per kind of record and action (`indicators.board.changes_since`), never an
entry. As for case records (0008), `proteja.counted_shelter_ids` is set only by `shelters.scopes`.
"""

from django.db import migrations

COUNTED = "(SELECT proteja_counts_every_shelter()) OR shelter_id = ANY ((SELECT proteja_counted_shelter_ids())::bigint[])"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP POLICY IF EXISTS audit_counting ON shelters_auditentry;"
        f" CREATE POLICY audit_counting ON shelters_auditentry FOR SELECT USING ({COUNTED});"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP POLICY IF EXISTS audit_counting ON shelters_auditentry;")


class Migration(migrations.Migration):

    dependencies = [
        ("shelters", "0013_fill_first_records_month"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
