"""Snowflake and Redshift, proven offline: every node compiles for the target
without a connection, and the compiled SQL parses in that dialect."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import sqlglot

from bankflow.lake import REPO_ROOT

from .conftest import DBT

pytestmark = pytest.mark.slow

# Functions that exist in DuckDB only; a model must reach them through an
# adapter.dispatch macro, never in the SQL compiled for a warehouse.
DUCKDB_ONLY = (
    "read_parquet",
    "read_json",
    "sha256(",
    "quantile_cont",
    "to_json(",
    "glob(",
    "list(",
    "epoch_ms(",
)


@pytest.mark.parametrize("target", ["snowflake", "redshift"])
def test_every_node_compiles_and_parses(target, tmp_path, dbt_deps):
    env = dict(os.environ, DBT_PROFILES_DIR=str(REPO_ROOT), BANK_LAKE_ROOT=str(tmp_path))
    done = subprocess.run(
        [
            DBT,
            "compile",
            "--target",
            target,
            "--no-introspect",
            "--no-populate-cache",
            "--vars",
            json.dumps({"business_date": "2026-11-02"}),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]

    compiled = sorted((tmp_path / "target" / "compiled" / "bank").rglob("*.sql"))
    models = [p for p in compiled if "/models/" in str(p) and "_unit_tests" not in str(p)]
    assert len(models) > 100, "expected every model and data test to compile"
    failures = []
    for path in compiled:
        sql = path.read_text()
        try:
            statements = sqlglot.parse(sql, read=target, error_level=sqlglot.ErrorLevel.RAISE)
        except sqlglot.errors.ParseError as exc:
            failures.append(f"{path.name}: {str(exc)[:200]}")
            continue
        if not [s for s in statements if s is not None]:
            failures.append(f"{path.name}: no statement")
        lowered = re.sub(r"\s+", "", sql.lower())
        for fn in DUCKDB_ONLY:
            if fn.replace(" ", "") in lowered:
                failures.append(f"{path.name}: DuckDB-only {fn}")
    assert not failures, "\n".join(failures[:20])


def test_warehouse_sources_are_external_tables_not_files(tmp_path, dbt_deps):
    env = dict(os.environ, DBT_PROFILES_DIR=str(REPO_ROOT), BANK_BRONZE_SCHEMA="bronze_ext")
    done = subprocess.run(
        [
            DBT,
            "compile",
            "--target",
            "snowflake",
            "--no-introspect",
            "--no-populate-cache",
            "--select",
            "stg_core_banking__postings",
            "--vars",
            json.dumps({"business_date": "2026-11-02"}),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    sql = next((tmp_path / "target" / "compiled").rglob("stg_core_banking__postings.sql"))
    assert "bronze_ext.core_banking__postings" in sql.read_text()
