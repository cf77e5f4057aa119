"""Matching the names the weekly series use to organisations: stored names, then aliases."""

import csv
import datetime as dt
import difflib
from dataclasses import dataclass

from django.conf import settings

from ...models import Organisation, OrganisationName, normalise_name
from ..base import ImportResult
from ..organisations import _names_upsert, _organisations_by_code, display_name

ALIASES_PATH = settings.BASE_DIR / "trusts" / "data" / "name_aliases.csv"


def shown_spelling(name: str) -> str:
    """A name as the weekly files spell it ("Coventry And WarWiCkshire", "King's Lynn.") in
    the case and punctuation of the official files; it still matches, since matching ignores
    case and punctuation (normalise_name)."""
    return display_name(name.upper()).rstrip(" .")


def names_seen(seen: dict[tuple[str, str], list[dt.date]], source: str) -> list[dict]:
    """Each (code, name) a weekly file used, as a name valid over the weeks it was used."""
    return [
        {
            "code": code,
            "name": shown_spelling(name),
            "source": source,
            "valid_from": min(week_ends) - dt.timedelta(days=6),
            "valid_to": max(week_ends),
        }
        for (code, name), week_ends in seen.items()
    ]


def names_write(names: list[dict], result: ImportResult) -> None:
    organisations = _organisations_by_code(row["code"] for row in names)
    _names_upsert(
        [{"organisation": organisations[row.pop("code")], **row} for row in names], result
    )


@dataclass(frozen=True)
class Alias:
    name: str
    ods_code: str  # blank: a row we know we cannot attribute
    valid_from: dt.date | None
    valid_to: dt.date | None
    note: str

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def aliases_load() -> dict[str, list[Alias]]:
    """The alias table we maintain for names the reference files do not carry."""
    table: dict[str, list[Alias]] = {}
    with ALIASES_PATH.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            alias = Alias(
                name=row["name"],
                ods_code=row["ods_code"].strip(),
                valid_from=dt.date.fromisoformat(row["valid_from"]) if row["valid_from"] else None,
                valid_to=dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                note=row["note"],
            )
            table.setdefault(normalise_name(alias.name), []).append(alias)
    return table


class NameMatcher:
    """Finds the organisation a name meant on a date: stored names first, then aliases."""

    def __init__(self):
        self.names: dict[str, list[OrganisationName]] = {}
        for name in OrganisationName.objects.select_related("organisation"):
            self.names.setdefault(name.normalised, []).append(name)
        self.aliases = aliases_load()

    def match(self, name: str, day: dt.date) -> tuple[str | None, str]:
        """(ods_code, "") if found; (None, "skip") for a known unattributable name;
        (None, reason) otherwise."""
        key = normalise_name(name)
        candidates = [
            stored
            for stored in self.names.get(key, ())
            if stored.organisation.kind != Organisation.Kind.CCG
        ]
        codes = {stored.organisation.ods_code for stored in candidates if stored.is_valid_on(day)}
        if not codes:
            # A name seen for one code in another period still identifies it, unless
            # it was used by more than one organisation.
            codes = {stored.organisation.ods_code for stored in candidates}
        for alias in self.aliases.get(key, ()):
            if alias.covers(day):
                if not alias.ods_code:
                    return None, "skip"
                codes.add(alias.ods_code)
        if len(codes) == 1:
            return codes.pop(), ""
        if len(codes) > 1:
            return None, f"matches more than one organisation ({', '.join(sorted(codes))})"
        return None, ""

    def closest(self, name: str) -> list[str]:
        known = {
            stored.name
            for names in self.names.values()
            for stored in names
            if stored.organisation.kind != Organisation.Kind.CCG
        }
        folded = {normalise_name(candidate): candidate for candidate in known}
        return [
            folded[key]
            for key in difflib.get_close_matches(normalise_name(name), folded, n=3, cutoff=0.6)
        ]
