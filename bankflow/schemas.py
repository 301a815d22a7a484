"""The schema of every feed of the four banking sources, written once.

The simulator writes records that follow these schemas, the Spark bronze job
types and validates landing files with them, the dbt sources are generated
from them (``python -m bankflow.schemas dbt-sources``) and the Flink parser
checks live events against them. Nothing else in the repository spells out a
feed's columns.

A feed is one table of one source system, delivered as newline-delimited JSON,
one record per line. Every record carries ``event_id`` (unique per delivery of
a business fact; a re-delivered record keeps its id) and ``event_at`` (when
the fact happened, ISO-8601 in UTC with a trailing ``Z``).

Field types are the JSON-side types the feeds promise:

- ``string``: a JSON string.
- ``integer``: a JSON number without a fraction.
- ``decimal``: money, a JSON number with at most two decimals, in the
  currency's units (not cents). Bronze stores it as ``decimal(18,2)``.
- ``double``: a JSON number (coordinates).
- ``boolean``: ``true`` or ``false``.
- ``date``: a string ``YYYY-MM-DD``.
- ``timestamp``: a string ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, always UTC.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

TYPES = ("string", "integer", "decimal", "double", "boolean", "date", "timestamp")

# Amounts outside this range are not a bank's amounts: a posting is never
# zero or negative (direction says debit or credit) and never above ten
# million in one record. The same bound types bronze and the Flink parser.
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("10000000.00")

# The type of each schema type in bronze Parquet, as Spark SQL names it;
# money is exact, with two decimals.
BRONZE_TYPES = {
    "string": "string",
    "integer": "bigint",
    "decimal": "decimal(18,2)",
    "double": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    nullable: bool = False
    pii: bool = False
    values: tuple[str, ...] = ()  # accepted values of an enumerated string

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Feed:
    source: str
    table: str
    description: str
    fields: tuple[Field, ...]
    kind: str = "event"  # "event": facts as they happen; "extract": a daily full extract
    scored: bool = False  # the real-time fraud path scores this feed's events
    key: str = "event_id"
    columns: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", {f.name: f for f in self.fields})

    @property
    def name(self) -> str:
        """The feed's qualified name, also its topic name: ``source.table``."""
        return f"{self.source}.{self.table}"

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if not f.nullable)


def _f(name: str, type_: str, description: str, **kwargs) -> Field:
    return Field(name, type_, description, **kwargs)


def _event_id() -> Field:
    return _f("event_id", "string", "Unique id of the record as the source sent it.")


def _event_at(what: str) -> Field:
    return _f("event_at", "timestamp", f"When {what}, in UTC.")


def _customer_id(nullable: bool = False) -> Field:
    return _f("customer_id", "string", "Core Banking customer id.", nullable=nullable)


def _amount() -> Field:
    return _f("amount", "decimal", "Amount in the currency's units, always positive.")


def _currency() -> Field:
    return _f("currency", "string", "ISO-4217 currency code.", values=CURRENCIES)


def _login_outcome() -> tuple[Field, ...]:
    return (
        _f("outcome", "string", "Result of the attempt.", values=LOGIN_OUTCOMES),
        _f(
            "failure_reason",
            "string",
            "Why the attempt failed.",
            nullable=True,
            values=LOGIN_FAILURE_REASONS,
        ),
    )


def _geo(prefix: str, what: str) -> tuple[Field, ...]:
    return (
        _f(f"{prefix}_city", "string", f"City of {what}.", nullable=True),
        _f(f"{prefix}_country", "string", f"ISO-3166 alpha-2 country of {what}.", nullable=True),
        _f(f"{prefix}_lat", "double", f"Latitude of {what}.", nullable=True),
        _f(f"{prefix}_lon", "double", f"Longitude of {what}.", nullable=True),
    )


CURRENCIES = ("EUR", "USD", "GBP", "CHF")
CUSTOMER_TYPES = ("student", "salaried", "retiree", "small_business")
ACCOUNT_TYPES = ("checking", "savings", "credit_card", "loan")
ACCOUNT_STATUSES = ("active", "dormant", "frozen", "closed")
KYC_STATUSES = ("verified", "pending", "expired")
RISK_RATINGS = ("low", "medium", "high")
TRANSACTION_TYPES = (
    "card_purchase",
    "atm_withdrawal",
    "transfer_in",
    "transfer_out",
    "p2p_in",
    "p2p_out",
    "bill_payment",
    "salary",
    "pension",
    "cash_deposit",
    "cash_withdrawal",
    "fee",
    "interest",
    "loan_repayment",
)
CHANNELS = ("card_present", "card_not_present", "atm", "online", "mobile", "branch", "system")
LOGIN_OUTCOMES = ("success", "failure")
LOGIN_FAILURE_REASONS = ("bad_password", "mfa_failed", "locked_out")
AUTH_METHODS = ("password", "biometric", "pin")
DEVICE_OSES = ("ios", "android")


