"""Seeded randomness, timestamps and ids shared by every part of the simulator.

Every random stream is a ``random.Random`` seeded from a SHA-256 of
``seed/day/purpose``, never from Python's salted ``hash()`` or the wall
clock, so that the same arguments give the same bytes on any machine.
Times inside a day are integer microseconds since midnight UTC of that day.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000
SECOND_US = 1_000_000


def rng(seed: int, day: date | str, purpose: str) -> random.Random:
    """An independent random stream for one purpose of one simulated day."""
    digest = hashlib.sha256(f"{seed}/{day}/{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def parse_day(text: str) -> date:
    """A business day ``YYYY-MM-DD``; a ValueError naming the input otherwise."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"not a day (YYYY-MM-DD): {text!r}") from None


# "HH:MM:SS" of every second of a day, so that formatting a time is one lookup.
_HMS = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


class Clock:
    """Formats times of one business day as schema timestamps."""

    def __init__(self, day: date) -> None:
        self.day = day
        self.prefix = day.isoformat() + "T"
        self.midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        self.end_of_day = f"{day.isoformat()}T23:59:59Z"

    def ts(self, t: int) -> str:
        """``t`` microseconds after midnight as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
        if 0 <= t < DAY_US:
            s, us = divmod(t, SECOND_US)
            return f"{self.prefix}{_HMS[s]}.{us:06d}Z"
        moment = self.midnight + timedelta(microseconds=t)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def epoch_ms(self, t: int) -> int:
        return int(self.midnight.timestamp() * 1000) + t // 1000


def clamp(t: int) -> int:
    """Keep a derived time inside the day (a session that would run past midnight)."""
    return t if t < DAY_US else DAY_US - 1


# Fast draws for the hot paths: the standard library's randint, choice and
# choices(cum_weights=...) spend most of their time in argument handling.


def ri(rnd: random.Random, a: int, b: int) -> int:
    """An integer in ``a..b`` inclusive."""
    return a + int(rnd.random() * (b - a + 1))


def one(rnd: random.Random, seq):
    """One element of a non-empty sequence."""
    return seq[int(rnd.random() * len(seq))]


def pick(rnd: random.Random, items, cum):
    """One of ``items`` by cumulative weights ``cum``."""
    return items[bisect_right(cum, rnd.random() * cum[-1], 0, len(cum) - 1)]
