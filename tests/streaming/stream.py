"""A short, hand-built stream for the end-to-end tests.

A few quiet customers and accounts going about a morning, one instance of
each fraud scenario, and one bad line of each kind the parser refuses. The
stream knows its own truth: which events belong to which scenario and which
dead-letter reason each bad line must get.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from tests.streaming.builders import envelope, login, payee, posting, record, transfer

PARIS, NEW_YORK = (48.86, 2.35), (40.71, -74.01)


@dataclass
class Stream:
    lines: list[str] = field(default_factory=list)  # envelope lines, in delivery order
    good: dict[str, str] = field(default_factory=dict)  # event_id -> feed, of scored events
    scenarios: dict[str, set[str]] = field(default_factory=dict)  # scenario -> event ids
    bad: list[str] = field(default_factory=list)  # the reason of each bad line, in order

    def add(self, feed: str, r: dict, scenario: str | None = None) -> None:
        self.lines.append(envelope(feed, r))
        self.good[r["event_id"]] = feed
        if scenario:
            self.scenarios.setdefault(scenario, set()).add(r["event_id"])

    def add_bad(self, feed: str, line: str, reason: str) -> None:
        self.lines.append(envelope(feed, line) if feed else line)
        self.bad.append(reason)

    @property
    def labelled(self) -> set[str]:
        return set().union(*self.scenarios.values())


def build(seed: int = 7, quiet: int = 12) -> Stream:
    rnd = random.Random(seed)
    events: list[tuple[float, str, dict, str | None]] = []

    def at_home(t: float, account: str) -> dict:
        lat, lon = PARIS
        return posting(
            t,
            account,
            round(rnd.uniform(8, 80), 2),
            channel="card_present",
            merchant_lat=lat + rnd.uniform(-0.05, 0.05),
            merchant_lon=lon + rnd.uniform(-0.05, 0.05),
            merchant_country="FR",
        )

    for n in range(quiet):
        account, customer = f"acc-q{n}", f"cus-q{n}"
        for k in range(6):
            t = n * 40 + k * rnd.uniform(900, 1500)
            events.append((t, "core_banking.postings", at_home(t, account), None))
        for k in range(2):
            t = n * 40 + k * 3000 + 30
            events.append((t, "online_banking.logins", login(t, customer, ip="10.1.0.1"), None))
            dev = record(
                "mobile_app.logins",
                t + 5,
                customer_id=customer,
                device_id=f"dev-{n}",
                ip_address="10.2.0.1",
            )
            events.append((t + 5, "mobile_app.logins", dev, None))

    # Account takeover: the customer as usual, then failures, a new payee, a large transfer.
    c = "cus-ato"
    events.append((100, "online_banking.logins", login(100, c, ip="10.9.0.1"), None))
    for i in range(4):
        t = 4000 + i * 20
        events.append(
            (
                t,
                "online_banking.logins",
                login(t, c, "failure", ip="203.0.113.9"),
                "account_takeover",
            )
        )
    events.append(
        (4100, "online_banking.logins", login(4100, c, ip="203.0.113.9"), "account_takeover")
    )
    events.append(
        (
            4200,
            "online_banking.payees",
            payee(4200, c, ip_address="203.0.113.9"),
            "account_takeover",
        )
    )
    events.append(
        (
            4300,
            "online_banking.transfers",
            transfer(4300, c, 3000.0, ip="203.0.113.9"),
            "account_takeover",
        )
    )

    # Card testing: four one-euro probes, then a large charge.
    for i in range(4):
        t = 2000 + i * 45
        events.append((t, "core_banking.postings", posting(t, "acc-ct", 1.0), "card_testing"))
    events.append((2300, "core_banking.postings", posting(2300, "acc-ct", 450.0), "card_testing"))

    # Impossible travel: Paris, then New York forty minutes later.
    events.append((1000, "core_banking.postings", at_home(1000, "acc-it"), None))
    lat, lon = NEW_YORK
    events.append(
        (
            3400,
            "core_banking.postings",
            posting(
                3400,
                "acc-it",
                120.0,
                channel="card_present",
                merchant_lat=lat,
                merchant_lon=lon,
                merchant_country="US",
            ),
            "impossible_travel",
        )
    )

    # Velocity burst: twelve debits in four minutes.
    for i in range(12):
        t = 5000 + i * 20
        events.append((t, "core_banking.postings", posting(t, "acc-vel", 60.0), "velocity_burst"))

    # Mule account: nine inbound transfers from strangers, then most of it sent on.
    for i in range(9):
        t = 6000 + i * 120
        events.append(
            (
                t,
                "core_banking.postings",
                posting(
                    t,
                    "acc-mule",
                    500.0,
                    direction="credit",
                    transaction_type="transfer_in",
                    channel="online",
                    counterparty_account=f"ext-{i}",
                ),
                "mule_account",
            )
        )
    events.append(
        (
            7500,
            "core_banking.postings",
            posting(7500, "acc-mule", 2800.0, transaction_type="transfer_out", channel="online"),
            "mule_account",
        )
    )

    stream = Stream()
    for _, feed, r, scenario in sorted(events, key=lambda e: e[0]):
        stream.add(feed, r, scenario)

    p = "core_banking.postings"
    good = posting(50, "acc-bad", 10.0)
    stream.add_bad(p, '{"event_id": "x", "amount": 1', "malformed_json")
    stream.add_bad(
        p, json.dumps({k: v for k, v in good.items() if k != "channel"}), "missing_field"
    )
    stream.add_bad(p, json.dumps(good | {"event_id": "b2", "colour": "red"}), "unexpected_field")
    stream.add_bad(p, json.dumps(good | {"event_id": "b3", "amount": "10.00"}), "wrong_type")
    stream.add_bad(p, json.dumps(good | {"event_id": "b4", "currency": "XXX"}), "invalid_value")
    stream.add_bad(p, json.dumps(good | {"event_id": "b5", "amount": -5.0}), "impossible_amount")
    stream.add_bad(
        p,
        json.dumps(good | {"event_id": "b6", "event_at": "2027-01-01T00:00:00Z"}),
        "future_timestamp",
    )
    stream.add_bad(
        p, json.dumps(good | {"event_id": "b7"}).replace("card", "c\ufffdrd"), "bad_encoding"
    )
    stream.add_bad("", "this is not an envelope", "malformed_envelope")
    stream.add_bad("core_banking.ledger", json.dumps(good), "unknown_feed")
    # A re-delivery: the same posting twice; the second is the duplicate.
    first = stream.lines[len(stream.lines) // 2]
    stream.lines.append(first)
    stream.bad.append("duplicate")
    return stream
