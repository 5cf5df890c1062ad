from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from accounts import services
from shelters.models import SHELTER_ROLES, Role, Shelter


class Command(BaseCommand):
    help = (
        "E-mail a one-time link to join with a role: how a shelter's first coordinator (or the first program "
        "staff) gets an account. The link is printed too, for the operator to pass on if mail is not set up."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, help="caseworker, coordinator, program_staff or partner")
        parser.add_argument("--shelter", metavar="SLUG", help="the shelter, for caseworker and coordinator")

    @no_translations  # one-line English errors, as every command of the project
    def handle(self, *args, email: str, role: str, shelter: str | None, **options):
        if role not in Role.values:
            raise CommandError(f"--role must be one of {', '.join(Role.values)}, not {role!r}")
        if role in SHELTER_ROLES and not shelter:
            raise CommandError(f"--shelter is required for the {role} role")
        if role not in SHELTER_ROLES and shelter:
            raise CommandError(f"the {role} role is not tied to a shelter; leave out --shelter")
        target = None
        if shelter:
            target = Shelter.objects.filter(slug=shelter).first()
            if target is None:
                raise CommandError(f"no shelter with slug {shelter}")
        try:
            invitation, link = services.invitation_create(
                actor=None, email=email, role=role, shelter=target, channel="command"
            )
        except ValidationError as exc:
            raise CommandError(" ".join(" ".join(messages) for messages in exc.message_dict.values())) from exc
        except services.MailNotSent as exc:
            self.stderr.write(str(exc))
            invitation, link = exc.invitation, exc.link
        self.stdout.write(f"Invitation for {email} ({role}), valid until {invitation.expires_at:%Y-%m-%d %H:%M %Z}:")
        self.stdout.write(link)
