"""Run the fraud path locally: Redis, the simulator's live mode, the scorer; then the summary.

    python -m streaming.run --day 2026-11-02 [--rate 200] [--duration 60]
        [--events 200000] [--seed 42] [--lake PATH] [--redis-url URL]
        [--engine flink|python] [--source socket|replay|kafka|kinesis] [--jar URL]
        [--checkpoint-dir DIR] [--resume-from CHECKPOINT] [--warmup 0] [--json FILE]

Without ``--redis-url`` (or ``$BANK_REDIS_URL``) a local Redis is started for
the run and stopped after it. The socket source streams the simulator's live
mode at ``--rate`` events/s for ``--duration`` seconds (the day is generated
first if it is not landed); ``replay`` reads the landed day from a file;
``kafka`` and ``kinesis`` read production transports (their connector jars
are given with ``--jar``). Afterwards it prints what was scored, alerted and
dead-lettered, detection quality against the day's ground truth and the
latency percentiles, and stops everything it started.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import redis

from streaming import quality
from streaming.latency import Histogram

log = logging.getLogger("streaming.run")
REPO_ROOT = Path(__file__).resolve().parent.parent


class Producer:
    """The simulator's live mode (or, paced, streaming.producer) as a child process."""

    def __init__(
        self,
        day: str,
        rate: float,
        duration: float | None,
        events: int | None,
        seed: int | None,
        lake: str | None,
        paced: bool = False,
    ) -> None:
        module = ["streaming.producer"] if paced else ["bankflow.simulator", "live"]
        cmd = [
            sys.executable,
            "-m",
            *module,
            "--day",
            day,
            "--rate",
            str(rate),
            "--port",
            "0",
            "--accept-timeout",
            "300",
        ]
        options = [("--duration", duration), ("--lake", lake)]
        if not paced:
            options += [("--events", events), ("--seed", seed)]
        for flag, value in options:
            if value is not None:
                cmd += [flag, str(value)]
        self.process = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
        self.lines: list[str] = []
        self.port = self._wait_port()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _wait_port(self) -> int:
        for line in self.process.stderr:
            self.lines.append(line.rstrip())
            m = re.search(r"listening on [\d.]+:(\d+)", line)
            if m:
                return int(m.group(1))
        self.process.wait()
        raise RuntimeError("the simulator's live mode did not start: " + " | ".join(self.lines))

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line.rstrip())

    def finish(self, timeout: float = 60) -> dict:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(10)
        self.reader.join(5)
        stats = {"exit": self.process.returncode, "log": self.lines[-3:]}
        for line in self.lines:
            m = re.search(r"live: (\d+) events of (.*?) to .* in ([\d.]+) s", line)
            if m:
                stats.update(
                    events=int(m.group(1)), days=m.group(2).split(", "), seconds=float(m.group(3))
                )
        return stats

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def _stream_ids_since(client: redis.Redis, stream: str, since_ms: int) -> list[dict]:
    out, start = [], f"{since_ms}-0"
    while True:
        page = client.xrange(stream, min=start, max="+", count=10_000)
        out += [fields for _, fields in page]
        if len(page) < 10_000:
            return out
        start = "(" + page[-1][0]


