"""What the workflow tools share: the tools' paths, steps, git and dbt settings."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("bankflow.devtools")

# The dbt project's folders that hold SQL a linter should read (macros are
# Jinja, not SQL, and sqlfluff's dbt templater cannot render them alone).
SQL_FOLDERS = ("models", "snapshots", "analyses", "tests/dbt")
# Files whose change means dbt must parse the project again.
DBT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "selectors.yml")
DBT_FOLDERS = ("models", "macros", "seeds", "snapshots", "analyses", "tests/dbt", "packages")


class WorkflowError(RuntimeError):
    """A step could not run at all (not a finding): the message says why and what to do."""


def setup_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("BANK_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )


def tool(name: str) -> str:
    """A command of the batch environment: beside the running Python, else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise WorkflowError(f"{name} is not installed: run `make setup` (requirements/batch.in)")
    return found


@dataclass
class Result:
    returncode: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run(
    cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, check: bool = False
) -> Result:
    """Run a command, capturing its output; with ``check``, a failure raises with the output."""
    started = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    result = Result(proc.returncode, proc.stdout, time.monotonic() - started)
    if check and not result.ok:
        raise WorkflowError(f"`{' '.join(cmd)}` failed in {cwd}:\n{tail(result.output)}")
    return result


def tail(text: str, lines: int = 60) -> str:
    kept = text.rstrip().splitlines()[-lines:]
    return "\n".join(kept)


# --- git -----------------------------------------------------------------------------


def git(project: Path, *args: str) -> str:
    return run(["git", *args], cwd=project, check=True).output.strip()


def resolve(project: Path, ref: str) -> str:
    """The commit a ref names, or a clear error."""
    result = run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=project)
    if not result.ok:
        raise WorkflowError(
            f"BASE={ref} is not a commit in {project}: give a branch, tag or sha "
            "(in CI, fetch the base branch first: git fetch origin main)"
        )
    return result.output.strip()


def merge_base(project: Path, base_sha: str) -> str:
    """Where the change forked from the base; the base itself if there is no common history."""
    result = run(["git", "merge-base", base_sha, "HEAD"], cwd=project)
    return result.output.strip() if result.ok else base_sha


def changed_files(project: Path, since: str) -> list[str]:
    """Files added, copied, modified or renamed since ``since``, committed or not, and new files."""
    diff = git(project, "diff", "--name-only", "--diff-filter=ACMR", since)
    new = git(project, "ls-files", "--others", "--exclude-standard")
    return sorted({p for p in (diff + "\n" + new).splitlines() if p})


def project_files(project: Path) -> list[str]:
    """Every file git would commit: tracked, plus new files not ignored."""
    listed = git(project, "ls-files", "--cached", "--others", "--exclude-standard")
    return sorted(p for p in listed.splitlines() if p and (project / p).is_file())


# --- dbt ---------------------------------------------------------------------------


def is_dbt_file(path: str) -> bool:
    return path in DBT_FILES or any(path.startswith(f + "/") for f in DBT_FOLDERS)


def dbt_env(profiles_dir: Path, duckdb_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a dbt command of ours: its own DuckDB file and log folder.

    Never the default warehouse file: DuckDB allows one writer per file, and
    another engineer's (or the nightly run's) build may hold it.
    """
    env = dict(os.environ)
    env["BANK_DUCKDB_PATH"] = str(duckdb_path)
    env["DBT_LOG_PATH"] = str(duckdb_path.parent / "logs")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DBT_PROFILES_DIR"] = str(profiles_dir)
    env.update(extra)
    return env


def ensure_deps(project: Path, env: dict[str, str]) -> None:
    """``dbt deps`` when the project lists packages that are not installed yet.

    The project's packages are local (no dbt hub here), so this works offline.
    """
    if not (project / "packages.yml").exists() or (project / "dbt_packages").exists():
        return
    result = run([tool("dbt"), "deps", "--quiet"], cwd=project, env=env)
    if not result.ok:
        raise WorkflowError(f"dbt deps failed in {project}:\n{tail(result.output)}")
    log.info("dbt deps: installed the project's packages in %s", project / "dbt_packages")
