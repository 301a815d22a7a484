"""Hand-written bronze partitions for targeted warehouse tests.

The end-to-end tests run on the simulator and the Spark bronze job; the tests
that prove one behaviour (a duplicate across deliveries, a posting on an
unknown account, a contract violation) need a few records chosen by hand.
This module writes them as bronze does: Parquet typed by ``bankflow.schemas``,
with the ingestion metadata, under ``bronze/<source>/<table>/ingest_date=<day>``.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from bankflow import lake as lake_paths
from bankflow import schemas

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18,2)",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def write_partition(lake: Path, feed: schemas.Feed, day: str, records: list[dict]) -> Path:
    """Write one bronze partition of ``feed`` for ``day`` (replacing it)."""
    folder = Path(
        lake_paths.partition(lake_paths.bronze_dir(feed.source, feed.table, str(lake)), day)
    )
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    columns = {f.name: DUCKDB_TYPES[f.type] for f in feed.fields}
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / f"{feed.table}.jsonl"
        landing.write_text("".join(json.dumps(r) + "\n" for r in records) or "")
        select = ", ".join(f'"{name}"' for name in columns)
        out = folder / "part-00000.parquet"
        con = duckdb.connect()
        if records:
            source = f"read_json('{landing}', format='newline_delimited', columns={columns!r})"
        else:
            casts = ", ".join(f'cast(null as {t}) as "{n}"' for n, t in columns.items())
            source = f"(select {casts} where false)"
        con.execute(
            f"""
            copy (
                select {select},
                    cast(timestamp '{day} 23:30:00' as timestamp) as _ingested_at,
                    '{landing.name}' as _source_file,
                    cast(row_number() over () as bigint) as _source_line,
                    'fixture-{day}' as _run_id
                from {source}
            ) to '{out}' (format parquet)
            """
        )
        con.close()
    return out


def ts(day: str, hour: int, minute: int = 0) -> str:
    return f"{day}T{hour:02d}:{minute:02d}:00Z"


def small_bank(lake: Path, day: str, *, customers: int = 6, extra: dict | None = None) -> None:
    """A small coherent bank day: customers, accounts, postings, logins, visits.

    ``extra`` maps a feed name to more records appended to that feed.
    """
    d = date.fromisoformat(day)
    offset = (d - date(2026, 11, 1)).days
    records: dict[str, list[dict]] = {f.name: [] for f in schemas.FEEDS}
    for i in range(customers):
        cid = f"C{i:05d}"
        records["core_banking.customers"].append(
            {
                "event_id": f"cust-{day}-{i}",
                "event_at": ts(day, 1),
                "customer_id": cid,
                "customer_type": schemas.CUSTOMER_TYPES[i % 4],
                "first_name": f"Ann{i}",
                "last_name": f"Lee{i}",
                "email": f"ann{i}@example.com",
                "phone": f"+3161234{i:04d}",
                "date_of_birth": f"1980-05-0{1 + i % 9}",
                "national_id": f"NID{i:06d}",
                "address_line": f"{i} Main St",
                "postal_code": f"10{i:02d}AB",
                "city": "Utrecht",
                "country": "NL",
                "home_lat": 52.0907 + i / 1000,
                "home_lon": 5.1214,
                "kyc_status": "verified",
                "risk_rating": "high" if i == 0 else "low",
                "home_branch_id": "BR001",
                "customer_since": "2020-01-01",
                # Customer 1 changes risk rating on the second day: an SCD2 change.
                "updated_at": ts(day, 0) if (i == 1 and offset >= 1) else "2026-10-01T00:00:00Z",
            }
        )
        if i == 1 and offset >= 1:
            records["core_banking.customers"][-1]["risk_rating"] = "medium"
        for j, kind in enumerate(("checking", "savings") if i % 2 == 0 else ("checking",)):
            aid = f"A{i:05d}{j}"
            records["core_banking.accounts"].append(
                {
                    "event_id": f"acct-{day}-{aid}",
                    "event_at": ts(day, 1),
                    "account_id": aid,
                    "customer_id": cid,
                    "account_type": kind,
                    "status": "active",
                    "currency": "EUR",
                    "opened_date": "2020-01-01",
                    "closed_date": None,
                    "credit_limit": None,
                    "overdraft_limit": 500.0 if kind == "checking" else None,
                    "interest_rate": 1.5 if kind == "savings" else None,
                    "card_id": None,
                    "updated_at": "2026-10-01T00:00:00Z",
                }
            )
        aid = f"A{i:05d}0"
        balance = 1000.0 + 100 * i + offset * 10
        for k in range(3):
            balance -= 25.5
            records["core_banking.postings"].append(
                {
                    "event_id": f"post-{day}-{i}-{k}",
                    "event_at": ts(day, 9 + k),
                    "account_id": aid,
                    "amount": 25.5,
                    "currency": "EUR",
                    "direction": "debit",
                    "transaction_type": "card_purchase",
                    "channel": "card_present",
                    "balance_after": round(balance, 2),
                    "merchant_id": "M001",
                    "merchant_name": "Grocer",
                    "mcc": "5411",
                    "merchant_city": "Utrecht",
                    "merchant_country": "NL",
                    "merchant_lat": 52.09,
                    "merchant_lon": 5.12,
                    "card_id": None,
                    "counterparty_account": None,
                    "reference_event_id": None,
                    "description": "Grocer Utrecht",
                }
            )
        records["mobile_app.logins"].append(
            {
                "event_id": f"mlog-{day}-{i}",
                "event_at": ts(day, 8),
                "customer_id": cid,
                "session_id": f"ms-{day}-{i}",
                "device_id": f"dev-{i}",
                "auth_method": "biometric",
                "outcome": "success",
                "failure_reason": None,
                "os": "ios",
                "app_version": "5.2.0",
                "ip_address": f"10.0.0.{i}",
                "geo_city": "Utrecht",
                "geo_country": "NL",
                "geo_lat": 52.09,
                "geo_lon": 5.12,
            }
        )
        records["online_banking.logins"].append(
            {
                "event_id": f"olog-{day}-{i}",
                "event_at": ts(day, 8, 10),
                "customer_id": cid,
                "session_id": f"os-{day}-{i}",
                "outcome": "success",
                "failure_reason": None,
                "ip_address": f"10.0.1.{i}",
                "user_agent": "Firefox",
                "geo_city": "Utrecht",
                "geo_country": "NL",
                "geo_lat": 52.09,
                "geo_lon": 5.12,
            }
        )
    records["branch.visits"].append(
        {
            "event_id": f"visit-{day}-0",
            "event_at": ts(day, 11),
            "branch_id": "BR001",
            "customer_id": None,
            "purpose": "advice",
            "duration_minutes": 15,
        }
    )
    for name, more in (extra or {}).items():
        records[name].extend(more)
    for f in schemas.FEEDS:
        write_partition(lake, f, day, records[f.name])


def day_after(day: str, n: int = 1) -> str:
    return (date.fromisoformat(day) + timedelta(days=n)).isoformat()


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
