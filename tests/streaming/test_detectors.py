"""Each detector alone on hand-made sequences, without Flink or Redis."""

from __future__ import annotations

import pytest

from bankflow import schemas
from streaming.detectors import Baseline, Scorer, load_rules
from streaming.parse import DeadLetter, Event, normalize
from tests.streaming.builders import login, payee, posting, record, transfer

RULES = load_rules()
D = RULES["detectors"]


def ev(r: dict, feed: str | None = None) -> Event:
    feed = feed or ("core_banking.postings" if "balance_after" in r else None)
    for name, f in schemas.BY_NAME.items():
        if feed is None and set(r) <= set(f.columns) and set(f.required) <= set(r):
            feed = name
    return normalize(schemas.feed(feed), r)


def run(events, baseline=None, feed=None):
    """Score events in the given order on one key; the reasons of each."""
    scorer, state = Scorer(RULES), {}
    out = []
    for r in events:
        s = scorer.score(ev(r, feed), state, baseline)
        out.append(s)
    return out


def reasons(scores):
    return [s.reasons for s in scores]


def test_velocity_fires_only_above_the_count():
    n = D["velocity"]["max_count"]
    window = D["velocity"]["window_s"]
    gap = window / (n + 1)  # n + 1 debits inside one window
    at_limit = run([posting(i * gap, "a1", 5.0) for i in range(n)])
    assert not any("velocity_count" in r for r in reasons(at_limit))
    over = run([posting(i * gap, "a1", 5.0) for i in range(n + 1)])
    assert "velocity_count" in over[-1].reasons
    assert over[-1].score >= D["velocity"]["weight_count"]


def test_velocity_counts_an_out_of_order_event_where_it_belongs():
    n = D["velocity"]["max_count"]
    window = D["velocity"]["window_s"]
    # n debits inside the window, then one from long before it arrives late:
    # it is outside the window of the others and must not push them over.
    late = run(
        [posting(10_000 + i, "a1", 5.0) for i in range(n)]
        + [posting(10_000 - 2 * window, "a1", 5.0)]
    )
    assert not any("velocity_count" in r for r in reasons(late))
    # The same late event inside the window does count.
    inside = run(
        [posting(10_000 + i, "a1", 5.0) for i in range(n)] + [posting(10_000 - 1, "a1", 5.0)]
    )
    assert "velocity_count" in inside[-1].reasons


def test_amount_against_baseline_exactly_at_the_threshold():
    base = Baseline("c1", typical_amount=40.0, amount_p95=100.0)
    limit = D["amount"]["baseline_multiple"] * 100.0
    assert "amount_above_baseline" not in run([posting(0, "a1", limit)], base)[0].reasons
    assert "amount_above_baseline" in run([posting(0, "a1", limit + 0.01)], base)[0].reasons


def test_first_event_without_baseline_says_so_and_uses_the_absolute_amount():
    first = run([posting(0, "a1", 50.0)])[0]
    assert first.reasons == ["no_baseline"]
    assert first.score == 0 and not first.alert
    large = run([posting(0, "a1", D["amount"]["large_amount"])])[0]
    assert "large_amount" in large.reasons and "no_baseline" in large.reasons


def test_new_device_needs_history_or_a_baseline():
    def r(t, dev):
        return record(
            "mobile_app.logins", t, customer_id="c1", device_id=dev, ip_address="10.0.0.1"
        )

    no_history = run([r(0, "d1")], feed="mobile_app.logins")[0]
    assert "new_device" not in no_history.reasons
    later = run([r(0, "d1"), r(60, "d1"), r(120, "d2")], feed="mobile_app.logins")
    assert [("new_device" in s.reasons) for s in later] == [False, False, True]
    base = Baseline("c1", usual_devices=frozenset({"d1"}))
    with_base = run([r(0, "d1"), r(10, "d9")], base, feed="mobile_app.logins")
    assert [("new_device" in s.reasons) for s in with_base] == [False, True]


