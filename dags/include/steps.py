"""What each step of the nightly run does; the DAG file only wires them together.

Every step takes the run's plan (the business day and the settings resolved
once at the start of the run), logs one line of what came in, what went out,
what was refused and how long it took, and returns a small summary that the
run report collects.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bankflow import lake, publish
from bankflow.schemas import FEEDS
from include import config

log = logging.getLogger("bank.nightly")


class GateFailed(RuntimeError):
    """Bronze refused more of a feed than the run tolerates."""


def business_date(
    logical_date: datetime | None, run_after: datetime | None, conf: dict | None
) -> str:
    """The business day a run builds.

    A ``business_date`` in the run's conf wins (a replay of one day). A
    scheduled run builds the day its logical date falls on: the timetable's
    interval for day D starts on D and the run starts once D is over. A manual
    run without a logical date (Airflow 3 allows them) builds the last whole
    day before it was triggered.
    """
    if conf and conf.get("business_date"):
        return date.fromisoformat(str(conf["business_date"])).isoformat()
    if logical_date is not None:
        return logical_date.astimezone(UTC).date().isoformat()
    when = (run_after or datetime.now(UTC)).astimezone(UTC)
    return (when.date() - timedelta(days=1)).isoformat()


def plan(logical_date, run_after, conf, run_id: str) -> dict:
    settings = config.run_settings()
    day = business_date(logical_date, run_after, conf)
    events = int((conf or {}).get("events") or settings.events)
    plan = {
        "day": day,
        "run_id": run_id,
        "lake_root": settings.lake_root,
        "duckdb_path": settings.duckdb_path,
        "events": events,
        "seed": settings.seed,
        "dbt_target": config.DBT_TARGET,
        "spark_mode": config.SPARK_MODE,
        "landing_mode": config.LANDING_MODE,
        "bronze_groups": config.BRONZE_GROUPS,
        "quarantine_max_share": settings.quarantine_max_share,
        "quarantine_min_records": settings.quarantine_min_records,
        "redis_ttl_seconds": settings.redis_ttl_seconds,
        "publish_batch": settings.publish_batch,
    }
    log.info(
        "plan %s: business day %s, lake %s, dbt target %s, spark %s",
        run_id,
        day,
        settings.lake_root,
        config.DBT_TARGET,
        config.SPARK_MODE,
    )
    return plan


def land_day(plan: dict) -> dict:
    """Locally the simulator delivers the day; in production the feeds must be there."""
    started = time.monotonic()
    day, root = plan["day"], plan["lake_root"]
    if plan["landing_mode"] == "simulate":
        from bankflow.simulator import generate_day

        manifest = generate_day(day, events=plan["events"], seed=plan["seed"], lake=root)
        summary = {"mode": "simulate", "events": plan["events"], "manifest": manifest}
    else:
        missing = [
            f.name
            for f in FEEDS
            if not os.path.exists(lake.landing_file(f.source, f.table, day, root))
        ]
        if missing:
            raise FileNotFoundError(
                f"day {day} is not fully delivered: no landing file yet "
                f"for {', '.join(missing)}; the task retries"
            )
        summary = {"mode": "check", "feeds": len(FEEDS)}
    summary["seconds"] = round(time.monotonic() - started, 2)
    log.info("land %s: %s, %.1fs", day, summary["mode"], summary["seconds"])
    return summary


def bronze_command(plan: dict, sources: list[str]) -> tuple[list[str], dict]:
    """The command and environment that run Spark bronze for ``sources``."""
    args = ["--day", plan["day"], "--lake", plan["lake_root"], "--sources", *sources]
    env = {**os.environ, "BANK_LAKE_ROOT": plan["lake_root"]}
    if config.SPARK_MODE == "submit":
        spec = importlib.util.find_spec("bankflow.bronze.__main__")
        script = spec.origin if spec else None
        if not script:
            raise RuntimeError("bankflow.bronze is not installed where this worker runs")
        return (
            [
                "spark-submit",
                "--master",
                config.SPARK_MASTER,
                "--name",
                f"bank-bronze-{plan['day']}",
                script,
                *args,
            ],
            env,
        )
    if config.SPARK_MODE == "connect":
        if not config.SPARK_REMOTE:
            raise RuntimeError("BANK_SPARK_MODE=connect needs BANK_SPARK_REMOTE=sc://host:port")
        env["BANK_SPARK_REMOTE"] = config.SPARK_REMOTE  # bankflow.spark reads it
    else:
        env.pop("BANK_SPARK_REMOTE", None)
        env["BANK_SPARK_MASTER"] = config.SPARK_MASTER
    return [sys.executable, "-m", "bankflow.bronze", *args], env


def bronze(plan: dict, sources: list[str]) -> dict:
    """Spark bronze for some sources, in a process of its own.

    A process per task keeps the JVM's memory out of the worker, ends Spark
    with the task, and makes a retry start clean.
    """
    started = time.monotonic()
    command, env = bronze_command(plan, sources)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    for line in (done.stdout + done.stderr).splitlines()[-40:]:
        log.info("bronze | %s", line)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(
            f"Spark bronze for {', '.join(sources)} on {plan['day']} "
            f"exited {done.returncode}:\n{tail}"
        )
    seconds = round(time.monotonic() - started, 2)
    log.info("bronze %s %s: done in %.1fs", plan["day"], ",".join(sources), seconds)
    return {"sources": sources, "seconds": seconds}


def _feed_counts(report: dict) -> dict[str, dict]:
    """Read, written and quarantined counts per feed from the bronze run report."""
    feeds = report.get("feeds", report)
    if isinstance(feeds, list):
        feeds = {f.get("feed") or f"{f['source']}.{f['table']}": f for f in feeds}
    counts = {}
    for name, f in feeds.items():
        if not isinstance(f, dict) or "read" not in f:
            continue
        quarantined = f.get("quarantined", 0)
        by_reason = f.get("quarantined_by_reason") or f.get("reasons") or {}
        if isinstance(quarantined, dict):
            by_reason, quarantined = quarantined, sum(quarantined.values())
        counts[name] = {
            "read": int(f["read"]),
            "written": int(f.get("written", 0)),
            "quarantined": int(quarantined),
            "by_reason": by_reason,
        }
    return counts


def bronze_gate(plan: dict) -> dict:
    """Fail the night when bronze refused more than the allowed share of any feed."""
    path = lake.report_file("bronze", plan["day"], plan["lake_root"])
    if not os.path.exists(path):
        raise GateFailed(f"no bronze run report at {path}: did bronze run for {plan['day']}?")
    counts = _feed_counts(json.loads(Path(path).read_text()))
    if not counts:
        raise GateFailed(f"the bronze run report {path} lists no feed")
    limit, floor = plan["quarantine_max_share"], plan["quarantine_min_records"]
    over = []
    for name, c in sorted(counts.items()):
        share = c["quarantined"] / c["read"] if c["read"] else 0.0
        c["share"] = round(share, 4)
        # A feed of a handful of records (payees added on a quiet day) is
        # not judged alone: one bad line would be a large share of it.
        if share > limit and c["read"] >= floor:
            reasons = ", ".join(f"{r}={n}" for r, n in sorted(c["by_reason"].items()))
            over.append(
                f"{name}: {c['quarantined']} of {c['read']} quarantined "
                f"({share:.1%}; {reasons or 'no reasons'})"
            )
    read = sum(c["read"] for c in counts.values())
    quarantined = sum(c["quarantined"] for c in counts.values())
    log.info(
        "bronze gate %s: %d feeds, %d read, %d quarantined (%.2f%%), limit %.1f%%",
        plan["day"],
        len(counts),
        read,
        quarantined,
        100 * quarantined / read if read else 0,
        100 * limit,
    )
    if read and quarantined / read > limit:
        over.append(f"all feeds: {quarantined} of {read} quarantined")
    if over:
        raise GateFailed(
            f"bronze quarantine above {limit:.1%} on {plan['day']}: " + "; ".join(over)
        )
    return {"feeds": counts, "read": read, "quarantined": quarantined, "limit": limit}


def land_alerts(plan: dict) -> dict:
    """The day's real-time alerts from Redis into the lake, for the dbt reconciliation."""
    from bankflow.alerts import land_alerts as land

    started = time.monotonic()
    result = land(config.redis_url(), plan["day"], lake=plan["lake_root"])
    seconds = round(time.monotonic() - started, 2)
    log.info("alerts %s: %s alerts landed from Redis, %.1fs", plan["day"], result, seconds)
    return {
        "result": result if isinstance(result, dict | int | str) else str(result),
        "seconds": seconds,
    }


