"""`manage.py unlock_user USERNAME`: lift a lock-out after repeated failed sign-ins (audited as UNLOCKED)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.services import account_unlock
from shelters.models import User


class Command(BaseCommand):
    help = "Unlock an account that django-axes locked after repeated failed sign-ins (from every address)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        cleared = account_unlock(actor=None, user=user, channel="command")
        if cleared:
            self.stdout.write(f"Unlocked {user.get_username()}: {cleared} failed sign-in record(s) cleared")
        else:
            self.stdout.write(f"{user.get_username()} was not locked: nothing to clear")
