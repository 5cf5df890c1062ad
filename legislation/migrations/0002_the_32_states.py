"""The 32 federal entities, named in Spanish, each with no law recorded yet (the seed import says more)."""

from django.db import migrations

# A copy of shelters.states.MEXICAN_STATES as it was when written: a migration does not follow later edits.
STATES = [
    ("AGU", "Aguascalientes"), ("BCN", "Baja California"), ("BCS", "Baja California Sur"), ("CAM", "Campeche"),
    ("CHP", "Chiapas"), ("CHH", "Chihuahua"), ("CMX", "Ciudad de México"), ("COA", "Coahuila"),
    ("COL", "Colima"), ("DUR", "Durango"), ("GUA", "Guanajuato"), ("GRO", "Guerrero"), ("HID", "Hidalgo"),
    ("JAL", "Jalisco"), ("MEX", "Estado de México"), ("MIC", "Michoacán"), ("MOR", "Morelos"),
    ("NAY", "Nayarit"), ("NLE", "Nuevo León"), ("OAX", "Oaxaca"), ("PUE", "Puebla"), ("QUE", "Querétaro"),
    ("ROO", "Quintana Roo"), ("SLP", "San Luis Potosí"), ("SIN", "Sinaloa"), ("SON", "Sonora"),
    ("TAB", "Tabasco"), ("TAM", "Tamaulipas"), ("TLA", "Tlaxcala"), ("VER", "Veracruz"), ("YUC", "Yucatán"),
    ("ZAC", "Zacatecas"),
]  # fmt: skip


def create_states(apps, schema_editor):
    State = apps.get_model("legislation", "State")
    existing = set(State.objects.values_list("code", flat=True))
    State.objects.bulk_create(State(code=code, name=name) for code, name in STATES if code not in existing)


class Migration(migrations.Migration):
    dependencies = [("legislation", "0001_initial")]

    operations = [migrations.RunPython(create_states, migrations.RunPython.noop)]
