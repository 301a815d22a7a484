"""The nightly run of one business day, summed up from its run report.

``make demo`` runs the nightly DAG, prints this summary, then runs the
real-time path (which prints its own). The report is the one the DAG's last
task writes to ``reports/nightly/<day>.json``; this module only reads it.

    python -m bankflow.demo --day 2026-11-02
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bankflow import lake


def summary(report: dict) -> list[str]:
    """The report as a few lines: one per step, with what came in and went out."""
    steps = report.get("steps", {})
    lines = [f"nightly {report['business_date']}: {report['status']}"]

    land = steps.get("land_day") or {}
    totals = (land.get("manifest") or {}).get("totals")
    if totals:
        lines.append(
            f"  land     {totals['event_lines']:,} events and {totals['extract_lines']:,} extract "
            f"rows; {totals['fraud_instances']} fraud instances, {totals['bad']} bad records"
        )
    gate = steps.get("bronze_quality_gate") or {}
    if gate:
        share = gate["quarantined"] / gate["read"] if gate["read"] else 0.0
        lines.append(
            f"  bronze   read {gate['read']:,}, quarantined {gate['quarantined']:,} "
            f"({share:.2%}, limit {gate['limit']:.0%})"
        )
    states = report.get("task_states", {})
    dbt = [state for task, state in states.items() if task.startswith("dbt.")]
    if dbt:
        done = sum(state == "success" for state in dbt)
        lines.append(
            f"  dbt      {done} of {len(dbt)} tasks succeeded (the build and its seeds, "
            "snapshots, models and tests)"
        )
    published = steps.get("publish_redis") or {}
    if published:
        counts = ", ".join(f"{f['written']:,} {f['family']}" for f in published.get("families", []))
        lines.append(f"  redis    version {published['version']} current: {counts}")
    for task in report.get("failed_tasks", []):
        lines.append(f"  failed   {task}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bankflow.demo", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--day", required=True, help="business date, YYYY-MM-DD")
    parser.add_argument("--lake", help="lake root (default $BANK_LAKE_ROOT)")
    args = parser.parse_args(argv)

    path = Path(lake.report_file("nightly", args.day, args.lake))
    if not path.exists():
        print(f"error: no nightly run report for {args.day} at {path}", file=sys.stderr)
        return 1
    report = json.loads(path.read_text())
    print("\n".join(summary(report)))
    return 0 if report["status"] == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
