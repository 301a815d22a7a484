"""The bank's nightly customer-analytics run.

For one business day: land the four sources' feeds, ingest them into bronze
with Spark, stop if bronze quarantined too much, land the day's real-time
fraud alerts, build silver, gold and the segmentation with dbt (one task per
seed, snapshot and model, each model's tests right after it), publish the
segments, baselines and account owners to Redis, and write the run's report.

Each run works on the day of its logical date only, so a rerun or a backfill
of a date rebuilds that date and nothing else; runs go one at a time, in date
order, because the SCD2 snapshots and the incremental models build on the
day before. Configuration: dags/include/config.py and docs/nightly.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, TriggerRule, dag, get_current_context, task
from include import config, dbt, steps

STEP_TASKS = ("land_day", "bronze", "bronze_quality_gate", "land_alerts", "publish_redis")


@dag(
    dag_id=config.DAG_ID,
    # Day D's interval ends at 02:00 the next morning, when the sources have
    # delivered it; the run's logical date is then D itself.
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": config.RETRIES,
        "retry_delay": timedelta(seconds=config.RETRY_DELAY_SECONDS),
        "owner": "customer-analytics",
    },
    tags=["nightly", "bronze", "dbt", "redis"],
    doc_md=__doc__,
)
def bank_nightly():
    @task
    def plan() -> dict:
        context = get_current_context()
        run = context["dag_run"]
        return steps.plan(run.logical_date, run.run_after, run.conf, run.run_id)

    @task
    def land_day(plan: dict) -> dict:
        return steps.land_day(plan)

    @task(map_index_template="{{ task.op_kwargs['sources'] | join('+') }}")
    def bronze(plan: dict, sources: list[str]) -> dict:
        return steps.bronze(plan, sources)

    @task(retries=0)  # the same report gives the same answer
    def bronze_quality_gate(plan: dict) -> dict:
        return steps.bronze_gate(plan)

    @task
    def land_alerts(plan: dict) -> dict:
        return steps.land_alerts(plan)

    @task
    def publish_redis(plan: dict) -> dict:
        return steps.publish_redis(plan)

    @task(trigger_rule=TriggerRule.ALL_DONE, retries=0)
    def run_report() -> dict:
        context = get_current_context()
        ti, run = context["ti"], context["dag_run"]
        plan = ti.xcom_pull(task_ids="plan")
        summaries = {t: ti.xcom_pull(task_ids=t) for t in STEP_TASKS}
        states = ti.get_task_states(dag_id=run.dag_id, run_ids=[run.run_id])[run.run_id]
        states = {t: s for t, s in states.items() if not t.startswith("run_report")}
        return steps.run_report(plan, summaries, states)

    the_plan = plan()
    landed = land_day(the_plan)
    ingested = bronze.partial(plan=the_plan).expand(sources=config.BRONZE_GROUPS)
    gate = bronze_quality_gate(the_plan)
    alerts = land_alerts(the_plan)
    transform = dbt.task_group()
    published = publish_redis(the_plan)

    report = run_report()

    landed >> ingested >> gate
    [gate, alerts] >> transform >> published >> report
    # The report waits for every task, not only for publish: when a model
    # fails early, branches of the dbt graph beside it still run, and the
    # audit record must show how they ended.
    for other in report.operator.dag.tasks:
        if other.task_id != "run_report":
            other >> report


bank_nightly()
