"""Benchmark: the Flink job and the plain-Python consumer, side by side, at set rates.

For each rate (200 and 1,000 events/s by default) and each engine, a
simulated day is streamed for ``warmup + seconds`` on this machine, by
``streaming.producer`` (the simulator's replay, each line stamped as it is
sent: the live mode's own 512-line buffering would otherwise count as the
scorer's latency), the engine scores it into one local Redis (emptied between runs),
and the latency of the events after the warm-up is kept: from the moment the
producer wrote the event to the moment its score was readable in Redis.
The full detector set of streaming/rules.yml runs in both engines.

    python -m streaming.bench [--rates 200,1000] [--seconds 60] [--warmup 20]
        [--day 2026-11-02] [--lake .bench/stream/lake]

Run it alone (``make bench-stream`` takes /tmp/bank-heavy.lock): two cores
are shared by the producer, the JVM, Python and Redis.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import redis

from bankflow import redis_local
from bankflow.lake import REPO_ROOT

BENCH_DIR = REPO_ROOT / ".bench" / "stream"


def ensure_day(day: str, lake: Path, events: int) -> None:
    if (lake / "ground_truth" / day / "manifest.json").exists():
        return
    print(f"bench: simulating {day} ({events} events) into {lake}", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bankflow.simulator",
            "generate",
            "--day",
            day,
            "--events",
            str(events),
            "--lake",
            str(lake),
        ],
        check=True,
        cwd=REPO_ROOT,
    )


def one_run(engine: str, rate: int, args, url: str) -> dict:
    out = BENCH_DIR / f"{engine}-{rate}.json"
    cmd = [
        sys.executable,
        "-m",
        "streaming.run",
        "--day",
        args.day,
        "--lake",
        str(args.lake),
        "--engine",
        engine,
        "--rate",
        str(rate),
        "--duration",
        str(args.warmup + args.seconds),
        "--warmup",
        str(args.warmup),
        "--redis-url",
        url,
        "--run-id",
        f"bench-{engine}-{rate}",
        "--json",
        str(out),
        "--paced-producer",
    ]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} at {rate}/s failed:\n{done.stderr[-3000:]}")
    s = json.loads(out.read_text())
    producer = s.get("producer") or {}
    lat = s["latency"]
    return {
        "engine": engine,
        "rate": rate,
        "sent": producer.get("events"),
        "sent_per_s": round(producer.get("events", 0) / producer.get("seconds", 1), 1),
        "scored": s["scored"],
        "measured": lat["count"],
        "p50_ms": lat["p50_ms"],
        "p99_ms": lat["p99_ms"],
        "max_ms": lat["max_ms"],
        "alerts": s["alerts"],
        "wall_s": round(time.monotonic() - started, 1),
    }


def kept_up(r: dict) -> str:
    # Kept up: the scorer's latency stayed bounded (it did not fall behind the
    # producer), so what it processed per second is what the producer sent.
    return f"{r['sent_per_s']:.0f}/s" if r["p99_ms"] < 1000 else f"no (p99 {r['p99_ms']:.0f} ms)"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m streaming.bench", description=__doc__.split("\n")[0]
    )
    p.add_argument("--rates", default="200,1000")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--warmup", type=float, default=20.0)
    p.add_argument("--day", default="2026-11-02")
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--lake", type=Path, default=BENCH_DIR / "lake")
    p.add_argument("--engines", default="flink,python")
    args = p.parse_args(argv)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    ensure_day(args.day, args.lake, args.events)

    server = redis_local.start(BENCH_DIR / "redis")
    results = []
    try:
        for rate in (int(r) for r in args.rates.split(",")):
            for engine in args.engines.split(","):
                redis.Redis.from_url(server.url).flushall()
                r = one_run(engine, rate, args, server.url)
                results.append(r)
                print(
                    f"bench: {engine} at {rate}/s: p50 {r['p50_ms']:.1f} ms, p99 "
                    f"{r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms over {r['measured']} "
                    f"events, {r['wall_s']} s",
                    flush=True,
                )
    finally:
        server.stop()

    print(
        f"\nfraud scoring latency, emitted -> readable in Redis, after {args.warmup:g} s "
        f"warm-up, {args.seconds:g} s measured, full rule set, one machine"
    )
    head = (
        f"{'engine':8} {'rate/s':>7} {'sent':>7} {'scored':>7} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>8} {'kept up':>10}"
    )
    print(head)
    for r in results:
        print(
            f"{r['engine']:8} {r['rate']:7d} {r['sent']:7d} {r['scored']:7d} "
            f"{r['p50_ms']:7.1f} {r['p99_ms']:7.1f} {r['max_ms']:8.1f} {kept_up(r):>10}"
        )
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
