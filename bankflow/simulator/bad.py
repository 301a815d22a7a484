"""Bad records injected into the landing files, with their expected handling.

Two families, as DESIGN.md lists them:

- Records bronze must refuse (``expected`` is the ``schemas.REJECT_REASONS``
  value ``schemas.validate`` gives): invalid UTF-8 bytes in a string value,
  truncated JSON, a missing or an extra field, a wrong type, an enumerated
  value outside its list, an impossible amount, a timestamp in the future.
- Records bronze keeps and silver must handle (``expected`` = ``silver``): an
  exact re-delivery of an earlier line (duplicate), an event of the previous
  day delivered today (late), a line moved out of time order (out_of_order),
  and a record naming an account that does not exist (unknown_account).

A refused record or a record on an unknown account is an extra line, built
from a real record of the same feed under a new ``event_id``: it never
carries a fact the good lines need, so the ledger reconciles without it.
A duplicate is an extra copy; an out-of-order line is a real line moved; a
late record is a real event of the previous evening (``Behaviour.late``).
"""

from __future__ import annotations

import json
from datetime import timedelta

from bankflow import schemas
from bankflow.simulator.day import ENCODERS, DayBuilder, dumps

QUARANTINE_KINDS = schemas.REJECT_REASONS  # each made so that bronze refuses it for that reason
SILVER_KINDS = ("duplicate", "late", "out_of_order", "unknown_account")
BAD_KINDS = QUARANTINE_KINDS + SILVER_KINDS
DEFAULT_RATE = 0.005  # of the day's event records

# The string value that carries Latin-1 bytes in a bad_encoding record, per feed.
TEXT_FIELD = {
    "core_banking.postings": "description",
    "online_banking.logins": "geo_city",
    "online_banking.payees": "payee_name",
    "online_banking.transfers": "geo_city",
    "mobile_app.logins": "geo_city",
    "mobile_app.devices": "device_model",
    "mobile_app.p2p_transfers": "geo_city",
}
ACCOUNT_FIELD = {
    "core_banking.postings": "account_id",
    "online_banking.transfers": "from_account_id",
    "mobile_app.p2p_transfers": "from_account_id",
    "mobile_app.card_controls": "account_id",
    "branch.teller_transactions": "account_id",
}
_MARK = "@@latin-1@@"
UNKNOWN_ACCOUNT_BASE = 9_000_000  # real account ids stay below (population.new_account)


def plan(total: int, rnd) -> dict[str, int]:
    """Split ``total`` bad records over the kinds as evenly as possible."""
    order = list(BAD_KINDS)
    rnd.shuffle(order)
    base, extra = divmod(total, len(BAD_KINDS))
    return {k: base + (1 if order.index(k) < extra else 0) for k in BAD_KINDS}


class _Parsed:
    """A feed's good records read back from their encoded lines, on demand.

    Holding only the lines (not the dicts) halves the memory of a large day;
    the few records bad ones are made from are parsed again when picked.
    """

    def __init__(self, entries: list, n: int) -> None:
        self.entries, self.n = entries, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return json.loads(self.entries[i][2])


