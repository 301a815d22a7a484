"""A backfill of several days builds the same gold tables as those days run one by one.

Real Airflow metadata database on SQLite, Spark bronze, dbt on DuckDB, Redis.
Two lakes and warehouses, the same three small days in each:

- **one by one**: a manual run per day, in date order, each with the day in
  its conf and no logical date (how an operator reruns nights by hand), with
  ``dag.test()``;
- **backfill**: Airflow's own backfill (``airflow.models.backfill``, what
  ``airflow backfill create`` and the REST API call) creates the runs from
  the DAG's timetable; a scheduler would then start them one at a time in
  date order (``max_active_runs=1``). There is no scheduler in a test
  process, so each backfill run is driven in that order with the loop
  ``dag.test()`` uses (its helper ``_run_task`` per ready task instance).

After each day the gold tables (the marts and the segmentation) and the SCD2
snapshots are compared, row for row.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bankflow import lake, redis_local
from tests.dags import nights

pytestmark = pytest.mark.slow

DAYS = ("2026-10-05", "2026-10-06", "2026-10-07")
EVENTS = 1000


@pytest.fixture(scope="module")
def backfill_env(tmp_path_factory, airflow_db, dbt_manifest):
    folder = tmp_path_factory.mktemp("backfill")
    server = redis_local.start(folder / "redis")
    settings = {"BANK_REDIS_URL": server.url, "BANK_EVENTS": str(EVENTS)}
    # use_warehouse() sets the lake and the DuckDB file per side.
    with nights.environment(settings, also_restore=("BANK_LAKE_ROOT", "BANK_DUCKDB_PATH")):
        yield {"folder": folder, "manifest": json.loads(dbt_manifest.read_text())}
    server.stop()


@pytest.fixture(scope="module")
def nightly(backfill_env):
    return nights.nightly_dag()


def use_warehouse(env: dict, name: str) -> tuple[str, str]:
    """Point the run settings at a lake and DuckDB file of their own."""
    root, duckdb = str(env["folder"] / name / "lake"), str(env["folder"] / name / "wh.duckdb")
    os.environ.update({"BANK_LAKE_ROOT": root, "BANK_DUCKDB_PATH": duckdb})
    return root, duckdb


def gold_relations(manifest: dict) -> list[str]:
    """The marts, the segmentation models and the snapshots of the project."""
    out = []
    for node in manifest["nodes"].values():
        if node["package_name"] != "bank" or node["config"].get("materialized") == "ephemeral":
            continue
        gold = node["resource_type"] == "model" and node["path"].startswith(
            ("marts/", "segmentation/")
        )
        if gold or node["resource_type"] == "snapshot":
            out.append(node["name"])
    return sorted(out)


def failed(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances() if ti.state != "success"}


def drive_run(dag, run_id: str) -> str:
    """Run one queued DAG run to its end in this process, as ``dag.test()`` runs its own."""
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from airflow.sdk.definitions.dag import _run_task
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.utils import timezone
    from airflow.utils.state import DagRunState, TaskInstanceState

    scheduler_dag = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    session = settings.Session()
    run = session.query(DagRun).filter_by(dag_id=dag.dag_id, run_id=run_id).one()
    run.dag = scheduler_dag
    run.state, run.start_date = DagRunState.RUNNING, timezone.utcnow()
    session.commit()
    while run.state == DagRunState.RUNNING:
        session.expire_all()
        ready, _ = run.update_state(session=session)
        for ti in ready:
            if ti.state != TaskInstanceState.UP_FOR_RESCHEDULE:
                ti.try_number += 1
            ti.state, ti.scheduled_dttm = TaskInstanceState.SCHEDULED, timezone.utcnow()
        session.commit()
        scheduled = [
            ti
            for ti in run.get_task_instances(session=session)
            if ti.state == TaskInstanceState.SCHEDULED
        ]
        if not scheduled:
            time.sleep(1)  # rescheduled sensors wait for their next poke
        for ti in scheduled:
            _run_task(ti=ti, task=dag.task_dict[ti.task_id], run_triggerer=True)
    state = str(run.state)
    session.close()
    return state


def test_a_backfill_builds_the_same_gold_tables_as_the_days_one_by_one(nightly, backfill_env):
    from airflow.models.backfill import BackfillDagRun, _create_backfill
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunType

    relations = gold_relations(backfill_env["manifest"])

    # One by one: a manual run per day, the day in its conf.
    root, duckdb = use_warehouse(backfill_env, "one-by-one")
    one_by_one = []
    for day in DAYS:
        run = nightly.test(logical_date=None, run_conf={"business_date": day})
        assert run.state == "success", (day, failed(run))
        one_by_one.append(nights.fingerprint(duckdb, relations))
    published = ("customer_segments", "customer_baselines", "dim_accounts")
    assert all(one_by_one[-1][name][0] > 0 for name in published), one_by_one[-1]

    # The backfill, as `airflow backfill create --from-date 2026-10-05
    # --to-date 2026-10-07T02:00` asks for it. A run's logical date is the
    # 02:00 start of its day's interval and the range takes logical dates
    # from..to, so a bare `--to-date 2026-10-07` (midnight) would stop at
    # 2026-10-06.
    root, duckdb = use_warehouse(backfill_env, "backfill")
    backfill = _create_backfill(
        dag_id=nightly.dag_id,
        from_date=datetime.fromisoformat(DAYS[0]).replace(tzinfo=UTC),
        to_date=datetime.fromisoformat(DAYS[-1]).replace(hour=2, tzinfo=UTC),
        max_active_runs=1,
        reverse=False,
        dag_run_conf=None,
        triggering_user_name="test_backfill",
    )
    with create_session() as session:
        runs = (
            session.query(DagRun.run_id, DagRun.logical_date, DagRun.run_type)
            .join(BackfillDagRun, BackfillDagRun.dag_run_id == DagRun.id)
            .filter(BackfillDagRun.backfill_id == backfill.id)
            .order_by(BackfillDagRun.sort_ordinal)
            .all()
        )
    assert [r.logical_date.date().isoformat() for r in runs] == list(DAYS)
    assert {r.run_type for r in runs} == {DagRunType.BACKFILL_JOB}

    for (run_id, _, _), day, expected in zip(runs, DAYS, one_by_one, strict=True):
        assert drive_run(nightly, run_id) == "success", day
        report = json.loads(Path(lake.report_file("nightly", day, root)).read_text())
        assert report["business_date"] == day and report["status"] == "success"
        got = nights.fingerprint(duckdb, relations)
        differ = sorted(name for name in relations if got[name] != expected[name])
        assert not differ, f"{day}: the backfill differs from one by one in {differ}"
