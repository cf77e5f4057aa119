"""The five announcements the product started from, entered as they were reported.

Every figure here is stated by a source listed with its fund (see shared/announcements.md
for the digest). Where the product computes who got what, the rule says so and its
allocations are labelled modelled. Dates carry the certainty the digest gives them.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from trusts.models import Organisation

from .models import (
    AllocationRule,
    Fund,
    FundSource,
    FundStatusChange,
    PublishedAllocation,
    Scenario,
    SpendingLine,
    SpendingReport,
    Tranche,
    TrancheCondition,
)


def millions(pounds_m: int | str) -> int:
    """Pence in £N million, exactly: millions("12.8") == 1_280_000_000."""
    from decimal import Decimal

    return int(Decimal(str(pounds_m)) * 100_000_000)


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    says: str = ""
    published_on: dt.date | None = None


@dataclass(frozen=True)
class Condition:
    kind: str
    description: str


@dataclass(frozen=True)
class TrancheSeed:
    name: str
    amount_pence: int
    financial_year: str = ""
    due_on: dt.date | None = None
    performance_linked: bool = False
    policy: str = Tranche.MissedConditionPolicy.NOT_APPLICABLE
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Published:
    ods_code: str
    amount_pence: int
    source: str


@dataclass(frozen=True)
class Spending:
    ods_code: str
    period: str
    source: str
    source_url: str
    allocation_pence: int | None = None
    uncommitted_pence: int | None = None
    notes: str = ""
    lines: tuple[tuple[str, int, str], ...] = ()


@dataclass(frozen=True)
class Step:
    """A dated move through the fund's life after its announcement, with what dates it."""

    status: str
    on: dt.date
    note: str


@dataclass(frozen=True)
class ScenarioSeed:
    """A named rule for a fund whose rule or recipients were never published; the current
    one is the fund's rule, and says why."""

    name: str
    kind: str
    parameters: dict
    reason: str = ""
    current: bool = False


@dataclass(frozen=True)
class FundSeed:
    slug: str
    name: str
    announced_by: str
    announced_on: dt.date
    certainty: str
    total_pence: int
    financial_years: tuple[str, ...]
    purpose: str
    money_kind: str
    route: str
    sources: tuple[Source, ...]
    status: str = Fund.Status.ANNOUNCED
    total_is_cap: bool = False
    parent_slug: str | None = None
    notes: str = ""
    tranches: tuple[TrancheSeed, ...] = ()
    rule_kind: str | None = None
    rule_parameters: dict = field(default_factory=dict)
    published: tuple[Published, ...] = ()
    spending: tuple[Spending, ...] = ()
    steps: tuple[Step, ...] = ()
    scenarios: tuple[ScenarioSeed, ...] = ()


HSJ_WINNERS = (
    "https://www.hsj.co.uk/acute-care/government-announces-aande-fund-winners/5063077.article"
)
EVENING_STANDARD = (
    "http://www.standard.co.uk/news/health/"
    "jeremy-hunt-gives-london-hospitals-55m-to-cope-with-winter-rush-8806602.html"
)
HSJ_EOE = (
    "https://www.hsj.co.uk/east-of-england/"
    "sha-to-spend-up-to-340m-on-hubs-to-integrate-care/5032564.article"
)

BCF_NATIONAL_CONDITIONS = (
    Condition("condition", "Protection of adult social care services"),
    Condition(
        "condition",
        "Seven-day services to support discharge and prevent avoidable weekend admissions",
    ),
    Condition("condition", "Agreement on the knock-on effects of changes in the acute sector"),
    Condition("condition", "An accountable lead professional for integrated care packages"),
)
BCF_METRICS = (
    Condition("national_metric", "Delayed transfers of care"),
    Condition("national_metric", "Avoidable emergency admissions"),
    Condition("national_metric", "Admissions to residential and nursing care"),
    Condition("national_metric", "Effectiveness of reablement"),
    Condition("national_metric", "Patient experience (measure still to be chosen)"),
    Condition("local_metric", "One local metric chosen by the CCGs and council"),
)

