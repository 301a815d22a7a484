"""Fixtures of the warehouse tests: real dbt on DuckDB, each in its own files.

Every ``Warehouse`` has its own DuckDB file, ``--target-path`` and log folder
in a temporary directory, and reads a lake given to it, so that tests (and
other people's runs on the same machine) never share a warehouse. dbt runs as
a subprocess of the batch environment's ``dbt``, exactly as the DAG runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from bankflow.lake import REPO_ROOT

DBT = str(Path(sys.executable).parent / "dbt")
SMALL_EVENTS = 2500
DAYS = ("2026-11-01", "2026-11-02")


@dataclass
class Warehouse:
    lake: Path
    folder: Path
    project: Path = REPO_ROOT

    @property
    def duckdb_path(self) -> Path:
        return self.folder / "warehouse.duckdb"

    def env(self) -> dict:
        return dict(
            os.environ,
            BANK_LAKE_ROOT=str(self.lake),
            BANK_DUCKDB_PATH=str(self.duckdb_path),
            DBT_PROFILES_DIR=str(self.project),
        )

    def dbt(self, *args: str, day: str | None = None, check: bool = True):
        """Run one dbt command; fail the test with dbt's output if it fails."""
        cmd = [DBT, *args, "--log-path", str(self.folder / "logs")]
        if args[0] != "deps":
            cmd += ["--target-path", str(self.folder / "target")]
        if day:
            cmd += ["--vars", json.dumps({"business_date": day})]
        done = subprocess.run(
            cmd, cwd=self.project, env=self.env(), capture_output=True, text=True, timeout=900
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"dbt {' '.join(args)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
            )
        return done

    def build(self, day: str, *extra: str):
        return self.dbt("build", *extra, day=day)

    def models_only(self, day: str):
        """Seeds, snapshots and models without the tests (to compare states)."""
        return self.dbt(
            "build",
            "--resource-type",
            "seed",
            "--resource-type",
            "snapshot",
            "--resource-type",
            "model",
            day=day,
        )

    def sql(self, query: str) -> list[tuple]:
        con = duckdb.connect(str(self.duckdb_path), read_only=True)
        try:
            return con.sql(query).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="session")
def dbt_deps():
    """Install the local bank_utils package once (dbt_packages is ignored by git)."""
    done = subprocess.run(
        [DBT, "deps", "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, DBT_PROFILES_DIR=str(REPO_ROOT)),
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="session")
def simulated_lake(tmp_path_factory) -> Path:
    """Two small simulated days, landed by the simulator and ingested by Spark bronze."""
    from bankflow.bronze import ingest_day
    from bankflow.simulator import generate
    from bankflow.spark import session

    lake = tmp_path_factory.mktemp("simulated") / "lake"
    generate(DAYS[0], days=len(DAYS), events=SMALL_EVENTS, lake=str(lake))
    spark = session("warehouse-tests")
    try:
        for day in DAYS:
            ingest_day(day, lake=str(lake), spark=spark)
    finally:
        spark.stop()
    return lake


@pytest.fixture
def warehouse_factory(tmp_path, dbt_deps):
    made = []

    def make(lake: Path, name: str = "wh") -> Warehouse:
        folder = tmp_path / name
        folder.mkdir()
        made.append(folder)
        return Warehouse(lake=lake, folder=folder)

    return make


def copy_days(src: Path, dst: Path, days: tuple[str, ...]) -> None:
    """Copy the bronze partitions and ground truth of some days to another lake."""
    for part in src.glob("bronze/*/*/ingest_date=*"):
        if part.name.split("=", 1)[1] in days:
            target = dst / part.relative_to(src)
            shutil.copytree(part, target, dirs_exist_ok=True)
    for day in days:
        gt = src / "ground_truth" / day
        if gt.exists():
            shutil.copytree(gt, dst / "ground_truth" / day, dirs_exist_ok=True)
