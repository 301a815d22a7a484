"""Envelopes from a landed day, in event-time order: the replay source's input.

The live transport delivers lines as the sources send them; a replay has only
the landing files, one per feed. This merges them by ``event_at`` (a line
without a readable one, a bad line, keeps the place of the line before it in
its file) and wraps each as an envelope, so the job reads a replay exactly as
it reads the live socket. Only ``emitted_at_ms`` differs: it is the time the
envelope is written, so latency figures of a replay mean nothing.
"""

from __future__ import annotations

import heapq
import json
import os
import re
import time
from collections.abc import Iterator

from bankflow import lake, schemas

_EVENT_AT = re.compile(r'"event_at"\s*:\s*"([^"]+)"')


def _lines(feed: schemas.Feed, day: str, root: str | None) -> Iterator[tuple[str, int, str]]:
    """The file's lines with their merge key.

    The key of a line is the smaller of its own ``event_at`` and the next
    line's: a line moved early in the file with a later time (out of order)
    then does not hold back every line behind it in the merge.
    """
    path = lake.landing_file(feed.source, feed.table, day, root)
    if not os.path.exists(path):
        return
    held: tuple[str, int, str] | None = None
    last = ""
    with open(path, encoding="utf-8", errors="replace", newline="\n") as f:
        for n, line in enumerate(f):
            line = line.rstrip("\n")
            if not line:
                continue
            m = _EVENT_AT.search(line)
            last = m.group(1) if m else last
            if held is not None:
                yield min(held[0], last), held[1], held[2]
            held = (last, n, json.dumps({"feed": feed.name, "emitted_at_ms": 0, "value": line}))
    if held is not None:
        yield held


def envelopes(day: str, root: str | None = None) -> Iterator[str]:
    """Every landed line of ``day`` of the event feeds, as envelopes, by event time."""
    feeds = [f for f in schemas.FEEDS if f.kind == "event"]
    for _, _, env in heapq.merge(*(_lines(f, day, root) for f in feeds)):
        yield env


def write(day: str, path: str, root: str | None = None) -> int:
    """Write the replay of ``day`` to ``path``; the number of envelopes."""
    n, now = 0, int(time.time() * 1000)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for env in envelopes(day, root):
            out.write(env.replace('"emitted_at_ms": 0', f'"emitted_at_ms": {now}', 1) + "\n")
            n += 1
    return n
