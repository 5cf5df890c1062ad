from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Annex 2 indicators")

    def ready(self) -> None:
        # The monthly review's admin pages, in a module of their own beside indicators.admin.
        from . import admin_review  # noqa: F401