SINGLE_WORST_53_IN_Q4_2012_13 = {
    "n": 53,
    "share": "attendances",
    "eligible_kinds": ["trust"],
    "window_from": "2013-01-01",
    "window_to": "2013-03-31",
    "department_types": ["1"],
}
# The Evening Standard's 10 London trusts (over £55m together), in its order: Barts Health,
# BHRUT, Barnet and Chase Farm, Croydon, Ealing, North Middlesex, the Whittington, West
# Middlesex, North West London Hospitals, South London Healthcare.
LONDON_TEN = ["R1H", "RF4", "RVL", "RJ6", "RC3", "RAP", "RKE", "RFW", "RV8", "RYQ"]
WORST_53_IN_Q4_2012_13 = {
    **SINGLE_WORST_53_IN_Q4_2012_13,
    "named": LONDON_TEN,
    # HSJ 5065491: Monitor chose 19 foundation trusts and the TDA 34 NHS trusts.
    "quotas": {"foundation_trust": 19, "nhs_trust": 34},
}


def ccgs_by_registered_population(total: str) -> dict:
    return {
        "total": total,
        "metric": "population",
        "eligible_kinds": ["ccg"],
        "population_basis": "registered",
        "population_date": "2015-10-01",
    }


SEEDS: tuple[FundSeed, ...] = (
    FundSeed(
        slug="emerging-ccgs-winter-2011-12",
        name="Up to £100m for emerging clinical commissioning groups (winter 2011-12)",
        announced_by=Fund.Body.DH,
        announced_on=dt.date(2012, 1, 16),
        certainty=Fund.DateCertainty.CONFIRMED,
        total_pence=millions(100),
        total_is_cap=True,
        financial_years=("2011-12",),
        purpose=(
            "£2 per head of population for each prospective CCG to spend on patient services "
            "over the winter: urgent care cover, out-of-hours services, arrangements with "
            "nursing homes, longer GP opening hours and community or home-based services that "
            "help people avoid unnecessary hospital visits. Not for running costs."
        ),
        money_kind=Fund.MoneyKind.NEW,
        route=Fund.Route.VIA_PCT_CLUSTERS,
        status=Fund.Status.ALLOCATED,
        notes=(
            "Paid for by underspends in the Department's central budgets. CCGs had to allocate "
            "it by mid-February 2012; unused money went back to the DH. Each CCG's clinicians "
            "chose the services and the PCT cluster signed off the plan. Modelled allocations "
            "use the 2015 GP-registered list sizes of the CCGs open in October 2015 (the "
            "emerging CCGs of 2011-12 are not in any shipped file), so £2 × 57.3m registered "
            "patients exceeds the £100m cap and every share is scaled down pro rata."
        ),
        sources=(
            Source(
                "DH press release: NHS to get £100m cash injection to improve services",
                "https://www.faithaction.net/news/2012/01/16/nhs-to-get-%C2%A3100m-cash-injection-to-improve-services/",
                "Up to £100m, £2 per head for each prospective CCG, through PCT clusters.",
                dt.date(2012, 1, 16),
            ),
            Source(
                "4NI repost dated 16 January 2012",
                "https://4ni.co.uk/uk-national-news/138322/nhs-gets-100m-cash-injection-to-improve-services",
                "Confirms the announcement date.",
                dt.date(2012, 1, 16),
            ),
            Source(
                "PharmaFile: Government spends £100 million on winter care",
                "https://pharmafile.com/news/government-spends-100-million-winter-care",
                "CCGs had to allocate the money by mid-February 2012.",
                dt.date(2012, 1, 17),
            ),
        ),
        rule_kind=AllocationRule.Kind.PER_CAPITA,
        rule_parameters={
            "rate": "2.00",
            "cap": "100000000.00",
            "eligible_kinds": ["ccg"],
            "population_basis": "registered",
            "population_date": "2015-10-01",
        },
    ),
    FundSeed(
        slug="ae-winter-pressures-2013-15",
        name="£500m for A&E in the most pressured health economies (2013-14 and 2014-15)",
        announced_by=Fund.Body.PRIME_MINISTER,
        announced_on=dt.date(2013, 8, 8),
        certainty=Fund.DateCertainty.INFERRED,
        total_pence=millions(500),
        financial_years=("2013-14", "2014-15"),
        purpose=(
            "Extra money to ease winter pressure on emergency departments in roughly 50 of "
            "England's highest-risk local health economies: £250m in 2013-14 and £250m "
            "expected in 2014-15."
        ),
        money_kind=Fund.MoneyKind.NEW,
        route=Fund.Route.DIRECT_TO_TRUSTS,
        status=Fund.Status.ALLOCATED,
        notes=(
            "Where the money came from is reported two ways: HSJ says the Treasury released "
            "it from outside the NHS commissioning budget; the BBC and the DH said DH "
            "efficiency savings. Some trusts were expected to call it a reward for failure."
        ),
        sources=(
            Source(
                "HSJ: Treasury to divert £250m a year to high-risk A&Es",
                "https://www.hsj.co.uk/finance-and-efficiency/updated-treasury-to-divert-250m-a-year-to-high-risk-aandes/5062071.article",
                "£250m a year for about 50 high-risk health economies; Treasury money.",
            ),
            Source(
                "BBC News: £500m for struggling A&E units",
                "https://www.bbc.co.uk/news/health-23599926",
                "DH efficiency savings (conflicts with HSJ on the money's origin).",
            ),
            Source(
                "Channel 4 News: A&E hospital £500m boost",
                "http://www.channel4.com/news/a-and-e-hospital-500m-boost-cash",
                "Dates the Downing Street announcement to Thursday 8 August 2013.",
            ),
        ),
    ),
    FundSeed(
        slug="ae-winter-2013-14",
        name="A&E winter fund 2013-14: £250m for 53 high-risk systems, NHS 111 and contingency",
        parent_slug="ae-winter-pressures-2013-15",
        announced_by=Fund.Body.DH,
        announced_on=dt.date(2013, 9, 10),
        certainty=Fund.DateCertainty.CONFIRMED,
        steps=(
            Step(
                Fund.Status.ALLOCATED,
                dt.date(2013, 9, 10),
                "Written ministerial statement: a provisional £221m for 53 high-risk systems, "
                "subject to scrutiny of their plans; HSJ named the trusts the same day.",
            ),
        ),
        total_pence=millions(250),
        financial_years=("2013-14",),
        purpose=(
            "The first year of the £500m: shared out by NHS England with Monitor and the TDA. "
            "Monitor and the TDA chose the 53 trusts (19 foundation trusts and 34 NHS trusts) "
            "most at risk, judged on A&E performance and each urgent care board's plans."
        ),
        money_kind=Fund.MoneyKind.NEW,
        route=Fund.Route.DIRECT_TO_TRUSTS,
        status=Fund.Status.ALLOCATED,
        notes=(
            "Hunt's planned split of the money for the 53: about £62m hospital capacity, £57m "
            "community services, £51m urgent care, £25m primary care and £16m social care "
            "(£211m; HSJ). The BBC put the 53's share at £235m (£250m less NHS 111). Year-two "
            "money required at least 75% of staff to be flu-vaccinated. A Pulse FOI later "
            "found 74 CCGs reporting £179m, of which £13m (7%) went on GP services. The "
            "modelled shares take the 10 London trusts the Evening Standard named, then rank "
            "the rest by type 1 four-hour performance in January to March 2013 (the winter "
            "before) within foundation trusts (19, Monitor's choice) and NHS trusts (34, the "
            "TDA's), and share the provisional £221m pro rata to type 1 attendances; NHS "
            "England's actual per-trust shares were not published in full."
        ),
        sources=(
            Source(
                "Written ministerial statement: NHS winter planning (Jeremy Hunt)",
                "https://www.parallelparliament.co.uk/debate/2013-09-10/commons/written-statements/nhs-winter-planning/ministerial-extracts",
                "£15m NHS 111, a provisional £221m for 53 high-risk systems, £14m contingency.",
                dt.date(2013, 9, 10),
            ),
            Source(
                "HSJ: Government announces A&E fund winners",
                HSJ_WINNERS,
                "The 53 trusts judged by Monitor and the TDA to need it most; the planned split.",
            ),
            Source(
                "Evening Standard: Hunt gives London hospitals £55m to cope with winter rush",
                EVENING_STANDARD,
                "10 London trusts got over £55m; Barts Health £12.8m; BHRUT £7m.",
            ),
            Source(
                "BBC News: the 53 share £235m; year-two money needs 75% flu vaccination",
                "https://www.bbc.co.uk/news/health-24033871",
            ),
        ),
        tranches=(
            TrancheSeed("NHS 111 over winter", millions(15), "2013-14"),
            TrancheSeed("53 high-risk systems (provisional)", millions(221), "2013-14"),
            TrancheSeed("Contingency", millions(14), "2013-14"),
        ),
        scenarios=(
            ScenarioSeed(
                "London's 10 named, then the worst within Monitor's and the TDA's trusts",
                AllocationRule.Kind.WORST_N,
                {
                    **WORST_53_IN_Q4_2012_13,
                    "total": "221000000.00",
                    "near_miss": 20,
                    "group_totals": [
                        {
                            "label": "The 10 London trusts (Evening Standard: over £55m)",
                            "codes": LONDON_TEN,
                            "at_least": "55000000.00",
                        }
                    ],
                },
                "Current: the 10 London trusts the Evening Standard named are recipients "
                "whatever their rank, and Monitor and the TDA each chose among their own "
                "trusts (19 foundation trusts and 34 NHS trusts, HSJ 5065491).",
                current=True,
            ),
            ScenarioSeed(
                "One worst-53 ranking of every trust",
                AllocationRule.Kind.WORST_N,
                {**SINGLE_WORST_53_IN_Q4_2012_13, "total": "221000000.00", "near_miss": 20},
                "The first model: one national ranking, no named recipients. It leaves out "
                "London trusts the press named and does not give the 19/34 split.",
            ),
        ),
        published=(
            Published("R1H", millions("12.8"), "Evening Standard, September 2013"),
            Published("RF4", millions(7), "Evening Standard, September 2013"),
        ),
    ),
    FundSeed(
        slug="ae-winter-2014-15",
        name="A&E winter fund 2014-15: the second £250m",
        parent_slug="ae-winter-pressures-2013-15",
        announced_by=Fund.Body.PRIME_MINISTER,
        announced_on=dt.date(2013, 8, 8),
        certainty=Fund.DateCertainty.INFERRED,
        total_pence=millions(250),
        financial_years=("2014-15",),
        purpose="The second year of the £500m, for winter 2014-15.",
        money_kind=Fund.MoneyKind.NEW,
        route=Fund.Route.TO_CCGS,
        notes=(
            "In 2014-15 the £250m plus a further £150m from the DH made £400m, with plans due "
            "to NHS England by 30 July 2014; a later £300m made £700m. NHS England published "
            "the area allocations in January 2015; they are not in the shipped data, so every "
            "figure here is modelled, under the scenarios below. Not to be confused with the "
            "2013-14 £150m second wave."
        ),
        scenarios=(
            ScenarioSeed(
                "All CCGs by registered population",
                AllocationRule.Kind.PRO_RATA,
                ccgs_by_registered_population("250000000.00"),
                "Current: the fund's route is to CCGs, and NHS England published the 2014-15 "
                "winter money as area allocations (January 2015); population is the share "
                "that needs no judgement of who was at risk.",
                current=True,
            ),
            ScenarioSeed(
                "The same 53 trusts as 2013-14",
                AllocationRule.Kind.WORST_N,
                {**WORST_53_IN_Q4_2012_13, "total": "250000000.00"},
                "The £500m was announced as one two-year fund for the same high-risk "
                "economies; this keeps 2013-14's modelled 53 and shares by attendances.",
            ),
            ScenarioSeed(
                "Worst 50 on 2013-14 performance",
                AllocationRule.Kind.WORST_N,
                {
                    **SINGLE_WORST_53_IN_Q4_2012_13,
                    "n": 50,
                    "total": "250000000.00",
                    "window_from": "2013-04-01",
                    "window_to": "2014-03-31",
                },
                "The announcement's 'roughly 50' highest-risk economies, chosen afresh on the "
                "year just ended (type 1, April 2013 to March 2014).",
            ),
        ),
        sources=(
            Source(
                "Pulse: £400m winter money allocation could boost GP funding",
                "https://www.pulsetoday.co.uk/news/nhs-structures/400m-winter-money-allocation-could-boost-gp-funding/",
                "£250m plus £150m from the DH made £400m for 2014-15.",
            ),
            Source(
                "HSJ: Accident and emergency bailout fund increases to £700m",
                "https://www.hsj.co.uk/acute-care/accident-and-emergency-bailout-fund-increases-to-700m/5076710.article",
                "A further £300m made £700m.",
            ),
            Source(
                "NHS England: winter funding allocations",
                "https://www.england.nhs.uk/2015/01/winter-funding/",
                "Area allocations published in January 2015.",
            ),
        ),
    ),
    FundSeed(
        slug="ae-winter-second-wave-2013-14",
        name="Second wave of winter funding: £150m for the remaining A&Es (2013-14)",
        announced_by=Fund.Body.NHS_ENGLAND,
        announced_on=dt.date(2013, 11, 20),
        certainty=Fund.DateCertainty.NOT_CONFIRMED,
        steps=(
            Step(
                Fund.Status.ALLOCATED,
                dt.date(2013, 11, 22),
                "NHS England confirms payment to 157 CCGs by population (HSJ 5065679); late "
                "November 2013, day not confirmed.",
            ),
        ),
        total_pence=millions(150),
        financial_years=("2013-14",),
        purpose=(
            "For the emergency departments that got nothing from the first wave's £250m. "
            "Allowed uses: A&E itself, and services outside A&E that cut avoidable attendances "
            "and admissions."
        ),
        money_kind=Fund.MoneyKind.REALLOCATION,
        route=Fund.Route.TO_CCGS,
        status=Fund.Status.ALLOCATED,
        notes=(
            "Paid from NHS England's expected 2013-14 surplus to 157 CCGs, shared by "
            "population; local urgent care working groups decided where it went. HSJ's "
            "exclusive reported a condition for foundation trusts (extra performance "
            "management of their A&Es); NHS England's confirmation dropped it. Every trust was "
            "expected to vaccinate at least 75% of staff or lose 2014-15 winter money. The "
            "date is late November 2013, not confirmed. The list of the 157 CCGs was not "
            "published in any shipped file, so the modelled shares go to the trusts with a "
            "type 1 A&E in January to March 2013 that the first wave did not fund, equally."
        ),
        sources=(
            Source(
                "HSJ exclusive: A&Es to receive extra £150m to ease winter pressures",
                "https://www.hsj.co.uk/acute-care/exclusive-aandes-to-receive-extra-150m-to-ease-winter-pressures/5065491.article",
                "£150m for departments left out of the first wave; FT condition proposed.",
            ),
            Source(
                "HSJ: £150m funding for A&Es to ease winter pressures",
                "https://www.hsj.co.uk/home/150m-funding-for-aandes-to-ease-winter-pressures/5065679.article",
                "NHS England confirms: 157 CCGs, shares by population, from its surplus.",
            ),
            Source(
                "Healthcare Leader: CCGs given £150m to ease winter A&E pressures",
                "http://healthcareleadernews.com/article/ccgs-given-%C2%A3150m-ease-winter-ae-pressures",
                "Allowed uses.",
            ),
        ),
        scenarios=(
            ScenarioSeed(
                "Every A&E left out of the first wave, equally (the seed description)",
                AllocationRule.Kind.COMPLEMENT,
                {
                    "total": "150000000.00",
                    "share": "equal",
                    "eligible_kinds": ["trust"],
                    "excluded_funds": ["ae-winter-2013-14"],
                    "window_from": "2013-01-01",
                    "window_to": "2013-03-31",
                    "department_types": ["1"],
                },
                "Current: HSJ's exclusive described the money as for the emergency "
                "departments the first wave left out; the 157 CCGs it was later paid to were "
                "never listed, so a CCG model would have to guess which 157.",
                current=True,
            ),
            ScenarioSeed(
                "157 CCGs by population (as reported later; all CCGs modelled)",
                AllocationRule.Kind.PRO_RATA,
                ccgs_by_registered_population("150000000.00"),
                "NHS England's confirmation (HSJ 5065679): paid to 157 CCGs, shares by "
                "population. The list is not published, so every CCG is modelled.",
            ),
        ),
    ),
    FundSeed(
        slug="better-care-fund-2015-16",
        name="Better Care Fund 2015-16 (£3.8bn pooled budget)",
        announced_by=Fund.Body.DH,
        announced_on=dt.date(2014, 2, 3),
        certainty=Fund.DateCertainty.CONFIRMED,
        total_pence=millions(3800),
        financial_years=("2015-16",),
        purpose=(
            "A pooled budget to integrate health and social care, run jointly by councils and "
            "CCGs through health and wellbeing boards: £1.1bn already moving from health to "
            "social care plus £2.7bn, of which £2.4bn from a 3.5% top-slice of CCG budgets."
        ),
        money_kind=Fund.MoneyKind.TOP_SLICE,
        route=Fund.Route.HWB_POOL,
        status=Fund.Status.ALLOCATED,
        notes=(
            "First announced in summer 2013. In early 2014 ministers (Norman Lamb and Brandon "
            "Lewis) dropped cash penalties for 2015-16: no money held back from areas that "
            "fail to improve; instead support, first with a remedial plan. The source does not "
            "say where the other £0.3bn of the £2.7bn comes from. The NAO later found plans "
            "forecast only £314m of NHS savings in 2015-16 against an assumed £1bn. The "
            "modelled allocations are each CCG's 3.5% contribution from its 2015-16 programme "
            "allocation; per-board BCF allocations are not in the shipped data. The "
            "'other pooled funding' tranche is £2.7bn less the £1bn performance element."
        ),
        sources=(
            Source(
                "HSJ exclusive: Cash penalties axed for care fund failure",
                "https://www.hsj.co.uk/news/finance/exclusive-cash-penalties-axed-for-care-fund-failure/5067839.article",
                "£3.8bn; £1bn performance element in two £500m phases; penalties dropped.",
            ),
            Source(
                "HFMA: Ministers postpone BCF sanctions",
                "https://www.hfma.org.uk/news/healthcare-finance/news-item/ministers-postpone-bcf-sanctions",
                "April 2015 £500m: £250m on conditions, £250m on metrics; October £500m.",
                dt.date(2014, 2, 3),
            ),
            Source(
                "LGC: Exclusive interviews with Norman Lamb and Brandon Lewis",
                "https://www.lgcplus.com/exclusive-interviews-norman-lamb-and-brandon-lewis/5067837.article",
            ),
            Source(
                "Written answer (Earl Howe), 14 July 2014: Better Care Fund",
                "https://parallelparliament.co.uk/question/HL838/better-care-fund",
                "Pay-for-performance redesigned around reducing emergency admissions.",
                dt.date(2014, 7, 14),
            ),
        ),
        tranches=(
            TrancheSeed("Existing health to social care transfer", millions(1100), "2015-16"),
            TrancheSeed(
                "Performance-linked phase 1 (April 2015)",
                millions(500),
                "2015-16",
                dt.date(2015, 4, 1),
                True,
                Tranche.MissedConditionPolicy.PAY_AND_SUPPORT,
                (
                    *BCF_NATIONAL_CONDITIONS,
                    Condition("national_metric", "Delayed transfers of care (2014-15)"),
                    Condition("national_metric", "Avoidable emergency admissions (2014-15)"),
                    Condition("local_metric", "The local metric (2014-15)"),
                ),
            ),
            TrancheSeed(
                "Performance-linked phase 2 (October 2015)",
                millions(500),
                "2015-16",
                dt.date(2015, 10, 1),
                True,
                Tranche.MissedConditionPolicy.PAY_AND_SUPPORT,
                BCF_METRICS,
            ),
            TrancheSeed("Other pooled funding (not performance-linked)", millions(1700), "2015-16"),
        ),
        rule_kind=AllocationRule.Kind.TOP_SLICE,
        rule_parameters={"percent": "3.5", "eligible_kinds": ["ccg"], "budget_year": "2015-16"},
    ),
    FundSeed(
        slug="east-of-england-2pc-top-slice-2010-11",
        name="East of England: the PCTs' 2% non-recurrent top-slice (2010-11)",
        announced_by=Fund.Body.SHA,
        announced_on=dt.date(2011, 7, 1),
        certainty=Fund.DateCertainty.NOT_CONFIRMED,
        total_pence=millions(174),
        financial_years=("2010-11",),
        purpose=(
            "Money PCTs had to hold back non-recurrently (2% of allocations) to invest during "
            "the move to the new commissioning model. PCTs decided the spending; the SHA "
            "checked it at year end."
        ),
        money_kind=Fund.MoneyKind.TOP_SLICE,
        route=Fund.Route.HELD_REGIONALLY,
        status=Fund.Status.PAID,
        notes=(
            "Spending figures come from an FOI reported by HSJ (probably mid-2011; the day is "
            "not confirmed, so the date shown is approximate). The stated categories add up to "
            "£114.8m; the article does not break down the remaining £59.2m (our arithmetic). "
            "More than 5% of the pot (over about £8.7m) had no non-recurrent use at year end."
        ),
        sources=(
            Source(
                "HSJ: SHA to spend up to £340m on hubs to integrate care",
                HSJ_EOE,
                "FOI figures for the 2010-11 2% top-slice by category and by PCT.",
            ),
        ),
        spending=(
            Spending(
                "Q35",
                "2010-11",
                "HSJ 5032564 (FOI)",
                HSJ_EOE,
                allocation_pence=millions(174),
                notes="Regional pot. More than 5% (over about £8.7m) uncommitted at year end.",
                lines=(
                    ("Service redesign and QIPP schemes", millions(80), ""),
                    ("Public health", millions(16), "Suffolk and Cambridgeshire about a third"),
                    ("Workforce configuration (mainly redundancy)", millions(10), ""),
                    (
                        "One-off commissioning, referral management or prescribing incentives",
                        millions(7),
                        "Two PCTs over £2m each; six spent nothing",
                    ),
                    (
                        "Clearing waiting-list backlogs",
                        millions("1.8"),
                        "More than half by Norfolk PCT",
                    ),
                ),
            ),
            Spending(
                "5PY",
                "2010-11",
                "HSJ 5032564 (FOI)",
                HSJ_EOE,
                uncommitted_pence=millions("4.5"),
                notes="Uncommitted while making a £43m financial turnaround that year. Spent "
                "none of its top-slice on public health.",
                lines=(("Public health", 0, "None (HSJ)"),),
            ),
            Spending(
                "5PX", "2010-11", "HSJ 5032564 (FOI)", HSJ_EOE, uncommitted_pence=millions("3.5")
            ),
            Spending(
                "5PQ",
                "2010-11",
                "HSJ 5032564 (FOI)",
                HSJ_EOE,
                notes="More than half of the region's £1.8m for waiting-list backlogs, nearly £1m, "
                "on 18-week referral-to-treatment performance; its share of patients breaching "
                "fell from 16.3% (May 2010) to 9.8% (May 2011).",
                lines=(
                    (
                        "Clearing waiting-list backlogs",
                        millions("0.9"),
                        "Nearly £1m (HSJ): more than half of the region's £1.8m, so at least "
                        "£0.9m, the figure recorded",
                    ),
                ),
            ),
            *(
                Spending(
                    suffolk_or_cambridgeshire,
                    "2010-11",
                    "HSJ 5032564 (FOI)",
                    HSJ_EOE,
                    notes="Spent about a third of its top-slice on public health (HSJ); the "
                    "amount of its top-slice is not given, so no pounds are recorded.",
                )
                for suffolk_or_cambridgeshire in ("5PT", "5PP")
            ),
            Spending(
                "5GC",
                "2010-11",
                "HSJ 5032564 (FOI)",
                HSJ_EOE,
                notes="Spent none of its top-slice on public health (HSJ).",
                lines=(("Public health", 0, "None (HSJ)"),),
            ),
        ),
    ),
    FundSeed(
        slug="east-of-england-pathway-hubs",
        name="East of England: up to £340m for integrating pathway hubs",
        announced_by=Fund.Body.SHA,
        announced_on=dt.date(2011, 7, 1),
        certainty=Fund.DateCertainty.NOT_CONFIRMED,
        total_pence=millions(340),
        total_is_cap=True,
        financial_years=(),
        purpose=(
            "NHS East of England was in talks with GPs and NHS bodies about tendering projects "
            "worth up to £340m to set up integrating pathway hubs: providers answerable for "
            "the quality and cost of a whole patient pathway."
        ),
        money_kind=Fund.MoneyKind.REALLOCATION,
        route=Fund.Route.HELD_REGIONALLY,
        notes=(
            "A tender, not yet allocated: no financial year, tranches or timetable were given. "
            "Early feasibility work put national savings at up to £603m a year (PharmaTimes). "
            "The date is approximate (probably mid-2011, not confirmed)."
        ),
        sources=(
            Source("HSJ: SHA to spend up to £340m on hubs to integrate care", HSJ_EOE),
            Source(
                "PharmaTimes: NHS to put patient care pathways up for sale",
                "https://www.pharmatimes.com/news/nhs_to_put_patient_care_pathways_up_for_sale_979434",
                "What a hub is; savings of up to £603m a year.",
            ),
        ),
    ),
)


