"""The gap-fill files (data/SOURCES.md, file 12): precedence, flags, names, continuous series."""

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from unittest import TestCase

import pytest
from django.conf import settings
from django.db.models import Sum

from trusts.importers import import_files
from trusts.models import (
    AEActivity,
    AEMonthSummary,
    AEShare,
    Basis,
    DepartmentType,
    Grain,
    basis_outranks,
)
from trusts.selectors import monthly_series

GAPFILL = settings.DATA_DIR / "monthly_ae_2010-2020_gapfill"
ALL_TYPES_FILE = GAPFILL / "howsmynhs_monthly_ae_alltypes_by_provider_2010-11_to_2020-03.csv"
FIELD_TEST_TRUSTS = [
    "RC9",
    "RGT",
    "RQM",
    "RDU",
    "RYJ",
    "RNQ",
    "RXF",
    "RVW",
    "RX1",
    "RHU",
    "RFR",
    "RD3",
    "RK9",
    "RGR",
]


class BasisOutranksTests(TestCase):
    def test_the_official_file_beats_nhsr_which_beats_apportioned_weeks(self):
        self.assertTrue(basis_outranks((Basis.OFFICIAL_MONTHLY, True), (Basis.NHSR, True)))
        self.assertTrue(basis_outranks((Basis.NHSR, False), (Basis.APPORTIONED_WEEKLY, False)))
        self.assertFalse(basis_outranks((Basis.APPORTIONED_WEEKLY, False), (Basis.NHSR, False)))

    def test_a_copy_of_the_monthly_files_ranks_below_nhsr_above_apportioned_weeks(self):
        self.assertFalse(basis_outranks((Basis.REPUBLISHED_MONTHLY, True), (Basis.NHSR, True)))
        self.assertTrue(
            basis_outranks((Basis.REPUBLISHED_MONTHLY, False), (Basis.APPORTIONED_WEEKLY, False))
        )

    def test_figures_by_type_beat_a_total_whatever_its_source(self):
        self.assertTrue(basis_outranks((Basis.NHSR, True), (Basis.OFFICIAL_MONTHLY, False)))
        self.assertFalse(basis_outranks((Basis.OFFICIAL_MONTHLY, False), (Basis.NHSR, True)))

    def test_the_same_source_does_not_replace_itself(self):
        self.assertFalse(basis_outranks((Basis.NHSR, True), (Basis.NHSR, True)))


pytestmark = pytest.mark.django_db


def _file_rows(first: str, last: str) -> list[dict]:
    with ALL_TYPES_FILE.open(newline="", encoding="utf-8") as handle:
        return [
            row
            for row in csv.DictReader(handle)
            if first <= row["period"] <= last and row["ods_code"] != "ENG"
        ]


@pytest.mark.usefixtures("real_data")
def test_where_nhsr_and_the_gapfill_overlap_they_agree_within_the_stated_tolerance():
    """Tolerance: at most 0.1% of overlapping provider-months differ (NOTES.md found 3 of
    6,731, all later revisions), and no provider-month's attendances by more than 5%."""
    nhsr = defaultdict(int)
    for code, start, attendances in AEActivity.objects.filter(
        basis=Basis.NHSR, grain=Grain.MONTH
    ).values_list("organisation__ods_code", "period_start", "attendances"):
        nhsr[(code, f"{start:%Y-%m}")] += attendances
    compared = differing = 0
    for row in _file_rows("2016-04", "2019-03"):
        key = (row["ods_code"], row["period"])
        if key not in nhsr:
            continue
        compared += 1
        attendances = int(row["attendances_all_types"])
        if attendances != nhsr[key]:
            differing += 1
            assert abs(attendances - nhsr[key]) <= nhsr[key] * Decimal("0.05"), key
    assert compared > 6_000
    assert differing <= compared / 1000


def test_the_two_2019_20_copies_agree_within_the_stated_tolerance():
    """The by-type file (transcribed) against the all-types file (decoded by machine from
    another repository): at most 1% of trust-months differ (NOTES.md: 8 of 1,951, NHS
    England's July 2020 revision of September to November 2019), none by more than 5%."""
    by_type = GAPFILL / "uzair163_monthly_ae_by_trust_type_2019-04_to_2020-03.csv"
    with by_type.open(newline="", encoding="utf-8") as handle:
        typed = {
            (row["org_code"], row["period"]): sum(
                int(row[f"attendances_{t}"]) for t in ("type1", "type2", "other")
            )
            for row in csv.DictReader(handle)
        }
    compared = differing = 0
    for row in _file_rows("2019-04", "2020-03"):
        key = (row["ods_code"], row["period"])
        if key not in typed:
            continue
        compared += 1
        attendances = int(row["attendances_all_types"])
        if attendances != typed[key]:
            differing += 1
            assert abs(attendances - typed[key]) <= typed[key] * Decimal("0.05"), key
            assert row["period"] in ("2019-09", "2019-10", "2019-11"), key
    assert compared > 1_900
    assert differing <= compared / 100


