"""Landing the day's alerts from the Redis stream into the lake."""

from __future__ import annotations

import json
from pathlib import Path

import redis

from bankflow import lake as lake_paths
from bankflow.alerts import COLUMNS, land_alerts
from bankflow.schemas import BY_NAME
from streaming.detectors import Score
from streaming.parse import normalize
from streaming.sink import RedisSink
from tests.streaming.builders import posting


def alert(event_at: str, event_id: str) -> Score:
    r = posting(0, "acc-1", 900.0) | {"event_at": event_at, "event_id": event_id}
    e = normalize(BY_NAME["core_banking.postings"], r, 1)
    return Score(e, 0.91, ["card_testing", "no_baseline"], True, "rules-test", 0.91, 1)


def test_land_alerts_writes_the_day_once_and_always(redis_url, lake):
    sink = RedisSink(redis_url)
    sink.write(alert("2026-11-02T10:00:00Z", "ev-b"))
    sink.write(alert("2026-11-02T09:00:00Z", "ev-a"))
    sink.write(alert("2026-11-03T00:00:01Z", "ev-next-day"))
    sink.write(alert("2026-11-02T10:00:00Z", "ev-b"))  # a replay: not appended twice
    assert redis.Redis.from_url(redis_url).xlen("bank:fraud:alerts") == 3

    assert land_alerts(redis_url, "2026-11-02") == 2
    path = Path(lake_paths.alerts_file("2026-11-02"))
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["event_id"] for r in rows] == ["ev-a", "ev-b"]
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["reasons"] == ["card_testing", "no_baseline"]
    assert rows[0]["score"] == 0.91 and rows[0]["account_id"] == "acc-1"
    assert rows[0]["scored_at"].endswith("Z")
    first = path.read_text()
    assert land_alerts(redis_url, "2026-11-02") == 2
    assert path.read_text() == first, "a rerun gives the same file"

    assert land_alerts(redis_url, "2026-11-01") == 0
    assert Path(lake_paths.alerts_file("2026-11-01")).read_text() == ""
