"""Detection quality against the simulator's ground truth.

Recall per scenario: the share of its instances with an alert on at least
one of their events. Precision: the share of alerts that fall on a labelled
event. Ground truth is ``ground_truth/<day>/fraud_labels.jsonl``.

    python -m streaming.quality offline --day D [--lake PATH]   # no Flink, no Redis
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from datetime import date

from bankflow import lake


def labels(day: str, root: str | None = None) -> list[dict]:
    path = os.path.join(lake.ground_truth_dir(day, root), "fraud_labels.jsonl")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no ground truth for {day}: {path} (simulate the day first)")
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(alerted: set[str], truth: list[dict], left_out: set[str] = frozenset()) -> dict:
    """Recall per scenario, precision overall, from the alerted event ids.

    Instances in ``left_out`` (not streamed whole) count for precision (an
    alert on their events is a true one) but not for recall.
    """
    instances: dict[str, dict[str, bool]] = defaultdict(dict)
    labelled = set()
    for row in truth:
        labelled.add(row["event_id"])
        if row["instance_id"] in left_out:
            continue
        hit = instances[row["scenario"]].get(row["instance_id"], False)
        instances[row["scenario"]][row["instance_id"]] = hit or row["event_id"] in alerted
    per = {
        s: {
            "instances": len(i),
            "detected": sum(i.values()),
            "recall": sum(i.values()) / len(i) if i else float("nan"),
        }
        for s, i in sorted(instances.items())
    }
    true_alerts = len(alerted & labelled)
    return {
        "scenarios": per,
        "alerts": len(alerted),
        "true_alerts": true_alerts,
        "precision": true_alerts / len(alerted) if alerted else float("nan"),
    }


def report(q: dict) -> str:
    lines = [f"{'scenario':20} {'instances':>9} {'detected':>8} {'recall':>7}"]
    for s, v in q["scenarios"].items():
        lines.append(f"{s:20} {v['instances']:9d} {v['detected']:8d} {v['recall']:7.2f}")
    lines.append(
        f"precision {q['precision']:.3f} ({q['true_alerts']} of {q['alerts']} alerts "
        "on labelled events)"
    )
    return "\n".join(lines)


def offline(day: str, root: str | None = None, rules_path: str | None = None):
    """Score a landed day in-process (no Flink, no Redis, no baselines)."""
    from streaming.detectors import Scorer, load_rules
    from streaming.parse import DeadLetter, parse
    from streaming.replay import envelopes

    scorer, states, alerted = Scorer(load_rules(rules_path)), {}, set()
    n = dead = 0
    started = time.monotonic()
    d = date.fromisoformat(day)
    for env in envelopes(day, root):
        n += 1
        item = parse(env, d)
        if isinstance(item, DeadLetter):
            dead += 1
            continue
        v = scorer.score(item, states.setdefault(item.key, {}), None)
        if isinstance(v, DeadLetter):
            dead += 1
        elif v.alert:
            alerted.add(item.event_id)
    return alerted, {"in": n, "deadletters": dead, "seconds": time.monotonic() - started}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m streaming.quality")
    p.add_argument("mode", choices=["offline"])
    p.add_argument("--day", required=True)
    p.add_argument("--lake")
    p.add_argument("--rules")
    args = p.parse_args(argv)
    alerted, stats = offline(args.day, args.lake, args.rules)
    print(
        f"offline scoring: in {stats['in']}, dead letters {stats['deadletters']}, "
        f"alerts {len(alerted)}, {stats['seconds']:.1f} s"
    )
    print(report(evaluate(alerted, labels(args.day, args.lake))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
