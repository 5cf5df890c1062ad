"""The recompute outbox (shelters.models.RecomputeRequest), behind the case records' row-level security.

A case-record write upserts its shelter-months here in its own transaction; `indicators` drains the
table. The door's policy (read and write the door's shelters) and the aggregation path's (read only)
are those of migration 0008, so a request sees and writes its own shelters' requests only.
"""

import importlib

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

RLS = importlib.import_module("shelters.migrations.0008_row_level_security")
TABLE = "shelters_recomputerequest"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RLS.case_record_policies(TABLE))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"DROP POLICY IF EXISTS shelter_door ON {TABLE}; DROP POLICY IF EXISTS shelter_counting ON {TABLE};"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('shelters', '0016_month_lock_field_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='RecomputeRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('requested_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='requested at')),
                ('shelter', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='shelters.shelter')),
            ],
            options={
                'verbose_name': 'recompute request',
                'verbose_name_plural': 'recompute requests',
                'constraints': [models.UniqueConstraint(fields=('shelter', 'month'), name='recompute_request_unique'), models.CheckConstraint(condition=models.Q(('month__day', 1)), name='recompute_request_is_month')],
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
