from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _grant_application_role(using: str, **kwargs: object) -> None:
    from django.db import connections

    from proteja_site.database_roles import grant_application_role

    grant_application_role(connections[using])


class SheltersConfig(AppConfig):
    name = "shelters"
    verbose_name = _("Shelters and case records")

    def ready(self) -> None:
        # After every migrate (and flush), as the owner: grant the application role the tables it needs.
        post_migrate.connect(_grant_application_role, sender=self, dispatch_uid="proteja-grant-application-role")
