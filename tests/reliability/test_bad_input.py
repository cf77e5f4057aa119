"""The malformed-input corpus: every file, payload and form post is refused with an error that
names where the problem is, and no table changes (a checksum of every table, before and after).
"""

import hashlib
import shutil
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils.html import escape

from funding import services
from funding.seed import SeedError, demo_funds_seed
from lib import tabular
from tests.admin_forms import admin_page_post
from trusts.importers import ImportFailed, import_files
from trusts.models import Organisation, OrganisationName

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_data")]

CORPUS = Path(__file__).parent / "corpus"

# file -> what the error must say (each names its line or the file, and the field).
FILES = {
    "ae-bad-period.csv": "ae-bad-period.csv:2: Period: 'January 2030' is not a period",
    "ae-bom-and-bad-row.csv": "ae-bom-and-bad-row.csv:3: Emergency admissions via A&E - Type 1",
    "ae-duplicate-rows.csv": "ae-duplicate-rows.csv:3: Org Code: duplicate of line 2",
    "ae-empty.csv": "ae-empty.csv:1: header: unknown column layout",
    "ae-header-only.csv": "ae-header-only.csv: file: has no rows of figures",
    "ae-latin1.csv": "ae-latin1.csv: file: not UTF-8 text (byte 566",
    "ae-missing-column.csv": "missing columns: Attendances over 4hrs Type 1",
    "ae-negative-count.csv": "ae-negative-count.csv:2: A&E attendances Type 1: -5 is negative",
    "ae-not-a-number.csv": "A&E attendances Type 1: 'lots' is not a whole number",
    "ae-nul-byte.csv": "ae-nul-byte.csv: file: contains NUL bytes",
    "ae-over-4h-above-attendances.csv": "25,000 is more than the 20,000 attendances",
    "ae-oversized-name.csv": "Org name: is 5,000 characters long",
    "ae-script-in-name.csv": "Org name: '<script>alert(1)</script>' contains < or >",
    "ae-thousands-separator.csv": "'20,000' has a thousands separator; write 20000",
    "ae-unknown-layout.csv": "ae-unknown-layout.csv:1: header: unknown column layout",
    "bbc-bad-date.csv": "bbc-bad-date.csv:2: analysisdate: '06/01/2013' is not a date",
    "bbc-percentage-over-100.csv": "patients_seen_in_four_hours: 120.5 is not between 0 and 100",
    "bbc-unknown-trust.csv": "closest known: Northampton General Hospital NHS Trust",
    "nhsr-bad-date.csv": "nhsr-bad-date.csv:2: period: '2030/01/01' is not a date",
    "nhsr-breaches-above-attendances.csv": "200 is more than the 100 attendances",
    "nhsr-retired-code.csv": "org_code: RD7 closed on 2014-09-30",
    "nhsr-unknown-type.csv": "type: '9' is not 1, 2 or other",
    "orgs-closes-before-it-opens.csv": "closed_on: 2013-01-01 is before the open date 2014-01-01",
    "orgs-script-in-name.csv": "name: '<img src=x onerror=alert(1)>' contains < or >",
    "orgs-unknown-kind.csv": "kind: 'hospital' is not one of trust",
    "successions-unknown-successor.csv": "successor: 'ZZZZZ' is not a known ODS code",
    # Issue 18: dates out of the source's range, extreme dates, counts and text beyond their
    # columns, and unknown codes in every format.
    "ae-future-period.csv": "ae-future-period.csv:2: Period: January 2031 is in the future",
    "ae-period-9999.csv": "ae-period-9999.csv:2: Period: December 9999 is in the future",
    "nhsr-future-period.csv": (
        "nhsr-future-period.csv:2: period: 2031-01-01 is outside 2016-04-01 to 2019-03-01"
    ),
    "nhsr-period-9999.csv": "nhsr-period-9999.csv:2: period: 9999-12-01 is outside 2016-04-01",
    "bbc-date-year-1.csv": "bbc-date-year-1.csv:2: analysisdate: 0001-01-03 is outside 2010-11-01",
    "orgs-opens-in-2099.csv": "orgs-opens-in-2099.csv:2: opened_on: 2099-01-01 is more than 366",
    "ae-count-3-billion.csv": (
        "ae-count-3-billion.csv:2: A&E attendances Type 1: 3,000,000,000 is more than 1,000,000"
    ),
    "ae-code-40-characters.csv": (
        "ae-code-40-characters.csv:2: Org Code: is 40 characters long; at most 12"
    ),
    "orgs-name-500-characters.csv": (
        "orgs-name-500-characters.csv:2: name: is 500 characters long; at most 200"
    ),
    "ae-unknown-code.csv": (
        "ae-unknown-code.csv:2: Org Code: 'ZZZ77' is not a known ODS code; import the "
        "organisations first, or pass --create-unknown"
    ),
    "nhsr-unknown-code.csv": "nhsr-unknown-code.csv:2: org_code: 'ZZZ78' is not a known ODS code",
}
UPLOADS = {
    "upload-blank-source.csv": "upload-blank-source.csv:2: source: is blank",
    "upload-duplicate-recipient.csv": "upload-duplicate-recipient.csv:3: ods_code: R1H is also",
    "upload-exceeds-fund.csv": "more than the £250,000,000.00 fund",
    "upload-exponent-amount.csv": "amount: '1e6' is not an amount in pounds",
    "upload-fraction-of-a-penny.csv": "amount: '12.345' has a fraction of a penny",
    "upload-latin1.csv": "upload-latin1.csv: file: not UTF-8 text",
    "upload-missing-column.csv": "header: missing columns: source",
    "upload-negative-amount.csv": "amount: '-100' is negative",
    "upload-thousands-separator.csv": "amount: '1,234': write 1234",
    "upload-unknown-code.csv": "ods_code: 'ZZZ99' is not a known ODS code",
    # Uploads are read by the importers' reader (lib.tabular), with its refusals.
    "upload-nul-byte.csv": "upload-nul-byte.csv: file: contains NUL bytes",
}
# Seed fund files (funding/seed_funds/), each a shipped fund with one fault.
SEED_FILES = {
    "seed-amount-in-words.toml": "seed-amount-in-words.toml: total: '£340 million' is not",
    "seed-bad-financial-year.toml": "financial_years: '2011-13' is not a financial year",
    "seed-cap-above-fund.toml": "rule.parameters.cap: exceeds the fund's total of £100,000,000.00",
    "seed-date-in-quotes.toml": "announced_on: must be a date written like 2013-09-10, without",
    "seed-fraction-of-a-penny.toml": "total: '£340000000.005' has a fraction of a penny",
    "seed-latin1.toml": "seed-latin1.toml: file: not UTF-8 text (byte 53)",
    "seed-no-sources.toml": "source: is not a field here: did you mean sources?",
    "seed-not-toml.toml": "seed-not-toml.toml: file: not TOML: Illegal character '\\n' (at line 2",
    "seed-spending-over-allocation.toml": (
        "spending[1].lines: add up to £214,800,000.00, more than the allocation of £174,000,000.00"
    ),
    "seed-step-before-announcement.toml": "steps[1].on: 2013-11-01 is before announced_on",
    "seed-tranches-do-not-add-up.toml": (
        "tranches: add up to £3,700,000,000.00, not the fund's £3,800,000,000.00"
    ),
    "seed-two-current-scenarios.toml": "scenarios: exactly one must be current",
    "seed-unknown-choice.toml": "route: 'by_post' is not one of direct_to_trusts",
    "seed-unknown-key.toml": "anounced_by: is not a field here: did you mean announced_by?",
    "seed-unknown-parameter.toml": "rule.parameters.rate_per_head: is not a parameter",
    "seed-unknown-rule-kind.toml": "seed-unknown-rule-kind.toml: rule.kind: 'per_head' is not",
    "seed-wrong-type.toml": "total_is_cap: must be true or false, not text",
}


