"""An enforced contract stops the build with dbt's message, not silently.

A copy of the project in which dim_accounts returns opened_date as text
instead of the date its contract promises: the build of dim_accounts fails,
and nothing downstream is built on it.
"""

from __future__ import annotations

import shutil

import pytest

from bankflow.lake import REPO_ROOT

from . import bronze_fixture as fx
from .conftest import Warehouse

pytestmark = pytest.mark.slow

PROJECT_PARTS = (
    "dbt_project.yml",
    "profiles.yml",
    "packages.yml",
    "packages",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests/dbt",
)


def test_a_column_of_the_wrong_type_fails_the_contract(tmp_path):
    project = tmp_path / "project"
    for part in PROJECT_PARTS:
        src = REPO_ROOT / part
        if src.is_dir():
            shutil.copytree(src, project / part)
        else:
            (project / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, project / part)
    model = project / "models" / "marts" / "core" / "dim_accounts.sql"
    text = model.read_text()
    assert "        opened_date,\n" in text
    model.write_text(
        text.replace(
            "        opened_date,\n", "        cast(opened_date as varchar) as opened_date,\n"
        )
    )

    lake = tmp_path / "lake"
    fx.small_bank(lake, "2026-11-01")
    wh = Warehouse(lake=lake, folder=tmp_path / "wh", project=project)
    wh.folder.mkdir()
    wh.dbt("deps")
    done = wh.dbt(
        "build",
        "--select",
        "+dim_accounts+",
        "--exclude",
        "test_type:unit",
        day="2026-11-01",
        check=False,
    )

    assert done.returncode != 0
    assert "enforced contract" in done.stdout
    assert "opened_date" in done.stdout
    assert "ERROR creating sql table model gold.dim_accounts" in done.stdout
    # Downstream models were skipped, not built on the broken one.
    assert "SKIP relation gold.fct_daily_balances" in done.stdout
