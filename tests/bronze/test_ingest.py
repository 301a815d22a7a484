"""Bronze ingestion of a simulated day, with a real local Spark session."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bankflow import lake as paths
from bankflow import schemas
from bankflow.bronze import LandingMissing, ingest_day
from bankflow.simulator import generate_day
from tests.bronze import records

DAY = date(2026, 11, 2)
NEXT = date(2026, 11, 3)
META = ["_ingested_at", "_source_file", "_source_line", "_run_id"]


def _landing_lines(lake: str, feed, day=DAY) -> list[bytes]:
    data = Path(paths.landing_file(feed.source, feed.table, day, lake)).read_bytes()
    lines = data.split(b"\n")
    return lines[:-1] if data.endswith(b"\n") else lines


def _bronze(spark, lake: str, feed, day=DAY):
    return spark.read.parquet(paths.partition(paths.bronze_dir(feed.source, feed.table, lake), day))


def _quarantine(spark, lake: str, feed, day=DAY):
    folder = paths.quarantine_dir(feed.source, feed.table, lake)
    return spark.read.parquet(paths.partition(folder, day))


@pytest.fixture(scope="module")
def day_lake(spark, tmp_path_factory):
    """A simulated day of 3,000 events with bad records, ingested once.

    The hand-written corpus of ``records`` (every reason, and the lines where
    Spark's parser and Python's differ unless bronze takes care) is appended
    to each feed's landing file, after the simulator's lines.
    """
    lake = str(tmp_path_factory.mktemp("lake"))
    manifest = generate_day(DAY, events=3000, seed=11, lake=lake, bad_rate=0.01)
    for name, lines in records.corpus().items():
        feed = schemas.feed(name)
        with open(paths.landing_file(feed.source, feed.table, DAY, lake), "ab") as handle:
            handle.write(b"".join(line + b"\n" for line in lines))
        manifest["feeds"][name]["lines"] += len(lines)
    report = ingest_day(DAY, lake=lake, spark=spark, run_id="test-run-1")
    truth = [
        json.loads(line)
        for line in Path(paths.ground_truth_dir(DAY, lake), "bad_records.jsonl")
        .read_text()
        .split("\n")
        if line.strip()
    ]
    return lake, manifest, report, truth


def test_every_line_lands_in_bronze_or_quarantine(spark, day_lake):
    lake, manifest, report, _ = day_lake
    for feed in schemas.FEEDS:
        lines = manifest["feeds"][feed.name]["lines"]
        written = _bronze(spark, lake, feed).count()
        quarantined = _quarantine(spark, lake, feed).count()
        assert written + quarantined == lines, feed.name
        entry = report["feeds"][feed.name]
        assert (entry["read"], entry["written"], entry["quarantined"]) == (
            lines,
            written,
            quarantined,
        )
        assert sum(entry["quarantined_by_reason"].values()) == quarantined
    assert report["totals"]["read"] == sum(f["lines"] for f in manifest["feeds"].values())
    assert Path(paths.report_file("bronze", DAY, lake)).exists()


def test_injected_bad_records_are_quarantined_with_their_reason(spark, day_lake):
    lake, manifest, _, truth = day_lake
    corpus = records.corpus()
    simulated_lines = {
        f: manifest["feeds"][f.name]["lines"] - len(corpus[f.name]) for f in schemas.FEEDS
    }
    assert any(t["expected"] != "silver" for t in truth), "the day has no quarantine-kind record"
    assert any(t["expected"] == "silver" for t in truth), "the day has no silver-kind record"
    for feed in schemas.FEEDS:
        expected = {t["line"]: t["expected"] for t in truth if t["feed"] == feed.name}
        quarantined = {
            r._source_line: r.reason
            for r in _quarantine(spark, lake, feed).select("_source_line", "reason").collect()
        }
        wanted = {line: r for line, r in expected.items() if r != "silver"}
        simulated = {line: r for line, r in quarantined.items() if line <= simulated_lines[feed]}
        assert simulated == wanted, feed.name
        in_bronze = {
            r._source_line for r in _bronze(spark, lake, feed).select("_source_line").collect()
        }
        silver = {line for line, r in expected.items() if r == "silver"}
        assert silver <= in_bronze, feed.name


def test_spark_verdict_equals_schemas_validate_on_the_generated_day(spark, day_lake):
    lake = day_lake[0]
    for feed in schemas.FEEDS:
        lines = _landing_lines(lake, feed)
        quarantined = {
            r._source_line: (r.reason, r.raw, r.raw_bytes)
            for r in _quarantine(spark, lake, feed).collect()
        }
        for number, raw in enumerate(lines, start=1):
            try:
                schemas.validate(feed, raw, DAY)
                python = None
            except schemas.Rejected as exc:
                python = exc.reason
            spark_reason = quarantined.get(number, (None,))[0]
            assert spark_reason == python, f"{feed.name} line {number}: {raw[:100]!r}"
            if python is not None:
                reason, text, exact = quarantined[number]
                if reason == "bad_encoding":
                    assert bytes(exact) == raw
                else:
                    assert text.encode() == raw and exact is None


def test_bronze_is_typed_in_schema_order_with_metadata(spark, day_lake):
    lake = day_lake[0]
    feed = schemas.POSTINGS
    frame = _bronze(spark, lake, feed)
    assert frame.columns == [f.name for f in feed.fields] + META
    types = dict(frame.dtypes)
    assert types["amount"] == "decimal(18,2)" and types["event_at"] == "timestamp"
    assert types["merchant_lat"] == "double" and types["_source_line"] == "bigint"
    lines = _landing_lines(lake, feed)
    for row in frame.orderBy("_source_line").limit(50).collect():
        source = json.loads(lines[row._source_line - 1])
        assert row.event_id == source["event_id"]
        assert row.amount == Decimal(str(source["amount"]))
        assert row.event_at == schemas.parse_timestamp(source["event_at"]).replace(tzinfo=None)
        assert row._run_id == "test-run-1"
        assert row._source_file.endswith("postings/2026-11-02/postings.jsonl")
    visits = _bronze(spark, lake, schemas.BRANCH_VISITS)
    assert dict(visits.dtypes)["duration_minutes"] == "bigint"


def _rows(frame) -> list[tuple]:
    return sorted(tuple(r) for r in frame.drop("_ingested_at", "_run_id").collect())


def _files(folder: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir())}


def test_rerun_replaces_exactly_that_day(spark, day_lake, tmp_path):
    lake = str(tmp_path / "lake")
    generate_day(DAY, events=600, seed=5, lake=lake, bad_rate=0.05)
    generate_day(NEXT, events=600, seed=5, lake=lake, bad_rate=0.05)
    ingest_day(DAY, lake=lake, spark=spark, sources=["branch"])
    ingest_day(NEXT, lake=lake, spark=spark, sources=["branch"])
    feed = schemas.BRANCH_VISITS
    before = _rows(_bronze(spark, lake, feed)), _rows(_quarantine(spark, lake, feed))
    next_folder = paths.partition(paths.bronze_dir(feed.source, feed.table, lake), NEXT)
    next_files = _files(next_folder)

    ingest_day(DAY, lake=lake, spark=spark, sources=["branch"])

    assert (_rows(_bronze(spark, lake, feed)), _rows(_quarantine(spark, lake, feed))) == before
    assert _files(next_folder) == next_files
    report = json.loads(Path(paths.report_file("bronze", DAY, lake)).read_text())
    assert set(report["feeds"]) == {"branch.teller_transactions", "branch.visits"}
    assert not Path(lake, "_staging").exists() or not any(Path(lake, "_staging").rglob("*.parquet"))


def _landing(lake: str, feed, data: bytes, day=DAY) -> None:
    path = Path(paths.landing_file(feed.source, feed.table, day, lake))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_empty_and_corrupt_files_and_a_missing_one(spark, tmp_path):
    lake = str(tmp_path / "lake")
    empty, corrupt = schemas.ONLINE_PAYEES, schemas.ONLINE_PASSWORD_RESETS
    good = (
        b'{"event_id":"r1","event_at":"2026-11-02T08:00:00Z","customer_id":"c1",'
        b'"session_id":null,"delivery":"sms","ip_address":"10.0.0.1"}'
    )
    _landing(lake, empty, b"")
    # binary garbage, a good record, then a last line cut short (no newline)
    _landing(lake, corrupt, b"\x00\x9f\xff\x89PNG\r\n\x1a\n" + good + b"\n" + good[:40])

    with pytest.raises(LandingMissing, match="logins.jsonl"):
        ingest_day(DAY, lake=lake, spark=spark, sources=["online_banking"])
    assert not Path(lake, "bronze").exists()

    report = ingest_day(
        DAY, lake=lake, spark=spark, sources=[empty.name, corrupt.name], run_id="edge"
    )
    assert report["feeds"][empty.name]["read"] == 0
    assert _bronze(spark, lake, empty).count() == 0
    assert _bronze(spark, lake, empty).columns == [f.name for f in empty.fields] + META
    assert _quarantine(spark, lake, empty).count() == 0

    entry = report["feeds"][corrupt.name]
    assert (entry["read"], entry["written"]) == (4, 1)
    assert entry["quarantined_by_reason"] == {"bad_encoding": 1, "malformed_json": 2}
    rows = {r._source_line: r for r in _quarantine(spark, lake, corrupt).collect()}
    assert rows[1].reason == "bad_encoding" and bytes(rows[1].raw_bytes) == b"\x00\x9f\xff\x89PNG\r"
    assert rows[2].reason == "malformed_json" and rows[2].raw == "\x1a"
    assert rows[4].raw == good[:40].decode()
    assert [r._source_line for r in _bronze(spark, lake, corrupt).collect()] == [3]
