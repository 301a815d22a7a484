"""Normal customer behaviour: what each kind of customer does on a day.

Behaviour follows from the customer's kind. Students live on their phone
(mobile sessions, P2P, small card and online purchases); salaried customers
are paid on their pay day and spend by card; retirees are paid a pension on
the first and go to the branch; small businesses move money by online
transfer and receive many inbound payments. Every activity has an hour
profile (card spending peaks at lunch and after work, branches keep opening
hours and close on Sunday) and a weekday factor.

Normal traffic is kept clear of the fraud signatures documented in
docs/fraud-scenarios.md: logins come from the customer's home country (or,
on a travel day, from one European city), payees are added only from home,
card-not-present amounts are rarely below 2.00, card-present postings stay
in one city per day, and outbound transfers stay well below the balance.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta

from bankflow.simulator.core import DAY_US, HOUR_US, MINUTE_US, SECOND_US, clamp, one, pick, ri
from bankflow.simulator.day import DayBuilder
from bankflow.simulator.population import iban, lognormal_cents
from bankflow.simulator.reference import AMOUNTS

_H = HOUR_US

# Relative hour profiles (0..23) of each activity.
HOURS = {
    "card": (
        0.2,
        0.1,
        0.05,
        0.05,
        0.05,
        0.2,
        0.6,
        1.5,
        2.5,
        3,
        3.5,
        4.5,
        6,
        5,
        4,
        4,
        5,
        6.5,
        6.5,
        5,
        3.5,
        2,
        1,
        0.5,
    ),
    "online_shop": (
        1,
        0.6,
        0.3,
        0.2,
        0.2,
        0.3,
        0.6,
        1.2,
        1.8,
        2,
        2,
        2.2,
        2.5,
        2.2,
        2,
        2,
        2.2,
        2.6,
        3,
        3.6,
        4.2,
        4.2,
        3,
        2,
    ),
    "mobile": (
        0.5,
        0.3,
        0.1,
        0.1,
        0.1,
        0.3,
        1.5,
        3,
        3,
        2.5,
        2.5,
        3,
        4,
        3.5,
        3,
        3,
        3.5,
        4,
        4.5,
        5,
        5.5,
        5,
        3.5,
        1.5,
    ),
    "online": (
        0.3,
        0.1,
        0.05,
        0.05,
        0.05,
        0.2,
        0.8,
        2,
        3,
        3.5,
        3.5,
        3,
        3,
        3,
        3,
        3,
        3,
        3,
        3,
        3.5,
        4,
        3.5,
        2,
        1,
    ),
    "branch": (0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 4, 2, 1, 3, 4, 4, 3, 0, 0, 0, 0, 0, 0),
    "branch_saturday": (0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "inbound": (0, 0, 0, 0, 0, 0, 1, 3, 4, 4, 3, 3, 2, 2, 3, 3, 3, 2, 1, 0, 0, 0, 0, 0),
    "travel": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 6, 5, 4, 4, 5, 6, 6, 5, 4, 0, 0, 0),
}
# Expected activities of one kind of customer on a weekday; the relative
# weight decides both who acts and what they do.
ACTIVITY = {
    "student": {
        "card": 2.0,
        "online_shop": 2.0,
        "atm": 0.4,
        "mobile": 3.0,
        "online": 0.3,
        "branch": 0.05,
        "inbound": 0.1,
    },
    "salaried": {
        "card": 3.0,
        "online_shop": 1.2,
        "atm": 0.5,
        "mobile": 1.5,
        "online": 1.2,
        "branch": 0.15,
        "inbound": 0.15,
    },
    "retiree": {
        "card": 2.0,
        "online_shop": 0.2,
        "atm": 0.6,
        "mobile": 0.2,
        "online": 0.4,
        "branch": 1.0,
        "inbound": 0.1,
    },
    "small_business": {
        "card": 1.5,
        "online_shop": 1.0,
        "atm": 0.2,
        "mobile": 0.5,
        "online": 3.0,
        "branch": 0.3,
        "inbound": 2.5,
    },
}
# Weekday factor (Monday 0 .. Sunday 6) per activity.
WEEKDAY = {
    "card": (1, 1, 1, 1, 1.1, 1.4, 0.5),
    "online_shop": (1, 1, 1, 1, 1, 1.1, 1.4),
    "atm": (1, 1, 1, 1, 1.2, 1.3, 0.6),
    "mobile": (1, 1, 1, 1, 1, 1.1, 1.2),
    "online": (1.2, 1, 1, 1, 1, 0.6, 0.6),
    "branch": (1.1, 1, 1, 1, 1.1, 0.4, 0),
    "inbound": (1.1, 1, 1, 1, 1.1, 0.1, 0.05),
}
CARD_CATEGORY = {
    "grocery": 30,
    "bakery": 15,
    "restaurant": 10,
    "fast_food": 10,
    "fuel": 8,
    "pharmacy": 6,
    "clothing": 4,
    "electronics": 1.5,
    "department_store": 3,
    "taxi": 3,
    "books": 2,
    "hardware": 1.5,
    "hotel": 4,
    "souvenirs": 5,
}
ONLINE_CATEGORY = {
    "online_retail": 30,
    "digital_goods": 18,
    "subscriptions": 10,
    "food_delivery": 15,
    "ride_hailing": 10,
    "airline": 2,
    "travel_agency": 3,
    "electronics": 5,
}
P2P_SHARE = {"student": 0.45, "salaried": 0.2, "retiree": 0.05, "small_business": 0.1}
TRANSFER_SHARE = {"student": 0.2, "salaried": 0.45, "retiree": 0.35, "small_business": 0.75}
TRAVEL_SHARE = 0.004  # customers on a trip in another European city on a given day
ATM_AMOUNTS = (20, 50, 100, 150, 200, 300, 400)
ATM_WEIGHTS = (8, 25, 30, 10, 15, 7, 5)
MIN_CARD_CENTS = 100


def _cum(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


HOUR_CUM = {k: _cum(v) for k, v in HOURS.items()}
HOUR_LIST = list(range(24))
ATM_CUM = _cum(ATM_WEIGHTS)
AUTH_METHODS = ("biometric", "pin", "password")
AUTH_CUM = _cum((6, 3, 1))
VISIT_PURPOSES = ("cash", "advice", "account_opening", "card_issue", "complaint")
VISIT_CUM = _cum((55, 20, 5, 10, 10))


class Behaviour:
    """Adds the normal activities of one day to a ``DayBuilder``."""

    def __init__(self, b: DayBuilder, rnd, blocked: set[str]) -> None:
        self.b = b
        self.rnd = rnd
        self.ref = b.ref
        self.pop = b.pop
        weekday = b.day.weekday()
        self.weekday = weekday
        self.actors = []
        for c in self.pop.customers:
            checking = self.pop.account(c, "checking")
            if checking is None or checking["account_id"] in blocked:
                continue
            cc = self.pop.account(c, "credit_card")
            savings = self.pop.account(c, "savings")
            if cc is not None and cc["account_id"] in blocked:
                cc = None
            if savings is not None and savings["account_id"] in blocked:
                savings = None
            self.actors.append((c, checking, cc, savings))
        if not self.actors:
            raise ValueError("no customer with an active checking account to simulate")
        acts = {}
        for kind, table in ACTIVITY.items():
            names = list(table)
            weights = [table[a] * WEEKDAY[a][weekday] for a in names]
            acts[kind] = (names, _cum(weights), sum(weights))
        self.acts = acts
        self.actor_cum = _cum(acts[a[0]["customer_type"]][2] for a in self.actors)
        self.travel = {}
        for a in self.actors:
            if rnd.random() < TRAVEL_SHARE:
                self.travel[a[0]["customer_id"]] = one(rnd, self.ref.travel_cities)
        self._local_cum = {}
        self._online = self._weighted(self.ref.online, ONLINE_CATEGORY)
        self.branch_hours = HOUR_CUM["branch_saturday" if weekday == 5 else "branch"]
        self.branch_by_id = {br.branch_id: br for br in self.ref.branches}
        self.branches_in: dict[str, list] = {}
        for br in self.ref.branches:
            self.branches_in.setdefault(br.city, []).append(br)
        # Windows (per customer) kept free of the customer's own card use, so that a
        # fraud instance's card events are not mixed with normal ones (fraud.py).
        self.quiet: dict[str, list[tuple[int, int]]] = {}

    # --- helpers ---------------------------------------------------------------

    def _weighted(self, merchants, table):
        counts: dict[str, int] = {}
        for m in merchants:
            counts[m.category] = counts.get(m.category, 0) + 1
        ms = [m for m in merchants if table.get(m.category)]
        return ms, _cum(table[m.category] / counts[m.category] for m in ms)

    def local(self, city: str):
        got = self._local_cum.get(city)
        if got is None:
            got = self._local_cum[city] = self._weighted(self.ref.local[city], CARD_CATEGORY)
        return got

    def hour(self, profile: str) -> int:
        rnd = self.rnd
        h = pick(rnd, HOUR_LIST, HOUR_CUM[profile])
        return int((h + rnd.random()) * _H)

    def amount(self, category: str, kind: str) -> int:
        median, sigma = AMOUNTS[category]
        cents = median * 100 * math.exp(self.rnd.gauss(0.0, sigma))
        if kind == "small_business":
            cents *= 1.6
        return max(MIN_CARD_CENTS, int(cents))

    def geo(self, city: str, jitter: float = 0.03) -> tuple:
        country, lat, lon = self.ref.city_geo[city]
        r = self.rnd
        return (
            city,
            country,
            round(lat + r.uniform(-jitter, jitter), 4),
            round(lon + r.uniform(-jitter, jitter), 4),
        )

    def card_time(self, c: dict, profile: str) -> int:
        t = self.hour(profile)
        for start, end in self.quiet.get(c["customer_id"], ()):
            if start <= t <= end:  # moved out of the window, spread (not clumped) beside it
                r = self.rnd.random()
                if end + 2 * HOUR_US < DAY_US:
                    t = end + 1 + int(r * 2 * HOUR_US)
                else:
                    t = int(r * max(1, start))
        return t

    def whereabouts(self, c: dict) -> tuple[str, bool]:
        city = self.travel.get(c["customer_id"])
        return (city, True) if city else (c["city"], False)

    # --- the day ----------------------------------------------------------------

    def fill(self, target: int) -> None:
        """Add normal activities until the day holds ``target`` event records."""
        b, rnd = self.b, self.rnd
        actors, cum = self.actors, self.actor_cum
        acts = self.acts
        run = {
            "card": self.card,
            "online_shop": self.online_shop,
            "atm": self.atm,
            "mobile": self.mobile,
            "online": self.online,
            "branch": self.branch,
            "inbound": self.inbound,
        }
        while b.n < target:
            batch = rnd.choices(actors, cum_weights=cum, k=min(4096, target - b.n))
            for actor in batch:
                left = target - b.n
                if left <= 0:
                    break
                if left < 8:
                    self.card(actor)
                    continue
                names, acum, _ = acts[actor[0]["customer_type"]]
                run[pick(rnd, names, acum)](actor)

    def card(self, actor) -> None:
        c, checking, cc, _ = actor
        city, away = self.whereabouts(c)
        t = self.card_time(c, "travel" if away else "card")
        self._card_purchase(t, c, checking, cc, self.local(city), 0.45, "card_present")

    def online_shop(self, actor) -> None:
        c, checking, cc, _ = actor
        t = self.card_time(c, "online_shop")
        self._card_purchase(t, c, checking, cc, self._online, 0.6, "card_not_present")

    def _card_purchase(self, t, c, checking, cc, merchants, credit_share, channel) -> None:
        """A card purchase at one of ``merchants``, on the credit card ``credit_share``
        of the time when the customer has an open one, else on the checking card."""
        rnd = self.rnd
        m = pick(rnd, *merchants)
        acc = cc if _card_open(cc) and rnd.random() < credit_share else checking
        self.b.post(
            t,
            acc,
            self.amount(m.category, c["customer_type"]),
            "debit",
            "card_purchase",
            channel,
            merchant=m,
            card=acc["card_id"],
            description=m.name,
        )

    def atm(self, actor) -> None:
        c, checking, _, _ = actor
        rnd = self.rnd
        city, away = self.whereabouts(c)
        t = self.card_time(c, "travel" if away else "card")
        cents = pick(rnd, ATM_AMOUNTS, ATM_CUM) * 100
        geo = self.geo(city)
        b = self.b
        b.post(
            t,
            checking,
            cents,
            "debit",
            "atm_withdrawal",
            "atm",
            geo=geo,
            card=checking["card_id"],
            description=f"ATM {city}",
        )
        if away:
            b.post(
                t + SECOND_US,
                checking,
                250,
                "debit",
                "fee",
                "system",
                card=checking["card_id"],
                description="Foreign ATM fee",
            )

    def inbound(self, actor) -> None:
        c, checking, _, _ = actor
        rnd = self.rnd
        t = self.hour("inbound")
        median = 90_000 if c["customer_type"] == "small_business" else 15_000
        cents = lognormal_cents(rnd, median, 0.9)
        self.b.post(
            t,
            checking,
            cents,
            "credit",
            "transfer_in",
            "system",
            counterparty=iban(rnd, c["country"]),
            description="SEPA credit transfer",
        )

    def mobile(self, actor) -> None:
        c, checking, cc, savings = actor
        if not c["_dev"]:
            return self.card(actor)
        b, rnd = self.b, self.rnd
        clock = b.clock
        kind = c["customer_type"]
        city, away = self.whereabouts(c)
        t = self.hour("mobile")
        device = c["_dev"][0] if len(c["_dev"]) == 1 or rnd.random() < 0.85 else one(rnd, c["_dev"])
        feed = "mobile_app.devices"
        if rnd.random() < 0.003 and not away:
            if len(c["_dev"]) >= 3:
                old = c["_dev"].pop(0)
                b.add(
                    feed,
                    t - 120 * SECOND_US,
                    {
                        "event_id": b.eid(feed),
                        "event_at": clock.ts(max(0, t - 120 * SECOND_US)),
                        "customer_id": c["customer_id"],
                        "device_id": old[0],
                        "action": "deregistered",
                        "os": old[1],
                        "os_version": old[2],
                        "app_version": old[3],
                        "device_model": old[4],
                    },
                )
            device = self.pop.new_device(c, rnd)
            b.add(
                feed,
                t - 60 * SECOND_US,
                {
                    "event_id": b.eid(feed),
                    "event_at": clock.ts(max(0, t - 60 * SECOND_US)),
                    "customer_id": c["customer_id"],
                    "device_id": device[0],
                    "action": "registered",
                    "os": device[1],
                    "os_version": device[2],
                    "app_version": device[3],
                    "device_model": device[4],
                },
            )
        geo = self.geo(city)
        session = b.session()
        if rnd.random() < 0.04:
            self.mobile_login(
                max(0, t - ri(rnd, 5, 40) * SECOND_US),
                c,
                device,
                geo,
                session,
                "failure",
                one(rnd, ("bad_password", "mfa_failed")),
            )
        self.mobile_login(t, c, device, geo, session, "success", None)
        t += ri(rnd, 10, 90) * SECOND_US
        if rnd.random() < P2P_SHARE[kind]:
            self.p2p(clamp(t), c, checking, device, geo, session)
            t += ri(rnd, 10, 60) * SECOND_US
        if rnd.random() < 0.03:
            acc = cc if cc is not None and rnd.random() < 0.5 else checking
            control = rnd.choices(("lock", "unlock", "set_limit", "travel_notice"), (3, 3, 2, 1))[0]
            value = {
                "set_limit": str(one(rnd, (500, 1000, 2000))),
                "travel_notice": one(rnd, ("FR", "IT", "ES", "NL", "GB", "CZ")),
            }.get(control)
            feed = "mobile_app.card_controls"
            b.add(
                feed,
                clamp(t),
                {
                    "event_id": b.eid(feed),
                    "event_at": clock.ts(clamp(t)),
                    "customer_id": c["customer_id"],
                    "account_id": acc["account_id"],
                    "card_id": acc["card_id"],
                    "device_id": device[0],
                    "control": control,
                    "value": value,
                },
            )

    def mobile_login(
        self,
        t: int,
        c: dict,
        device: list,
        geo: tuple,
        session: str,
        outcome: str,
        reason: str | None,
        method: str | None = None,
        ip: str | None = None,
    ) -> dict:
        b = self.b
        feed = "mobile_app.logins"
        method = method or pick(self.rnd, AUTH_METHODS, AUTH_CUM)
        return b.add(
            feed,
            t,
            {
                "event_id": b.eid(feed),
                "event_at": b.clock.ts(t),
                "customer_id": c["customer_id"],
                "session_id": session,
                "device_id": device[0],
                "auth_method": method,
                "outcome": outcome,
                "failure_reason": reason,
                "os": device[1],
                "app_version": device[3],
                "ip_address": ip or c["_ip"],
                "geo_city": geo[0],
                "geo_country": geo[1],
                "geo_lat": geo[2],
                "geo_lon": geo[3],
            },
        )

    def p2p(self, t: int, c: dict, checking: dict, device: list, geo: tuple, session: str) -> None:
        b, rnd = self.b, self.rnd
        median = 2_500 if c["customer_type"] == "student" else 6_000
        cents = lognormal_cents(rnd, median, 0.8)
        recipient_acc = None
        phone = f"+4917{ri(rnd, 10_000_000, 99_999_999)}"
        if rnd.random() < 0.3:
            other = pick(rnd, self.actors, self.actor_cum)
            if other[0] is not c and other[1]["currency"] == checking["currency"]:
                recipient_acc = other[1]
                phone = other[0]["phone"] or phone
        feed = "mobile_app.p2p_transfers"
        rec = b.add(
            feed,
            t,
            {
                "event_id": b.eid(feed),
                "event_at": b.clock.ts(t),
                "customer_id": c["customer_id"],
                "session_id": session,
                "device_id": device[0],
                "from_account_id": checking["account_id"],
                "recipient_phone": phone,
                "recipient_account_id": recipient_acc["account_id"] if recipient_acc else None,
                "amount": cents / 100,
                "currency": checking["currency"],
                "geo_city": geo[0],
                "geo_country": geo[1],
                "geo_lat": geo[2],
                "geo_lon": geo[3],
            },
        )
        t2 = clamp(t + ri(rnd, 1, 5) * SECOND_US)
        b.post(
            t2,
            checking,
            cents,
            "debit",
            "p2p_out",
            "mobile",
            counterparty=recipient_acc["account_id"] if recipient_acc else None,
            reference=rec["event_id"],
            description=f"P2P to {phone[:6]}***",
        )
        if recipient_acc is not None:
            b.post(
                clamp(t2 + SECOND_US),
                recipient_acc,
                cents,
                "credit",
                "p2p_in",
                "mobile",
                counterparty=checking["account_id"],
                reference=rec["event_id"],
                description="P2P received",
            )

    def online_login(
        self,
        t: int,
        c: dict,
        geo: tuple,
        session: str,
        outcome: str,
        reason: str | None,
        ip: str | None = None,
        ua: str | None = None,
    ) -> dict:
        b = self.b
        feed = "online_banking.logins"
        return b.add(
            feed,
            t,
            {
                "event_id": b.eid(feed),
                "event_at": b.clock.ts(t),
                "customer_id": c["customer_id"],
                "session_id": session,
                "outcome": outcome,
                "failure_reason": reason,
                "ip_address": ip or c["_ip"],
                "user_agent": ua or c["_ua"],
                "geo_city": geo[0],
                "geo_country": geo[1],
                "geo_lat": geo[2],
                "geo_lon": geo[3],
            },
        )

    def online(self, actor) -> None:
        c, checking, cc, savings = actor
        b, rnd = self.b, self.rnd
        kind = c["customer_type"]
        city, away = self.whereabouts(c)
        t = self.hour("online")
        geo = self.geo(city)
        session = b.session()
        if rnd.random() < 0.005 and not away:
            feed = "online_banking.password_resets"
            tr = max(0, t - ri(rnd, 60, 300) * SECOND_US)
            b.add(
                feed,
                tr,
                {
                    "event_id": b.eid(feed),
                    "event_at": b.clock.ts(tr),
                    "customer_id": c["customer_id"],
                    "session_id": None,
                    "delivery": one(rnd, ("email", "sms")),
                    "ip_address": c["_ip"],
                },
            )
        if rnd.random() < 0.03:
            self.online_login(
                max(0, t - ri(rnd, 5, 60) * SECOND_US),
                c,
                geo,
                b.session(),
                "failure",
                "bad_password",
            )
        self.online_login(t, c, geo, session, "success", None)
        if rnd.random() >= TRANSFER_SHARE[kind]:
            return
        t = clamp(t + ri(rnd, 20, 240) * SECOND_US)
        balance = max(0, checking["_bal"])
        roll = rnd.random()
        business = kind == "small_business"
        if savings is not None and roll < 0.3:
            cents = lognormal_cents(rnd, 200_000 if business else 20_000, 0.8)
            cents = max(1_000, min(cents, int(balance * 0.3)))
            self.transfer(t, c, checking, "internal", cents, geo, session, to_account=savings)
            return
        bill = roll > 0.8
        if not away and (not c["_payees"] or rnd.random() < 0.02):
            payee = self.pop.new_payee(c, rnd, c["country"])
            self.add_payee(t, c, session, payee, c["_ip"])
            t = clamp(t + ri(rnd, 20, 120) * SECOND_US)
        elif not c["_payees"]:
            return
        else:
            payee = one(rnd, c["_payees"])
        median = (90_000 if business else 15_000) if not bill else 8_000
        cents = lognormal_cents(rnd, median, 0.9)
        cents = max(500, min(cents, int(balance * 0.3)))
        self.transfer(
            t, c, checking, "bill_payment" if bill else "external", cents, geo, session, payee=payee
        )

    def add_payee(self, t: int, c: dict, session: str, payee: list, ip: str) -> dict:
        """The event of ``c`` adding ``payee`` (id, name, IBAN, country) in ``session``."""
        b, feed = self.b, "online_banking.payees"
        return b.add(
            feed,
            t,
            {
                "event_id": b.eid(feed),
                "event_at": b.clock.ts(t),
                "customer_id": c["customer_id"],
                "session_id": session,
                "payee_id": payee[0],
                "payee_name": payee[1],
                "payee_iban": payee[2],
                "payee_country": payee[3],
                "ip_address": ip,
            },
        )

    def transfer(
        self,
        t: int,
        c: dict,
        account: dict,
        kind: str,
        cents: int | None,
        geo: tuple,
        session: str,
        *,
        to_account: dict | None = None,
        payee: list | None = None,
        ip: str | None = None,
    ):
        """An online transfer and its postings; returns (transfer record, debit intent)."""
        b = self.b
        feed = "online_banking.transfers"
        rec = b.add(
            feed,
            t,
            {
                "event_id": b.eid(feed),
                "event_at": b.clock.ts(t),
                "customer_id": c["customer_id"],
                "session_id": session,
                "from_account_id": account["account_id"],
                "transfer_type": kind,
                "to_account_id": to_account["account_id"] if to_account else None,
                "payee_id": payee[0] if payee else None,
                "amount": None if cents is None else cents / 100,
                "currency": account["currency"],
                "ip_address": ip or c["_ip"],
                "geo_city": geo[0],
                "geo_country": geo[1],
                "geo_lat": geo[2],
                "geo_lon": geo[3],
            },
        )
        t2 = clamp(t + ri(self.rnd, 1, 3) * SECOND_US)
        ttype = "bill_payment" if kind == "bill_payment" else "transfer_out"
        debit = b.post(
            t2,
            account,
            cents,
            "debit",
            ttype,
            "online",
            counterparty=to_account["account_id"] if to_account else payee[2],
            reference=rec["event_id"],
            description=f"Transfer to {payee[1]}" if payee else "Own transfer",
        )
        if cents is None:
            debit.links.append(rec)
        if to_account is not None:
            credit = b.post(
                clamp(t2 + SECOND_US),
                to_account,
                cents,
                "credit",
                "transfer_in",
                "online",
                counterparty=account["account_id"],
                reference=rec["event_id"],
                description="Own transfer",
            )
            if cents is None:
                debit.partner = credit
        return rec, debit

    def branch(self, actor) -> None:
        c, checking, _, _ = actor
        b, rnd = self.b, self.rnd
        if self.weekday == 6 or self.travel.get(c["customer_id"]):
            return self.card(actor)
        branch = self.branch_by_id[c["home_branch_id"]] if rnd.random() < 0.85 else None
        if branch is None or branch.city != c["city"]:  # elsewhere in town, or moved
            branch = one(rnd, self.branches_in[c["city"]])
        h = pick(rnd, HOUR_LIST, self.branch_hours)
        t = int((h + rnd.random()) * _H)
        purpose = pick(rnd, VISIT_PURPOSES, VISIT_CUM)
        duration = max(2, int(rnd.lognormvariate(math.log(6 if purpose == "cash" else 15), 0.5)))
        anonymous = purpose != "cash" and rnd.random() < 0.05
        feed = "branch.visits"
        b.add(
            feed,
            t,
            {
                "event_id": b.eid(feed),
                "event_at": b.clock.ts(t),
                "branch_id": branch.branch_id,
                "customer_id": None if anonymous else c["customer_id"],
                "purpose": purpose,
                "duration_minutes": duration,
            },
        )
        if purpose != "cash":
            return
        kind = c["customer_type"]
        deposit = rnd.random() < {"small_business": 0.8, "retiree": 0.3}.get(kind, 0.45)
        median = (150_000 if kind == "small_business" else 30_000) if deposit else 20_000
        cents = max(1_000, lognormal_cents(rnd, median, 0.7) // 1_000 * 1_000)
        t = clamp(t + ri(rnd, 2, duration + 2) * MINUTE_US)
        ttype = "cash_deposit" if deposit else "cash_withdrawal"
        feed = "branch.teller_transactions"
        rec = b.add(
            feed,
            t,
            {
                "event_id": b.eid(feed),
                "event_at": b.clock.ts(t),
                "branch_id": branch.branch_id,
                "teller_id": f"TLR-{branch.branch_id}-{ri(rnd, 1, branch.teller_count):02d}",
                "customer_id": c["customer_id"],
                "account_id": checking["account_id"],
                "transaction_type": ttype,
                "amount": cents / 100,
                "currency": checking["currency"],
            },
        )
        b.post(
            clamp(t + SECOND_US),
            checking,
            cents,
            "credit" if deposit else "debit",
            ttype,
            "branch",
            reference=rec["event_id"],
            description=f"Teller {branch.name}",
        )

    # --- records delivered a day late --------------------------------------------

    def late(self, count: int) -> list[dict]:
        """``count`` single records of the previous evening, delivered today.

        Only feeds that move no money: a late login or visit is a fact of
        yesterday that silver must place on yesterday; the ledger is never late.
        """
        b, rnd = self.b, self.rnd
        out = []
        for _ in range(count):
            c, checking, cc, _ = pick(rnd, self.actors, self.actor_cum)
            t = -ri(rnd, 1, 3 * 3600) * SECOND_US
            geo = self.geo(c["city"])
            if c["_dev"] and rnd.random() < 0.6:
                rec = self.mobile_login(t, c, c["_dev"][0], geo, b.session(), "success", None)
                out.append(("mobile_app.logins", rec))
            else:
                rec = self.online_login(t, c, geo, b.session(), "success", None)
                out.append(("online_banking.logins", rec))
        return out


def _card_open(cc: dict | None) -> bool:
    """A credit card with room left: near its limit, the customer pays by debit card."""
    return cc is not None and cc["_bal"] > -80 * cc["credit_limit"]


# --- scheduled postings ---------------------------------------------------------


def _business_day(day: date, dom: int) -> date:
    """The day of month ``dom`` of ``day``'s month, moved back to a Friday if on a weekend."""
    last = calendar.monthrange(day.year, day.month)[1]
    target = date(day.year, day.month, min(dom, last))
    while target.weekday() >= 5:
        target -= timedelta(days=1)
    return target


