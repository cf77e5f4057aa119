"""The API docs in a real browser, under the site's own content security policy."""

import json
import urllib.request

import pytest

from tests.dashboards.conftest import browser, browser_context, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.services]

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def site(demo_site):
    return demo_site


@pytest.fixture
def docs(page, site):  # noqa: F811
    """The docs page, with every console error, refused script and request to another host
    collected in `problems`."""
    response = page.goto(site + "/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return page


def schema_operations(site) -> set[tuple[str, str]]:
    with urllib.request.urlopen(f"{site}/api/v1/schema/?format=json") as response:
        schema = json.load(response)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }


def test_the_docs_list_every_operation_under_our_csp(docs, site):
    docs.wait_for_selector(".opblock", timeout=15_000)
    shown = {
        (
            block.locator(".opblock-summary-method").inner_text().strip(),
            block.locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for block in docs.locator(".opblock").all()
    }
    assert shown == schema_operations(site)
    assert docs.problems == []


def test_try_it_out_fetches_the_funds(docs):
    operation = docs.locator("#operations-funds-funds_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=15_000)
    assert status.inner_text().strip() == "200"
    body = operation.locator(".live-responses-table .response .response-col_description pre").first
    assert '"slug": "ae-winter-2013-14"' in body.inner_text()
    assert docs.problems == []
