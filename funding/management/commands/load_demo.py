from django.core.management.base import BaseCommand

from funding.demo import demo_data_load


class Command(BaseCommand):
    help = (
        "Loads the shipped real public data (data/), the seed fund announcements and their "
        "allocations. Idempotent: files already loaded are skipped by content hash."
    )

    def handle(self, *args, **options):
        demo_data_load(say=self.stdout.write)
