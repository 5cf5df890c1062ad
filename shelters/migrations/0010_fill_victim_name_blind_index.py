"""Fill the names' blind index of the victims already recorded (each name decrypted once, in batches).

Rerunnable: it recomputes every row from the names, so a second run changes nothing. The fold and
the digests are copied from shelters.blind_index as they were when this migration was written (a
migration imports no app code); `manage.py rebuild_name_index` uses the current ones.
"""

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings
from django.db import migrations

BATCH = 1000
_WORD = re.compile(r"\w+")


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(plain.replace("_", " ")))


def _digest(purpose, folded, length):
    key = settings.BLIND_INDEX_KEY.encode("utf-8")
    return hmac.new(key, f"{purpose}\x00{folded}".encode(), hashlib.sha256).hexdigest()[:length]


def _index_values(given_name, family_name):
    given, family = _fold(given_name), _fold(family_name)
    words = f"{given} {family}".split()[:20]
    digests = sorted({_digest("word", word, 16) for word in words})
    return {
        "given_name_key": _digest("given", given, 32) if given else "",
        "full_name_key": _digest("full", f"{given} {family}", 32) if given and family else "",
        "name_words": f",{','.join(digests)}," if digests else "",
    }


def _see_every_shelter(apps, schema_editor):
    """Row-level security is forced on the victims (0008), for the tables' owner too: without the door's
    setting this migration would read no row and fill nothing. Every shelter, for this transaction only."""
    if schema_editor.connection.vendor != "postgresql":
        return
    ids = ",".join(str(pk) for pk in apps.get_model("shelters", "Shelter").objects.values_list("pk", flat=True))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('proteja.shelter_ids', %s, true)", [ids])


def fill(apps, schema_editor):
    _see_every_shelter(apps, schema_editor)
    Victim = apps.get_model("shelters", "Victim")
    last_pk = None
    while True:
        rows = Victim.objects.order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows.only("pk", "given_name", "family_name")[:BATCH])
        if not batch:
            return
        for victim in batch:
            for name, value in _index_values(victim.given_name, victim.family_name).items():
                setattr(victim, name, value)
        Victim.objects.bulk_update(batch, ["given_name_key", "full_name_key", "name_words"])
        last_pk = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("shelters", "0009_victim_name_blind_index")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
