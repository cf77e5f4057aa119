"""A client keeps a copy of the allocations in step with the API using only the `next` links
it kept and the tombstones, as a data pipeline polling every night would."""

import base64
from urllib.parse import urlencode

import pytest

from funding import services
from funding.models import AllocationRun, Fund, PublishedAllocation
from tests.api.conftest import published_fund

pytestmark = pytest.mark.django_db

START = "2000-01-01T00:00:00Z"
CONTENT = ("amount", "rank", "rationale", "intermediary", "run")


def key(row: dict) -> tuple:
    """A row's identity across runs: its fund, recipient, tranche and basis."""
    recipient = row["recipient"]  # an object in a row, an ODS code in a tombstone
    code = recipient["ods_code"] if isinstance(recipient, dict) else recipient
    return (row["fund"], code, row["tranche"], row["basis"])


class Pipeline:
    """Follows each feed from its kept link to the end, then keeps the last `next` link."""

    def __init__(self, client, fund: str, page_size: int = 2):
        self.client = client
        query = f"fund={fund}&updated_since={START}&page_size={page_size}"
        self.links = {
            "removed": f"/api/v1/removed-allocations/?{query}",
            "rows": f"/api/v1/allocations/?{query}",
        }
        self.rows: dict[tuple, dict] = {}
        self.page_size = page_size

    def feed(self, name: str) -> list[dict]:
        received = []
        while True:
            body = self.client.get(self.links[name]).json()
            received += body["results"]
            assert body["next"], "the last page's next link is where to start next time"
            self.links[name] = body["next"]
            if len(body["results"]) < self.page_size:
                return received

    def sync(self) -> list[dict]:
        """Tombstones first, then rows: a row removed and added back ends up present."""
        for gone in self.feed("removed"):
            self.rows.pop(key(gone), None)
        changed = self.feed("rows")
        for row in changed:
            self.rows[key(row)] = row
        return changed


@pytest.fixture
def fund():
    return published_fund("sync-fund", {"ZS1": 400_00, "ZS2": 300_00, "ZS3": 300_00})


def run(fund: Fund) -> AllocationRun:
    return services.allocation_run_start(
        run=AllocationRun.objects.create(fund=fund, triggered_by="test")
    )


def server_rows(client, fund: Fund) -> dict[tuple, dict]:
    rows = client.get(f"/api/v1/allocations/?fund={fund.slug}&page_size=1000").json()["results"]
    return {key(row): {k: row[k] for k in CONTENT} for row in rows}


def copy_of(pipeline: Pipeline) -> dict[tuple, dict]:
    return {k: {c: row[c] for c in CONTENT} for k, row in pipeline.rows.items()}


def test_a_client_syncs_across_a_run_that_removes_a_recipient(client, fund):
    assert run(fund).status == "succeeded"
    pipeline = Pipeline(client, fund.slug)
    assert len(pipeline.sync()) == 3
    assert copy_of(pipeline) == server_rows(client, fund)

    # One recipient gets more, another drops out.
    PublishedAllocation.objects.filter(recipient__ods_code="ZS2").update(amount_pence=350_00)
    PublishedAllocation.objects.filter(recipient__ods_code="ZS3").delete()
    second = run(fund)
    assert second.status == "succeeded"

    changed = pipeline.sync()
    # Only the changed row is sent again; the unchanged one stays as the client had it.
    assert [(row["recipient"]["ods_code"], row["amount"]) for row in changed] == [("ZS2", "350.00")]
    assert {k[1] for k in pipeline.rows} == {"ZS1", "ZS2"}
    server = server_rows(client, fund)
    mine = copy_of(pipeline)
    # The unchanged row's content is the server's; only the run it now belongs to differs.
    for rows in (server, mine):
        for row in rows.values():
            row.pop("run")
    assert mine == server

    # Nothing new: the kept links answer empty pages and stay valid for next time.
    assert pipeline.sync() == []


def test_a_recipient_removed_and_added_back_is_present_after_one_sync(client, fund):
    run(fund)
    pipeline = Pipeline(client, fund.slug)
    pipeline.sync()
    published = PublishedAllocation.objects.get(recipient__ods_code="ZS3")
    published.delete()
    run(fund)
    PublishedAllocation.objects.create(
        fund=fund, recipient=published.recipient, amount_pence=250_00, source="t"
    )
    run(fund)
    pipeline.sync()
    assert {k[1]: row["amount"] for k, row in pipeline.rows.items()} == {
        "ZS1": "400.00",
        "ZS2": "300.00",
        "ZS3": "250.00",
    }


