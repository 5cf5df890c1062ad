from django.core.management.base import BaseCommand
from django.db import transaction

from legislation.seed import load_seed_legislation


class Command(BaseCommand):
    help = (
        "Record what the 2007-Q4 seed report says of state laws, the federal law and networks "
        "(run after the Annex 1 import to link the networks' organizations); a second run adds nothing."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            result = load_seed_legislation()
        self.stdout.write(self.style.SUCCESS(str(result)))
