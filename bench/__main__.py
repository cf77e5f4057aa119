"""`make bench`: the benchmark at 1x and 10x England's size, on SYNTHETIC data in PostgreSQL.

Prints a table and writes bench/results/bench-<time>.json. Not part of `make test`. Needs
PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uc_funding_bench,
dropped and rebuilt) and Redis (BENCH_BROKER_URL) for the worker measurements, and for the
data cache the web processes share, as docker-compose.yml gives them (BENCH_CACHE_URL).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/uc_funding_bench"


def configure(database_url: str, broker_url: str, cache_url: str) -> dict[str, str]:
    """The environment of the benchmarked process and of the worker and server it starts."""
    env = {
        # One data cache for every gunicorn worker, as in production: with one cache each,
        # every worker computes each page again after a change.
        "DATA_CACHE_URL": cache_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "API_ANON_RATE": "100000000/minute",
        "LOG_LEVEL": "WARNING",
        # DEBUG off serves collected, hashed static files, as production does.
        "STATIC_ROOT": tempfile.mkdtemp(prefix="bench-static-"),
    }
    os.environ.update(env)
    return {**os.environ, **env}


def database_recreate(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", default="1,10", help="multiples of England (default 1,10)")
    parser.add_argument("--repeat", type=int, default=20, help="requests per endpoint")
    parser.add_argument("--load-seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--only",
        default="",
        help="comma list of: endpoints,datasette,recompute,import,warming,export,memory,load",
    )
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    if not database_url.startswith("postgres"):
        print("The benchmark runs on PostgreSQL: set BENCH_DATABASE_URL.", file=sys.stderr)
        return 2
    env = configure(
        database_url,
        os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/2"),
        os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/3"),
    )
    only = set(filter(None, args.only.split(",")))

    def wanted(part: str) -> bool:
        return not only or part in only

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from . import measure, synthetic

    call_command("collectstatic", interactive=False, verbosity=0)
    scales = [int(s) for s in args.scales.split(",")]
    results: dict = {"synthetic": True, "note": synthetic.__doc__.split("\n\n")[0], "scales": {}}
    for scale in scales:
        connection.close()
        database_recreate(database_url)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        built = synthetic.build(scale)
        print(
            f"\n{scale}x: built {built.organisations:,} organisations, {built.ae_rows:,} weekly "
            f"A&E rows, {built.funds} funds, {built.allocations:,} allocations "
            f"in {time.perf_counter() - started:.0f}s (SYNTHETIC)"
        )
        part: dict = {"built": built.__dict__}
        if wanted("endpoints"):
            part["endpoints"] = measure.endpoints(repeat=args.repeat)
        if scale == min(scales) and wanted("datasette"):
            part["datasette"] = measure.datasette_compare(env)
        if scale == max(scales):
            if wanted("recompute"):
                part["recompute"] = measure.recompute(env, sizes=(200, 2_000, 20_000))
            if wanted("import"):
                part["import"] = measure.monthly_import(rows=100_000)
            if wanted("warming"):
                part["warming"] = measure.landing_pages_after_import(env)
            if wanted("export"):
                part["export"] = measure.csv_export()
            if wanted("memory"):
                part["memory"] = measure.peak_memory(env)
            if wanted("load"):
                part["load"] = measure.load(env, clients=args.clients, seconds=args.load_seconds)
        results["scales"][str(scale)] = part
    report = measure.report(results)
    print(report)
    out = BASE_DIR / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nWritten to {path.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
