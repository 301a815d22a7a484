"""The five injected fraud scenarios.

Each instance is a handful of real events in the feeds (logins, payees,
transfers, card postings), booked on real accounts so balances stay
consistent, and labelled in ``fraud_labels.jsonl`` with its scenario,
instance and role (``setup``: the events that prepare the harm;
``trigger``: the events where money leaves). The signature of each scenario,
and why normal traffic does not match it, is in docs/fraud-scenarios.md;
the constants below are the bounds that document quotes.
"""

from __future__ import annotations

from bankflow.simulator.behaviour import Behaviour
from bankflow.simulator.core import DAY_US, HOUR_US, MINUTE_US, SECOND_US, one, pick, ri
from bankflow.simulator.day import DayBuilder
from bankflow.simulator.population import iban

SCENARIOS = (
    "account_takeover",
    "card_testing",
    "impossible_travel",
    "velocity_burst",
    "mule_account",
)
SHORT = {
    "account_takeover": "ATO",
    "card_testing": "CTS",
    "impossible_travel": "ITR",
    "velocity_burst": "VEL",
    "mule_account": "MUL",
}
DEFAULT_RATE = 5.0  # instances per 100,000 events, per scenario

# Attackers connect from far away, with an old desktop browser.
ATTACKER_IP = {
    "NG": "105.112.",
    "BR": "177.67.",
    "TH": "171.96.",
    "VN": "113.161.",
    "US": "23.94.",
    "ID": "36.72.",
    "MX": "187.190.",
}
ATTACKER_UA = (
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 Chrome/88.0 Safari/537.36"
)
DROP_COUNTRIES = ("LT", "RO", "HK", "AE", "NG", "BG")

ATO_FAILURES = (2, 4)
ATO_FRACTION = (0.85, 0.95)  # of the checking balance, at least ATO_MIN_CENTS
ATO_MIN_CENTS = 150_000
CARD_TEST_SMALL = (5, 8)
CARD_TEST_SMALL_CENTS = (50, 199)
CARD_TEST_LARGE_CENTS = (40_000, 250_000)
VELOCITY_CHARGES = (8, 14)
VELOCITY_WINDOW_MIN = (6, 10)
MULE_CREDITS = (8, 14)
MULE_CREDIT_CENTS = (30_000, 200_000)
MULE_SPAN_MIN = (90, 240)
QUIET_MARGIN = 45 * MINUTE_US  # the victim's own card use keeps away from the instance


def counts(rates: dict[str, float], events: int) -> dict[str, int]:
    """Instances per scenario: rate per 100,000 events, at least one when the rate is > 0."""
    return {
        s: (max(1, round(rates[s] * events / 100_000)) if rates[s] > 0 else 0) for s in SCENARIOS
    }


