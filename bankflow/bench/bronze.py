"""Benchmark: simulate a bank day and ingest it into bronze, at two volumes.

    python -m bankflow.bench.bronze [--events 200000 2000000] [--dir .bench]

For each volume, in a lake of its own under ``.bench/``:

1. the simulator runs as a child process (``bankflow.simulator generate``);
   its peak memory is its own maximum resident set size, which it prints
   from ``resource.getrusage(RUSAGE_SELF)`` as it ends;
2. bronze runs as a child process (``python -m bankflow.bronze``), so its wall
   time includes starting Spark, as a nightly run's does; the Spark JVM's
   peak memory is the largest resident set size (``VmRSS`` in ``/proc``) of
   the java processes in the child's tree, sampled every 0.2 s, and its own
   high-water mark (``VmHWM``) when the sample catches it; beside it, the
   largest sum over the whole tree at one sample (the driver, the JVM and
   Spark's Python workers, which validate the lines).

It prints events per second for both, wall times, peak memory, and whether
the targets hold: a 200,000-event day through simulator and bronze in under
60 s, and ten times the volume in under ten times that. Run it alone (``make
bench-bronze`` takes ``/tmp/bank-heavy.lock``): it measures the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from bankflow import lake as paths
from bankflow.lake import REPO_ROOT

DAY = "2026-11-02"
TARGET_SECONDS = 60.0  # a 200,000-event day, simulator and bronze together


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _is_java(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "java"
    except OSError:
        return False


class _PeakSampler(threading.Thread):
    """Peak RSS under ``pid``, sampled from /proc: of its java processes, and
    of the whole process tree at once (driver, JVM and Spark's Python workers)."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_kb, self.tree_peak_kb = pid, every, 0, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            tree_kb = 0
            for p in _tree(self.pid):
                rss = _status_kb(p, "VmRSS")
                tree_kb += rss
                if _is_java(p):
                    self.peak_kb = max(self.peak_kb, rss, _status_kb(p, "VmHWM"))
            self.tree_peak_kb = max(self.tree_peak_kb, tree_kb)
            self._done.wait(self.every)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak_kb


# Runs a module as __main__ and prints its own peak RSS (getrusage, KiB on Linux).
_OWN_PEAK = (
    "import resource, runpy, sys\n"
    "module, sys.argv = sys.argv[1], sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_module(module, run_name='__main__', alter_sys=True)\n"
    "finally:\n"
    "    print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)\n"
)


def _run(command: list[str], env: dict, log: Path) -> float:
    started = time.monotonic()
    with open(log, "w") as out:
        child = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = _PeakSampler(child.pid)
        sampler.start()
        code = child.wait()
        _run.peak_kb = sampler.stop()
        _run.tree_peak_kb = sampler.tree_peak_kb
    if code != 0:
        tail = "\n".join(log.read_text().splitlines()[-15:])
        raise SystemExit(f"{' '.join(command[:4])} failed ({code}); see {log}:\n{tail}")
    return time.monotonic() - started


def bench(events: int, root: Path) -> dict:
    lake = root / f"bronze-{events}"
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    env = {**os.environ, "BANK_LAKE_ROOT": str(lake), "PYTHONPATH": str(REPO_ROOT)}
    py = sys.executable

    sim_log = lake / "simulator.log"
    sim_seconds = _run(
        [
            py,
            "-c",
            _OWN_PEAK,
            "bankflow.simulator",
            "generate",
            "--day",
            DAY,
            "--events",
            str(events),
            "--lake",
            str(lake),
        ],
        env,
        sim_log,
    )
    peaks = [ln for ln in sim_log.read_text().splitlines() if ln.startswith("maxrss_kb ")]
    sim_peak_kb = int(peaks[-1].split()[1]) if peaks else 0
    manifest = json.loads(Path(paths.ground_truth_dir(DAY, str(lake)), "manifest.json").read_text())

    bronze_seconds = _run(
        [py, "-m", "bankflow.bronze", "--day", DAY, "--lake", str(lake)], env, lake / "bronze.log"
    )
    jvm_peak_kb, tree_peak_kb = _run.peak_kb, _run.tree_peak_kb
    report = json.loads(Path(paths.report_file("bronze", DAY, str(lake))).read_text())
    lines = report["totals"]["read"]
    result = {
        "events": events,
        "lines": lines,
        "simulator_seconds": round(sim_seconds, 1),
        "simulator_events_per_s": round(events / sim_seconds),
        "simulator_peak_rss_mb": round(sim_peak_kb / 1024),
        "bronze_seconds": round(bronze_seconds, 1),
        "bronze_job_seconds": report["seconds"],
        "bronze_events_per_s": round(events / bronze_seconds),
        "bronze_lines_per_s": round(lines / bronze_seconds),
        "spark_jvm_peak_rss_mb": round(jvm_peak_kb / 1024),
        "bronze_processes_peak_rss_mb": round(tree_peak_kb / 1024),
        "wall_seconds": round(sim_seconds + bronze_seconds, 1),
        "quarantined": report["totals"]["quarantined"],
        "manifest_lines": sum(f["lines"] for f in manifest["feeds"].values()),
    }
    shutil.rmtree(lake / "bronze", ignore_errors=True)  # keep the logs and the report
    shutil.rmtree(lake / "quarantine", ignore_errors=True)
    shutil.rmtree(lake / "landing", ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bankflow.bench.bronze", description=__doc__)
    parser.add_argument("--events", type=int, nargs="+", default=[200_000, 2_000_000])
    parser.add_argument("--dir", default=str(REPO_ROOT / ".bench"))
    args = parser.parse_args(argv)
    root = Path(args.dir)
    results = []
    print(f"bench bronze: day {DAY}, {os.cpu_count()} cores, lakes under {root}", flush=True)
    for events in args.events:
        r = bench(events, root)
        results.append(r)
        print(
            f"bench bronze {r['events']:>9,} events ({r['lines']:,} lines): "
            f"simulator {r['simulator_seconds']:.1f} s ({r['simulator_events_per_s']:,} ev/s, "
            f"peak {r['simulator_peak_rss_mb']:,} MB) | bronze {r['bronze_seconds']:.1f} s "
            f"with Spark start-up ({r['bronze_events_per_s']:,} ev/s, job "
            f"{r['bronze_job_seconds']:.1f} s, JVM peak {r['spark_jvm_peak_rss_mb']:,} MB, "
            f"with Python workers {r['bronze_processes_peak_rss_mb']:,} MB) | "
            f"wall {r['wall_seconds']:.1f} s",
            flush=True,
        )
        if r["manifest_lines"] != r["lines"]:
            print(f"  bronze read {r['lines']:,} lines, manifest says {r['manifest_lines']:,}")
    small = next((r for r in results if r["events"] == 200_000), None)
    if small:
        ok = small["wall_seconds"] < TARGET_SECONDS
        print(
            f"target 200,000 events < {TARGET_SECONDS:.0f} s: {small['wall_seconds']:.1f} s "
            f"{'met' if ok else 'MISSED'}"
        )
        large = next((r for r in results if r["events"] == 2_000_000), None)
        if large:
            ratio = large["wall_seconds"] / small["wall_seconds"]
            print(
                f"target 2,000,000 events < 10x: {ratio:.1f}x {'met' if ratio < 10 else 'MISSED'}"
            )
    (root / "bronze.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
