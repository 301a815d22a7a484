"""Balances agree with postings, within a day, across days and with the accounts extract."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from simulator_helpers import DAY, ground_truth, landing_lines

from bankflow import schemas


def _ledger_postings(lake, day):
    """The day's postings bronze keeps and silver deduplicates: valid, known accounts, once."""
    bad = {
        r["line"]: r["kind"]
        for r in ground_truth(lake, day, "bad_records.jsonl")
        if r["feed"] == schemas.POSTINGS.name
    }
    out = []
    for n, line in enumerate(landing_lines(lake, schemas.POSTINGS, day), 1):
        if bad.get(n) in (None, "out_of_order", "late"):
            out.append(schemas.validate(schemas.POSTINGS, line, day))
    return out


def test_balance_after_rolls_forward_across_days_and_matches_the_extract(three_days):
    lake, manifests = three_days
    balance: dict[str, Decimal] = {}
    checked = 0
    for m in manifests:
        day = DAY.fromisoformat(m["day"])
        extract = {
            r["account_id"]: r
            for r in (json.loads(x) for x in landing_lines(lake, schemas.ACCOUNTS, day))
        }
        postings = _ledger_postings(lake, day)
        postings.sort(key=lambda r: r["event_at"])  # booking order
        for r in postings:
            acc = r["account_id"]
            assert acc in extract, r
            amount = Decimal(str(r["amount"]))
            signed = amount if r["direction"] == "credit" else -amount
            after = Decimal(str(r["balance_after"]))
            if acc in balance:
                assert balance[acc] + signed == after, (r, balance[acc])
                checked += 1
            balance[acc] = after
        for acc, row in extract.items():
            ledger = Decimal(str(row["ledger_balance"]))
            if acc in balance:
                assert balance[acc] == ledger, (acc, day)
            balance[acc] = ledger  # accounts without postings today carry their balance
    assert checked > 3000


def test_money_moving_events_have_their_postings(three_days):
    lake, manifests = three_days
    day = DAY + timedelta(days=1)
    by_reference: dict[str, list[dict]] = {}
    for r in _ledger_postings(lake, day):
        if r["reference_event_id"]:
            by_reference.setdefault(r["reference_event_id"], []).append(r)
    bad = {(r["feed"], r["line"]) for r in ground_truth(lake, day, "bad_records.jsonl")}
    for feed in (
        schemas.ONLINE_TRANSFERS,
        schemas.MOBILE_P2P_TRANSFERS,
        schemas.BRANCH_TELLER_TRANSACTIONS,
    ):
        seen = 0
        for n, line in enumerate(landing_lines(lake, feed, day), 1):
            if (feed.name, n) in bad:
                continue
            r = json.loads(line)
            legs = by_reference.get(r["event_id"], [])
            assert legs, (feed.name, r["event_id"])
            account = r.get("from_account_id") or r.get("account_id")
            debit = [x for x in legs if x["account_id"] == account]
            assert len(debit) == 1 and debit[0]["amount"] == r["amount"], (r, legs)
            internal = r.get("to_account_id") or r.get("recipient_account_id")
            if internal:
                credit = [x for x in legs if x["account_id"] == internal]
                assert credit and credit[0]["direction"] == "credit"
            seen += 1
        assert seen > 0, feed.name
