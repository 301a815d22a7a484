"""The nightly steps on their own: the quality gate, the Spark command, landing, the report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bankflow import lake as lake_paths
from bankflow.schemas import FEEDS


def plan_for(lake: Path, **overrides) -> dict:
    plan = {
        "day": "2026-11-02",
        "run_id": "manual__t",
        "lake_root": str(lake),
        "quarantine_max_share": 0.10,
        "quarantine_min_records": 100,
        "landing_mode": "check",
        "events": 10,
        "seed": 7,
    }
    return {**plan, **overrides}


def bronze_report(lake: Path, feeds: dict[str, tuple[int, dict[str, int]]]) -> None:
    """A run report as bankflow.bronze writes it: read and quarantine reasons per feed."""
    report = {
        "layer": "bronze",
        "day": "2026-11-02",
        "feeds": {
            name: {
                "read": read,
                "written": read - sum(reasons.values()),
                "quarantined": sum(reasons.values()),
                "quarantined_by_reason": reasons,
            }
            for name, (read, reasons) in feeds.items()
        },
    }
    path = Path(lake_paths.report_file("bronze", "2026-11-02", str(lake)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report))


def test_the_gate_passes_a_normal_day_and_counts_it(lake):
    from include import steps

    bronze_report(
        lake,
        {
            "core_banking.postings": (10_000, {"malformed_json": 40}),
            "online_banking.payees": (7, {"wrong_type": 3}),
        },
    )

    result = steps.bronze_gate(plan_for(lake))

    assert result["read"] == 10_007 and result["quarantined"] == 43
    assert result["feeds"]["online_banking.payees"]["share"] == pytest.approx(3 / 7, abs=1e-4)


def test_the_gate_fails_a_broken_feed_with_its_counts_and_reasons(lake):
    from include import steps

    bronze_report(
        lake,
        {
            "core_banking.postings": (10_000, {"malformed_json": 40}),
            "mobile_app.logins": (1_000, {"wrong_type": 150, "missing_field": 20}),
        },
    )

    with pytest.raises(steps.GateFailed) as error:
        steps.bronze_gate(plan_for(lake))

    message = str(error.value)
    assert "mobile_app.logins: 170 of 1000 quarantined (17.0%" in message
    assert "missing_field=20, wrong_type=150" in message
    assert "core_banking.postings" not in message


def test_the_gate_fails_without_a_bronze_report(lake):
    from include import steps

    with pytest.raises(steps.GateFailed, match="no bronze run report"):
        steps.bronze_gate(plan_for(lake))


def test_landing_in_check_mode_names_the_feeds_not_delivered(lake):
    from include import steps

    for feed in FEEDS[:-2]:
        path = Path(lake_paths.landing_file(feed.source, feed.table, "2026-11-02", str(lake)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    with pytest.raises(FileNotFoundError) as error:
        steps.land_day(plan_for(lake))
    assert FEEDS[-1].name in str(error.value) and FEEDS[0].name not in str(error.value)


def test_spark_runs_locally_by_submit_or_through_connect_by_configuration(lake, monkeypatch):
    from include import config, steps

    plan = plan_for(lake)
    command, env = steps.bronze_command(plan, ["branch"])
    assert command[1:4] == ["-m", "bankflow.bronze", "--day"]
    assert env["BANK_SPARK_MASTER"] == "local[*]" and "BANK_SPARK_REMOTE" not in env

    monkeypatch.setattr(config, "SPARK_MODE", "submit")
    monkeypatch.setattr(config, "SPARK_MASTER", "spark://spark-master:7077")
    command, _ = steps.bronze_command(plan, ["branch", "mobile_app"])
    assert command[:3] == ["spark-submit", "--master", "spark://spark-master:7077"]
    assert command[5].endswith("bankflow/bronze/__main__.py")
    assert command[-3:] == ["--sources", "branch", "mobile_app"]

    monkeypatch.setattr(config, "SPARK_MODE", "connect")
    monkeypatch.setattr(config, "SPARK_REMOTE", "")
    with pytest.raises(RuntimeError, match="BANK_SPARK_REMOTE"):
        steps.bronze_command(plan, ["branch"])
    monkeypatch.setattr(config, "SPARK_REMOTE", "sc://spark-connect:15002")
    _, env = steps.bronze_command(plan, ["branch"])
    assert env["BANK_SPARK_REMOTE"] == "sc://spark-connect:15002"


def test_the_run_report_is_written_even_for_a_failed_night(lake):
    from include import steps

    plan = plan_for(lake)
    with pytest.raises(RuntimeError, match="failed at publish_redis"):
        steps.run_report(
            plan, {"publish_redis": None}, {"plan": "success", "publish_redis": "failed"}
        )

    path = lake_paths.report_file("nightly", "2026-11-02", str(lake))
    report = json.loads(Path(path).read_text())
    assert report["status"] == "failed" and report["failed_tasks"] == ["publish_redis"]
    assert not os.path.exists(f"{path}.tmp")

    assert steps.run_report(plan, {}, {"plan": "success"})["status"] == "success"
