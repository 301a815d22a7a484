"""Benchmark: the nightly DAG for one business day at the bank's volume.

Runs ``bank_nightly`` once with ``dag.test()`` (no scheduler; SQLite metadata
database) in a lake, DuckDB file and Redis server of its own under
``.bench/nightly/``, then prints the wall time of every step, read from the
task instances, and the whole run. Target on the two-core machine: the whole
DAG under three minutes at 200,000 events.

    make bench-nightly                       # DAY=2026-11-02 EVENTS=200000
    python -m bankflow.bench.nightly --day 2026-11-02 --events 200000

Airflow must be configured before it is imported (``make bench-nightly``
sets ``AIRFLOW_HOME`` and the DAG folder; the metadata database must be
migrated, which ``make nightly-prepare`` does).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bankflow import redis_local
from bankflow.lake import REPO_ROOT

TARGET_SECONDS = 180


DBT_GROUP = "dbt (cosmos task group)"


def _step(task_id: str) -> str:
    if task_id == "dbt.dbt_producer_watcher":
        return "  dbt build (producer)"
    if task_id.startswith("dbt."):
        return "  dbt node tasks"
    return task_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bankflow.bench.nightly", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--day", default="2026-11-02")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / ".bench" / "nightly")
    args = parser.parse_args(argv)

    folder = args.dir.resolve()
    shutil.rmtree(folder / "lake", ignore_errors=True)
    (folder / "warehouse.duckdb").unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    server = redis_local.start(folder / "redis")
    os.environ.update(
        {
            "BANK_LAKE_ROOT": str(folder / "lake"),
            "BANK_DUCKDB_PATH": str(folder / "warehouse.duckdb"),
            "BANK_REDIS_URL": server.url,
            "BANK_EVENTS": str(args.events),
            "BANK_RETRIES": "0",
        }
    )
    # The DAG imports its include module from the DAG folder, as Airflow's
    # bundle loader makes possible; a plain DagBag needs it on the path.
    sys.path.insert(0, str(REPO_ROOT / "dags"))
    try:
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
        if bag.import_errors:
            print(f"error: the DAG folder does not import: {bag.import_errors}", file=sys.stderr)
            return 1
        dag = bag.dags["bank_nightly"]
        logical = datetime.fromisoformat(args.day).replace(hour=2, tzinfo=UTC)
        started = time.monotonic()
        run = dag.test(logical_date=logical)
        wall = time.monotonic() - started
        tis = run.get_task_instances()
    finally:
        server.stop()

    steps: dict[str, list] = {}
    tasks = sum(1 for ti in tis if ti.start_date and ti.end_date)
    for ti in tis:
        if ti.start_date and ti.end_date:
            span = steps.setdefault(_step(ti.task_id), [ti.start_date, ti.end_date, 0.0, 0])
            span[0], span[1] = min(span[0], ti.start_date), max(span[1], ti.end_date)
            span[2] += (ti.end_date - ti.start_date).total_seconds()
            span[3] += 1
    # The dbt task group as a whole, then its parts: in watcher mode the
    # producer's one `dbt build` and the tasks that report each node.
    parts = [v for k, v in steps.items() if k.startswith("  dbt")]
    if parts:
        steps[DBT_GROUP] = [
            min(p[0] for p in parts),
            max(p[1] for p in parts),
            sum(p[2] for p in parts),
            sum(p[3] for p in parts),
        ]
    order = {DBT_GROUP: 0, "  dbt build (producer)": 1, "  dbt node tasks": 2}
    rows = sorted(
        steps.items(),
        key=lambda kv: (steps[DBT_GROUP][0] if kv[0] in order else kv[1][0], order.get(kv[0], 0)),
    )
    print(f"nightly DAG, {args.day}, {args.events:,} events: {run.state}")
    print(f"{'step':<28}{'tasks':>6}{'wall s':>9}{'busy s':>9}")
    for name, (first, last, busy, count) in rows:
        print(f"{name:<28}{count:>6}{(last - first).total_seconds():>9.1f}{busy:>9.1f}")
    print(
        f"{'whole run (dag.test)':<28}{tasks:>6}{wall:>9.1f}"
        f"   target < {TARGET_SECONDS} s: {'met' if wall < TARGET_SECONDS else 'NOT met'}"
    )
    result = {
        "day": args.day,
        "events": args.events,
        "state": str(run.state),
        "wall_seconds": round(wall, 1),
        "steps": {
            n.strip(): {
                "tasks": c,
                "wall_seconds": round((b - a).total_seconds(), 1),
                "busy_seconds": round(busy, 1),
            }
            for n, (a, b, busy, c) in rows
        },
    }
    (folder / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0 if str(run.state) == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
