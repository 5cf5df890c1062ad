"""The elements of the Palermo Protocol's definition of trafficking and of its protections that PROTEJA checks
a law against (UN Protocol to Prevent, Suppress and Punish Trafficking in Persons, 2000, articles 3 and 6-9).

A state's `palermo_elements` maps some of these keys to true (the law has it) or false (it lacks it); a key
left out has not been checked yet: missing is not "no". Each element has its English and Spanish label,
served at /api/v1/palermo-elements/ in this order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PalermoElement:
    key: str
    article: str
    label_en: str
    label_es: str


PALERMO_ELEMENTS: list[PalermoElement] = [
    PalermoElement(
        "acts",
        "3(a)",
        "Acts: recruitment, transportation, transfer, harbouring or receipt of persons",
        "Actos: captación, transporte, traslado, acogida o recepción de personas",
    ),
    PalermoElement(
        "means",
        "3(a)",
        "Means: threat or use of force, coercion, abduction, fraud, deception, abuse of power or of a "
        "position of vulnerability, or payments to a person in control",
        "Medios: amenaza o uso de la fuerza, coacción, rapto, fraude, engaño, abuso de poder o de una situación "
        "de vulnerabilidad, o pagos a quien tenga autoridad sobre la víctima",
    ),
    PalermoElement(
        "sexual_exploitation",
        "3(a)",
        "Purpose: the exploitation of the prostitution of others or other forms of sexual exploitation",
        "Fin: la explotación de la prostitución ajena u otras formas de explotación sexual",
    ),
    PalermoElement(
        "forced_labour",
        "3(a)",
        "Purpose: forced labour or services, slavery or practices similar to slavery, servitude",
        "Fin: trabajos o servicios forzados, esclavitud o prácticas análogas, servidumbre",
    ),
    PalermoElement(
        "organ_removal",
        "3(a)",
        "Purpose: the removal of organs",
        "Fin: la extracción de órganos",
    ),
    PalermoElement(
        "consent_irrelevant",
        "3(b)",
        "The victim's consent is irrelevant where any of the means was used",
        "El consentimiento de la víctima no se tiene en cuenta cuando se usó alguno de los medios",
    ),
    PalermoElement(
        "children_without_means",
        "3(c)",
        "A child is a victim of trafficking even when none of the means was used",
        "Una persona menor de edad es víctima de trata aunque no se haya usado ninguno de los medios",
    ),
    PalermoElement(
        "privacy_and_identity",
        "6(1)",
        "Protection of the victims' privacy and identity, including confidential proceedings",
        "Protección de la privacidad y la identidad de las víctimas, incluida la confidencialidad de las actuaciones",
    ),
    PalermoElement(
        "information_and_voice",
        "6(2)",
        "Information on proceedings, and the victims' views heard in them",
        "Información sobre los procedimientos, y que se escuchen las opiniones de las víctimas",
    ),
    PalermoElement(
        "recovery_services",
        "6(3)",
        "Housing, counselling, medical, psychological and material assistance, employment and education",
        "Alojamiento, asesoría, asistencia médica, psicológica y material, empleo y educación",
    ),
    PalermoElement(
        "physical_safety",
        "6(5)",
        "The victims' physical safety",
        "La seguridad física de las víctimas",
    ),
    PalermoElement(
        "compensation",
        "6(6)",
        "The possibility of obtaining compensation for the damage suffered",
        "La posibilidad de obtener una indemnización por los daños sufridos",
    ),
    PalermoElement(
        "residence_status",
        "7",
        "The victims may remain in the territory, temporarily or permanently",
        "Las víctimas pueden permanecer en el territorio, temporal o permanentemente",
    ),
    PalermoElement(
        "repatriation",
        "8",
        "Safe repatriation, with due regard for the victim's safety",
        "Repatriación segura, teniendo en cuenta la seguridad de la víctima",
    ),
    PalermoElement(
        "prevention",
        "9",
        "Prevention: research, information and media campaigns, and measures against demand",
        "Prevención: investigación, campañas de información y difusión, y medidas contra la demanda",
    ),
]

PALERMO_KEYS: tuple[str, ...] = tuple(element.key for element in PALERMO_ELEMENTS)
