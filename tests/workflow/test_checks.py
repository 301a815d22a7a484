"""The checks fail a bad change with a message that names the file and the fix.

Each test adds what an analyst might, in a clone of the repository: models
that break the health rules (no description, no tested primary key,
staging on staging, a misnamed intermediate model), and SQL and YAML that
break the lint rules; then runs the make target CI runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflow.conftest import ensure_sqlfluff_config, git, make

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def write(clone: Path, path: str, text: str) -> str:
    (clone / path).parent.mkdir(parents=True, exist_ok=True)
    (clone / path).write_text(text)
    return path


def test_health_names_the_file_and_the_fix(clone: Path, clone_env):
    undocumented = write(
        clone,
        "models/marts/core/dim_branches.sql",
        "with\n\nbranches as (\n\n    select * from {{ ref('branches') }}\n\n)\n\n"
        "select * from branches\n",
    )
    on_staging = write(
        clone,
        "models/staging/branch/stg_branch__visit_counts.sql",
        "select count(*) as visits from {{ ref('stg_branch__visits') }}\n",
    )
    misnamed = write(
        clone,
        "models/intermediate/ledger/postings_per_day.sql",
        "select 1 as posting_day\n",
    )

    result = make(clone, "health", env=clone_env)
    out = result.stdout

    assert result.returncode != 0, out + result.stderr
    assert f"{undocumented}: `dim_branches` does not have a populated description" in out, out
    assert "fix: add a `description:` under the model" in out
    assert f"{undocumented}: `dim_branches` has no primary key tested unique and not null" in out
    assert "fix: test the primary key in the model's _<folder>__models.yml" in out
    assert f"{on_staging}:" in out and "check_lineage_permitted_upstream_models" in out
    assert "move the join or the reuse of another staging model to an intermediate" in out
    assert f"{misnamed}:" in out and "rename the file (and the YAML entry) to int_" in out
    # The committed project itself has no finding: only the three new files appear.
    named = {line.split(":")[0] for line in out.splitlines() if line.startswith("models/")}
    assert named == {undocumented, on_staging, misnamed}, out
    assert "models with a description" in out and "%" in out


def test_lint_names_the_file_and_the_fix_and_lint_fix_repairs_it(clone: Path, clone_env):
    given_config = ensure_sqlfluff_config(clone)
    if given_config:
        git(clone, "add", ".sqlfluff")
        git(clone, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "sqlfluff")
    sql = write(
        clone,
        "models/staging/branch/stg_branch__lint_examples.sql",
        "SELECT visit_id FROM {{ ref('stg_branch__visits') }}\n",
    )
    yaml = write(clone, "models/staging/branch/_lint_examples.yml", "version: 2   \n")

    result = make(clone, "lint", "BASE=HEAD", env=clone_env)
    out = result.stdout + result.stderr

    assert result.returncode != 0, out
    assert sql in out and "sqlfluff failed. Fix: run `make lint-fix FILES=<file>`" in out
    assert "capitalisation" in out.lower() or "CP01" in out, out
    assert f"{yaml}: line 1: trailing whitespace" in out
    assert f"{yaml}:1:" in out and "trailing-spaces" in out
    assert "whitespace failed. Fix: run `make lint-fix`" in out

    fixed = make(clone, "lint-fix", f"FILES={sql} {yaml}", env=clone_env)
    assert "select visit_id from" in (clone / sql).read_text(), fixed.stdout + fixed.stderr
    assert (clone / yaml).read_text() == "version: 2\n"
