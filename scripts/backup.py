#!/usr/bin/env python3
"""Backups of cellflow's PostgreSQL database, and the restore drill that proves a backup can be used.

    python scripts/backup.py backup [-o FILE]          # pg_dump, custom format: one consistent snapshot
    python scripts/backup.py drill [--backup FILE] [--keep] [--reports N]
    python scripts/backup.py compare SOURCE_URL TARGET_URL [--reports N]

``drill`` takes a fresh backup (or uses ``--backup``), restores it into a new database beside the source
(``<name>_drill_<time>``), and compares the two: the exact row count of every table, and the period reports'
JSON (``manage.py period_report``, every value) of every submitted report and of the top units' latest periods.
It prints a table of what it compared, drops the restored database (``--keep`` leaves it and prints its URL) and
exits 1 if anything differs. The database is ``DATABASE_URL`` (as for manage.py); the PostgreSQL client tools
(pg_dump, pg_restore, psql) must be on PATH and of the server's major version or newer.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL database (postgres://user@host:port/name).")
    return url


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _psql(url: str, sql: str) -> list[list[str]]:
    out = subprocess.run(
        ["psql", url, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def backup(url: str, output: Path) -> float:
    """A consistent snapshot (pg_dump runs in one repeatable-read transaction) in the custom format."""
    started = time.monotonic()
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(output), url], check=True)
    return time.monotonic() - started


def restore(backup_file: Path, url: str) -> float:
    name = _database_name(url)
    started = time.monotonic()
    _psql(_with_database(url, "postgres"), f'CREATE DATABASE "{name}"')
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", url, str(backup_file)],
        check=True,
    )
    return time.monotonic() - started


def drop(url: str) -> None:
    _psql(_with_database(url, "postgres"), f'DROP DATABASE IF EXISTS "{_database_name(url)}" WITH (FORCE)')


def row_counts(url: str) -> dict[str, int]:
    """The exact number of rows of every table of the public schema."""
    tables = [row[0] for row in _psql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
    if not tables:
        return {}
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM public.\"{t}\"" for t in tables)
    return {name: int(count) for name, count in _psql(url, union)}


def report_keys(url: str, limit: int) -> list[tuple[str, str]]:
    """(unit code, period code) of the submitted reports and of the top units' latest periods, at most ``limit``
    of each."""
    submitted = _psql(
        url,
        "SELECT u.code, p.code FROM reports_periodreport r JOIN org_unit u ON u.id = r.unit_id "
        f"JOIN reports_period p ON p.id = r.period_id WHERE r.status = 'submitted' ORDER BY r.id LIMIT {limit}",
    )
    live = _psql(
        url,
        "SELECT u.code, p.code FROM org_unit u CROSS JOIN (SELECT code FROM reports_period "
        f"ORDER BY ends_on DESC, code LIMIT 2) p WHERE u.parent_id IS NULL ORDER BY u.path, p.code LIMIT {limit}",
    )
    return list(dict.fromkeys((row[0], row[1]) for row in [*submitted, *live]))


def report_json(url: str, unit: str, period: str) -> dict:
    """The report as ``manage.py period_report`` writes it; a live report (not submitted) without the moment it was
    compiled, which is the only part that differs from one run to the next."""
    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, str(MANAGE), "period_report", "--unit", unit, "--period", period, "--format", "json"],
        check=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
    ).stdout
    report = json.loads(out)
    if report.get("status") != "submitted":
        report.pop("compiled_at", None)
    return report


def compare(source: str, target: str, *, reports: int) -> list[str]:
    """What differs between the two databases (empty: nothing); prints what was compared."""
    differences = []
    counts, restored = row_counts(source), row_counts(target)
    for table in sorted(set(counts) | set(restored)):
        if counts.get(table) != restored.get(table):
            differences.append(f"table {table}: {counts.get(table)} rows in the source, {restored.get(table)} restored")
    print(f"tables compared: {len(counts)}, rows: {sum(counts.values()):,}")
    keys = report_keys(source, reports)
    for unit, period in keys:
        if report_json(source, unit, period) != report_json(target, unit, period):
            differences.append(f"period report {unit} {period}: the JSON differs")
    print(f"period reports compared (JSON, every value): {len(keys)}")
    return differences


def drill(url: str, *, backup_file: Path | None, keep: bool, reports: int) -> int:
    stamp = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
    target = _with_database(url, f"{_database_name(url)}_drill_{stamp}"[:63])
    made_here = backup_file is None
    if backup_file is None:
        backup_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"cellflow-drill-{stamp}.dump"
        print(f"backup: {backup_file} ({backup(url, backup_file):.1f} s, {backup_file.stat().st_size:,} bytes)")
    try:
        print(f"restore into {_database_name(target)}: {restore(backup_file, target):.1f} s")
        differences = compare(url, target, reports=reports)
    finally:
        if made_here:
            backup_file.unlink(missing_ok=True)
        if keep:
            print(f"kept: {target}")
        else:
            drop(target)
    for line in differences:
        print("DIFFERENT:", line)
    print("restore drill:", "FAILED" if differences else "the restored database reads the same")
    return 1 if differences else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_backup = sub.add_parser("backup", help="pg_dump the database (custom format)")
    p_backup.add_argument("-o", "--output", type=Path, help="file (default cellflow-<date>.dump)")
    p_drill = sub.add_parser("drill", help="back up, restore into a new database, compare")
    p_drill.add_argument("--backup", type=Path, help="restore this dump instead of taking a fresh one")
    p_drill.add_argument("--keep", action="store_true", help="keep the restored database")
    p_drill.add_argument("--reports", type=int, default=20, help="at most this many reports of each kind")
    p_compare = sub.add_parser("compare", help="compare two databases as the drill does")
    p_compare.add_argument("source")
    p_compare.add_argument("target")
    p_compare.add_argument("--reports", type=int, default=20)
    args = parser.parse_args(argv)

    if args.command == "backup":
        output = args.output or Path(f"cellflow-{datetime.date.today():%Y-%m-%d}.dump")
        seconds = backup(_database_url(), output)
        print(f"{output}: {output.stat().st_size:,} bytes in {seconds:.1f} s")
        return 0
    if args.command == "drill":
        return drill(_database_url(), backup_file=args.backup, keep=args.keep, reports=args.reports)
    differences = compare(args.source, args.target, reports=args.reports)
    for line in differences:
        print("DIFFERENT:", line)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
