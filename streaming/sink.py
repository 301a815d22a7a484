"""The Redis sink: scores, rolling risk, alerts and dead letters.

Key families and expiries are the ones of docs/redis-keys.md. Every write is
idempotent on the event id, so a replay after a restart rewrites the same
values and appends no alert twice:

- a score and a risk are hashes, overwritten with the same fields;
- an alert is appended to the ``bank:fraud:alerts`` stream by a small Lua
  script only if ``SET bank:fraud:alerted:<event_id> NX`` succeeds, both in
  one atomic step; dead letters the same way, marked by a digest of the line.

One event is one command, one round trip: a Lua script writes the score,
the risk and the alert together (atomic, and cheaper than a pipeline of
five commands). When Redis is away the sink retries
with a growing pause for up to ``retry_for_s`` and then raises, so the Flink
job fails over and resumes from its last checkpoint: no score is dropped.
The Lua scripts touch several keys; on Redis Cluster they would need a hash
tag to share a slot (the managed single-shard Redis of production does not).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time

import redis

from streaming.detectors import Score
from streaming.latency import Histogram
from streaming.parse import DeadLetter

log = logging.getLogger("streaming.sink")

DAY_S = 86400
SCORE_TTL_S = 7 * DAY_S
RISK_TTL_S = 30 * DAY_S
ALERTS_STREAM = "bank:fraud:alerts"
ALERTS_MAXLEN = 1_000_000
DEADLETTER_STREAM = "bank:fraud:deadletter"
DEADLETTER_MAXLEN = 100_000

APPEND_ONCE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
  return 1
end
return 0
"""

# One verdict in one command: the score hash, the account's risk hash (when
# there is an account), and the alert appended once. ARGV: the expiries and
# the stream bound, then each group of fields preceded by its length.
WRITE_VERDICT = """
local i = 4
local function take()
  local n = tonumber(ARGV[i])
  local t = {unpack(ARGV, i + 1, i + n)}
  i = i + n + 1
  return n, t
end
local n, score = take()
redis.call('HSET', KEYS[1], unpack(score))
redis.call('EXPIRE', KEYS[1], ARGV[1])
local r, risk = take()
if r > 0 then
  redis.call('HSET', KEYS[2], unpack(risk))
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
local a, alert = take()
if a > 0 and redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', unpack(alert))
end
return 1
"""


def now_ms() -> int:
    return int(time.time() * 1000)


def _flat(fields: dict) -> list[str]:
    out: list[str] = []
    for k, v in fields.items():
        out += [k, "" if v is None else str(v)]
    return out