@pytest.mark.usefixtures("real_data")
def test_months_nhsr_covers_take_nothing_from_the_gapfill():
    assert not AEActivity.objects.filter(
        grain=Grain.MONTH,
        period_start__range=(dt.date(2016, 4, 1), dt.date(2019, 3, 1)),
        source_file=ALL_TYPES_FILE.name,
    ).exists()


@pytest.mark.usefixtures("real_data")
def test_no_provider_month_holds_both_a_total_and_figures_by_type():
    totals = set(
        AEActivity.objects.filter(department_type=DepartmentType.TOTAL).values_list(
            "organisation_id", "period_start"
        )
    )
    typed = set(
        AEActivity.objects.filter(grain=Grain.MONTH)
        .exclude(department_type=DepartmentType.TOTAL)
        .values_list("organisation_id", "period_start")
    )
    assert totals and not totals & typed


@pytest.mark.usefixtures("real_data")
def test_field_test_trusts_breaches_from_may_2019_are_missing_not_zero():
    rows = AEActivity.objects.filter(
        organisation__ods_code__in=FIELD_TEST_TRUSTS, period_start=dt.date(2019, 6, 1)
    )
    assert rows.count() >= 14
    assert not rows.exclude(over_4h=None).exists()
    april = AEActivity.objects.get(
        organisation__ods_code="RC9", period_start=dt.date(2019, 4, 1), department_type="1"
    )
    assert april.over_4h is not None


@pytest.mark.usefixtures("real_data")
def test_months_built_from_weekly_sitreps_are_marked_apportioned():
    barnsley = AEActivity.objects.get(
        organisation__ods_code="RFF", grain=Grain.MONTH, period_start=dt.date(2010, 11, 1)
    )
    # The file's row: 2010-11,Barnsley Hospital NHS Foundation Trust,RFF,...,5929,181,...
    assert (barnsley.attendances, barnsley.over_4h) == (5929, 181)
    assert barnsley.basis == Basis.APPORTIONED_WEEKLY
    assert barnsley.department_type == DepartmentType.TOTAL


@pytest.mark.usefixtures("real_data")
def test_the_apportioned_flag_shows_in_the_api(client):
    response = client.get(
        "/api/v1/performance/",
        {"from": "2013-01-01", "to": "2013-01-31", "type": "all", "by": "month", "code": "RFF"},
    )
    [row] = response.json()["results"]
    assert row["sources"] == "apportioned_weekly"


@pytest.mark.usefixtures("real_data")
def test_a_type_1_share_is_stored_apart_and_never_summed_as_counts():
    england = AEShare.objects.get(organisation__ods_code="ENG", period_start=dt.date(2015, 6, 1))
    assert england.within_4h == Decimal("0.9226208821")  # the file: 0.9226208821073748
    [june] = [p for p in monthly_series() if p.label == "2015-06" and p.measure == "1"]
    assert (june.attendances, june.percent) == (None, Decimal("92.26"))
    assert not AEActivity.objects.filter(
        grain=Grain.MONTH, department_type="1", period_start=dt.date(2015, 6, 1)
    ).exists()


@pytest.mark.usefixtures("real_data")
def test_englands_series_has_every_month_from_november_2010_and_gaps_only_where_no_source_has():
    points = monthly_series()
    for measure in ("1", "all"):
        months = [p.label for p in points if p.measure == measure]
        assert months[0] == "2010-11"
        assert len(months) == len(set(months))
    gaps = {(p.label, p.measure) for p in points if p.percent is None}
    # Type 1: March 2015 is half a month in the weekly files, and nothing has April-May 2015.
    # All types: the months the gap-fill file flags suspect (its NOTES.md says do not use).
    assert gaps == {
        ("2015-03", "1"),
        ("2015-04", "1"),
        ("2015-05", "1"),
        ("2012-05", "all"),
        ("2013-03", "all"),
        ("2013-04", "all"),
        ("2013-05", "all"),
    }


@pytest.mark.usefixtures("real_data")
def test_march_2016_all_types_is_the_england_row_and_the_providers_are_kept_as_given():
    # NOTES.md: the England row gives 87.27% for March 2016; the providers shipped cover about
    # 80% of England's attendances, so England is its own row and each provider its own.
    rows = [r for r in _file_rows("2016-03", "2016-03") if "CONFLICT" not in r["ods_code_method"]]
    [march] = [p for p in monthly_series() if p.label == "2016-03" and p.measure == "all"]
    assert (march.attendances, march.over_4h) == (2_087_553, 265_834)
    with_breaches = [r for r in rows if r["attendances_over_4h_all_types"]]
    held = AEMonthSummary.objects.filter(month=dt.date(2016, 3, 1), grain="month").aggregate(
        attendances=Sum("attendances"), over_4h=Sum("over_4h")
    )
    assert held["attendances"] == sum(int(r["attendances_all_types"]) for r in with_breaches)
    assert held["over_4h"] == sum(int(r["attendances_over_4h_all_types"]) for r in with_breaches)


