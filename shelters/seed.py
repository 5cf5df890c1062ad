"""The four shelters of the 2007 seed report, as both `load_demo` and `import_annex2` create them."""

from __future__ import annotations

from datetime import date

from .models import Shelter

AGREEMENT_START_2007 = date(2007, 5, 1)

# Keyed by the table heading printed in the seed's Annex 2.
SEED_SHELTERS: dict[str, dict[str, str]] = {
    "FUNDACIÓN CASA ALIANZA MÉXICO": {
        "slug": "casa-alianza",
        "name": "Fundación Casa Alianza México, I.A.P.",
        "city": "Ciudad de México",
        "state": "CMX",
    },
    "ALTERNATIVAS PACÍFICAS": {
        "slug": "alternativas-pacificas",
        "name": "Alternativas Pacíficas, A.C.",
        "city": "Monterrey",
        "state": "NLE",
    },
    "CASA DE LAS MERCEDES": {
        "slug": "casa-de-las-mercedes",
        "name": "Casa de las Mercedes, I.A.P.",
        "city": "Ciudad de México",
        "state": "CMX",
    },
    "CENTRO INTEGRAL DE ATENCIÓN A LAS MUJERES (CIAM)": {
        "slug": "ciam",
        "name": "Centro Integral de Atención a las Mujeres (CIAM) Cancún, A.C.",
        "city": "Cancún",
        "state": "ROO",
    },
}

SEED_AGREEMENT_NUMBERS = {
    "casa-alianza": "023-008-51-2007-004",
    "alternativas-pacificas": "6023-008-51-2007-003",
    "casa-de-las-mercedes": "6023-008-51-2007-002",
    "ciam": "6023-008-51-2007-001",
}


def ensure_seed_shelter(heading: str, agreement_number: str | None = None) -> tuple[Shelter, bool]:
    """Get or create one seed shelter by its printed heading; an existing shelter is left as it is."""
    known = SEED_SHELTERS[heading]
    return Shelter.objects.get_or_create(
        slug=known["slug"],
        defaults={
            "name": known["name"],
            "city": known["city"],
            "state": known["state"],
            "agreement_number": agreement_number or SEED_AGREEMENT_NUMBERS[known["slug"]],
            "agreement_start": AGREEMENT_START_2007,
        },
    )


def ensure_seed_shelters() -> list[Shelter]:
    return [ensure_seed_shelter(heading)[0] for heading in SEED_SHELTERS]