CUSTOMERS = Feed(
    "core_banking",
    "customers",
    "Daily full extract of customers with KYC attributes and PII.",
    kind="extract",
    fields=(
        _event_id(),
        _event_at("the extract was taken"),
        _customer_id(),
        _f("customer_type", "string", "Kind of customer.", values=CUSTOMER_TYPES),
        _f("first_name", "string", "Given name.", pii=True),
        _f("last_name", "string", "Family name.", pii=True),
        _f("email", "string", "E-mail address.", pii=True, nullable=True),
        _f("phone", "string", "Phone number, E.164.", pii=True, nullable=True),
        _f("date_of_birth", "date", "Date of birth.", pii=True),
        _f("national_id", "string", "National identity number.", pii=True),
        _f("address_line", "string", "Street and number.", pii=True),
        _f("postal_code", "string", "Postal code.", pii=True),
        _f("city", "string", "City of residence."),
        _f("country", "string", "ISO-3166 alpha-2 country of residence."),
        _f("home_lat", "double", "Latitude of the home address (geocoded)."),
        _f("home_lon", "double", "Longitude of the home address (geocoded)."),
        _f("kyc_status", "string", "Know-your-customer status.", values=KYC_STATUSES),
        _f("risk_rating", "string", "Anti-money-laundering risk rating.", values=RISK_RATINGS),
        _f("home_branch_id", "string", "Branch the customer belongs to."),
        _f("customer_since", "date", "Date the customer relationship began."),
        _f("updated_at", "timestamp", "When any attribute last changed, in UTC."),
    ),
)

ACCOUNTS = Feed(
    "core_banking",
    "accounts",
    "Daily full extract of accounts (checking, savings, credit card, loan).",
    kind="extract",
    fields=(
        _event_id(),
        _event_at("the extract was taken"),
        _f("account_id", "string", "Core Banking account id."),
        _customer_id(),
        _f("account_type", "string", "Product family of the account.", values=ACCOUNT_TYPES),
        _f("status", "string", "Account status.", values=ACCOUNT_STATUSES),
        _currency(),
        _f("opened_date", "date", "Date the account was opened."),
        _f("closed_date", "date", "Date the account was closed.", nullable=True),
        _f(
            "credit_limit",
            "decimal",
            "Credit limit (credit cards) or principal (loans).",
            nullable=True,
        ),
        _f("overdraft_limit", "decimal", "Arranged overdraft (checking).", nullable=True),
        _f("interest_rate", "double", "Yearly interest rate in percent.", nullable=True),
        _f("card_id", "string", "Id of the card issued on the account.", nullable=True),
        _f("updated_at", "timestamp", "When any attribute last changed, in UTC."),
        # Reconciliation point: equals the balance_after of the account's last posting
        # up to the extract (event_at). Not an attribute: SCD2 should not track it.
        _f(
            "ledger_balance", "decimal", "Ledger balance when the extract was taken.", nullable=True
        ),
    ),
)

POSTINGS = Feed(
    "core_banking",
    "postings",
    "Ledger postings: every movement of money on an account.",
    scored=True,
    fields=(
        _event_id(),
        _event_at("the posting was booked"),
        _f("account_id", "string", "Account the posting is booked on."),
        _amount(),
        _currency(),
        _f(
            "direction",
            "string",
            "Debit (money out) or credit (money in).",
            values=("debit", "credit"),
        ),
        _f("transaction_type", "string", "What moved the money.", values=TRANSACTION_TYPES),
        _f("channel", "string", "Channel the posting came through.", values=CHANNELS),
        _f("balance_after", "decimal", "Account balance after this posting."),
        _f("merchant_id", "string", "Merchant id (card postings).", nullable=True),
        _f("merchant_name", "string", "Merchant name (card postings).", nullable=True),
        _f("mcc", "string", "ISO-18245 merchant category code.", nullable=True),
        *_geo("merchant", "the merchant (card-present postings)"),
        _f("card_id", "string", "Card used (card postings).", nullable=True),
        _f("counterparty_account", "string", "Other side of a transfer.", nullable=True),
        _f(
            "reference_event_id",
            "string",
            "Event that caused the posting (a transfer, a teller transaction).",
            nullable=True,
        ),
        _f("description", "string", "Statement text.", nullable=True),
    ),
)

