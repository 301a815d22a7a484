"""How astronomer-cosmos renders and runs the bank's dbt project in the nightly DAG.

The Airflow UI shows every seed, snapshot and model as its own task, and each
model's tests as a task right after it (``TestBehavior.AFTER_EACH``; a test
over two models, such as a ``relationships`` test, counts in the test task of
both). How those tasks run is the shape setting ``BANK_DBT_EXECUTION``:

``watcher`` (the default): cosmos ``ExecutionMode.WATCHER``. One task,
``dbt.dbt_producer_watcher``, runs a single ``dbt build`` of the project in
the worker's Python (``dbtRunner``) and records in XCom how dbt ended each
node; the per-node tasks are sensors that read that record and succeed or
fail as dbt's node did, logging dbt's message for a failed one. Measured
with ``make bench-nightly`` on the two-core machine at 200,000 events: the
dbt task group took 70 s (the producer 49 s, the 83 node tasks 21 s)
against 272 s in ``local``, whose ~105 tasks each paid about 2.5 s of fixed
cost (project copy, profile, manifest load, dbt start) and alone overran the
night's 3-minute budget.

The producer pushes each node's events to XCom as dbt runs. cosmos' default
"reliable retry" also rewrites a backup of all of them to an Airflow Variable
on every push: the build then took 61 to 71 s against 41 s without it (a
plain ``dbt build`` of the day takes 25 s). ``make nightly``/``airflow``/``bench-nightly`` and
the tests set ``AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY=False`` (a
deployment sets ``[cosmos] enable_watcher_reliable_retry = False``): the
backup is then written once, by the producer's failure and retry callbacks.
A producer killed outright leaves none; its retry is skipped all the same,
and each node task then runs its own node, which is slower but right.

``local``: cosmos ``ExecutionMode.LOCAL``, each task its own dbt command
(``dbt run/seed/snapshot/test --select <node>``), as before the watcher.

Watcher details this DAG relies on (cosmos 1.15):

- Sensors are not deferrable and poke in ``reschedule`` mode: ``dag.test()``
  and ``airflow dags test`` run one task at a time and would run a
  deferrable sensor's trigger inline, waiting forever for a producer that
  has not started; rescheduled, a sensor gives way and pokes again later.
- Only one process may write a DuckDB file. The producer and every sensor
  take the one slot of the pool ``bank_duckdb_writer``: the producer holds it
  for the whole build, and a sensor also needs it because on a retry (or
  when its run is cleared) it runs its own node with dbt, which writes. On
  Snowflake or Redshift they share the default pool instead.
- Retries: a failed node fails its sensor; the producer does not build
  twice (on a retry it marks itself skipped and ``dbt_producer_watcher_done``
  keeps the skip from spreading). A retried sensor runs its node alone with
  dbt, and the nodes dbt skipped after it fail and retry the same way. A
  cleared run (``airflow tasks clear``, or ``dag.test()`` of a date it has
  run before) therefore rebuilds node by node, at local-mode speed; a new run
  of the date (``{"business_date": ...}`` conf, or a backfill) gets one
  build again.
- Multi-parent tests are not detached into tasks of their own: the watcher
  reports tests only per model, so a detached test's sensor would never hear
  of it. ``dbt build`` already runs such a test after both of its models.

The graph is read from the manifest ``dbt parse`` writes (``make nightly``
does, into ``BANK_DBT_TARGET_PATH``); without one, cosmos runs ``dbt ls``
when it parses the DAG, which is slower but needs nothing prepared.
"""

from __future__ import annotations

from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
)
from cosmos.constants import (
    ExecutionMode,
    InvocationMode,
    LoadMode,
    TestBehavior,
    TestIndirectSelection,
)

from include import config

WATCHER = config.DBT_EXECUTION == "watcher"
PRODUCER_TASK_ID = "dbt_producer_watcher"  # cosmos' name, inside the task group
# How often a sensor looks again at the producer's record while it builds.
SENSOR_POKE_SECONDS = 5
# A sensor gives up when the night's build has not reached its node by then.
SENSOR_TIMEOUT_SECONDS = 3 * 3600


def _from_plan(key: str) -> str:
    return "{{ ti.xcom_pull(task_ids='plan')['" + key + "'] }}"


def project_config() -> ProjectConfig:
    manifest = config.DBT_MANIFEST if config.DBT_MANIFEST.exists() else None
    return ProjectConfig(
        dbt_project_path=config.DBT_PROJECT_DIR,
        manifest_path=manifest,
        # `make nightly` and the deployment run `dbt deps` once; a deps per
        # task would add seconds to each of the project's tasks.
        install_dbt_deps=False,
    )


def profile_config() -> ProfileConfig:
    return ProfileConfig(
        profile_name=config.DBT_PROFILE,
        target_name=config.DBT_TARGET,
        profiles_yml_filepath=config.DBT_PROFILES_DIR / "profiles.yml",
    )


def render_config() -> RenderConfig:
    return RenderConfig(
        load_method=(LoadMode.DBT_MANIFEST if config.DBT_MANIFEST.exists() else LoadMode.DBT_LS),
        test_behavior=TestBehavior.AFTER_EACH,
        invocation_mode=InvocationMode.DBT_RUNNER,
        # Only the project's own nodes: the local helper package has macros
        # and generic tests, no models of its own to run.
        select=["package:bank"],
        # Local mode: a test over two models (a relationships test from a
        # mart to a seed) runs as its own task once both are built, not after
        # the first of them, where its other model would not exist yet.
        # Watcher mode: the build orders it, and it counts in both models'
        # test tasks (see the module docstring).
        should_detach_multiple_parents_tests=not WATCHER,
        # Airflow assets per table cost each task a lineage pass; no DAG is
        # scheduled on them.
        emit_datasets=False,
    )


def execution_config() -> ExecutionConfig:
    return ExecutionConfig(
        execution_mode=ExecutionMode.WATCHER if WATCHER else ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.DBT_RUNNER,
        # `dbt test --select <model>` then leaves out the tests that also
        # need another model; in local mode those are the detached tasks.
        test_indirect_selection=TestIndirectSelection.CAUTIOUS,
    )


def operator_args() -> dict:
    args = {
        "install_deps": False,
        # The business day and the paths of this run, resolved once by the
        # plan task, so a rerun of a date builds exactly that date.
        "vars": {"business_date": _from_plan("day")},
        "env": {
            "BANK_LAKE_ROOT": _from_plan("lake_root"),
            "BANK_DUCKDB_PATH": _from_plan("duckdb_path"),
            "DBT_TARGET": config.DBT_TARGET,
        },
        "append_env": True,
        "pool": config.DBT_POOL,
    }
    if WATCHER:
        # Read by the sensors (the producer takes no sensor arguments; cosmos
        # hands it only what a dbt operator takes).
        args.update(
            {
                "deferrable": False,
                "mode": "reschedule",
                "poke_interval": SENSOR_POKE_SECONDS,
                "timeout": SENSOR_TIMEOUT_SECONDS,
            }
        )
    return args


def task_group(group_id: str = "dbt") -> DbtTaskGroup:
    return DbtTaskGroup(
        group_id=group_id,
        project_config=project_config(),
        profile_config=profile_config(),
        execution_config=execution_config(),
        render_config=render_config(),
        operator_args=operator_args(),
    )
