"""Every path of the lake, in one place.

The lake root is ``$BANK_LAKE_ROOT`` (default ``./lake`` under the repository)
and may be a local folder or an object-store URI (``s3://bank-lake``); the
layout below it is the same in both:

    landing/<source>/<table>/<day>/<table>.jsonl      the feeds as delivered
    ground_truth/<day>/manifest.json                  counts per source, scenario, bad kind
    ground_truth/<day>/fraud_labels.jsonl             which events belong to which scenario
    ground_truth/<day>/bad_records.jsonl              which lines were made bad, and how
    bronze/<source>/<table>/ingest_date=<day>/        typed Parquet, with ingestion metadata
    quarantine/<source>/<table>/ingest_date=<day>/    refused lines with their reason (Parquet)
    reports/<layer>/<day>.json                        the run report of a layer for a day
    simulator_state/<day>.json.gz                     the simulator's state at the end of a day
    landing/realtime/fraud_alerts/<day>/fraud_alerts.jsonl   the real-time alerts, landed from Redis

A day is a business date written ``YYYY-MM-DD``.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def root() -> str:
    """The lake root: ``$BANK_LAKE_ROOT`` or the repository's ``lake`` folder."""
    return os.environ.get("BANK_LAKE_ROOT") or str(REPO_ROOT / "lake")


def _day(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()


def _join(*parts: str) -> str:
    return "/".join(p.rstrip("/") for p in parts)


def landing_file(source: str, table: str, day: date | str, lake: str | None = None) -> str:
    return _join(lake or root(), "landing", source, table, _day(day), f"{table}.jsonl")


def ground_truth_dir(day: date | str, lake: str | None = None) -> str:
    return _join(lake or root(), "ground_truth", _day(day))


def bronze_dir(source: str, table: str, lake: str | None = None) -> str:
    """The bronze folder of a feed; its partitions are ``ingest_date=<day>``."""
    return _join(lake or root(), "bronze", source, table)


def quarantine_dir(source: str, table: str, lake: str | None = None) -> str:
    return _join(lake or root(), "quarantine", source, table)


def partition(folder: str, day: date | str) -> str:
    return _join(folder, f"ingest_date={_day(day)}")


def report_file(layer: str, day: date | str, lake: str | None = None) -> str:
    return _join(lake or root(), "reports", layer, f"{_day(day)}.json")


def simulator_state_file(day: date | str, lake: str | None = None) -> str:
    return _join(lake or root(), "simulator_state", f"{_day(day)}.json.gz")


def alerts_file(day: date | str, lake: str | None = None) -> str:
    """The real-time alerts of a day, landed from Redis for the nightly run."""
    return _join(
        lake or root(), "landing", "realtime", "fraud_alerts", _day(day), "fraud_alerts.jsonl"
    )