def test_runs_can_be_synced_by_updated_since_the_one_no_longer_current_too(client, fund):
    """The runs feed paged by when a run was requested, started or finished, which a newer
    run does not move: a client that synced runs held two current runs for one fund."""
    first = run(fund)
    body = client.get(f"/api/v1/runs/?fund={fund.slug}&updated_since={START}").json()
    assert [r["id"] for r in body["results"]] == [first.pk]
    PublishedAllocation.objects.filter(recipient__ods_code="ZS1").update(amount_pence=1_00)
    second = run(fund)

    again = client.get(body["next"]).json()["results"]

    assert [(r["id"], r["is_current"]) for r in again] == [(first.pk, False), (second.pk, True)]


@pytest.mark.parametrize("feed", ["allocations", "runs", "removed-allocations", "funds"])
def test_a_time_with_any_offset_is_understood(client, fund, feed):
    # ISO 8601 allows offsets PostgreSQL refuses (beyond 15:59): the API turns them to UTC.
    far = "1646-09-09T02:15:05-21:19"
    response = client.get(f"/api/v1/{feed}/", {"updated_since": far})
    assert response.status_code == 200, response.content
    position = base64.b64encode(urlencode({"p": far}).encode()).decode()
    response = client.get(f"/api/v1/{feed}/", {"updated_since": START, "cursor": position})
    assert response.status_code == 200, response.content


def test_a_withdrawn_funds_rows_are_removed_from_a_synced_copy_and_come_back_if_reinstated(
    client, fund, superuser
):
    """Withdrawn in the admin, the fund's rows left the API with no tombstone: a client that
    synced kept its £1,000 for ever."""
    from django.urls import reverse

    from tests.admin_forms import fund_page_post

    run(fund)
    pipeline = Pipeline(client, fund.slug)
    pipeline.sync()
    client.force_login(superuser)

    client.post(
        reverse("admin:funding_fund_changelist"),
        {"action": "withdraw", "_selected_action": [fund.pk]},
    )
    pipeline.sync()

    assert pipeline.rows == {} == server_rows(client, fund)

    fund_page_post(client, fund, {"status": Fund.Status.ANNOUNCED})
    services.allocation_run_start(run=AllocationRun.objects.get(fund=fund, status="pending"))
    pipeline.sync()

    assert {k[1] for k in pipeline.rows} == {"ZS1", "ZS2", "ZS3"}


def renamed_in_the_admin(client, superuser, obj, name: str, **fields) -> list[str]:
    """Renames a tranche or a scenario on its own admin page, and returns the slugs the funds
    feed then sends from where it had got to."""
    from django.urls import reverse

    from tests.admin_forms import admin_page_post

    funds = client.get(f"/api/v1/funds/?updated_since={START}").json()["next"]
    client.force_login(superuser)
    model = obj._meta.model_name
    admin_page_post(
        client,
        reverse(f"admin:funding_{model}_change", args=[obj.pk]),
        f"{model}_form",
        {"name": name, **fields},
    )
    return [f["slug"] for f in client.get(funds).json()["results"]]


def test_a_tranche_renamed_in_the_admin_sends_its_rows_and_its_fund_again(client, fund, superuser):
    """The API gives each row its tranche by name: renamed, the rows changed and the feed
    never said so."""
    from funding.models import Tranche

    tranche = Tranche.objects.create(fund=fund, name="Q1", amount_pence=1_000_00)
    PublishedAllocation.objects.update(tranche=tranche)
    run(fund)
    pipeline = Pipeline(client, fund.slug)
    pipeline.sync()

    assert renamed_in_the_admin(client, superuser, tranche, "First quarter") == [fund.slug]
    assert {row["tranche"] for row in pipeline.sync()} == {"First quarter"}


def test_a_scenario_renamed_in_the_admin_sends_its_fund_again(client, fund, superuser):
    from funding.models import Scenario

    scenario = Scenario.objects.create(fund=fund, name="As published", kind="fixed")

    sent = renamed_in_the_admin(client, superuser, scenario, "Published in May", reason="r")

    assert sent == [fund.slug]
