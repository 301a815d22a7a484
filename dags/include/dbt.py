"""How astronomer-cosmos renders and runs the bank's dbt project in the nightly DAG.

Every seed, snapshot and model becomes its own task and each model's tests run
as a task right after it (``TestBehavior.AFTER_EACH``), so the Airflow UI
shows where a night stopped. dbt runs in the worker's own Python through
``dbtRunner`` (``InvocationMode.DBT_RUNNER``): no dbt process start per task,
which about halves a night on this machine compared with a subprocess each.

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
        # A test over two models (a relationships test from a mart to a
        # seed) runs as its own task once both are built, not after the
        # first of them, where its other model would not exist yet.
        should_detach_multiple_parents_tests=True,
        # Airflow assets per table cost each task a lineage pass; no DAG is
        # scheduled on them.
        emit_datasets=False,
    )


def execution_config() -> ExecutionConfig:
    return ExecutionConfig(
        execution_mode=ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.DBT_RUNNER,
        # `dbt test --select <model>` then leaves out the tests that also
        # need another model; those are the detached tasks above.
        test_indirect_selection=TestIndirectSelection.CAUTIOUS,
    )


def operator_args() -> dict:
    return {
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


def task_group(group_id: str = "dbt") -> DbtTaskGroup:
    return DbtTaskGroup(
        group_id=group_id,
        project_config=project_config(),
        profile_config=profile_config(),
        execution_config=execution_config(),
        render_config=render_config(),
        operator_args=operator_args(),
    )
