"""Benchmark: the dbt project on DuckDB, one day and thirty days of history.

Generates (once, cached under ``.bench/dbt/``) consecutive business days at
the bank's volume with the simulator and the Spark bronze job, then times:

1. a full ``dbt build`` of the first day, and one incremental day on top;
2. a full ``dbt build`` of ``--days`` days of history (business_date = the
   last of them), and one incremental day on top.

Targets on the two-core machine: the full build of 30 days under 5 minutes;
the incremental day on 30 days of history within 1.5 times the incremental
day on 1 day (the cost follows the new day, not the history).

    make bench-dbt                                   # 30 days at 200,000 events
    python -m bankflow.bench.dbt --days 30 --events 200000

Heavy phases (bronze per day, each dbt build) hold ``/tmp/bank-heavy.lock``
so they do not overlap with other benchmarks on the machine.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from bankflow import lake as lake_paths
from bankflow.lake import REPO_ROOT

FIRST_DAY = date(2026, 10, 1)
FULL_30_TARGET_SECONDS = 300
INCREMENTAL_RATIO_TARGET = 1.5
HEAVY_LOCK = "/tmp/bank-heavy.lock"


@contextmanager
def heavy():
    """Hold the machine's heavy-run lock (shared by every benchmark)."""
    with open(HEAVY_LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def log(step: str, **fields) -> None:
    print(f"bench-dbt {step} " + " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)


def ensure_lake(lake: Path, days: list[date], events: int, seed: int) -> None:
    """Simulate and ingest every day that is not in the cache yet."""
    from bankflow.simulator import generate

    def landed(day: date) -> bool:
        return (Path(lake_paths.ground_truth_dir(day, str(lake))) / "manifest.json").exists()

    def ingested(day: date) -> bool:
        return Path(lake_paths.report_file("bronze", day, str(lake))).exists()

    to_simulate = [d for d in days if not landed(d)]
    if to_simulate:
        # The simulator carries its state from day to day: simulate from the
        # first missing day to the end in one run.
        first = to_simulate[0]
        started = time.monotonic()
        generate(
            first,
            days=(days[-1] - first).days + 1,
            events=events,
            seed=seed,
            lake=str(lake),
            epoch=days[0],
        )
        log(
            "simulate",
            first=first,
            days=(days[-1] - first).days + 1,
            events=events,
            seconds=f"{time.monotonic() - started:.1f}",
        )
    to_ingest = [d for d in days if not ingested(d)]
    if not to_ingest:
        log("lake", days=len(days), events=events, cached="yes")
        return
    from bankflow.bronze import ingest_day
    from bankflow.spark import session

    spark = session("bench-dbt-bronze")
    try:
        for day in to_ingest:
            with heavy():
                started = time.monotonic()
                ingest_day(day, lake=str(lake), spark=spark)
            log("bronze", day=day, seconds=f"{time.monotonic() - started:.1f}")
    finally:
        spark.stop()


def dbt_build(day: date, env: dict, target: Path, full_refresh: bool) -> float:
    """One ``dbt build`` of a business day; its wall time in seconds."""
    args = [
        str(Path(sys.executable).parent / "dbt"),
        "build",
        "--vars",
        json.dumps({"business_date": day.isoformat()}),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
        "--quiet",
    ]
    if full_refresh:
        args.append("--full-refresh")
    with heavy():
        started = time.monotonic()
        done = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
        seconds = time.monotonic() - started
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"bench-dbt: dbt build {day} failed (exit {done.returncode})")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bankflow.bench.dbt", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    parser.add_argument("--events", type=int, default=200_000, help="events a day")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / ".bench" / "dbt")
    args = parser.parse_args(argv)

    folder = args.dir.resolve() / f"{args.events}"
    lake = folder / "lake"
    days = [FIRST_DAY + timedelta(days=i) for i in range(args.days + 1)]
    ensure_lake(lake, days, args.events, args.seed)

    base = dict(os.environ, BANK_LAKE_ROOT=str(lake), DBT_PROFILES_DIR=str(REPO_ROOT))
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "deps", "--quiet"],
        cwd=REPO_ROOT,
        env=base,
        check=True,
    )
    figures = {}
    for label, history in (("1 day", days[:1]), (f"{args.days} days", days[:-1])):
        duck = folder / f"warehouse-{len(history)}d.duckdb"
        duck.unlink(missing_ok=True)
        env = dict(base, BANK_DUCKDB_PATH=str(duck))
        target = folder / f"target-{len(history)}d"
        full = dbt_build(history[-1], env, target, full_refresh=True)
        log("full", history=label.replace(" ", "_"), seconds=f"{full:.1f}")
        incremental = dbt_build(days[len(history)], env, target, full_refresh=False)
        log("incremental", history=label.replace(" ", "_"), seconds=f"{incremental:.1f}")
        figures[label] = (full, incremental)

    one_full, one_inc = figures["1 day"]
    many_full, many_inc = figures[f"{args.days} days"]
    ratio = many_inc / one_inc
    print()
    print(f"dbt build on DuckDB, {args.events:,} events a day")
    print(f"  {'history':<10} {'full build':>12} {'+1 incremental day':>20}")
    for label, (full, inc) in figures.items():
        print(f"  {label:<10} {full:>11.1f}s {inc:>19.1f}s")
    print(
        f"  full build of {args.days} days: {many_full:.1f}s "
        f"(target < {FULL_30_TARGET_SECONDS}s: {'met' if many_full < 300 else 'MISSED'})"
    )
    print(
        f"  incremental day on {args.days} days / on 1 day: {ratio:.2f}x "
        f"(target <= {INCREMENTAL_RATIO_TARGET}x: "
        f"{'met' if ratio <= INCREMENTAL_RATIO_TARGET else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