class RedisSink:
    def __init__(
        self,
        url: str,
        run_id: str = "local",
        retry_for_s: float = 60.0,
        flush_every_s: float = 0.5,
        warmup_s: float = 0.0,
    ) -> None:
        self.client = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=0
        )
        self.append_once = self.client.register_script(APPEND_ONCE)
        self.write_verdict = self.client.register_script(WRITE_VERDICT)
        self.run_id = run_id
        self.retry_for_s = retry_for_s
        self.flush_every_s = flush_every_s
        self.latency = Histogram()  # everything this sink has written
        self._pending = Histogram()  # not yet added to the Redis histogram
        self._counts = {"scored": 0, "alerts": 0, "deadletters": 0}  # the same, for counts
        self._flushed_at = time.monotonic()
        self.retries = 0
        # Latency is not recorded for events emitted in the first warmup_s
        # seconds of the stream (JVM and Python start-up, first connections).
        self.warmup_ms = warmup_s * 1000
        self._first_emitted_ms: int | None = None

    @property
    def latency_key(self) -> str:
        return f"bank:fraud:latency:{self.run_id}"

    def write(self, item: Score | DeadLetter) -> float | None:
        """Write one verdict; return its latency in ms (None for a dead letter)."""
        scored_at = now_ms()
        self._retrying(lambda: self._write_one(item, scored_at))
        if isinstance(item, DeadLetter):
            self._counts["deadletters"] += 1
        else:
            self._counts["scored"] += 1
            self._counts["alerts"] += int(item.alert)
        if time.monotonic() - self._flushed_at >= self.flush_every_s:
            self.flush()
        if isinstance(item, DeadLetter) or not item.event.emitted_at_ms:
            return None
        ms = now_ms() - item.event.emitted_at_ms
        if self._first_emitted_ms is None:
            self._first_emitted_ms = item.event.emitted_at_ms
        if item.event.emitted_at_ms - self._first_emitted_ms < self.warmup_ms:
            return ms
        self.latency.add(ms)
        self._pending.add(ms)
        return ms

    def flush(self) -> None:
        """Add the latencies and counts since the last flush to the run's Redis hash.

        The hash, ``bank:fraud:latency:<run_id>``, holds the histogram (bucket
        upper bound in ms -> events), ``max``, and the run's ``scored``,
        ``alerts`` and ``deadletters`` (which count again what a restart replays).
        """
        pending, counts, key = self._pending, self._counts, self.latency_key
        self._flushed_at = time.monotonic()
        if not pending.count and not any(counts.values()):
            return

        def commands(p):
            for name, n in [*pending.counts.items(), *counts.items()]:
                if n:
                    p.hincrby(key, name, n)
            p.expire(key, SCORE_TTL_S)

        self._execute(commands)
        if pending.count:
            current = self.client.hget(key, "max")
            if current is None or float(current) < pending.max:
                self.client.hset(key, "max", pending.max)
        self._pending, self._counts = Histogram(), dict.fromkeys(counts, 0)

    def _write_one(self, item: Score | DeadLetter, scored_at: int) -> None:
        if isinstance(item, DeadLetter):
            digest = hashlib.sha1(
                f"{item.feed}\n{item.reason}\n{item.raw}\n{item.event_id}".encode()
            ).hexdigest()
            fields = {
                "feed": item.feed,
                "reason": item.reason,
                "detail": item.detail,
                "raw": item.raw,
                "event_id": item.event_id,
                "emitted_at_ms": item.emitted_at_ms,
            }
            self.append_once(
                keys=[f"bank:fraud:deadlettered:{digest}", DEADLETTER_STREAM],
                args=[SCORE_TTL_S, DEADLETTER_MAXLEN, *_flat(fields)],
            )
            return
        e = item.event
        reasons = json.dumps(item.reasons)
        score = _flat(
            {
                "score": item.score,
                "reasons": reasons,
                "rule_version": item.rule_version,
                "feed": e.feed,
                "customer_id": e.customer_id,
                "account_id": e.account_id,
                "event_at": e.event_at,
                "emitted_at_ms": e.emitted_at_ms,
                "scored_at_ms": scored_at,
                "alert": int(item.alert),
            }
        )
        risk = (
            _flat(
                {
                    "risk": item.risk,
                    "last_event_id": e.event_id,
                    "last_score": item.score,
                    "updated_at_ms": scored_at,
                    "alerts": item.alerts_on_key,
                }
            )
            if e.account_id
            else []
        )
        alert = (
            _flat(
                {
                    "event_id": e.event_id,
                    "score": item.score,
                    "reasons": reasons,
                    "customer_id": e.customer_id,
                    "account_id": e.account_id,
                    "feed": e.feed,
                    "event_at": e.event_at,
                    "rule_version": item.rule_version,
                    "scored_at_ms": scored_at,
                }
            )
            if item.alert
            else []
        )
        self.write_verdict(
            keys=[
                f"bank:fraud:score:{e.event_id}",
                f"bank:fraud:risk:{e.account_id}",
                f"bank:fraud:alerted:{e.event_id}",
                ALERTS_STREAM,
            ],
            args=[
                SCORE_TTL_S,
                RISK_TTL_S,
                ALERTS_MAXLEN,
                len(score),
                *score,
                len(risk),
                *risk,
                len(alert),
                *alert,
            ],
        )

    def _execute(self, build) -> None:
        """Run the commands ``build`` queues in one pipeline, retrying while Redis is away."""

        def run() -> None:
            with self.client.pipeline(transaction=False) as p:
                build(p)
                p.execute()

        self._retrying(run)

    def _retrying(self, io) -> None:
        """Run ``io`` (idempotent), retrying with a growing pause while Redis is away."""
        deadline, pause = time.monotonic() + self.retry_for_s, 0.05
        while True:
            try:
                io()
                return
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if time.monotonic() >= deadline:
                    raise RuntimeError(
                        f"Redis unreachable for {self.retry_for_s:.0f} s, giving up: {exc}"
                    ) from exc
                self.retries += 1
                if self.retries == 1 or self.retries % 20 == 0:
                    log.warning("redis unreachable (%s), retry %d", exc, self.retries)
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.client.close()
