"""The bank's customers and accounts, and how they change from day to day.

The population is the simulator's state: every customer with their KYC
attributes, devices, payees and pay day, every account with its ledger
balance (integer cents, the truth every ``balance_after`` is computed from).
Fields of the extracts keep their schema names; the simulator's own fields
start with ``_`` and never reach a landing file.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from bankflow.simulator.core import DAY_US, Clock, one, ri
from bankflow.simulator.reference import Reference

KIND_MIX = (("student", 0.18), ("salaried", 0.52), ("retiree", 0.20), ("small_business", 0.10))

FIRST_NAMES = (
    "Anna",
    "Lukas",
    "Sophie",
    "Maximilian",
    "Marie",
    "Felix",
    "Laura",
    "Jonas",
    "Lea",
    "Paul",
    "Hannah",
    "Leon",
    "Julia",
    "Tobias",
    "Katharina",
    "Florian",
    "Lena",
    "Stefan",
    "Sarah",
    "Michael",
    "Johanna",
    "Andreas",
    "Theresa",
    "Thomas",
    "Elisabeth",
    "Georg",
    "Magdalena",
    "Franz",
    "Veronika",
    "Josef",
    "Claudia",
    "Markus",
    "Sabine",
    "Matthias",
    "Ursula",
    "Peter",
    "Monika",
    "Christian",
    "Brigitte",
    "Wolfgang",
    "Ingrid",
    "Jürgen",
    "Renate",
    "Niklas",
    "Emma",
    "Elias",
    "Mia",
    "Noah",
    "Zoé",
    "Luca",
    "Chiara",
    "Andrés",
    "Ayşe",
    "Mehmet",
)
LAST_NAMES = (
    "Müller",
    "Schmid",
    "Huber",
    "Wagner",
    "Bauer",
    "Gruber",
    "Fischer",
    "Weber",
    "Mayer",
    "Hofmann",
    "Schneider",
    "Becker",
    "Koch",
    "Richter",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofer",
    "Pichler",
    "Steiner",
    "Moser",
    "Leitner",
    "Berger",
    "Brunner",
    "Keller",
    "Meier",
    "Frei",
    "Baumann",
    "Graf",
    "Lehmann",
    "Winkler",
    "Haas",
    "Lang",
    "Eder",
    "Fuchs",
    "Yilmaz",
    "Kaya",
    "Rossi",
    "Novak",
    "Horvat",
)
STREETS = (
    "Hauptstraße",
    "Bahnhofstraße",
    "Kirchweg",
    "Lindenallee",
    "Gartenstraße",
    "Schulstraße",
    "Bergstraße",
    "Marktplatz",
    "Mühlweg",
    "Am Anger",
    "Rosenstraße",
    "Feldweg",
    "Ringstraße",
    "Goethestraße",
    "Schillerplatz",
    "Seestraße",
    "Wiesenweg",
    "Dorfstraße",
    "Parkstraße",
)
POSTAL = {
    "München": 80331,
    "Augsburg": 86150,
    "Nürnberg": 90402,
    "Regensburg": 93047,
    "Ingolstadt": 85049,
    "Würzburg": 97070,
    "Rosenheim": 83022,
    "Passau": 94032,
    "Landshut": 84028,
    "Kempten": 87435,
    "Salzburg": 5020,
    "Innsbruck": 6020,
    "Linz": 4020,
    "Wien": 1010,
    "Zürich": 8001,
    "St. Gallen": 9000,
}
MAIL_DOMAINS = (
    "gmail.com",
    "gmx.de",
    "web.de",
    "outlook.com",
    "icloud.com",
    "gmx.at",
    "bluewin.ch",
)
PHONE_PREFIX = {"DE": "+4917", "AT": "+43664", "CH": "+4179"}
IP_PREFIX = {"DE": ("84.", "91.", "93."), "AT": ("62.", "77."), "CH": ("85.", "178.")}
BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/18.1 Safari/605.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 Version/17.6 Safari/604.1",
)
DEVICE_MODELS = {
    "ios": ("iPhone 13", "iPhone 14", "iPhone 15", "iPhone 15 Pro", "iPhone SE"),
    "android": ("Galaxy S23", "Galaxy A54", "Pixel 8", "Pixel 7a", "Redmi Note 13", "Xperia 10"),
}
OS_VERSIONS = {"ios": ("17.6", "18.0", "18.1"), "android": ("13", "14", "15")}
APP_VERSIONS = ("5.12.0", "5.13.1", "5.14.0", "5.14.2")

# Share of customers of each kind that hold a product (checking: everyone).
HOLDS = {
    "student": {"savings": 0.30, "credit_card": 0.15, "loan": 0.02},
    "salaried": {"savings": 0.60, "credit_card": 0.50, "loan": 0.20},
    "retiree": {"savings": 0.70, "credit_card": 0.30, "loan": 0.05},
    "small_business": {"savings": 0.40, "credit_card": 0.60, "loan": 0.35},
}
# Median opening balance in cents per kind and product, log-normal (sigma 0.8).
MEDIAN_BALANCE = {
    "student": {"checking": 60_000, "savings": 100_000},
    "salaried": {"checking": 250_000, "savings": 1_200_000},
    "retiree": {"checking": 400_000, "savings": 3_000_000},
    "small_business": {"checking": 1_500_000, "savings": 4_000_000},
}
# Median monthly income in cents (salary, pension); businesses live on inbound transfers.
MEDIAN_INCOME = {"student": 90_000, "salaried": 340_000, "retiree": 210_000, "small_business": 0}
OVERDRAFT = {
    "student": (0, 500),
    "salaried": (1000, 3000),
    "retiree": (500, 1500),
    "small_business": (5000, 20000),
}


def lognormal_cents(rnd: random.Random, median_cents: float, sigma: float) -> int:
    return max(1, int(median_cents * math.exp(rnd.gauss(0.0, sigma))))


class Population:
    """Customers and accounts with id counters; JSON-serialisable as ``dict``."""

    def __init__(self, data: dict) -> None:
        self.customers: list[dict] = data["customers"]
        self.accounts: list[dict] = data["accounts"]
        self.next: dict[str, int] = data["next"]
        self.by_customer = {c["customer_id"]: c for c in self.customers}
        self.by_account = {a["account_id"]: a for a in self.accounts}

    def to_dict(self) -> dict:
        return {"customers": self.customers, "accounts": self.accounts, "next": self.next}

    def take(self, counter: str) -> int:
        self.next[counter] += 1
        return self.next[counter]

    def accounts_of(self, customer: dict) -> list[dict]:
        return [self.by_account[a] for a in customer["_acc"]]

    def account(self, customer: dict, account_type: str, active: bool = True) -> dict | None:
        for a in customer["_acc"]:
            acc = self.by_account[a]
            if acc["account_type"] == account_type and (not active or acc["status"] == "active"):
                return acc
        return None

    # --- creation ---------------------------------------------------------------

    @classmethod
    def create(cls, size: int, ref: Reference, rnd: random.Random, day: date) -> Population:
        pop = cls(
            {
                "customers": [],
                "accounts": [],
                "next": {"customer": 0, "account": 0, "card": 0, "payee": 0},
            }
        )
        clock = Clock(day - timedelta(days=1))
        for _ in range(size):
            since = day - timedelta(days=ri(rnd, 30, 9000))
            pop.new_customer(ref, rnd, since, clock, rnd.randrange(DAY_US))
        return pop

    def new_customer(
        self, ref: Reference, rnd: random.Random, since: date, clock: Clock, t: int
    ) -> dict:
        kind = rnd.choices([k for k, _ in KIND_MIX], [w for _, w in KIND_MIX])[0]
        branch = one(rnd, ref.branches)
        country, lat, lon = ref.home_cities[branch.city]
        first, last = one(rnd, FIRST_NAMES), one(rnd, LAST_NAMES)
        n = self.take("customer")
        age = {
            "student": (18, 27),
            "salaried": (25, 64),
            "retiree": (65, 90),
            "small_business": (28, 70),
        }[kind]
        born = since.replace(day=1) - timedelta(days=365 * ri(rnd, *age) + ri(rnd, 0, 364))
        if born > since - timedelta(days=365 * 18):
            born = since - timedelta(days=365 * 18 + ri(rnd, 1, 300))
        cid = f"CUS-{n:07d}"
        customer = {
            "customer_id": cid,
            "customer_type": kind,
            "first_name": first,
            "last_name": last,
            "email": None
            if rnd.random() < 0.04
            else (f"{_ascii(first)}.{_ascii(last)}{ri(rnd, 1, 999)}@{one(rnd, MAIL_DOMAINS)}"),
            "phone": self._phone(rnd, country),
            "date_of_birth": born.isoformat(),
            "national_id": self._national_id(rnd, country),
            "address_line": f"{one(rnd, STREETS)} {ri(rnd, 1, 120)}",
            "postal_code": self._postal(rnd, branch.city),
            "city": branch.city,
            "country": country,
            "home_lat": round(lat + rnd.uniform(-0.04, 0.04), 5),
            "home_lon": round(lon + rnd.uniform(-0.05, 0.05), 5),
            "kyc_status": rnd.choices(("verified", "pending", "expired"), (0.93, 0.03, 0.04))[0],
            "risk_rating": rnd.choices(("low", "medium", "high"), (0.8, 0.17, 0.03))[0],
            "home_branch_id": branch.branch_id,
            "customer_since": since.isoformat(),
            "updated_at": clock.ts(t),
            "_ip": f"{one(rnd, IP_PREFIX[country])}{ri(rnd, 1, 254)}."
            f"{ri(rnd, 0, 255)}.{ri(rnd, 1, 254)}",
            "_ua": one(rnd, BROWSERS),
            "_dev": [],
            "_payees": [],
            "_acc": [],
            "_pay": one(rnd, (1, 15, 25, 28)) if kind != "retiree" else 1,
            "_income": lognormal_cents(rnd, MEDIAN_INCOME[kind], 0.35)
            if MEDIAN_INCOME[kind]
            else 0,
        }
        if kind != "retiree" or rnd.random() < 0.45:
            self.new_device(customer, rnd)
        for _ in range(one(rnd, (1, 2, 3, 4))):
            self.new_payee(customer, rnd, country)
        self.customers.append(customer)
        self.by_customer[cid] = customer
        self.new_account(customer, "checking", rnd, since, clock, t)
        for product, share in HOLDS[kind].items():
            if rnd.random() < share:
                self.new_account(customer, product, rnd, since, clock, t)
        return customer

    def new_account(
        self,
        customer: dict,
        product: str,
        rnd: random.Random,
        opened: date,
        clock: Clock,
        t: int,
        opening_balance: bool = True,
    ) -> dict:
        kind = customer["customer_type"]
        n = self.take("account")
        if n >= 9_000_000:
            raise ValueError("account ids exhausted (ACC-9xxxxxx is reserved for unknown accounts)")
        currency = "CHF" if customer["country"] == "CH" else "EUR"
        if product == "savings" and rnd.random() < 0.03:
            currency = "USD"
        credit_limit = overdraft = rate = card = None
        balance = 0
        if product == "checking":
            lo, hi = OVERDRAFT[kind]
            overdraft = float(rnd.randrange(lo, hi + 1, 500)) if hi else None
            card = self._card(rnd)
            if opening_balance:
                balance = lognormal_cents(rnd, MEDIAN_BALANCE[kind]["checking"], 0.8)
        elif product == "savings":
            rate = round(rnd.uniform(1.5, 3.25), 2)
            if opening_balance:
                balance = lognormal_cents(rnd, MEDIAN_BALANCE[kind]["savings"], 0.9)
        elif product == "credit_card":
            credit_limit = float(one(rnd, (500, 1000, 2000, 3000, 5000, 7500, 10000)))
            rate = round(rnd.uniform(16.9, 19.9), 2)
            card = self._card(rnd)
            if opening_balance:
                balance = -int(credit_limit * 100 * rnd.uniform(0.0, 0.3))
        else:  # loan
            credit_limit = float(rnd.randrange(5_000, 250_001, 1_000))
            rate = round(rnd.uniform(3.5, 7.9), 2)
            balance = -int(credit_limit * 100 * (rnd.uniform(0.2, 0.95) if opening_balance else 1))
        account = {
            "account_id": f"ACC-{n:07d}",
            "customer_id": customer["customer_id"],
            "account_type": product,
            "status": "active",
            "currency": currency,
            "opened_date": opened.isoformat(),
            "closed_date": None,
            "credit_limit": credit_limit,
            "overdraft_limit": overdraft,
            "interest_rate": rate,
            "card_id": card,
            "updated_at": clock.ts(t),
            "_bal": balance,
        }
        self.accounts.append(account)
        self.by_account[account["account_id"]] = account
        customer["_acc"].append(account["account_id"])
        return account

    def new_device(self, customer: dict, rnd: random.Random) -> list:
        os_ = "ios" if rnd.random() < 0.45 else "android"
        device = [
            f"DEV-{rnd.getrandbits(48):012x}",
            os_,
            one(rnd, OS_VERSIONS[os_]),
            one(rnd, APP_VERSIONS),
            one(rnd, DEVICE_MODELS[os_]),
        ]
        customer["_dev"].append(device)
        return device

    def new_payee(self, customer: dict, rnd: random.Random, country: str) -> list:
        n = self.take("payee")
        payee = [
            f"PYE-{n:08d}",
            f"{one(rnd, FIRST_NAMES)} {one(rnd, LAST_NAMES)}",
            iban(rnd, country),
            country,
        ]
        customer["_payees"].append(payee)
        return payee

    def _card(self, rnd: random.Random) -> str:
        return f"CRD-{self.take('card'):08d}"

    @staticmethod
    def _phone(rnd: random.Random, country: str) -> str | None:
        if rnd.random() < 0.03:
            return None
        return f"{PHONE_PREFIX[country]}{ri(rnd, 10_000_000, 99_999_999)}"

    @staticmethod
    def _national_id(rnd: random.Random, country: str) -> str:
        if country == "CH":
            return f"756.{ri(rnd, 1000, 9999)}.{ri(rnd, 1000, 9999)}.{ri(rnd, 10, 99)}"
        if country == "AT":
            return f"{ri(rnd, 1000, 9999)}{ri(rnd, 100000, 999999)}"
        return f"{ri(rnd, 10_000_000_000, 99_999_999_999)}"

    @staticmethod
    def _postal(rnd: random.Random, city: str) -> str:
        base = POSTAL[city]
        return f"{base + ri(rnd, 0, 9 if base < 10000 else 40):0{4 if base < 10000 else 5}d}"

    # --- daily change ---------------------------------------------------------

    def evolve(self, ref: Reference, rnd: random.Random, clock: Clock) -> dict:
        """Change customers and accounts during ``clock.day``; what changed, by kind.

        Returns the accounts closed today (their balance must be paid out by a
        posting) and the accounts frozen or closed (no customer activity today).
        At least one change of each common kind happens every day, so that the
        SCD2 snapshots of customers and accounts always have something to capture.
        """
        day = clock.day
        n = len(self.customers)

        def count(rate: float) -> int:
            return max(1, int(n * rate + rnd.random()))

        def when() -> str:
            return clock.ts(rnd.randrange(7 * 3_600_000_000, 19 * 3_600_000_000))

        changes = {
            "address": 0,
            "contact": 0,
            "kyc": 0,
            "risk": 0,
            "new_customers": 0,
            "new_accounts": 0,
            "status": 0,
            "credit_limit": 0,
            "closed": 0,
        }
        for c in rnd.sample(self.customers, min(n, count(0.0008))):
            city = one(rnd, list(ref.home_cities)) if rnd.random() < 0.3 else c["city"]
            country, lat, lon = ref.home_cities[city]
            if country != c["country"]:
                city, (country, lat, lon) = c["city"], ref.home_cities[c["city"]]
            c.update(
                address_line=f"{one(rnd, STREETS)} {ri(rnd, 1, 120)}",
                postal_code=self._postal(rnd, city),
                city=city,
                home_lat=round(lat + rnd.uniform(-0.04, 0.04), 5),
                home_lon=round(lon + rnd.uniform(-0.05, 0.05), 5),
                updated_at=when(),
            )
            changes["address"] += 1
        for c in rnd.sample(self.customers, min(n, count(0.0005))):
            if rnd.random() < 0.5:
                c["phone"] = self._phone(rnd, c["country"]) or c["phone"]
            else:
                c["email"] = (
                    f"{_ascii(c['first_name'])}.{_ascii(c['last_name'])}"
                    f"{ri(rnd, 1, 999)}@{one(rnd, MAIL_DOMAINS)}"
                )
            c["updated_at"] = when()
            changes["contact"] += 1
        for c in rnd.sample(self.customers, min(n, count(0.0005))):
            c["kyc_status"] = {"verified": "expired", "expired": "verified", "pending": "verified"}[
                c["kyc_status"]
            ]
            c["updated_at"] = when()
            changes["kyc"] += 1
        for c in rnd.sample(self.customers, min(n, count(0.0003))):
            c["risk_rating"] = one(
                rnd, [r for r in ("low", "medium", "high") if r != c["risk_rating"]]
            )
            c["updated_at"] = when()
            changes["risk"] += 1
        for _ in range(int(n * 0.0005 + rnd.random())):
            self.new_customer(
                ref, rnd, day, clock, rnd.randrange(8 * 3_600_000_000, 17 * 3_600_000_000)
            )
            changes["new_customers"] += 1

        for c in rnd.sample(self.customers, min(n, int(n * 0.0004 + rnd.random()))):
            held = {
                self.by_account[a]["account_type"]
                for a in c["_acc"]
                if self.by_account[a]["status"] != "closed"
            }
            missing = [p for p in ("savings", "credit_card") if p not in held]
            if missing:
                self.new_account(
                    c,
                    one(rnd, missing),
                    rnd,
                    day,
                    clock,
                    rnd.randrange(8 * 3_600_000_000, 17 * 3_600_000_000),
                    opening_balance=False,
                )
                changes["new_accounts"] += 1

        blocked: set[str] = set()
        closing: list[dict] = []
        cards = [
            a
            for a in self.accounts
            if a["account_type"] == "credit_card" and a["status"] == "active"
        ]
        for a in rnd.sample(cards, min(len(cards), max(1, int(len(cards) * 0.002 + rnd.random())))):
            step = one(rnd, (500.0, 1000.0, -500.0))
            a["credit_limit"] = max(500.0, a["credit_limit"] + step)
            a["updated_at"] = when()
            changes["credit_limit"] += 1
        savings = [
            a
            for a in self.accounts
            if a["account_type"] == "savings" and a["status"] in ("active", "dormant")
        ]
        for a in rnd.sample(savings, min(len(savings), count(0.0003))):
            a["status"] = "dormant" if a["status"] == "active" else "active"
            a["updated_at"] = when()
            changes["status"] += 1
        frozen = [a for a in self.accounts if a["status"] == "frozen"]
        for a in frozen:
            if rnd.random() < 0.2:
                a["status"], a["updated_at"] = "active", when()
                changes["status"] += 1
        checking = [
            a for a in self.accounts if a["account_type"] == "checking" and a["status"] == "active"
        ]
        for a in rnd.sample(
            checking, min(len(checking), int(len(checking) * 0.0001 + rnd.random()))
        ):
            a["status"], a["updated_at"] = "frozen", when()
            blocked.add(a["account_id"])
            changes["status"] += 1
        for a in rnd.sample(savings, min(len(savings), int(len(savings) * 0.0002 + rnd.random()))):
            if a["status"] == "closed" or a["_bal"] < 0:
                continue
            owner = self.by_customer[a["customer_id"]]
            if self.account(owner, "checking") is None:
                continue
            a["status"], a["closed_date"], a["updated_at"] = "closed", day.isoformat(), when()
            blocked.add(a["account_id"])
            closing.append(a)
            changes["closed"] += 1
        return {"changes": changes, "blocked": blocked, "closing": closing}


def iban(rnd: random.Random, country: str) -> str:
    length = {"DE": 18, "AT": 16, "CH": 17}.get(country, 20)
    digits = f"{rnd.randrange(10**length):0{length}d}"
    return f"{country}{ri(rnd, 10, 99)}{digits}"


def _ascii(text: str) -> str:
    table = str.maketrans(
        {
            "ä": "ae",
            "ö": "oe",
            "ü": "ue",
            "ß": "ss",
            "é": "e",
            "ş": "s",
            "ç": "c",
            "á": "a",
            "ó": "o",
            "í": "i",
        }
    )
    return text.lower().translate(table).replace(" ", "").replace(".", "")
