"""A latency histogram: fixed buckets in milliseconds, cheap to merge and print.

Latency is the time from ``emitted_at_ms`` (when the producer wrote the
event) to the moment its score is readable in Redis (the sink's pipeline has
returned). The sink adds each event to a histogram in Redis,
``bank:fraud:latency:<run_id>`` (a hash of bucket upper bound -> count), so a
reader outside the job gets the percentiles; the Flink job also exposes a
``latency_ms`` distribution metric.
"""

from __future__ import annotations

import bisect

# Upper bounds in ms: fine below 100 ms, where the targets are, coarse above.
BUCKETS = (
    [0.5 * i for i in range(1, 21)]  # 0.5 .. 10 ms
    + [float(i) for i in range(12, 52, 2)]  # 12 .. 50 ms
    + [float(i) for i in range(60, 210, 10)]  # 60 .. 200 ms
    + [250.0, 300.0, 400.0, 500.0, 750.0, 1000.0, 2000.0, 5000.0, 10000.0, 30000.0, 60000.0]
    + [float("inf")]
)


def bucket_of(ms: float) -> str:
    b = BUCKETS[bisect.bisect_left(BUCKETS, ms)]
    return "inf" if b == float("inf") else f"{b:g}"


class Histogram:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.max = 0.0

    def add(self, ms: float) -> None:
        b = bucket_of(ms)
        self.counts[b] = self.counts.get(b, 0) + 1
        self.max = max(self.max, ms)

    @classmethod
    def from_hash(cls, h: dict) -> Histogram:
        hist = cls()
        for k, v in h.items():
            k = k.decode() if isinstance(k, bytes) else k
            if k == "max":
                hist.max = float(v)
            elif k == "inf" or k.replace(".", "", 1).isdigit():
                hist.counts[k] = int(v)
        return hist

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def percentile(self, p: float) -> float:
        """The bucket upper bound below which ``p`` percent of events fall."""
        total = self.count
        if not total:
            return float("nan")
        rank, seen = p / 100 * total, 0
        for b in sorted(self.counts, key=lambda k: float(k)):
            seen += self.counts[b]
            if seen >= rank:
                return min(float(b), self.max)
        return self.max

    def summary(self) -> dict:
        return {
            "count": self.count,
            "p50_ms": self.percentile(50),
            "p99_ms": self.percentile(99),
            "max_ms": round(self.max, 1),
        }
