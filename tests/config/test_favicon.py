"""/favicon.ico: what a browser asks for on a response with no icon link (API JSON, a CSV, the
browsable API) leads to the site's icon instead of a 404 in the log."""

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/favicon")
    assert response["Location"].endswith(".svg")