class Injector:
    """Turns each feed's sorted good lines into the delivered file, bad lines included."""

    def __init__(self, b: DayBuilder, rnd, labelled: set[str]) -> None:
        self.b = b
        self.rnd = rnd
        self.labelled = labelled
        self.entries: dict[str, list] = {}
        self.records: dict[str, _Parsed] = {}
        self._seq = 0
        self._used: set[tuple[str, int]] = set()  # lines already duplicated or moved

    def load(self, feed: str, records: list[dict]) -> None:
        """Take a feed's good records in time order; only their encoded lines are kept."""
        encode = ENCODERS[feed]
        self.entries[feed] = [[float(i), 0, encode(r), None] for i, r in enumerate(records)]
        self.records[feed] = _Parsed(self.entries[feed], len(records))

    def _extra(
        self, feed: str, key: float, payload, kind: str, event_id: str | None, detail: str
    ) -> None:
        self._seq += 1
        expected = "silver" if kind in SILVER_KINDS else kind
        self.entries[feed].append(
            [
                key,
                self._seq,
                payload,
                {"kind": kind, "expected": expected, "event_id": event_id, "detail": detail},
            ]
        )

    def _template(self, feed: str, reserve: bool = False) -> tuple[int, dict] | None:
        records = self.records[feed]
        for _ in range(50):
            i = self.rnd.randrange(len(records))
            rec = records[i]
            if rec["event_id"] not in self.labelled and (feed, i) not in self._used:
                if reserve:
                    self._used.add((feed, i))
                return i, rec
        return None

    def _feed(self, eligible) -> str | None:
        feeds = [f for f in eligible if self.records.get(f)]
        if not feeds:
            return None
        return self.rnd.choices(feeds, weights=[len(self.records[f]) for f in feeds])[0]

    def inject(self, counts: dict[str, int], late: list[tuple[str, dict]]) -> dict[str, int]:
        """Add the planned bad records; returns how many of each kind were made."""
        made = dict.fromkeys(BAD_KINDS, 0)
        for feed, rec in late:
            n = len(self.records[feed])
            self._extra(
                feed,
                self.rnd.uniform(-0.5, n),
                ENCODERS[feed](rec),
                "late",
                rec["event_id"],
                f"event_at {rec['event_at']} is on the previous day",
            )
            made["late"] += 1
        for kind in BAD_KINDS:
            if kind == "late":
                continue
            for _ in range(counts[kind]):
                if getattr(self, kind)():
                    made[kind] += 1
        return made

    # --- one record of each kind ----------------------------------------------------

    def _fabricate(self, eligible) -> tuple[str, int, dict] | None:
        feed = self._feed(eligible)
        if feed is None:
            return None
        got = self._template(feed)
        if got is None:
            return None
        i, template = got
        rec = dict(template)
        rec["event_id"] = self.b.eid(feed)
        return feed, i, rec

    def bad_encoding(self) -> bool:
        got = self._fabricate(TEXT_FIELD)
        if got is None:
            return False
        feed, i, rec = got
        field = TEXT_FIELD[feed]
        raw = (rec.get(field) or "Café").encode("latin-1", "replace")
        if max(raw) < 0x80:
            raw += " Gebühr".encode("latin-1")
        rec[field] = _MARK
        line = dumps(rec).encode("utf-8").replace(_MARK.encode(), raw)
        self._extra(
            feed, i + 0.5, line, "bad_encoding", rec["event_id"], f"{field} written in Latin-1"
        )
        return True

    def malformed_json(self) -> bool:
        got = self._fabricate(self.records)
        if got is None:
            return False
        feed, i, rec = got
        line = dumps(rec)
        cut = self.rnd.randint(len(line) * 3 // 10, len(line) * 9 // 10)
        self._extra(
            feed,
            i + 0.5,
            line[:cut],
            "malformed_json",
            rec["event_id"],
            f"truncated at character {cut} of {len(line)}",
        )
        return True

    def missing_field(self) -> bool:
        got = self._fabricate(self.records)
        if got is None:
            return False
        feed, i, rec = got
        names = [n for n in schemas.feed(feed).required if n != "event_id"]
        name = self.rnd.choice(names)
        del rec[name]
        self._extra(feed, i + 0.5, dumps(rec), "missing_field", rec["event_id"], name)
        return True

    def unexpected_field(self) -> bool:
        got = self._fabricate(self.records)
        if got is None:
            return False
        feed, i, rec = got
        rec["legacy_reference"] = f"LGC{self.rnd.randint(100000, 999999)}"
        self._extra(
            feed, i + 0.5, dumps(rec), "unexpected_field", rec["event_id"], "legacy_reference"
        )
        return True

    def wrong_type(self) -> bool:
        got = self._fabricate(self.records)
        if got is None:
            return False
        feed, i, rec = got
        if "amount" in rec and self.rnd.random() < 0.6:
            rec["amount"] = f"{rec['amount']:.2f}"
            detail = "amount as a string"
        elif "duration_minutes" in rec:
            rec["duration_minutes"] = str(rec["duration_minutes"])
            detail = "duration_minutes as a string"
        else:
            rec["event_at"] = rec["event_at"].replace("T", " ").replace("Z", "")
            detail = "event_at without T and Z"
        self._extra(feed, i + 0.5, dumps(rec), "wrong_type", rec["event_id"], detail)
        return True

    def invalid_value(self) -> bool:
        eligible = [
            f.name for f in schemas.FEEDS if f.kind == "event" and any(x.values for x in f.fields)
        ]
        got = self._fabricate(eligible)
        if got is None:
            return False
        feed, i, rec = got
        names = [x.name for x in schemas.feed(feed).fields if x.values and rec.get(x.name)]
        name = self.rnd.choice(names)
        value = rec[name]
        rec[name] = value.lower() if value.isupper() else value.upper()
        self._extra(
            feed, i + 0.5, dumps(rec), "invalid_value", rec["event_id"], f"{name}={rec[name]}"
        )
        return True

    def impossible_amount(self) -> bool:
        got = self._fabricate(
            [f.name for f in schemas.FEEDS if f.kind == "event" and "amount" in f.columns]
        )
        if got is None:
            return False
        feed, i, rec = got
        rnd = self.rnd
        choice = rnd.randrange(4)
        rec["amount"] = (0, -rec["amount"], 12_500_000.0, round(rec["amount"] + 0.005, 3))[choice]
        self._extra(
            feed,
            i + 0.5,
            dumps(rec),
            "impossible_amount",
            rec["event_id"],
            f"amount={rec['amount']}",
        )
        return True

    def future_timestamp(self) -> bool:
        got = self._fabricate(self.records)
        if got is None:
            return False
        feed, i, rec = got
        moment = schemas.parse_timestamp(rec["event_at"]) + timedelta(days=self.rnd.randint(2, 400))
        rec["event_at"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._extra(
            feed,
            i + 0.5,
            dumps(rec),
            "future_timestamp",
            rec["event_id"],
            f"event_at={rec['event_at']}",
        )
        return True

    def unknown_account(self) -> bool:
        got = self._fabricate(ACCOUNT_FIELD)
        if got is None:
            return False
        feed, i, rec = got
        field = ACCOUNT_FIELD[feed]
        rec[field] = f"ACC-{UNKNOWN_ACCOUNT_BASE + self.rnd.randrange(999_999):07d}"
        self._extra(
            feed, i + 0.5, dumps(rec), "unknown_account", rec["event_id"], f"{field}={rec[field]}"
        )
        return True

    def duplicate(self) -> bool:
        feed = self._feed(self.records)
        got = feed and self._template(feed, reserve=True)
        if not got:
            return False
        i, rec = got
        n = len(self.records[feed])
        key = min(n - 0.5, i + self.rnd.randint(1, 200) + 0.5)
        self._extra(
            feed,
            key,
            dumps(rec),
            "duplicate",
            rec["event_id"],
            "exact re-delivery of an earlier line",
        )
        return True

    def out_of_order(self) -> bool:
        feed = self._feed([f for f, r in self.records.items() if len(r) >= 20])
        got = feed and self._template(feed, reserve=True)
        if not got:
            return False
        i, rec = got
        entry = self.entries[feed][i]
        if i >= len(self.records[feed]) - 2:
            return False
        n = len(self.records[feed])
        shift = self.rnd.randint(min(50, n // 4) or 1, min(400, n // 2) or 1)
        entry[0] = float(min(n - 0.5, i + shift + 0.25))
        entry[3] = {
            "kind": "out_of_order",
            "expected": "silver",
            "event_id": rec["event_id"],
            "detail": f"delivered {shift} lines after its place",
        }
        return True

    # --- the delivered file -----------------------------------------------------------

    def lines(self, feed: str) -> tuple[list, list[dict]]:
        """The feed's lines in delivery order and the bad-record entries with line numbers."""
        entries = self.entries.get(feed, [])
        entries.sort(key=lambda e: (e[0], e[1]))
        bad = []
        for n, e in enumerate(entries, 1):
            if e[3] is not None:
                bad.append({"feed": feed, "line": n, **e[3]})
        return [e[2] for e in entries], bad
