"""The nightly DAG parses cleanly and has the tasks and order the run needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dagbag(dbt_manifest):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


@pytest.fixture(scope="module")
def nightly(dagbag):
    return dagbag.dags["bank_nightly"]


@pytest.fixture(scope="module")
def manifest(dbt_manifest):
    return json.loads(dbt_manifest.read_text())


def test_every_dag_file_imports_and_include_is_not_parsed(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"bank_nightly"}
    assert not any("/include/" in path for path in dagbag.file_last_changed)
    assert not list((REPO / "dags").glob("dbt_*.py")), "dbt's plugin search would load it"


def test_the_steps_run_in_order(nightly):
    task = nightly.task_dict

    def down(task_id: str) -> set[str]:
        return task[task_id].downstream_task_ids - {"run_report"}

    assert down("plan") >= {"land_day", "land_alerts", "bronze"}
    assert down("land_day") == {"bronze"}
    assert down("bronze") == {"bronze_quality_gate"}
    assert task["publish_redis"].downstream_task_ids == {"run_report"}
    assert task["run_report"].trigger_rule == "all_done"
    assert task["run_report"].upstream_task_ids == set(task) - {"run_report"}

    dbt_tasks = {t for t in task if t.startswith("dbt.")}
    roots = {t for t in dbt_tasks if not task[t].upstream_task_ids & dbt_tasks}
    leaves = {t for t in dbt_tasks if not task[t].downstream_task_ids & dbt_tasks}
    assert roots and leaves
    for root in roots:
        assert {"bronze_quality_gate", "land_alerts"} <= task[root].upstream_task_ids
    assert task["publish_redis"].upstream_task_ids >= leaves
    assert task["publish_redis"].upstream_task_ids - leaves == {"plan"}


def test_a_cosmos_task_per_seed_snapshot_model_and_model_tests(nightly, manifest):
    task_ids = set(nightly.task_dict)
    nodes = [n for n in manifest["nodes"].values() if n["package_name"] == "bank"]
    tested = {
        dep for n in nodes if n["resource_type"] == "test" for dep in n["depends_on"]["nodes"]
    }
    assert any(n["resource_type"] == "model" for n in nodes)
    for node in nodes:
        name, kind = node["name"], node["resource_type"]
        if kind == "model" and node["config"]["materialized"] == "ephemeral":
            continue
        if kind in ("model", "seed", "snapshot"):
            verb = {"model": "run", "seed": "seed", "snapshot": "snapshot"}[kind]
            if node["unique_id"] in tested:
                # tests right after their model, in the model's own group
                assert f"dbt.{name}.{verb}" in task_ids, name
                assert f"dbt.{name}.test" in task_ids, name
                run, test = nightly.task_dict[f"dbt.{name}.{verb}"], f"dbt.{name}.test"
                assert test in run.downstream_task_ids
            else:
                assert f"dbt.{name}_{verb}" in task_ids, name


def test_one_dbt_build_and_a_watching_task_per_node_and_per_model_tests(nightly, manifest):
    """Watcher mode: the producer builds, every node's task reports what dbt did to it."""
    from cosmos.operators.watcher import DbtConsumerWatcherSensor, DbtProducerWatcherOperator
    from include import config

    assert config.DBT_EXECUTION == "watcher"
    task = nightly.task_dict
    producer = task["dbt.dbt_producer_watcher"]
    assert isinstance(producer, DbtProducerWatcherOperator)
    assert producer.upstream_task_ids == {"bronze_quality_gate", "land_alerts"}
    assert "dbt.dbt_producer_watcher_done" in producer.downstream_task_ids

    sensors = [t for tid, t in task.items() if tid.startswith("dbt.") and t is not producer]
    sensors = [t for t in sensors if t.task_id != "dbt.dbt_producer_watcher_done"]
    assert sensors and all(isinstance(t, DbtConsumerWatcherSensor) for t in sensors)
    # dag.test() runs one task at a time: a deferred sensor's trigger would run
    # inline and wait for a producer that cannot start; rescheduled, it yields.
    assert all(not t.deferrable and t.mode == "reschedule" for t in sensors)
    assert {t.producer_task_id for t in sensors} == {"dbt.dbt_producer_watcher"}

    # Every test of the project is reported by the test task of each model it
    # reads: none is left to a task of its own that nobody would report to.
    tests = [
        n
        for n in manifest["nodes"].values()
        if n["package_name"] == "bank" and n["resource_type"] == "test"
    ]
    watched = {model: set(ids) for model, ids in producer.tests_per_model.items()}
    for test in tests:
        for parent in test["depends_on"]["nodes"]:
            if parent.split(".")[0] in ("model", "seed", "snapshot"):
                assert test["unique_id"] in watched.get(parent, set()), (test["name"], parent)
    assert not [t for t in task if t.startswith(("dbt.relationships_", "dbt.assert_"))]


def test_dbt_tasks_take_the_single_duckdb_writer_slot_and_the_run_day(nightly):
    dbt_tasks = [
        t
        for tid, t in nightly.task_dict.items()
        if tid.startswith("dbt.") and tid != "dbt.dbt_producer_watcher_done"
    ]
    # The producer writes; a sensor writes too when a retry runs its node alone.
    assert {t.pool for t in dbt_tasks} == {"bank_duckdb_writer"}
    assert all(
        t.vars["business_date"].startswith("{{ ti.xcom_pull(task_ids='plan')") for t in dbt_tasks
    )
    assert nightly.max_active_runs == 1


def test_bronze_is_one_spark_application_locally(nightly):
    from include import config

    assert config.SPARK_MODE == "local"
    assert config.BRONZE_GROUPS == [["core_banking", "online_banking", "mobile_app", "branch"]]


def test_business_date_comes_from_the_logical_date_or_the_conf():
    from include.steps import business_date

    night = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    assert business_date(night, None, {}) == "2026-11-02"
    assert business_date(night, None, {"business_date": "2026-10-30"}) == "2026-10-30"
    # A manual run with no logical date builds the last whole day.
    assert business_date(None, datetime(2026, 11, 3, 9, 30, tzinfo=UTC), None) == "2026-11-02"
    with pytest.raises(ValueError):
        business_date(night, None, {"business_date": "02/11/2026"})
