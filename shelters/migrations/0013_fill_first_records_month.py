"""Each shelter's first month of case records, from the records it already keeps (rerunnable).

The earliest intake of its victims or date of its trainings, as the first day of that month. A shelter
with none keeps an empty value: nothing of it is computed until it writes its first record.
"""

from django.db import migrations
from django.db.models import Min


def fill(apps, schema_editor):
    Shelter = apps.get_model("shelters", "Shelter")
    Victim = apps.get_model("shelters", "Victim")
    Training = apps.get_model("shelters", "Training")
    earliest = {}
    for model, field in ((Victim, "intake_date"), (Training, "date")):
        # Migrations run as the tables' owner with row-level security bypassed: every shelter's rows.
        for shelter_id, day in model.objects.values("shelter_id").annotate(first=Min(field)).values_list(
            "shelter_id", "first"
        ):
            if day is not None:
                month = day.replace(day=1)
                earliest[shelter_id] = min(earliest.get(shelter_id, month), month)
    for shelter_id, month in earliest.items():
        Shelter.objects.filter(pk=shelter_id, first_records_month__isnull=True).update(first_records_month=month)


class Migration(migrations.Migration):

    dependencies = [
        ("shelters", "0012_shelter_first_records_month"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
