"""Pages and API lists are cached until the data behind them changes, and never after."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from datacache.versions import data_version
from funding.models import Fund
from lib.bulk import rows_insert
from tests import factories
from tests.servers import redis_server
from trusts.importers import import_files
from trusts.models import AEActivity, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def winter_fund() -> Fund:
    """A fund that publishes £300 and £200 for two trusts, not yet computed, on a site whose
    data already has a version (the first read of a new database writes one, which would
    count among a page's queries)."""
    fund = factories.fixed_fund({factories.trust(): 300_00, factories.trust(): 200_00})
    data_version()
    return fund


def queries_for(client, url: str, **headers) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
        assert response.status_code == 200
    return len(captured), response.content


def test_the_version_holds_until_a_write_and_a_rolled_back_write_leaves_it(winter_fund):
    before = data_version()
    assert data_version() == before
    with transaction.atomic():
        Fund.objects.filter(pk=winter_fund.pk).first().save()
        assert data_version() != before
        transaction.set_rollback(True)
    assert data_version() == before


def test_saves_deletes_bulk_rows_imports_and_runs_each_change_the_version(winter_fund, tmp_path):
    versions = [data_version()]
    trust = Organisation.objects.create(ods_code="ZZ901", name="Synthetic trust", kind="trust")
    versions.append(data_version())
    rows_insert(
        AEActivity,
        [
            {
                "organisation_id": trust.pk,
                "grain": "month",
                "period_start": "2016-04-01",
                "period_end": "2016-04-30",
                "department_type": "1",
                "attendances": 10,
                "over_4h": 1,
                "source_file": "synthetic",
                "source_line": 1,
            }
        ],
    )
    versions.append(data_version())
    csv = tmp_path / "nhsr.csv"
    csv.write_text(
        "period,org_code,type,attendances,breaches,admissions\n2016-05-01,ZZ901,1,20,2,3\n"
    )
    import_files([csv])
    versions.append(data_version())
    factories.run(winter_fund)
    versions.append(data_version())
    trust.names.all().delete()
    AEActivity.objects.filter(organisation=trust).delete()
    trust.delete()
    versions.append(data_version())
    assert len(set(versions)) == len(versions)


def test_an_import_that_only_updates_figures_changes_the_version(tmp_path):
    # No funds: a recompute requested by the import would change the version by itself.
    Organisation.objects.create(ods_code="ZZ901", name="Synthetic trust", kind="trust")
    csv = tmp_path / "nhsr.csv"
    csv.write_text(
        "period,org_code,type,attendances,breaches,admissions\n2016-05-01,ZZ901,1,20,2,3\n"
    )
    import_files([csv])
    before = data_version()
    csv.write_text(
        "period,org_code,type,attendances,breaches,admissions\n2016-05-01,ZZ901,1,30,2,3\n"
    )
    [result] = import_files([csv])
    assert (result.created, result.updated) == (0, 1)  # a bulk update: no model signals
    assert data_version() != before


def test_a_page_is_served_from_the_cache_until_the_data_changes(client, winter_fund):
    first, _ = queries_for(client, "/funds/")
    again, _ = queries_for(client, "/funds/")
    assert first > 1
    assert again == 1  # the data version, nothing else
    winter_fund.name = "Winter money, renamed"
    winter_fund.save()
    after, content = queries_for(client, "/funds/")
    assert after == first
    assert b"Winter money, renamed" in content


def test_an_api_list_is_cached_per_format_and_refreshed_after_a_run(client, winter_fund):
    url = f"/api/v1/funds/{winter_fund.slug}/"
    _, before = queries_for(client, url, accept="application/json")
    assert queries_for(client, url, accept="application/json")[0] == 1
    assert b'"published":"0.00"' in before.replace(b" ", b"")
    html_queries, html = queries_for(client, url, accept="text/html")
    assert html_queries > 1 and b"<!DOCTYPE html>" in html
    factories.run(winter_fund)
    _, content = queries_for(client, url, accept="application/json")
    assert b'"published":"500.00"' in content.replace(b" ", b"")  # £300 + £200


def test_a_cache_that_is_down_costs_speed_not_the_page(client, winter_fund, settings):
    settings.CACHES = {
        **settings.CACHES,
        "unreachable": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    settings.DATA_CACHE_ALIAS = "unreachable"
    assert client.get("/funds/").status_code == 200
    assert client.get("/funds/").status_code == 200


def test_a_signed_in_readers_page_is_never_served_to_anyone_else(client, analyst, winter_fund):
    url = "/api/v1/funds/"
    client.force_login(analyst)
    assert b"alice" in client.get(url, headers={"accept": "text/html"}).content
    client.logout()
    assert b"alice" not in client.get(url, headers={"accept": "text/html"}).content


@pytest.fixture
def redis_data_cache(settings):
    """The production shape: the data cache in Redis, shared by every web process; a Redis
    of the test's own, so that clearing it touches nobody else's keys."""
    from django.core.cache import caches

    with redis_server() as server:
        settings.CACHES = {
            **settings.CACHES,
            "redis": {
                "BACKEND": "datacache.redis.RedisCache",
                "LOCATION": server.url,
                "KEY_PREFIX": "test-data",
            },
        }
        settings.DATA_CACHE_ALIAS = "redis"
        yield caches["redis"]


@pytest.mark.services  # a Redis server of its own
def test_a_data_cache_in_redis_makes_one_client_for_all_its_calls(redis_data_cache, monkeypatch):
    made = []
    client_class = redis_data_cache._cache._client
    monkeypatch.setattr(
        redis_data_cache._cache, "_client", lambda **kw: made.append(kw) or client_class(**kw)
    )
    for n in range(5):
        redis_data_cache.set(f"call-{n}", n)
        assert redis_data_cache.get(f"call-{n}") == n
    assert len(made) == 1


@pytest.mark.services  # a Redis server of its own
def test_pages_cached_in_redis_are_served_from_it(client, winter_fund, redis_data_cache):
    _, content = queries_for(client, "/funds/")
    assert queries_for(client, "/funds/") == (1, content)
    winter_fund.name = "Renamed while cached in Redis"
    winter_fund.save()
    assert b"Renamed while cached in Redis" in queries_for(client, "/funds/")[1]


def test_a_template_edited_by_a_deploy_changes_the_code_version(settings, tmp_path):
    from datacache.versions import code_version

    page = tmp_path / "templates" / "page.html"
    page.parent.mkdir()
    page.write_text("<p>before</p>")
    settings.BASE_DIR = tmp_path
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [page.parent]}]
    code_version.cache_clear()
    try:
        before = code_version()
        page.write_text("<p>after</p>")
        code_version.cache_clear()
        assert code_version() != before
    finally:
        code_version.cache_clear()


def test_pages_cached_by_the_code_before_a_deploy_are_not_served(client, winter_fund, monkeypatch):
    first, _ = queries_for(client, "/funds/")
    assert queries_for(client, "/funds/")[0] == 1
    monkeypatch.setattr("datacache.decorators.code_version", lambda: "the-next-deploy")
    assert queries_for(client, "/funds/")[0] == first
