"""The month lock, moved here from `indicators` with its rows: the state takes the existing table
(indicators_monthlock), then the table is renamed, so every lock survives."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shelters", "0010_fill_victim_name_blind_index"),
        ("indicators", "0002_month_lock_moves_to_shelters"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MonthLock",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("month", models.DateField(verbose_name="month")),
                        ("locked_at", models.DateTimeField(auto_now_add=True, verbose_name="locked at")),
                        (
                            "locked_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "shelter",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="month_locks",
                                to="shelters.shelter",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "locked month",
                        "verbose_name_plural": "locked months",
                        "ordering": ["shelter", "month"],
                        "db_table": "indicators_monthlock",
                        "constraints": [
                            models.UniqueConstraint(fields=("shelter", "month"), name="month_lock_unique"),
                            models.CheckConstraint(condition=models.Q(("month__day", 1)), name="month_lock_is_month"),
                        ],
                    },
                ),
            ]
        ),
        # The table takes this app's name (ALTER TABLE ... RENAME): rows, constraints and grants stay.
        migrations.AlterModelTable(name="monthlock", table=None),
    ]
