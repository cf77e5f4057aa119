"""The data version changes after a write commits, never inside its transaction (a run's
short transactions instead commit theirs with them: test_version_commits.py), and not at all
for a write rolled back; the code version is the release, with a digest of the files only when no
release is known."""

import subprocess

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from datacache import versions
from datacache.models import DataVersion
from funding.models import Fund
from funding.seed import demo_funds_seed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]


def token() -> str:
    versions.data_version()  # makes the row on a fresh database
    return DataVersion.objects.get().token


def funds_page(client) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/funds/")
        assert response.status_code == 200
    return len(captured), response.content


def test_a_committed_write_refreshes_a_cached_page_and_a_rolled_back_one_does_not(
    client, django_capture_on_commit_callbacks
):
    demo_funds_seed()
    fund = Fund.objects.get(slug="ae-winter-2013-14")
    computed, _ = funds_page(client)
    assert funds_page(client)[0] == 1  # from the cache: the data version, nothing else
    before = token()

    with transaction.atomic():
        fund.name = "Renamed, then rolled back"
        fund.save()
        transaction.set_rollback(True)
    assert token() == before
    queries, content = funds_page(client)
    assert queries == 1
    assert b"Renamed, then rolled back" not in content

    with django_capture_on_commit_callbacks(execute=True):
        fund.name = "Renamed and committed"
        fund.save()
        # Nothing written to the version's row while the transaction is open: a long import
        # holds no lock that run claims and admin saves wait for.
        assert token() == before
    assert token() != before
    queries, content = funds_page(client)
    assert queries == computed
    assert b"Renamed and committed" in content


def test_the_code_version_is_the_release_without_reading_the_files(settings, monkeypatch):
    monkeypatch.setattr(versions, "_files_digest", pytest.fail)
    settings.RELEASE = "1.4.0"
    versions.code_version.cache_clear()
    try:
        first = versions.code_version()
        settings.RELEASE = "1.4.1"
        versions.code_version.cache_clear()
        assert versions.code_version() != first
    finally:
        versions.code_version.cache_clear()


def test_a_clean_checkout_is_its_commit_and_one_being_edited_its_files(settings, tmp_path):
    def git(*arguments: str) -> None:
        identity = ("-c", "user.name=Tester", "-c", "user.email=tester@example.org")
        subprocess.run(
            ["git", *identity, *arguments], cwd=tmp_path, check=True, capture_output=True
        )

    page = tmp_path / "templates" / "page.html"
    page.parent.mkdir()
    page.write_text("<p>first</p>")
    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "first")
    settings.BASE_DIR = tmp_path
    settings.RELEASE = ""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [page.parent]}]

    def code_version() -> str:
        versions.code_version.cache_clear()
        return versions.code_version()

    try:
        committed = code_version()
        assert committed == code_version()
        page.write_text("<p>edited</p>")
        edited = code_version()
        assert edited != committed
        page.write_text("<p>edited again</p>")
        assert code_version() != edited  # being edited: the files' digest
        git("commit", "-q", "-am", "second")
        assert code_version() not in (committed, edited)
    finally:
        versions.code_version.cache_clear()