class SeedError(Exception):
    pass


def _organisations(codes: set[str]) -> dict[str, Organisation]:
    found = {o.ods_code: o for o in Organisation.objects.filter(ods_code__in=codes)}
    missing = sorted(codes - found.keys())
    if missing:
        raise SeedError(
            f"Organisations not loaded: {', '.join(missing)}. Import the ODS and "
            "reference files first (load_demo does this)."
        )
    return found


def _needed_codes() -> set[str]:
    codes = set()
    for seed in SEEDS:
        codes |= {p.ods_code for p in seed.published} | {s.ods_code for s in seed.spending}
    return codes


@transaction.atomic
def demo_funds_seed() -> list[Fund]:
    """Creates or updates the seed funds; running it twice changes nothing."""
    organisations = _organisations(_needed_codes())
    funds: dict[str, Fund] = {}
    for seed in SEEDS:
        fund = _fund_upsert(seed, parent=funds.get(seed.parent_slug))
        funds[seed.slug] = fund
        _sources_upsert(fund, seed.sources)
        announced = Step(Fund.Status.ANNOUNCED, seed.announced_on, seed.sources[0].title)
        for step in (announced, *seed.steps):
            FundStatusChange.objects.update_or_create(
                fund=fund, status=step.status, defaults={"on": step.on, "note": step.note}
            )
        tranches = _tranches_upsert(fund, seed.tranches)
        if seed.rule_kind:
            _rule_upsert(fund, seed.rule_kind, seed.rule_parameters)
        _scenarios_upsert(fund, seed.scenarios)
        for published in seed.published:
            PublishedAllocation.objects.update_or_create(
                fund=fund,
                recipient=organisations[published.ods_code],
                tranche=tranches.get("53 high-risk systems (provisional)"),
                defaults={"amount_pence": published.amount_pence, "source": published.source},
            )
        for spending in seed.spending:
            _spending_upsert(fund, organisations[spending.ods_code], spending)
    return list(funds.values())


