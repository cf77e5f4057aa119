"""A finance officer enters an announcement in the admin, in chromium, as they would by hand:
the written ministerial statement of 10 September 2013 (the A&E winter fund 2013-14), with its
pounds, tranches, rule and source; the save starts a run on a real worker, the change page
shows how it ended, and the fund's public page lists the allocations."""

import time

import pytest

from tests.dashboards.conftest import (  # noqa: F401 (fixtures)
    DESKTOP,
    browser,
    browser_context,
    page,
    screenshot,
    site,
)
from tests.live import beside_the_browser
from tests.workers import live_worker

pytestmark = [pytest.mark.browser, pytest.mark.services]

SLUG = "ae-winter-fund-2013-14-entered-by-hand"  # as the admin makes it from the name
WMS = (
    "https://www.parallelparliament.co.uk/debate/2013-09-10/commons/written-statements/"
    "nhs-winter-planning/ministerial-extracts"
)


@pytest.fixture(scope="module")
def officer(site, django_db_blocker):  # noqa: F811
    """A superuser the served site can log in, committed; removed with the fund afterwards."""
    from django.contrib.auth import get_user_model

    from funding.models import Fund

    with django_db_blocker.unblock():
        user = get_user_model().objects.create_superuser("officer", password="officer-pass")
    yield user
    with django_db_blocker.unblock():
        Fund.objects.filter(slug=SLUG).delete()
        user.delete()


def test_an_announcement_entered_in_the_admin_is_allocated_and_published(
    page,  # noqa: F811
    site,  # noqa: F811
    officer,
):
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", "officer-pass")
    page.click("input[type=submit]")
    page.goto(site + "/admin/funding/fund/add/")

    page.fill("#id_name", "A&E winter fund 2013-14 (entered by hand)")
    page.select_option("#id_announced_by", "dh")
    page.fill("#id_announced_on", "2013-09-10")
    page.fill("#id_total_pence", "£250,000,000")
    page.check("input[name=financial_years][value='2013-14']")
    page.fill("#id_purpose", "Winter money for 53 high-risk systems, NHS 111 and contingency.")
    page.select_option("#id_money_kind", "new")
    page.select_option("#id_route", "direct_to_trusts")
    page.select_option("#id_status", "allocated")

    page.get_by_text("Add another Fund source").click()
    page.fill("#id_sources-0-title", "Written ministerial statement: NHS winter planning")
    page.fill("#id_sources-0-url", WMS)
    for index, (name, pounds) in enumerate(
        [
            ("NHS 111 over winter", "15,000,000"),
            ("53 high-risk systems (provisional)", "221,000,000"),
            ("Contingency", "14,000,000"),
        ]
    ):
        page.get_by_text("Add another Tranche").click()
        page.fill(f"#id_tranches-{index}-name", name)
        page.fill(f"#id_tranches-{index}-amount_pence", pounds)
        page.fill(f"#id_tranches-{index}-financial_year", "2013-14")

    page.get_by_text("Add another Allocation rule").click()
    page.select_option("#id_rule-0-kind", "worst_n")
    page.locator("#rule-0 summary", has_text="The N worst four-hour performers").click()
    page.fill("#id_rule-0-worst_n__n", "53")
    page.fill("#id_rule-0-worst_n__total", "£221,000,000")
    page.select_option("#id_rule-0-worst_n__share", "attendances")
    page.check("input[name='rule-0-worst_n__eligible_kinds'][value='trust']")
    page.fill("#id_rule-0-worst_n__window_from", "2013-01-01")
    page.fill("#id_rule-0-worst_n__window_to", "2013-03-31")
    page.check("input[name='rule-0-worst_n__department_types'][value='1']")

    assert page.input_value("#id_slug") == SLUG
    with live_worker():
        page.click("input[name=_continue]")
        # The click returns once the next page starts; its messages may not be there yet.
        page.wait_for_selector(".messagelist .success, .errornote", state="attached")
        assert page.locator(".messagelist .success").count() > 0, page.content()
        runs = page.locator("#fund-runs")
        deadline = time.monotonic() + 60
        while "Succeeded" not in runs.inner_text() and time.monotonic() < deadline:
            time.sleep(1)
            page.reload()
        assert "Succeeded: 53 recipients, £221,000,000.00 modelled (current)" in (runs.inner_text())

    page.problems.clear()  # the admin logs a 404 for a resource; only the public page is held to it
    response = page.goto(f"{site}/funds/{SLUG}/")
    assert response.status == 200
    # RV8 had the worst type 1 performance of January to March 2013: first of the 53.
    assert page.locator("a[href='/trusts/RV8/']").count() > 0
    # The funds list shows what the run recorded: its modelled total and its recipients.
    page.goto(f"{site}/funds/")
    row = page.locator("table.app-funds tbody tr", has=page.locator(f"a[href='/funds/{SLUG}/']"))
    cells = row.locator("td").all_inner_texts()
    assert cells[3:] == ["£250,000,000", "£221,000,000", "£0", "53"], cells
    assert page.problems == []


