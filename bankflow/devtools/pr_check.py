"""Slim CI for a pull request: lint what changed, check health, build what changed.

    python -m bankflow.devtools.pr_check --base main          (make pr-check BASE=main)
    python -m bankflow.devtools.pr_check --base main --state prod/target --base-db prod.duckdb

Steps, each one log line:

1. The change: the files changed since the merge base of BASE and HEAD,
   committed or not, and new files.
2. Lint those files (the checks of ``make lint``).
3. The base: its manifest and its warehouse. Either given (``--state``, the
   last production run's target folder, with ``--base-db``, its DuckDB
   file), or built once per base commit: ``git archive`` of the merge base
   into a cache folder, then ``dbt build`` there without tests (the base
   passed its tests when it merged) into its own DuckDB file. The cache is
   kept, so the next check against the same base skips this step.
4. Parse the change and run the health checks, reporting only failures the
   base does not have (dbt-bouncer ``--state``).
5. ``dbt build --select state:modified+ --defer --favor-state --state <base>``
   into a new, empty DuckDB file, with the base warehouse attached read-only.
   Modified models and their children build and test in the new file;
   every other ref resolves to the base warehouse.

How deferral points at the base on DuckDB. dbt-duckdb names a database
after its file, and a source takes the target's database; if the change's
file had another name than the base's, every source would look modified
and the whole project would build. So both files have the same name, in
different folders; the base file is attached under the alias
``<name>_base``, and the copy of the base manifest given to ``--state``
says its models live in ``<name>_base``. Deferred refs then read the base
file, and sources compare equal. On Snowflake or Redshift none of this is
needed: the CI schema defers to production's schema in the same database.

Exit 0 when every step passed, 1 when one failed (the log says which and
why), 2 when the check could not run.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from bankflow.devtools import health, lint
from bankflow.devtools.common import (
    WorkflowError,
    changed_files,
    dbt_env,
    ensure_deps,
    git,
    is_dbt_file,
    log,
    merge_base,
    resolve,
    run,
    setup_logging,
    tail,
    tool,
)

WAREHOUSE_NAME = "warehouse"  # the stem of both DuckDB files: see the module docstring
DEFERRED_TYPES = ("model", "seed", "snapshot")
HEALTH_CHECKS = "bankflow/devtools/bouncer_checks/"


def dbt(args: list[str], *, cwd: Path, env: dict[str, str]):
    return run([tool("dbt"), *args], cwd=cwd, env=env)


# --- the base ------------------------------------------------------------------------


def export_revision(project: Path, sha: str, dest: Path) -> None:
    """The files of a commit, without a checkout or a second worktree (nothing in .git changes)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha], cwd=project, capture_output=True
    )
    if archive.returncode != 0:
        raise WorkflowError(f"git archive {sha} failed: {archive.stderr.decode().strip()}")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")


def build_base(project: Path, sha: str, cache: Path, dbt_vars: str | None) -> tuple[Path, Path]:
    """The base's target folder and warehouse file, built once per base commit and input.

    The cache key is the commit plus what else the build reads: the lake
    root and the dbt vars (a different lake is a different base warehouse).
    """
    inputs = f"{os.environ.get('BANK_LAKE_ROOT', '')}|{dbt_vars or ''}"
    folder = cache / f"{sha[:12]}-{hashlib.sha256(inputs.encode()).hexdigest()[:8]}"
    target, warehouse = folder / "target", folder / f"{WAREHOUSE_NAME}.duckdb"
    done = folder / "built"
    if done.exists():
        log.info("base %s: cached in %s", sha[:12], folder)
        return target, warehouse

    started = time.monotonic()
    shutil.rmtree(folder, ignore_errors=True)
    source = folder / "src"
    export_revision(project, sha, source)
    if not (source / "dbt_project.yml").exists():
        raise WorkflowError(f"the base {sha[:12]} has no dbt project (no dbt_project.yml)")
    # The base's own profiles and packages, as they were at that commit.
    env = dbt_env(source, warehouse)
    ensure_deps(source, env)
    args = ["build", "--exclude-resource-type", "test", "unit_test", "--target-path", str(target)]
    result = dbt(args + (["--vars", dbt_vars] if dbt_vars else []), cwd=source, env=env)
    if not result.ok:
        raise WorkflowError(
            f"the base {sha[:12]} does not build, so nothing can defer to it:\n"
            f"{tail(result.output, 30)}\n"
            "Fix the base branch first, or give the last production run's artifacts "
            "with --state DIR --base-db FILE."
        )
    done.write_text(sha + "\n")
    nodes = _count(target / "run_results.json")
    log.info(
        "base %s: built %d nodes in %.1fs, %s",
        sha[:12],
        nodes,
        time.monotonic() - started,
        warehouse,
    )
    return target, warehouse


