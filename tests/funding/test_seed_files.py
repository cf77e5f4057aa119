"""The seed funds as their files state them: the figures the announcements give (see the
sources in each file), and files that disagree with each other refused before any write."""

import datetime as dt
import shutil
import tomllib
from pathlib import Path

import pytest

from funding.seed import SEED_FUNDS, SeedError, millions, seed_funds_read

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def funds():
    return {seed.slug: seed for seed in seed_funds_read()}


def current_scenario(fund):
    [current] = [scenario for scenario in fund.scenarios if scenario.current]
    return current


def test_every_shipped_fund_file_is_read_parents_before_waves():
    order = [seed.slug for seed in seed_funds_read()]
    assert sorted(order) == sorted(path.stem for path in SEED_FUNDS.glob("*.toml"))
    assert len(order) == 8
    parent = order.index("ae-winter-pressures-2013-15")
    assert parent < order.index("ae-winter-2013-14")
    assert parent < order.index("ae-winter-2014-15")


def test_the_emerging_ccgs_get_up_to_100m_at_2_pounds_a_head(funds):
    ccgs = funds["emerging-ccgs-winter-2011-12"]
    assert (ccgs.total_pence, ccgs.total_is_cap) == (millions(100), True)
    assert (ccgs.announced_on, ccgs.certainty) == (dt.date(2012, 1, 16), "confirmed")
    assert ccgs.rule_kind == "per_capita"
    assert ccgs.rule_parameters["rate"] == "2.00"
    assert ccgs.rule_parameters["cap"] == "100000000.00"
    assert ccgs.rule_parameters["eligible_kinds"] == ["ccg"]


def test_the_winter_money_is_500m_in_two_waves_of_250m(funds):
    whole = funds["ae-winter-pressures-2013-15"]
    assert whole.total_pence == millions(500)
    assert (whole.announced_on, whole.certainty) == (dt.date(2013, 8, 8), "inferred")
    waves = {slug: fund for slug, fund in funds.items() if fund.parent_slug == whole.slug}
    assert set(waves) == {"ae-winter-2013-14", "ae-winter-2014-15"}
    assert [fund.total_pence for fund in waves.values()] == [millions(250)] * 2


def test_2013_14_is_15m_for_111_221m_for_53_systems_and_14m_contingency(funds):
    winter = funds["ae-winter-2013-14"]
    assert [(t.name, t.amount_pence) for t in winter.tranches] == [
        ("NHS 111 over winter", millions(15)),
        ("53 high-risk systems (provisional)", millions(221)),
        ("Contingency", millions(14)),
    ]
    assert sum(t.amount_pence for t in winter.tranches) == winter.total_pence
    assert [(step.status, step.on) for step in winter.steps] == [
        ("allocated", dt.date(2013, 9, 10))
    ]


def test_2013_14_models_19_foundation_trusts_and_34_nhs_trusts_after_londons_ten(funds):
    parameters = current_scenario(funds["ae-winter-2013-14"]).parameters
    assert parameters["quotas"] == {"foundation_trust": 19, "nhs_trust": 34}
    assert parameters["n"] == 53 == 19 + 34
    assert parameters["total"] == "221000000.00"
    assert len(set(parameters["named"])) == 10
    [london] = parameters["group_totals"]
    assert (london["codes"], london["at_least"]) == (parameters["named"], "55000000.00")


def test_barts_and_bhrut_are_published_at_12_8m_and_7m_of_the_221m(funds):
    published = funds["ae-winter-2013-14"].published
    assert [(p.ods_code, p.amount_pence, p.tranche) for p in published] == [
        ("R1H", millions("12.8"), "53 high-risk systems (provisional)"),
        ("RF4", millions(7), "53 high-risk systems (provisional)"),
    ]


def test_the_second_wave_is_150m_for_the_a_and_es_the_first_left_out(funds):
    second = funds["ae-winter-second-wave-2013-14"]
    assert second.total_pence == millions(150)
    assert (second.announced_on, second.certainty) == (dt.date(2013, 11, 20), "not_confirmed")
    current = current_scenario(second)
    assert current.kind == "complement"
    assert current.parameters["excluded_funds"] == ["ae-winter-2013-14"]


def test_the_bcf_is_3_8bn_with_its_performance_element_in_two_500m_phases(funds):
    bcf = funds["better-care-fund-2015-16"]
    assert bcf.total_pence == millions(3800)
    assert [t.amount_pence for t in bcf.tranches] == [
        millions(1100),
        millions(500),
        millions(500),
        millions(1700),
    ]
    linked = [t for t in bcf.tranches if t.performance_linked]
    assert [(t.amount_pence, t.due_on, t.policy) for t in linked] == [
        (millions(500), dt.date(2015, 4, 1), "pay_and_support"),
        (millions(500), dt.date(2015, 10, 1), "pay_and_support"),
    ]
    assert (bcf.rule_kind, bcf.rule_parameters["percent"]) == ("top_slice", "3.5")


def test_east_of_englands_categories_add_up_to_114_8m_of_the_174m(funds):
    top_slice = funds["east-of-england-2pc-top-slice-2010-11"]
    [region] = [report for report in top_slice.spending if report.ods_code == "Q35"]
    assert region.allocation_pence == top_slice.total_pence == millions(174)
    assert sum(amount for _, amount, _ in region.lines) == millions("114.8")
    hubs = funds["east-of-england-pathway-hubs"]
    assert (hubs.total_pence, hubs.total_is_cap, hubs.financial_years) == (
        millions(340),
        True,
        (),
    )


