"""The audit trail nobody can rewrite: append-only, and sealed into a hash chain (PostgreSQL only).

- The trail: a trigger refuses every UPDATE and DELETE of an entry, or of a seal, for every role, the
  owner included, unless that session has set `proteja.rewrite_trail` to 'operator' (the application
  role cannot use it: it has no UPDATE or DELETE privilege on either table). TRUNCATE is the owner's
  alone (`flush`, for the tests); the application role has no TRUNCATE.
- Sealing: every new entry's id goes to a queue (`shelters_auditunsealed`) by a statement trigger, so an
  INSERT pays no lock and no hash. `proteja_seal_audit_trail()` takes the queue in id order, under an
  advisory lock held for its own transaction only, and writes one seal per entry:
  seq = previous seq + 1 (gap-free), seal = SHA-256(previous seal, newline, the entry's canonical content).
  It runs SECURITY DEFINER (as the owner) and sees every shelter's entries for its own length only (its
  SET clause gives the door back); it returns a count, nothing of an entry. The application role has no
  privilege on the seals or the queue.
- `proteja_verify_audit_trail(interval)` walks the chain and returns where it breaks (seq, entry id,
  problem): nothing personal, so any role may call it.

The canonical content (`proteja_audit_content`) is fixed once written: a column added to the trail later
needs a new version of the content for new entries, never a change of this one (old seals would break).
"""

import importlib

import django.db.models.functions.datetime
from django.db import migrations, models

RLS = importlib.import_module("shelters.migrations.0008_row_level_security")

# Every shelter's entries and those that name none, for the length of the function that sets it.
EVERY_ENTRY_DOOR = """PERFORM set_config('proteja.shelter_ids',
        concat_ws(',', (SELECT string_agg(id::text, ',' ORDER BY id) FROM shelters_shelter), '0'), true);"""

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION proteja_audit_content(e shelters_auditentry) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_array(
        e.id, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), e.actor_id, e.actor_username,
        e.shelter_id, e.action, e.record_type, e.record_id, e.fields, e.channel, host(e.address), e.repeats
    )::text
$$;