def summarize(
    redis_url: str, run_id: str, started_ms: int, days: list[str], lake: str | None
) -> dict:
    """What the run scored, alerted and dead-lettered; quality; latency."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    run_hash = client.hgetall(f"bank:fraud:latency:{run_id}")
    hist = Histogram.from_hash(run_hash)
    alerts = _stream_ids_since(client, "bank:fraud:alerts", started_ms)
    dead = _stream_ids_since(client, "bank:fraud:deadletter", started_ms)
    reasons: dict[str, int] = {}
    for d in dead:
        reasons[d["reason"]] = reasons.get(d["reason"], 0) + 1
    out = {
        "run_id": run_id,
        "scored": int(run_hash.get("scored", 0)),
        "alerts": len(alerts),
        "deadletters": len(dead),
        "deadletter_reasons": dict(sorted(reasons.items())),
        "latency": hist.summary(),
    }

    # Quality over the instances the run streamed whole: every labelled event scored.
    truth = []
    for day in days:
        try:
            truth += quality.labels(day, lake)
        except FileNotFoundError:
            log.warning("no ground truth for %s: quality not measured", day)
    if truth:
        with client.pipeline(transaction=False) as p:
            for row in truth:
                p.exists(f"bank:fraud:score:{row['event_id']}")
            scored = p.execute()
        unscored = {
            r["instance_id"]
            for r, s in zip(truth, scored, strict=True)
            if not s and schema_scored(r["feed"])
        }
        out["quality"] = quality.evaluate({a["event_id"] for a in alerts}, truth, unscored)
        out["quality"]["instances_not_streamed_whole"] = len(unscored)
    client.close()
    return out


def schema_scored(feed: str) -> bool:
    from bankflow import schemas

    return schemas.BY_NAME[feed].scored


def print_summary(s: dict, producer: dict | None, seconds: float) -> None:
    lat = s["latency"]
    sent = producer.get("events") if producer else None
    print(
        f"stream: {sent if sent is not None else '?'} events in, {s['scored']} scored, "
        f"{s['alerts']} alerts, {s['deadletters']} dead letters, {seconds:.1f} s"
    )
    if s["deadletter_reasons"]:
        print("dead letters: " + ", ".join(f"{k} {v}" for k, v in s["deadletter_reasons"].items()))
    print(
        f"latency (emitted -> readable in Redis): p50 {lat['p50_ms']:.1f} ms, "
        f"p99 {lat['p99_ms']:.1f} ms, max {lat['max_ms']:.1f} ms over {lat['count']} events"
    )
    if "quality" in s:
        q = s["quality"]
        print(quality.report(q))
        if q["instances_not_streamed_whole"]:
            print(
                f"({q['instances_not_streamed_whole']} instances not streamed whole "
                "are left out of recall)"
            )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m streaming.run", description=__doc__.split("\n")[0])
    p.add_argument("--day", required=True)
    p.add_argument("--rate", type=float, default=200.0)
    p.add_argument(
        "--duration",
        type=float,
        default=60.0,
        help="seconds to stream; 0 streams the whole day once",
    )
    p.add_argument("--events", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--lake", default=os.environ.get("BANK_LAKE_ROOT"))
    p.add_argument("--redis-url", default=os.environ.get("BANK_REDIS_URL"))
    p.add_argument("--engine", choices=("flink", "python"), default="flink")
    p.add_argument("--source", choices=("socket", "replay", "kafka", "kinesis"), default="socket")
    p.add_argument("--jar", action="append", default=[], help="connector jar URL (repeatable)")
    p.add_argument("--rules")
    p.add_argument("--checkpoint-dir")
    p.add_argument("--resume-from")
    p.add_argument(
        "--warmup",
        type=float,
        default=0.0,
        help="seconds at the start of the stream left out of the latency figures",
    )
    p.add_argument("--run-id")
    p.add_argument("--json", help="also write the summary as JSON here")
    p.add_argument(
        "--paced-producer",
        action="store_true",
        help="send with streaming.producer (one line per send, stamped at the "
        "send) instead of the simulator's live mode; the day must be landed",
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    from bankflow import redis_local

    local = None
    redis_url = args.redis_url
    if not redis_url:
        local = redis_local.start(Path(tempfile.mkdtemp(prefix="bank-stream-redis-")))
        redis_url = local.url
        log.info("redis: started a local server on port %d for this run", local.port)
    run_id = args.run_id or f"{args.engine}-{uuid.uuid4().hex[:8]}"
    checkpoint_dir = args.checkpoint_dir or tempfile.mkdtemp(prefix="bank-stream-chk-")
    producer, started = None, time.monotonic()
    started_ms = int(time.time() * 1000) - 1
    try:
        if args.source == "socket":
            producer = Producer(
                args.day,
                args.rate,
                args.duration or None,
                args.events,
                args.seed,
                args.lake,
                args.paced_producer,
            )
        if args.engine == "python":
            if args.source != "socket":
                p.error("the plain-Python engine reads the socket source only")
            from streaming.consumer import Consumer

            Consumer(redis_url, args.day, args.rules, run_id, args.warmup).run_socket(
                "127.0.0.1", producer.port
            )
        else:
            from streaming.job import JobConfig, run

            cfg = JobConfig(
                redis_url=redis_url,
                source=args.source,
                day=args.day,
                rules_path=args.rules,
                run_id=run_id,
                jars=args.jar,
                checkpoint_dir=checkpoint_dir,
                resume_from=args.resume_from,
                latency_warmup_s=args.warmup,
            )
            if producer:
                cfg.port = producer.port
            if args.source == "replay":
                from streaming.replay import write

                cfg.replay_path = os.path.join(checkpoint_dir, "replay", "envelopes.jsonl")
                n = write(args.day, cfg.replay_path, args.lake)
                log.info("replay: %d envelopes of %s written to %s", n, args.day, cfg.replay_path)
            run(cfg)
        stats = producer.finish() if producer else None
        days = (stats or {}).get("days") or [args.day]
        summary = summarize(redis_url, run_id, started_ms, days, args.lake)
        summary["producer"] = stats
        print_summary(summary, stats, time.monotonic() - started)
        if args.json:
            Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    except Exception as exc:
        from streaming.job import ConnectorMissing

        if isinstance(exc, ConnectorMissing):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise
    finally:
        if producer:
            producer.stop()
        if local:
            local.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
