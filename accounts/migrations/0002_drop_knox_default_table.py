"""knox's own migrations create `knox_authtoken` even when KNOX_TOKEN_MODEL swaps it for ours.

Nothing reads or writes it (tokens live in accounts_apitoken), but its foreign key to users
stops a table flush; an unused table of credentials is also one more place to wonder about.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS knox_authtoken", reverse_sql=migrations.RunSQL.noop),
    ]
