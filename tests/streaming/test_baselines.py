"""The nightly baselines read from a real Redis, as the batch path publishes them."""

from __future__ import annotations

import json

import redis

from streaming.baselines import BaselineStore
from streaming.consumer import Consumer
from streaming.parse import parse
from tests.streaming.builders import DAY, envelope, posting, record


def publish(client: redis.Redis, version: str = DAY) -> None:
    client.hset(
        f"bank:baseline:{version}:cus-1",
        mapping={
            "typical_amount": 40.0,
            "amount_p95": 120.0,
            "usual_devices": json.dumps(["dev-1"]),
            "usual_countries": json.dumps(["DE"]),
            "home_lat": 48.5,
            "home_lon": 12.1,
            "segment": "mass_market",
        },
    )
    client.hset(
        f"bank:account:{version}:acc-1",
        mapping={"customer_id": "cus-1", "account_type": "checking"},
    )
    client.set("bank:nightly:current", version)


def test_store_finds_a_postings_customer_and_caches_with_a_refresh(redis_url):
    client = redis.Redis.from_url(redis_url)
    now = [0.0]
    store = BaselineStore(client, refresh_s=300, clock=lambda: now[0])
    e = parse(envelope("core_banking.postings", posting(0, "acc-1", 10.0)))
    assert store.for_event(e) is None  # nothing published yet
    publish(client)
    assert store.for_event(e) is None  # the pointer is re-read only after the refresh
    now[0] = 301
    e = parse(envelope("core_banking.postings", posting(0, "acc-1", 10.0)))
    b = store.for_event(e)
    assert e.customer_id == "cus-1" and b.amount_p95 == 120.0 and "dev-1" in b.usual_devices
    assert not e.extra.get("unknown_account")
    stranger = parse(envelope("core_banking.postings", posting(0, "acc-404", 10.0)))
    assert store.for_event(stranger) is None and stranger.extra["unknown_account"]


def test_consumer_scores_against_the_published_baseline(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    publish(client)
    c = Consumer(redis_url, DAY)
    usual = posting(0, "acc-1", 100.0)
    large = posting(60, "acc-1", 361.0)  # above 3 x p95 = 360
    login = record(
        "mobile_app.logins", 120, customer_id="cus-1", device_id="dev-9", ip_address="10.0.0.1"
    )
    for r, feed in (
        (usual, "core_banking.postings"),
        (large, "core_banking.postings"),
        (login, "mobile_app.logins"),
    ):
        c.handle(envelope(feed, r))
    reasons = {
        r["event_id"]: json.loads(client.hget(f"bank:fraud:score:{r['event_id']}", "reasons"))
        for r in (usual, large, login)
    }
    assert reasons[usual["event_id"]] == []
    assert reasons[large["event_id"]] == ["amount_above_baseline"]
    assert reasons[login["event_id"]] == ["new_device"]
    assert client.hget(f"bank:fraud:score:{large['event_id']}", "customer_id") == "cus-1"