class Fraud:
    def __init__(self, b: DayBuilder, beh: Behaviour, rnd) -> None:
        self.b = b
        self.beh = beh
        self.rnd = rnd
        self.used: set[str] = set()
        self.instances: dict[str, list[str]] = {s: [] for s in SCENARIOS}

    def inject(self, planned: dict[str, int]) -> None:
        for scenario in SCENARIOS:
            run = getattr(self, scenario)
            for k in range(planned[scenario]):
                actor = self._victim(scenario)
                if actor is None:
                    break
                instance = f"{SHORT[scenario]}-{self.b.stamp}-{k + 1:03d}"
                run(instance, actor)
                self.instances[scenario].append(instance)

    def _victim(self, scenario: str):
        rnd, beh = self.rnd, self.beh
        for _ in range(200):
            actor = one(rnd, beh.actors)
            c, checking, cc, _ = actor
            cid = c["customer_id"]
            if cid in self.used or cid in beh.travel:
                continue
            if scenario == "account_takeover" and checking["_bal"] < 200_000:
                continue
            if scenario == "mule_account" and c["customer_type"] not in ("student", "salaried"):
                continue
            self.used.add(cid)
            return actor
        return None

    def _label(
        self,
        rec: dict,
        feed: str,
        scenario: str,
        instance: str,
        c: dict,
        account: dict | None,
        role: str,
    ) -> None:
        self.b.label(
            rec,
            feed,
            scenario,
            instance,
            c["customer_id"],
            account["account_id"] if account else None,
            role,
        )

    def _drop_payee(self, t: int, c: dict, session: str, ip: str, name: str) -> tuple[dict, list]:
        """A payee at a bank abroad, added in ``session``: where stolen money goes.

        Returns the payee event and the payee as ``Behaviour.transfer`` takes it.
        """
        b, rnd = self.b, self.rnd
        country = one(rnd, DROP_COUNTRIES)
        payee = [f"PYE-{b.pop.take('payee'):08d}", name, iban(rnd, country), country]
        return self.beh.add_payee(t, c, session, payee, ip), payee

    def _quiet(self, c: dict, start: int, end: int) -> None:
        self.beh.quiet.setdefault(c["customer_id"], []).append(
            (start - QUIET_MARGIN, end + QUIET_MARGIN)
        )

    # --- scenarios ----------------------------------------------------------------

    def account_takeover(self, instance: str, actor) -> None:
        """Failed logins from a far-away IP, a success, a new payee, most of the balance out."""
        b, beh, rnd = self.b, self.beh, self.rnd
        c, checking, _, _ = actor
        s = "account_takeover"
        city = one(rnd, b.ref.far_cities)
        geo = beh.geo(city)
        ip = f"{ATTACKER_IP[geo[1]]}{ri(rnd, 0, 255)}.{ri(rnd, 1, 254)}"
        t = ri(rnd, int(0.5 * HOUR_US), int(22.5 * HOUR_US))
        if rnd.random() < 0.3:
            feed = "online_banking.password_resets"
            rec = b.add(
                feed,
                t,
                {
                    "event_id": b.eid(feed),
                    "event_at": b.clock.ts(t),
                    "customer_id": c["customer_id"],
                    "session_id": None,
                    "delivery": "email",
                    "ip_address": ip,
                },
            )
            self._label(rec, feed, s, instance, c, checking, "setup")
            t += ri(rnd, 60, 180) * SECOND_US
        feed = "online_banking.logins"
        for _ in range(ri(rnd, *ATO_FAILURES)):
            rec = beh.online_login(
                t, c, geo, b.session(), "failure", "bad_password", ip=ip, ua=ATTACKER_UA
            )
            self._label(rec, feed, s, instance, c, checking, "setup")
            t += ri(rnd, 20, 90) * SECOND_US
        session = b.session()
        rec = beh.online_login(t, c, geo, session, "success", None, ip=ip, ua=ATTACKER_UA)
        self._label(rec, feed, s, instance, c, checking, "setup")
        t += ri(rnd, 60, 240) * SECOND_US
        added, payee = self._drop_payee(t, c, session, ip, "Global Trade Services Ltd")
        self._label(added, "online_banking.payees", s, instance, c, checking, "setup")
        t += ri(rnd, 120, 600) * SECOND_US
        transfer, debit = beh.transfer(
            t, c, checking, "external", None, geo, session, payee=payee, ip=ip
        )
        debit.dyn = ("fraction", rnd.uniform(*ATO_FRACTION), ATO_MIN_CENTS)
        self._label(transfer, "online_banking.transfers", s, instance, c, checking, "trigger")
        self._label(debit.record, "core_banking.postings", s, instance, c, checking, "trigger")
        self._quiet(c, t - 30 * MINUTE_US, t + HOUR_US)

    def card_testing(self, instance: str, actor) -> None:
        """Tiny card-not-present charges at several merchants, then a large one."""
        b, rnd = self.b, self.rnd
        c, checking, cc, _ = actor
        s = "card_testing"
        acc = cc if cc is not None else checking
        t0 = t = ri(rnd, int(0.5 * HOUR_US), 22 * HOUR_US)
        small = [
            m
            for m in b.ref.online
            if m.category in ("digital_goods", "online_retail", "subscriptions")
        ]
        for m in rnd.sample(small, ri(rnd, *CARD_TEST_SMALL)):
            it = b.post(
                t,
                acc,
                ri(rnd, *CARD_TEST_SMALL_CENTS),
                "debit",
                "card_purchase",
                "card_not_present",
                merchant=m,
                card=acc["card_id"],
                description=m.name,
            )
            self._label(it.record, "core_banking.postings", s, instance, c, acc, "setup")
            t += ri(rnd, 60, 180) * SECOND_US
        t += ri(rnd, 3, 15) * MINUTE_US  # the large charge follows the last probes closely
        large = [
            m
            for m in b.ref.online
            if m.category in ("electronics", "online_retail", "travel_agency")
        ]
        for m in rnd.sample(large, one(rnd, (1, 1, 2))):
            it = b.post(
                t,
                acc,
                ri(rnd, *CARD_TEST_LARGE_CENTS),
                "debit",
                "card_purchase",
                "card_not_present",
                merchant=m,
                card=acc["card_id"],
                description=m.name,
            )
            self._label(it.record, "core_banking.postings", s, instance, c, acc, "trigger")
            t += ri(rnd, 1, 5) * MINUTE_US
        self._quiet(c, t0, t)

    def impossible_travel(self, instance: str, actor) -> None:
        """A card used at home, then within the hour at a card-present merchant far away."""
        b, beh, rnd = self.b, self.beh, self.rnd
        c, checking, cc, _ = actor
        s = "impossible_travel"
        acc = cc if cc is not None and rnd.random() < 0.5 else checking
        # Early in the day, and the victim's own card stays unused for the rest of it:
        # the genuine card's next use at home (tomorrow, at least 13.5 hours after the
        # far-away postings) then implies less than 900 km/h even from Jakarta (11,140 km).
        t0 = t = ri(rnd, 5 * HOUR_US, 8 * HOUR_US)
        ms, mcum = beh.local(c["city"])
        m = pick(rnd, ms, mcum)
        it = b.post(
            t,
            acc,
            beh.amount(m.category, c["customer_type"]),
            "debit",
            "card_purchase",
            "card_present",
            merchant=m,
            card=acc["card_id"],
            description=m.name,
        )
        self._label(it.record, "core_banking.postings", s, instance, c, acc, "setup")
        t += ri(rnd, 20, 90) * MINUTE_US  # Lagos is 4,500 km away: > 3,000 km/h
        far = b.ref.local[one(rnd, b.ref.far_cities)]
        for m in rnd.sample(far, ri(rnd, 1, 3)):
            it = b.post(
                t,
                acc,
                ri(rnd, 8_000, 90_000),
                "debit",
                "card_purchase",
                "card_present",
                merchant=m,
                card=acc["card_id"],
                description=m.name,
            )
            self._label(it.record, "core_banking.postings", s, instance, c, acc, "trigger")
            t += ri(rnd, 5, 20) * MINUTE_US
        self._quiet(c, t0, DAY_US)

    def velocity_burst(self, instance: str, actor) -> None:
        """Many card charges on one account within minutes."""
        b, beh, rnd = self.b, self.beh, self.rnd
        c, checking, cc, _ = actor
        s = "velocity_burst"
        acc = cc if cc is not None and rnd.random() < 0.5 else checking
        t0 = ri(rnd, HOUR_US, 22 * HOUR_US)
        window = ri(rnd, *VELOCITY_WINDOW_MIN) * MINUTE_US
        n = ri(rnd, *VELOCITY_CHARGES)
        times = sorted(t0 + rnd.randrange(window) for _ in range(n))
        ms, mcum = beh.local(c["city"])
        shop = pick(rnd, ms, mcum)
        for i, t in enumerate(times):
            present = rnd.random() < 0.3
            m = shop if present else one(rnd, b.ref.online)
            cents = max(2_000, min(40_000, int(rnd.lognormvariate(9.0, 0.6))))
            it = b.post(
                t,
                acc,
                cents,
                "debit",
                "card_purchase",
                "card_present" if present else "card_not_present",
                merchant=m,
                card=acc["card_id"],
                description=m.name,
            )
            self._label(
                it.record,
                "core_banking.postings",
                s,
                instance,
                c,
                acc,
                "setup" if i < 5 else "trigger",
            )
        self._quiet(c, t0, t0 + window)

    def mule_account(self, instance: str, actor) -> None:
        """Many inbound credits from distinct payers, then most of the balance out fast."""
        b, beh, rnd = self.b, self.beh, self.rnd
        c, checking, _, _ = actor
        s = "mule_account"
        t = ri(rnd, 6 * HOUR_US, 13 * HOUR_US)
        n = ri(rnd, *MULE_CREDITS)
        span = ri(rnd, *MULE_SPAN_MIN) * MINUTE_US
        times = sorted(t + rnd.randrange(span) for _ in range(n))
        feed = "core_banking.postings"
        for tc in times:
            country = one(rnd, ("DE", "DE", "AT", "FR", "IT", "ES", "NL"))
            it = b.post(
                tc,
                checking,
                ri(rnd, *MULE_CREDIT_CENTS),
                "credit",
                "transfer_in",
                "system",
                counterparty=iban(rnd, country),
                description="SEPA credit transfer",
            )
            self._label(it.record, feed, s, instance, c, checking, "setup")
        t = times[-1] + ri(rnd, 15, 60) * MINUTE_US
        geo = beh.geo(c["city"])
        session = b.session()
        rec = beh.online_login(t, c, geo, session, "success", None)
        self._label(rec, "online_banking.logins", s, instance, c, checking, "setup")
        t += ri(rnd, 60, 180) * SECOND_US
        added, payee = self._drop_payee(t, c, session, c["_ip"], "Crypto Exchange OU")
        self._label(added, "online_banking.payees", s, instance, c, checking, "setup")
        k = ri(rnd, 1, 3)
        for i in range(k):
            t += ri(rnd, 2, 15) * MINUTE_US
            transfer, debit = beh.transfer(
                t, c, checking, "external", None, geo, session, payee=payee
            )
            debit.dyn = ("fraction", 0.92 if i == k - 1 else 0.5, 10_000)
            self._label(transfer, "online_banking.transfers", s, instance, c, checking, "trigger")
            self._label(debit.record, feed, s, instance, c, checking, "trigger")
        self._quiet(c, times[0], t + 2 * HOUR_US)
