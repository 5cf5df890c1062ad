from django.core.management.base import BaseCommand, CommandError, no_translations

from accounts import services
from shelters.models import User


class Command(BaseCommand):
    help = "Revoke every API token and script key of a user: they stop working at once."

    def add_arguments(self, parser):
        parser.add_argument("username")

    @no_translations  # one-line English errors, as every command of the project
    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        count = services.tokens_revoke_all(user=user, actor=None, channel="command")
        self.stdout.write(f"Revoked {count} token(s) of {username}")
