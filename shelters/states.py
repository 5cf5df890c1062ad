"""The 32 federal entities of Mexico: ISO 3166-2:MX codes (without the `MX-` prefix), Spanish and English names."""

MEXICAN_STATES: list[tuple[str, str, str]] = [
    ("AGU", "Aguascalientes", "Aguascalientes"),
    ("BCN", "Baja California", "Baja California"),
    ("BCS", "Baja California Sur", "Baja California Sur"),
    ("CAM", "Campeche", "Campeche"),
    ("CHP", "Chiapas", "Chiapas"),
    ("CHH", "Chihuahua", "Chihuahua"),
    ("CMX", "Ciudad de México", "Mexico City"),
    ("COA", "Coahuila", "Coahuila"),
    ("COL", "Colima", "Colima"),
    ("DUR", "Durango", "Durango"),
    ("GUA", "Guanajuato", "Guanajuato"),
    ("GRO", "Guerrero", "Guerrero"),
    ("HID", "Hidalgo", "Hidalgo"),
    ("JAL", "Jalisco", "Jalisco"),
    ("MEX", "Estado de México", "State of Mexico"),
    ("MIC", "Michoacán", "Michoacán"),
    ("MOR", "Morelos", "Morelos"),
    ("NAY", "Nayarit", "Nayarit"),
    ("NLE", "Nuevo León", "Nuevo León"),
    ("OAX", "Oaxaca", "Oaxaca"),
    ("PUE", "Puebla", "Puebla"),
    ("QUE", "Querétaro", "Querétaro"),
    ("ROO", "Quintana Roo", "Quintana Roo"),
    ("SLP", "San Luis Potosí", "San Luis Potosí"),
    ("SIN", "Sinaloa", "Sinaloa"),
    ("SON", "Sonora", "Sonora"),
    ("TAB", "Tabasco", "Tabasco"),
    ("TAM", "Tamaulipas", "Tamaulipas"),
    ("TLA", "Tlaxcala", "Tlaxcala"),
    ("VER", "Veracruz", "Veracruz"),
    ("YUC", "Yucatán", "Yucatán"),
    ("ZAC", "Zacatecas", "Zacatecas"),
]

STATE_CHOICES: list[tuple[str, str]] = [(code, spanish) for code, spanish, _english in MEXICAN_STATES]
STATE_NAMES_EN: dict[str, str] = {code: english for code, _spanish, english in MEXICAN_STATES}
STATE_NAMES_ES: dict[str, str] = {code: spanish for code, spanish, _english in MEXICAN_STATES}
