from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from indicators.importers import import_annex2_file
from legislation.seed import load_seed_legislation
from reports.demo import load_demo_report
from shelters import services
from shelters.demo import generate_case_records
from shelters.models import Membership, Role, User, Victim
from shelters.scopes import every_shelter_scope
from shelters.seed import ensure_seed_shelters

DEMO_PASSWORD = "proteja-demo"
SEED_REPORT = settings.BASE_DIR / "seed" / "proteja-quarterly-report-2007-q4.txt"


class Command(BaseCommand):
    help = "Load the seed's shelters, meetings and tables plus generated case records, for a first look."

    def handle(self, *args, **options):
        with transaction.atomic():
            shelters = ensure_seed_shelters()
            by_slug = {shelter.slug: shelter for shelter in shelters}
            admin = self._user("admin", Role.PROGRAM_STAFF, superuser=True)
            self._user("partner", Role.PARTNER)
            caseworker = self._user("caseworker", Role.CASEWORKER, shelter=by_slug["casa-alianza"])
            coordinator = self._user("coordinator", Role.COORDINATOR, shelter=by_slug["casa-alianza"])
            self._user("caseworker-ciam", Role.CASEWORKER, shelter=by_slug["ciam"])
            # The operator's command line: every shelter's case records (row-level security, shelters.scopes).
            with every_shelter_scope():
                for shelter in shelters:
                    count = generate_case_records(
                        shelter=shelter, actor=caseworker if shelter.slug == "casa-alianza" else admin
                    )
                    if count:
                        self.stdout.write(f"{shelter.slug}: {count} generated victims")
                # Every other Casa Alianza case is the demo caseworker's, so that "my cases" shows some.
                casa_alianza = Victim.objects.filter(shelter=by_slug["casa-alianza"])
                if not casa_alianza.filter(assigned_to__isnull=False).exists():
                    for victim in list(casa_alianza.order_by("case_code"))[::2]:
                        services.case_assign(actor=coordinator, victim=victim, assignee=caseworker, channel="demo")
        # The seed's Annex 2 tables (May-December 2007) as imported values; its three failed checks are expected.
        annex2 = import_annex2_file(SEED_REPORT)
        self.stdout.write(
            f"Annex 2: {annex2.created} values imported ({annex2.unchanged} already there), "
            f"{len(annex2.failures)} failed checks as printed in the seed"
        )
        # The 2007-Q4 seed's Annex 1 meetings and an illustrative cost share, for the quarterly report (issue 5).
        self.stdout.write(load_demo_report())
        # The seed's state laws, federal law and networks as of 2007-Q4, after the meetings (their organizations).
        with transaction.atomic():
            self.stdout.write(str(load_seed_legislation()))
        self.stdout.write(
            self.style.SUCCESS(
                "Demo loaded. Users: admin, coordinator, caseworker, caseworker-ciam, partner; "
                f"password: {DEMO_PASSWORD}"
            )
        )

    def _user(self, username: str, role: str, *, shelter=None, superuser: bool = False) -> User:
        user, created = User.objects.get_or_create(username=username, defaults={"role": role})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role != Role.PARTNER
            user.is_superuser = superuser
            user.save()
        if shelter is not None:
            Membership.objects.get_or_create(user=user, shelter=shelter)
        return user
