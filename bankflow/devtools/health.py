"""Project health: the checks of dbt-bouncer.yml, and coverage as percentages.

    python -m bankflow.devtools.health                 parse the project, then check it
    python -m bankflow.devtools.health --target DIR    check the artifacts in DIR
    python -m bankflow.devtools.health --state DIR     report only failures DIR's run lacks

The checks are dbt-bouncer's (plus two of ours in ``bouncer_checks/``), over
the manifest: descriptions, a tested primary key on every model, every gold
column documented, sources read only in staging, no staging on staging,
names and folders. Each failure is printed as ``<file>: <what> / fix: <how>``.

Coverage is printed after the checks: per check, the share of resources that
pass it; the share of the declared columns that are documented and tested;
and, when DIR has a catalog (``make docs`` writes one), dbt-coverage's
column-level figures, which also count columns the YAML does not declare.

Exit 1 when a check failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bankflow.devtools.common import (
    WorkflowError,
    dbt_env,
    ensure_deps,
    log,
    run,
    setup_logging,
    tail,
    tool,
)

CONFIG = "dbt-bouncer.yml"
GOLD = ("models/marts/", "models/segmentation/")


@dataclass(frozen=True)
class Finding:
    path: str
    check: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}\n    fix: {self.fix}  [{self.check}]"


def _bouncer_config(project: Path, target: Path, dest: Path) -> Path:
    """A copy of the project's dbt-bouncer.yml, pointed at ``target``."""
    import yaml  # PyYAML, a dependency of dbt: the batch environment has it

    path = project / CONFIG
    if not path.exists():
        raise WorkflowError(f"no {CONFIG} in {project}: the health checks are configured there")
    config = yaml.safe_load(path.read_text())
    config["dbt_artifacts_dir"] = str(target)
    if config.get("custom_checks_dir"):
        config["custom_checks_dir"] = str((project / config["custom_checks_dir"]).resolve())
    dest.write_text(yaml.safe_dump(config, sort_keys=False))
    return dest


def run_bouncer(project: Path, target: Path, state: Path | None = None) -> list[dict]:
    """dbt-bouncer's result for every (check, resource) pair."""
    with tempfile.TemporaryDirectory(prefix="bank-health-") as scratch:
        scratch_dir = Path(scratch)
        config = _bouncer_config(project, target, scratch_dir / CONFIG)
        out = scratch_dir / "results.json"
        cmd = [tool("dbt-bouncer"), "run", "--config-file", str(config), "--output-file", str(out)]
        cmd += ["--allow-zero-checks"] + (["--state", str(state)] if state else [])
        result = run(cmd, cwd=project)
        if not out.exists():
            raise WorkflowError(f"dbt-bouncer did not run:\n{tail(result.output, 30)}")
        return json.loads(out.read_text())


def findings(project: Path, results: list[dict]) -> list[Finding]:
    """The failures, each with the fix its check's description gives."""
    import yaml

    config = yaml.safe_load((project / CONFIG).read_text())
    # A check run id is <check>:<its index in the config>:<resource>.
    ordered = [c for key in config if key.endswith("_checks") for c in config[key]]
    found = []
    for r in results:
        if r["outcome"] != "failed":
            continue
        name, index = r["check_run_id"].split(":")[:2]
        fix = ""
        if index.isdigit() and int(index) < len(ordered):
            fix = " ".join((ordered[int(index)].get("description") or "").split())
        message = r["failure_message"] or "failed"
        if fix and message.startswith(fix + " - "):
            message = message[len(fix) + 3 :]
        found.append(Finding(r.get("file_path") or r.get("unique_id") or "?", name, message, fix))
    return sorted(found, key=lambda f: (f.path, f.check))


def check(project: Path, target: Path, state: Path | None = None) -> list[Finding]:
    """Run the checks, print every failure, return them."""
    started = time.monotonic()
    results = run_bouncer(project, target, state)
    found = findings(project, results)
    for finding in found:
        print(finding)
    resources = len({r.get("unique_id") for r in results})
    log.info(
        "health: %d check runs over %d resources in, %d failed%s, %.1fs",
        len(results),
        resources,
        len(found),
        " (new since the base)" if state else "",
        time.monotonic() - started,
    )
    _print_scorecard(results)
    return found


