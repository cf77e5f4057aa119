"""SYNTHETIC data for the benchmark only: invented organisations, counts and funds at a multiple
of England's size. Every name says "Synthetic", every code starts with "S" and every figure's
source is "synthetic benchmark data"; none of it is real and none of it is ever shown as real.

Rows go in by PostgreSQL COPY, so building 10x takes seconds, not the benchmark's time.
"""

import datetime as dt
import io
import random
from dataclasses import dataclass

from django.db import connection

SOURCE = "synthetic benchmark data"

# England, about 2013: acute trusts, CCGs and upper-tier councils.
NATIONAL = {"trust": 150, "ccg": 211, "local_authority": 152}
REGIONS = ("North", "Midlands and East", "London", "South")
WEEKS = 20 * 52
FIRST_WEEK_END = dt.date(1995, 1, 8)
FUNDS = 50
ALLOCATIONS_PER_FUND = 400
PENCE_PER_ALLOCATION = 1_000_000


AE_COLUMNS = (
    "organisation_id",
    "grain",
    "period_start",
    "period_end",
    "department_type",
    "attendances",
    "over_4h",
    "over_4h_derived",
    "source_file",
    "source_line",
)


@dataclass(frozen=True)
class Built:
    scale: int
    organisations: int
    ae_rows: int
    funds: int
    allocations: int


def copy_rows(table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows (tuples) into a table; returns how many."""
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
        count += 1
    buffer.seek(0)
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
    return count


def _ids(table: str, where: str = "") -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} {where} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def build(scale: int, *, seed: int = 2013) -> Built:
    """Synthetic organisations, weekly A&E counts, funds, runs and allocations at `scale`."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).isoformat()
    orgs = []
    for kind, count in NATIONAL.items():
        for i in range(count * scale):
            code = f"S{kind[0].upper()}{i:05d}"
            orgs.append(
                (code, f"Synthetic {kind.replace('_', ' ')} {i}", kind, REGIONS[i % 4], SOURCE, now)
            )
    copy_rows(
        "trusts_organisation",
        ("ods_code", "name", "kind", "region", "source", "updated_at"),
        orgs,
    )
    trust_ids = _ids("trusts_organisation", "WHERE kind = 'trust'")
    ccg_ids = _ids("trusts_organisation", "WHERE kind = 'ccg'")

    def activity():
        for organisation_id in trust_ids:
            base = rng.randint(1500, 4000)
            for week in range(WEEKS):
                end = FIRST_WEEK_END + dt.timedelta(weeks=week)
                for department, share in (("1", 1.0), ("2", 0.05), ("other", 0.6)):
                    attendances = int(base * share) + rng.randint(0, 100)
                    over = int(attendances * rng.uniform(0.01, 0.2))
                    yield (
                        organisation_id,
                        "week",
                        end - dt.timedelta(days=6),
                        end,
                        department,
                        attendances,
                        over,
                        True,
                        SOURCE,
                        week + 1,
                    )

    ae_rows = copy_rows(
        "trusts_aeactivity",
        AE_COLUMNS,
        activity(),
    )
    # COPY goes round the importers, so the summaries are summed here, as an import's are.
    from trusts.summaries import ae_summaries_refresh

    ae_summaries_refresh()
    funds = FUNDS * scale
    copy_rows(
        "funding_fund",
        (
            "slug",
            "name",
            "announced_by",
            "announced_on",
            "announced_on_certainty",
            "total_pence",
            "total_is_cap",
            "financial_years",
            "purpose",
            "money_kind",
            "route",
            "status",
            "notes",
            "updated_at",
        ),
        (
            (
                f"synthetic-fund-{i}",
                f"Synthetic fund {i}",
                "dh",
                FIRST_WEEK_END + dt.timedelta(days=7 * (i % WEEKS)),
                "confirmed",
                ALLOCATIONS_PER_FUND * PENCE_PER_ALLOCATION,
                False,
                '["2013-14"]',
                "Synthetic benchmark fund: not a real announcement.",
                "new",
                "direct_to_trusts",
                "allocated",
                SOURCE,
                now,
            )
            for i in range(funds)
        ),
    )
    fund_ids = _ids("funding_fund")
    recipients = trust_ids + ccg_ids
    each = min(ALLOCATIONS_PER_FUND, len(recipients))  # recipients of each fund
    copy_rows(
        "funding_allocationrun",
        (
            "fund_id",
            "status",
            "is_current",
            "triggered_by",
            "inputs_fingerprint",
            "rule_kind",
            "task_id",
            "progress",
            "requested_at",
            "started_at",
            "finished_at",
            "total_pence",
            "published_pence",
            "recipient_count",
            "notes",
            "error",
        ),
        (
            (
                *(f, "succeeded", True, SOURCE, "", "fixed", "", 100, now, now, now),
                *(each * PENCE_PER_ALLOCATION, 0, each, "[]", ""),
            )
            for f in fund_ids
        ),
    )
    run_of = dict(
        zip(fund_ids, _ids("funding_allocationrun"), strict=True)
    )  # one run per fund, in the same order
    allocations = copy_rows(
        "funding_allocation",
        (
            "run_id",
            "fund_id",
            "recipient_id",
            "basis",
            "amount_pence",
            "rationale",
            "details",
        ),
        (
            (run_of[f], f, recipient, "modelled", PENCE_PER_ALLOCATION, "Synthetic share", "{}")
            for f in fund_ids
            for recipient in rng.sample(recipients, each)
        ),
    )
    with connection.cursor() as cursor:
        # What autovacuum has long since done on a database that has been running: hint bits
        # set and pages marked all-visible, so that the first requests measured do not pay
        # for the bulk load's writes.
        cursor.execute("VACUUM ANALYZE")
    return Built(scale, len(orgs), ae_rows, funds, allocations)
