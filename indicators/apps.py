from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Annex 2 indicators")

    def ready(self) -> None:
        # The monthly review's admin pages (a module of their own beside indicators.admin); and the answer to a
        # case-record write's request in the outbox: queue its drain (shelters knows nothing of the engine).
        from shelters.outbox import recompute_requested

        from . import admin_review  # noqa: F401
        from .tasks import nudge_drain

        recompute_requested.connect(nudge_drain, dispatch_uid="indicators-nudge-drain")
