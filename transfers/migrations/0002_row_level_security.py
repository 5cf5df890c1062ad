"""Row-level security, forced, on consents and transfers (PostgreSQL only), as shelters' 0008 does.

A consent is its victim's shelter's (`shelter_id`). A transfer is the sending shelter's (`shelter_id`)
and the receiving shelter's (`to_shelter_id`): either side's door reads and writes it, and a write must
leave it in one of them. Neither table has a counting policy: Annex 2 counts the referral and the
intake an accepted transfer writes, never these rows. The functions are 0008's.
"""

from django.db import migrations


def door(column: str) -> str:
    return (
        f"({column} = (SELECT proteja_door_single_shelter_id())"
        f" OR {column} = ANY ((SELECT proteja_door_shelter_ids())::bigint[]))"
    )


CONSENT = door("shelter_id")
TRANSFER = f"({door('shelter_id')} OR {door('to_shelter_id')})"

POLICIES = {"transfers_consent": CONSENT, "transfers_transfer": TRANSFER}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, condition in POLICIES.items():
        schema_editor.execute(
            f"""
            ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
            DROP POLICY IF EXISTS shelter_door ON {table};
            CREATE POLICY shelter_door ON {table} USING ({condition}) WITH CHECK ({condition});
            """
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in POLICIES:
        schema_editor.execute(
            f"DROP POLICY IF EXISTS shelter_door ON {table};"
            f" ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("shelters", "0008_row_level_security"),
        ("transfers", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
