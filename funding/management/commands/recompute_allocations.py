from django.core.management.base import BaseCommand, CommandError

from funding import services
from funding.models import AllocationRun, Fund


class Command(BaseCommand):
    help = (
        "Recomputes funds' allocations. By default the runs go to the Celery workers; "
        "--wait runs them here and reports each result."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fund", action="append", help="a fund's slug (repeatable)")
        parser.add_argument("--wait", action="store_true", help="run here and wait for results")

    def handle(self, *args, fund, wait, **options):
        funds = Fund.objects.filter(rule__isnull=False).order_by("announced_on", "slug")
        if fund:
            funds = Fund.objects.filter(slug__in=fund)
            unknown = sorted(set(fund) - set(funds.values_list("slug", flat=True)))
            if unknown:
                raise CommandError(f"No fund with slug {', '.join(unknown)}")
        failed = 0
        for each in funds:
            if wait:
                run = services.allocation_run_start(
                    run=AllocationRun.objects.create(
                        fund=each, triggered_by="recompute_allocations"
                    )
                )
                services.run_finished_announce(run=run)
                failed += run.status == AllocationRun.Status.FAILED
                detail = run.error or f"{run.recipient_count or 0} recipients"
                self.stdout.write(f"{each.slug}: run {run.pk} {run.status} ({detail})")
            else:
                run = services.fund_recompute_request(
                    fund=each, triggered_by="recompute_allocations"
                )
                self.stdout.write(f"{each.slug}: run {run.pk if run else '-'} queued")
        if failed:
            raise CommandError(f"{failed} run(s) failed")
