"""The nightly baselines, read from Redis and cached with a refresh.

The batch path publishes a night under a version and then moves
``bank:nightly:current`` to it (docs/redis-keys.md). The scorer reads the
pointer, then ``bank:baseline:<version>:<customer_id>``, and, for postings
(which carry an account only), ``bank:account:<version>:<account_id>`` to
find the customer. Entries are cached for ``refresh_s`` seconds of wall-clock
time, misses too, so a customer without a baseline costs one read per
refresh, not one per event. When no night has been published the store
answers None for everyone and the scores say ``no_baseline``.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import redis

from streaming.detectors import Baseline
from streaming.parse import Event

POINTER = "bank:nightly:current"


class BaselineStore:
    def __init__(
        self, client, refresh_s: float = 300, cache_size: int = 100_000, clock=time.monotonic
    ) -> None:
        self.client = client
        self.refresh_s = refresh_s
        self.cache_size = cache_size
        self.clock = clock
        self._version: str | None = None
        self._version_read = -float("inf")
        self._cache: OrderedDict[str, tuple[float, object]] = OrderedDict()

    @property
    def version(self) -> str | None:
        now = self.clock()
        if now - self._version_read >= self.refresh_s:
            v = self.client.get(POINTER)
            v = v.decode() if isinstance(v, bytes) else v
            if v != self._version:
                self._cache.clear()
            self._version, self._version_read = v, now
        return self._version

    def _cached(self, key: str, load):
        now = self.clock()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.refresh_s:
            self._cache.move_to_end(key)
            return hit[1]
        value = load()
        self._cache[key] = (now, value)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return value

    def _hash(self, key: str) -> dict[str, str]:
        raw = self.client.hgetall(key)
        return {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in raw.items()
        }

    def customer_of(self, account_id: str) -> str | None:
        version = self.version
        if not version:
            return None
        key = f"bank:account:{version}:{account_id}"
        return self._cached(key, lambda: self._hash(key).get("customer_id"))

    def baseline(self, customer_id: str | None) -> Baseline | None:
        version = self.version
        if not version or not customer_id:
            return None
        key = f"bank:baseline:{version}:{customer_id}"

        def load():
            h = self._hash(key)
            return Baseline.from_hash(customer_id, h) if h else None

        return self._cached(key, load)

    def for_event(self, e: Event) -> Baseline | None:
        """The baseline of the event's customer; fills in the customer of a posting."""
        try:
            if e.customer_id is None and e.account_id:
                e.customer_id = self.customer_of(e.account_id)
                # Not in last night's accounts: unknown, or opened since. Said, not scored.
                e.extra["unknown_account"] = e.customer_id is None and self.version is not None
            return self.baseline(e.customer_id)
        except (redis.ConnectionError, redis.TimeoutError):
            # Redis is away: score now, without a baseline, rather than wait.
            self._version_read = -float("inf")
            return None
