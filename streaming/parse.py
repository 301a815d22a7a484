"""From an envelope line to a normalized event, or to a dead letter.

An envelope is one line of the live transport (or of a replay):
``{"feed": "core_banking.postings", "emitted_at_ms": 1764755000123,
"value": "<the landing line>"}``. The value is checked with
``bankflow.schemas.validate``, the one validator bronze uses too, so a line
refused here is refused there for the same reason.

A good record becomes an ``Event``: the few fields the detectors read, under
the same names whatever the feed, plus the key it is scored under. Postings
and teller transactions are keyed by account (money moves on an account);
logins, payees, devices, transfers and P2P by customer (a person acts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from bankflow import schemas

# Reasons a line is dead-lettered before the schema sees it; the schema's own
# reasons (schemas.REJECT_REASONS) follow for the value inside the envelope.
ENVELOPE_REASONS = ("malformed_envelope", "unknown_feed")
# A record whose event id this key has already scored: re-delivered by the
# source. It is not scored twice, and it is dead-lettered so it is seen.
DUPLICATE = "duplicate"

ACCOUNT_FEEDS = {"core_banking.postings", "branch.teller_transactions"}
DEBIT_KINDS = {"cash_withdrawal"}


@dataclass
class Event:
    feed: str
    event_id: str
    event_at: str
    ts: float  # event_at as epoch seconds
    emitted_at_ms: int
    key: str  # "account:<id>" or "customer:<id>"
    scored: bool
    customer_id: str | None = None
    account_id: str | None = None
    amount: float | None = None
    direction: str | None = None  # "debit" or "credit"
    kind: str | None = None  # transaction type, transfer type, login outcome, ...
    channel: str | None = None
    device_id: str | None = None
    ip_address: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    payee_id: str | None = None
    counterparty: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class DeadLetter:
    feed: str
    reason: str
    detail: str
    raw: str
    emitted_at_ms: int = 0
    event_id: str | None = None
    key: str = "deadletter"


def parse(line: str, day: date | None = None) -> Event | DeadLetter:
    """One envelope line to an Event, or a DeadLetter with its reason."""
    try:
        envelope = json.loads(line)
        feed_name, value = envelope["feed"], envelope["value"]
        emitted_at_ms = int(envelope.get("emitted_at_ms") or 0)
        if not isinstance(feed_name, str) or not isinstance(value, str):
            raise TypeError("feed and value must be strings")
    except (ValueError, KeyError, TypeError) as exc:
        return DeadLetter("", "malformed_envelope", str(exc)[:200], line[:2000])
    feed = schemas.BY_NAME.get(feed_name)
    if feed is None:
        return DeadLetter(feed_name, "unknown_feed", feed_name, value[:2000], emitted_at_ms)
    try:
        record = schemas.validate(feed, value, day)
    except schemas.Rejected as exc:
        return DeadLetter(feed_name, exc.reason, exc.detail[:200], value[:2000], emitted_at_ms)
    return normalize(feed, record, emitted_at_ms)


class Parser:
    """``parse`` with a delivery day that follows the stream.

    A live stream runs past midnight, and the simulator's live mode cycles to
    the next days. The delivery day starts at the configured day and moves to
    the day of any record accepted as not in the future: the first records of
    the next day (stamped within ``FUTURE_TOLERANCE_SECONDS`` of its start)
    move it on, while a record stamped days ahead is refused and moves nothing.
    """

    def __init__(self, day: date | None = None) -> None:
        self.day = day

    def __call__(self, line: str) -> Event | DeadLetter:
        item = parse(line, self.day)
        if self.day is not None and isinstance(item, Event):
            event_day = date.fromisoformat(item.event_at[:10])
            if event_day > self.day:
                self.day = event_day
        return item


def normalize(feed: schemas.Feed, r: dict, emitted_at_ms: int = 0) -> Event:
    name = feed.name
    customer_id = r.get("customer_id")
    account_id = r.get("account_id") or r.get("from_account_id")
    if name in ACCOUNT_FEEDS:
        key = f"account:{account_id}"
    elif customer_id:
        key = f"customer:{customer_id}"
    else:  # a branch visit without a known customer: validated, nothing to key
        key = "none"
    e = Event(
        feed=name,
        event_id=r["event_id"],
        event_at=r["event_at"],
        ts=schemas.parse_timestamp(r["event_at"]).timestamp(),
        emitted_at_ms=emitted_at_ms,
        key=key,
        scored=feed.scored,
        customer_id=customer_id,
        account_id=account_id,
        amount=float(r["amount"]) if r.get("amount") is not None else None,
        device_id=r.get("device_id"),
        ip_address=r.get("ip_address"),
        payee_id=r.get("payee_id"),
    )
    for prefix in ("merchant", "geo"):
        if r.get(f"{prefix}_lat") is not None and r.get(f"{prefix}_lon") is not None:
            e.lat, e.lon = float(r[f"{prefix}_lat"]), float(r[f"{prefix}_lon"])
        e.country = e.country or r.get(f"{prefix}_country")

    if name == "core_banking.postings":
        e.direction, e.kind, e.channel = r["direction"], r["transaction_type"], r["channel"]
        e.counterparty = r.get("counterparty_account")
    elif name == "branch.teller_transactions":
        e.kind, e.channel = r["transaction_type"], "branch"
        e.direction = "debit" if e.kind in DEBIT_KINDS else "credit"
    elif name in ("online_banking.transfers", "mobile_app.p2p_transfers"):
        e.direction = "debit"
        e.kind = r.get("transfer_type", "p2p")
        e.counterparty = (
            r.get("to_account_id") or r.get("recipient_account_id") or r.get("recipient_phone")
        )
        e.channel = "online" if name.startswith("online") else "mobile"
    elif name.endswith(".logins"):
        e.kind = r["outcome"]
        e.channel = "online" if name.startswith("online") else "mobile"
    elif name == "mobile_app.devices":
        e.kind = r["action"]
    elif name == "online_banking.payees":
        e.kind = "payee_added"
        e.country = r.get("payee_country")
    return e