@pytest.mark.usefixtures("real_data")
def test_a_name_no_code_can_be_trusted_for_is_reported_and_skipped(tmp_path):
    path = tmp_path / "howsmynhs_sample.csv"
    header = (
        "period,provider_name,ods_code,ods_code_method,attendances_all_types,"
        "attendances_over_4h_all_types,derivation,flag"
    )
    path.write_text(
        f"{header}\n"
        "2015-07,Woking Walk In Centre,NTV0W,value_match(43/55 months) CONFLICT,100,1,"
        "nhse_monthly_provider_file,\n"
        "2015-07,Nowhere Minor Injuries Unit,ZZZ99,value_match(1/1 months),50,0,"
        "nhse_monthly_provider_file,\n"
        "2015-07,Barnsley Hospital NHS Foundation Trust,RFF,value_match(49/49 months),"
        "9000,500,nhse_monthly_provider_file,\n",
        encoding="utf-8",
    )
    [result] = import_files([path], dry_run=True)
    [unmatched] = [line for line in result.skipped if "matched to no code" in line]
    assert "Woking Walk In Centre" in unmatched
    assert "Nowhere Minor Injuries Unit" in unmatched
    assert "Barnsley" not in unmatched


@pytest.mark.usefixtures("real_data")
def test_the_2019_20_by_type_file_gives_englands_type_1_for_april_2019():
    # NOTES.md: the trust-sum type 1 performance for April 2019 is 77.14%.
    totals = AEActivity.objects.filter(
        grain=Grain.MONTH, period_start=dt.date(2019, 4, 1), department_type="1"
    ).aggregate(attendances=Sum("attendances"), over_4h=Sum("over_4h"))
    assert 100 * (1 - Decimal(totals["over_4h"]) / totals["attendances"]) == pytest.approx(
        Decimal("77.14"), abs=Decimal("0.005")
    )


@pytest.mark.usefixtures("real_data")
def test_the_api_gives_type_1_and_all_types_as_separate_series_with_gaps(client):
    body = client.get("/api/v1/performance/monthly/").json()
    series = {s["measure"]: s for s in body["series"]}
    assert series["1"]["label"] == "Type 1 (major A&E)"
    assert series["all"]["label"] == "All types"
    type_1 = {p["month"]: p for p in series["1"]["points"]}
    assert type_1["2015-04"]["percentage"] is None
    assert type_1["2015-06"] == {
        "month": "2015-06",
        "attendances": None,
        "over_4h": None,
        "percentage": "92.26",
        "sources": ["NHS England's published type 1 percentage (no counts)"],
        "weeks": None,
    }
    assert type_1["2013-03"]["weeks"] == 5  # England's type 1 months of 2013 are its weeks
    assert series["all"]["points"][0]["month"] == "2010-11"
    assert series["all"]["latest_month"] == series["all"]["points"][-1]["month"]


@pytest.mark.usefixtures("real_data")
@pytest.mark.parametrize(
    ("month", "percentage"),
    [
        # The source's England row, where the providers it lists cover about 80% of England's
        # attendances: their sum gave 93.56% for January 2013 and 86.32% for March 2016
        # (NHS England published 87.3%).
        ("2013-01", "94.53"),
        ("2016-03", "87.27"),
        # A month the file flags as not to be used has no England figure either.
        ("2013-03", None),
    ],
)
def test_englands_all_types_month_is_the_sources_england_row(client, month, percentage):
    body = client.get("/api/v1/performance/monthly/").json()
    [every_type] = [s for s in body["series"] if s["measure"] == "all"]
    point = next(p for p in every_type["points"] if p["month"] == month)
    assert point["percentage"] == percentage


@pytest.mark.usefixtures("real_data")
def test_englands_row_is_not_used_where_the_file_says_its_breaches_are_wrong(client):
    """From May 2019 the author's England breaches disagree with the providers' (78.0%
    against NHS England's 86.6% for May 2019): there England is the providers' sum."""
    body = client.get("/api/v1/performance/monthly/").json()
    [every_type] = [s for s in body["series"] if s["measure"] == "all"]
    may = next(p for p in every_type["points"] if p["month"] == "2019-05")
    assert 85 < float(may["percentage"]) < 88
    assert "England row" not in " ".join(may["sources"])
