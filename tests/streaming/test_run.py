"""The command line on the simulator's real live mode (plain-Python engine, no JVM)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bankflow import schemas
from streaming.run import main

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_run_streams_a_simulated_day_and_reports_quality(redis_url, lake, tmp_path, capsys):
    out = tmp_path / "summary.json"
    assert (
        main(
            [
                "--day",
                "2026-11-02",
                "--lake",
                str(lake),
                "--events",
                "4000",
                "--engine",
                "python",
                "--rate",
                "0",
                "--duration",
                "0",
                "--redis-url",
                redis_url,
                "--json",
                str(out),
            ]
        )
        == 0
    )
    s = json.loads(out.read_text())
    assert s["producer"]["events"] > 3000
    assert s["scored"] > 2000 and s["latency"]["count"] == s["scored"]
    assert s["deadletters"] > 0 and set(s["deadletter_reasons"]) <= {
        *schemas.REJECT_REASONS,
        "duplicate",
    }
    # Every refused line of the day's ground truth is dead-lettered with the reason
    # bronze gives it; every re-delivery is caught as a duplicate.
    bad = [
        json.loads(line)
        for line in (lake / "ground_truth" / "2026-11-02" / "bad_records.jsonl")
        .read_text()
        .splitlines()
    ]
    expected = Counter(b["expected"] for b in bad if b["expected"] != "silver")
    expected["duplicate"] = sum(1 for b in bad if b["kind"] == "duplicate")
    assert Counter(s["deadletter_reasons"]) == +expected

    q = s["quality"]
    assert set(q["scenarios"]) == {
        "account_takeover",
        "card_testing",
        "impossible_travel",
        "velocity_burst",
        "mule_account",
    }
    for scenario, v in q["scenarios"].items():
        assert v["recall"] >= 0.9, scenario
    assert q["precision"] >= 0.8
    printed = capsys.readouterr().out
    assert "precision" in printed and "p99" in printed
