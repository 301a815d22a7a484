"""Land the real-time fraud alerts of a day from Redis into the lake.

The fraud scorer appends every alert once to the ``bank:fraud:alerts`` stream
(docs/redis-keys.md). The nightly run calls ``land_alerts`` before dbt so
gold can reconcile the alerts against confirmed fraud: it writes the alerts
whose event happened on ``day`` to ``bankflow.lake.alerts_file(day)`` as JSON
lines, sorted by event time and event id, one alert per event.

The file is always written, empty when the day had no alert, and replaced
whole (written aside, then renamed), so a rerun gives the same file. Only a
local lake root is supported here; on S3 the nightly run lands to a local
folder and copies.

    python -m bankflow.alerts --day 2026-11-02 [--redis-url URL] [--lake PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, date, datetime

from bankflow import lake as lake_paths

STREAM = "bank:fraud:alerts"
PAGE = 10_000
COLUMNS = (
    "event_id",
    "feed",
    "customer_id",
    "account_id",
    "score",
    "reasons",
    "rule_version",
    "event_at",
    "scored_at",
)


def _row(fields: dict[str, str]) -> dict:
    scored_ms = fields.get("scored_at_ms")
    scored_at = (
        datetime.fromtimestamp(int(scored_ms) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if scored_ms
        else None
    )
    return {
        "event_id": fields["event_id"],
        "feed": fields.get("feed") or None,
        "customer_id": fields.get("customer_id") or None,
        "account_id": fields.get("account_id") or None,
        "score": float(fields["score"]),
        "reasons": json.loads(fields.get("reasons") or "[]"),
        "rule_version": fields.get("rule_version") or None,
        "event_at": fields.get("event_at") or None,
        "scored_at": scored_at,
    }


def read_alerts(client, day: str) -> list[dict]:
    """The alerts of the stream whose event happened on ``day``, one per event."""
    by_event: dict[str, dict] = {}
    start = "-"
    while True:
        page = client.xrange(STREAM, min=start, max="+", count=PAGE)
        for _, raw in page:
            fields = {
                (k.decode() if isinstance(k, bytes) else k): (
                    v.decode() if isinstance(v, bytes) else v
                )
                for k, v in raw.items()
            }
            if (fields.get("event_at") or "").startswith(day) and "event_id" in fields:
                by_event.setdefault(fields["event_id"], _row(fields))
        if len(page) < PAGE:
            break
        last = page[-1][0]
        start = "(" + (last.decode() if isinstance(last, bytes) else last)
    return sorted(by_event.values(), key=lambda r: (r["event_at"] or "", r["event_id"]))


def land_alerts(redis_url: str, day: date | str, lake: str | None = None) -> int:
    """Write the day's alerts to the lake; the number of alerts written."""
    import redis  # in both environments; the package itself stays standard-library only

    day = day if isinstance(day, str) else day.isoformat()
    date.fromisoformat(day)  # a clear error for a bad day
    path = lake_paths.alerts_file(day, lake)
    if "://" in path:
        raise ValueError(f"land_alerts writes to a local lake only, not {path}")
    client = redis.Redis.from_url(redis_url, socket_timeout=10)
    try:
        rows = read_alerts(client, day)
    finally:
        client.close()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({c: row[c] for c in COLUMNS}, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bankflow.alerts", description=__doc__.split("\n")[0]
    )
    p.add_argument("--day", required=True)
    p.add_argument("--redis-url", default=os.environ.get("BANK_REDIS_URL"))
    p.add_argument("--lake")
    args = p.parse_args(argv)
    if not args.redis_url:
        print("error: give --redis-url or set BANK_REDIS_URL", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        n = land_alerts(args.redis_url, args.day, args.lake)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"alerts: landed {n} alerts of {args.day} to "
        f"{lake_paths.alerts_file(args.day, args.lake)} in {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
