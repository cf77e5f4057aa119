"""The benchmark's measurements. Ratios compare our path with PostgreSQL's COPY of the same
rows, measured side by side in the same run; absolute times are context only."""

import csv
import datetime as dt
import io
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from datacache.versions import data_changed

from .synthetic import AE_COLUMNS, SOURCE, copy_rows

BASE_DIR = Path(__file__).resolve().parent.parent
WINDOW = "from=2012-01-01&to=2012-03-31"

PAGES = [
    "/",
    "/funds/",
    "/funds/synthetic-fund-0/",
    f"/league/?{WINDOW}&type=1",
    "/performance/?fund=synthetic-fund-0&before_from=2011-11-01&before_to=2012-03-31"
    "&after_from=2012-11-01&after_to=2013-03-31",
    "/trusts/",
    "/trusts/ST00000/",
    "/spending/",
]
API_LISTS = [
    "/api/v1/organisations/",
    "/api/v1/funds/",
    "/api/v1/allocations/",
    "/api/v1/runs/",
    "/api/v1/spending/",
    f"/api/v1/performance/?{WINDOW}&by=month",
    f"/api/v1/performance/league/?{WINDOW}&type=1",
    f"/api/v1/performance/funnel/?{WINDOW}&type=1",
    "/api/v1/performance/spc/?from=2010-04-01&to=2014-03-31&code=ST00000",
]

GOAL_P95_MS = 100


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed_get(client: Client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return (time.perf_counter() - started) * 1000, response.status_code


def endpoints(*, repeat: int, cold_repeat: int = 3) -> list[dict]:
    """Server time (in-process, full request) per page and list: cold (the first request
    after the data changed, computed afresh, with its SQL query count) and p50/p95 over
    repeated requests (served from the data cache until the data changes again)."""
    client = Client()
    rows = []
    for url in PAGES + API_LISTS:
        client.get(url)  # imports, templates and connections are warm; the data is not
        cold: list[float] = []
        for _ in range(cold_repeat):
            data_changed()
            with CaptureQueriesContext(connection) as captured:
                elapsed, status = _timed_get(client, url)
            # Counted now: the next request clears the connection's query log.
            queries = len(captured)
            cold.append(elapsed)
        timings: list[float] = []
        # A slow endpoint gets at least three requests, then stops after ten seconds.
        while len(timings) < repeat and (len(timings) < 3 or sum(timings) < 10_000):
            timings.append(_timed_get(client, url)[0])
        rows.append(
            {
                "url": url,
                "status": status,
                "queries": queries,
                "cold_ms": round(statistics.median(cold), 1),
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(_percentile(timings, 0.95), 1),
            }
        )
        print(
            f"  {rows[-1]['cold_ms']:>8.1f} ms cold {rows[-1]['p95_ms']:>8.1f} ms p95 "
            f"{queries:>4} queries  {status} {url}"
        )
    return rows


def _floor_copy(table: str, columns: tuple[str, ...], rows: list[tuple], *, marker: str) -> float:
    """Seconds to COPY the rows into `table` itself and commit: its indexes, constraints and
    deferred foreign-key checks included, durable as our own writes are. The rows are then
    deleted (`marker` is a WHERE clause that finds them).

    An earlier floor copied into a temporary table, which writes no WAL and checks no foreign
    keys, so it measured less work than any durable write of the same rows must do."""
    started = time.perf_counter()
    with transaction.atomic():
        copy_rows(table, columns, rows)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {marker}")
    return elapsed


def _worker(env: dict) -> subprocess.Popen:
    from config.celery import app

    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1"),
            *("--without-gossip", "--without-mingle", "--loglevel", "WARNING"),
        ],
        cwd=BASE_DIR,
        env=env,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            app.send_task("config.ping").get(timeout=5)
            return process
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise


