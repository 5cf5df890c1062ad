"""The Annex 2 rows, in table order, as `../shared/spec/annex2-indicators.md` defines them.

Keys are a contract (API and exports). `people` marks rows that count distinct
people, for which the table also shows the distinct count over a whole period.
`parts` lists the rows a total row sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    key: str
    label_en: str
    label_es: str


@dataclass(frozen=True)
class Indicator:
    key: str
    section: str
    label_en: str
    label_es: str
    people: bool
    parts: tuple[str, ...] = field(default=())

    @property
    def is_total(self) -> bool:
        return bool(self.parts)


SECTIONS: list[Section] = [
    Section(
        "victims_served", "Number of victims that received services", "Número de víctimas que recibieron servicios"
    ),
    Section("follow_up", "Follow up", "Seguimiento"),
    Section(
        "tip_crime",
        "Type of TIP crimes committed against the victims that received services from the Shelter",
        "Tipo de delitos de trata cometidos contra las víctimas que recibieron servicios del refugio",
    ),
    Section("national_origin", "National origin of TIP victims", "Origen nacional de las víctimas de trata"),
    Section(
        "services",
        "Number of services provided to direct and indirect victims including TIP victims",
        "Número de servicios brindados a víctimas directas e indirectas, incluidas las víctimas de trata",
    ),
    Section("transfer", "Transfer of Victims", "Canalización de víctimas"),
    Section(
        "legal",
        "Legal Services provided to TIP victims during the period",
        "Servicios legales brindados a víctimas de trata durante el periodo",
    ),
    Section("education", "Education", "Educación"),
    Section(
        "training",
        "TIP sensitivity training for personnel from private and public institutions",
        "Sensibilización sobre trata para personal de instituciones públicas y privadas",
    ),
]
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}

_ROWS: list[tuple[str, str, str, str, bool, tuple[str, ...]]] = [
    (
        "victims_served",
        "victims_served",
        "Number of victims that received services including TIP victims",
        "Número de víctimas que recibieron servicios, incluidas las víctimas de trata",
        True,
        (),
    ),
    (
        "secondary_victims_served",
        "victims_served",
        "Number of secondary victims (children) that received services",
        "Número de víctimas secundarias (hijas e hijos) que recibieron servicios",
        True,
        (),
    ),
    ("tip_victims_served", "victims_served", "Number of TIP victims", "Número de víctimas de trata", True, ()),
    (
        "total_victims_served",
        "victims_served",
        "Total number of victims that received services",
        "Total de víctimas que recibieron servicios",
        True,
        ("victims_served", "secondary_victims_served"),
    ),
    (
        "new_victims",
        "victims_served",
        "Number of new victims that received services",
        "Número de víctimas nuevas que recibieron servicios",
        True,
        (),
    ),
    (
        "new_secondary_victims",
        "victims_served",
        "Number of new secondary victims that received services",
        "Número de víctimas secundarias nuevas que recibieron servicios",
        True,
        (),
    ),
    (
        "total_new_victims",
        "victims_served",
        "Total number of new victims that received services",
        "Total de víctimas nuevas que recibieron servicios",
        True,
        ("new_victims", "new_secondary_victims"),
    ),
    (
        "victims_reintegrated",
        "victims_served",
        "Number of victims that were reintegrated into society",
        "Número de víctimas reintegradas a la sociedad",
        True,
        (),
    ),
    (
        "secondary_victims_reintegrated",
        "victims_served",
        "Number of secondary victims that were reintegrated into society",
        "Número de víctimas secundarias reintegradas a la sociedad",
        True,
        (),
    ),
    (
        "total_reintegrated",
        "victims_served",
        "Total number of victims that were reintegrated into society",
        "Total de víctimas reintegradas a la sociedad",
        True,
        ("victims_reintegrated", "secondary_victims_reintegrated"),
    ),
    (
        "follow_up_cases",
        "follow_up",
        "Number of cases that have received follow up once the victim has left that shelter",
        "Número de casos que recibieron seguimiento después de que la víctima dejó el refugio",
        True,
        (),
    ),
    ("tip_crime_sexual_tourism", "tip_crime", "Sexual Tourism", "Turismo sexual", True, ()),
    ("tip_crime_forced_labor", "tip_crime", "Forced Labor", "Trabajo forzado", True, ()),
    ("tip_crime_sexual_exploitation", "tip_crime", "Sexual Exploitation", "Explotación sexual", True, ()),
    ("tip_crime_child_labor", "tip_crime", "Child Labor", "Trabajo infantil", True, ()),
    ("tip_crime_other", "tip_crime", "Other", "Otro", True, ()),
    ("origin_mexican", "national_origin", "Mexican", "Mexicana", True, ()),
    ("origin_central_american", "national_origin", "Central American", "Centroamericana", True, ()),
    ("origin_usa", "national_origin", "USA", "Estadounidense", True, ()),
    ("origin_other", "national_origin", "Other", "Otra", True, ()),
    ("services_legal", "services", "Legal Advice", "Asesoría legal", False, ()),
    ("services_medical", "services", "Medical", "Atención médica", False, ()),
    ("services_mental_health", "services", "Mental Health", "Salud mental", False, ()),
    ("services_social", "services", "Social Services", "Trabajo social", False, ()),
    (
        "victims_transferred",
        "transfer",
        "Number of victims transferred to another institution",
        "Número de víctimas canalizadas a otra institución",
        True,
        (),
    ),
    (
        "tip_victims_pressed_charges",
        "legal",
        "Number of TIP victims that brought charges against their assailants",
        "Número de víctimas de trata que presentaron denuncia contra sus agresores",
        True,
        (),
    ),
    (
        "prosecutions_tip",
        "legal",
        "Number of new prosecutions opened before Penal Tribunals for TIP crimes",
        "Número de nuevos procesos abiertos ante tribunales penales por delitos de trata",
        False,
        (),
    ),
    (
        "prosecutions_other",
        "legal",
        "Number of new prosecutions opened before Penal Tribunals for crimes other than TIP",
        "Número de nuevos procesos abiertos ante tribunales penales por delitos distintos de la trata",
        False,
        (),
    ),
    (
        "prosecutions_total",
        "legal",
        "Number of prosecutions opened during the period",
        "Número de procesos abiertos durante el periodo",
        False,
        ("prosecutions_tip", "prosecutions_other"),
    ),
    ("sentences_tip", "legal", "Number of sentences related to TIP", "Número de sentencias por trata", False, ()),
    (
        "sentences_other",
        "legal",
        "Number of sentences for crimes other than TIP",
        "Número de sentencias por delitos distintos de la trata",
        False,
        (),
    ),
    (
        "sentences_total",
        "legal",
        "Total number of sentences related to TIP victims that have received services from the shelter",
        "Total de sentencias relacionadas con víctimas de trata atendidas por el refugio",
        False,
        ("sentences_tip", "sentences_other"),
    ),
    (
        "victims_vocational_training",
        "education",
        "Number of victims that received technical or vocational training either through the shelter "
        "or through the transfer to another institution",
        "Número de víctimas que recibieron capacitación técnica o para el trabajo, en el refugio "
        "o canalizadas a otra institución",
        True,
        (),
    ),
    (
        "victims_schooling",
        "education",
        "Number of victims that received elementary or high school education either through the shelter "
        "or through the transfer to another institution",
        "Número de víctimas que recibieron educación básica o media, en el refugio o canalizadas a otra institución",
        True,
        (),
    ),
    (
        "victims_education_total",
        "education",
        "Total number of victims receiving educational services",
        "Total de víctimas que recibieron servicios educativos",
        True,
        ("victims_vocational_training", "victims_schooling"),
    ),
    (
        "personnel_trained_government",
        "training",
        "Number of personnel from governmental institutions that received TIP sensitivity training",
        "Número de personas servidoras públicas que recibieron sensibilización sobre trata",
        False,
        (),
    ),
    (
        "personnel_trained_private",
        "training",
        "Number of personnel from private institutions that received TIP sensitivity training",
        "Número de personas de instituciones privadas que recibieron sensibilización sobre trata",
        False,
        (),
    ),
]

INDICATORS: list[Indicator] = [
    Indicator(key=key, section=section, label_en=en, label_es=es, people=people, parts=parts)
    for key, section, en, es, people, parts in _ROWS
]
INDICATORS_BY_KEY: dict[str, Indicator] = {indicator.key: indicator for indicator in INDICATORS}
INDICATOR_KEYS: list[str] = [indicator.key for indicator in INDICATORS]
ORDER: dict[str, int] = {key: position for position, key in enumerate(INDICATOR_KEYS, start=1)}
INDICATOR_CHOICES: list[tuple[str, str]] = [(indicator.key, indicator.label_en) for indicator in INDICATORS]


def indicator_label(key: str, language: str | None = None) -> str:
    """A row's label in `language` (default: the active one): Spanish for "es…", English otherwise; the key
    itself for a key the catalogue does not hold."""
    from django.utils import translation

    indicator = INDICATORS_BY_KEY.get(key)
    if indicator is None:
        return key
    language = language or translation.get_language() or ""
    return indicator.label_es if language.startswith("es") else indicator.label_en
