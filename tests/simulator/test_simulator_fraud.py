"""The fraud scenarios can be told from normal traffic by the documented signatures.

Reference rules written from docs/fraud-scenarios.md (the thresholds of the
real-time scorer's streaming/rules.yml) run over a generated day; each
scenario must be found (recall >= 0.9 per scenario) without normal traffic
raising many alerts (precision >= 0.8), as the real-time path is asked to.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from datetime import timedelta

import pytest
from simulator_helpers import DAY, ground_truth, landing_lines

from bankflow import schemas
from bankflow.simulator import generate
from bankflow.simulator.fraud import SCENARIOS
from bankflow.simulator.reference import distance_km

EVENTS = 20000


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    lake = tmp_path_factory.mktemp("fraud")
    generate(DAY, days=2, events=EVENTS, seed=11, lake=lake, fraud_rate=50)
    return lake


def _stream(lake, days):
    """Valid, deduplicated event records of the days, in event_at order."""
    seen, out = set(), []
    for day in days:
        for f in schemas.FEEDS:
            if f.kind != "event":
                continue
            for line in landing_lines(lake, f, day):
                try:
                    r = schemas.validate(f, line, day)
                except schemas.Rejected:
                    continue
                if r["event_id"] not in seen:
                    seen.add(r["event_id"])
                    out.append((r["event_at"], f.name, r))
    out.sort(key=lambda x: x[0])
    return out


def _ts(text: str) -> float:
    return schemas.parse_timestamp(text).timestamp()


def reference_alerts(lake, days) -> set[str]:
    """Event ids the documented signatures alert on."""
    debits = defaultdict(deque)  # account -> times of debits
    probes = defaultdict(deque)  # account -> times of card charges <= 2.00
    located = {}  # account -> (time, lat, lon) of the last card-present or ATM posting
    failures = defaultdict(deque)  # customer -> times of failed logins
    risky_payee = {}  # customer -> time of a payee added soon after failed logins
    credits = defaultdict(deque)  # account -> (time, amount) of inbound credits
    cashout = {}  # account -> (first credit time, credit sum, debits since)
    alerts = set()
    for at, feed, r in _stream(lake, days):
        t = _ts(at)
        if feed == "core_banking.postings":
            acc, amount = r["account_id"], r["amount"]
            if r["direction"] == "debit":
                q = debits[acc]
                q.append(t)
                while q and q[0] < t - 600:
                    q.popleft()
                if len(q) > 7:
                    alerts.add(r["event_id"])
            if r["transaction_type"] == "card_purchase":
                q = probes[acc]
                while q and q[0] < t - 1800:
                    q.popleft()
                if amount <= 2.00:
                    q.append(t)
                elif amount >= 200 and len(q) >= 3:
                    alerts.add(r["event_id"])
            if r["channel"] in ("card_present", "atm") and r["merchant_lat"] is not None:
                prev = located.get(acc)
                here = (t, r["merchant_lat"], r["merchant_lon"])
                if prev is not None:
                    km = distance_km(prev[1], prev[2], here[1], here[2])
                    hours = max(t - prev[0], 1) / 3600
                    if km >= 500 and km / hours > 900:
                        alerts.add(r["event_id"])
                located[acc] = here
            q = credits[acc]
            while q and q[0][0] < t - 14400:
                q.popleft()
            if r["direction"] == "credit" and r["transaction_type"] in (
                "transfer_in",
                "p2p_in",
                "cash_deposit",
            ):
                q.append((t, amount))
                if len(q) >= 8:
                    cashout[acc] = (t, sum(a for _, a in q), 0.0)
            elif r["direction"] == "debit" and acc in cashout:
                last, total, out = cashout[acc]
                if t - last <= 7200:
                    out += amount
                    cashout[acc] = (last, total, out)
                    if out >= 0.5 * total:
                        alerts.add(r["event_id"])
        elif feed in ("online_banking.logins", "mobile_app.logins"):
            if r["outcome"] == "failure":
                q = failures[r["customer_id"]]
                q.append(t)
                while q and q[0] < t - 1800:
                    q.popleft()
        elif feed == "online_banking.payees":
            q = failures[r["customer_id"]]
            if sum(1 for x in q if x >= t - 3600) >= 2:
                risky_payee[r["customer_id"]] = t
        elif feed == "online_banking.transfers":
            since = risky_payee.get(r["customer_id"])
            if since is not None and t - since <= 3600 and r["amount"] >= 1000:
                alerts.add(r["event_id"])
    return alerts


def test_reference_rules_find_every_scenario_and_little_else(two_days):
    days = [DAY, DAY + timedelta(days=1)]
    labels = [r for d in days for r in ground_truth(two_days, d, "fraud_labels.jsonl")]
    alerts = reference_alerts(two_days, days)
    labelled = {r["event_id"] for r in labels}
    report = {}
    for s in SCENARIOS:
        instances = defaultdict(set)
        for r in labels:
            if r["scenario"] == s:
                instances[r["instance_id"]].add(r["event_id"])
        found = sum(1 for ids in instances.values() if ids & alerts)
        report[s] = (found, len(instances))
    true = len(alerts & labelled)
    precision = true / len(alerts)
    print(json.dumps({"recall": report, "alerts": len(alerts), "precision": precision}))
    for s, (found, total) in report.items():
        assert total >= 10, s
        assert found / total >= 0.9, (s, report)
    assert precision >= 0.8, (precision, len(alerts))


def test_scenario_shapes(two_days):
    """The bounds docs/fraud-scenarios.md promises, instance by instance."""
    records = {r["event_id"]: (feed, r) for _, feed, r in _stream(two_days, [DAY])}
    labels = ground_truth(two_days, DAY, "fraud_labels.jsonl")
    by_instance = defaultdict(list)
    for lab in labels:
        by_instance[(lab["scenario"], lab["instance_id"])].append(records[lab["event_id"]])
    for (scenario, instance), events in by_instance.items():
        times = sorted(_ts(r["event_at"]) for _, r in events)
        postings = [r for f, r in events if f == "core_banking.postings"]
        if scenario == "account_takeover":
            failed = [r for f, r in events if f.endswith("logins") and r["outcome"] == "failure"]
            assert 2 <= len(failed) <= 4 and times[-1] - times[0] <= 1800, instance
            assert all(
                r["geo_country"] in ("NG", "BR", "TH", "VN", "US", "ID", "MX") for r in failed
            )
            assert [r["amount"] >= 1500 for r in postings] == [True]
        elif scenario == "card_testing":
            small = [r for r in postings if r["amount"] < 2]
            assert len(small) >= 5 and len(postings) - len(small) in (1, 2), instance
            assert all(r["channel"] == "card_not_present" for r in postings)
            assert times[-1] - times[0] <= 3600
        elif scenario == "velocity_burst":
            assert 8 <= len(postings) <= 14 and times[-1] - times[0] <= 600, instance
        elif scenario == "impossible_travel":
            home, *far = sorted(postings, key=lambda r: r["event_at"])
            km = distance_km(
                home["merchant_lat"],
                home["merchant_lon"],
                far[0]["merchant_lat"],
                far[0]["merchant_lon"],
            )
            hours = (_ts(far[0]["event_at"]) - _ts(home["event_at"])) / 3600
            assert km > 3000 and km / hours > 1000, instance
        elif scenario == "mule_account":
            inbound = [r for r in postings if r["direction"] == "credit"]
            outbound = [r for r in postings if r["direction"] == "debit"]
            assert len({r["counterparty_account"] for r in inbound}) == len(inbound) >= 8
            assert sum(r["amount"] for r in outbound) >= 0.8 * sum(r["amount"] for r in inbound)
