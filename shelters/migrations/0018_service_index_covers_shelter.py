"""service_victim_date also covers the shelter: row-level security's policies read `shelter_id` on every row,
so without it PostgreSQL cannot answer Annex 2's grouping of services by victim from the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shelters', '0017_recompute_request'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='service',
            name='service_victim_date',
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(fields=['victim', 'date'], include=('category', 'shelter'), name='service_victim_date'),
        ),
    ]