def _paydays(day: date) -> set[int]:
    """The days of month whose payments fall on ``day`` (this month's or next month's 1st)."""
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return {
        dom
        for dom in (1, 15, 25, 28)
        if day in (_business_day(day, dom), _business_day(following, dom))
    }


def scheduled(
    b: DayBuilder, rnd, blocked: set[str], closing: list[dict], income_scale: float = 1.0
) -> None:
    """Salaries, pensions, loan instalments, card settlements, interest, sweeps, closures.

    ``income_scale`` raises salaries and pensions with the number of events per
    customer, so that income keeps up with spending when customers are busier
    than a real bank's (the default population has ten events per customer a
    day). A checking account that starts the day overdrawn is topped up from
    the customer's savings at 05:00, as a sweep product would.
    """
    day = b.day
    paydays = _paydays(day)
    last = calendar.monthrange(day.year, day.month)[1]
    pop = b.pop
    for c in pop.customers:
        checking = pop.account(c, "checking")
        if checking is None or checking["account_id"] in blocked:
            continue
        kind = c["customer_type"]
        if c["_pay"] in paydays and c["_income"]:
            t = int(rnd.uniform(2, 6) * HOUR_US)
            cents = int(c["_income"] * income_scale * rnd.uniform(0.97, 1.03))
            ttype = "pension" if kind == "retiree" else "salary"
            b.post(
                t,
                checking,
                cents,
                "credit",
                ttype,
                "system",
                counterparty=iban(rnd, c["country"]),
                description="Pension" if kind == "retiree" else "Salary",
            )
        if checking["_bal"] < 0:
            savings = pop.account(c, "savings")
            if savings is not None and savings["_bal"] > 0 and savings["account_id"] not in blocked:
                cents = min(savings["_bal"], -checking["_bal"] + 20_000)
                t = int(rnd.uniform(5, 5.5) * HOUR_US)
                b.post(
                    t,
                    savings,
                    cents,
                    "debit",
                    "transfer_out",
                    "system",
                    counterparty=checking["account_id"],
                    description="Overdraft sweep",
                )
                b.post(
                    t + SECOND_US,
                    checking,
                    cents,
                    "credit",
                    "transfer_in",
                    "system",
                    counterparty=savings["account_id"],
                    description="Overdraft sweep",
                )
        if c["_pay"] in paydays:
            loan = pop.account(c, "loan")
            if loan is not None and loan["_bal"] < 0:
                cents = min(-loan["_bal"], max(5_000, int(loan["credit_limit"] * 100 / 120)))
                t = int(rnd.uniform(6, 8) * HOUR_US)
                b.post(
                    t,
                    checking,
                    cents,
                    "debit",
                    "loan_repayment",
                    "system",
                    counterparty=loan["account_id"],
                    description="Loan instalment",
                )
                b.post(
                    t + SECOND_US,
                    loan,
                    cents,
                    "credit",
                    "loan_repayment",
                    "system",
                    counterparty=checking["account_id"],
                    description="Loan instalment",
                )
        if day.day == 3:
            cc = pop.account(c, "credit_card")
            if cc is not None and cc["_bal"] < 0 and cc["account_id"] not in blocked:
                t = int(rnd.uniform(4, 5) * HOUR_US)
                debit = b.post(
                    t,
                    checking,
                    None,
                    "debit",
                    "transfer_out",
                    "system",
                    counterparty=cc["account_id"],
                    description="Card statement",
                )
                debit.dyn = ("owed", cc)
                debit.partner = b.post(
                    t + SECOND_US,
                    cc,
                    None,
                    "credit",
                    "transfer_in",
                    "system",
                    counterparty=checking["account_id"],
                    description="Card statement",
                )
    if day.day == last:
        for acc in pop.accounts:
            if acc["account_type"] == "savings" and acc["status"] != "closed" and acc["_bal"] > 0:
                cents = int(acc["_bal"] * acc["interest_rate"] / 100 / 12)
                if cents > 0:
                    b.post(
                        int(rnd.uniform(1, 2) * HOUR_US),
                        acc,
                        cents,
                        "credit",
                        "interest",
                        "system",
                        description="Interest",
                    )
    for acc in closing:
        owner = pop.by_customer[acc["customer_id"]]
        checking = pop.account(owner, "checking")
        t = int(rnd.uniform(9, 16) * HOUR_US)
        cents = acc["_bal"]  # closed accounts take no other posting today
        if cents <= 0:
            continue
        b.post(
            t,
            acc,
            cents,
            "debit",
            "transfer_out",
            "branch",
            counterparty=checking["account_id"],
            description="Account closed",
        )
        b.post(
            t + SECOND_US,
            checking,
            cents,
            "credit",
            "transfer_in",
            "branch",
            counterparty=acc["account_id"],
            description="Account closed",
        )