def publish_redis(plan: dict) -> dict:
    """Segments, baselines and account owners of the night to Redis, then the pointer."""
    sources = {}
    for family in publish.FAMILIES:
        if config.DBT_ADAPTER == "duckdb":
            sources[family.name] = publish.duckdb_rows(
                plan["duckdb_path"], family, plan["publish_batch"]
            )
        else:
            sources[family.name] = publish.dbt_rows(
                family,
                str(config.DBT_PROJECT_DIR),
                str(config.DBT_PROFILES_DIR),
                config.DBT_TARGET,
                {"business_date": plan["day"]},
            )
    return publish.publish(
        config.redis_url(),
        plan["day"],
        sources,
        ttl_seconds=plan["redis_ttl_seconds"],
        batch_size=plan["publish_batch"],
        run_id=plan["run_id"],
    )


def run_report(plan: dict | None, steps: dict, states: dict[str, str]) -> dict:
    """Write the run's audit record; fail if any step did not succeed."""
    failed = sorted(t for t, s in states.items() if s not in ("success", "skipped"))
    day = (plan or {}).get("day", "unknown")
    root = (plan or {}).get("lake_root") or lake.root()
    report = {
        "dag_id": config.DAG_ID,
        "run_id": (plan or {}).get("run_id"),
        "business_date": day,
        "status": "failed" if failed else "success",
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "plan": plan,
        "steps": steps,
        "task_states": states,
        "failed_tasks": failed,
    }
    path = lake.report_file("nightly", day, root)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp"
    Path(tmp).write_text(json.dumps(report, indent=2, default=str) + "\n")
    os.replace(tmp, path)
    log.info(
        "report %s: %s, %d tasks, %d not successful, written to %s",
        day,
        report["status"],
        len(states),
        len(failed),
        path,
    )
    if failed:
        raise RuntimeError(
            f"the night of {day} failed at {', '.join(failed)}; its report is {path}"
        )
    return {"path": path, "status": report["status"]}
