"""Encrypt the referral institutions, legal-action references and follow-up methods already stored.

0005 turned the columns into encrypted fields; the rows written before it still hold plain
text, which the field would show as it is but which the database keeps readable. Here each
plain value is encrypted under the current key, and empty values become NULL, as the field
stores them. The reverse decrypts them back (NULL becomes "", as the plain columns had it)
before 0005's reverse makes the columns plain again.

Both directions can be rerun: a value any key reads is already encrypted and is left alone
going forward, and a value no key reads is already plain going back. Rows are read by
primary key in batches, raw (the field would decrypt them), and written back raw.
"""

from cryptography.fernet import InvalidToken
from django.db import migrations

BATCH = 1000

COLUMNS = [("referral", "institution"), ("legalaction", "reference"), ("followup", "method")]


def _batches(cursor, table, column, pk, condition):
    last = None
    while True:
        after = "" if last is None else f"AND {pk} > %s"
        cursor.execute(
            f"SELECT {pk}, {column} FROM {table} WHERE {condition} {after} ORDER BY {pk} LIMIT {BATCH}",
            [] if last is None else [last],
        )
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _columns(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    for model_name, field_name in COLUMNS:
        model = apps.get_model("shelters", model_name)
        field = model._meta.get_field(field_name)
        yield quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column), field


def _readable(fernet, value):
    try:
        fernet.decrypt(value.encode("utf-8"))
    except (InvalidToken, TypeError, ValueError):
        return False
    return True


def encrypt_values(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table, column, pk, field in _columns(apps, schema_editor):
            fernet = field.f  # the current key first, every fallback after: what the application uses
            if field.null:
                cursor.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} = ''")
            for rows in _batches(cursor, table, column, pk, f"{column} IS NOT NULL AND {column} <> ''"):
                changes = [
                    (fernet.encrypt(value.encode("utf-8")).decode("utf-8"), row_pk)
                    for row_pk, value in rows
                    if not _readable(fernet, value)
                ]
                if changes:
                    cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", changes)


def decrypt_values(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table, column, pk, field in _columns(apps, schema_editor):
            fernet = field.f
            for rows in _batches(cursor, table, column, pk, f"{column} IS NOT NULL AND {column} <> ''"):
                changes = []
                for row_pk, value in rows:
                    try:
                        plain = fernet.decrypt(value.encode("utf-8")).decode("utf-8")
                    except InvalidToken:
                        continue  # already plain (a rerun), or under a key that is gone: left as it is
                    changes.append((plain, row_pk))
                if changes:
                    cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", changes)
            cursor.execute(f"UPDATE {table} SET {column} = '' WHERE {column} IS NULL")


class Migration(migrations.Migration):
    dependencies = [("shelters", "0005_identifying_text_columns_encrypted")]

    operations = [migrations.RunPython(encrypt_values, decrypt_values)]
