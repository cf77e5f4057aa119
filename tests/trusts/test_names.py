"""Names: the weekly files' spellings match rows to codes; pages show official spellings."""

import datetime as dt
import re

import pytest

from trusts.importers.ae import NameMatcher
from trusts.selectors import performance_by_organisation
from trusts.windows import Window

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]

WEEKLY_SPELLING = "University Hospitals Coventry And WarWiCkshire NHS Trust"
OFFICIAL = "University Hospitals Coventry and Warwickshire NHS Trust"
Q4_2012_13 = Window(dt.date(2013, 1, 1), dt.date(2013, 3, 31))


def test_a_weekly_spelling_still_finds_its_trust():
    assert NameMatcher().match(WEEKLY_SPELLING, dt.date(2012, 6, 1)) == ("RKB", "")


def test_figures_of_the_weekly_years_carry_the_official_spelling():
    [coventry] = performance_by_organisation(Q4_2012_13, types=["1"], codes=["RKB"])
    assert coventry.name == OFFICIAL


def test_the_trust_page_shows_no_weekly_spelling(client):
    page = client.get("/trusts/RKB/").content.decode()
    assert OFFICIAL in page
    assert "WarWiCkshire" not in page and "And WarWiCkshire" not in page


def test_the_league_page_shows_the_official_spelling(client):
    page = client.get("/league/", {"from": "2013-01-01", "to": "2013-03-31"})
    text = page.content.decode()
    assert "WiC" not in text.replace("WIC", "")


@pytest.mark.parametrize(
    ("code", "name"),
    [("09A", "NHS Central London (Westminster) CCG"), ("DT301", "Herts Urgent Care (Ascots Lane)")],
)
def test_a_word_in_brackets_of_an_ods_name_is_capitalised(client, code, name):
    page = client.get(f"/trusts/{code}/").content.decode()
    assert re.search(r"<h1>(.*?) <span", page).group(1) == name
