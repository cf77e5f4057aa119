"""The pages' filter forms through the test client: the NHS design system's patterns (dates in
day, month and year boxes, department types as checkboxes, an error summary linked to the
fields), the current values filled in, and a refused filter showing no results."""

import re
from html import unescape

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


def inputs(html: str) -> dict[str, str]:
    """Each text box's name and value, and each ticked box's name and value."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                found.setdefault(name.group(1), []).append(value.group(1))
        else:
            found[name.group(1)] = unescape(value.group(1)) if value else ""
    return found


def error_summary_links(html: str) -> list[tuple[str, str]]:
    summary = re.search(r'<div class="nhsuk-error-summary".*?</ul>', html, re.DOTALL)
    assert summary, "no error summary"
    return re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary.group(0))


def test_dates_are_day_month_and_year_boxes_holding_the_current_values(client, computed):
    html = client.get("/performance/").content.decode()
    shown = inputs(html)
    assert (shown["before_from_day"], shown["before_from_month"], shown["before_from_year"]) == (
        "1",
        "11",
        "2011",
    )
    assert (shown["after_to_day"], shown["after_to_month"], shown["after_to_year"]) == (
        "31",
        "3",
        "2014",
    )
    legend = '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">'
    assert f"{legend}Before window starts</legend>" in html


def test_the_boxes_a_reader_fills_in_choose_the_window(client, computed):
    response = client.get(
        "/performance/?before_from_day=1&before_from_month=10&before_from_year=2011"
    )
    assert response.status_code == 200
    shown = inputs(response.content.decode())
    assert (shown["before_from_day"], shown["before_from_month"]) == ("1", "10")


def test_a_date_in_another_format_is_explained_in_words_beside_its_field(client, computed):
    response = client.get("/performance/?before_from=01/01/2013")
    html = response.content.decode()
    assert response.status_code == 400
    assert "isoformat" not in html
    assert error_summary_links(html) == [
        ("id_before_from_0", "Before window starts must be a real date, for example 1 11 2012")
    ]
    # The day box the summary links to exists, and the fieldset names the message.
    assert 'id="id_before_from_0"' in html
    assert 'aria-describedby="id_before_from_error"' in html
    # No results for a filter the page refused.
    assert "chart-scatter" not in html and "Data table" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("after_to_day=31&after_to_month=&after_to_year=2014", "must include a month"),
        ("after_to_day=31&after_to_month=2&after_to_year=2014", "must be a real date"),
        ("after_to_day=&after_to_month=&after_to_year=", "Enter the date the after window ends"),
    ],
)
def test_a_date_that_is_not_whole_or_real_says_so(client, computed, query, message):
    response = client.get(f"/performance/?{query}")
    assert response.status_code == 400
    [(target, text)] = error_summary_links(response.content.decode())
    assert target == "id_after_to_0" and message in text


def test_a_link_whose_date_is_not_real_shows_that_date_in_the_boxes_to_mend(client, computed):
    response = client.get("/league/?from=2013-02-30&to=2013-03-31&type=1")
    html = response.content.decode()
    assert response.status_code == 400
    [(target, text)] = error_summary_links(html)
    assert target == "id_from_0" and "must be a real date" in text
    shown = inputs(html)
    assert (shown["from_day"], shown["from_month"], shown["from_year"]) == ("30", "2", "2013")
    assert (shown["to_day"], shown["to_month"], shown["to_year"]) == ("31", "3", "2013")


def test_department_types_are_checkboxes_and_old_links_still_tick_them(client, computed):
    assert inputs(client.get("/performance/").content.decode())["type"] == ["1"]
    html = client.get("/performance/?type=1,2").content.decode()
    assert inputs(html)["type"] == ["1", "2"]
    assert '<label class="nhsuk-label nhsuk-checkboxes__label" for="id_type_1">' in html
    every = inputs(client.get("/performance/?type=all").content.decode())["type"]
    assert every == ["1", "2", "other", "total"]


def test_an_unknown_department_type_names_the_valid_ones(client, computed):
    response = client.get("/performance/?type=9")
    assert response.status_code == 400
    [(target, text)] = error_summary_links(response.content.decode())
    assert target == "id_type_0"
    assert "type 1, type 2, other and totals" in unescape(text)


def test_a_refused_league_filter_shows_the_errors_and_no_table(client, computed):
    response = client.get("/league/?from=2013-13-01&type=9&limit=many")
    html = response.content.decode()
    assert response.status_code == 400
    assert [target for target, _ in error_summary_links(html)] == [
        "id_from_0",
        "id_type_0",
        "id_limit",
    ]
    assert "<table" not in html and "chart-league" not in html


def test_the_league_keeps_its_filters_in_the_boxes(client, computed):
    html = client.get("/league/?from=2013-01-01&to=2013-03-31&type=1&limit=10").content.decode()
    shown = inputs(html)
    assert (shown["from_day"], shown["from_month"], shown["from_year"]) == ("1", "1", "2013")
    assert (shown["to_day"], shown["to_month"], shown["to_year"]) == ("31", "3", "2013")
    assert shown["limit"] == "10" and shown["type"] == ["1"]


def test_the_fund_page_window_form_starts_with_the_windows_the_analysis_used(client, computed):
    html = client.get("/funds/ae-winter-2013-14/").content.decode()
    form = html[html.index("Change the windows") :]
    shown = inputs(form)
    used = re.search(
        r"from [^(]+\((\d+ \w+ \d{4}) to (\d+ \w+ \d{4})\) to [^(]+\((\d+ \w+ \d{4}) to "
        r"(\d+ \w+ \d{4})\)",
        html,
    ).groups()
    boxes = [
        f"{shown[f'{name}_day']} {shown[f'{name}_month']} {shown[f'{name}_year']}"
        for name in ("before_from", "before_to", "after_from", "after_to")
    ]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    written = [
        f"{day} {months.index(month) + 1} {year}"
        for day, month, year in (text.split() for text in used)
    ]
    assert boxes == written


def test_download_links_carry_the_filters_and_not_junk_from_the_link(client, computed):
    html = client.get(
        "/league/?from=2013-01-01&to=2013-03-31&type=1&utm_source=newsletter"
    ).content.decode()
    links = [unescape(href) for href in re.findall(r'href="(\?[^"]*format=csv[^"]*)"', html)]
    assert len(links) == 2, links
    for link in links:
        assert "utm_source" not in link
        assert "from=2013-01-01" in link and "to=2013-03-31" in link
    response = client.get(f"/league/{links[0]}")
    assert response["content-type"].startswith("text/csv")