def _fund_upsert(seed: FundSeed, parent: Fund | None) -> Fund:
    values = {
        "name": seed.name,
        "announced_by": seed.announced_by,
        "announced_on": seed.announced_on,
        "announced_on_certainty": seed.certainty,
        "total_pence": seed.total_pence,
        "total_is_cap": seed.total_is_cap,
        "financial_years": list(seed.financial_years),
        "purpose": seed.purpose,
        "money_kind": seed.money_kind,
        "route": seed.route,
        "parent": parent,
        "status": seed.status,
        "notes": seed.notes,
    }
    fund = Fund.objects.filter(slug=seed.slug).first()
    if fund is None:
        return Fund.objects.create(slug=seed.slug, **values)
    changed = {k: v for k, v in values.items() if getattr(fund, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(fund, key, value)
        fund._change_reason = "Seed announcements updated"
        fund.save()
    return fund


def _sources_upsert(fund: Fund, sources: tuple[Source, ...]) -> None:
    for order, source in enumerate(sources):
        FundSource.objects.update_or_create(
            fund=fund,
            url=source.url,
            defaults={
                "title": source.title,
                "says": source.says,
                "published_on": source.published_on,
                "order": order,
            },
        )


def _tranches_upsert(fund: Fund, seeds: tuple[TrancheSeed, ...]) -> dict[str, Tranche]:
    tranches = {}
    for seed in seeds:
        tranche, _ = Tranche.objects.update_or_create(
            fund=fund,
            name=seed.name,
            defaults={
                "amount_pence": seed.amount_pence,
                "financial_year": seed.financial_year,
                "due_on": seed.due_on,
                "performance_linked": seed.performance_linked,
                "missed_condition_policy": seed.policy,
            },
        )
        for condition in seed.conditions:
            TrancheCondition.objects.get_or_create(
                tranche=tranche, kind=condition.kind, description=condition.description
            )
        tranches[seed.name] = tranche
    return tranches


def _rule_upsert(fund: Fund, kind: str, parameters: dict) -> None:
    rule = AllocationRule.objects.filter(fund=fund).first()
    if rule is None:
        AllocationRule.objects.create(fund=fund, kind=kind, parameters=parameters)
    elif rule.kind != kind or rule.parameters != parameters:
        rule.kind, rule.parameters = kind, parameters
        rule.version += 1
        rule._change_reason = "Seed announcements updated"
        rule.save()


def _scenarios_upsert(fund: Fund, seeds: tuple[ScenarioSeed, ...]) -> None:
    """The fund's scenarios; the current one is its rule."""
    current = [seed for seed in seeds if seed.current]
    if seeds and len(current) != 1:
        raise SeedError(f"{fund.slug}: exactly one scenario must be current")
    Scenario.objects.filter(fund=fund).exclude(name__in=[s.name for s in seeds]).delete()
    Scenario.objects.filter(fund=fund).update(is_current=False)
    for order, seed in enumerate(seeds):
        Scenario.objects.update_or_create(
            fund=fund,
            name=seed.name,
            defaults={
                "kind": seed.kind,
                "parameters": seed.parameters,
                "is_current": seed.current,
                "reason": seed.reason,
                "order": order,
            },
        )
    if current:
        _rule_upsert(fund, current[0].kind, current[0].parameters)


def _spending_upsert(fund: Fund, recipient: Organisation, seed: Spending) -> None:
    report, _ = SpendingReport.objects.update_or_create(
        fund=fund,
        recipient=recipient,
        period=seed.period,
        defaults={
            "allocation_pence": seed.allocation_pence,
            "uncommitted_pence": seed.uncommitted_pence,
            "source": seed.source,
            "source_url": seed.source_url,
            "notes": seed.notes,
        },
    )
    for category, amount_pence, note in seed.lines:
        SpendingLine.objects.update_or_create(
            report=report, category=category, defaults={"amount_pence": amount_pence, "note": note}
        )
