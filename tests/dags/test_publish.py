"""The Redis publisher on a real Redis server: layout, swap, idempotence, expiry, batches."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import redis

from bankflow import publish
from bankflow.redis_local import free_port


def segment(customer_id: str, segment: str = "champions", rfm: int = 555) -> dict:
    return {
        "customer_id": customer_id,
        "segment": segment,
        "segment_name": segment.title(),
        "rfm_score": rfm,
        "recency_score": 5,
        "frequency_score": 5,
        "monetary_score": 5,
        "product_segment": "multi_product",
        "engagement_segment": "digital_first",
    }


def baseline(customer_id: str) -> dict:
    return {
        "customer_id": customer_id,
        "typical_amount": Decimal("42.50"),
        "amount_p95": Decimal("310.00"),
        "usual_devices": ["dev-1", "dev-2"],
        "usual_countries": ["DE"],
        "home_lat": 52.52,
        "home_lon": 13.405,
        "active_hours": [8, 12, 19],
        "segment": "champions",
    }


def night(n: int, **kwargs) -> dict:
    ids = [f"C{i:05d}" for i in range(n)]
    return {
        "segment": [segment(c, **kwargs) for c in ids],
        "baseline": [baseline(c) for c in ids],
        "account": [
            {
                "account_id": f"A{c[1:]}",
                "customer_id": c,
                "account_type": "checking",
                "status": "active",
                "opened_date": "2020-01-31",
                "balance": 1,
            }
            for c in ids
        ],
    }


@pytest.fixture
def client(redis_url):
    return redis.Redis.from_url(redis_url, decode_responses=True)


def test_layout_follows_the_key_contract(redis_url, client):
    report = publish.publish(redis_url, "2026-11-02", night(3), run_id="r1")

    assert client.get("bank:nightly:current") == "2026-11-02"
    assert report["pointer_moved"] and report["previous"] is None
    seg = client.hgetall("bank:segment:2026-11-02:C00001")
    assert seg["segment"] == "champions" and seg["rfm_score"] == "555"
    base = client.hgetall("bank:baseline:2026-11-02:C00001")
    assert base["typical_amount"] == "42.50"
    assert json.loads(base["usual_devices"]) == ["dev-1", "dev-2"]
    assert json.loads(base["active_hours"]) == [8, 12, 19]
    account = client.hgetall("bank:account:2026-11-02:A00001")
    assert account == {
        "customer_id": "C00001",
        "account_type": "checking",
        "status": "active",
        "opened_date": "2020-01-31",
    }
    manifest = client.hgetall(publish.manifest_key("2026-11-02"))
    assert manifest["segment_keys"] == "3" and manifest["run_id"] == "r1"
    assert publish.read_segment(client, "C00002")["segment_name"] == "Champions"


def test_versions_expire_and_the_pointer_does_not(redis_url, client):
    publish.publish(redis_url, "2026-11-02", night(2), ttl_seconds=3600)

    for key in (
        "bank:segment:2026-11-02:C00000",
        "bank:baseline:2026-11-02:C00001",
        "bank:account:2026-11-02:A00000",
        publish.manifest_key("2026-11-02"),
    ):
        assert 3500 < client.ttl(key) <= 3600, key
    assert client.ttl("bank:nightly:current") == -1


def test_rerun_of_a_day_is_idempotent(redis_url, client):
    publish.publish(redis_url, "2026-11-02", night(50))
    first = {k: client.hgetall(k) for k in client.scan_iter("bank:segment:*")}
    dbsize = client.dbsize()

    publish.publish(redis_url, "2026-11-02", night(50))

    assert {k: client.hgetall(k) for k in client.scan_iter("bank:segment:*")} == first
    assert client.dbsize() == dbsize
    assert client.get("bank:nightly:current") == "2026-11-02"


def test_rerun_removes_customers_and_fields_the_night_no_longer_has(redis_url, client):
    publish.publish(redis_url, "2026-11-02", night(5))
    smaller = night(3)
    smaller["segment"][0]["engagement_segment"] = None

    report = publish.publish(redis_url, "2026-11-02", smaller)

    assert not client.exists("bank:segment:2026-11-02:C00004")
    assert "engagement_segment" not in client.hgetall("bank:segment:2026-11-02:C00000")
    assert {f["family"]: f["pruned"] for f in report["families"]} == {
        "segment": 2,
        "baseline": 2,
        "account": 2,
    }


def test_a_failed_night_leaves_the_previous_one_current_and_whole(redis_url, client):
    publish.publish(redis_url, "2026-11-02", night(20, segment="loyal"))

    def warehouse_drops_mid_read():
        for i, row in enumerate(night(20, segment="at_risk")["segment"]):
            if i == 13:
                raise ConnectionError("warehouse connection reset")
            yield row

    with pytest.raises(ConnectionError):
        publish.publish(
            redis_url, "2026-11-03", {"segment": warehouse_drops_mid_read()}, batch_size=5
        )

    # Some of the new night was written, but no reader following the pointer sees it.
    assert client.exists("bank:segment:2026-11-03:C00000")
    assert client.get("bank:nightly:current") == "2026-11-02"
    assert not client.exists(publish.manifest_key("2026-11-03"))
    for i in range(20):
        assert publish.read_segment(client, f"C{i:05d}")["segment"] == "loyal"

    publish.publish(redis_url, "2026-11-03", night(20, segment="at_risk"))
    assert client.get("bank:nightly:current") == "2026-11-03"
    assert {publish.read_segment(client, f"C{i:05d}")["segment"] for i in range(20)} == {"at_risk"}


def test_backfill_of_an_older_day_does_not_move_the_pointer_back(redis_url, client):
    publish.publish(redis_url, "2026-11-03", night(2))

    report = publish.publish(redis_url, "2026-11-01", night(2))

    assert not report["pointer_moved"]
    assert client.get("bank:nightly:current") == "2026-11-03"
    assert client.exists("bank:segment:2026-11-01:C00000")
    forced = publish.publish(redis_url, "2026-11-01", night(2), force_pointer=True)
    assert forced["pointer_moved"] and client.get("bank:nightly:current") == "2026-11-01"


class CountingRedis(redis.Redis):
    """A real client that counts round trips: single commands and pipeline executions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands: list[str] = []
        self.pipelines: list[int] = []

    def execute_command(self, *args, **options):
        self.commands.append(str(args[0]))
        return super().execute_command(*args, **options)

    def pipeline(self, transaction=True, shard_hint=None):
        pipe = super().pipeline(transaction, shard_hint)
        execute = pipe.execute

        def counted(raise_on_error=True):
            self.pipelines.append(len(pipe.command_stack))
            return execute(raise_on_error)

        pipe.execute = counted
        return pipe


