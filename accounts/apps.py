from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and access")

    def ready(self) -> None:
        from . import schema, signals  # noqa: F401  (token scheme for OpenAPI; password events into the trail)
        from .third_party import name_third_party_apps

        name_third_party_apps()
