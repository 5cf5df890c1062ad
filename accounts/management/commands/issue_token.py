from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils.formats import date_format

from accounts import services
from accounts.models import TokenKind
from shelters.models import User


class Command(BaseCommand):
    help = (
        "Print a long-lived, read-only API key for a partner's scripts (once: only its hash is kept). "
        "Revoke with revoke_tokens USERNAME."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, required=True, help="how long it works, 1 to 365")

    @no_translations  # one-line English errors, as every command of the project
    def handle(self, *args, username: str, days: int, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if not user.is_active:
            raise CommandError(f"{username} is deactivated")
        try:
            api_token, text = services.token_issue(user=user, kind=TokenKind.SCRIPT, days=days, channel="command")
        except ValidationError as exc:
            raise CommandError(" ".join(" ".join(messages) for messages in exc.message_dict.values())) from exc
        self.stderr.write(f"Read-only key for {username}, valid until {date_format(api_token.expiry, 'c')}:")
        self.stdout.write(text)