def database_checksum() -> str:
    """A digest of every row of every table, so any change at all shows.

    PostgreSQL digests each table itself, and reads whole only the rows written since this
    test's transaction began (their xmin is its id or a later one: its savepoints', or another
    connection's). The rows written before it, the national data among them, are counted:
    updating or deleting one takes it out of that count, since the row's new version (if any)
    is written by this transaction. Hashing every row cost 0.35 s a digest, two a test; this
    costs 0.08 s."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        if connection.vendor == "postgresql":
            # The transaction's id as a 32-bit xid, as xmin holds it (xid8 adds an epoch).
            cursor.execute("SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text")
            (began,) = cursor.fetchone()
            # age() counts back from one fixed transaction id, so (modulo xmin's wrap-around)
            # a row's xmin is this transaction's or later when its age is no greater.
            written_since = f"age(t.xmin) <= age('{began}'::xid)"
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT {index}, count(*) FILTER (WHERE NOT {written_since}),"
                    f" count(*) FILTER (WHERE {written_since}),"
                    f" sum(hashtextextended(t::text, 0)::numeric) FILTER (WHERE {written_since})"
                    f' FROM "{table}" t'
                    for index, table in enumerate(tables)
                )
            )
            digest.update(repr(sorted(cursor.fetchall())).encode())
            return digest.hexdigest()
        for table in tables:
            digest.update(table.encode())
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def test_the_checksum_sees_one_changed_value():
    before = database_checksum()
    organisation = Organisation.objects.order_by("pk").last()
    Organisation.objects.filter(pk=organisation.pk).update(name=organisation.name + ".")
    assert database_checksum() != before


def test_the_checksum_sees_a_row_this_test_wrote_changed_again():
    organisation = Organisation.objects.order_by("pk").first()
    Organisation.objects.filter(pk=organisation.pk).update(name=organisation.name + ".")
    before = database_checksum()
    Organisation.objects.filter(pk=organisation.pk).update(name=organisation.name + "..")
    assert database_checksum() != before


def test_the_checksum_sees_a_row_deleted_and_one_changed_inside_a_savepoint():
    before = database_checksum()
    with transaction.atomic():
        OrganisationName.objects.order_by("pk").first().delete()
    assert database_checksum() != before
    before = database_checksum()
    with transaction.atomic():
        organisation = Organisation.objects.order_by("pk").first()
        Organisation.objects.filter(pk=organisation.pk).update(name=organisation.name + "!")
    assert database_checksum() != before


def test_the_corpus_is_complete():
    on_disk = {path.name for path in CORPUS.iterdir() if path.suffix in (".csv", ".toml")}
    assert on_disk == set(FILES) | set(UPLOADS) | set(SEED_FILES)
    assert len(on_disk) >= 30


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_bad_file_is_refused_with_its_place_and_changes_nothing(name):
    before = database_checksum()
    with pytest.raises(ImportFailed) as failure:
        import_files([CORPUS / name])
    assert FILES[name] in str(failure.value)
    assert database_checksum() == before


@pytest.mark.parametrize("name", sorted(UPLOADS))
def test_a_bad_allocation_upload_is_refused_and_changes_nothing(winter, name):
    before = database_checksum()
    with pytest.raises(ImportFailed) as failure:
        services.published_allocations_import(
            fund=winter, content=(CORPUS / name).read_bytes(), file_name=name
        )
    assert UPLOADS[name] in str(failure.value)
    assert database_checksum() == before


@pytest.mark.parametrize("name", sorted(SEED_FILES))
def test_a_bad_seed_fund_file_is_refused_by_its_field_and_changes_nothing(tmp_path, name):
    shutil.copy(CORPUS / name, tmp_path)
    before = database_checksum()
    with pytest.raises(SeedError) as failure:
        demo_funds_seed(tmp_path)
    assert SEED_FILES[name] in str(failure.value)
    assert database_checksum() == before


def test_an_oversized_file_is_refused_before_it_is_read(monkeypatch, tmp_path):
    monkeypatch.setattr(tabular, "MAX_FILE_BYTES", 1_000)
    big = tmp_path / "big.csv"
    big.write_bytes((CORPUS / "ae-duplicate-rows.csv").read_bytes() * 10)
    before = database_checksum()
    with pytest.raises(ImportFailed) as failure:
        import_files([big])
    assert "big.csv: file:" in str(failure.value) and "1,000" in str(failure.value)
    assert database_checksum() == before


def test_a_bad_file_after_good_ones_writes_none_of_them(tmp_path):
    before = database_checksum()
    good = tmp_path / "good.csv"
    good.write_text(
        "period,org_code,type,attendances,breaches,admissions\n2017-01-01,RRK,1,100,10,5\n"
    )
    with pytest.raises(ImportFailed):
        import_files([good, CORPUS / "nhsr-bad-date.csv"])
    assert database_checksum() == before


# Rule parameters of the wrong kind, posted to the named fields of the admin's rule form.
RULE_POSTS = [
    ("n", "five", "Enter a whole number."),
    ("n", "0", "n: must be at least 1"),
    ("total", "1.005", "has a fraction of a penny"),
    ("share", "votes", "Select a valid choice."),
    ("window_to", "2012-12-31", "window_to: must not be before window_from"),
]


@pytest.mark.parametrize(("name", "value", "message"), RULE_POSTS)
def test_rule_parameters_of_the_wrong_kind_are_refused_by_their_field(
    client, fund_admin, winter, name, value, message
):
    client.force_login(fund_admin)
    before = database_checksum()
    response = admin_page_post(
        client,
        f"/admin/funding/allocationrule/{winter.rule.pk}/change/",
        "allocationrule_form",
        {f"worst_n__{name}": value, "reason": "a test of bad input"},
    )
    assert response.status_code == 200  # the form again, with its errors: nothing saved
    errors = response.context["adminform"].form.errors[f"worst_n__{name}"]
    assert any(message in error for error in errors), errors
    assert escape(message) in response.content.decode()
    assert database_checksum() == before


API_POSTS = [
    ("/api/v1/funds/no-such-fund/recompute/", 404),
    ("/api/v1/funds/ae-winter-2013-14/impact/?before=2013-13-01,2013-03-31", 400),
    ("/api/v1/allocations/?recipient=" + ",".join(f"C{i}" for i in range(1001)), 400),
    ("/api/v1/organisations/?code=" + "A," * 1001, 400),
    ("/api/v1/performance/?from=2013-01-01&to=2013-03-31&type=<script>", 400),
]


@pytest.mark.parametrize(("url", "status"), API_POSTS, ids=lambda value: str(value)[:60])
def test_bad_api_requests_are_refused_cleanly(client, fund_admin, winter, url, status):
    client.force_login(fund_admin)
    before = database_checksum()
    method = client.post if url.endswith("/recompute/") else client.get
    response = method(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert database_checksum() == before
