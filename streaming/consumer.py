"""The same rules without Flink: socket in, Redis out, one Python process.

This is the baseline a user might pick instead of Flink, and the benchmark
runs it beside the job on the same stream. It shares everything with the job
but the runtime: the parser, the detectors and scorer, the baseline store and
the sink. What it lacks is what Flink gives: its state lives in a dict and
dies with the process (no checkpoint, no restart), and it cannot spread keys
over more than one core.

    python -m streaming.consumer --port 9999 --redis-url redis://... [--day D]
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import time
from datetime import date

import redis

from streaming.baselines import BaselineStore
from streaming.detectors import Scorer, load_rules
from streaming.parse import DeadLetter, Parser
from streaming.sink import RedisSink

log = logging.getLogger("streaming.consumer")


class Consumer:
    def __init__(
        self,
        redis_url: str,
        day: str | None = None,
        rules_path: str | None = None,
        run_id: str = "consumer",
        latency_warmup_s: float = 0.0,
    ) -> None:
        rules = load_rules(rules_path)
        self.parse = Parser(date.fromisoformat(day) if day else None)
        self.scorer = Scorer(rules)
        self.sink = RedisSink(redis_url, run_id, warmup_s=latency_warmup_s)
        self.baselines = BaselineStore(
            redis.Redis.from_url(redis_url, socket_timeout=2),
            rules["baseline"]["refresh_s"],
            rules["baseline"]["cache_size"],
        )
        self.states: dict[str, dict] = {}
        self.counts = {"in": 0, "scored": 0, "alerts": 0, "deadletters": 0}

    def handle(self, line: str) -> None:
        self.counts["in"] += 1
        item = self.parse(line)
        if isinstance(item, DeadLetter):
            self.sink.write(item)
            self.counts["deadletters"] += 1
            return
        state = self.states.setdefault(item.key, {})
        verdict = self.scorer.score(item, state, self.baselines.for_event(item))
        if isinstance(verdict, DeadLetter):
            self.sink.write(verdict)
            self.counts["deadletters"] += 1
        elif item.scored:
            self.sink.write(verdict)
            self.counts["scored"] += 1
            self.counts["alerts"] += int(verdict.alert)

    def run_socket(self, host: str, port: int, connect_timeout_s: float = 30) -> dict:
        started = time.monotonic()
        deadline = started + connect_timeout_s
        while True:
            try:
                conn = socket.create_connection((host, port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        conn.settimeout(None)
        with conn, conn.makefile("r", encoding="utf-8", errors="replace", newline="\n") as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    self.handle(line)
        self.sink.close()
        s = self.sink.latency.summary()
        log.info(
            "consumer: in %d, scored %d, alerts %d, dead letters %d, p50 %.1f ms, "
            "p99 %.1f ms, max %.1f ms, %.1f s",
            self.counts["in"],
            self.counts["scored"],
            self.counts["alerts"],
            self.counts["deadletters"],
            s["p50_ms"],
            s["p99_ms"],
            s["max_ms"],
            time.monotonic() - started,
        )
        return self.counts | s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m streaming.consumer", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--day")
    parser.add_argument("--rules")
    parser.add_argument("--run-id", default="consumer")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    Consumer(args.redis_url, args.day, args.rules, args.run_id).run_socket(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