ONLINE_LOGINS = Feed(
    "online_banking",
    "logins",
    "Login attempts to online banking, successful and failed.",
    scored=True,
    fields=(
        _event_id(),
        _event_at("the login was attempted"),
        _customer_id(),
        _f("session_id", "string", "Session the login opened (or tried to)."),
        *_login_outcome(),
        _f("ip_address", "string", "Client IP address.", pii=True),
        _f("user_agent", "string", "Browser user agent."),
        *_geo("geo", "the client IP"),
    ),
)

ONLINE_PASSWORD_RESETS = Feed(
    "online_banking",
    "password_resets",
    "Password resets requested in online banking.",
    fields=(
        _event_id(),
        _event_at("the reset was requested"),
        _customer_id(),
        _f("session_id", "string", "Session the reset was requested in.", nullable=True),
        _f("delivery", "string", "How the reset code was sent.", values=("email", "sms")),
        _f("ip_address", "string", "Client IP address.", pii=True),
    ),
)

ONLINE_PAYEES = Feed(
    "online_banking",
    "payees",
    "Payees (beneficiaries) added in online banking.",
    scored=True,
    fields=(
        _event_id(),
        _event_at("the payee was added"),
        _customer_id(),
        _f("session_id", "string", "Session the payee was added in."),
        _f("payee_id", "string", "Id of the new payee."),
        _f("payee_name", "string", "Name of the payee.", pii=True),
        _f("payee_iban", "string", "Account of the payee.", pii=True),
        _f("payee_country", "string", "ISO-3166 alpha-2 country of the payee's bank."),
        _f("ip_address", "string", "Client IP address.", pii=True),
    ),
)

ONLINE_TRANSFERS = Feed(
    "online_banking",
    "transfers",
    "Transfers and bill payments made in online banking.",
    scored=True,
    fields=(
        _event_id(),
        _event_at("the transfer was submitted"),
        _customer_id(),
        _f("session_id", "string", "Session the transfer was submitted in."),
        _f("from_account_id", "string", "Account debited."),
        _f(
            "transfer_type",
            "string",
            "Kind of transfer.",
            values=("internal", "external", "bill_payment"),
        ),
        _f("to_account_id", "string", "Account credited (internal transfers).", nullable=True),
        _f("payee_id", "string", "Payee credited (external transfers, bills).", nullable=True),
        _amount(),
        _currency(),
        _f("ip_address", "string", "Client IP address.", pii=True),
        *_geo("geo", "the client IP"),
    ),
)

MOBILE_LOGINS = Feed(
    "mobile_app",
    "logins",
    "Login attempts to the mobile app, by password, PIN or biometrics.",
    scored=True,
    fields=(
        _event_id(),
        _event_at("the login was attempted"),
        _customer_id(),
        _f("session_id", "string", "Session the login opened (or tried to)."),
        _f("device_id", "string", "Device the app runs on."),
        _f("auth_method", "string", "How the customer authenticated.", values=AUTH_METHODS),
        *_login_outcome(),
        _f("os", "string", "Device operating system.", values=DEVICE_OSES),
        _f("app_version", "string", "App version, semantic."),
        _f("ip_address", "string", "Client IP address.", pii=True),
        *_geo("geo", "the device"),
    ),
)

MOBILE_DEVICES = Feed(
    "mobile_app",
    "devices",
    "Devices registered to (or removed from) a customer's app.",
    scored=True,
    fields=(
        _event_id(),
        _event_at("the device was registered or removed"),
        _customer_id(),
        _f("device_id", "string", "Device id."),
        _f("action", "string", "Registration or removal.", values=("registered", "deregistered")),
        _f("os", "string", "Device operating system.", values=DEVICE_OSES),
        _f("os_version", "string", "Operating system version."),
        _f("app_version", "string", "App version, semantic."),
        _f("device_model", "string", "Device model."),
    ),
)

