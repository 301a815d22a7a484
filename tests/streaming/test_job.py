"""The Flink job end to end, on a real mini-cluster and a real Redis server."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
import redis

from streaming.consumer import Consumer
from streaming.job import ConnectorMissing, JobConfig, run
from tests.streaming import stream as test_stream
from tests.streaming.builders import DAY

pytestmark = [pytest.mark.stream, pytest.mark.slow, pytest.mark.timeout(300)]


def scores(client: redis.Redis) -> dict[str, dict]:
    out = {}
    for key in client.scan_iter("bank:fraud:score:*", count=1000):
        out[key.split(":", 3)[3]] = client.hgetall(key)
    return out


def event_id(line: str) -> str | None:
    try:
        return json.loads(json.loads(line)["value"]).get("event_id")
    except (ValueError, KeyError, AttributeError):
        return None


def check_against_truth(client: redis.Redis, s: test_stream.Stream) -> None:
    got = scores(client)
    assert set(got) == set(s.good), "every good event has its score, and only those"
    alerts = [fields["event_id"] for _, fields in client.xrange("bank:fraud:alerts")]
    assert len(alerts) == len(set(alerts)), "no alert twice"
    for scenario, ids in s.scenarios.items():
        assert ids & set(alerts), f"{scenario} raised no alert"
    assert set(alerts) <= s.labelled, f"alerts on quiet events: {set(alerts) - s.labelled}"
    for event_id in alerts:
        assert got[event_id]["alert"] == "1"
        assert float(got[event_id]["score"]) >= 0.7
    dead = [fields for _, fields in client.xrange("bank:fraud:deadletter")]
    assert Counter(d["reason"] for d in dead) == Counter(s.bad)


def test_job_scores_a_stream_end_to_end(serve, redis_url, tmp_path):
    s = test_stream.build()
    server = serve(s.lines, pace_s=0.002)
    run(
        JobConfig(
            redis_url=redis_url,
            port=server.port,
            day=DAY,
            run_id="e2e",
            checkpoint_dir=str(tmp_path / "chk"),
        )
    )
    server.join()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    check_against_truth(client, s)

    one = next(iter(s.scenarios["card_testing"]))
    fields = client.hgetall(f"bank:fraud:score:{one}")
    assert "no_baseline" in json.loads(fields["reasons"])  # no night was published
    assert fields["rule_version"].startswith("rules-")
    assert client.ttl(f"bank:fraud:score:{one}") > 6 * 86400
    risk = client.hgetall("bank:fraud:risk:acc-ct")
    assert float(risk["risk"]) >= 0.7 and int(risk["alerts"]) >= 1
    latency = client.hgetall("bank:fraud:latency:e2e")
    buckets = {k: v for k, v in latency.items() if k[0].isdigit() or k == "inf"}
    assert sum(int(v) for v in buckets.values()) == len(s.good)
    assert int(latency["scored"]) == len(s.good)
    assert int(latency["deadletters"]) == len(s.bad)

    # The plain-Python consumer, on the same stream, gives the same verdicts.
    other = redis_url.rsplit("/", 1)[0] + "/1"
    server = serve(s.lines)
    Consumer(other, DAY).run_socket("127.0.0.1", server.port)
    server.join()
    mine, theirs = scores(client), scores(redis.Redis.from_url(other, decode_responses=True))
    assert {k: (v["score"], v["reasons"]) for k, v in mine.items()} == {
        k: (v["score"], v["reasons"]) for k, v in theirs.items()
    }


def test_restart_from_a_checkpoint_loses_no_score_and_doubles_no_alert(redis_url, tmp_path):
    s = test_stream.build(seed=11)
    replay = tmp_path / "replay" / "envelopes.jsonl"
    replay.parent.mkdir()
    replay.write_text("\n".join(s.lines) + "\n")
    marker = tmp_path / "drill-failed"
    # Slow the parse a little so that checkpoints (every 200 ms) complete
    # while the stream runs; the drill fails the job from two thirds of the way
    # in, once a checkpoint is complete.
    run(
        JobConfig(
            redis_url=redis_url,
            source="replay",
            replay_path=str(replay),
            day=DAY,
            run_id="drill",
            checkpoint_dir=str(tmp_path / "chk"),
            checkpoint_interval_ms=200,
            drill_fail_at=len(s.lines) * 2 // 3,
            drill_marker=str(marker),
            drill_pause_ms=15,
        )
    )
    assert marker.exists(), "the drill did not fail the job"
    after = [
        int(line.rsplit(" ", 1)[1])
        for line in marker.read_text().splitlines()
        if line.startswith("read after restart")
    ]
    assert after and 0 < after[-1] < len(s.lines), f"did not resume from a checkpoint: {after}"
    check_against_truth(redis.Redis.from_url(redis_url, decode_responses=True), s)


def test_redis_outage_is_retried_and_no_score_is_lost(serve, redis_server, redis_url, tmp_path):
    import subprocess
    import time

    from bankflow.redis_local import server_binary

    s = test_stream.build(seed=3)
    conf = redis_server.folder / "redis.conf"
    state = {}

    def outage(i: int) -> None:
        if i == len(s.lines) // 3:
            redis_server.process.terminate()
            redis_server.process.wait(10)
            state["down_at"] = time.monotonic()
        elif i == len(s.lines) // 3 + 1:
            time.sleep(3)  # the job keeps receiving nothing; its last write is stuck
            # The same server, same port, same password: back after a few seconds.
            redis_server.process = subprocess.Popen(
                [server_binary(), str(conf)], stdout=subprocess.DEVNULL
            )
            client = redis.Redis.from_url(redis_url)
            for _ in range(100):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)

    server = serve(s.lines, pace_s=0.003, on_line=outage)
    run(
        JobConfig(
            redis_url=redis_url,
            port=server.port,
            day=DAY,
            run_id="outage",
            checkpoint_dir=str(tmp_path / "chk"),
        )
    )
    server.join()
    assert "down_at" in state
    # The server kept nothing through the restart (save ''), so what is in it
    # now was written after the outage: check the events from the outage on.
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    got = scores(client)
    after = [event_id(line) for line in s.lines[len(s.lines) // 3 :]]
    missing = [e for e in after if e in s.good and e not in got]
    assert not missing, f"scores lost in the outage: {missing[:5]}"
    # A write was held through the outage and retried, not dropped.
    assert float(client.hget("bank:fraud:latency:outage", "max")) >= 2000


@pytest.mark.parametrize(
    "kind,jar", [("kafka", "flink-sql-connector-kafka"), ("kinesis", "flink-sql-connector-kinesis")]
)
def test_production_sources_without_their_jar_stop_with_a_clear_message(kind, jar, redis_url):
    with pytest.raises(ConnectorMissing) as caught:
        run(JobConfig(redis_url=redis_url, source=kind, jars=[]))
    message = str(caught.value)
    assert jar in message and "pipeline.jars" in message and kind in message
    assert os.path.basename(jar) in message
