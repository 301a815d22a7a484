"""The project lints clean with sqlfluff and the dbt templater."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bankflow.lake import REPO_ROOT

pytestmark = pytest.mark.slow


def test_sqlfluff_lint_is_clean(tmp_path, dbt_deps):
    env = dict(
        os.environ,
        DBT_PROFILES_DIR=str(REPO_ROOT),
        BANK_LAKE_ROOT=str(tmp_path),
        BANK_DUCKDB_PATH=str(tmp_path / "lint.duckdb"),
    )
    sqlfluff = str(Path(sys.executable).parent / "sqlfluff")
    done = subprocess.run(
        [sqlfluff, "lint", "models", "snapshots", "tests/dbt", "macros"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
