"""The pre-commit hooks are the lint checks, and the whitespace fixer fixes what it finds."""

from __future__ import annotations

import subprocess
import sys

import yaml

from bankflow.devtools import lint, whitespace
from tests.workflow.conftest import REPO


def test_every_lint_check_is_a_pre_commit_hook_calling_the_same_module():
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    hooks = [h for repo in config["repos"] for h in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"]), "hooks must run offline"
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == set(lint.NAMES)
    for name, hook in by_id.items():
        assert hook["language"] == "system"
        assert hook["entry"].startswith(".venv/bin/python -m bankflow.devtools.lint ")
        assert f"--only {name}" in hook["entry"]


def test_pre_commit_accepts_the_configuration():
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "pre-commit"), "validate-config", ".pre-commit-config.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_whitespace_finds_and_fixes(tmp_path):
    dirty = tmp_path / "model.sql"
    dirty.write_bytes(b"select 1 as one  \nfrom x\t\n\n\n")
    clean = tmp_path / "clean.yml"
    clean.write_bytes(b"version: 2\n")
    binary = tmp_path / "data.parquet"
    binary.write_bytes(b"PAR1\0\0  \n")

    assert whitespace.problems(dirty.read_bytes()) == [
        "line 1: trailing whitespace",
        "line 2: trailing whitespace",
        "blank lines at the end of the file",
    ]
    assert whitespace.problems(b"no newline") == ["no newline at the end of the file"]
    files = [str(dirty), str(clean), str(binary)]
    assert whitespace.check(files, fix=False) == 1
    assert dirty.read_bytes() == b"select 1 as one  \nfrom x\t\n\n\n", "a check must not write"
    assert whitespace.check(files, fix=True) == 1
    assert dirty.read_bytes() == b"select 1 as one\nfrom x\n"
    assert binary.read_bytes() == b"PAR1\0\0  \n"
    assert whitespace.check(files, fix=False) == 0


def test_lint_reports_a_check_that_cannot_run(tmp_path, capsys):
    # A project without .sqlfluff: the SQL check fails and says why, the others still run.
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.sql").write_text("select 1 as one\n")
    failed = lint.run_checks(tmp_path, ["models/m.sql"], only=("whitespace", "sqlfluff"))
    assert failed == ["sqlfluff"]


def test_lint_cli_rejects_an_unknown_check():
    done = subprocess.run(
        [sys.executable, "-m", "bankflow.devtools.lint", "--only", "sqlfluf"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "unknown check" in done.stderr
