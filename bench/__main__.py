"""``python -m bench [NAME ...]``: run every scenario (or those whose module name contains NAME), print a table.

Uses PostgreSQL: ``BENCH_DATABASE_URL``; by default the national data set in cellflow_scale when it has been built
(``manage.py generate_scale``, see docs/performance.md), else postgres://postgres@127.0.0.1:5432/cellflow_bench,
created and migrated when missing, where the scenarios build small synthetic data instead. Scenarios are the
``bench/scenario_*.py`` modules; each exposes ``run() -> list[dict]`` (keys: scenario, median_ms, p95_ms,
queries, extra). Exit status 1 when a scenario fails.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cellflow_bench"
SCALE_URL = "postgres://postgres@127.0.0.1:5432/cellflow_scale"
SCALE_MIN_ENTERPRISES = 100_000
BUILD_HINT = (
    "The national data set is not built: the scenarios use small synthetic data. Build it (about 5 minutes) with\n"
    "  createdb -h 127.0.0.1 -U postgres cellflow_scale\n"
    f"  DATABASE_URL={SCALE_URL} .venv/bin/python manage.py migrate\n"
    f"  DATABASE_URL={SCALE_URL} .venv/bin/python manage.py generate_scale --enterprises 1000000\n"
    "then run make bench again."
)
HERE = Path(__file__).resolve().parent


def _ensure_database(url: str) -> None:
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def _has_scale_data(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5) as conn:
            found = conn.execute(
                "SELECT reltuples FROM pg_class WHERE relname = 'registry_enterprise' AND relkind = 'r'"
            ).fetchone()
    except psycopg.OperationalError:
        return False
    return bool(found and found[0] >= SCALE_MIN_ENTERPRISES)


def _database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url
    if _has_scale_data(SCALE_URL):
        return SCALE_URL
    print(BUILD_HINT, flush=True)
    return DEFAULT_URL


def _scenarios(filters: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("scenario_*.py"))
    return [n for n in names if not filters or any(f in n for f in filters)]


def _table(rows: list[dict]) -> str:
    headers = ["scenario", "median_ms", "p95_ms", "queries", "extra"]
    cells = [
        [
            str(r.get("scenario", "")),
            f"{r.get('median_ms', 0):,.1f}",
            f"{r.get('p95_ms', 0):,.1f}",
            str(r.get("queries", "")),
            str(r.get("extra", "")),
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = {1, 2, 3}

    def line(values):
        return "  ".join(
            v.rjust(w) if i in numeric else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(c) for c in cells)])


def main(argv: list[str]) -> int:
    url = _database_url()
    print(f"database: {urlparse(url).path.lstrip('/')}", flush=True)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    _ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from bench.measure import analyze

    rows: list[dict] = []
    failed = []
    for name in _scenarios(argv):
        started = time.perf_counter()
        print(f"running {name} …", flush=True)
        try:
            analyze()  # each scenario starts from tables as autovacuum leaves them, whatever the one before wrote
            module = importlib.import_module(f"bench.{name}")
            rows.extend(module.run())
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"  {name}: {time.perf_counter() - started:.1f} s", flush=True)
    print()
    print(_table(rows))
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
