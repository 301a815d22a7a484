"""Hand-made events for the streaming tests, built from bankflow.schemas.

``record(feed, **fields)`` gives a valid landing record of the feed, with a
plausible value for every required field the test does not set; the tests
then say only what matters to them. ``envelope`` wraps a line as the live
transport does.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime, timedelta

from bankflow import schemas

DAY = "2026-11-02"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(seconds: float) -> str:
    """A timestamp ``seconds`` after 09:00 on the test day."""
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _default(f: schemas.Field):
    if f.values:
        return f.values[0]
    return {
        "string": f"{f.name}-x",
        "integer": 1,
        "decimal": 10.0,
        "double": 1.0,
        "boolean": False,
        "date": DAY,
        "timestamp": at(0),
    }[f.type]


def record(feed: str, t: float = 0, **fields) -> dict:
    schema = schemas.feed(feed)
    r = {f.name: _default(f) for f in schema.fields if not f.nullable}
    r["event_id"] = f"ev-{next(_ids):06d}"
    r["event_at"] = at(t)
    r.update(fields)
    return r


def envelope(feed: str, value: dict | str, emitted_at_ms: int | None = None) -> str:
    line = value if isinstance(value, str) else json.dumps(value)
    return json.dumps(
        {"feed": feed, "emitted_at_ms": emitted_at_ms or int(time.time() * 1000), "value": line}
    )


def posting(t: float, account: str, amount: float, **kw) -> dict:
    kw.setdefault("direction", "debit")
    kw.setdefault("transaction_type", "card_purchase")
    kw.setdefault("channel", "card_not_present")
    return record(
        "core_banking.postings", t, account_id=account, amount=amount, balance_after=1000.0, **kw
    )


def login(t: float, customer: str, outcome: str = "success", **kw) -> dict:
    if outcome == "failure":
        kw.setdefault("failure_reason", "bad_password")
    return record(
        "online_banking.logins",
        t,
        customer_id=customer,
        outcome=outcome,
        ip_address=kw.pop("ip", "10.0.0.1"),
        **kw,
    )


def payee(t: float, customer: str, **kw) -> dict:
    return record("online_banking.payees", t, customer_id=customer, **kw)


def transfer(t: float, customer: str, amount: float, **kw) -> dict:
    kw.setdefault("transfer_type", "external")
    return record(
        "online_banking.transfers",
        t,
        customer_id=customer,
        amount=amount,
        from_account_id=kw.pop("account", f"acc-{customer}"),
        ip_address=kw.pop("ip", "10.0.0.1"),
        **kw,
    )
