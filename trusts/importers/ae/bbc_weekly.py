"""The BBC's weekly type 1 A&E series by trust name, November 2010 to December 2014."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ...models import FoundationTrustStatus, Grain, normalise_name
from ..base import (
    NAME_CHARS,
    Columns,
    DateRange,
    ImportResult,
    Problems,
    Table,
    duplicates_check,
    upsert,
)
from ..formats import Format, header_has
from ..organisations import _organisations_by_code
from .activity import ActivityPlan, Cells, activity_write, weekly_sitrep_row
from .names import NameMatcher, names_seen, names_write

WEEKLY_NAMES_SOURCE = "BBC weekly A&E series"
FT_FROM_NAMES_SOURCE = "Inferred from trust names in the weekly A&E series"


def _percent(raw: str, line: int, problems: Problems) -> Decimal | None:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        problems.add(line, "patients_seen_in_four_hours", f"{raw!r} is not a percentage")
        return None
    if not 0 <= value <= 100:
        problems.add(line, "patients_seen_in_four_hours", f"{value} is not between 0 and 100")
        return None
    return value


class BbcWeekly(Format):
    """Weekly type 1 A&E by trust name, November 2010 to December 2014 (BBC, from NHS England)."""

    label = "BBC weekly type 1 A&E by trust name"
    category = "ae"
    FIELDS = (
        "name",
        "patients_seen_in_four_hours",
        "attendances_at_ane",
        "emergency_admissions_via_type_1_ae",
        "analysisdate",
    )
    WEEK_ENDS = DateRange(dt.date(2010, 11, 1), dt.date(2014, 12, 31))

    def matches(self, header: list[str]) -> bool:
        return header_has(header, *self.FIELDS)

    def parse(self, table: Table, problems: Problems) -> ActivityPlan:
        columns = Columns(table.header)
        matcher = NameMatcher()
        plan = ActivityPlan(grain=Grain.WEEK)
        unmatched: dict[str, int] = {}
        seen_names: dict[tuple[str, str], list[dt.date]] = {}
        skipped = 0
        keys = []
        for line, row in table.rows:
            cells = Cells(columns, row, line, problems)
            name = cells.text("name", max_length=NAME_CHARS)
            week_end = cells.date("analysisdate", "%Y.%m.%d", self.WEEK_ENDS)
            percent = _percent(columns.value(row, "patients_seen_in_four_hours"), line, problems)
            attendances = cells.count("attendances_at_ane")
            admissions = cells.count("emergency_admissions_via_type_1_ae", required=False)
            if week_end is None or not name:
                continue
            code, reason = matcher.match(name, week_end)
            if reason == "skip":
                skipped += 1
                continue
            if code is None:
                if reason:
                    problems.add(line, "name", f"{name!r} {reason}")
                else:
                    unmatched.setdefault(name, line)
                continue
            keys.append(((code, week_end), line))
            seen_names.setdefault((code, name), []).append(week_end)
            if percent is None or attendances is None:
                continue
            # The series gives a rounded percentage, not the breach count; the count is
            # worked back from it and marked as derived.
            over_4h = int((attendances * (100 - percent) / 100).quantize(Decimal(1), ROUND_HALF_UP))
            plan.period_starts.add(week_end - dt.timedelta(days=6))
            plan.activity.append(
                weekly_sitrep_row(
                    code,
                    week_end,
                    (table.name, line),
                    attendances=attendances,
                    over_4h=min(over_4h, attendances),
                    over_4h_derived=True,
                    emergency_admissions=admissions,
                )
            )
        for name, line in sorted(unmatched.items(), key=lambda item: item[1]):
            closest = matcher.closest(name)
            hint = f"; closest known: {'; '.join(closest)}" if closest else ""
            problems.add(
                line,
                "name",
                f"{name!r} matches no organisation name or alias "
                f"(add it to trusts/data/name_aliases.csv){hint}",
            )
        duplicates_check(keys, problems, "name, analysisdate")
        if skipped:
            plan.skipped.append(
                f"{skipped} rows whose name the alias table marks as unattributable"
            )
        self._names_and_status(plan, seen_names)
        return plan

    def _names_and_status(self, plan: ActivityPlan, seen: dict[tuple[str, str], list]) -> None:
        plan.names = names_seen(seen, WEEKLY_NAMES_SOURCE)
        weeks_by_code: dict[str, list[tuple[dt.date, bool]]] = {}
        for (code, name), week_ends in seen.items():
            is_foundation = "foundation trust" in normalise_name(name)
            weeks_by_code.setdefault(code, []).extend(
                (week_end, is_foundation) for week_end in week_ends
            )
        for code, weeks in weeks_by_code.items():
            weeks.sort()
            foundation_weeks = [week_end for week_end, is_foundation in weeks if is_foundation]
            if not foundation_weeks:
                continue
            first = foundation_weeks[0] - dt.timedelta(days=6)
            plan.foundation_trusts.append(
                {
                    "code": code,
                    "authorised_on": first,
                    "source": FT_FROM_NAMES_SOURCE
                    + (
                        " (a foundation trust from the first week of the series: authorised "
                        "on or before this date)"
                        if weeks[0][1]
                        else " (first week named as a foundation trust)"
                    ),
                }
            )

    def write(self, plan: ActivityPlan, result: ImportResult) -> None:
        activity_write(plan, result, keep_counted=True)
        names_write(plan.names, result)
        stored = _organisations_by_code(row["code"] for row in plan.foundation_trusts)
        upsert(
            FoundationTrustStatus,
            key_fields=("organisation_id",),
            rows=[
                {
                    "organisation_id": stored[row["code"]].pk,
                    "authorised_on": row["authorised_on"],
                    "ended_on": stored[row["code"]].closed_on,
                    "source": row["source"],
                }
                for row in plan.foundation_trusts
            ],
            existing=FoundationTrustStatus.objects.filter(source__startswith=FT_FROM_NAMES_SOURCE),
        ).add_to(result)
