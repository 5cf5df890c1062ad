"""The month lock moves to `shelters` (shelters.0011 takes the same table): here it leaves the state only.

No row is touched: the table stays, and shelters.0011 renames it.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0001_initial"),
        ("shelters", "0010_fill_victim_name_blind_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="MonthLock")]),
    ]
