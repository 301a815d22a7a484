"""The landed day: determinism, volume, schema validity, bad records, ground truth."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from simulator_helpers import DAY, EVENTS, ground_truth, landing_lines

from bankflow import lake as lake_paths
from bankflow import schemas
from bankflow.simulator import SimulatorError, generate, generate_day
from bankflow.simulator.bad import BAD_KINDS, QUARANTINE_KINDS
from bankflow.simulator.fraud import SCENARIOS


def _digest(lake: Path, day) -> dict[str, str]:
    """SHA-256 of every landing and ground-truth file of a day."""
    out = {}
    for f in schemas.FEEDS:
        path = Path(lake_paths.landing_file(f.source, f.table, day, str(lake)))
        out[f.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    gt = Path(lake_paths.ground_truth_dir(day, str(lake)))
    for name in ("manifest.json", "fraud_labels.jsonl", "bad_records.jsonl"):
        out[name] = hashlib.sha256((gt / name).read_bytes()).hexdigest()
    return out


def test_same_seed_same_bytes_alone_and_inside_a_range(three_days, tmp_path):
    lake, _ = three_days
    last = DAY + timedelta(days=2)
    args = dict(events=EVENTS, seed=7, bad_rate=0.05, fraud_rate=100)

    alone = tmp_path / "alone"
    generate_day(last, lake=alone, epoch=DAY, **args)
    assert _digest(alone, last) == _digest(lake, last)
    for skipped in (DAY, DAY + timedelta(days=1)):  # regenerated, state only
        assert not Path(lake_paths.ground_truth_dir(skipped, str(alone))).exists()

    # From a cached state part-way: copy day 1's state, not day 2's.
    partial = tmp_path / "partial"
    state = Path(lake_paths.simulator_state_file(DAY, str(lake)))
    target = Path(lake_paths.simulator_state_file(DAY, str(partial)))
    target.parent.mkdir(parents=True)
    shutil.copy(state, target)
    generate_day(last, lake=partial, **args)  # the epoch comes from the cached state
    assert _digest(partial, last) == _digest(lake, last)

    other = tmp_path / "other"
    generate_day(last, lake=other, epoch=DAY, **{**args, "seed": 8})
    assert (
        _digest(other, last)["core_banking.postings"]
        != _digest(lake, last)["core_banking.postings"]
    )


@pytest.mark.parametrize("events", [500, 4000, 12000])
def test_volume_within_one_percent(tmp_path, events):
    m = generate_day(DAY, events=events, lake=tmp_path)
    assert abs(m["totals"]["event_lines"] - events) <= events * 0.01
    assert m["arguments"]["customers"] == max(50, events // 10)
    assert m["feeds"]["core_banking.customers"]["lines"] == m["population"]["customers"]
    assert m["feeds"]["core_banking.accounts"]["lines"] == m["population"]["accounts"]


def test_every_feed_file_written_and_counted(three_days):
    lake, manifests = three_days
    for m in manifests:
        day = DAY.fromisoformat(m["day"])
        total = 0
        for f in schemas.FEEDS:
            lines = landing_lines(lake, f, day)
            assert m["feeds"][f.name]["lines"] == len(lines), f.name
            if f.kind == "event":
                total += len(lines)
        assert total == m["totals"]["event_lines"]
        sources = Counter()
        for name, c in m["feeds"].items():
            if c["kind"] == "event":
                sources[name.split(".")[0]] += c["lines"]
        assert dict(sources) == m["sources"]
        assert set(m["sources"]) == set(schemas.SOURCES)


def test_good_records_valid_and_bad_records_refused_as_expected(three_days):
    lake, manifests = three_days
    for m in manifests:
        day = DAY.fromisoformat(m["day"])
        bad = {(r["feed"], r["line"]): r for r in ground_truth(lake, day, "bad_records.jsonl")}
        seen = Counter()
        for f in schemas.FEEDS:
            names = [x.name for x in f.fields]
            for n, line in enumerate(landing_lines(lake, f, day), 1):
                entry = bad.get((f.name, n))
                try:
                    record = schemas.validate(f, line, day)
                    reason = None
                except schemas.Rejected as exc:
                    reason = exc.reason
                if entry is None or entry["expected"] == "silver":
                    assert reason is None, (f.name, n, line[:200], reason)
                    assert list(record) == names, (f.name, n)  # every key, in schema order
                    assert json.dumps(record, ensure_ascii=False, separators=(",", ":")) == (
                        line.decode("utf-8")
                    )
                else:
                    assert reason == entry["expected"], (f.name, n, entry, line[:200])
                if entry is not None:
                    seen[entry["kind"]] += 1
                    if entry["event_id"] and entry["kind"] != "malformed_json":
                        assert entry["event_id"].encode() in line
        assert dict(seen) == {k: v for k, v in m["bad_records"].items() if v}
        assert sum(m["bad_records"].values()) == m["totals"]["bad"] == len(bad)


def test_every_bad_kind_present_and_silver_kinds_are_what_they_say(three_days):
    lake, manifests = three_days
    m = manifests[1]
    day = DAY + timedelta(days=1)
    assert all(m["bad_records"][k] > 0 for k in BAD_KINDS), m["bad_records"]
    quarantine = sum(m["bad_records"][k] for k in QUARANTINE_KINDS)
    assert m["totals"]["quarantine"] == quarantine
    accounts = {
        json.loads(line)["account_id"] for line in landing_lines(lake, schemas.ACCOUNTS, day)
    }
    files = {f.name: landing_lines(lake, f, day) for f in schemas.FEEDS if f.kind == "event"}
    for r in ground_truth(lake, day, "bad_records.jsonl"):
        lines = files[r["feed"]]
        line = lines[r["line"] - 1]
        if r["kind"] == "duplicate":
            assert line in lines[: r["line"] - 1]
        elif r["kind"] == "late":
            assert json.loads(line)["event_at"][:10] == (day - timedelta(days=1)).isoformat()
        elif r["kind"] == "out_of_order":
            before = [
                json.loads(x).get("event_at", "")
                for x in lines[max(0, r["line"] - 30) : r["line"] - 1]
                if _is_json(x)
            ]
            assert any(json.loads(line)["event_at"] < e for e in before)
        elif r["kind"] == "unknown_account":
            record = json.loads(line)
            ids = {v for k, v in record.items() if k.endswith("account_id")}
            assert ids - accounts


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
        return True
    except ValueError:
        return False


def test_fraud_labels_match_manifest_and_events(three_days):
    lake, manifests = three_days
    for m in manifests:
        day = DAY.fromisoformat(m["day"])
        labels = ground_truth(lake, day, "fraud_labels.jsonl")
        by_scenario = Counter(r["scenario"] for r in labels)
        instances = {s: {r["instance_id"] for r in labels if r["scenario"] == s} for s in SCENARIOS}
        for s in SCENARIOS:
            assert m["fraud"][s]["instances"] == len(instances[s]) >= 1
            assert m["fraud"][s]["labelled_events"] == by_scenario[s]
        ids = {}
        for f in schemas.FEEDS:
            for line in landing_lines(lake, f, day):
                if _is_json(line):
                    ids.setdefault(json.loads(line).get("event_id"), set()).add(f.name)
        for r in labels:
            assert r["feed"] in ids[r["event_id"]], r
            assert r["role"] in ("setup", "trigger")
        for s in SCENARIOS:
            for inst in instances[s]:
                assert any(r["role"] == "trigger" for r in labels if r["instance_id"] == inst)


def test_population_changes_every_day(three_days):
    lake, manifests = three_days
    for m in manifests[1:]:
        day = DAY.fromisoformat(m["day"])
        for feed in (schemas.CUSTOMERS, schemas.ACCOUNTS):
            changed = [json.loads(x) for x in landing_lines(lake, feed, day)]
            assert any(r["updated_at"].startswith(m["day"]) for r in changed), feed.name
        c = m["population"]["changes"]
        assert c["address"] >= 1 and c["credit_limit"] >= 1 and c["status"] >= 1


def test_customer_kinds_behave_differently(tmp_path):
    generate_day(DAY, events=20000, lake=tmp_path, fraud_rate=0, bad_rate=0)
    kind = {}
    owner = {}
    for line in landing_lines(tmp_path, schemas.CUSTOMERS, DAY):
        r = json.loads(line)
        kind[r["customer_id"]] = r["customer_type"]
    for line in landing_lines(tmp_path, schemas.ACCOUNTS, DAY):
        r = json.loads(line)
        owner[r["account_id"]] = kind[r["customer_id"]]
    channel = Counter()
    for line in landing_lines(tmp_path, schemas.POSTINGS, DAY):
        r = json.loads(line)
        channel[(owner[r["account_id"]], r["channel"])] += 1

    def share(k, ch):
        total = sum(v for (kk, _), v in channel.items() if kk == k)
        return channel[(k, ch)] / total

    assert share("student", "mobile") > share("retiree", "mobile")
    assert share("retiree", "branch") > share("student", "branch")
    assert share("small_business", "online") > share("retiree", "online")
    hours = Counter(
        int(json.loads(x)["event_at"][11:13])
        for x in landing_lines(tmp_path, schemas.POSTINGS, DAY)
        if json.loads(x)["channel"] == "card_present"
    )
    assert hours[12] > 3 * hours[3]  # lunch, not the middle of the night


def test_bad_arguments_are_one_line_errors(tmp_path):
    with pytest.raises(SimulatorError, match="not a day"):
        generate_day("2026-02-30", lake=tmp_path)
    with pytest.raises(SimulatorError, match="events"):
        generate_day(DAY, events=10, lake=tmp_path)
    with pytest.raises(SimulatorError, match="negative"):
        generate_day(DAY, events=1000, lake=tmp_path, fraud_rate=-1)
    with pytest.raises(SimulatorError, match="unknown fraud scenario"):
        generate_day(DAY, events=1000, lake=tmp_path, fraud_rate={"phishing": 1})
    with pytest.raises(SimulatorError, match="before the epoch"):
        generate_day(DAY, events=1000, lake=tmp_path, epoch=DAY + timedelta(days=1))
    with pytest.raises(SimulatorError, match="local lake"):
        generate(DAY, lake="s3://bank-lake")


def test_default_lake_is_bank_lake_root(lake):
    m = generate_day(DAY, events=500)
    path = Path(lake_paths.landing_file("core_banking", "postings", DAY))
    assert path.is_relative_to(lake) and path.exists()
    assert m["feeds"]["core_banking.postings"]["lines"] == len(path.read_bytes().splitlines())
