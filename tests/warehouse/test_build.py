"""dbt build on simulated days: the built run, day after day, and a backfill.

The simulator lands two small days and the Spark bronze job ingests them;
dbt then builds them one after the other in one DuckDB warehouse, with
seeds, snapshots, models, data tests and unit tests, as the built DAG does.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from .conftest import DAYS, Warehouse, copy_days

pytestmark = pytest.mark.slow

PII_COLUMNS = {
    f.name for feed in __import__("bankflow.schemas").schemas.FEEDS for f in feed.fields if f.pii
}
PUBLISHED_SCHEMAS = ("silver", "gold", "segmentation", "snapshots")


@pytest.fixture(scope="module")
def built(simulated_lake, tmp_path_factory, dbt_deps) -> Warehouse:
    wh = Warehouse(lake=simulated_lake, folder=tmp_path_factory.mktemp("built"))
    results = {}
    for day in DAYS:
        wh.build(day)
        run = json.loads((wh.folder / "target" / "run_results.json").read_text())
        results[day] = run["results"]
    wh.results = results
    return wh


def test_each_night_runs_seeds_snapshots_models_and_every_test(built):
    for day, results in built.results.items():
        kinds = {r["unique_id"].split(".")[0] for r in results}
        assert {"seed", "snapshot", "model", "test", "unit_test"} <= kinds, (day, kinds)
        # The ledger reconciliation warns by design: a posting bronze refused
        # (a bad record) leaves a gap in the account's balance chain.
        may_warn = {"test.bank.assert_ledger_balance_matches_postings"}
        bad = [
            (r["unique_id"], r["status"])
            for r in results
            if not r["unique_id"].startswith("exposure.")
            and r["status"] not in ("success", "pass")
            and not (r["status"] == "warn" and r["unique_id"] in may_warn)
        ]
        assert not bad, (day, bad)


def test_incremental_models_hold_no_duplicate_keys(built):
    manifest = json.loads((built.folder / "target" / "manifest.json").read_text())
    incremental = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"]["materialized"] == "incremental"
    ]
    assert len(incremental) >= 15
    for node in incremental:
        key = node["config"]["unique_key"]
        cols = ", ".join(key if isinstance(key, list) else [key])
        relation = f"{node['schema']}.{node['alias']}"
        dupes = built.sql(
            f"select count(*) from (select {cols} from {relation} group by {cols} "
            "having count(*) > 1)"
        )[0][0]
        assert dupes == 0, f"{relation} has {dupes} duplicate keys on ({cols})"


def test_no_posting_is_lost_or_doubled(built, simulated_lake):
    bronze = duckdb.sql(
        "select count(distinct event_id) from read_parquet("
        f"'{simulated_lake}/bronze/core_banking/postings/*/*.parquet')"
    ).fetchall()[0][0]
    facts, distinct = built.sql(
        "select count(*), count(distinct event_id) from gold.fct_transactions"
    )[0]
    assert facts == distinct == bronze > 0


def test_snapshots_open_one_version_and_close_the_replaced_ones(built):
    closed_total = 0
    for snap, key in (
        ("snap_core_banking__customers", "customer_id"),
        ("snap_core_banking__accounts", "account_id"),
    ):
        open_twice = built.sql(
            f"select count(*) from (select {key} from snapshots.{snap} "
            f"where dbt_valid_to is null group by {key} having count(*) > 1)"
        )[0][0]
        assert open_twice == 0, snap
        bad_ranges = built.sql(
            f"select count(*) from snapshots.{snap} where dbt_valid_to <= dbt_valid_from"
        )[0][0]
        assert bad_ranges == 0, snap
        closed = built.sql(
            f"select count(*) from snapshots.{snap} s where dbt_valid_to is not null and exists ("
            f"select 1 from snapshots.{snap} n where n.{key} = s.{key} "
            "and n.dbt_valid_from = s.dbt_valid_to)"
        )[0][0]
        closed_total += closed
    # The simulator changes some customers and accounts every day.
    assert closed_total > 0, "the second day closed no SCD2 version"


def test_postings_on_unknown_accounts_are_kept_and_flagged(built, simulated_lake):
    unknown = []
    for day in DAYS:
        path = simulated_lake / "ground_truth" / day / "bad_records.jsonl"
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            if rec["kind"] == "unknown_account" and rec["feed"] == "core_banking.postings":
                unknown.append(rec["event_id"])
    assert unknown, "the simulator injected no unknown-account posting"
    ids = ", ".join(f"'{e}'" for e in unknown)
    rows = built.sql(
        "select is_unknown_account, customer_id from gold.fct_transactions "
        f"where event_id in ({ids})"
    )
    assert len(rows) == len(unknown)
    assert all(flag and customer is None for flag, customer in rows)
    # And they move no account balance.
    assert (
        built.sql(
            "select count(*) from gold.fct_daily_balances b left join gold.dim_accounts a "
            "using (account_id) where a.account_id is null"
        )[0][0]
        == 0
    )


def test_nightly_models_have_one_row_per_customer_and_day(built):
    customers = built.sql("select count(*) from gold.dim_customers")[0][0]
    for model in ("customer_segments", "customer_baselines", "customer_rfm_scores"):
        rows, distinct, days = built.sql(
            f"select count(*), count(distinct customer_id), count(distinct as_of_date) "
            f"from segmentation.{model}"
        )[0]
        assert rows == distinct == customers and days == 1, model
    history = built.sql(
        "select as_of_date, count(*) from segmentation.customer_segment_history "
        "group by 1 order by 1"
    )
    assert [str(d) for d, _ in history] == list(DAYS)
    assert all(n == customers for _, n in history[-1:])
    # Lists are JSON text the Redis publisher carries as they are.
    for devices, countries, hours in built.sql(
        "select usual_devices, usual_countries, active_hours from segmentation.customer_baselines"
    ):
        assert isinstance(json.loads(devices), list)
        assert isinstance(json.loads(countries), list)
        assert all(0 <= h <= 23 for h in json.loads(hours))


def test_without_landed_alerts_recall_is_zero(built):
    rows = built.sql(
        "select scenario, instances, recall_rate, precision_rate "
        "from gold.fraud_reconciliation where business_date = '2026-11-02'"
    )
    assert rows, "the reconciliation has no rows for a day with fraud labels"
    assert all(
        instances > 0 and recall == 0 and precision is None
        for _, instances, recall, precision in rows
    )


def test_no_raw_pii_reaches_silver_gold_or_segmentation(built, simulated_lake):
    con = duckdb.connect(str(built.duckdb_path))
    try:
        con.sql("create temp table pii (value varchar)")
        for source, table, cols in (
            (
                "core_banking",
                "customers",
                [
                    "first_name",
                    "last_name",
                    "email",
                    "phone",
                    "national_id",
                    "address_line",
                    "postal_code",
                ],
            ),
            ("online_banking", "logins", ["ip_address"]),
            ("online_banking", "payees", ["payee_name", "payee_iban"]),
            ("mobile_app", "p2p_transfers", ["recipient_phone"]),
        ):
            for col in cols:
                con.sql(
                    f"insert into pii select distinct cast({col} as varchar) from read_parquet("
                    f"'{simulated_lake}/bronze/{source}/{table}/*/*.parquet') "
                    f"where {col} is not null"
                )
        assert con.sql("select count(*) from pii").fetchall()[0][0] > 100
        columns = con.sql(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns where table_schema in "
            f"{PUBLISHED_SCHEMAS} and table_catalog = current_database()"
        ).fetchall()
        named = [f"{s}.{t}.{c}" for s, t, c, _ in columns if c in PII_COLUMNS]
        assert not named, f"raw PII columns: {named}"
        leaks = []
        for schema, table, column, data_type in columns:
            if data_type != "VARCHAR":
                continue
            hit = con.sql(
                f'select count(*) from {schema}."{table}" '
                f'where "{column}" in (select value from pii)'
            ).fetchall()[0][0]
            if hit:
                leaks.append(f"{schema}.{table}.{column}: {hit}")
        assert not leaks, leaks
    finally:
        con.close()


def test_backfill_gives_the_gold_of_the_nights(built, simulated_lake, tmp_path):
    """Nightly: bronze arrives one day at a time. Backfill: the built
    warehouse above, built day by day with every day already in bronze."""
    lake = tmp_path / "lake"
    wh = Warehouse(lake=lake, folder=tmp_path / "wh")
    wh.folder.mkdir()
    for i, day in enumerate(DAYS):
        copy_days(simulated_lake, lake, DAYS[i : i + 1])
        wh.models_only(day)

    con = duckdb.connect()
    try:
        con.sql(f"attach '{built.duckdb_path}' as backfill (read_only)")
        con.sql(f"attach '{wh.duckdb_path}' as nights (read_only)")
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'backfill' and table_schema in ('gold', 'segmentation', "
            "'snapshots') order by 1, 2"
        ).fetchall()
        assert len(tables) >= 15
        differing = []
        for schema, table in tables:
            cols = [
                c
                for (c,) in con.sql(
                    "select column_name from information_schema.columns where table_catalog = "
                    f"'backfill' and table_schema = '{schema}' and table_name = '{table}'"
                ).fetchall()
                if c not in ("dbt_updated_at",)
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            a = f"select {select} from backfill.{schema}.{table}"
            b = f"select {select} from nights.{schema}.{table}"
            diff = con.sql(
                f"select count(*) from (({a}) except all ({b}) union all (({b}) except all ({a})))"
            ).fetchall()[0][0]
            if diff:
                differing.append(f"{schema}.{table}: {diff} rows")
        assert not differing, differing
    finally:
        con.close()