def _count(run_results: Path) -> int:
    return len(json.loads(run_results.read_text())["results"]) if run_results.exists() else 0


def relocate_state(base_target: Path, dest: Path, database: str, alias: str) -> Path:
    """A copy of the base manifest whose models, seeds and snapshots live in ``alias``."""
    manifest = json.loads((base_target / "manifest.json").read_text())
    moved = 0
    for node in manifest["nodes"].values():
        if node["resource_type"] in DEFERRED_TYPES and node.get("database") == database:
            node["database"] = alias
            if node.get("relation_name"):
                node["relation_name"] = node["relation_name"].replace(
                    f'"{database}".', f'"{alias}".', 1
                )
            moved += 1
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "manifest.json").write_text(json.dumps(manifest))
    log.info("state: %d base relations deferred to the attached database %s", moved, alias)
    return dest


def base_database(base_target: Path) -> str:
    manifest = json.loads((base_target / "manifest.json").read_text())
    for node in manifest["nodes"].values():
        if node["resource_type"] in DEFERRED_TYPES:
            return node["database"]
    raise WorkflowError(f"the base manifest in {base_target} has no model, seed or snapshot")


def pr_profiles(project: Path, dest: Path, base_db: Path, alias: str) -> Path:
    """The project's profiles.yml with the base warehouse attached, read-only, as ``alias``."""
    import yaml  # PyYAML, which dbt itself depends on: the batch environment has it

    profiles = yaml.safe_load((project / "profiles.yml").read_text())
    name = yaml.safe_load((project / "dbt_project.yml").read_text())["profile"]
    outputs = profiles[name]["outputs"]
    duckdb_targets = [t for t, cfg in outputs.items() if cfg.get("type") == "duckdb"]
    if not duckdb_targets:
        raise WorkflowError(f"profile {name} has no duckdb target: pr-check builds on DuckDB")
    for target in duckdb_targets:
        attach = list(outputs[target].get("attach") or [])
        attach.append({"path": str(base_db), "alias": alias, "read_only": True})
        outputs[target]["attach"] = attach
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "profiles.yml").write_text(yaml.safe_dump(profiles, sort_keys=False))
    return dest


# --- the whole check -------------------------------------------------------------------


def summarize(run_results: Path) -> dict:
    results = json.loads(run_results.read_text())["results"] if run_results.exists() else []
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    return {
        "by_status": by_status,
        "built": sorted(r["unique_id"] for r in results if not r["unique_id"].startswith("test.")),
        "tested": sum(1 for r in results if r["unique_id"].startswith(("test.", "unit_test."))),
        "failed": sorted(
            r["unique_id"] for r in results if r["status"] in ("error", "fail", "runtime error")
        ),
    }


