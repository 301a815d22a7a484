"""The fraud detectors and the scorer, in plain Python.

Each detector reads one event of a key (an account or a customer), the key's
state (a plain dict the detector owns) and the customer's nightly baseline,
and answers with the reasons it fires, each with a weight. The thresholds and
weights come from ``streaming/rules.yml``; nothing here is a tuned number.

The Flink job keeps the state in Flink keyed state and the plain-Python
consumer keeps it in a dict: both call ``Scorer.score`` with the same inputs,
so they give the same scores, and the tests need neither.

Time is event time (``event_at``). Windows are closed intervals
``[ts - window, ts]`` ending at the event being scored, so an event that
arrives out of order is counted where it belongs, not where it arrived. "More than N"
and "at or above X" in rules.yml mean exactly that.
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from streaming.parse import DUPLICATE, DeadLetter, Event

RULES_FILE = Path(__file__).with_name("rules.yml")

Reason = tuple[str, float]


def load_rules(path: str | Path | None = None) -> dict:
    """The rule set: ``streaming/rules.yml`` unless another file is given."""
    import yaml  # in the streaming environment; the parse path does not need it

    rules = yaml.safe_load(Path(path or RULES_FILE).read_text())
    for name in ("version", "alert_threshold", "detectors", "risk", "state"):
        if name not in rules:
            raise ValueError(f"rules file {path or RULES_FILE}: missing {name!r}")
    unknown = set(rules["detectors"]) - set(DETECTORS)
    if unknown:
        raise ValueError(
            f"rules file: unknown detectors {sorted(unknown)}; known {list(DETECTORS)}"
        )
    return rules


@dataclass
class Baseline:
    """What the nightly batch knows of a customer (docs/redis-keys.md)."""

    customer_id: str
    typical_amount: float | None = None
    amount_p95: float | None = None
    usual_devices: frozenset[str] = frozenset()
    usual_countries: frozenset[str] = frozenset()
    home_lat: float | None = None
    home_lon: float | None = None
    segment: str | None = None

    @classmethod
    def from_hash(cls, customer_id: str, h: dict[str, str]) -> Baseline:
        def num(name: str) -> float | None:
            v = h.get(name)
            return float(v) if v not in (None, "") else None

        def names(name: str) -> frozenset[str]:
            return frozenset(json.loads(h[name])) if h.get(name) else frozenset()

        return cls(
            customer_id,
            num("typical_amount"),
            num("amount_p95"),
            names("usual_devices"),
            names("usual_countries"),
            num("home_lat"),
            num("home_lon"),
            h.get("segment"),
        )


def _window(entries: list, ts: float, width: float) -> list:
    """The entries (sorted by their first item, a timestamp) in [ts - width, ts]."""
    lo = bisect.bisect_left(entries, (ts - width,))
    hi = bisect.bisect_right(entries, (ts, math.inf))
    return entries[lo:hi]


def _densest(entries: list, ts: float, width: float) -> list:
    """The fullest window [end - width, end] that holds ts.

    For an event in order this is the window ending at it; for one arriving
    late it may end at a later event, so the late event still completes the
    burst it belongs to.
    """
    ends = [ts] + [t for t, *_ in _window(entries, ts + width, width) if t > ts]
    return max((_window(entries, end, width) for end in ends), key=len)


def _insert(entries: list, item: tuple, horizon: float) -> None:
    """Insert in event-time order and drop what is older than the horizon."""
    bisect.insort(entries, item)
    cutoff = entries[-1][0] - horizon
    while entries and entries[0][0] < cutoff:
        entries.pop(0)


def _is_debit(e: Event) -> bool:
    return e.direction == "debit" and e.amount is not None and e.channel != "system"


class Detector:
    name = ""

    def __init__(self, cfg: dict, horizon_s: float) -> None:
        self.cfg = cfg
        self.horizon = max([horizon_s, *(v for k, v in cfg.items() if k.endswith("_s"))])
        self.feeds = frozenset(cfg.get("feeds", ()))
        self.channels = frozenset(cfg.get("channels", ()))

    def applies(self, e: Event) -> bool:
        return (not self.feeds or e.feed in self.feeds) and (
            not self.channels or e.channel in self.channels
        )

    def observe(self, e: Event, state: dict, baseline: Baseline | None) -> list[Reason]:
        raise NotImplementedError


class Velocity(Detector):
    """Many debits, or much money, in a short window."""

    name = "velocity"

    def observe(self, e, state, baseline):
        if not _is_debit(e):
            return []
        debits = state.setdefault("debits", [])
        _insert(debits, (e.ts, e.amount, e.event_id), self.horizon)
        recent = _densest(debits, e.ts, self.cfg["window_s"])
        reasons = []
        if len(recent) > self.cfg["max_count"]:
            reasons.append(("velocity_count", self.cfg["weight_count"]))
        if len(recent) > 1 and sum(a for _, a, _ in recent) > self.cfg["max_sum"]:
            reasons.append(("velocity_sum", self.cfg["weight_sum"]))
        return reasons


class Amount(Detector):
    """One debit far above what the customer usually spends."""

    name = "amount"

    def observe(self, e, state, baseline):
        if not _is_debit(e):
            return []
        if baseline is not None and baseline.amount_p95:
            if e.amount > self.cfg["baseline_multiple"] * baseline.amount_p95:
                return [("amount_above_baseline", self.cfg["weight"])]
            return []
        if e.amount >= self.cfg["large_amount"]:
            return [("large_amount", self.cfg["weight_no_baseline"])]
        return []


class NewDevice(Detector):
    """A device or IP address the customer has not used before.

    Without a baseline and without any earlier event of the key, nothing can
    be called new: the first device is remembered, not flagged. The same for
    IP addresses, which the baseline does not list.
    """

    name = "new_device"

    def observe(self, e, state, baseline):
        reasons = []
        usual = baseline.usual_devices if baseline else frozenset()
        for attr, reason, weight in (
            ("device_id", "new_device", "weight_device"),
            ("ip_address", "new_ip", "weight_ip"),
        ):
            value = getattr(e, attr)
            if not value:
                continue
            seen = state.setdefault(attr, [])
            known = value in usual or value in seen
            # The baseline lists devices, not IP addresses: an IP is new only
            # against the addresses this key has used before.
            history = seen or (baseline is not None and attr == "device_id")
            if not known and history:
                reasons.append((reason, self.cfg[weight]))
            if value not in seen:
                seen.append(value)
                del seen[: -self.cfg.get("max_devices", 20)]
        return reasons


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


class ImpossibleTravel(Detector):
    """A card-present event in a new place, too far from the last one for the time between.

    Only a new place counts: a card back where it has been seen before is the
    customer at home again, even right after a fraudulent use far away.
    """

    name = "impossible_travel"

    def observe(self, e, state, baseline):
        if e.lat is None or e.lon is None:
            return []
        c = self.cfg
        points = state.setdefault("points", [])
        # The neighbours in event time, before and after: an event arriving
        # out of order is compared with the events around it.
        i = bisect.bisect_left(points, (e.ts,))
        neighbours = points[max(0, i - 1) : i + 1]
        new_place = all(
            _km(lat, lon, e.lat, e.lon) > c["min_distance_km"] for _, lat, lon in points
        )
        _insert(points, (e.ts, e.lat, e.lon), self.horizon)
        del points[:-50]
        if not new_place:
            return []
        for ts, lat, lon in neighbours:
            hours = abs(e.ts - ts) / 3600
            km = _km(lat, lon, e.lat, e.lon)
            if hours == 0 or km / hours > c["max_speed_kmh"]:
                return [("impossible_travel", c["weight"])]
        return []


class AccountTakeover(Detector):
    """Failed logins, then a payee added, then a large transfer, in bounded time.

    The three parts come from three feeds, which a transport may deliver in
    any order; the match is looked for whenever any part arrives, so the
    event that completes it raises the alert, whichever it is.
    """

    name = "account_takeover"

    def observe(self, e, state, baseline):
        c = self.cfg
        failures = state.setdefault("failures", [])
        payees = state.setdefault("payees", [])
        transfers = state.setdefault("transfers", [])
        alerted = state.setdefault("alerted", [])  # payees whose match has alerted
        if e.feed.endswith(".logins"):
            if e.kind != "failure":
                return []
            _insert(failures, (e.ts,), self.horizon)
            role = "failure"
        elif e.kind == "payee_added":
            _insert(payees, (e.ts,), self.horizon)
            role = "payee"
        elif _is_debit(e) and e.amount >= c["large_transfer"]:
            _insert(transfers, (e.ts,), self.horizon)
            role = "transfer"
        else:
            return []

        for (p,) in payees:
            if not self._after_failures(failures, p):
                continue
            cash_out = [t for (t,) in transfers if p <= t <= p + c["transfer_within_s"]]
            if not cash_out:
                continue
            involved = {
                "payee": e.ts == p,
                "transfer": e.ts in cash_out,
                "failure": p - c["payee_within_s"] <= e.ts <= p,
            }[role]
            # Every large transfer of a match alerts; the other parts only the
            # first time they complete it.
            if involved and (role == "transfer" or p not in alerted):
                alerted.append(p)
                return [("account_takeover", c["weight"])]

        if role == "failure":
            if len(_window(failures, e.ts, c["failed_window_s"])) >= c["min_failed_logins"]:
                return [("failed_logins", c["weight_failures"])]
        elif role == "payee" and self._after_failures(failures, e.ts):
            return [("payee_after_failed_logins", c["weight_payee_after_failures"])]
        return []

    def _after_failures(self, failures: list, ts: float) -> bool:
        """Enough failed logins, close together, in the time before ``ts``."""
        c = self.cfg
        before = _window(failures, ts, c["payee_within_s"])
        return len(before) >= c["min_failed_logins"] and any(
            len(_window(failures, t, c["failed_window_s"])) >= c["min_failed_logins"]
            for (t,) in before
        )


class CardTesting(Detector):
    """Tiny card charges probing a card, then a large charge."""

    name = "card_testing"

    def observe(self, e, state, baseline):
        c = self.cfg
        if not _is_debit(e) or e.kind != "card_purchase":
            return []
        probes = state.setdefault("probes", [])
        if e.amount <= c["tiny_amount"]:
            _insert(probes, (e.ts,), self.horizon)
            if len(_window(probes, e.ts, c["window_s"])) >= c["min_probes"]:
                return [("card_testing_probe", c["weight_probe"])]
            return []
        probed = len(_window(probes, e.ts, c["window_s"])) >= c["min_probes"]
        if e.amount >= c["large_amount"] and probed:
            return [("card_testing", c["weight"])]
        return []


class Mule(Detector):
    """Many inbound credits, then the money sent out fast."""

    name = "mule"

    def observe(self, e, state, baseline):
        c = self.cfg
        credits = state.setdefault("credits", [])
        debits = state.setdefault("debits", [])
        if e.amount is None:
            return []
        if e.direction == "credit" and e.kind in c["credit_kinds"]:
            _insert(credits, (e.ts, e.amount), self.horizon)
            if len(_window(credits, e.ts, c["window_s"])) >= c["min_credits"]:
                return [("mule_inbound", c["weight_inbound"])]
            return []
        if e.direction != "debit" or e.kind not in c["debit_kinds"]:
            return []
        _insert(debits, (e.ts, e.amount), self.horizon)
        inbound = _window(credits, e.ts, c["window_s"])
        if len(inbound) < c["min_credits"] or e.ts - inbound[-1][0] > c["cashout_within_s"]:
            return []
        # One alert per wave of credits: later debits of the same wave are the
        # customer's own spending, or the rest of a cash-out already alerted.
        if state.get("alerted_wave", -math.inf) >= inbound[-1][0]:
            return []
        since = inbound[0][0]
        sent = sum(a for t, a in debits if since <= t <= e.ts)
        if sent >= c["cashout_fraction"] * sum(a for _, a in inbound):
            state["alerted_wave"] = inbound[-1][0]
            return [("mule_cashout", c["weight"])]
        return []


DETECTORS: dict[str, type[Detector]] = {
    d.name: d
    for d in (Velocity, Amount, NewDevice, ImpossibleTravel, AccountTakeover, CardTesting, Mule)
}


@dataclass
class Score:
    """The verdict on one event, as the sink writes it."""

    event: Event
    score: float
    reasons: list[str]
    alert: bool
    rule_version: str
    risk: float
    alerts_on_key: int = 0
    extra: dict = field(default_factory=dict)


class Scorer:
    """All detectors of a rule set over one key's state."""

    def __init__(self, rules: dict) -> None:
        self.rules = rules
        horizon = rules["state"]["horizon_s"]
        self.detectors = [
            DETECTORS[name](cfg | {"max_devices": rules["state"]["max_devices"]}, horizon)
            for name, cfg in rules["detectors"].items()
        ]
        self.threshold = float(rules["alert_threshold"])
        self.half_life = float(rules["risk"]["half_life_s"])
        self.dedup = int(rules["state"]["dedup_event_ids"])

    def score(self, e: Event, state: dict, baseline: Baseline | None) -> Score | DeadLetter:
        """Score ``e`` and update ``state`` (the key's, owned by the caller)."""
        seen = state.setdefault("seen", [])
        if e.event_id in seen:
            return DeadLetter(
                e.feed,
                DUPLICATE,
                f"event_id {e.event_id} already scored",
                "",
                e.emitted_at_ms,
                e.event_id,
            )
        seen.append(e.event_id)
        del seen[: -self.dedup]

        reasons: list[Reason] = []
        for d in self.detectors:
            if d.applies(e):
                reasons.extend(d.observe(e, state.setdefault(d.name, {}), baseline))
        score = 1.0
        for _, weight in reasons:
            score *= 1.0 - weight
        score = round(1.0 - score, 4)
        codes = [code for code, _ in reasons]
        if baseline is None:
            codes.append("no_baseline")
        if e.extra.get("unknown_account"):
            codes.append("unknown_account")
        alert = e.scored and score >= self.threshold

        risk, risk_ts = state.get("risk", (0.0, e.ts))
        if e.ts > risk_ts:
            risk *= 0.5 ** ((e.ts - risk_ts) / self.half_life)
        state["risk"] = (max(risk, score), max(e.ts, risk_ts))
        state["alerts"] = state.get("alerts", 0) + int(alert)
        return Score(
            e,
            score,
            codes,
            alert,
            self.rules["version"],
            round(state["risk"][0], 4),
            state["alerts"],
        )