def test_rows_are_written_in_pipelined_batches(redis_url):
    spy = CountingRedis.from_url(redis_url, decode_responses=True)

    report = publish.publish(
        redis_url, "2026-11-02", {"segment": night(1050)["segment"]}, batch_size=500, client=spy
    )

    assert report["families"][0]["batches"] == 3
    # 500 customers x (DEL, HSET, EXPIRE) per transaction, not 1,500 round trips each.
    assert spy.pipelines == [1500, 1500, 150, 3]  # the last: the version's manifest
    assert "HSET" not in spy.commands and "EXPIRE" not in spy.commands
    assert spy.dbsize() == 1050 + 2  # the keys, the manifest and the pointer


def test_unreachable_redis_is_a_clear_error_without_the_password():
    url = f"redis://bankflow:s3cret@127.0.0.1:{free_port()}/0"

    with pytest.raises(publish.RedisUnreachable) as error:
        publish.publish(url, "2026-11-02", night(1))

    message = str(error.value)
    assert "unreachable" in message and "previous night" in message
    assert "s3cret" not in message and "***" in message


def test_a_model_that_breaks_the_contract_is_named(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    path = str(tmp_path / "w.duckdb")
    con = duckdb.connect(path)
    con.execute("create schema gold")
    con.execute(
        "create table gold.customer_segments as select 'C1' as customer_id, 'loyal' as segment"
    )
    con.close()

    with pytest.raises(publish.PublishError, match="segment_name, rfm_score"):
        list(publish.duckdb_rows(path, publish.SEGMENTS))
    with pytest.raises(publish.PublishError, match="no table dim_accounts"):
        list(publish.duckdb_rows(path, publish.ACCOUNTS))


def test_duckdb_rows_stream_every_row_typed(tmp_path, redis_url, client):
    duckdb = pytest.importorskip("duckdb")
    path = str(tmp_path / "w.duckdb")
    con = duckdb.connect(path)
    con.execute("create schema gold")
    con.execute("""
        create table gold.customer_baselines as
        select 'C' || lpad(i::varchar, 5, '0') as customer_id,
               12.34::decimal(18, 2) as typical_amount, 99.5 as amount_p95,
               ['d1', 'd2'] as usual_devices, ['DE', 'FR'] as usual_countries,
               48.1 as home_lat, null::double as home_lon, [9, 21] as active_hours,
               'loyal' as segment
        from range(2500) t(i)
    """)
    con.close()

    rows = publish.duckdb_rows(path, publish.BASELINES, batch_size=1000)
    publish.publish(redis_url, "2026-11-02", {"baseline": rows})

    assert len(list(client.scan_iter("bank:baseline:2026-11-02:*"))) == 2500
    base = client.hgetall("bank:baseline:2026-11-02:C02499")
    assert base["typical_amount"] == "12.34" and "home_lon" not in base
    assert json.loads(base["usual_countries"]) == ["DE", "FR"]
    assert json.loads(base["active_hours"]) == [9, 21]


def test_the_dbt_adapter_path_reads_a_model_through_ref(tmp_path, redis_url, client):
    """The production path (Snowflake, Redshift) run against a DuckDB profile."""
    pytest.importorskip("dbt.cli.main")
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: mini\nversion: '1.0'\nconfig-version: 2\nprofile: mini\n"
        "models:\n  mini:\n    +schema: gold\n    +materialized: table\n"
    )
    (project / "profiles.yml").write_text(
        "mini:\n  target: warehouse\n  outputs:\n    warehouse:\n      type: duckdb\n"
        f"      path: {tmp_path / 'w.duckdb'}\n      schema: main\n"
    )
    (project / "models" / "dim_accounts.sql").write_text(
        "select 'A' || i as account_id, 'C' || (i % 7) as customer_id,\n"
        "    'savings' as account_type, 'active' as status,\n"
        "    date '2021-03-04' as opened_date\n"
        "from range(40) t(i)\n"
    )
    from dbt.cli.main import dbtRunner

    built = dbtRunner().invoke(
        [
            "run",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp_path / "target"),
            "--target",
            "warehouse",
            "--quiet",
        ]
    )
    assert built.success

    rows = publish.dbt_rows(publish.ACCOUNTS, str(project), str(project), "warehouse")
    report = publish.publish(redis_url, "2026-11-02", {"account": rows})

    assert report["families"][0]["written"] == 40
    assert client.hgetall("bank:account:2026-11-02:A13") == {
        "customer_id": "C6",
        "account_type": "savings",
        "status": "active",
        "opened_date": "2021-03-04",
    }