MOBILE_P2P_TRANSFERS = Feed(
    "mobile_app",
    "p2p_transfers",
    "Person-to-person transfers sent from the mobile app.",
    scored=True,
    fields=(
        _event_id(),
        _event_at("the transfer was sent"),
        _customer_id(),
        _f("session_id", "string", "Session the transfer was sent in."),
        _f("device_id", "string", "Device the transfer was sent from."),
        _f("from_account_id", "string", "Account debited."),
        _f("recipient_phone", "string", "Phone number of the recipient, E.164.", pii=True),
        _f(
            "recipient_account_id",
            "string",
            "Recipient's account, when at this bank.",
            nullable=True,
        ),
        _amount(),
        _currency(),
        *_geo("geo", "the device"),
    ),
)

MOBILE_CARD_CONTROLS = Feed(
    "mobile_app",
    "card_controls",
    "Card controls set in the app: lock, unlock, limits, travel notices.",
    fields=(
        _event_id(),
        _event_at("the control was set"),
        _customer_id(),
        _f("account_id", "string", "Card account the control applies to."),
        _f("card_id", "string", "Card the control applies to."),
        _f("device_id", "string", "Device the control was set from."),
        _f(
            "control",
            "string",
            "What was set.",
            values=("lock", "unlock", "set_limit", "travel_notice"),
        ),
        _f(
            "value",
            "string",
            "Limit amount or travel country, when the control has one.",
            nullable=True,
        ),
    ),
)

BRANCH_TELLER_TRANSACTIONS = Feed(
    "branch",
    "teller_transactions",
    "Cash deposits and withdrawals at a branch teller.",
    scored=True,
    fields=(
        _event_id(),
        _event_at("the teller booked the transaction"),
        _f("branch_id", "string", "Branch id."),
        _f("teller_id", "string", "Teller id."),
        _customer_id(),
        _f("account_id", "string", "Account the cash went into or came out of."),
        _f(
            "transaction_type",
            "string",
            "Deposit or withdrawal.",
            values=("cash_deposit", "cash_withdrawal"),
        ),
        _amount(),
        _currency(),
    ),
)

BRANCH_VISITS = Feed(
    "branch",
    "visits",
    "Customer visits to a branch, from the queue system.",
    fields=(
        _event_id(),
        _event_at("the visit began"),
        _f("branch_id", "string", "Branch id."),
        _customer_id(nullable=True),
        _f(
            "purpose",
            "string",
            "Purpose of the visit.",
            values=("cash", "advice", "account_opening", "card_issue", "complaint"),
        ),
        _f("duration_minutes", "integer", "Length of the visit in minutes."),
    ),
)

FEEDS: tuple[Feed, ...] = (
    CUSTOMERS,
    ACCOUNTS,
    POSTINGS,
    ONLINE_LOGINS,
    ONLINE_PASSWORD_RESETS,
    ONLINE_PAYEES,
    ONLINE_TRANSFERS,
    MOBILE_LOGINS,
    MOBILE_DEVICES,
    MOBILE_P2P_TRANSFERS,
    MOBILE_CARD_CONTROLS,
    BRANCH_TELLER_TRANSACTIONS,
    BRANCH_VISITS,
)
SOURCES: dict[str, str] = {
    "core_banking": "Core Banking: customers, accounts and the ledger.",
    "online_banking": "Online Banking: sessions, logins, payees, transfers.",
    "mobile_app": "Mobile App: logins, devices, P2P transfers, card controls.",
    "branch": "Branch Systems: teller transactions and visits.",
}
BY_NAME: dict[str, Feed] = {feed.name: feed for feed in FEEDS}


