"""An organisation's page tells its history as a reader would say it: names it no longer uses,
and who took over whom, in the right direction, with the shares of a split."""

import datetime as dt

import pytest

from tests import factories
from tests.html import list_items
from trusts.models import OrganisationName, Succession

pytestmark = pytest.mark.django_db

APRIL_2013 = dt.date(2013, 4, 1)


def history(client, code: str) -> list[str]:
    """The History list's items as the reader sees them."""
    return list_items(client.get(f"/trusts/{code}/").content.decode(), "History")


def named(organisation, name: str, valid_from, valid_to, source: str) -> None:
    OrganisationName.objects.create(
        organisation=organisation,
        name=name,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
    )


def test_a_former_name_is_listed_once_over_every_source_and_todays_name_not_at_all(client):
    trust = factories.trust(name="Synthetic Hospitals NHS Foundation Trust")
    # Sources that name a trust by its name give each spelling the dates of their files.
    named(trust, "Synthetic Hospitals NHS Foundation Trust", dt.date(2010, 11, 1), None, "a")
    named(trust, "SYNTHETIC HOSPITALS NHS FOUNDATION TRUST", dt.date(2014, 11, 3), None, "b")
    named(trust, "Synthetic Old Name NHS Trust", dt.date(2010, 11, 1), dt.date(2014, 12, 14), "a")
    named(trust, "Synthetic Old Name NHS Trust", dt.date(2014, 11, 3), dt.date(2015, 3, 8), "b")

    lines = history(client, trust.ods_code)

    assert [line for line in lines if line.startswith("Known as")] == [
        "Known as Synthetic Old Name NHS Trust from 1 Nov 2010 to 8 Mar 2015"
    ]


def test_a_former_name_left_open_by_one_source_stays_open(client):
    ccg = factories.ccg(name="Synthetic North CCG")
    named(ccg, "Synthetic Northern CCG", dt.date(2013, 4, 1), dt.date(2014, 3, 31), "a")
    named(ccg, "Synthetic Northern CCG", dt.date(2012, 4, 1), None, "b")

    lines = history(client, ccg.ods_code)

    assert [line for line in lines if line.startswith("Known as")] == [
        "Known as Synthetic Northern CCG from 1 Apr 2012"
    ]


def test_a_split_is_told_from_both_sides_with_each_share(client):
    pct = factories.organisation("pct", name="Synthetic PCT")
    first, second, third = (factories.ccg(name=f"Synthetic CCG {n}") for n in ("A", "B", "C"))
    for successor, share in ((first, "62.46"), (second, "37.42"), (third, "0.12")):
        factories.succession(
            pct, successor, APRIL_2013, kind=Succession.Kind.SPLIT, share_percent=share
        )

    assert (
        "Split between Synthetic CCG A (62.46%), Synthetic CCG B (37.42%) and "
        "Synthetic CCG C (0.12%), 1 April 2013"
    ) in history(client, pct.ods_code)
    assert "Took on part of Synthetic PCT (37.42%), 1 April 2013" in history(
        client, second.ods_code
    )
    assert not any("Split between" in line for line in history(client, second.ods_code))


def test_a_merger_and_an_acquisition_read_from_each_side(client):
    merged = [factories.ccg(name=f"Synthetic CCG {n}") for n in ("North", "South")]
    joint = factories.ccg(name="Synthetic Joint CCG")
    for predecessor in merged:
        factories.succession(predecessor, joint, dt.date(2015, 4, 1), kind=Succession.Kind.MERGER)
    bought = factories.trust(name="Synthetic Small Trust")
    buyer = factories.trust(name="Synthetic Big Trust")
    factories.succession(bought, buyer, dt.date(2012, 7, 1), kind=Succession.Kind.ACQUISITION)

    assert (
        "Merged into this organisation: Synthetic CCG North and Synthetic CCG South, 1 April 2015"
        in history(client, joint.ods_code)
    )
    assert "Merged into Synthetic Joint CCG, 1 April 2015" in history(client, merged[0].ods_code)
    assert "Acquired Synthetic Small Trust, 1 July 2012" in history(client, buyer.ods_code)
    assert "Acquired by Synthetic Big Trust, 1 July 2012" in history(client, bought.ods_code)


def test_a_replacement_names_no_share_of_a_whole(client):
    pct = factories.organisation("pct", name="Synthetic Old PCT")
    ccg = factories.ccg(name="Synthetic New CCG")
    factories.succession(
        pct, ccg, APRIL_2013, kind=Succession.Kind.REPLACEMENT, share_percent="100.000"
    )

    assert "Replaced Synthetic Old PCT (reorganisation), 1 April 2013" in history(
        client, ccg.ods_code
    )
    assert "Replaced by Synthetic New CCG (reorganisation), 1 April 2013" in history(
        client, pct.ods_code
    )


@pytest.mark.usefixtures("real_data")
def test_kings_history_in_the_shipped_data(client):
    lines = history(client, "RJZ")

    assert "Took on part of South London Healthcare NHS Trust, 1 October 2013" in lines
    assert not any(line.startswith("Known as") for line in lines), lines