CREATE OR REPLACE FUNCTION proteja_audit_seal(previous text, content text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT encode(sha256(convert_to(previous || E'\\n' || content, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION proteja_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('proteja.rewrite_trail', true) = 'operator' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % of % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE FUNCTION proteja_queue_for_sealing() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO shelters_auditunsealed (entry_id) SELECT id FROM new_entries;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION proteja_seal_audit_trail(batch integer DEFAULT 1000) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp SET proteja.shelter_ids = '' SET proteja.counted_shelter_ids = ''
AS $$
DECLARE
    head_seq bigint;
    head text;
    taken bigint[];
    queued record;
BEGIN
    -- Another sealer holds the chain's head: it, or the next call, seals what is queued.
    IF NOT pg_try_advisory_xact_lock(hashtext('proteja_seal_audit_trail')) THEN
        RETURN 0;
    END IF;
    -- The sealing transaction's commit need not wait for the disk: lost in a crash, it is lost whole (the
    -- queue it took comes back with it) and sealed again. Without this, each request would wait on two
    -- flushes, its own and its seals'. (Not in the SET clause, which would end with the function.)
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT s.seq, s.seal INTO head_seq, head FROM shelters_auditseal s ORDER BY s.seq DESC LIMIT 1;
    head_seq := coalesce(head_seq, 0);
    head := coalesce(head, '');
    WITH queue AS (
        DELETE FROM shelters_auditunsealed
        WHERE entry_id IN (SELECT q.entry_id FROM shelters_auditunsealed q ORDER BY q.entry_id LIMIT batch)
        RETURNING entry_id
    )
    SELECT array_agg(queue.entry_id) INTO taken FROM queue;
    -- After taking the queue: the shelter of every entry taken is committed by now, so it is in the door.
    {EVERY_ENTRY_DOOR}
    -- An entry queued and gone (deleted past the trigger before it was sealed) is sealed as missing.
    FOR queued IN
        SELECT ids.id, e.id IS NOT NULL AS found, e AS entry
        FROM unnest(taken) AS ids (id) LEFT JOIN shelters_auditentry e ON e.id = ids.id
        ORDER BY ids.id
    LOOP
        head_seq := head_seq + 1;
        head := proteja_audit_seal(
            head, CASE WHEN queued.found THEN proteja_audit_content(queued.entry) ELSE 'missing' END
        );
        INSERT INTO shelters_auditseal (seq, entry_id, seal, sealed_at) VALUES (head_seq, queued.id, head, now());
    END LOOP;
    RETURN coalesce(array_length(taken, 1), 0);
END
$$;

CREATE OR REPLACE FUNCTION proteja_verify_audit_trail(unsealed_after interval)
RETURNS TABLE (seq bigint, entry_id bigint, problem text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp SET proteja.shelter_ids = '' SET proteja.counted_shelter_ids = ''
AS $$
BEGIN
    {EVERY_ENTRY_DOOR}
    RETURN QUERY
    WITH chain AS (
        SELECT s.seq, s.entry_id, s.seal, lag(s.seq) OVER w AS previous_seq,
               coalesce(lag(s.seal) OVER w, '') AS previous_seal
        FROM shelters_auditseal s WINDOW w AS (ORDER BY s.seq)
    ), checked AS (
        SELECT c.seq, c.entry_id, CASE
            WHEN c.seq <> coalesce(c.previous_seq, 0) + 1 THEN 'seals missing before this one'
            WHEN e.id IS NULL THEN 'entry missing'
            WHEN c.seal <> proteja_audit_seal(c.previous_seal, proteja_audit_content(e)) THEN 'content changed'
        END AS problem
        FROM chain c LEFT JOIN shelters_auditentry e ON e.id = c.entry_id
    )
    SELECT checked.seq, checked.entry_id, checked.problem FROM checked WHERE checked.problem IS NOT NULL
    UNION ALL
    SELECT NULL::bigint, e.id, 'not sealed'
    FROM shelters_auditentry e
    WHERE e.at < now() - unsealed_after
      AND NOT EXISTS (SELECT 1 FROM shelters_auditseal s WHERE s.entry_id = e.id)
    ORDER BY 1 NULLS LAST, 2;
END
$$;

-- How long the chain is, its head (an operator may note it elsewhere, to compare later), how much is queued.
CREATE OR REPLACE FUNCTION proteja_audit_chain_head(OUT seals bigint, OUT head_seq bigint, OUT head_seal text,
                                                    OUT queued bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT (SELECT count(*) FROM shelters_auditseal),
           (SELECT max(s.seq) FROM shelters_auditseal s),
           (SELECT s.seal FROM shelters_auditseal s ORDER BY s.seq DESC LIMIT 1),
           (SELECT count(*) FROM shelters_auditunsealed)
$$;

CREATE OR REPLACE FUNCTION proteja_audit_seal_at(at_seq bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT s.seal FROM shelters_auditseal s WHERE s.seq = at_seq
$$;
"""

TRIGGERS = """
DROP TRIGGER IF EXISTS audit_append_only ON shelters_auditentry;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON shelters_auditentry
    FOR EACH ROW EXECUTE FUNCTION proteja_refuse_rewrite();
DROP TRIGGER IF EXISTS seal_append_only ON shelters_auditseal;
CREATE TRIGGER seal_append_only BEFORE UPDATE OR DELETE ON shelters_auditseal
    FOR EACH ROW EXECUTE FUNCTION proteja_refuse_rewrite();
DROP TRIGGER IF EXISTS audit_queue_for_sealing ON shelters_auditentry;
CREATE TRIGGER audit_queue_for_sealing AFTER INSERT ON shelters_auditentry
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION proteja_queue_for_sealing();
"""

# The refusals' minute is counted in RefusalTally now: no UPDATE policy, and no reading of others' refusals.
AUDIT_READ = f"""
DROP POLICY IF EXISTS audit_count_refusal ON {RLS.AUDIT_TABLE};
DROP POLICY IF EXISTS audit_read ON {RLS.AUDIT_TABLE};
CREATE POLICY audit_read ON {RLS.AUDIT_TABLE} FOR SELECT USING (
    {RLS.DOOR}
    OR (shelter_id IS NULL AND 0 = ANY ((SELECT proteja_door_shelter_ids())::bigint[]))
);
"""

# The entries written before this migration are sealed first, in id order.
QUEUE_EXISTING = f"""
DO $$ BEGIN {EVERY_ENTRY_DOOR} END $$;
INSERT INTO shelters_auditunsealed (entry_id) SELECT id FROM shelters_auditentry ORDER BY id;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS, params=None)
    schema_editor.execute(TRIGGERS)
    schema_editor.execute(AUDIT_READ)
    schema_editor.execute(QUEUE_EXISTING, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS audit_append_only ON shelters_auditentry;"
        " DROP TRIGGER IF EXISTS seal_append_only ON shelters_auditseal;"
        " DROP TRIGGER IF EXISTS audit_queue_for_sealing ON shelters_auditentry;"
        " DROP FUNCTION IF EXISTS proteja_seal_audit_trail(integer); DROP FUNCTION IF EXISTS proteja_verify_audit_trail(interval);"
        " DROP FUNCTION IF EXISTS proteja_audit_chain_head(); DROP FUNCTION IF EXISTS proteja_audit_seal_at(bigint);"
        " DROP FUNCTION IF EXISTS proteja_queue_for_sealing(); DROP FUNCTION IF EXISTS proteja_refuse_rewrite();"
        " DROP FUNCTION IF EXISTS proteja_audit_seal(text, text); DROP FUNCTION IF EXISTS proteja_audit_content(shelters_auditentry);"
    )
    schema_editor.execute(RLS.AUDIT_POLICIES)


class Migration(migrations.Migration):

    dependencies = [
        ('shelters', '0014_audit_trail_counted'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('seq', models.BigIntegerField(primary_key=True, serialize=False)),
                ('entry_id', models.BigIntegerField(unique=True)),
                ('seal', models.CharField(max_length=64)),
                ('sealed_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
            options={
                'ordering': ['seq'],
            },
        ),
        migrations.CreateModel(
            name='AuditUnsealed',
            fields=[
                ('entry_id', models.BigIntegerField(primary_key=True, serialize=False)),
            ],
        ),
        migrations.CreateModel(
            name='RefusalTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('minute', models.DateTimeField()),
                ('who', models.CharField(max_length=60)),
                ('status', models.CharField(max_length=3)),
                ('channel', models.CharField(blank=True, max_length=20)),
                ('actor_id', models.BigIntegerField(null=True)),
                ('actor_username', models.CharField(blank=True, max_length=150)),
                ('address', models.GenericIPAddressField(null=True)),
                ('record_type', models.CharField(max_length=30)),
                ('record_id', models.CharField(blank=True, max_length=40)),
                ('count', models.PositiveIntegerField(default=1)),
                ('written', models.PositiveIntegerField(default=1)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('minute', 'who', 'status', 'channel'), name='refusal_tally_key')],
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