def feed(name: str) -> Feed:
    """The feed called ``source.table``; a clear error for an unknown one."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown feed {name!r}; known feeds: {', '.join(BY_NAME)}") from None


# --- validation ---------------------------------------------------------------
#
# The reasons a record is refused. Bronze (in Spark expressions) and the Flink
# parser (with ``validate`` below) give the same reason for the same record;
# a test holds them to it. The first failing check wins, in this order.

REJECT_REASONS = (
    "bad_encoding",  # the line is not valid UTF-8
    "malformed_json",  # the line does not parse as one JSON object
    "missing_field",  # a required field is absent or null
    "unexpected_field",  # a field the schema does not know
    "wrong_type",  # a value of the wrong JSON type or format
    "invalid_value",  # an enumerated field outside its accepted values
    "impossible_amount",  # an amount outside MIN_AMOUNT..MAX_AMOUNT or with sub-cent digits
    "future_timestamp",  # event_at later than the end of the delivery day plus FUTURE_TOLERANCE
)

# A record may be stamped a little after the day it is delivered for (clock
# skew between systems); more than this is a broken clock, not skew.
FUTURE_TOLERANCE_SECONDS = 3600

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class Rejected(ValueError):
    """A record that does not follow its feed's schema, with the reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_timestamp(text: str) -> datetime:
    """A schema timestamp as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _finite(value: int | float) -> bool:
    """A finite double: an integer too large for a double is no more finite than inf."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _check_type(f: Field, value: object) -> None:
    ok: bool
    if f.type == "string":
        ok = isinstance(value, str)
    elif f.type == "integer":
        # Bronze stores integers as bigint: a larger one is not a count.
        ok = isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    elif f.type in ("decimal", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and _finite(value)
    elif f.type == "boolean":
        ok = isinstance(value, bool)
    elif f.type == "date":
        ok = isinstance(value, str) and bool(_DATE.match(value))
        if ok:
            try:
                date.fromisoformat(value)
            except ValueError:
                ok = False
    else:  # timestamp
        ok = isinstance(value, str) and bool(_TIMESTAMP.match(value))
        if ok:
            try:
                parse_timestamp(value)
            except ValueError:
                ok = False
    if not ok:
        raise Rejected("wrong_type", f"{f.name}={value!r} is not a {f.type}")


def _check_amount(f: Field, value: float | int) -> None:
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise Rejected("impossible_amount", f"{f.name}={value!r}") from None
    if abs(amount) > MAX_AMOUNT * 100:  # before quantize, which fails on huge numbers
        raise Rejected("impossible_amount", f"{f.name}={value!r} is not an amount or a balance")
    if amount != amount.quantize(Decimal("0.01")):
        raise Rejected("impossible_amount", f"{f.name}={value!r} has sub-cent digits")
    if f.name == "amount" and not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise Rejected(
            "impossible_amount", f"{f.name}={value!r} outside {MIN_AMOUNT}..{MAX_AMOUNT}"
        )
    if f.name != "amount" and abs(amount) > MAX_AMOUNT * 100:
        raise Rejected("impossible_amount", f"{f.name}={value!r} is not a balance or limit")


def validate(feed_: Feed, line: bytes | str, delivery_day: date | None = None) -> dict:
    """Parse one landing line of ``feed_`` and return the record as a dict.

    Raises ``Rejected`` with one of ``REJECT_REASONS``. ``delivery_day`` is the
    business day the record was delivered for; without it, no record is
    refused for a future timestamp.
    """
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Rejected("bad_encoding", str(exc)) from None
    if "\ufffd" in line:
        # Text that was decoded upstream with replacement characters.
        raise Rejected("bad_encoding", "replacement character in the record")
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise Rejected("malformed_json", str(exc)) from None
    except RecursionError:  # brackets nested deeper than the parser goes
        raise Rejected("malformed_json", "nested too deeply") from None
    if not isinstance(record, dict):
        raise Rejected("malformed_json", f"a JSON {type(record).__name__}, not an object")

    for name in feed_.required:
        if record.get(name) is None:
            raise Rejected("missing_field", name)
    for name in record:
        if name not in feed_.columns:
            raise Rejected("unexpected_field", name)
    for name, value in record.items():
        if value is not None:
            _check_type(feed_.columns[name], value)
    for name, value in record.items():
        f = feed_.columns[name]
        if value is not None and f.values and value not in f.values:
            raise Rejected("invalid_value", f"{name}={value!r}")
    for name, value in record.items():
        if value is not None and feed_.columns[name].type == "decimal":
            _check_amount(feed_.columns[name], value)
    if delivery_day is not None:
        limit = datetime(delivery_day.year, delivery_day.month, delivery_day.day, tzinfo=UTC)
        limit = limit.timestamp() + 86400 + FUTURE_TOLERANCE_SECONDS
        if parse_timestamp(record["event_at"]).timestamp() > limit:
            raise Rejected(
                "future_timestamp", f"event_at={record['event_at']} after {delivery_day}"
            )
    return record


if __name__ == "__main__":  # pragma: no cover
    import sys

    if sys.argv[1:] == ["list"]:
        for f_ in FEEDS:
            print(f"{f_.name:36} {f_.kind:8} {len(f_.fields):3} fields")
    else:
        print("usage: python -m bankflow.schemas list", file=sys.stderr)
        raise SystemExit(2)
