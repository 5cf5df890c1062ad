"""Row-level security, forced, on the case records and their audit trail (PostgreSQL only).

The policies read two settings that only `shelters.scopes` writes, per transaction:
`proteja.shelter_ids` (the door: read and write) and `proteja.counted_shelter_ids` (the
aggregation path: read only). Unset or empty lets nothing through. FORCE makes the policies
hold for the tables' owner too (only a superuser or a BYPASSRLS role, which migrations run as,
passes). The demo's SQLite has no row-level security: this migration does nothing there.
"""

from django.db import migrations, models

CASE_RECORD_TABLES = [
    "shelters_victim",
    "shelters_service",
    "shelters_referral",
    "shelters_legalaction",
    "shelters_followup",
    "shelters_training",
]
AUDIT_TABLE = "shelters_auditentry"
CASE_RECORD_TYPES = "'victim', 'service', 'referral', 'legalaction', 'followup', 'training'"

FUNCTIONS = """
-- The settings as arrays of shelter ids; NULL (nothing) when unset or empty. Policies call them inside
-- a scalar subquery, so each statement reads the setting once (an InitPlan), not once per row.
CREATE OR REPLACE FUNCTION proteja_door_shelter_ids() RETURNS bigint[] LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT string_to_array(nullif(current_setting('proteja.shelter_ids', true), ''), ',')::bigint[] $$;
CREATE OR REPLACE FUNCTION proteja_counted_shelter_ids() RETURNS bigint[] LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT string_to_array(nullif(nullif(current_setting('proteja.counted_shelter_ids', true), ''), '*'), ',')::bigint[] $$;
-- The door's one shelter, when it holds exactly one (a caseworker's usual case): a plain comparison per row,
-- which costs a fifth of comparing with an array (a count over 100,000 services: 10 ms -> 5-8 ms).
CREATE OR REPLACE FUNCTION proteja_door_single_shelter_id() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN s ~ '^[0-9]+$' THEN s::bigint END FROM (SELECT current_setting('proteja.shelter_ids', true) AS s) AS setting $$;
-- '*': counting every shelter (the nightly recompute, the national table). A test of one value per statement,
-- where comparing each row with a hundred ids would cost a fifth of a full count's time.
CREATE OR REPLACE FUNCTION proteja_counts_every_shelter() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(current_setting('proteja.counted_shelter_ids', true) = '*', false) $$;
"""
DOOR = (
    "(shelter_id = (SELECT proteja_door_single_shelter_id())"
    " OR shelter_id = ANY ((SELECT proteja_door_shelter_ids())::bigint[]))"
)
COUNTED = "(SELECT proteja_counts_every_shelter()) OR shelter_id = ANY ((SELECT proteja_counted_shelter_ids())::bigint[])"


def case_record_policies(table: str) -> str:
    return f"""
        ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
        DROP POLICY IF EXISTS shelter_door ON {table};
        DROP POLICY IF EXISTS shelter_counting ON {table};
        -- Read and write the door's shelters; a write must stay in them (WITH CHECK).
        CREATE POLICY shelter_door ON {table} USING ({DOOR}) WITH CHECK ({DOOR});
        -- Read, never write, the shelters being counted.
        CREATE POLICY shelter_counting ON {table} FOR SELECT USING ({COUNTED});
    """


AUDIT_POLICIES = f"""
    ALTER TABLE {AUDIT_TABLE} ENABLE ROW LEVEL SECURITY;
    ALTER TABLE {AUDIT_TABLE} FORCE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS audit_read ON {AUDIT_TABLE};
    DROP POLICY IF EXISTS audit_append ON {AUDIT_TABLE};
    DROP POLICY IF EXISTS audit_count_refusal ON {AUDIT_TABLE};
    -- The door's shelters' entries; those of no shelter when the door holds 0 (the operator's whole
    -- trail: tests, verifying the trail); and the last minutes' refusals (which carry no shelter), so that
    -- a repeat can be counted on its minute's entry.
    CREATE POLICY audit_read ON {AUDIT_TABLE} FOR SELECT USING (
        {DOOR}
        OR (shelter_id IS NULL AND 0 = ANY ((SELECT proteja_door_shelter_ids())::bigint[]))
        OR (shelter_id IS NULL AND action = 'refused' AND at > now() - interval '2 minutes')
    );
    -- Anyone appends: account events name the shelter they touch (a sign-in, a join by invitation, an
    -- operator's command), cost-share records the shelter program staff wrote them for, refusals and
    -- failed sign-ins of unknown names none. Only an entry about a case record must be of the door's shelters.
    CREATE POLICY audit_append ON {AUDIT_TABLE} FOR INSERT WITH CHECK (
        record_type NOT IN ({CASE_RECORD_TYPES}) OR shelter_id IS NULL OR {DOOR}
    );
    -- Counting a repeated refusal (the grants allow UPDATE of `repeats` only).
    CREATE POLICY audit_count_refusal ON {AUDIT_TABLE} FOR UPDATE
        USING (shelter_id IS NULL AND action = 'refused')
        WITH CHECK (shelter_id IS NULL AND action = 'refused');
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    for table in CASE_RECORD_TABLES:
        schema_editor.execute(case_record_policies(table))
    schema_editor.execute(AUDIT_POLICIES)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in CASE_RECORD_TABLES:
        schema_editor.execute(
            f"DROP POLICY IF EXISTS shelter_door ON {table}; DROP POLICY IF EXISTS shelter_counting ON {table};"
            f" ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
        )
    schema_editor.execute(
        f"DROP POLICY IF EXISTS audit_read ON {AUDIT_TABLE}; DROP POLICY IF EXISTS audit_append ON {AUDIT_TABLE};"
        f" DROP POLICY IF EXISTS audit_count_refusal ON {AUDIT_TABLE};"
        f" ALTER TABLE {AUDIT_TABLE} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {AUDIT_TABLE} DISABLE ROW LEVEL SECURITY;"
        " DROP FUNCTION IF EXISTS proteja_door_single_shelter_id(); DROP FUNCTION IF EXISTS proteja_door_shelter_ids(); DROP FUNCTION IF EXISTS proteja_counted_shelter_ids();"
        " DROP FUNCTION IF EXISTS proteja_counts_every_shelter();"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('shelters', '0007_victim_assigned_to_shelter_follow_up_plan'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('create', 'Created'), ('change', 'Changed'), ('delete', 'Deleted'), ('view', 'Viewed personal data'), ('refused', 'Access refused'), ('invited', 'Invited'), ('invite_revoked', 'Invitation withdrawn'), ('joined', 'Joined'), ('role_changed', 'Role changed'), ('member_added', 'Added to shelter'), ('member_removed', 'Removed from shelter'), ('deactivated', 'Account deactivated'), ('reactivated', 'Account reactivated'), ('password_changed', 'Password changed'), ('password_reset', 'Password reset'), ('reset_requested', 'Password reset requested'), ('token_issued', 'API token issued'), ('token_revoked', 'API tokens revoked'), ('otp_enrolled', 'Second factor enrolled'), ('otp_removed', 'Second factor removed'), ('signed_in', 'Signed in'), ('signin_failed', 'Sign-in failed'), ('locked_out', 'Locked out'), ('unlocked', 'Unlocked'), ('aggregated', 'Counted across shelters')], max_length=20, verbose_name='action'),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