def cp(t, lat, lon):
    return posting(t, "a1", 30.0, channel="card_present", merchant_lat=lat, merchant_lon=lon)


def test_impossible_travel_edges():
    # Paris then New York (5,840 km) one hour later: no airliner does that.
    s = run([cp(0, 48.86, 2.35), cp(3600, 40.71, -74.01)])
    assert "impossible_travel" in s[-1].reasons and s[-1].alert
    # The same trip eight hours later is a flight.
    s = run([cp(0, 48.86, 2.35), cp(8 * 3600, 40.71, -74.01)])
    assert "impossible_travel" not in s[-1].reasons
    # Close by at the same second: noise, not travel (below min_distance_km).
    s = run([cp(0, 48.86, 2.35), cp(0, 48.80, 2.30)])
    assert "impossible_travel" not in s[-1].reasons
    # Back home right after: the customer, not the fraud.
    s = run([cp(0, 48.86, 2.35), cp(3600, 40.71, -74.01), cp(7200, 48.86, 2.35)])
    assert "impossible_travel" not in s[-1].reasons
    # Out of order: the late event is compared with its neighbours in time
    # (Paris at 0 h and at 8 h; New York at 7 h arrives last).
    s = run([cp(0, 48.86, 2.35), cp(8 * 3600, 48.86, 2.35), cp(7 * 3600, 40.71, -74.01)])
    assert "impossible_travel" in s[-1].reasons


def test_account_takeover_sequence_and_its_time_bound():
    c = D["account_takeover"]
    fails = [login(i * 10, "c1", "failure") for i in range(c["min_failed_logins"])]
    s = run(fails + [login(100, "c1"), payee(200, "c1"), transfer(300, "c1", 2500.0)])
    assert "account_takeover" in s[-1].reasons and s[-1].alert
    assert "payee_after_failed_logins" in s[-2].reasons
    # One failure short: no sequence.
    s = run(fails[1:] + [payee(200, "c1"), transfer(300, "c1", 2500.0)])
    assert not any("account_takeover" in r for r in reasons(s))
    # The transfer too long after the payee.
    late = c["transfer_within_s"] + 201
    s = run(fails + [payee(200, "c1"), transfer(200 + late, "c1", 2500.0)])
    assert "account_takeover" not in s[-1].reasons
    # A small transfer is not the cash-out.
    s = run(fails + [payee(200, "c1"), transfer(300, "c1", c["large_transfer"] - 0.01)])
    assert "account_takeover" not in s[-1].reasons
    # Exactly at the large-transfer amount is.
    s = run(fails + [payee(200, "c1"), transfer(300, "c1", c["large_transfer"])])
    assert "account_takeover" in s[-1].reasons
    # Out of order: the transfer arrives before its payee.
    s = run(fails + [transfer(300, "c1", 2500.0), payee(200, "c1")])
    assert "account_takeover" in s[-1].reasons
    # The payee and the transfer before the failed logins: the last failure completes it.
    s = run([payee(200, "c1"), transfer(300, "c1", 2500.0), *fails])
    assert "account_takeover" in s[-1].reasons
    assert not any("account_takeover" in r for r in reasons(s[:-1]))


def test_card_testing_probes_then_a_large_charge():
    c = D["card_testing"]
    probes = [posting(i * 30, "a1", c["tiny_amount"]) for i in range(c["min_probes"])]
    s = run(probes + [posting(200, "a1", c["large_amount"])])
    assert "card_testing_probe" in s[c["min_probes"] - 1].reasons
    assert not any("card_testing_probe" in r for r in reasons(s[: c["min_probes"] - 1]))
    assert "card_testing" in s[-1].reasons and s[-1].alert
    # A charge of one cent more than tiny is not a probe.
    s = run([posting(i * 30, "a1", c["tiny_amount"] + 0.01) for i in range(c["min_probes"])])
    assert not any(r != ["no_baseline"] for r in reasons(s))


