"""The nightly run's configuration, in one place, with local defaults.

Two kinds of setting:

- **Shape** settings change which tasks the DAG has (dbt target, how bronze
  fans out, where the dbt project and its manifest are). They are read when
  the DAG file is parsed, from the environment only: an Airflow Variable
  ``bank_<name>`` is given as ``AIRFLOW_VAR_BANK_<NAME>`` (Airflow reads
  those as Variables too), else ``BANK_<NAME>``/``DBT_TARGET``, else the
  local default. Reading the metastore at parse time would slow every parse.
- **Run** settings (Redis URL, lake root, thresholds, expiry) are read by the
  tasks when they run: the Airflow Connection ``bank_redis`` for Redis, else
  the Variable ``bank_<name>``, else ``BANK_<NAME>``, else the local default.

``docs/nightly.md`` lists every setting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bankflow import lake
from bankflow.lake import REPO_ROOT
from bankflow.schemas import SOURCES

DAG_ID = "bank_nightly"
# The one pool that serialises writers of a DuckDB file; `make airflow` and
# `make nightly` create it with a single slot.
DUCKDB_POOL = "bank_duckdb_writer"
DUCKDB_POOL_DESCRIPTION = "One writer at a time for the local DuckDB warehouse"


def _shape(name: str, default: str) -> str:
    return (
        os.environ.get(f"AIRFLOW_VAR_BANK_{name.upper()}")
        or os.environ.get(f"BANK_{name.upper()}")
        or default
    )


def _profile_target(profiles_dir: Path, target: str) -> tuple[str, str]:
    """The profile name and the adapter type of ``target`` in the dbt profile."""
    import yaml  # the batch environment has it (dbt, Airflow)

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    profile_name = project["profile"]
    profiles = yaml.safe_load((profiles_dir / "profiles.yml").read_text())
    outputs = profiles[profile_name]["outputs"]
    if target not in outputs:
        raise ValueError(
            f"dbt target {target!r} is not in {profiles_dir / 'profiles.yml'}; "
            f"known targets: {', '.join(outputs)}"
        )
    return profile_name, outputs[target]["type"]


# --- shape settings (parse time) ------------------------------------------------------

DBT_PROJECT_DIR = Path(_shape("dbt_project_dir", str(REPO_ROOT))).resolve()
DBT_PROFILES_DIR = Path(os.environ.get("DBT_PROFILES_DIR") or DBT_PROJECT_DIR).resolve()
DBT_TARGET = _shape("dbt_target", os.environ.get("DBT_TARGET", "dev"))
# Where `dbt parse` left the manifest the DAG is rendered from (`make nightly`
# writes it); without one cosmos falls back to `dbt ls` at parse time.
DBT_TARGET_PATH = Path(_shape("dbt_target_path", str(REPO_ROOT / "target" / "nightly")))
DBT_MANIFEST = DBT_TARGET_PATH / "manifest.json"
DUCKDB_PATH = str(
    Path(_shape("duckdb_path", str(REPO_ROOT / ".run" / "warehouse.duckdb"))).resolve()
)

DBT_PROFILE, DBT_ADAPTER = _profile_target(DBT_PROFILES_DIR, DBT_TARGET)
# Only one process may write a DuckDB file: every dbt task against it takes
# the one slot of DUCKDB_POOL, so the scheduler never runs two at once. On
# Snowflake or Redshift the warehouse takes concurrent writers and the dbt
# tasks share the default pool, running in parallel as the graph allows.
DBT_POOL = DUCKDB_POOL if DBT_ADAPTER == "duckdb" else _shape("dbt_pool", "default_pool")

# Spark: "local" runs pyspark local[*] in the task's own process tree;
# "connect" reaches a Spark Connect server (BANK_SPARK_REMOTE, sc://host:15002);
# "submit" hands the job to spark-submit --master BANK_SPARK_MASTER.
SPARK_MODE = _shape("spark_mode", "local")
SPARK_MASTER = _shape("spark_master", "local[*]")
SPARK_REMOTE = _shape("spark_remote", "")
if SPARK_MODE not in ("local", "connect", "submit"):
    raise ValueError(f"BANK_SPARK_MODE={SPARK_MODE!r}: expected local, connect or submit")
# Locally all four sources go to one Spark application: one JVM start instead
# of four, and local[*] already spreads the feeds' partitions over the two
# cores; four JVMs side by side would fight for the same two cores and memory.
# On a cluster each source is its own task, and the four run in parallel.
_per_source = _shape("bronze_task_per_source", "0" if SPARK_MODE == "local" else "1") == "1"
BRONZE_GROUPS: list[list[str]] = [[s] for s in SOURCES] if _per_source else [list(SOURCES)]

# "simulate": the simulator stands in for the four source systems (local);
# "check": the feeds are delivered by the sources, the task checks that every
# landing file is there and fails, to be retried, until they are.
LANDING_MODE = _shape("landing_mode", "simulate")
if LANDING_MODE not in ("simulate", "check"):
    raise ValueError(f"BANK_LANDING_MODE={LANDING_MODE!r}: expected simulate or check")

# "watcher": one `dbt build` in the producer task, a task per seed, snapshot,
# model and model's tests that reports how dbt ended it (dags/include/dbt.py);
# "local": each of those tasks runs its own dbt command (about 2.5 s of fixed
# cost per task here, so a local night takes minutes longer).
DBT_EXECUTION = _shape("dbt_execution", "watcher")
if DBT_EXECUTION not in ("watcher", "local"):
    raise ValueError(f"BANK_DBT_EXECUTION={DBT_EXECUTION!r}: expected watcher or local")

RETRIES = int(_shape("retries", "2"))
RETRY_DELAY_SECONDS = int(_shape("retry_delay_seconds", "300"))


# --- run settings (task time) --------------------------------------------------------


def _variable(name: str, default: str | None) -> str | None:
    from airflow.sdk import Variable

    env = os.environ.get(f"BANK_{name.upper()}")
    return Variable.get(f"bank_{name}", default=env if env is not None else default)


def redis_url() -> str:
    """Connection ``bank_redis``, else Variable ``bank_redis_url``, else the local server."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

    try:
        conn = Connection.get("bank_redis")
    except (AirflowNotFoundException, AirflowRuntimeError):
        conn = None
    if conn is not None:
        return conn.get_uri()
    url = _variable("redis_url", None)
    if url:
        return url
    local = REPO_ROOT / ".run" / "redis" / "url"
    if local.exists():
        return local.read_text().strip()
    raise RuntimeError(
        "no Redis configured: set the Airflow Connection bank_redis, the "
        "Variable bank_redis_url or BANK_REDIS_URL, or run `make redis-start`"
    )


@dataclass(frozen=True)
class RunSettings:
    lake_root: str
    duckdb_path: str
    events: int
    seed: int
    quarantine_max_share: float
    quarantine_min_records: int
    redis_ttl_seconds: int
    publish_batch: int


def run_settings() -> RunSettings:
    return RunSettings(
        lake_root=_variable("lake_root", lake.root()),
        duckdb_path=_variable("duckdb_path", DUCKDB_PATH),
        events=int(_variable("events", "50000")),
        seed=int(_variable("seed", "7")),
        # The simulator injects a few percent of bad records on purpose; more
        # than this share refused by bronze means a broken feed, not noise.
        quarantine_max_share=float(_variable("quarantine_max_share", "0.10")),
        quarantine_min_records=int(_variable("quarantine_min_records", "100")),
        redis_ttl_seconds=int(_variable("redis_ttl_seconds", str(3 * 24 * 3600))),
        publish_batch=int(_variable("publish_batch", "2000")),
    )
