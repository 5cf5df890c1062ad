"""Strings the project's Spanish catalogue must keep although no template or call of ours names them literally.

`makemessages --no-obsolete` drops every msgid it does not find in our sources, and with it:
- Django's and django-countries' strings we say in Mexican Spanish (Django's own Spanish is Spain's:
  "introduzca", "clave"; django-countries' lacks a space);
- labels passed to translation at run time (`DateRangeValidator("Date of consent")`, a status's value);
- a template string with a literal "%", which `{% translate %}` looks up unescaped.
Listing them here with `gettext_noop` keeps them in the catalogue. Nothing imports this module.
"""

from django.utils.translation import gettext_noop

KEPT = [
    gettext_noop("Enter a complete value."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid date/time."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid integer."),
    gettext_noop("Enter a valid time."),
    gettext_noop("Enter a valid value."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."),
    gettext_noop("Trinidad and Tobago"),
    gettext_noop("Date of consent"),
    gettext_noop("Date of withdrawal"),
    gettext_noop("open"),
    gettext_noop("Follow-ups due"),
    gettext_noop("last contact %(date)s"),
    gettext_noop("50% match limit (USD)"),
]