def test_mule_inbound_then_cash_out():
    c = D["mule"]
    credits = [
        posting(
            i * 60,
            "a1",
            400.0,
            direction="credit",
            transaction_type="transfer_in",
            channel="online",
        )
        for i in range(c["min_credits"])
    ]
    total = 400.0 * c["min_credits"]
    out = posting(
        3600, "a1", total * c["cashout_fraction"], transaction_type="transfer_out", channel="online"
    )
    s = run(credits + [out])
    assert "mule_inbound" in s[c["min_credits"] - 1].reasons
    assert "mule_cashout" in s[-1].reasons and s[-1].alert
    small = posting(
        3600,
        "a1",
        total * c["cashout_fraction"] - 0.01,
        transaction_type="transfer_out",
        channel="online",
    )
    assert "mule_cashout" not in run(credits + [small])[-1].reasons
    # One alert per wave of credits: the next debit is not a second cash-out.
    again = run(
        credits + [out, posting(3700, "a1", 20.0, transaction_type="p2p_out", channel="mobile")]
    )
    assert "mule_cashout" not in again[-1].reasons
    slow = posting(
        (c["min_credits"] - 1) * 60 + c["cashout_within_s"] + 1,
        "a1",
        total,
        transaction_type="transfer_out",
        channel="online",
    )
    assert "mule_cashout" not in run(credits + [slow])[-1].reasons


def test_a_redelivered_event_is_not_scored_twice():
    p = posting(0, "a1", 10.0)
    scorer, state = Scorer(RULES), {}
    assert not isinstance(scorer.score(ev(p), state, None), DeadLetter)
    dup = scorer.score(ev(dict(p)), state, None)
    assert isinstance(dup, DeadLetter) and dup.reason == "duplicate"


def test_rules_file_is_checked(tmp_path):
    bad = tmp_path / "rules.yml"
    bad.write_text(
        "version: x\nalert_threshold: 0.5\nrisk: {}\nstate: {}\ndetectors: {telepathy: {}}\n"
    )
    with pytest.raises(ValueError, match="telepathy"):
        load_rules(bad)


def test_the_delivery_day_follows_the_stream_past_midnight():
    from datetime import date

    from streaming.parse import Parser
    from tests.streaming.builders import envelope

    p = Parser(date(2026, 11, 2))

    def line(at: str) -> str:
        return envelope("core_banking.postings", posting(0, "a1", 5.0) | {"event_at": at})

    assert isinstance(p(line("2026-11-02T23:59:00Z")), Event)
    assert p(line("2026-11-05T10:00:00Z")).reason == "future_timestamp"
    assert isinstance(p(line("2026-11-03T00:00:10Z")), Event)  # the next day begins
    assert p.day == date(2026, 11, 3)
    assert isinstance(p(line("2026-11-03T22:00:00Z")), Event)
    assert p(line("2026-11-06T10:00:00Z")).reason == "future_timestamp"


def test_quality_counts_instances_and_alerts():
    from streaming.quality import evaluate

    truth = [
        {"event_id": e, "scenario": s, "instance_id": i}
        for e, s, i in (
            ("e1", "card_testing", "CT-1"),
            ("e2", "card_testing", "CT-1"),
            ("e3", "card_testing", "CT-2"),
            ("e4", "mule_account", "MU-1"),
        )
    ]
    q = evaluate({"e2", "e4", "x9"}, truth)
    assert q["scenarios"]["card_testing"] == {"instances": 2, "detected": 1, "recall": 0.5}
    assert q["scenarios"]["mule_account"]["recall"] == 1.0
    assert q["precision"] == 2 / 3
    # An instance not streamed whole: out of recall, its alerts still true ones.
    q = evaluate({"e3"}, truth, left_out={"CT-2"})
    assert q["scenarios"]["card_testing"]["instances"] == 1 and q["precision"] == 1.0
