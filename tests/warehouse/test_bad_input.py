"""Bad silver input, chosen by hand: each case is handled by the models and
the nightly build still passes its tests.

Day 1 has a posting on an account Core Banking does not know. Day 2
re-delivers a day-1 posting, delivers a posting booked late on day 1,
changes a customer's risk rating, and the real-time alerts of day 2 land
beside the confirmed fraud labels.
"""

from __future__ import annotations

import json

import pytest

from . import bronze_fixture as fx
from .conftest import Warehouse

pytestmark = pytest.mark.slow

DAY1, DAY2 = "2026-11-01", "2026-11-02"


def posting(event_id: str, at: str, account: str, amount: float, balance: float) -> dict:
    return {
        "event_id": event_id,
        "event_at": at,
        "account_id": account,
        "amount": amount,
        "currency": "EUR",
        "direction": "debit",
        "transaction_type": "card_purchase",
        "channel": "card_not_present",
        "balance_after": balance,
        "merchant_id": "M00001",
        "merchant_name": "Shop",
        "mcc": "5411",
        "merchant_city": None,
        "merchant_country": "DE",
        "merchant_lat": None,
        "merchant_lon": None,
        "card_id": None,
        "counterparty_account": None,
        "reference_event_id": None,
        "description": None,
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, dbt_deps) -> Warehouse:
    root = tmp_path_factory.mktemp("bad_input")
    lake = root / "lake"
    fx.small_bank(
        lake,
        DAY1,
        extra={
            "core_banking.postings": [
                posting("post-unknown", f"{DAY1}T12:00:00Z", "A-NOT-AT-THE-BANK", 40.0, 10.0)
            ]
        },
    )
    # The fixture's day-1 posting of customer 0, as the source re-sends it on day 2.
    first_of_day1 = posting("post-2026-11-01-0-0", f"{DAY1}T09:00:00Z", "A000000", 25.5, 974.5)
    fx.small_bank(
        lake,
        DAY2,
        extra={
            "core_banking.postings": [
                first_of_day1,
                posting("post-late", f"{DAY1}T23:00:00Z", "A000000", 1.5, 922.0),
            ]
        },
    )
    alerts = lake / "landing" / "realtime" / "fraud_alerts" / DAY2 / "fraud_alerts.jsonl"
    alerts.parent.mkdir(parents=True)
    alerts.write_text(
        "".join(
            json.dumps(
                {
                    "event_id": e,
                    "feed": "core_banking.postings",
                    "customer_id": c,
                    "account_id": a,
                    "score": 0.91,
                    "reasons": ["card_testing"],
                    "rule_version": "v1",
                    "event_at": f"{DAY2}T10:00:00Z",
                    "scored_at": f"{DAY2}T10:00:00.050Z",
                }
            )
            + "\n"
            for e, c, a in (
                ("post-2026-11-02-2-0", "C00002", "A000020"),
                ("post-2026-11-02-3-0", "C00003", "A000030"),
                ("post-2026-11-02-3-0", "C00003", "A000030"),
            )
        )
    )
    labels = lake / "ground_truth" / DAY2 / "fraud_labels.jsonl"
    labels.parent.mkdir(parents=True)
    labels.write_text(
        "".join(
            json.dumps(
                {
                    "event_id": e,
                    "feed": "core_banking.postings",
                    "scenario": "card_testing",
                    "instance_id": i,
                    "customer_id": "C00002",
                    "account_id": "A",
                    "role": "charge",
                }
            )
            + "\n"
            for e, i in (
                ("post-2026-11-02-2-0", "CT-1"),
                ("post-2026-11-02-2-1", "CT-1"),
                ("post-2026-11-02-4-0", "CT-2"),
            )
        )
    )

    wh = Warehouse(lake=lake, folder=root / "wh")
    wh.folder.mkdir()
    wh.build(DAY1)
    wh.build(DAY2)
    return wh


def test_posting_on_an_unknown_account_is_kept_and_flagged(warehouse):
    rows = warehouse.sql(
        "select is_unknown_account, customer_id, account_type "
        "from gold.fct_transactions where event_id = 'post-unknown'"
    )
    assert rows == [(True, None, None)]
    assert warehouse.sql(
        "select count(*) from gold.fct_daily_balances where account_id = 'A-NOT-AT-THE-BANK'"
    ) == [(0,)]


def test_a_redelivered_posting_is_staged_once_from_its_first_delivery(warehouse):
    rows = warehouse.sql(
        "select ingest_date from silver.stg_core_banking__postings "
        "where event_id = 'post-2026-11-01-0-0'"
    )
    assert [str(d) for (d,) in rows] == [DAY1]
    assert warehouse.sql(
        "select count(*) from gold.fct_transactions where event_id = 'post-2026-11-01-0-0'"
    ) == [(1,)]


def test_a_late_posting_lands_in_the_day_it_was_booked(warehouse):
    assert (
        warehouse.sql(
            "select is_late_arriving, posted_date, ingest_date from gold.fct_transactions "
            "where event_id = 'post-late'"
        )[0][0]
        is True
    )
    closing = warehouse.sql(
        "select closing_balance, postings from gold.fct_daily_balances "
        f"where account_id = 'A000000' and balance_date = '{DAY1}'"
    )
    assert [(float(b), n) for b, n in closing] == [(922.0, 4)]


def test_a_changed_customer_gets_a_new_scd2_version(warehouse):
    versions = warehouse.sql(
        "select risk_rating, is_current from gold.dim_customers_history "
        "where customer_id = 'C00001' order by valid_from"
    )
    assert versions == [("low", False), ("medium", True)]
    assert warehouse.sql(
        "select risk_rating from gold.dim_customers where customer_id = 'C00001'"
    ) == [("medium",)]


def test_landed_alerts_are_reconciled_with_the_labels(warehouse):
    rows = {
        s: (i, d, a, tp, r, p)
        for s, i, d, a, tp, r, p in warehouse.sql(
            "select scenario, instances, detected_instances, alerts, true_positive_alerts, "
            "recall_rate, precision_rate from gold.fraud_reconciliation "
            f"where business_date = '{DAY2}'"
        )
    }
    # Two instances, one with an alert on one of its events.
    assert rows["card_testing"][:2] == (2, 1) and float(rows["card_testing"][4]) == 0.5
    # Two distinct alerted events (a replayed alert counts once), one true.
    instances, detected, alerts, true_alerts, recall, precision = rows["all"]
    assert (alerts, true_alerts, float(precision)) == (2, 1, 0.5)
