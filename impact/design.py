"""The design around the impact estimate: which months, which trusts. Pure, no database.

A difference in differences only measures the money if the "before" months say nothing about
why a trust was funded. A rule that picks the worst performers of a quarter picks trusts that
had a bad quarter; they recover whatever happens (regression to the mean), so a "before"
window holding those months credits the money with the recovery. The defaults here keep the
"before" window clear of the months a rule selected on, and clear of the announcement.
"""

import datetime as dt

from trusts.windows import Window


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


def default_windows(announced_on: dt.date, selection: Window | None) -> tuple[Window, Window]:
    """The last whole winter before anything the rule looked at, and the winter of the money.

    "Before" ends before the rule's selection window starts (a worst-N rule) or before the
    announcement (any other rule); "after" is the winter of the announcement's financial year.
    """
    limit = min(announced_on, selection.start) if selection else announced_on
    financial_year = announced_on.year if announced_on.month >= 4 else announced_on.year - 1
    return _last_winter_ending_before(limit), winter(financial_year + 1)


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