def recompute(env: dict, *, sizes: tuple[int, ...]) -> list[dict]:
    """A fund of n published recipients recomputed end to end through a Celery worker,
    against COPY of the same allocation rows."""
    from config.celery import app
    from funding.models import AllocationRule, AllocationRun, Fund

    results = []
    worker = _worker(env)
    try:
        for n in sizes:
            copy_rows(
                "trusts_organisation",
                ("ods_code", "name", "kind", "region", "source", "updated_at"),
                (
                    (
                        f"SR{len(str(n))}{i:05d}",
                        f"Synthetic recipient {i}",
                        "other_provider",
                        "",
                        SOURCE,
                        "now",
                    )
                    for i in range(n)
                ),
            )
            fund = Fund.objects.create(
                slug=f"synthetic-recompute-{n}",
                name=f"Synthetic fund of {n} recipients",
                announced_by="dh",
                announced_on=dt.date(2013, 9, 10),
                total_pence=n * 1_000_00,
                purpose="Synthetic benchmark fund: not a real announcement.",
                money_kind="new",
                route="direct_to_trusts",
            )
            AllocationRule.objects.create(fund=fund, kind="fixed", parameters={})
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM trusts_organisation WHERE ods_code LIKE %s ORDER BY id",
                    [f"SR{len(str(n))}%"],
                )
                recipients = [row[0] for row in cursor.fetchall()]
            copy_rows(
                "funding_publishedallocation",
                ("fund_id", "recipient_id", "amount_pence", "source"),
                ((fund.pk, r, 1_000_00, SOURCE) for r in recipients),
            )
            run = AllocationRun.objects.create(fund=fund, triggered_by="benchmark")
            started = time.perf_counter()
            app.send_task("funding.tasks.recompute_fund", args=[run.pk])
            while AllocationRun.objects.get(pk=run.pk).status in ("pending", "running"):
                time.sleep(0.02)
            elapsed = time.perf_counter() - started
            run.refresh_from_db()
            # The same rows under a run of their own, so they sit beside the run's rows.
            floor_run = AllocationRun.objects.create(
                fund=fund, triggered_by="benchmark floor", status="skipped"
            )
            columns = ("run_id", "fund_id", "recipient_id", "basis", "amount_pence", "rationale")
            floor = _floor_copy(
                "funding_allocation",
                (*columns, "details"),
                [
                    (floor_run.pk, fund.pk, r, "published", 1_000_00, "As published: x", "{}")
                    for r in recipients
                ],
                marker=f"run_id = {floor_run.pk}",
            )
            floor_run.delete()
            results.append(
                {
                    "recipients": n,
                    "status": run.status,
                    "seconds": round(elapsed, 3),
                    "copy_seconds": round(floor, 3),
                    "ratio": round(elapsed / floor, 2),
                }
            )
            print(f"  recompute {n:>6}: {elapsed:.2f}s vs COPY {floor:.2f}s")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return results


# What the importer writes for each CSV row above: department type, attendances, over 4h.
FLOOR_SPLIT = (("1", 3000, 300), ("2", 100, 5), ("other", 1500, 60))


