"""One business day under construction: its records, postings and labels.

Every activity (normal or fraudulent) adds records through ``DayBuilder``,
which gives them deterministic ids and keeps each feed's records with their
time. Postings are kept as intents and booked in time order once the whole
day is known (``book``), so that every ``balance_after`` equals the previous
balance of the account plus or minus the amount, whatever order the
activities were generated in.
"""

from __future__ import annotations

import json
import random

from bankflow import schemas
from bankflow.simulator.core import Clock
from bankflow.simulator.population import Population
from bankflow.simulator.reference import Merchant, Reference

POSTINGS = schemas.POSTINGS.name
ID_PREFIX = {
    "core_banking.customers": "CUX",
    "core_banking.accounts": "ACX",
    "core_banking.postings": "PST",
    "online_banking.logins": "OLG",
    "online_banking.password_resets": "PWR",
    "online_banking.payees": "OPY",
    "online_banking.transfers": "TRF",
    "mobile_app.logins": "MLG",
    "mobile_app.devices": "MDV",
    "mobile_app.p2p_transfers": "P2P",
    "mobile_app.card_controls": "CCT",
    "branch.teller_transactions": "TLR",
    "branch.visits": "VIS",
}
EVENT_FEEDS = tuple(f.name for f in schemas.FEEDS if f.kind == "event")

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(record: dict) -> str:
    """One landing line: compact JSON, keys in dict order, UTF-8 text, nulls written."""
    return _encode(record)


def _compile(feed: schemas.Feed):
    """A function writing a good record of ``feed`` as JSON, twice as fast as ``json``.

    It relies on what the simulator guarantees of its own records: every field
    present, keys in schema order, strings free of quotes, backslashes and
    control characters (the reference lists hold none). Bad records, which
    break those rules on purpose, go through ``dumps``. The tests check that
    both give the same text for every good record of a day.
    """
    parts = []
    for f in feed.fields:
        get = f'r["{f.name}"]'
        if f.type in ("string", "date", "timestamp"):
            value = (
                f'{{"null" if {get} is None else Q + {get} + Q}}'
                if f.nullable
                else (f'"{{{get}}}"')
            )
        else:
            value = (
                f'{{"null" if {get} is None else repr({get})}}' if f.nullable else (f"{{{get}!r}}")
            )
        parts.append(f'"{f.name}":{value}')
    source = "def encode(r):\n    return f'{{" + ",".join(parts) + "}}'\n"
    namespace = {"Q": '"'}
    exec(source, namespace)  # noqa: S102 - source built above from the schema only
    return namespace["encode"]


ENCODERS = {f.name: _compile(f) for f in schemas.FEEDS}


class Intent:
    """A posting waiting to be booked: its signed amount, or how to compute it."""

    __slots__ = ("t", "account", "delta", "record", "dyn", "links", "partner")

    def __init__(self, t: int, account: dict, delta: int | None, record: dict) -> None:
        self.t = t
        self.account = account
        self.delta = delta
        self.record = record
        self.dyn: tuple | None = None  # ("fraction", f, floor_cents) or ("owed", account)
        self.links: list[dict] = []  # records whose amount is this posting's amount
        self.partner: Intent | None = None  # the other leg of an internal transfer


class DayBuilder:
    def __init__(self, day, ref: Reference, pop: Population) -> None:
        self.clock = Clock(day)
        self.day = day
        self.stamp = day.strftime("%Y%m%d")
        self.ref = ref
        self.pop = pop
        self.records: dict[str, list[tuple[int, dict]]] = {name: [] for name in EVENT_FEEDS}
        self.intents: list[Intent] = []
        self.labels: list[tuple[dict, str, str, str, str, str | None, str]] = []
        self.counters = dict.fromkeys(ID_PREFIX, 0)
        self.sessions = 0
        self.n = 0  # event records so far

    # --- ids --------------------------------------------------------------------

    def eid(self, feed: str) -> str:
        self.counters[feed] += 1
        return f"{ID_PREFIX[feed]}-{self.stamp}-{self.counters[feed]:08d}"

    def session(self) -> str:
        self.sessions += 1
        return f"SES-{self.stamp}-{self.sessions:08d}"

    # --- records ----------------------------------------------------------------

    def add(self, feed: str, t: int, record: dict) -> dict:
        self.records[feed].append((t, record))
        self.n += 1
        return record

    def label(
        self,
        record: dict,
        feed: str,
        scenario: str,
        instance: str,
        customer_id: str,
        account_id: str | None,
        role: str,
    ) -> None:
        self.labels.append((record, feed, scenario, instance, customer_id, account_id, role))

    def post(
        self,
        t: int,
        account: dict,
        cents: int | None,
        direction: str,
        ttype: str,
        channel: str,
        *,
        merchant: Merchant | None = None,
        geo: tuple | None = None,
        card: str | None = None,
        counterparty: str | None = None,
        reference: str | None = None,
        description: str | None = None,
    ) -> Intent:
        """Add a posting on ``account``; ``cents`` None means computed when booked."""
        m = merchant
        if m is not None and m.lat is not None:
            geo = (m.city, m.country, m.lat, m.lon)
        record = {
            "event_id": self.eid(POSTINGS),
            "event_at": self.clock.ts(t),
            "account_id": account["account_id"],
            "amount": None if cents is None else cents / 100,
            "currency": account["currency"],
            "direction": direction,
            "transaction_type": ttype,
            "channel": channel,
            "balance_after": None,
            "merchant_id": m.merchant_id if m else None,
            "merchant_name": m.name if m else None,
            "mcc": m.mcc if m else None,
            "merchant_city": geo[0] if geo else None,
            "merchant_country": geo[1] if geo else None,
            "merchant_lat": geo[2] if geo else None,
            "merchant_lon": geo[3] if geo else None,
            "card_id": card,
            "counterparty_account": counterparty,
            "reference_event_id": reference,
            "description": description,
        }
        delta = None if cents is None else (cents if direction == "credit" else -cents)
        intent = Intent(t, account, delta, record)
        self.intents.append(intent)
        self.records[POSTINGS].append((t, record))
        self.n += 1
        return intent

    # --- booking ----------------------------------------------------------------

    def book(self) -> None:
        """Book every posting in time order and fill in amounts and balances."""
        self.intents.sort(key=_by_time)
        for it in self.intents:
            acc = it.account
            if it.delta is None:
                cents = _dynamic_cents(it)
                it.delta = cents if it.record["direction"] == "credit" else -cents
                amount = cents / 100
                it.record["amount"] = amount
                for rec in it.links:
                    rec["amount"] = amount
                if it.partner is not None:
                    p = it.partner
                    p.delta = cents if p.record["direction"] == "credit" else -cents
                    p.record["amount"] = amount
            acc["_bal"] += it.delta
            it.record["balance_after"] = acc["_bal"] / 100
        self.intents = []  # booked; the records keep the outcome


def _by_time(it: Intent) -> int:
    return it.t


def _dynamic_cents(it: Intent) -> int:
    kind = it.dyn[0]
    if kind == "fraction":  # most of what the account holds now
        _, fraction, floor = it.dyn
        return max(floor, int(max(0, it.account["_bal"]) * fraction))
    if kind == "owed":  # settle what another account owes
        owed = -it.dyn[1]["_bal"]
        return max(1, owed)
    raise ValueError(f"unknown dynamic amount {kind!r}")


def pick_cum(rnd: random.Random, items: list, cum: list[float]):
    return rnd.choices(items, cum_weights=cum)[0]
