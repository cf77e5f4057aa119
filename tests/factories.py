"""Small data for a test, made in the test: organisations, their figures, funds and runs.

Everything made here is synthetic and labelled so: ODS codes start with "Z" (no real code
does) and names say "synthetic". A test about the real numbers uses the national data set
instead (the `real_data` fixture, which marks it `national`). Each function takes the fields
a test cares about and fills the rest; its result is saved.
"""

import datetime as dt
import itertools

from django.utils import timezone

from funding import services
from funding.models import (
    Allocation,
    AllocationRule,
    AllocationRun,
    Fund,
    PublishedAllocation,
    Tranche,
)
from trusts.models import AEActivity, Organisation, Population, Succession
from trusts.summaries import ae_summaries_refresh

_numbers = itertools.count(1)


def organisation(kind: str = Organisation.Kind.TRUST, ods_code: str = "", **fields) -> Organisation:
    """An organisation of any kind; trust(), ccg() and region() name the usual ones."""
    number = next(_numbers)
    code = ods_code or f"Z{number:04d}"
    fields.setdefault("name", f"Synthetic {kind.replace('_', ' ')} {code}")
    return Organisation.objects.create(ods_code=code, kind=kind, **fields)


def trust(ods_code: str = "", **fields) -> Organisation:
    return organisation(Organisation.Kind.TRUST, ods_code, **fields)


def ccg(ods_code: str = "", **fields) -> Organisation:
    return organisation(Organisation.Kind.CCG, ods_code, **fields)


def region(ods_code: str = "", **fields) -> Organisation:
    return organisation(Organisation.Kind.NHSE_REGION, ods_code, **fields)


def succession(
    predecessor: Organisation, successor: Organisation, effective_on: dt.date, **fields
) -> Succession:
    """One organisation taken over by another: the predecessor closes the day before."""
    predecessor.closed_on = effective_on - dt.timedelta(days=1)
    predecessor.save(update_fields=["closed_on"])
    fields.setdefault("kind", Succession.Kind.ACQUISITION)
    fields.setdefault("source", "synthetic")
    return Succession.objects.create(
        predecessor=predecessor, successor=successor, effective_on=effective_on, **fields
    )


def population(
    organisation: Organisation,
    people: int,
    as_of: dt.date = dt.date(2015, 10, 1),
    basis: str = Population.Basis.REGISTERED,
) -> Population:
    return Population.objects.create(
        organisation=organisation, people=people, as_of=as_of, basis=basis, source="synthetic"
    )


def ae_month(
    organisation: Organisation,
    month: dt.date,
    attendances: int,
    over_4h: int | None,
    department_type: str = "1",
) -> AEActivity:
    """One provider's A&E counts for the calendar month starting on `month`, with the summary
    tables the pages read brought up to date as an import would."""
    (figures,) = ae_months({(organisation, month): (attendances, over_4h)}, department_type)
    return figures


