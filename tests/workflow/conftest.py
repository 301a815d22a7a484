"""Temporary clones of the repository, a small lake, and `make` run inside a clone.

The workflow's tests change the project the way an analyst would (a new
commit on a branch, a new model file) and run the real make targets on the
change, so every test works in its own clone of the repository's committed
HEAD, never in the shared working tree. The clones reuse this repository's
batch environment (``VENV=``) and read a small lake written by the warehouse
tests' bronze fixture (a coherent bank day, plus one real-time alert and
one fraud label, which the fraud sources read).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.warehouse import bronze_fixture

REPO = Path(__file__).resolve().parents[2]
DAY = "2026-11-02"
GIT_USER = ["-c", "user.name=Analyst", "-c", "user.email=analyst@bank.example"]


def git(clone: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *GIT_USER, *args], cwd=clone, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def commit_all(clone: Path, message: str) -> str:
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", message)
    return git(clone, "rev-parse", "HEAD")


# The clone borrows this repository's batch environment. Its stamp is declared
# up to date, or make would re-install the package from the clone into it.
MAKE_VENV = (f"VENV={REPO / '.venv'}", f"--old-file={REPO / '.venv' / '.done'}")


def make(clone: Path, *args: str, env: dict[str, str], timeout: int = 900):
    """``make <args>`` in the clone with this repository's environment; output captured."""
    return subprocess.run(
        ["make", "-s", *args, *MAKE_VENV],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def small_lake(tmp_path_factory) -> Path:
    lake = tmp_path_factory.mktemp("workflow-lake")
    bronze_fixture.small_bank(lake, DAY)
    alerts = lake / "landing" / "realtime" / "fraud_alerts" / DAY / "fraud_alerts.jsonl"
    alerts.parent.mkdir(parents=True)
    alert = {
        "event_id": f"post-{DAY}-0-2", "feed": "core_banking.postings",
        "customer_id": "C00000", "account_id": "A000000", "score": 0.91,
        "reasons": ["amount_spike"], "rule_version": "v1",
        "event_at": f"{DAY}T11:00:00Z", "scored_at": f"{DAY}T11:00:00Z",
    }  # fmt: skip
    alerts.write_text(json.dumps(alert) + "\n")
    labels = lake / "ground_truth" / DAY / "fraud_labels.jsonl"
    labels.parent.mkdir(parents=True)
    label = {
        "event_id": f"post-{DAY}-0-2", "feed": "core_banking.postings",
        "scenario": "card_testing", "instance_id": "i1", "customer_id": "C00000",
        "account_id": "A000000", "role": "fraud",
    }  # fmt: skip
    labels.write_text(json.dumps(label) + "\n")
    return lake


@pytest.fixture
def clone(tmp_path) -> Path:
    """A clone of the repository's committed HEAD, as an analyst's checkout."""
    if not (REPO / "dbt_project.yml").exists():
        pytest.fail("the dbt project is not in the repository yet (no dbt_project.yml)")
    dest = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(dest)], check=True)
    return dest


@pytest.fixture
def clone_env(tmp_path, small_lake) -> dict[str, str]:
    """The environment of a make run in a clone: the small lake, nothing shared."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "BANK_"))}
    env["BANK_LAKE_ROOT"] = str(small_lake)
    env["BANK_DUCKDB_PATH"] = str(tmp_path / "analyst.duckdb")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def ensure_sqlfluff_config(clone: Path) -> bool:
    """The project's .sqlfluff, or (while the project has none) a minimal one in the clone.

    Returns True when the clone had to be given one: the lint tests then
    prove the tooling, not the project's own rule set.
    """
    config = clone / ".sqlfluff"
    if config.exists():
        return False
    config.write_text(
        "[sqlfluff]\n"
        "templater = dbt\n"
        "dialect = duckdb\n"
        "max_line_length = 80\n"
        "\n"
        "[sqlfluff:templater:dbt]\n"
        "project_dir = ./\n"
        "profiles_dir = ./\n"
        "\n"
        "[sqlfluff:rules:capitalisation.keywords]\n"
        "capitalisation_policy = lower\n"
    )
    return True
