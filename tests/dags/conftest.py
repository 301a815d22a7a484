"""A scratch Airflow, dbt target and warehouse for the nightly DAG's tests.

Airflow reads its configuration when it is first imported, and the DAG's
include module reads its shape settings when the DAG is parsed, so both are
pointed at a temporary folder here, before anything imports them: a SQLite
metadata database migrated once per session, a dbt target path with the
manifest `dbt parse` writes, and a DuckDB file, none shared with other runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRATCH = Path(tempfile.mkdtemp(prefix="bank-nightly-tests-"))
DBT_TARGET_PATH = SCRATCH / "dbt-target"
DUCKDB_PATH = SCRATCH / "warehouse.duckdb"

os.environ.update(
    {
        "AIRFLOW_HOME": str(SCRATCH / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{SCRATCH / 'airflow' / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(SCRATCH / "airflow" / "logs"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(SCRATCH / "cosmos"),
        "BANK_DBT_TARGET_PATH": str(DBT_TARGET_PATH),
        "BANK_DUCKDB_PATH": str(DUCKDB_PATH),
        "BANK_RETRIES": "0",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # as the Makefile's nightly targets: the watcher's XCom backup is
        # written when the producer fails, not rewritten on every XCom push
        "AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DBT_PROFILES_DIR": str(REPO),
    }
)
(SCRATCH / "airflow").mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(REPO / "dags"))


def dbt(*args: str) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).parent / "dbt"),
        *args,
        "--project-dir",
        str(REPO),
        "--profiles-dir",
        str(REPO),
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "DBT_TARGET_PATH": str(DBT_TARGET_PATH)},
    )


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """The manifest of the dbt project as it stands, parsed into the scratch target."""
    if (REPO / "packages.yml").exists() and not (REPO / "dbt_packages").exists():
        done = dbt("deps")
        assert done.returncode == 0, done.stdout[-3000:]
    done = dbt("parse", "--target-path", str(DBT_TARGET_PATH))
    assert done.returncode == 0, f"dbt parse failed:\n{done.stdout[-3000:]}"
    return DBT_TARGET_PATH / "manifest.json"


@pytest.fixture(scope="session")
def airflow_db():
    """A migrated SQLite metadata database in the scratch AIRFLOW_HOME."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return SCRATCH / "airflow" / "airflow.db"
