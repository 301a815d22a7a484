"""Write the dbt source YAML of every feed from ``bankflow.schemas``.

The columns of a feed are written once, in ``bankflow/schemas.py``; this module
turns them into ``models/staging/<source>/_<source>__sources.yml`` so that the
dbt sources, the simulator, bronze and the Flink parser cannot drift apart. The
generated files are committed, and a test fails when they differ from what this
module would write now.

    python -m bankflow.dbt_sources write     # rewrite the YAML files
    python -m bankflow.dbt_sources check     # exit 1 if a committed file is stale

A source table points at its bronze Parquet in three ways, picked by target:

- DuckDB (``dev``): ``config.meta.external_location``, a ``read_parquet`` over
  every ``ingest_date=<day>`` partition of the feed in ``$BANK_LAKE_ROOT``;
- Snowflake and Redshift: the relation ``<bronze schema>.<source>__<table>``,
  an external table over the same Parquet that the ``stage_external_sources``
  macro creates from the ``external`` block (a Snowflake stage, or a Redshift
  Spectrum external schema).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from bankflow import schemas

REPO_ROOT = Path(__file__).resolve().parent.parent
STAGING = REPO_ROOT / "models" / "staging"

# The bronze types, as the warehouses spell them.
DATA_TYPES = {**schemas.BRONZE_TYPES, "string": "varchar"}

# Columns bronze adds to every record, after the feed's own columns.
BRONZE_COLUMNS = (
    ("_ingested_at", "timestamp", "When bronze ingested the record, in UTC."),
    ("_source_file", "varchar", "Landing file the record was read from."),
    ("_source_line", "bigint", "Line number of the record in its landing file."),
    ("_run_id", "varchar", "Id of the bronze run that wrote the record."),
    ("ingest_date", "date", "Business day the record was delivered for (partition)."),
)

# A feed is late when its newest record is older than a nightly cycle (with
# slack for a late run), and broken after two missed nights.
FRESHNESS = {
    "warn_after": {"count": 26, "period": "hour"},
    "error_after": {"count": 50, "period": "hour"},
}

LAKE = "{{ env_var('BANK_LAKE_ROOT', 'lake') }}"
BRONZE_SCHEMA = "{{ env_var('BANK_BRONZE_SCHEMA', 'bronze') }}"
BRONZE_URL = "{{ env_var('BANK_BRONZE_URL', 's3://bank-lake/bronze') }}"


def _q(text: str) -> str:
    """A YAML scalar in double quotes (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _scalar(indent: int, key: str, text: str) -> list[str]:
    """``key: "text"``, or a folded block when the line would pass 100 columns.

    A folded block joins its lines with one space, so the text is cut only
    at single spaces and reads back the same.
    """
    pad = " " * indent
    line = f"{pad}{key}: {_q(text)}"
    if len(line) <= 100:
        return [line]
    body = textwrap.wrap(text, 98 - indent, break_long_words=False, break_on_hyphens=False)
    assert " ".join(body) == text, "text with runs of spaces cannot be folded"
    return [f"{pad}{key}: >-"] + [f"{pad}  {chunk}" for chunk in body]


def _column(
    name: str, data_type: str, description: str, *, pii: bool, tests: list[str]
) -> list[str]:
    lines = [
        f"          - name: {name}",
        f"            data_type: {data_type}",
        *_scalar(12, "description", description),
    ]
    if pii:
        lines += ["            config:", "              meta:", "                pii: true"]
    if tests:
        lines.append("            data_tests:")
        lines += [f"              - {t}" for t in tests]
    return lines


def _table(feed: schemas.Feed) -> list[str]:
    location = (
        f"read_parquet('{LAKE}/bronze/{feed.source}/{feed.table}/*/*.parquet', "
        "hive_partitioning = true, union_by_name = true)"
    )
    kind = "daily full extract" if feed.kind == "extract" else "events"
    description = f"{feed.description} Bronze, {kind}, one row per record received."
    lines = [
        f"      - name: {feed.table}",
        f"        identifier: {feed.source}__{feed.table}",
        *_scalar(8, "description", description),
        "        config:",
        "          meta:",
        f"            feed: {feed.name}",
        f"            kind: {feed.kind}",
        f"            scored_in_real_time: {'true' if feed.scored else 'false'}",
        *_scalar(12, "external_location", location),
        "        external:",
        *_scalar(10, "location", f"{BRONZE_URL}/{feed.source}/{feed.table}/"),
        "          file_format: parquet",
        "          partitions:",
        "            - name: ingest_date",
        "              data_type: date",
        "        columns:",
    ]
    # Bronze has already refused records without their required fields, so
    # the source tests only the key (a cheap scan of one column of history).
    for f in feed.fields:
        tests = ["not_null"] if f.name == feed.key else []
        lines += _column(f.name, DATA_TYPES[f.type], f.description, pii=f.pii, tests=tests)
    for name, data_type, text in BRONZE_COLUMNS:
        lines += _column(name, data_type, text, pii=False, tests=[])
    return lines


def render(source: str) -> str:
    """The source YAML of one source system."""
    feeds = [f for f in schemas.FEEDS if f.source == source]
    lines = [
        "# Generated by `python -m bankflow.dbt_sources write` from bankflow/schemas.py.",
        "# Do not edit by hand: change the schema and regenerate.",
        "version: 2",
        "",
        "sources:",
        f"  - name: {source}",
        *_scalar(4, "description", schemas.SOURCES[source] + " Bronze Parquet written by Spark."),
        f"    schema: {_q(BRONZE_SCHEMA)}",
        "    loader: bankflow.bronze (Spark)",
        "    config:",
        "      loaded_at_field: _ingested_at",
        "      freshness:",
        f"        warn_after: {{count: {FRESHNESS['warn_after']['count']}, period: hour}}",
        f"        error_after: {{count: {FRESHNESS['error_after']['count']}, period: hour}}",
        "    tables:",
    ]
    for i, feed in enumerate(feeds):
        if i:
            lines.append("")
        lines += _table(feed)
    return "\n".join(lines) + "\n"


def paths() -> dict[Path, str]:
    """Every generated file with the text it must hold."""
    return {STAGING / s / f"_{s}__sources.yml": render(s) for s in schemas.SOURCES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bankflow.dbt_sources")
    parser.add_argument("command", choices=("write", "check"))
    args = parser.parse_args(argv)

    def shown(path: Path) -> str:
        return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)

    stale = []
    for path, text in paths().items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        if args.command == "write":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {shown(path)}")
        else:
            stale.append(shown(path))
    if stale:
        print("stale source YAML (run `python -m bankflow.dbt_sources write`): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
