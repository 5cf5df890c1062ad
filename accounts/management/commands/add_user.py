import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction

from accounts import services, two_factor
from shelters.audit import audit_account_event
from shelters.models import SHELTER_ROLES, AuditAction, Membership, Role, Shelter, User

CHANNEL = "command"


class Command(BaseCommand):
    help = (
        "Create or update a user with a role (and, for shelter staff, their shelters). The operator's command "
        "line may give any role; every change is audited and ends the account's API tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="caseworker, coordinator, program_staff or partner")
        parser.add_argument("--shelter", action="append", default=[], metavar="SLUG", help="repeat for several")
        parser.add_argument("--password", help="defaults to the PROTEJA_PASSWORD environment variable")
        parser.add_argument("--email", default="")
        parser.add_argument("--superuser", action="store_true", help="also give Django admin superuser rights")
        parser.add_argument(
            "--otp-secret",
            metavar="BASE32",
            help="give the account a TOTP device (RFC 6238, SHA-1, 6 digits, 30 s) with this secret",
        )

    @no_translations  # one-line English errors, as every command of the project
    def handle(self, *args, username: str, role: str, shelter: list[str], password: str | None, **options):
        if options.get("otp_secret") is not None:
            try:
                two_factor.parse_base32_secret(options["otp_secret"])  # before anything is read or written
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        if role not in Role.values:
            raise CommandError(f"--role must be one of {', '.join(Role.values)}, not {role!r}")
        if role in SHELTER_ROLES and not shelter:
            raise CommandError(f"--shelter is required for the {role} role")
        if role not in SHELTER_ROLES and shelter:
            raise CommandError(f"the {role} role is not tied to a shelter; leave out --shelter")
        shelters = list(Shelter.objects.filter(slug__in=shelter))
        missing = sorted(set(shelter) - {s.slug for s in shelters})
        if missing:
            raise CommandError(f"no shelter with slug {', '.join(missing)}")
        password = password or os.environ.get("PROTEJA_PASSWORD")

        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            created = user is None
            if created:
                if not password:
                    raise CommandError("a new user needs --password or PROTEJA_PASSWORD")
                user = User(username=username, role=role)
            elif role != user.role:
                services.role_change(actor=None, user=user, role=role, channel=CHANNEL)
            user.email = options["email"] or user.email
            # Program staff work in Django admin; shelter staff may use it for their own records.
            user.is_staff = role != Role.PARTNER
            if options["superuser"]:
                user.is_superuser = True
            if password:
                user.set_password(password)
                user.password_channel = CHANNEL
            try:
                user.full_clean(exclude=["password"])
            except ValidationError as exc:
                raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
            user.save()
            if created:
                audit_account_event(actor=None, action=AuditAction.JOINED, subject=user, fields=[role], channel=CHANNEL)
            for membership in (
                Membership.objects.filter(user=user).exclude(shelter__in=shelters).select_related("shelter")
            ):
                services.membership_remove(actor=None, user=user, shelter=membership.shelter, channel=CHANNEL)
            for item in shelters:
                services.membership_add(actor=None, user=user, shelter=item, channel=CHANNEL)
            if options.get("otp_secret") is not None:
                two_factor.give_totp_device(user, options["otp_secret"])
        verb = "Created" if created else "Updated"
        where = f" at {', '.join(s.slug for s in shelters)}" if shelters else ""
        device = " with a TOTP device" if options.get("otp_secret") is not None else ""
        self.stdout.write(f"{verb} {username} ({role}){where}{device}")
