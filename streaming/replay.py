"""Envelopes from a landed day, for the replay source.

The simulator's ``replay`` (bankflow.simulator.live) yields a landed day's
envelopes in the arrival order its live mode sends them; this writes them to
a file that the job's replay source (Flink's ``FileSource``) reads, so the
job reads a replay exactly as it reads the live socket, and a restart
resumes at the checkpointed position in the file. ``emitted_at_ms`` is the
time the envelope was written, so latency figures of a replay mean nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator


def envelopes(day: str, root: str | None = None) -> Iterator[str]:
    """Every landed line of ``day`` of the event feeds, as envelope lines, in arrival order."""
    from bankflow.simulator.live import replay

    for env in replay(day, root):
        yield json.dumps(env, ensure_ascii=False)


def write(day: str, path: str, root: str | None = None) -> int:
    """Write the replay of ``day`` to ``path``; the number of envelopes."""
    n = 0
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for env in envelopes(day, root):
            out.write(env + "\n")
            n += 1
    return n