def test_every_funds_change_page_fits_a_laptop_screen(page, site, officer):  # noqa: F811
    """As tables, the sources (address, what each says), the tranches (six fields) and the
    spending reports (notes, addresses) made a fund's page 2,008 to 2,593 pixels wide on a
    1,366-pixel screen: the last columns, delete boxes included, a sideways scroll away."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(site + "/admin/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", "officer-pass")
    page.click("input[type=submit]")
    page.goto(site + "/admin/funding/fund/")
    changes = page.locator("#result_list tbody th a").evaluate_all(
        "links => links.map(a => a.href)"
    )
    assert len(changes) >= 8
    widths = {}
    for change in changes:
        page.goto(change)
        page.wait_for_selector("#fund_form")
        widths[page.locator("#id_name").input_value()] = page.evaluate(
            "document.documentElement.scrollWidth"
        )
    assert all(width <= 1366 for width in widths.values()), widths


def test_of_two_officers_on_one_fund_the_second_to_save_is_told_who_changed_it(
    page,  # noqa: F811
    site,  # noqa: F811
    officer,
    browser,  # noqa: F811
    django_db_blocker,
):
    """Both open the same fund; one renames it and saves; the other, saving a note from the page
    opened before, is told who changed the fund and when, and the rename stands."""
    from django.contrib.auth import get_user_model

    from tests import factories

    def made():
        colleague = get_user_model().objects.create_superuser("colleague", password="c-pass-1")
        # A fund of the test's own: no rule, so its saves queue no run beside the demo's.
        return colleague, factories.fund("two-officers-fund", notes="As announced.")

    with django_db_blocker.unblock():
        colleague, fund = beside_the_browser(made)
    change = f"{site}/admin/funding/fund/{fund.pk}/change/"
    other_context = browser.new_context(viewport=DESKTOP)
    try:
        other = other_context.new_page()
        for tab, name, password in (
            (page, "officer", "officer-pass"),
            (other, "colleague", "c-pass-1"),
        ):
            tab.goto(site + "/admin/login/")
            tab.fill("#id_username", name)
            tab.fill("#id_password", password)
            tab.click("input[type=submit]")
            tab.goto(change)
        other.fill("#id_name", "Renamed by a colleague")
        other.click("input[name=_continue]")
        other.wait_for_selector(".messagelist .success", state="attached")

        page.fill("#id_notes", "A note from the page opened before the rename.")
        page.click("input[name=_continue]")
        page.wait_for_selector(".errornote", state="attached")
        refusal = page.locator(".errorlist.nonfield").inner_text()
        assert refusal.startswith("colleague changed this fund at ")
        assert "Nothing of yours was saved" in refusal
        screenshot(page, "admin-stale-save-refused")
        with django_db_blocker.unblock():
            beside_the_browser(fund.refresh_from_db)
        assert (fund.name, fund.notes) == ("Renamed by a colleague", "As announced.")
    finally:
        other_context.close()
        with django_db_blocker.unblock():
            beside_the_browser(lambda: (fund.delete(), colleague.delete()))