def _print_scorecard(results: list[dict]) -> None:
    by_check: dict[str, list[int]] = {}
    for r in results:
        name = r["check_run_id"].split(":")[0]
        passed, total = by_check.setdefault(name, [0, 0])
        by_check[name] = [passed + (r["outcome"] != "failed"), total + 1]
    print("checks (resources passing):")
    for name, (passed, total) in sorted(by_check.items()):
        print(f"  {name:<48} {passed:>4}/{total:<4} {100 * passed / total:5.1f}%")


def manifest_coverage(target: Path) -> dict[str, tuple[int, int]]:
    """Documented and tested shares, from the manifest alone (declared columns only)."""
    manifest = json.loads((target / "manifest.json").read_text())
    project = manifest["metadata"].get("project_name")
    models = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["package_name"] == project
    ]
    tested_columns: set[tuple[str, str]] = set()
    tested_models: set[str] = set()
    for n in manifest["nodes"].values():
        if n["resource_type"] == "test" and n.get("attached_node"):
            tested_models.add(n["attached_node"])
            if n.get("column_name"):
                tested_columns.add((n["attached_node"], n["column_name"].lower()))
    columns = [(m, c) for m in models for c in m["columns"].values()]
    gold = [(m, c) for m, c in columns if m["original_file_path"].startswith(GOLD)]
    return {
        "models with a description": (
            sum(bool(m["description"].strip()) for m in models),
            len(models),
        ),
        "models with a test": (sum(m["unique_id"] in tested_models for m in models), len(models)),
        "declared columns documented": (
            sum(bool(c["description"].strip()) for _, c in columns),
            len(columns),
        ),
        "declared gold columns documented": (
            sum(bool(c["description"].strip()) for _, c in gold),
            len(gold),
        ),
        "declared columns tested": (
            sum((m["unique_id"], c["name"].lower()) in tested_columns for m, c in columns),
            len(columns),
        ),
    }


def catalog_coverage(project: Path, target: Path) -> dict[str, tuple[int, int]]:
    """dbt-coverage's column-level doc and test coverage, when ``target`` has a catalog."""
    catalog = target / "catalog.json"
    if not catalog.exists() or not json.loads(catalog.read_text()).get("nodes"):
        return {}
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bank-coverage-") as scratch:
        for kind in ("doc", "test"):
            report = Path(scratch) / f"{kind}.json"
            cmd = [
                tool("dbt-coverage"),
                "compute",
                kind,
                "--run-artifacts-dir",
                str(target),
                "--cov-report",
                str(report),
                "--model-path-filter",
                "models/",
            ]
            result = run(cmd, cwd=project)
            if not result.ok or not report.exists():
                raise WorkflowError(f"dbt-coverage compute {kind} failed:\n{tail(result.output)}")
            data = json.loads(report.read_text())
            figures[f"warehouse columns {'documented' if kind == 'doc' else 'tested'}"] = (
                data["covered"],
                data["total"],
            )
    return figures


def print_coverage(figures: dict[str, tuple[int, int]]) -> None:
    print("coverage:")
    for name, (covered, total) in figures.items():
        share = f"{100 * covered / total:5.1f}%" if total else "    -"
        print(f"  {name:<48} {covered:>4}/{total:<4} {share}")


def parse(project: Path, target: Path) -> None:
    env = dbt_env(project, target.parent / "health.duckdb")
    ensure_deps(project, env)
    result = run([tool("dbt"), "parse", "--target-path", str(target)], cwd=project, env=env)
    if not result.ok:
        raise WorkflowError(f"dbt parse failed, fix it first (make lint):\n{tail(result.output)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--target", type=Path, help="artifacts to check (default: parse now)")
    parser.add_argument("--state", type=Path, help="report only failures not in these artifacts")
    args = parser.parse_args(argv)
    setup_logging()
    project = args.project_dir.resolve()
    try:
        with tempfile.TemporaryDirectory(prefix="bank-health-") as scratch:
            target = args.target.resolve() if args.target else Path(scratch) / "target"
            if not args.target:
                parse(project, target)
            found = check(project, target, args.state and args.state.resolve())
            figures = manifest_coverage(target)
            figures.update(catalog_coverage(project, target))
            print_coverage(figures)
    except WorkflowError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if found:
        print(f"health failed: {len(found)} finding(s) above, each with its fix", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
