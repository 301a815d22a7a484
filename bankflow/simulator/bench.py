"""Throughput of the simulator: events per second and peak memory per volume.

    python -m bankflow.simulator.bench [--events 200000 2000000] [--lake DIR]

Each volume runs in its own process (so peak memory is that volume's), into
a scratch lake that is removed afterwards: the epoch day (population created
from the seed) and the day after (state read from the cache). Run it under
``flock /tmp/bank-heavy.lock`` on a shared machine; wall time there depends
on what else runs, CPU time much less.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from bankflow.simulator import generate_day
events, lake = int(sys.argv[1]), sys.argv[2]
out = []
for day in ("2026-11-02", "2026-11-03"):
    t, c = time.monotonic(), time.process_time()
    generate_day(day, events=events, lake=lake)
    out.append({"day": day, "wall_s": time.monotonic() - t, "cpu_s": time.process_time() - c})
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"events": events, "days": out, "peak_rss_mib": rss}))
"""


def measure(events: int, lake: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(events), str(lake)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"error: the {events}-event run failed: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bankflow.simulator.bench")
    p.add_argument("--events", type=int, nargs="+", default=[200_000, 2_000_000])
    p.add_argument("--lake", help="scratch folder (default: a temporary one)")
    args = p.parse_args(argv)
    for events in args.events:
        lake = Path(args.lake or tempfile.mkdtemp(prefix="bank-sim-bench-")) / f"e{events}"
        try:
            r = measure(events, lake)
        finally:
            shutil.rmtree(lake, ignore_errors=True)
        for d in r["days"]:
            kind = "epoch day" if d is r["days"][0] else "next day"
            print(
                f"simulator {events:>9,} events {kind:9}: wall {d['wall_s']:6.1f} s "
                f"({events / d['wall_s']:>8,.0f} events/s), cpu {d['cpu_s']:6.1f} s "
                f"({events / d['cpu_s']:>8,.0f} events/cpu-s)",
                flush=True,
            )
        print(f"simulator {events:>9,} events peak memory {r['peak_rss_mib']:,.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