def ae_months(
    counts: dict[tuple[Organisation, dt.date], tuple[int, int | None]], department_type: str = "1"
) -> list[AEActivity]:
    """Many providers' and months' counts ((provider, month) -> (attendances, over 4 hours)),
    written at once, and the summaries refreshed once for their months."""
    figures = AEActivity.objects.bulk_create(
        AEActivity(
            organisation=organisation,
            grain="month",
            period_start=month,
            period_end=(month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            - dt.timedelta(days=1),
            department_type=department_type,
            attendances=attendances,
            over_4h=over_4h,
            source_file="synthetic",
            source_line=next(_numbers),
        )
        for (organisation, month), (attendances, over_4h) in counts.items()
    )
    ae_summaries_refresh(months=sorted({month for _, month in counts}))
    return figures


def ae_week(
    organisation: Organisation, week_end: dt.date, attendances: int, over_4h: int
) -> AEActivity:
    """One provider's weekly sitrep figures (type 1 only, as the weekly sitreps were) for the
    week ending on `week_end`, with the summary tables brought up to date."""
    figures = AEActivity.objects.create(
        organisation=organisation,
        grain="week",
        period_start=week_end - dt.timedelta(days=6),
        period_end=week_end,
        department_type="1",
        attendances=attendances,
        over_4h=over_4h,
        basis="weekly_sitrep",
        source_file="synthetic",
        source_line=next(_numbers),
    )
    ae_summaries_refresh(months=[week_end.replace(day=1)])
    return figures


def fund(slug: str = "", total_pence: int = 1_000_000_00, **fields) -> Fund:
    """A fund announced by the Department of Health as new money paid to trusts."""
    slug = slug or f"synthetic-fund-{next(_numbers)}"
    fields.setdefault("name", f"Synthetic fund {slug}")
    fields.setdefault("announced_by", Fund.Body.DH)
    fields.setdefault("announced_on", dt.date(2013, 9, 10))
    fields.setdefault("financial_years", ["2013-14"])
    fields.setdefault("purpose", "Synthetic, for a test")
    fields.setdefault("money_kind", Fund.MoneyKind.NEW)
    fields.setdefault("route", Fund.Route.DIRECT_TO_TRUSTS)
    return Fund.objects.create(slug=slug, total_pence=total_pence, **fields)


def tranche(fund: Fund, amount_pence: int, name: str = "", **fields) -> Tranche:
    return Tranche.objects.create(
        fund=fund, amount_pence=amount_pence, name=name or f"Tranche {next(_numbers)}", **fields
    )


def rule(fund: Fund, kind: str, **parameters) -> AllocationRule:
    """The fund's rule, checked and saved as the admin saves it."""
    return services.rule_save(fund=fund, kind=kind, parameters=parameters)


def published(
    fund: Fund, pence_by_recipient: dict[Organisation, int], tranche: Tranche | None = None
) -> list[PublishedAllocation]:
    """Amounts a source states for each recipient, as announced."""
    return [
        PublishedAllocation.objects.create(
            fund=fund, recipient=recipient, tranche=tranche, amount_pence=pence, source="synthetic"
        )
        for recipient, pence in pence_by_recipient.items()
    ]


def fixed_fund(pence_by_recipient: dict[Organisation, int], **fields) -> Fund:
    """A fund that pays the published amounts (a `fixed` rule), totalling them."""
    made = fund(total_pence=sum(pence_by_recipient.values()), **fields)
    published(made, pence_by_recipient)
    rule(made, AllocationRule.Kind.FIXED)
    return made


def run(fund: Fund, triggered_by: str = "test") -> AllocationRun:
    """A run of the fund's rule, computed now as a worker computes it."""
    return services.allocation_run_start(
        run=AllocationRun.objects.create(fund=fund, triggered_by=triggered_by)
    )


def run_written(
    fund: Fund,
    pence_by_recipient: dict[Organisation, int],
    intermediary: Organisation | None = None,
) -> AllocationRun:
    """A fund's current run with these modelled amounts, written directly (no rule computes
    them): for reading allocations a rule would not give, such as ones paid through an
    intermediary."""
    now = timezone.now()
    fund.runs.filter(is_current=True).update(is_current=False)
    written = AllocationRun.objects.create(
        fund=fund,
        triggered_by="test",
        status=AllocationRun.Status.SUCCEEDED,
        is_current=True,
        started_at=now,
        finished_at=now,
        total_pence=sum(pence_by_recipient.values()),
        published_pence=0,
        recipient_count=len(pence_by_recipient),
    )
    Allocation.objects.bulk_create(
        Allocation(
            run=written,
            fund=fund,
            recipient=recipient,
            intermediary=intermediary,
            basis=Allocation.Basis.MODELLED,
            amount_pence=pence,
            rationale="synthetic",
            changed_at=now,
        )
        for recipient, pence in pence_by_recipient.items()
    )
    return written