def monthly_import(*, rows: int) -> dict:
    """An official-format monthly A&E CSV through the importer, against COPY of the rows it
    writes (three department types per CSV row)."""
    from trusts.importers import import_files
    from trusts.importers.ae import NhseMonthly
    from trusts.models import Organisation

    # Every organisation, so that the rows fit in the months since NHS England's series began
    # (the importer refuses months before August 2010 or after today).
    codes = list(Organisation.objects.values_list("ods_code", "pk").order_by("pk"))
    months = -(-rows // len(codes))
    lines, floor_rows = [NhseMonthly.EXAMPLE_HEADER], []
    for month in range(months):
        start = dt.date(2010 + (month + 7) // 12, (month + 7) % 12 + 1, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        for code, pk in codes:
            if len(lines) > rows:
                break
            lines.append(
                f"MSitAE-{start:%B}-{start:%Y},{code},NHS ENGLAND,Synthetic,"
                "3000,100,1500,300,5,60,20,1,800,10,5,200"
            )
            for department, attendances, over in (
                ("1", 3000, 300),
                ("2", 100, 5),
                ("other", 1500, 60),
            ):
                floor_rows.append(
                    (pk, "month", start, end, department, attendances, over, False, SOURCE, 1)
                )
    # First, as the importer's rows will take the same keys.
    floor = _floor_copy("trusts_aeactivity", AE_COLUMNS, floor_rows, marker="grain = 'month'")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic-monthly-ae.csv"
        path.write_text("\n".join(lines) + "\n")
        started = time.perf_counter()
        result = import_files([path])[0]
        elapsed = time.perf_counter() - started
    print(f"  import {result.rows:,} rows: {elapsed:.2f}s vs COPY {floor:.2f}s")
    return {
        "csv_rows": result.rows,
        "created": result.created,
        "seconds": round(elapsed, 3),
        "copy_seconds": round(floor, 3),
        "ratio": round(elapsed / floor, 2),
    }


def csv_export(*, repeat: int = 3) -> dict:
    """Every current allocation as CSV through the API, against COPY ... TO STDOUT of the
    same columns; each timed `repeat` times, alternately, and the medians compared."""
    client = Client()

    def through_api() -> bytes:
        return b"".join(client.get("/api/v1/allocations/?format=csv").streaming_content)

    def by_copy() -> bytes:
        sink = io.BytesIO()
        with (
            connection.cursor() as cursor,
            cursor.connection.cursor().copy(
                "COPY (SELECT a.id, f.slug, a.run_id, r.finished_at, o.ods_code, o.name, o.kind, "
                "o.region, i.ods_code, t.name, a.basis, a.amount_pence / 100.0, a.rank, "
                "a.rationale FROM funding_allocation a JOIN funding_fund f ON f.id = a.fund_id "
                "JOIN funding_allocationrun r ON r.id = a.run_id AND r.is_current "
                "JOIN trusts_organisation o ON o.id = a.recipient_id "
                "LEFT JOIN trusts_organisation i ON i.id = a.intermediary_id "
                "LEFT JOIN funding_tranche t ON t.id = a.tranche_id "
                "ORDER BY a.fund_id, a.amount_pence DESC, a.id) TO STDOUT WITH CSV HEADER"
            ) as copy,
        ):
            for chunk in copy:
                sink.write(chunk)
        return sink.getvalue()

    timings: dict = {through_api: [], by_copy: []}
    for _ in range(repeat):
        for way in timings:
            started = time.perf_counter()
            body = way()
            timings[way].append(time.perf_counter() - started)
            lines = body.count(b"\n") - 1
            if way is through_api:
                exported, header = lines, body.split(b"\n", 1)[0].decode()
            else:
                copied = lines
    elapsed, floor = (statistics.median(timings[way]) for way in (through_api, by_copy))
    print(f"  export {exported:,} rows: {elapsed:.2f}s vs COPY {floor:.2f}s ({copied:,})")
    return {
        "rows": exported,
        "copy_rows": copied,
        "seconds": round(elapsed, 3),
        "copy_seconds": round(floor, 3),
        "ratio": round(elapsed / floor, 2),
        "columns_match": next(csv.reader(io.StringIO(header))),
    }


def load(env: dict, *, clients: int, seconds: int) -> dict:
    """gunicorn on loopback under `clients` concurrent clients for `seconds`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "4", "--threads", "2", "--log-level", "warning"),
        ],
        cwd=BASE_DIR,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
    urls = [u for u in PAGES + API_LISTS if "/trusts/?" not in u]
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        i = index
        while time.monotonic() < stop:
            url = base + urls[i % len(urls)]
            i += 1
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except Exception:
                ok = False
            with lock:
                counts["ok" if ok else "errors"] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    server.terminate()
    server.wait(timeout=30)
    total = counts["ok"] + counts["errors"]
    print(f"  load: {total / elapsed:.1f} requests/s, {counts['errors']} errors")
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": total,
        "requests_per_second": round(total / elapsed, 1),
        "errors": counts["errors"],
    }


def report(results: dict) -> str:
    lines = ["", "SYNTHETIC benchmark: server time per request (ms) and SQL queries", ""]
    scales = list(results["scales"])
    endpoints_by_scale = {s: results["scales"][s].get("endpoints", []) for s in scales}
    if any(endpoints_by_scale.values()):
        header = "".join(
            f"{s + 'x cold':>10}{s + 'x p50':>10}{s + 'x p95':>10}{s + 'x q':>6}" for s in scales
        )
        lines.append(f"{'endpoint':<60}{header}  goal")
        first = endpoints_by_scale[scales[0]]
        for i, row in enumerate(first):
            cells, p95s, queries = "", [], []
            for s in scales:
                other = endpoints_by_scale[s][i]
                cells += (
                    f"{other.get('cold_ms', ''):>10}{other['p50_ms']:>10}"
                    f"{other['p95_ms']:>10}{other['queries']:>6}"
                )
                p95s.append(other["p95_ms"])
                queries.append(other["queries"])
            met = p95s[-1] <= GOAL_P95_MS and len(set(queries)) == 1
            lines.append(f"{row['url'][:59]:<60}{cells}  {'met' if met else 'MISSED'}")
    for scale in scales:
        part = results["scales"][scale]
        for name, goal in (("recompute", 3), ("import", 4), ("export", 3)):
            entries = part.get(name)
            if not entries:
                continue
            for entry in entries if isinstance(entries, list) else [entries]:
                label = (
                    f"{name} {entry.get('recipients', entry.get('rows', entry.get('csv_rows')))}"
                )
                verdict = "met" if entry["ratio"] <= goal else "MISSED"
                lines.append(
                    f"{label:<30} {entry['seconds']:>8}s vs COPY {entry['copy_seconds']:>7}s "
                    f"= {entry['ratio']:>6}x (goal {goal}x) {verdict}"
                )
        if part.get("load"):
            load_result = part["load"]
            lines.append(
                f"load: {load_result['requests_per_second']} requests/s over "
                f"{load_result['seconds']}s with {load_result['clients']} clients, "
                f"{load_result['errors']} errors "
                f"({'met' if load_result['errors'] == 0 else 'MISSED'})"
            )
    return "\n".join(lines)
