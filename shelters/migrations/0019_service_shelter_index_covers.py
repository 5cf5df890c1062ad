"""service_shelter_date covers category and victim, so that Annex 2 counts a shelter's months from the index
alone; the shelter's own single-column index goes (service_shelter_date starts with the shelter)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0018_service_index_covers_shelter"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="service",
            name="service_shelter_date",
        ),
        migrations.AddIndex(
            model_name="service",
            index=models.Index(fields=["shelter", "date"], include=("category", "victim"), name="service_shelter_date"),
        ),
        migrations.AlterField(
            model_name="service",
            name="shelter",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="shelters.shelter",
                verbose_name="shelter",
            ),
        ),
    ]