def pr_check(
    project: Path,
    base_ref: str,
    work: Path,
    *,
    state: Path | None = None,
    base_db: Path | None = None,
    dbt_vars: str | None = None,
    skip_lint: bool = False,
) -> dict:
    """Run every step; return the report (also written to ``<work>/pr-check.json``)."""
    report: dict = {"base": base_ref, "failed_steps": []}
    fork = merge_base(project, resolve(project, base_ref))
    report["merge_base"] = fork
    changed = changed_files(project, fork)
    report["changed_files"] = changed
    dbt_changed = [f for f in changed if is_dbt_file(f)]
    log.info(
        "change: %d file(s) since %s (%s), %d of them dbt",
        len(changed),
        fork[:12],
        base_ref,
        len(dbt_changed),
    )

    if not skip_lint:
        # dbt-parse is left out: the parse below reports the same errors.
        checks = tuple(n for n in lint.NAMES if n != "dbt-parse")
        failed = lint.run_checks(project, changed, only=checks)
        if failed:
            report["failed_steps"].append("lint: " + ", ".join(failed))

    if not any(_touches_dbt(f) for f in changed):
        log.info("build: no dbt file changed since the base, nothing to build or check")
        report["build"] = summarize(work / "no-build")
        return _finish(report, work)

    # The base: given, or built once per base commit.
    if state:
        if not base_db:
            raise WorkflowError("--state needs --base-db: the warehouse that state describes")
        base_target, warehouse = state, base_db
        log.info("base: given, manifest %s, warehouse %s", state, base_db)
    else:
        base_target, warehouse = build_base(project, fork, work / "base", dbt_vars)
    database = base_database(base_target)
    alias = f"{database}_base"

    # The change: a fresh warehouse of the same name, the base attached beside it.
    pr_dir = work / "pr"
    shutil.rmtree(pr_dir, ignore_errors=True)
    pr_dir.mkdir(parents=True)
    target = pr_dir / "target"
    profiles = pr_profiles(project, pr_dir / "profiles", warehouse, alias)
    env = dbt_env(profiles, pr_dir / f"{database}.duckdb")
    ensure_deps(project, env)

    parsed = dbt(["parse", "--target-path", str(target)], cwd=project, env=env)
    if not parsed.ok:
        print(tail(parsed.output, 40))
        report["failed_steps"].append("dbt parse")
        return _finish(report, work)

    findings = health.check(project, target, state=base_target)
    report["health_failures"] = len(findings)
    if findings:
        report["failed_steps"].append(f"health: {len(findings)} new failure(s)")

    state_dir = relocate_state(base_target, pr_dir / "state", database, alias)
    started = time.monotonic()
    build_args = [
        "build",
        "--select",
        "state:modified+",
        "--defer",
        "--favor-state",
        "--state",
        str(state_dir),
        "--target-path",
        str(target),
    ] + (["--vars", dbt_vars] if dbt_vars else [])
    built = dbt(build_args, cwd=project, env=env)
    summary = summarize(target / "run_results.json")
    report["build"] = summary
    log.info(
        "build state:modified+: %d node(s) built, %d test(s), %s, failed %d, %.1fs",
        len(summary["built"]),
        summary["tested"],
        summary["by_status"] or "nothing to do",
        len(summary["failed"]),
        time.monotonic() - started,
    )
    for uid in summary["built"]:
        print(f"  built {uid}")
    if not built.ok:
        print(tail(built.output, 40))
        report["failed_steps"].append("dbt build: " + ", ".join(summary["failed"] or ["error"]))
    return _finish(report, work)


def _touches_dbt(path: str) -> bool:
    """A change the dbt build or the health checks can see."""
    return is_dbt_file(path) or path == health.CONFIG or path.startswith(HEALTH_CHECKS)


def _finish(report: dict, work: Path) -> dict:
    (work / "pr-check.json").write_text(json.dumps(report, indent=2) + "\n")
    if report["failed_steps"]:
        log.info("pr-check FAILED: %s", "; ".join(report["failed_steps"]))
    else:
        log.info("pr-check passed (report %s)", work / "pr-check.json")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the git ref the change goes into")
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument(
        "--work-dir", type=Path, help="where the check builds (default <project>/.run/pr-check)"
    )
    parser.add_argument("--state", type=Path, help="the base's target folder (manifest.json)")
    parser.add_argument("--base-db", type=Path, help="the base's DuckDB file, with --state")
    parser.add_argument("--vars", dest="dbt_vars", help="dbt --vars for both builds (YAML)")
    parser.add_argument("--skip-lint", action="store_true", help="build and health only")
    args = parser.parse_args(argv)
    setup_logging()

    project = args.project_dir.resolve()
    work = (args.work_dir or project / ".run" / "pr-check").resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        git(project, "rev-parse", "--git-dir")
        report = pr_check(
            project,
            args.base,
            work,
            state=args.state and args.state.resolve(),
            base_db=args.base_db and args.base_db.resolve(),
            dbt_vars=args.dbt_vars,
            skip_lint=args.skip_lint,
        )
    except WorkflowError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1 if report["failed_steps"] else 0


if __name__ == "__main__":
    sys.exit(main())