def test_every_fund_names_the_sources_of_its_figures(funds):
    for fund in funds.values():
        assert fund.sources, fund.slug
        assert all(source.url.startswith(("https://", "http://")) for source in fund.sources)


def test_an_installed_package_carries_every_fund_file():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["funding"]
    funding = ROOT / "funding"
    shipped = {path for pattern in patterns for path in funding.glob(pattern)}
    assert set(SEED_FUNDS.glob("*.toml")) <= shipped


# --- Files that disagree with each other ----------------------------------------------------


@pytest.fixture
def shipped_copy(tmp_path):
    for path in SEED_FUNDS.glob("*.toml"):
        shutil.copy(path, tmp_path)
    return tmp_path


def edit(folder: Path, slug: str, old: str, new: str) -> None:
    path = folder / f"{slug}.toml"
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))


def test_a_wave_whose_parent_has_no_file_is_refused(shipped_copy):
    (shipped_copy / "ae-winter-pressures-2013-15.toml").unlink()
    with pytest.raises(SeedError) as failure:
        seed_funds_read(shipped_copy)
    message = str(failure.value)
    assert "ae-winter-2013-14.toml: parent: 'ae-winter-pressures-2013-15' is not a seed fund" in (
        message
    )
    assert "ae-winter-2014-15.toml: parent:" in message


def test_waves_that_add_up_to_more_than_their_parent_are_refused(shipped_copy):
    edit(shipped_copy, "ae-winter-2014-15", 'total = "£250m"', 'total = "£300m"')
    with pytest.raises(SeedError, match=r"ae-winter-pressures-2013-15.toml: total: its waves"):
        seed_funds_read(shipped_copy)
    with pytest.raises(SeedError, match=r"£550,000,000.00, more than £500,000,000.00"):
        seed_funds_read(shipped_copy)


def test_parents_that_go_round_in_a_circle_are_refused(shipped_copy):
    edit(shipped_copy, "ae-winter-2013-14", 'parent = "ae-winter-pressures-2013-15"', "")
    edit(
        shipped_copy,
        "ae-winter-2013-14",
        "\nannounced_by",
        '\nparent = "ae-winter-2014-15"\nannounced_by',
    )
    edit(
        shipped_copy,
        "ae-winter-2014-15",
        'parent = "ae-winter-pressures-2013-15"',
        'parent = "ae-winter-2013-14"',
    )
    with pytest.raises(SeedError) as failure:
        seed_funds_read(shipped_copy)
    assert str(failure.value) == (
        "ae-winter-2014-15.toml, ae-winter-2013-14.toml: parent: each is a wave of another of them"
    )


def test_a_rule_that_leaves_out_a_fund_with_no_file_is_refused(shipped_copy):
    edit(shipped_copy, "ae-winter-second-wave-2013-14", '"ae-winter-2013-14"', '"ae-winter-2013"')
    with pytest.raises(SeedError) as failure:
        seed_funds_read(shipped_copy)
    assert str(failure.value) == (
        "ae-winter-second-wave-2013-14.toml: scenarios[1].parameters.excluded_funds: "
        "'ae-winter-2013' is not a seed fund"
    )


def test_every_fault_in_every_file_is_reported_at_once(shipped_copy):
    edit(shipped_copy, "better-care-fund-2015-16", 'amount = "£1.7bn"', 'amount = "£1.7 bn"')
    edit(shipped_copy, "east-of-england-pathway-hubs", "total_is_cap = true", "total_is_cap = 1")
    with pytest.raises(SeedError) as failure:
        seed_funds_read(shipped_copy)
    assert str(failure.value).splitlines() == [
        "better-care-fund-2015-16.toml: tranches[4].amount: '£1.7 bn' is not an amount such as "
        '"£12.8m", "£3.8bn" or "£450"',
        "east-of-england-pathway-hubs.toml: total_is_cap: must be true or false, not a number",
    ]


def test_a_date_in_a_rules_parameters_must_be_text_as_json_stores_it(shipped_copy):
    slug = "ae-winter-second-wave-2013-14"
    edit(shipped_copy, slug, 'window_to = "2013-03-31"', "window_to = 2013-03-31")
    with pytest.raises(SeedError) as failure:
        seed_funds_read(shipped_copy)
    assert str(failure.value) == (
        f"{slug}.toml: scenarios[1].parameters.window_to: write it in quotes: a rule's dates "
        "are text"
    )


def test_a_folder_with_no_fund_files_is_refused(tmp_path):
    with pytest.raises(SeedError, match="no fund files"):
        seed_funds_read(tmp_path)


def test_published_amounts_are_held_to_the_funds_total_all_together(shipped_copy):
    """Each tranche's within it, and the rest within the fund, yet more than the fund in all:
    the admin and the upload refuse it, and so does a seed file."""
    edit(
        shipped_copy,
        "ae-winter-2013-14",
        'amount = "£7m"\nsource = "Evening Standard, September 2013"\n'
        'tranche = "53 high-risk systems (provisional)"\n',
        'amount = "£240m"\nsource = "Evening Standard, September 2013"\n',
    )
    assert refusal(shipped_copy) == (
        "ae-winter-2013-14.toml: published: add up to £252,800,000.00, more than the fund's "
        "total of £250,000,000.00"
    )


def refusal(folder: Path) -> str:
    """Why the seed files in this folder are refused."""
    with pytest.raises(SeedError) as failure:
        seed_funds_read(folder)
    return str(failure.value)
