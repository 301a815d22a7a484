"""The nightly DAG end to end on a small day: real Airflow, Spark, dbt on DuckDB and Redis.

One module-wide lake, warehouse and Redis server, used in order: a first
night, its rerun, then a night during which Redis is down. Each run is
``dag.test()`` against a SQLite metadata database, as ``make nightly`` does
through ``airflow dags test``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from bankflow import lake, publish, redis_local
from tests.dags import nights

DUCKDB_PATH = os.environ["BANK_DUCKDB_PATH"]  # the scratch warehouse of conftest.py
pytestmark = pytest.mark.slow

DAY1, DAY2 = "2026-11-02", "2026-11-03"
EVENTS = 3000
GOLD = ("customer_segments", "customer_baselines", "dim_accounts")
BEFORE_PUBLISH = r"^(land_day|bronze|bronze_quality_gate|land_alerts|dbt\..*)$"


@pytest.fixture(scope="module")
def night_env(tmp_path_factory, airflow_db, dbt_manifest):
    """The lake, Redis and settings the module's runs share."""
    folder = tmp_path_factory.mktemp("nightly")
    server = redis_local.start(folder / "redis")
    settings = {
        "BANK_LAKE_ROOT": str(folder / "lake"),
        "BANK_REDIS_URL": server.url,
        "BANK_EVENTS": str(EVENTS),
    }
    env = {"lake": str(folder / "lake"), "redis": server, "folder": folder}
    with nights.environment(settings):
        yield env
    env["redis"].stop()  # a test may have replaced the server with a restarted one


@pytest.fixture(scope="module")
def nightly(night_env):
    return nights.nightly_dag()


def run_night(dag, day: str, **kwargs):
    logical = datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)
    run = dag.test(logical_date=logical, **kwargs)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    return run, states


def gold_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a digest of the sorted rows of each published gold table."""
    return nights.fingerprint(DUCKDB_PATH, GOLD)


def redis_snapshot(url: str, day: str) -> dict[str, dict]:
    client = redis.Redis.from_url(url, decode_responses=True)
    return {
        k: client.hgetall(k)
        for family in publish.FAMILIES
        for k in client.scan_iter(match=family.pattern(day), count=1000)
    }


def test_a_night_lands_in_gold_and_redis(nightly, night_env):
    run, states = run_night(nightly, DAY1)

    failed = {t: s for t, s in states.items() if s != "success"}
    assert run.state == "success", failed
    assert sum(t.startswith("dbt.") for t in states) > 10

    gold = gold_fingerprint()
    assert all(count > 0 for count, _ in gold.values()), gold
    client = redis.Redis.from_url(night_env["redis"].url, decode_responses=True)
    assert client.get("bank:nightly:current") == DAY1
    keys = redis_snapshot(night_env["redis"].url, DAY1)
    for family in publish.FAMILIES:
        published = [k for k in keys if k.startswith(f"bank:{family.name}:")]
        assert len(published) == gold[family.model][0], family.name
    some_customer = next(k for k in keys if k.startswith("bank:segment:")).rsplit(":", 1)[1]
    assert publish.read_segment(client, some_customer)["segment"]

    report = json.loads(Path(lake.report_file("nightly", DAY1, night_env["lake"])).read_text())
    assert report["status"] == "success" and report["business_date"] == DAY1
    assert report["steps"]["bronze_quality_gate"]["read"] > EVENTS / 2
    assert report["steps"]["publish_redis"]["current"] == DAY1
    night_env["first"] = (gold, keys)


def test_a_rerun_of_the_same_night_gives_the_same_result(nightly, night_env):
    if "first" not in night_env:
        pytest.skip("needs the first night")
    run, states = run_night(nightly, DAY1)

    assert run.state == "success", {t: s for t, s in states.items() if s != "success"}
    gold, keys = night_env["first"]
    assert gold_fingerprint() == gold
    assert redis_snapshot(night_env["redis"].url, DAY1) == keys


def test_a_night_with_redis_down_fails_publish_and_keeps_the_last_night(nightly, night_env):
    if "first" not in night_env:
        pytest.skip("needs the first night")
    server = night_env["redis"]
    # Redis goes down, saving to disk so that it can come back with the last night.
    redis.Redis.from_url(server.url).shutdown(save=True)
    server.process.wait(10)

    # Only publishing is under test here: the steps before it are marked
    # done (the warehouse still holds the first night's tables), which keeps
    # the suite within minutes on a loaded machine.
    run, states = run_night(nightly, DAY2, mark_success_pattern=BEFORE_PUBLISH)

    assert run.state == "failed"
    assert states["publish_redis"] == "failed"
    assert states["run_report"] == "failed"
    report = json.loads(Path(lake.report_file("nightly", DAY2, night_env["lake"])).read_text())
    assert report["status"] == "failed" and "publish_redis" in report["failed_tasks"]

    restarted = redis_local.start(server.folder, port=server.port)
    night_env["redis"] = restarted
    os.environ["BANK_REDIS_URL"] = restarted.url
    client = redis.Redis.from_url(restarted.url, decode_responses=True)
    assert client.get("bank:nightly:current") == DAY1
    assert redis_snapshot(restarted.url, DAY1) == night_env["first"][1]
    assert redis_snapshot(restarted.url, DAY2) == {}
