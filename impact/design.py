"""The design around the impact estimate: which months, which trusts. Pure, no database.

A difference in differences only measures the money if the "before" months say nothing about
why a trust was funded. A rule that picks the worst performers of a quarter picks trusts that
had a bad quarter; they recover whatever happens (regression to the mean), so a "before"
window holding those months credits the money with the recovery. The defaults here keep the
"before" window clear of the months a rule selected on, and clear of the announcement.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from trusts.windows import Window

from .stats import PanelRow


def winter(ending_year: int) -> Window:
    """November to March, labelled as the NHS does: "Winter 2012-13" ends in March 2013."""
    return Window(
        dt.date(ending_year - 1, 11, 1),
        dt.date(ending_year, 3, 31),
        f"Winter {ending_year - 1}-{ending_year % 100:02d}",
    )


def _last_winter_ending_before(day: dt.date) -> Window:
    ending_year = day.year if day > dt.date(day.year, 3, 31) else day.year - 1
    return winter(ending_year)


def _winter_from(day: dt.date) -> Window:
    """The whole months of winter from `day` on: the rest of the winter it falls in (all of
    it if `day` is its first), else the next winter."""
    start = day if day.day == 1 else (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    season = winter(start.year if start.month <= 3 else start.year + 1)
    if start <= season.start:
        return season
    return Window(start, season.end, f"{season} from {start:%B %Y}")


def default_windows(announced_on: dt.date, selection: Window | None) -> tuple[Window, Window]:
    """The last whole winter before anything the rule looked at, and the winter of the money.

    "Before" ends before the rule's selection window starts (a rule that chose its
    recipients on performance) or before the announcement (any other rule); "after" is the
    winter's whole months from the announcement on, so neither holds a month it should not.
    """
    limit = min(announced_on, selection.start) if selection else announced_on
    return _last_winter_ending_before(limit), _winter_from(announced_on)


def window_warnings(
    before: Window, after: Window, *, announced_on: dt.date, selection: Window | None
) -> tuple[str, ...]:
    """Why a chosen pair of windows cannot be read as the money's effect, in plain words."""
    warnings = []
    if selection and before.start <= selection.end and selection.start <= before.end:
        warnings.append(
            f"The before window overlaps the months the rule ranked trusts on "
            f"({selection.start:%-d %b %Y} to {selection.end:%-d %b %Y}). Trusts picked for a "
            f"bad spell tend to recover whatever happens (regression to the mean), so the "
            f"estimate counts that recovery as the money's effect."
        )
    if before.end >= announced_on:
        warnings.append(
            f"The before window runs past the announcement ({announced_on:%-d %b %Y}), so it "
            f"holds months when trusts already knew about the money."
        )
    if after.start < announced_on:
        warnings.append(
            f"The after window starts before the announcement ({announced_on:%-d %b %Y}), so "
            f"it holds months before any money was promised."
        )
    return tuple(warnings)


@dataclass(frozen=True)
class FootprintChange:
    """A succession inside the analysis span, and what the analysis did about it."""

    predecessor: str
    successor: str
    effective_on: dt.date
    outcome: str  # "merged" or "left out"
    reason: str


def footprints(
    successions: Sequence[tuple[str, str, dt.date]],
    treated: set[str],
    announced: dt.date | None = None,
) -> tuple[dict[str, str], set[str], tuple[FootprintChange, ...]]:
    """One consistent footprint per group of trusts that a succession joins within the span.

    A trust whose hospitals move mid-span changes size and case mix overnight; its own
    before-and-after change then measures the move. Trusts joined by successions are summed
    into one unit under the last successor's code when they sit on the same side (all funded
    or all not), and left out together when they do not: a unit that is part funded belongs
    to neither group. A trust that had closed by the `announced` date was neither funded nor
    passed over, and takes the side of the trusts it became. Returns the code of each merged
    trust's unit, the codes left out, and what happened to each succession.
    """
    closed_before = {
        predecessor
        for predecessor, _, effective_on, *_ in successions
        if announced is not None and effective_on <= announced
    }
    parent: dict[str, str] = {}

    def root(code: str) -> str:
        while parent.get(code, code) != code:
            code = parent[code]
        return code

    for predecessor, successor, *_ in sorted(successions, key=lambda s: s[2]):
        parent.setdefault(predecessor, predecessor)
        parent.setdefault(successor, successor)
        parent[root(predecessor)] = root(successor)
    groups: dict[str, set[str]] = {}
    for code in parent:
        groups.setdefault(root(code), set()).add(code)

    unit_of: dict[str, str] = {}
    left_out: set[str] = set()
    changes = []
    for predecessor, successor, effective_on, *_ in successions:
        group = groups[root(predecessor)]
        open_then = group - closed_before
        funded = sorted(open_then & treated)
        if funded and len(funded) < len(open_then):
            left_out |= group
            changes.append(
                FootprintChange(
                    predecessor,
                    successor,
                    effective_on,
                    "left out",
                    f"funded {', '.join(funded)} and unfunded "
                    f"{', '.join(sorted(open_then - treated))} share hospitals",
                )
            )
        else:
            unit = root(predecessor)
            unit_of.update({code: unit for code in group})
            changes.append(
                FootprintChange(
                    predecessor,
                    successor,
                    effective_on,
                    "merged",
                    f"{' + '.join(sorted(group))} counted as one trust, {unit}, throughout",
                )
            )
    return unit_of, left_out, tuple(changes)


def footprint_rows(
    rows: Sequence[PanelRow], unit_of: dict[str, str], left_out: set[str]
) -> list[PanelRow]:
    """The panel with merged trusts summed into their unit and left-out trusts dropped."""
    totals: dict[tuple[str, int], list[int]] = {}
    for row in rows:
        if row.code in left_out:
            continue
        key = (unit_of.get(row.code, row.code), row.period)
        counts = totals.setdefault(key, [0, 0])
        counts[0] += row.attendances
        counts[1] += row.over_4h
    return [PanelRow(code, period, att, over) for (code, period), (att, over) in totals.items()]


def balanced(rows: Sequence[PanelRow], periods: Iterable[int]) -> tuple[list[PanelRow], set[str]]:
    """Only the trusts with figures in every one of the periods, and the codes dropped.

    A trust seen in some months only would weigh on some months' gaps and not others', so the
    event study and the estimate would not describe the same trusts.
    """
    wanted = set(periods)
    seen: dict[str, set[int]] = {}
    for row in rows:
        if row.period in wanted and row.attendances > 0:
            seen.setdefault(row.code, set()).add(row.period)
    complete = {code for code, got in seen.items() if got == wanted}
    return [r for r in rows if r.code in complete and r.period in wanted], set(seen) - complete
